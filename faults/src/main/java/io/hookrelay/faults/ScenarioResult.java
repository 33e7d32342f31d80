package io.hookrelay.faults;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One scenario's count, for the subscription(s) it checks: events accepted (a 202 named them or
 * the broker acknowledged them), how many of those reached the subscriber answered 2xx, lost
 * (accepted, never delivered within the wait), duplicates (2xx deliveries beyond the first per
 * event), split ids (events delivered under more than one {@code webhook-id}), and the time from
 * the end of the last fault to the last first delivery of an accepted event.
 */
record ScenarioResult(
        @JsonProperty("name") String name,
        @JsonProperty("description") String description,
        @JsonProperty("faults") int faults,
        @JsonProperty("accepted") long accepted,
        @JsonProperty("delivered") long delivered,
        @JsonProperty("lost") long lost,
        @JsonProperty("duplicates") long duplicates,
        @JsonProperty("split_ids") long splitIds,
        @JsonProperty("drain_seconds_after_fault") double drainSeconds,
        @JsonProperty("seconds") double seconds,
        @JsonProperty("lost_sample") List<String> lostSample,
        @JsonProperty("extra") Map<String, Object> extra,
        @JsonProperty("error") String error) {

    /** Whether the pipeline kept its promises here: nothing accepted was lost, no event under two webhook ids, and the scenario ran. */
    @JsonProperty("passed")
    boolean passed() {
        return error == null && lost == 0 && splitIds == 0 && !Boolean.FALSE.equals(extra.get("scenario_checks_passed"));
    }

    static ScenarioResult failed(String name, String description, Throwable e) {
        return new ScenarioResult(name, description, 0, 0, 0, 0, 0, 0, 0, 0, List.of(), Map.of(), e.toString());
    }

    String oneLine() {
        return String.format("%s: accepted %d, delivered %d, lost %d, duplicates %d, split ids %d, drain %.1f s after the fault, %d faults%s%s",
                name, accepted, delivered, lost, duplicates, splitIds, drainSeconds, faults,
                error == null ? "" : ", ERROR " + error, extra.isEmpty() ? "" : " " + extra);
    }
}
