package io.hookrelay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.RequestNotExecutedException;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.message.BasicHttpResponse;
import org.apache.hc.core5.http.protocol.BasicHttpContext;
import org.junit.jupiter.api.Test;

/** Only a request that never left goes again; anything the subscriber may have seen is the pipeline's to retry. */
class UnsentRequestRetryTest {

    private final UnsentRequestRetry retry = new UnsentRequestRetry();
    private final BasicHttpRequest post = new BasicHttpRequest("POST", "/hook");

    @Test
    void resendsARequestNeverSentUpToTheLimit() {
        assertThat(retry.retryRequest(post, new RequestNotExecutedException(), 1, new BasicHttpContext())).isTrue();
        assertThat(retry.retryRequest(post, new RequestNotExecutedException(), UnsentRequestRetry.MAX_RESENDS,
                new BasicHttpContext())).isTrue();
        assertThat(retry.retryRequest(post, new RequestNotExecutedException(), UnsentRequestRetry.MAX_RESENDS + 1,
                new BasicHttpContext())).isFalse();
    }

    @Test
    void neverResendsWhatMayHaveReachedTheSubscriber() {
        // Closed after the request went out: it may have been processed, so it is an attempt.
        assertThat(retry.retryRequest(post, new ConnectionClosedException("Connection closed by peer"), 1,
                new BasicHttpContext())).isFalse();
        assertThat(retry.retryRequest(new BasicHttpResponse(503), 1, new BasicHttpContext())).isFalse();
    }
}
