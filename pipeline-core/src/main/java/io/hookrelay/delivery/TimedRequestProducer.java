package io.hookrelay.delivery;

import java.io.IOException;

import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.RequestChannel;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * Notes when a request actually leaves on a connection, so latency measures the subscriber, not
 * the wait for a pooled connection to its endpoint.
 */
final class TimedRequestProducer implements AsyncRequestProducer {

    private final AsyncRequestProducer delegate;
    private volatile long sentNanos;

    TimedRequestProducer(AsyncRequestProducer delegate) {
        this.delegate = delegate;
    }

    /** {@link System#nanoTime()} when the request was sent, or 0 when it never was. */
    long sentNanos() {
        return sentNanos;
    }

    @Override
    public void sendRequest(RequestChannel channel, HttpContext context) throws HttpException, IOException {
        if (sentNanos == 0) {
            sentNanos = System.nanoTime();
        }
        delegate.sendRequest(channel, context);
    }

    @Override
    public boolean isRepeatable() {
        return delegate.isRepeatable();
    }

    @Override
    public void failed(Exception cause) {
        delegate.failed(cause);
    }

    @Override
    public int available() {
        return delegate.available();
    }

    @Override
    public void produce(DataStreamChannel channel) throws IOException {
        delegate.produce(channel);
    }

    @Override
    public void releaseResources() {
        delegate.releaseResources();
    }
}
