/** HTTP plumbing shared by the services' APIs: the server, bearer keys and the error shape. */
package io.hookrelay.http;
