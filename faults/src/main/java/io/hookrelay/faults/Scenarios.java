package io.hookrelay.faults;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.kafka.embedded.Processes;
import io.hookrelay.retry.RetrySchedule;

/**
 * The fault scenarios F1 to F6, each on a fresh {@link Rig}. Every one streams events through
 * both ways in (HTTP and straight to Kafka), injects its fault mid-stream, waits (bounded) for
 * everything accepted to reach the subscriber, and counts.
 */
final class Scenarios {

    /** The sizes and times of a run. */
    record Scale(int f1Rounds, int f1EventsPerRound, int rate, int f2OutageSeconds, int f3Kills, int f3EventsPerKill,
                 Duration f4Outage, int f4Events, int f5StallSeconds, int f5Events, int f6Events, int f6Rate,
                 int waitSeconds, int partitions, int batchSize, int giveUpSeconds, int brokerDownSeconds) {
    }

    private static final String PATH = "/sub-a";
    private static final String BRAND = "b-a";

    private final Path out;
    private final Scale scale;

    Scenarios(Path out, Scale scale) {
        this.out = out;
        this.scale = scale;
    }

    private Rig rig(String name, List<String> modes, Map<String, String> env, boolean viaProxy) throws Exception {
        return Rig.start(out.resolve("logs").resolve(name), modes, env, viaProxy, scale.partitions(), scale.batchSize(),
                Duration.ofSeconds(scale.giveUpSeconds()));
    }

    private static void log(String line) {
        System.out.println("[faults " + java.time.LocalTime.now().withNano(0) + "] " + line);
    }

    private long waitMs() {
        return scale.waitSeconds() * 1000L;
    }

    /** F1: the broker SIGKILLed mid-stream and restarted on the same log dir, round after round, under the all-in-one. */
    ScenarioResult f1() throws Exception {
        String d = scale.f1Rounds() + " rounds of " + scale.f1EventsPerRound() + " events at " + scale.rate()
                + "/s (half HTTP, half Kafka), broker SIGKILLed at the middle of each and restarted "
                + scale.brokerDownSeconds() + " s later on the same log dir; all-in-one";
        try (Rig rig = rig("F1", List.of("all"), Map.of(), false)) {
            rig.subscribe(rig.subscriber.url(PATH), null);
            rig.awaitDelivering(PATH, BRAND);
            long started = System.currentTimeMillis();
            long faultEnd = 0;
            List<Double> brokerStarts = new java.util.ArrayList<>();
            for (int r = 1; r <= scale.f1Rounds(); r++) {
                Traffic.Stream s = rig.traffic.send(String.format("F1-r%02d", r), BRAND, scale.f1EventsPerRound(), scale.rate(), 0.5);
                while (s.generated() < scale.f1EventsPerRound() / 2) {
                    Processes.sleep(20);
                }
                log("F1 round " + r + ": SIGKILL the broker");
                rig.broker.kill();
                Processes.sleep(scale.brokerDownSeconds() * 1000L);
                long restart = System.currentTimeMillis();
                rig.broker.start();
                faultEnd = System.currentTimeMillis();
                brokerStarts.add(Tally.round((faultEnd - restart) / 1000.0));
                log("F1 round " + r + ": broker back");
                s.await();
            }
            Map<String, Object> x = trafficExtras(rig);
            x.put("broker_restart_to_answering_seconds", brokerStarts);
            ScenarioResult res = Tally.count("F1", d, scale.f1Rounds(), rig.traffic, rig.subscriber, PATH, Tally.tagged("F1"),
                    faultEnd, started, waitMs(), x, rig.broker.bootstrap());
            res.extra().put("health_at_end", rig.health());
            return res;
        }
    }

    /** F2: the broker stopped gracefully (SIGTERM) mid-stream for a minute: ingest must answer 503, never a 202 it loses. */
    ScenarioResult f2() throws Exception {
        int outage = scale.f2OutageSeconds();
        String d = "broker stopped with SIGTERM for " + outage + " s mid-stream (" + scale.rate() + " events/s, half HTTP,"
                + " half Kafka), then started again; all-in-one";
        try (Rig rig = rig("F2", List.of("all"), Map.of(), false)) {
            rig.subscribe(rig.subscriber.url(PATH), null);
            rig.awaitDelivering(PATH, BRAND);
            long started = System.currentTimeMillis();
            int events = scale.rate() * (outage + 20);
            Traffic.Stream s = rig.traffic.send("F2", BRAND, events, scale.rate(), 0.5);
            while (s.generated() < scale.rate() * 10) {
                Processes.sleep(20);
            }
            log("F2: SIGTERM the broker");
            rig.broker.stop();
            long down = System.currentTimeMillis();
            Processes.sleep(outage * 1000L);
            rig.broker.start();
            // The broker is away until it answers again, its start included.
            long faultEnd = System.currentTimeMillis();
            long up = faultEnd;
            log("F2: broker back");
            s.await();
            Map<String, Object> x = trafficExtras(rig);
            Map<Integer, Long> during = new java.util.TreeMap<>();
            synchronized (rig.traffic.answers) {
                for (long[] a : rig.traffic.answers) {
                    if (a[0] >= down && a[0] < up) {
                        during.merge((int) a[1], 1L, Long::sum);
                    }
                }
            }
            x.put("http_answers_during_outage_by_status", during);
            Set<String> acceptedInOutage = new HashSet<>();
            rig.traffic.accepted.forEach((id, at) -> {
                if (id.contains("-h-") && at >= down && at < up) {
                    acceptedInOutage.add(id);
                }
            });
            ScenarioResult res = Tally.count("F2", d, 1, rig.traffic, rig.subscriber, PATH, Tally.tagged("F2"), faultEnd,
                    started, waitMs(), x, rig.broker.bootstrap());
            long lostOf202 = acceptedInOutage.stream().filter(id -> {
                Subscriber.Seen seen = rig.subscriber.seen(PATH).get(id);
                return seen == null || seen.delivered == 0;
            }).count();
            res.extra().put("events_202_during_outage", acceptedInOutage.size());
            res.extra().put("events_202_during_outage_lost", lostOf202);
            res.extra().put("scenario_checks_passed", lostOf202 == 0);
            res.extra().put("health_at_end", rig.health());
            return res;
        }
    }

    /** F3: ingest, dispatcher and retry as separate processes, each SIGKILLed in turn while traffic flows, and restarted. */
    ScenarioResult f3() throws Exception {
        int kills = scale.f3Kills();
        String d = kills + " SIGKILLs in turn of ingest, dispatcher and retry (separate processes), each restarted at once, "
                + scale.f3EventsPerKill() + " events per kill at " + scale.rate() + "/s; the subscriber answers 503 to the"
                + " first attempt of 10% of webhook ids, so the retry-service carries traffic too";
        try (Rig rig = rig("F3", List.of("ingest", "dispatcher", "retry"), Map.of(), false)) {
            rig.subscribe(rig.subscriber.url(PATH), null);
            rig.awaitDelivering(PATH, BRAND);
            rig.subscriber.failFirst(PATH, 0.1);
            long started = System.currentTimeMillis();
            int events = kills * scale.f3EventsPerKill();
            Traffic.Stream s = rig.traffic.send("F3", BRAND, events, scale.rate(), 0.5);
            List<String> order = List.of("ingest", "dispatcher", "retry");
            Map<String, Integer> killed = new LinkedHashMap<>();
            List<String> restarts = new java.util.ArrayList<>();
            long faultEnd = 0;
            for (int k = 0; k < kills; k++) {
                int threshold = (int) ((k + 0.5) * scale.f3EventsPerKill());
                while (s.generated() < threshold && s.generated() < events) {
                    Processes.sleep(20);
                }
                ServiceProcess victim = rig.service(order.get(k % order.size()));
                log("F3 kill " + (k + 1) + ": SIGKILL " + victim.mode());
                victim.kill();
                killed.merge(victim.mode(), 1, Integer::sum);
                Processes.sleep(1000);
                long restart = System.currentTimeMillis();
                victim.start();
                faultEnd = System.currentTimeMillis();
                restarts.add(victim.mode() + " " + Tally.round((faultEnd - restart) / 1000.0));
                log("F3 kill " + (k + 1) + ": " + victim.mode() + " healthy again");
            }
            s.await();
            Map<String, Object> x = trafficExtras(rig);
            x.put("kills_by_service", killed);
            x.put("restart_to_healthy_seconds", restarts);
            ScenarioResult res = Tally.count("F3", d, kills, rig.traffic, rig.subscriber, PATH, Tally.tagged("F3"), faultEnd,
                    started, waitMs(), x, rig.broker.bootstrap());
            res.extra().put("health_at_end", rig.health());
            return res;
        }
    }

    /**
     * F4, first half: a subscriber answering 503 for {@code f4Outage} under the default retry schedule;
     * everything arrives once it answers again, nothing is dead-lettered.
     */
    ScenarioResult f4LongOutage() throws Exception {
        RetrySchedule schedule = RetrySchedule.parse("5s,5m,30m,2h,5h,10h,10h");
        long outageMs = scale.f4Outage().toMillis();
        // The first attempt due after the outage: the delay sums past it, plus the sending time and a margin.
        long sum = 0;
        for (Duration delay : schedule.delays()) {
            sum += delay.toMillis();
            if (sum >= outageMs) {
                break;
            }
        }
        long wait = sum - outageMs + Math.max(waitMs(), 120_000);
        String d = "subscriber answers 503 for " + scale.f4Outage().toSeconds() + " s from the first event, default retry schedule "
                + "5s,5m,30m,...; " + scale.f4Events() + " events";
        try (Rig rig = rig("F4-long-outage", List.of("all"), Map.of(), false)) {
            String sub = rig.subscribe(rig.subscriber.url(PATH), null);
            rig.awaitDelivering(PATH, BRAND);
            rig.subscriber.mode(PATH, Subscriber.Mode.FAILING);
            long started = System.currentTimeMillis();
            Traffic.Stream s = rig.traffic.send("F4L", BRAND, scale.f4Events(), scale.rate(), 0.5);
            s.await();
            long end = started + outageMs;
            while (System.currentTimeMillis() < end) {
                Processes.sleep(500);
            }
            rig.subscriber.mode(PATH, Subscriber.Mode.HEALTHY);
            long faultEnd = System.currentTimeMillis();
            log("F4: subscriber healthy again; waiting up to " + wait / 1000 + " s for the next retry tier");
            Map<String, Object> x = trafficExtras(rig);
            ScenarioResult res = Tally.count("F4-long-outage", d, 1, rig.traffic, rig.subscriber, PATH, Tally.tagged("F4L"),
                    faultEnd, started, wait, x, rig.broker.bootstrap());
            int dead = deadLetters(rig, sub, null).size();
            res.extra().put("dead_lettered", dead);
            res.extra().put("scenario_checks_passed", dead == 0);
            return res;
        }
    }

    /**
     * F4, second half: a subscriber down past a short schedule (1s,1s): every event dead-lettered with
     * reason exhausted, then redriven through the retry-service API once it answers, and delivered.
     */
    ScenarioResult f4Exhausted() throws Exception {
        String d = "subscriber answers 503 past WEBHOOKS_RETRY_SCHEDULE=1s,1s: dead-lettered (exhausted), then healthy and "
                + "redriven through POST /v1/dead-letters/redrive; " + scale.f4Events() + " events";
        try (Rig rig = rig("F4-exhausted", List.of("all"), Map.of("WEBHOOKS_RETRY_SCHEDULE", "1s,1s"), false)) {
            String sub = rig.subscribe(rig.subscriber.url(PATH), null);
            rig.awaitDelivering(PATH, BRAND);
            rig.subscriber.mode(PATH, Subscriber.Mode.FAILING);
            long started = System.currentTimeMillis();
            Traffic.Stream s = rig.traffic.send("F4X", BRAND, scale.f4Events(), scale.rate(), 0.5);
            s.await();
            Set<String> accepted = new HashSet<>();
            rig.traffic.accepted.keySet().stream().filter(Tally.tagged("F4X")).forEach(accepted::add);
            Set<String> dead = new HashSet<>();
            long deadline = System.currentTimeMillis() + waitMs();
            while (System.currentTimeMillis() < deadline) {
                dead = deadLetters(rig, sub, "exhausted");
                if (dead.containsAll(accepted)) {
                    break;
                }
                Processes.sleep(2000);
            }
            long attemptsBefore = rig.subscriber.seen(PATH).entrySet().stream().filter(e -> e.getKey().startsWith("F4X-"))
                    .mapToLong(e -> e.getValue().attempts).sum();
            rig.subscriber.mode(PATH, Subscriber.Mode.HEALTHY);
            long redriven = 0;
            boolean more = true;
            while (more) {
                HttpResponse<String> r = rig.call("POST", rig.retryUrl() + "/v1/dead-letters/redrive?subscription_id="
                        + URLEncoder.encode(sub, StandardCharsets.UTF_8) + "&reason=exhausted&limit=1000", null);
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("Redrive answered " + r.statusCode() + " " + r.body());
                }
                JsonNode j = rig.json(r);
                redriven += j.get("redriven").asLong();
                more = j.path("has_more").asBoolean(false) && j.get("redriven").asLong() > 0;
            }
            long faultEnd = System.currentTimeMillis();
            log("F4: " + dead.size() + " dead-lettered, " + redriven + " redriven");
            Map<String, Object> x = trafficExtras(rig);
            Set<String> acceptedNotDead = new HashSet<>(accepted);
            acceptedNotDead.removeAll(dead);
            x.put("dead_lettered_exhausted", dead.stream().filter(Tally.tagged("F4X")).count());
            x.put("accepted_not_dead_lettered_in_time", acceptedNotDead.size());
            x.put("attempts_while_failing", attemptsBefore);
            x.put("redriven", redriven);
            x.put("scenario_checks_passed", acceptedNotDead.isEmpty());
            return Tally.count("F4-exhausted", d, 1, rig.traffic, rig.subscriber, PATH, Tally.tagged("F4X"), faultEnd, started,
                    waitMs(), x, rig.broker.bootstrap());
        }
    }

    /** The event ids of a subscription's dead letters (of {@code reason} when given), through the retry-service API. */
    private static Set<String> deadLetters(Rig rig, String sub, String reason) throws Exception {
        Set<String> ids = new HashSet<>();
        String since = null;
        for (int page = 0; page < 1000; page++) {
            String url = rig.retryUrl() + "/v1/dead-letters?limit=1000&subscription_id=" + URLEncoder.encode(sub, StandardCharsets.UTF_8)
                    + (reason == null ? "" : "&reason=" + reason)
                    + (since == null ? "" : "&since=" + URLEncoder.encode(since, StandardCharsets.UTF_8));
            HttpResponse<String> r = rig.call("GET", url, null);
            if (r.statusCode() != 200) {
                throw new IllegalStateException("Listing dead letters answered " + r.statusCode() + " " + r.body());
            }
            JsonNode j = rig.json(r);
            j.get("data").forEach(l -> ids.add(l.get("event_id").asText()));
            if (!j.path("has_more").asBoolean(false) || j.path("next_since").isNull()) {
                break;
            }
            since = j.get("next_since").asText();
        }
        return ids;
    }

    /** F5: every connection between the services and the broker stalls (no bytes either way, nothing closed), then resumes. */
    ScenarioResult f5() throws Exception {
        int stall = scale.f5StallSeconds();
        String d = "all connections to the broker (services and the suite's producer) stalled for " + stall
                + " s mid-stream by a TCP proxy (no bytes, no close), then resumed; " + scale.f5Events() + " events at "
                + scale.rate() + "/s; all-in-one";
        try (Rig rig = rig("F5", List.of("all"), Map.of(), true)) {
            rig.subscribe(rig.subscriber.url(PATH), null);
            rig.awaitDelivering(PATH, BRAND);
            long started = System.currentTimeMillis();
            Traffic.Stream s = rig.traffic.send("F5", BRAND, scale.f5Events(), scale.rate(), 0.5);
            while (s.generated() < scale.f5Events() / 3) {
                Processes.sleep(20);
            }
            log("F5: stall");
            rig.proxy.stall();
            Processes.sleep(stall * 1000L);
            rig.proxy.resume();
            long faultEnd = System.currentTimeMillis();
            log("F5: resumed");
            s.await();
            Map<String, Object> x = trafficExtras(rig);
            ScenarioResult res = Tally.count("F5", d, 1, rig.traffic, rig.subscriber, PATH, Tally.tagged("F5"), faultEnd, started,
                    waitMs(), x, rig.broker.bootstrap());
            res.extra().put("health_at_end", rig.health());
            return res;
        }
    }

    /** F6: a subscriber that never answers and one that resets every connection, beside a healthy one whose rate is measured. */
    ScenarioResult f6() throws Exception {
        int n = scale.f6Events();
        String d = n + " events (after as many uncounted to warm up) to a healthy subscriber alone, then " + n + " more beside " + n / 5 + " each to one that accepts"
                + " and never answers and one that resets every connection; offered " + scale.f6Rate() + " events/s";
        try (Rig rig = rig("F6", List.of("all"), Map.of(), false)) {
            String okPath = "/sub-ok";
            rig.subscribe(rig.subscriber.url(okPath), "b-ok");
            rig.subscribe(rig.subscriber.url("/sub-hang"), "b-hang");
            rig.subscribe(rig.subscriber.resettingUrl("/sub-reset"), "b-reset");
            rig.subscriber.mode("/sub-hang", Subscriber.Mode.HANGING);
            rig.awaitDelivering(okPath, "b-ok");
            // A warm-up of the same size first, not counted: fresh JVMs deliver several times slower until compiled.
            rig.traffic.send("F6-warm", "b-ok", n, scale.f6Rate(), 0.5).await();
            awaitAll(rig, okPath, Tally.tagged("F6-warm"));
            long started = System.currentTimeMillis();
            Traffic.Stream before = rig.traffic.send("F6-before", "b-ok", n, scale.f6Rate(), 0.5);
            before.await();
            awaitAll(rig, okPath, Tally.tagged("F6-before"));
            Traffic.Stream hang = rig.traffic.send("F6-hang", "b-hang", n / 5, Math.max(1, scale.f6Rate() / 5), 0.5);
            Traffic.Stream reset = rig.traffic.send("F6-reset", "b-reset", n / 5, Math.max(1, scale.f6Rate() / 5), 0.5);
            Processes.sleep(2000);
            Traffic.Stream during = rig.traffic.send("F6-during", "b-ok", n, scale.f6Rate(), 0.5);
            during.await();
            hang.await();
            reset.await();
            long faultEnd = System.currentTimeMillis();
            Map<String, Object> x = trafficExtras(rig);
            Predicate<String> healthy = Tally.tagged("F6-before").or(Tally.tagged("F6-during"));
            ScenarioResult res = Tally.count("F6", d, 2, rig.traffic, rig.subscriber, okPath, healthy, faultEnd, started,
                    waitMs(), x, rig.broker.bootstrap());
            double rateBefore = rate(rig, okPath, "F6-before");
            double rateDuring = rate(rig, okPath, "F6-during");
            res.extra().put("healthy_deliveries_per_second_before", Tally.round(rateBefore));
            res.extra().put("healthy_deliveries_per_second_during", Tally.round(rateDuring));
            res.extra().put("healthy_rate_during_over_before", Math.round(rateDuring / Math.max(1e-9, rateBefore) * 100) / 100.0);
            res.extra().put("hanging_requests_received", rig.subscriber.seen("/sub-hang").values().stream().mapToLong(v -> v.attempts).sum());
            res.extra().put("connections_reset", rig.subscriber.resets());
            res.extra().put("health_at_end", rig.health());
            return res;
        }
    }

    private void awaitAll(Rig rig, String path, Predicate<String> ours) {
        long deadline = System.currentTimeMillis() + waitMs();
        while (System.currentTimeMillis() < deadline) {
            boolean all = rig.traffic.accepted.keySet().stream().filter(ours).allMatch(id -> {
                Subscriber.Seen s = rig.subscriber.seen(path).get(id);
                return s != null && s.delivered > 0;
            });
            if (all) {
                return;
            }
            Processes.sleep(250);
        }
    }

    /** Deliveries per second of a tag's events: their count over the span of their first deliveries. */
    private static double rate(Rig rig, String path, String tag) {
        long min = Long.MAX_VALUE;
        long max = 0;
        long n = 0;
        for (Map.Entry<String, Subscriber.Seen> e : rig.subscriber.seen(path).entrySet()) {
            if (e.getKey().startsWith(tag + "-") && e.getValue().delivered > 0) {
                n++;
                min = Math.min(min, e.getValue().firstDeliveredAt);
                max = Math.max(max, e.getValue().firstDeliveredAt);
            }
        }
        return n < 2 || max == min ? 0 : (n - 1) * 1000.0 / (max - min);
    }

    private static Map<String, Object> trafficExtras(Rig rig) {
        Traffic t = rig.traffic;
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("accepted_via_kafka", t.kafkaAcked.get());
        x.put("kafka_sends_failed", t.kafkaFailed.get());
        x.put("http_202", t.http202.get());
        x.put("http_503", t.http503.get());
        x.put("http_other_status", t.httpOtherStatus.get());
        x.put("http_no_answer", t.httpNoAnswer.get());
        x.put("http_resends", t.resends.get());
        x.put("never_accepted", t.notAccepted.stream().filter(id -> !t.accepted.containsKey(id)).count());
        if (!t.refusals().isEmpty()) {
            x.put("refusals", t.refusals().stream().limit(5).toList());
        }
        return x;
    }
}
