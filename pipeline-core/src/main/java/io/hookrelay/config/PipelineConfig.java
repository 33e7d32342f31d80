package io.hookrelay.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.hookrelay.event.EventFields;
import io.hookrelay.retry.RetrySchedule;

/**
 * The configuration of every service, read from environment variables (contract §6). The three
 * services share one namespace of variables, so each setting is declared once, here, with its
 * default, validation and documentation; a service reads the settings it needs. A bad value stops
 * the service at start: every bad setting is reported in one message, one line each, shaped
 * {@code Invalid value X for configuration K: rule}.
 */
public final class PipelineConfig {

    public static final Setting<Optional<String>> KAFKA_BOOTSTRAP_SERVERS = new Setting<>(
            "KAFKA_BOOTSTRAP_SERVERS", null, "host:port[,host:port...]",
            v -> Optional.of(requireHostPorts(v)),
            "Kafka cluster to use. Unset: the all-in-one launcher starts an embedded single-node KRaft broker.");
    public static final Setting<Map<String, String>> API_KEYS = new Setting<>(
            "WEBHOOKS_API_KEYS", null, "operator=key[,operator2=key2...]",
            PipelineConfig::parseApiKeys,
            "API keys, one per operator. Unset in the embedded default: operator `demo` with a generated key, printed at start.");
    public static final Setting<RetrySchedule> RETRY_SCHEDULE = new Setting<>(
            "WEBHOOKS_RETRY_SCHEDULE", "5s,5m,30m,2h,5h,10h,10h", "comma-separated durations such as 5s,5m,2h",
            RetrySchedule::parse,
            "Delays between attempts after the first one; one delay topic per distinct delay.");
    public static final Setting<Duration> HTTP_TIMEOUT = new Setting<>(
            "WEBHOOKS_HTTP_TIMEOUT", "15s", "a duration such as 15s",
            v -> positive(Durations.parse(v)),
            "How long a subscriber has to answer one delivery attempt.");
    public static final Setting<Boolean> ALLOW_PRIVATE_TARGETS = new Setting<>(
            "WEBHOOKS_ALLOW_PRIVATE_TARGETS", "false", "true or false",
            PipelineConfig::parseBoolean,
            "Allow subscription URLs on private, loopback and link-local addresses (the embedded default sets true).");
    public static final Setting<Integer> INGEST_HTTP_PORT = port("INGEST_HTTP_PORT", "8080", "ingest-service");
    public static final Setting<Integer> DISPATCHER_HTTP_PORT = port("DISPATCHER_HTTP_PORT", "8081", "dispatcher-service");
    public static final Setting<Integer> RETRY_HTTP_PORT = port("RETRY_HTTP_PORT", "8082", "retry-service");
    public static final Setting<URI> DISPATCHER_URL = serviceUrl("WEBHOOKS_DISPATCHER_URL", "http://localhost:8081",
            "dispatcher-service", "delivery log, health and redelivery");
    public static final Setting<URI> RETRY_URL = serviceUrl("WEBHOOKS_RETRY_URL", "http://localhost:8082",
            "retry-service", "dead-letter");
    public static final Setting<Integer> PARTITIONS = new Setting<>(
            "WEBHOOKS_PARTITIONS", "6", "a whole number from 1 to 10000",
            v -> intInRange(v, 1, 10_000),
            "Partition count of the topics created at start when missing.");
    public static final Setting<Path> DATA_DIR = new Setting<>(
            "WEBHOOKS_DATA_DIR", "./data", "a directory path",
            Path::of,
            "Where the embedded broker keeps its log and Kafka Streams keeps its local state; kept across restarts.");
    public static final Setting<Integer> EMBEDDED_KAFKA_PORT = new Setting<>(
            "WEBHOOKS_EMBEDDED_KAFKA_PORT", "9092", "a port from 1 to 65535",
            v -> intInRange(v, 1, 65_535),
            "Port of the embedded broker, when KAFKA_BOOTSTRAP_SERVERS is unset.");
    public static final Setting<Duration> DEDUPE_WINDOW = new Setting<>(
            "WEBHOOKS_DEDUPE_WINDOW", "24h", "a duration such as 24h",
            v -> positive(Durations.parse(v)),
            "A second event with the same (operator_id, event_id) within this window is dropped as a duplicate.");
    public static final Setting<Integer> MAX_IN_FLIGHT = new Setting<>(
            "WEBHOOKS_MAX_IN_FLIGHT", "2000", "a whole number from 1 to 1000000",
            v -> intInRange(v, 1, 1_000_000),
            "Deliveries each dispatcher and each retry-service holds in flight at once; past it the service stops fetching until some complete.");
    public static final Setting<Integer> MAX_CONNECTIONS_PER_ENDPOINT = new Setting<>(
            "WEBHOOKS_MAX_CONNECTIONS_PER_ENDPOINT", "0", "0 (no cap of its own) or a whole number from 1 to 10000",
            v -> intInRange(v, 0, 10_000),
            "A cap on connections to one host:port, on top of each subscription's max_in_flight; 0: none, so subscriptions"
                    + " sharing a host each get their own max_in_flight within the process's WEBHOOKS_MAX_IN_FLIGHT.");

    public static final Setting<Duration> STATUS_RETENTION = new Setting<>(
            "WEBHOOKS_STATUS_RETENTION", "7d", "a duration such as 7d",
            v -> positive(Durations.parse(v)),
            "How long the delivery log keeps each delivery's state and attempts; older entries expire.");
    public static final Setting<Duration> DISABLE_AFTER = new Setting<>(
            "WEBHOOKS_DISABLE_AFTER", "5d", "a duration such as 5d",
            v -> positive(Durations.parse(v)),
            "A subscription whose deliveries have all failed for this long is disabled, with an endpoint.disabled alert.");
    public static final Setting<Integer> FAILING_ALERT_AFTER = new Setting<>(
            "WEBHOOKS_FAILING_ALERT_AFTER", "10", "a whole number from 1 to 1000000",
            v -> intInRange(v, 1, 1_000_000),
            "Consecutive failed attempts after which an endpoint.failing alert is written.");
    public static final Setting<String> DISPATCHER_ADVERTISED_HOST = new Setting<>(
            "DISPATCHER_ADVERTISED_HOST", "localhost", "a host name or address",
            v -> v,
            "The host other dispatcher instances use to reach this one's HTTP port when a status query needs its partitions.");
    public static final Setting<Duration> SECRET_ROTATION_GRACE = new Setting<>(
            "WEBHOOKS_SECRET_ROTATION_GRACE", "24h", "a duration such as 24h",
            v -> positive(Durations.parse(v)),
            "After POST /v1/subscriptions/{id}/secret/rotate, deliveries carry a signature with the old secret too for this long.");
    public static final Setting<Map<String, Set<String>>> NEVER_SENT_FIELDS = new Setting<>(
            "WEBHOOKS_NEVER_SENT_FIELDS", null, "operator=field|field2[,operator2=field3...]",
            PipelineConfig::parseNeverSentFields,
            "Event fields removed from every delivery of an operator's events, whatever its subscriptions ask for (`tracking.btag` for one key of tracking).");

    /** Every setting, in the order of the configuration reference. */
    public static final List<Setting<?>> ALL = List.of(KAFKA_BOOTSTRAP_SERVERS, API_KEYS, RETRY_SCHEDULE,
            HTTP_TIMEOUT, ALLOW_PRIVATE_TARGETS, INGEST_HTTP_PORT, DISPATCHER_HTTP_PORT, RETRY_HTTP_PORT,
            DISPATCHER_URL, RETRY_URL, PARTITIONS, DATA_DIR, EMBEDDED_KAFKA_PORT, DEDUPE_WINDOW, MAX_IN_FLIGHT, MAX_CONNECTIONS_PER_ENDPOINT,
            STATUS_RETENTION, DISABLE_AFTER, FAILING_ALERT_AFTER, DISPATCHER_ADVERTISED_HOST, SECRET_ROTATION_GRACE,
            NEVER_SENT_FIELDS);

    private final Map<String, Object> values;
    private final Map<String, String> raw;

    private PipelineConfig(Map<String, Object> values, Map<String, String> raw) {
        this.values = values;
        this.raw = raw;
    }

    /** Reads the process environment. */
    public static PipelineConfig fromEnvironment() {
        return from(System.getenv());
    }

    /**
     * Reads the settings from {@code env}; variables that are not settings are ignored. Empty values
     * count as unset, as docker-compose passes {@code VAR=} for an unset variable.
     *
     * @throws ConfigException naming every bad setting, its value and what was expected
     */
    public static PipelineConfig from(Map<String, String> env) {
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> raw = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        for (Setting<?> s : ALL) {
            String v = env.get(s.name());
            if (v == null || v.isBlank()) {
                v = s.defaultValue();
            }
            if (v == null) {
                continue;
            }
            raw.put(s.name(), v);
            try {
                values.put(s.name(), s.parse(v));
            } catch (RuntimeException e) {
                errors.add("Invalid value " + shown(s, v) + " for configuration " + s.name() + ": "
                        + e.getMessage() + " (expected " + s.expected() + ")");
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(String.join("\n", errors));
        }
        return new PipelineConfig(values, raw);
    }

    /** A copy with some settings replaced, validated like the original. */
    public PipelineConfig with(Map<String, String> overrides) {
        Map<String, String> env = new LinkedHashMap<>(raw);
        env.putAll(overrides);
        return from(env);
    }

    /** The value of a setting; Optional settings without a value come back empty. */
    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        Object v = values.get(setting.name());
        if (v == null && setting == (Setting<?>) KAFKA_BOOTSTRAP_SERVERS) {
            return (T) Optional.empty();
        }
        if (v == null && (setting == (Setting<?>) API_KEYS || setting == (Setting<?>) NEVER_SENT_FIELDS)) {
            return (T) Map.of();
        }
        return (T) v;
    }

    public String bootstrapServers() {
        return get(KAFKA_BOOTSTRAP_SERVERS).orElseThrow(() -> new ConfigException(
                "KAFKA_BOOTSTRAP_SERVERS is unset: start the all-in-one launcher for an embedded broker, or set it"));
    }

    /** The configuration reference as a Markdown table, generated from the declarations above. */
    public static String markdownTable() {
        StringBuilder b = new StringBuilder("| variable | default | expected | meaning |\n|---|---|---|---|\n");
        for (Setting<?> s : ALL) {
            b.append("| `").append(s.name()).append("` | ")
                    .append(s.defaultValue() == null ? "unset" : "`" + s.defaultValue() + "`").append(" | ")
                    .append(cell(s.expected())).append(" | ").append(cell(s.doc())).append(" |\n");
        }
        return b.toString();
    }

    /** A table cell: a {@code |} in the text (as in {@code field|field2}) would end the cell. */
    private static String cell(String text) {
        return text.replace("|", "\\|");
    }

    private static String shown(Setting<?> s, String v) {
        // API keys are secrets: never echo them, even in a configuration error.
        return s == API_KEYS ? "'<" + v.length() + " characters, hidden>'" : "'" + v + "'";
    }

    private static Setting<Integer> port(String name, String def, String service) {
        return new Setting<>(name, def, "a port from 0 to 65535 (0: any free port)",
                v -> intInRange(v, 0, 65_535), "HTTP port of " + service + ".");
    }

    /** Where ingest-service forwards another service's API (contract §5), for the console and any client. */
    private static Setting<URI> serviceUrl(String name, String def, String service, String apis) {
        return new Setting<>(name, def, "an http:// or https:// URL with a host and no path, such as " + def,
                PipelineConfig::parseServiceUrl,
                "Base URL at which ingest-service reaches " + service + " to forward its " + apis
                        + " API, so the console and clients need only ingest's address (the all-in-one launcher sets it"
                        + " to its own " + service + " when unset).");
    }

    static URI parseServiceUrl(String v) {
        URI u;
        try {
            u = new URI(v.endsWith("/") ? v.substring(0, v.length() - 1) : v);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL");
        }
        if (!"http".equalsIgnoreCase(u.getScheme()) && !"https".equalsIgnoreCase(u.getScheme())) {
            throw new IllegalArgumentException("not an http:// or https:// URL");
        }
        if (u.getHost() == null) {
            throw new IllegalArgumentException("has no host");
        }
        if ((u.getRawPath() != null && !u.getRawPath().isEmpty()) || u.getRawQuery() != null || u.getRawFragment() != null
                || u.getRawUserInfo() != null) {
            throw new IllegalArgumentException("must be scheme://host[:port] only");
        }
        return u;
    }

    static int intInRange(String v, int min, int max) {
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException("must be between " + min + " and " + max);
        }
        return n;
    }

    private static Duration positive(Duration d) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("must be longer than zero");
        }
        return d;
    }

    private static boolean parseBoolean(String v) {
        if (v.equalsIgnoreCase("true")) {
            return true;
        }
        if (v.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException("not a boolean");
    }

    private static String requireHostPorts(String v) {
        for (String part : v.split(",")) {
            String p = part.trim();
            int colon = p.lastIndexOf(':');
            if (colon <= 0 || colon == p.length() - 1) {
                throw new IllegalArgumentException("'" + p + "' is not host:port");
            }
            intInRange(p.substring(colon + 1), 1, 65_535);
        }
        return v;
    }

    /** The entries of {@code operator=value,operator2=value2}, both sides trimmed and non-empty. */
    private static List<Map.Entry<String, String>> operatorEntries(String v, String shape) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (String part : v.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0 || eq == part.trim().length() - 1) {
                throw new IllegalArgumentException("each entry must be " + shape);
            }
            out.add(Map.entry(part.substring(0, eq).trim(), part.substring(eq + 1).trim()));
        }
        return out;
    }

    private static Map<String, String> parseApiKeys(String v) {
        Map<String, String> keyToOperator = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : operatorEntries(v, "operator=key")) {
            String operator = e.getKey();
            String key = e.getValue();
            if (key.length() < 16) {
                throw new IllegalArgumentException("the key of operator '" + operator + "' is shorter than 16 characters");
            }
            if (keyToOperator.put(key, operator) != null) {
                throw new IllegalArgumentException("two operators share one key");
            }
        }
        return Collections.unmodifiableMap(keyToOperator);
    }

    private static Map<String, Set<String>> parseNeverSentFields(String v) {
        Map<String, Set<String>> byOperator = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : operatorEntries(v, "operator=field|field2")) {
            Set<String> fields = new LinkedHashSet<>();
            for (String f : e.getValue().split("\\|", -1)) {
                String field = f.trim();
                if (field.isEmpty() || field.startsWith(".") || field.endsWith(".")) {
                    throw new IllegalArgumentException("operator '" + e.getKey() + "' has an empty field name");
                }
                if (EventFields.IDENTIFYING.contains(field)) {
                    throw new IllegalArgumentException("operator '" + e.getKey() + "' lists " + field
                            + ", which every delivery carries (as it does " + String.join(", ", EventFields.IDENTIFYING)
                            + ")");
                }
                fields.add(field);
            }
            if (byOperator.put(e.getKey(), Collections.unmodifiableSet(fields)) != null) {
                throw new IllegalArgumentException("operator '" + e.getKey() + "' appears twice");
            }
        }
        return Collections.unmodifiableMap(byOperator);
    }
}
