package io.hookrelay.faults;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;

import io.hookrelay.kafka.embedded.Processes;

/** Waits for a subscription's accepted events to arrive and counts what arrived, as a {@link ScenarioResult}. */
final class Tally {

    private Tally() {
    }

    /**
     * Waits up to {@code waitMs} (returning early once every accepted event of {@code ours} arrived at
     * {@code path}), then counts.
     */
    static ScenarioResult count(String name, String description, int faults, Traffic traffic, Subscriber subscriber,
                                String path, Predicate<String> ours, long faultEndMs, long startedMs, long waitMs,
                                Map<String, Object> extra, String bootstrap) {
        Map<String, Long> accepted = new LinkedHashMap<>();
        traffic.accepted.forEach((id, at) -> {
            if (ours.test(id)) {
                accepted.put(id, at);
            }
        });
        Map<String, Subscriber.Seen> seen = subscriber.seen(path);
        long deadline = System.currentTimeMillis() + waitMs;
        while (System.currentTimeMillis() < deadline && missing(accepted, seen) > 0) {
            Processes.sleep(500);
        }
        long delivered = 0;
        long lastFirst = 0;
        List<String> lost = new ArrayList<>();
        for (String id : accepted.keySet()) {
            Subscriber.Seen s = seen.get(id);
            if (s != null && s.delivered > 0) {
                delivered++;
                lastFirst = Math.max(lastFirst, s.firstDeliveredAt);
            } else {
                lost.add(id);
            }
        }
        long duplicates = 0;
        long split = 0;
        long notAcceptedDelivered = 0;
        for (Map.Entry<String, Subscriber.Seen> e : seen.entrySet()) {
            if (!ours.test(e.getKey())) {
                continue;
            }
            Subscriber.Seen s = e.getValue();
            synchronized (s) {
                duplicates += Math.max(0, s.delivered - 1);
                if (s.webhookIds.size() > 1) {
                    split++;
                }
                if (s.delivered > 0 && !accepted.containsKey(e.getKey())) {
                    notAcceptedDelivered++;
                }
            }
        }
        Map<String, Object> x = new LinkedHashMap<>(extra);
        x.put("delivered_but_never_accepted", notAcceptedDelivered);
        if (!lost.isEmpty() && bootstrap != null) {
            x.put("lost_via_http", lost.stream().filter(id -> id.contains("-h-")).count());
            x.put("lost_via_kafka", lost.stream().filter(id -> id.contains("-k-")).count());
            x.putAll(TopicProbe.locate(bootstrap, lost));
        }
        double drain = lastFirst == 0 || faultEndMs == 0 ? 0 : Math.max(0, lastFirst - faultEndMs) / 1000.0;
        List<String> sample = new ArrayList<>(new TreeSet<>(lost)).subList(0, Math.min(20, lost.size()));
        return new ScenarioResult(name, description, faults, accepted.size(), delivered, lost.size(), duplicates, split,
                round(drain), round((System.currentTimeMillis() - startedMs) / 1000.0), sample, x, null);
    }

    static Predicate<String> tagged(String tag) {
        return id -> id.startsWith(tag + "-");
    }

    private static long missing(Map<String, Long> accepted, Map<String, Subscriber.Seen> seen) {
        long n = 0;
        for (String id : accepted.keySet()) {
            Subscriber.Seen s = seen.get(id);
            if (s == null || s.delivered == 0) {
                n++;
            }
        }
        return n;
    }

    static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
