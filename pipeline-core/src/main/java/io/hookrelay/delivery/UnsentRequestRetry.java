package io.hookrelay.delivery;

import java.io.IOException;

import org.apache.hc.client5.http.HttpRequestRetryStrategy;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.RequestNotExecutedException;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.util.TimeValue;

/**
 * The one client-side retry the sender allows: a request that was never sent, because the pooled
 * keep-alive connection it was given had been closed by the endpoint in the meantime
 * ({@link RequestNotExecutedException}), goes again at once on another connection. Nothing reached
 * the subscriber, so it is not an attempt, and there is nothing to write down. Everything else
 * (an answer of any status, a connection lost after sending) is the pipeline's to retry, on its
 * schedule and with its records.
 *
 * <p>Why it matters: an endpoint closes idle keep-alive connections as it sees fit (the JDK's
 * server keeps at most 200), and with connections following subscriptions a busy tracker host can
 * hold hundreds of them. Without this, each such close cost a failed attempt and a retry.
 */
final class UnsentRequestRetry implements HttpRequestRetryStrategy {

    /**
     * An endpoint can close many idle connections at once (the JDK's server closes every one past its
     * 200 as it goes idle), and each resend may be handed another of them; past this many the request
     * fails as it would have without the resends.
     */
    static final int MAX_RESENDS = 10;

    @Override
    public boolean retryRequest(HttpRequest request, IOException exception, int execCount, HttpContext context) {
        return exception instanceof RequestNotExecutedException && execCount <= MAX_RESENDS;
    }

    @Override
    public boolean retryRequest(HttpResponse response, int execCount, HttpContext context) {
        return false;
    }

    @Override
    public TimeValue getRetryInterval(HttpRequest request, IOException exception, int execCount, HttpContext context) {
        return TimeValue.ZERO_MILLISECONDS;
    }

    @Override
    public TimeValue getRetryInterval(HttpResponse response, int execCount, HttpContext context) {
        return TimeValue.ZERO_MILLISECONDS;
    }
}
