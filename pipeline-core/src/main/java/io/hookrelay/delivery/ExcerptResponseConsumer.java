package io.hookrelay.delivery;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.apache.hc.client5.http.async.methods.AbstractBinResponseConsumer;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpResponse;

/**
 * Reads a subscriber's answer keeping only its status, its {@code Retry-After} and the first
 * {@link #MAX_EXCERPT_BYTES} of its body. The rest of the body is read and dropped, not left
 * unread, so the connection stays reusable for the next delivery (keep-alive).
 */
final class ExcerptResponseConsumer extends AbstractBinResponseConsumer<ExcerptResponseConsumer.Answer> {

    static final int MAX_EXCERPT_BYTES = 1024;

    /** What the sender needs of an answer. */
    record Answer(int status, String retryAfter, String excerpt) {
    }

    private final ByteBuffer excerpt = ByteBuffer.allocate(MAX_EXCERPT_BYTES);
    private int status;
    private String retryAfter;

    @Override
    protected void start(HttpResponse response, ContentType contentType) {
        status = response.getCode();
        Header h = response.getFirstHeader(HttpHeaders.RETRY_AFTER);
        retryAfter = h == null ? null : h.getValue();
    }

    @Override
    protected int capacityIncrement() {
        // We drop what we do not keep, so let the body stream at full speed.
        return 64 * 1024;
    }

    @Override
    protected void data(ByteBuffer src, boolean endOfStream) {
        int keep = Math.min(src.remaining(), excerpt.remaining());
        if (keep > 0) {
            ByteBuffer slice = src.slice();
            slice.limit(keep);
            excerpt.put(slice);
        }
        src.position(src.limit());
    }

    @Override
    protected Answer buildResult() {
        return new Answer(status, retryAfter, new String(excerpt.array(), 0, excerpt.position(), StandardCharsets.UTF_8));
    }

    @Override
    public void releaseResources() {
        // Nothing held beyond the excerpt buffer, which the result has already copied.
    }
}
