package io.hookrelay.delivery;

import java.net.UnknownHostException;

/**
 * The sender's resolver refused every address of a host under the target policy (SSRF check at
 * connect time). An {@link UnknownHostException} so HttpClient fails the connect with it as it is.
 */
final class RefusedTargetException extends UnknownHostException {

    RefusedTargetException(String message) {
        super(message);
    }
}
