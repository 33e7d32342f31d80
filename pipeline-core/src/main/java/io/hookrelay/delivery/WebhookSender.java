package io.hookrelay.delivery;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.config.Durations;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.WireHeaders;
import io.hookrelay.delivery.ExcerptResponseConsumer.Answer;
import io.hookrelay.postback.PostbackTemplate;
import io.hookrelay.signing.WebhookSigner;
import io.hookrelay.subscription.Postback;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.subscription.TargetPolicy;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.async.methods.SimpleRequestProducer;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Method;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * Makes signed delivery attempts (contract §4) with one shared asynchronous HTTP client: a
 * {@code POST} of {@code {"type", "timestamp", "data"}} with the Standard Webhooks headers, over
 * pooled keep-alive connections. Redirects are not followed. Each host is resolved through the
 * {@link TargetPolicy} right before connecting.
 *
 * <p>Connections follow subscriptions, not hosts: what bounds the requests to an endpoint is each
 * subscription's {@code max_in_flight} (the {@link SubscriptionLimiter}), and the pool is sized
 * above the service's {@code WEBHOOKS_MAX_IN_FLIGHT}, so a request never waits for a connection
 * behind another host, and a hundred subscriptions on one tracker host each get their own limit.
 * (A pool capped per host, 20 connections, held those hundred to 400 requests a second together at
 * 50 ms an answer.) {@code WEBHOOKS_MAX_CONNECTIONS_PER_ENDPOINT} adds a cap per host:port when an
 * operator wants one; then a slow host queues on its own connections only.
 *
 * <p>The event in the body is shaped per subscription at send time ({@link PayloadShaper}): its
 * {@code fields}, its {@code player_ref} hashing and the operator's never-sent fields as they are
 * now, so a change applies to retries too; the delivery on Kafka keeps the whole event. A postback
 * subscription gets its templates rendered with that same shaped event instead.
 *
 * <p>Time limits, all from {@code WEBHOOKS_HTTP_TIMEOUT}: waiting for a pooled connection, connecting,
 * and waiting for the answer each get the timeout; the whole attempt is cut off at twice the
 * timeout, so a subscriber trickling an endless body cannot hold a delivery forever.
 */
public final class WebhookSender implements AutoCloseable {

    public static final String USER_AGENT = "Hookrelay/0.1";
    private static final int CONNECTION_BUFFER_BYTES = 4096;
    /** The contract's content type; JSON is UTF-8 by definition (RFC 8259), so no charset parameter. */
    private static final ContentType JSON = ContentType.create("application/json");
    /** A form postback body; its values are percent-encoded UTF-8 ({@link PostbackTemplate.Encoding#FORM}). */
    private static final ContentType FORM = ContentType.create("application/x-www-form-urlencoded");

    private final CloseableHttpAsyncClient client;
    private final ScheduledExecutorService deadlines;
    /** Exchanges not yet answered, so that closing can cut them off rather than wait for them. */
    private final Set<Future<?>> inFlight = ConcurrentHashMap.newKeySet();
    private final Duration timeout;
    private final Clock clock;
    /** Operator id to the fields never sent to any of its subscribers ({@code WEBHOOKS_NEVER_SENT_FIELDS}). */
    private final Map<String, Set<String>> neverSent;
    /**
     * Subscription id to what its deliveries need that changes only with the subscription. One entry
     * per subscription this sender has delivered to, replaced when it changes (a deleted one's stays,
     * a few hundred bytes).
     */
    private final Map<String, Prepared> prepared = new ConcurrentHashMap<>();

    /** A sender that removes no operator's fields beyond what each subscription asks for. */
    public WebhookSender(Duration timeout, int maxPerEndpoint, int maxTotal, TargetPolicy policy, Clock clock) {
        this(timeout, maxPerEndpoint, maxTotal, policy, clock, Map.of());
    }

    /**
     * @param timeout per-step limit (pool lease, connect, answer)
     * @param maxPerEndpoint pooled connections per host:port
     * @param maxTotal pooled connections in all; keep it above the number of attempts in flight, so
     *                 that waiting for a connection only ever happens behind the same endpoint
     * @param neverSent operator id to the event fields its subscribers never receive
     */
    public WebhookSender(Duration timeout, int maxPerEndpoint, int maxTotal, TargetPolicy policy, Clock clock,
                         Map<String, Set<String>> neverSent) {
        this.timeout = timeout;
        this.clock = clock;
        this.neverSent = Map.copyOf(neverSent);
        Timeout t = Timeout.of(timeout);
        PoolingAsyncClientConnectionManager pool = PoolingAsyncClientConnectionManagerBuilder.create()
                .setMaxConnPerRoute(maxPerEndpoint)
                .setMaxConnTotal(maxTotal)
                .setPoolConcurrencyPolicy(PoolConcurrencyPolicy.STRICT)
                .setDnsResolver(new PolicyDnsResolver(policy))
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(t)
                        .setSocketTimeout(t)
                        // Reconnect now and then, so the connect-time target check sees DNS changes.
                        .setTimeToLive(TimeValue.ofMinutes(5))
                        .setValidateAfterInactivity(TimeValue.ofSeconds(2))
                        .build())
                // One request per connection: the per-endpoint limit then bounds concurrent requests.
                .setDefaultTlsConfig(TlsConfig.custom().setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_1)
                        .setHandshakeTimeout(t).build())
                .build();
        this.client = HttpAsyncClients.custom()
                .setConnectionManager(pool)
                // Each pooled connection keeps an input and an output buffer of this size; the
                // library's 32 KB each made a thousand subscribers' connections 64 MB of heap. Our
                // bodies are a few KB and we read at most an excerpt of the answer; buffers grow
                // when a body needs more.
                .setHttp1Config(Http1Config.custom().setBufferSize(CONNECTION_BUFFER_BYTES).build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(t)
                        .setResponseTimeout(t)
                        .setRedirectsEnabled(false)
                        .build())
                .disableRedirectHandling()
                // Retrying is the pipeline's job, on its schedule and with its records; a silent
                // client-side resend would be an attempt nobody wrote down. Only a request never
                // sent (its pooled connection closed by the endpoint meanwhile) goes again.
                .setRetryStrategy(new UnsentRequestRetry())
                .disableCookieManagement()
                .disableAuthCaching()
                .setUserAgent(USER_AGENT)
                .evictIdleConnections(TimeValue.ofSeconds(30))
                .build();
        this.client.start();
        ScheduledThreadPoolExecutor deadlineTimer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "webhook-sender-deadlines");
            th.setDaemon(true);
            return th;
        });
        // Almost every deadline is cancelled by its answer; without this a cancelled one stays queued
        // until its time (twice the HTTP timeout), holding its exchange and body: at thousands of
        // deliveries a second, that is most of the heap.
        deadlineTimer.setRemoveOnCancelPolicy(true);
        this.deadlines = deadlineTimer;
    }

    /**
     * A sender configured from {@code WEBHOOKS_HTTP_TIMEOUT}, the connection limits, the target policy
     * and {@code WEBHOOKS_NEVER_SENT_FIELDS}.
     */
    public static WebhookSender fromConfig(PipelineConfig config, Clock clock) {
        int maxInFlight = config.get(PipelineConfig.MAX_IN_FLIGHT);
        int maxTotal = Math.max(2000, 2 * maxInFlight);
        int perEndpoint = config.get(PipelineConfig.MAX_CONNECTIONS_PER_ENDPOINT);
        return new WebhookSender(config.get(PipelineConfig.HTTP_TIMEOUT),
                perEndpoint == 0 ? maxTotal : perEndpoint,
                maxTotal,
                new TargetPolicy(config.get(PipelineConfig.ALLOW_PRIVATE_TARGETS)), clock,
                config.get(PipelineConfig.NEVER_SENT_FIELDS));
    }

    /**
     * Makes one attempt of {@code d} to {@code s}. Never throws and never fails the future: every
     * problem becomes a retriable or permanent {@link AttemptResult}.
     *
     * <p>The future completes on an HTTP I/O thread: callers must not block in its dependents
     * (use the {@code ...Async} stages with their own executor for anything that may block).
     */
    public CompletableFuture<AttemptResult> send(Delivery d, Subscription s) {
        if (s.isPostback()) {
            return sendPostback(d, s);
        }
        byte[] body;
        try {
            body = body(d, s);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(FailureClassifier.failure(e, endpointOf(s.calledUrl()), timeout,
                    clock.millis(), 0));
        }
        return send(d.webhookId(), body, s);
    }

    /**
     * A postback: {@code url_template} rendered with the event as {@code s} may see it (the same shaping
     * as a JSON body), sent as a {@code GET} without a body or a {@code POST} of the rendered
     * {@code body_template}, with the same headers; for a {@code GET} the signature covers an empty
     * body. The macros rendered empty go on the result.
     */
    private CompletableFuture<AttemptResult> sendPostback(Delivery d, Subscription s) {
        PostbackRequest r;
        try {
            r = postbackRequest(d, s);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(FailureClassifier.failure(e, endpointOf(s.calledUrl()), timeout,
                    clock.millis(), 0));
        }
        byte[] bytes = r.body() == null ? new byte[0] : r.body().getBytes(StandardCharsets.UTF_8);
        ContentType type = contentTypeOf(r);
        return exchange(d.webhookId(), r.url(), r.body() == null ? Method.GET : Method.POST, bytes, type, s)
                .thenApply(a -> a.withEmptyMacros(r.emptyMacros()));
    }

    /**
     * What an attempt of {@code d} to {@code s} sends, rendered but not sent: for the API's postback
     * preview and the delivery log's body. The headers are left out: they are made per attempt (its
     * timestamp, the secrets active then).
     *
     * @param method {@code POST}, or {@code GET} for a postback without a body
     * @param body the body as sent, UTF-8 text; null for a {@code GET}
     * @param contentType the body's {@code content-type}; null for a {@code GET}
     * @param emptyMacros a postback's macros that rendered empty, URL's first, each once; null in JSON mode
     */
    public record Rendered(String method, String url, String contentType, String body, List<String> emptyMacros) {
    }

    /**
     * Renders what an attempt of {@code d} to {@code s} would send now, with the same code an attempt
     * uses: the JSON body ({@link #body}) or the postback ({@link #postbackRequest}), each with the
     * event shaped for {@code s} as it is now.
     *
     * @throws RuntimeException ({@link InvalidSubscriptionException}, {@link Postback.InvalidPostbackException})
     *                          when {@code s} cannot be used; an attempt fails the same way
     */
    public Rendered render(Delivery d, Subscription s) {
        if (!s.isPostback()) {
            return new Rendered(Method.POST.name(), s.url(), JSON.getMimeType(),
                    new String(body(d, s), StandardCharsets.UTF_8), null);
        }
        PostbackRequest r = postbackRequest(d, s);
        ContentType type = contentTypeOf(r);
        return new Rendered(r.body() == null ? Method.GET.name() : Method.POST.name(), r.url(),
                type == null ? null : type.getMimeType(), r.body(), r.emptyMacros());
    }

    /**
     * What a postback attempt of {@code d} to {@code s} sends, rendered but not sent: the one place a
     * postback is rendered.
     *
     * @param body the rendered {@code body_template}, null for a {@code GET}
     * @param bodyEncoding how {@code body} was encoded, null for a {@code GET}
     * @param emptyMacros the macros that rendered empty, URL's first, each once
     */
    private record PostbackRequest(String url, String body, PostbackTemplate.Encoding bodyEncoding, List<String> emptyMacros) {
    }

    private static ContentType contentTypeOf(PostbackRequest r) {
        return r.body() == null ? null : r.bodyEncoding() == PostbackTemplate.Encoding.JSON ? JSON : FORM;
    }

    /**
     * Renders {@code s}'s templates with {@code d}'s event as {@code s} may see it (the same shaping as
     * a JSON body).
     *
     * @throws RuntimeException ({@link InvalidSubscriptionException}, {@link Postback.InvalidPostbackException})
     *                          when {@code s} cannot be used
     */
    private PostbackRequest postbackRequest(Delivery d, Subscription s) {
        Prepared prep = prepared(s);
        Postback p = prep.postback();
        JsonNode event = prep.shaper().shape(d.event());
        Map<String, Map<String, String>> values = s.valueMap() == null ? Map.of() : s.valueMap();
        PostbackTemplate.Rendered url = p.url().render(event, d.webhookId(), values, PostbackTemplate.Encoding.URL);
        PostbackTemplate.Rendered body = p.post() ? p.body().render(event, d.webhookId(), values, p.bodyEncoding()) : null;
        List<String> empty = new ArrayList<>(url.emptyMacros());
        if (body != null) {
            body.emptyMacros().stream().filter(m -> !empty.contains(m)).forEach(empty::add);
        }
        return new PostbackRequest(url.text(), body == null ? null : body.text(), body == null ? null : p.bodyEncoding(),
                empty);
    }

    /**
     * Makes one signed {@code POST} of {@code body} to {@code s} with the same headers, signing, time
     * limits and target checks as a delivery, for payloads that are not an event delivery (a test
     * event, for instance). Never throws and never fails the future; the same threading rules as
     * {@link #send(Delivery, Subscription)} apply.
     *
     * @param webhookId the {@code webhook-id} header, signed with the body
     * @param body UTF-8 JSON, sent as it is
     */
    public CompletableFuture<AttemptResult> send(String webhookId, byte[] body, Subscription s) {
        return exchange(webhookId, s.url(), Method.POST, body, JSON, s);
    }

    /** One signed request of {@code body} (empty for a GET, then {@code type} is null) to {@code url}. */
    private CompletableFuture<AttemptResult> exchange(String webhookId, String url, Method method, byte[] body,
                                                      ContentType type, Subscription s) {
        long attemptedAt = clock.millis();
        long startNanos = System.nanoTime();
        String endpoint = endpointOf(url);
        try {
            URI uri = target(url);
            if (s.secret() == null || s.secret().isBlank()) {
                throw new InvalidSubscriptionException("subscription " + s.id() + " has no signing secret", null);
            }
            long timestamp = Math.floorDiv(attemptedAt, 1000L);
            SimpleRequestBuilder builder = method == Method.POST
                    ? SimpleRequestBuilder.post(uri).setBody(body, type)
                    : SimpleRequestBuilder.get(uri);
            SimpleHttpRequest request = builder
                    .addHeader(WireHeaders.HTTP_WEBHOOK_ID, webhookId)
                    .addHeader(WireHeaders.HTTP_WEBHOOK_TIMESTAMP, Long.toString(timestamp))
                    .addHeader(WireHeaders.HTTP_WEBHOOK_SIGNATURE,
                            WebhookSigner.signatureHeader(s.signingSecrets(Instant.ofEpochMilli(attemptedAt)),
                                    webhookId, timestamp, body))
                    .build();
            TimedRequestProducer producer = new TimedRequestProducer(SimpleRequestProducer.create(request));
            CompletableFuture<AttemptResult> result = new CompletableFuture<>();
            Future<Answer> exchange = client.execute(producer, new ExcerptResponseConsumer(), null,
                    new FutureCallback<>() {
                        @Override
                        public void completed(Answer a) {
                            long latency = latencyMs(producer, startNanos);
                            result.complete(FailureClassifier.answer(a.status(), a.retryAfter(), a.excerpt(),
                                    attemptedAt, latency, clock.instant()));
                        }

                        @Override
                        public void failed(Exception e) {
                            result.complete(FailureClassifier.failure(e, endpoint, timeout, attemptedAt,
                                    latencyMs(producer, startNanos)));
                        }

                        @Override
                        public void cancelled() {
                            // Completed first by the deadline below, when it was the one that cancelled.
                            result.complete(FailureClassifier.failure(new CancellationException(),
                                    endpoint, timeout, attemptedAt, latencyMs(producer, startNanos)));
                        }
                    });
            Duration limit = timeout.multipliedBy(2);
            ScheduledFuture<?> deadline = deadlines.schedule(() -> {
                result.complete(FailureClassifier.failure(new AttemptDeadlineException("no complete answer from "
                                + endpoint + " within " + Durations.format(limit)
                                + " (twice WEBHOOKS_HTTP_TIMEOUT); the attempt was cut off"),
                        endpoint, timeout, attemptedAt, latencyMs(producer, startNanos)));
                exchange.cancel(true);
            }, limit.toMillis(), TimeUnit.MILLISECONDS);
            inFlight.add(exchange);
            result.whenComplete((r, e) -> {
                deadline.cancel(false);
                inFlight.remove(exchange);
            });
            return result;
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(FailureClassifier.failure(e, endpoint, timeout, attemptedAt,
                    (System.nanoTime() - startNanos) / 1_000_000));
        }
    }

    /**
     * The body {@code s} receives (contract §4): {@code {"type", "timestamp", "data"}}, UTF-8 JSON,
     * {@code data} being the event as {@code s} may see it.
     */
    byte[] body(Delivery d, Subscription s) {
        ObjectNode body = Json.object();
        body.put("type", d.eventType());
        body.put("timestamp", d.occurredAt());
        body.set("data", prepared(s).shaper().shape(d.event()));
        return Json.bytes(body);
    }

    /**
     * A subscription's payload shaper and, for a postback, its parsed templates.
     *
     * @param version the subscription they were made from
     * @param postback null for a JSON-mode subscription
     */
    private record Prepared(Subscription version, PayloadShaper shaper, Postback postback) {
    }

    /**
     * What {@code s}'s deliveries need, made once per version of the subscription rather than per
     * delivery: the catalog hands out the same instance until the subscription changes.
     *
     * @throws InvalidSubscriptionException or {@link Postback.InvalidPostbackException} when {@code s} cannot be used
     */
    private Prepared prepared(Subscription s) {
        Prepared known = prepared.get(s.id());
        if (known != null && known.version() == s) {
            return known;
        }
        Prepared p = new Prepared(s, shaperOf(s), s.isPostback() ? Postback.of(s) : null);
        prepared.put(s.id(), p);
        return p;
    }

    private PayloadShaper shaperOf(Subscription s) {
        byte[] key = null;
        if (s.hashesPlayerRef()) {
            if (s.playerRefKey() == null) {
                throw new InvalidSubscriptionException("subscription " + s.id()
                        + " has player_ref hashed but no player_ref_key", null);
            }
            try {
                key = Base64.getDecoder().decode(s.playerRefKey());
            } catch (IllegalArgumentException e) {
                throw new InvalidSubscriptionException("subscription " + s.id() + " has a player_ref_key that is not base64", e);
            }
        }
        return new PayloadShaper(neverSent.getOrDefault(s.operatorId(), Set.of()), s.fields(), key);
    }

    /**
     * {@code scheme://host[:port]} of a URL: what logs, errors and attempt records may show of an
     * endpoint. Paths and queries can hold the subscriber's own tokens, so they are left out.
     */
    public static String endpointOf(String url) {
        try {
            URI u = new URI(url);
            if (u.getHost() == null) {
                return "<invalid URL>";
            }
            return u.getScheme() + "://" + u.getHost() + (u.getPort() == -1 ? "" : ":" + u.getPort());
        } catch (URISyntaxException | NullPointerException e) {
            return "<invalid URL>";
        }
    }

    private static URI target(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException | NullPointerException e) {
            throw new InvalidSubscriptionException("the subscription URL (or rendered postback URL) is not a valid URL", e);
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || uri.getHost() == null) {
            throw new InvalidSubscriptionException("the subscription URL is not an http(s) URL with a host", null);
        }
        return uri;
    }

    private static long latencyMs(TimedRequestProducer producer, long startNanos) {
        long sent = producer.sentNanos();
        return (System.nanoTime() - (sent != 0 ? sent : startNanos)) / 1_000_000;
    }

    /** Cancels attempts still in flight (they complete as retriable failures) and closes every connection. */
    @Override
    public void close() {
        inFlight.forEach(f -> f.cancel(true));
        client.close(CloseMode.GRACEFUL);
        deadlines.shutdownNow();
    }
}
