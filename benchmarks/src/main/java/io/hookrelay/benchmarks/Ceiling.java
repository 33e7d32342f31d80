package io.hookrelay.benchmarks;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.io.CloseMode;

/**
 * The best the HTTP leg can do on this machine: the same webhook bodies POSTed with HttpClient 5
 * async straight to the receiver's fast path, no Kafka, at most {@code inFlight} at a time.
 */
final class Ceiling {

    private Ceiling() {
    }

    static ScenarioResult run(ReceiverProcess receiver, int requests, int inFlight) throws Exception {
        System.out.printf("%n== ceiling: %d async POSTs, %d in flight, no Kafka%n", requests, inFlight);
        receiver.reset();
        Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
        Semaphore permits = new Semaphore(inFlight);
        Scenarios.Sampler sampler = new Scenarios.Sampler(null);
        long[] sent = new long[requests];
        long failed;
        try (CloseableHttpAsyncClient client = HttpAsyncClients.custom()
                .setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
                        .setMaxConnPerRoute(inFlight).setMaxConnTotal(inFlight).build())
                .build()) {
            client.start();
            java.util.concurrent.atomic.AtomicLong errors = new java.util.concurrent.atomic.AtomicLong();
            String url = receiver.url("/fast/ceiling");
            for (int n = 0; n < requests; n++) {
                permits.acquire();
                Instant now = Instant.now();
                sent[n] = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
                String event = Scenarios.canonicalEvent("ceiling-" + n, Scenarios.brand(n % 100), now);
                SimpleHttpRequest req = SimpleRequestBuilder.post(url)
                        .addHeader("webhook-id", "msg_ceiling_" + n)
                        .setBody("{\"type\":\"conversion.ftd\",\"timestamp\":\"" + now + "\",\"data\":" + event + "}",
                                ContentType.APPLICATION_JSON)
                        .build();
                client.execute(req, new FutureCallback<SimpleHttpResponse>() {
                    @Override
                    public void completed(SimpleHttpResponse result) {
                        permits.release();
                    }

                    @Override
                    public void failed(Exception ex) {
                        if (errors.incrementAndGet() == 1) {
                            System.out.println("  first ceiling error: " + ex);
                        }
                        permits.release();
                    }

                    @Override
                    public void cancelled() {
                        errors.incrementAndGet();
                        permits.release();
                    }
                });
                if (n % 1000 == 0) {
                    sampler.sample();
                }
            }
            permits.acquire(inFlight);
            failed = errors.get();
            client.close(CloseMode.GRACEFUL);
        }
        long lastOk = 0;
        long duplicates = 0;
        for (ReceiverProcess.Seen s : receiver.stats()) {
            if (!s.eventId().startsWith("ceiling-") || s.ok() == 0) {
                continue;
            }
            int n = Integer.parseInt(s.eventId().substring("ceiling-".length()));
            duplicates += s.ok() - 1;
            lastOk = Math.max(lastOk, s.firstOkMicros());
            latency.recordValue(Math.max(0, Math.min(latency.getHighestTrackableValue(), s.firstOkMicros() - sent[n])));
        }
        double seconds = Math.max(1e-6, (lastOk - sent[0]) / 1e6);
        long delivered = latency.getTotalCount();
        LinkedHashMap<String, Object> extra = new LinkedHashMap<>();
        extra.put("in_flight", inFlight);
        extra.put("client_errors", failed);
        ScenarioResult r = new ScenarioResult("ceiling", "HttpClient 5 async POSTs straight to the receiver, no Kafka",
                1, requests, delivered, duplicates, requests - delivered, Scenarios.round(delivered / seconds),
                Scenarios.round(seconds), Scenarios.ms(latency.getValueAtPercentile(50)),
                Scenarios.ms(latency.getValueAtPercentile(99)), Scenarios.ms(latency.getValueAtPercentile(99.9)),
                Scenarios.ms(latency.getMaxValue()), sampler.peakHeapMb(), sampler.peakRssMb(), null, extra);
        System.out.println("  " + r.oneLine());
        return r;
    }
}
