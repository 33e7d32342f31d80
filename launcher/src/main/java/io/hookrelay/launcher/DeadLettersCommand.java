package io.hookrelay.launcher;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.hookrelay.config.ConfigException;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.event.FieldError;
import io.hookrelay.kafka.KafkaClients;
import io.hookrelay.retry.service.DeadLetter;
import io.hookrelay.retry.service.DeadLetterQuery;
import io.hookrelay.retry.service.DeadLetters;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code hookrelay dead-letters list|redrive}: the dead-letter topic for ops, across operators,
 * straight from Kafka. The same reading and redrive code as the retry-service's API
 * ({@link DeadLetters}); unlike the API it also shows letters whose value does not read as a
 * delivery (they have no operator), which are never redriven.
 */
@Command(name = "dead-letters",
        description = {"List or redrive the letters of webhooks.dlq, straight from Kafka (for ops: every operator).",
                "Letters are taken oldest first. Exit status: 0 done, 1 Kafka unavailable, 2 bad arguments or configuration."},
        subcommands = {DeadLettersCommand.ListLetters.class, DeadLettersCommand.RedriveLetters.class})
public final class DeadLettersCommand {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    static final String DEFAULT_BOOTSTRAP = "localhost:9092";
    /** How long a read of the topic may go without progress before the command gives up. */
    static final Duration STALL_TIMEOUT = Duration.ofSeconds(30);
    private static final int LAST_ERROR_WIDTH = 80;

    private final Map<String, String> env;
    private final Clock clock;

    /** As the jar runs it: the process environment and the system clock. */
    public DeadLettersCommand() {
        this(System.getenv(), Clock.systemUTC());
    }

    /** @param env where {@code KAFKA_BOOTSTRAP_SERVERS} and {@code WEBHOOKS_RETRY_SCHEDULE} are read */
    DeadLettersCommand(Map<String, String> env, Clock clock) {
        this.env = env;
        this.clock = clock;
    }

    /** The filters both subcommands take, named like the API's parameters. */
    static final class Filters {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
        boolean help;

        @Option(names = "--subscription", paramLabel = "ID", description = "Only letters of this subscription id.")
        String subscription;

        @Option(names = "--reason", paramLabel = "REASON",
                description = "Only letters with this dead reason: exhausted, gone, endpoint-disabled, endpoint-deleted or invalid.")
        String reason;

        @Option(names = "--since", paramLabel = "ISO",
                description = "Only letters dead-lettered at or after this time, such as 2026-11-27T10:00:00Z.")
        String since;

        @Option(names = "--until", paramLabel = "ISO", description = "Only letters dead-lettered before this time.")
        String until;

        @Option(names = "--limit", paramLabel = "N", description = "At most this many letters (list: default 100, "
                + "at most 1000; redrive: default 1000, at most 10000).")
        String limit;

        @Option(names = "--operator", paramLabel = "OP",
                description = "Only this operator's letters (this leaves out unreadable letters, which have no operator).")
        String operator;

        @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT",
                description = "Kafka to read; default: KAFKA_BOOTSTRAP_SERVERS, else " + DEFAULT_BOOTSTRAP + ".")
        String bootstrap;

        Map<String, String> byParameter() {
            Map<String, String> m = new LinkedHashMap<>();
            put(m, DeadLetterQuery.SUBSCRIPTION_ID, subscription);
            put(m, DeadLetterQuery.REASON, reason);
            put(m, DeadLetterQuery.SINCE, since);
            put(m, DeadLetterQuery.UNTIL, until);
            put(m, DeadLetterQuery.LIMIT, limit);
            return m;
        }

        private static void put(Map<String, String> m, String k, String v) {
            if (v != null) {
                m.put(k, v);
            }
        }

        /** The option a query parameter comes from, for error messages. */
        static String option(String parameter) {
            return switch (parameter) {
                case DeadLetterQuery.SUBSCRIPTION_ID -> "--subscription";
                case DeadLetterQuery.REASON -> "--reason";
                case DeadLetterQuery.SINCE -> "--since";
                case DeadLetterQuery.UNTIL -> "--until";
                case DeadLetterQuery.LIMIT -> "--limit";
                default -> parameter;
            };
        }
    }

    @Command(name = "list",
            description = "Print the matching letters, one line each, oldest first.")
    static final class ListLetters implements Callable<Integer> {
        @ParentCommand
        DeadLettersCommand parent;
        @Spec
        CommandSpec spec;
        @Mixin
        Filters filters;

        @Override
        public Integer call() {
            return parent.run(spec, filters, DeadLetterQuery.LIST_DEFAULT_LIMIT, DeadLetterQuery.LIST_MAX_LIMIT,
                    (letters, bootstrap, query, out) -> {
                        DeadLetters.Page page = letters.list(query);
                        printTable(out, page.letters());
                        if (page.letters().isEmpty()) {
                            out.println("No dead letters match.");
                        } else if (page.hasMore()) {
                            out.println(page.letters().size() + " letters shown, oldest first; more match: continue with --since "
                                    + page.nextSince());
                        } else {
                            out.println(countLetters(page.letters().size()) + ", oldest first.");
                        }
                    });
        }
    }

    @Command(name = "redrive",
            description = {"Put the matching letters back on the first retry tier (of WEBHOOKS_RETRY_SCHEDULE) as "
                    + "attempt 2, due at once, with their webhook id unchanged.",
                    "A webhook is redriven at most once per run (from its newest letter); unreadable letters never are. "
                            + "Running it again redrives the letters again: receivers deduplicate on webhook-id."})
    static final class RedriveLetters implements Callable<Integer> {
        @ParentCommand
        DeadLettersCommand parent;
        @Spec
        CommandSpec spec;
        @Mixin
        Filters filters;

        @Override
        public Integer call() {
            return parent.run(spec, filters, DeadLetterQuery.REDRIVE_DEFAULT_LIMIT, DeadLetterQuery.REDRIVE_MAX_LIMIT,
                    (letters, bootstrap, query, out) -> {
                        try (KafkaProducer<String, byte[]> producer = KafkaClients.durableProducer(bootstrap,
                                "hookrelay-dead-letters-cli", (int) STALL_TIMEOUT.toMillis())) {
                            DeadLetters.Redrive r = letters.redrive(query, producer);
                            out.println("Redrove " + countLetters(r.redriven()) + " to "
                                    + r.topic() + " as attempt " + DeadLetters.REDRIVE_ATTEMPT + ", due now.");
                            if (r.skippedInvalid() > 0) {
                                out.println("Skipped " + countLetters(r.skippedInvalid()) + " whose value is unreadable "
                                        + "(never redriven; see them with list).");
                            }
                            if (r.skippedOlder() > 0) {
                                out.println("Skipped " + countLetters(r.skippedOlder())
                                        + " of webhooks already taken from a newer letter.");
                            }
                            if (r.hasMore()) {
                                out.println("More letters match: continue with --since " + r.nextSince());
                            }
                        }
                    });
        }
    }

    /** What a subcommand does with the topic on {@code bootstrap}, once its arguments are valid. */
    interface Action {
        void run(DeadLetters letters, String bootstrap, DeadLetterQuery query, PrintWriter out);
    }

    int run(CommandSpec spec, Filters filters, int defaultLimit, int maxLimit, Action action) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PipelineConfig config;
        try {
            config = PipelineConfig.from(env);
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return 2;
        }
        DeadLetterQuery query;
        try {
            query = DeadLetterQuery.parse(filters.byParameter(), blankToNull(filters.operator), defaultLimit, maxLimit);
        } catch (DeadLetterQuery.InvalidFilters e) {
            for (FieldError p : e.problems()) {
                err.println("Invalid value for " + Filters.option(p.field()) + ": " + p.message());
            }
            return 2;
        }
        String bootstrap = filters.bootstrap != null ? filters.bootstrap
                : config.get(PipelineConfig.KAFKA_BOOTSTRAP_SERVERS).orElse(DEFAULT_BOOTSTRAP);
        DeadLetters letters = new DeadLetters(bootstrap, config.get(PipelineConfig.RETRY_SCHEDULE), clock, STALL_TIMEOUT);
        try {
            action.run(letters, bootstrap, query, out);
            out.flush();
            return 0;
        } catch (DeadLetters.UnavailableException e) {
            out.flush();
            err.println(e.getMessage());
            return 1;
        }
    }

    /** One line per letter under a header, columns as wide as their widest value. */
    static void printTable(PrintWriter out, List<DeadLetter> letters) {
        if (letters.isEmpty()) {
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"POSITION", "DEAD_AT", "REASON", "OPERATOR", "SUBSCRIPTION", "WEBHOOK_ID", "EVENT_TYPE",
                "EVENT_ID", "ATTEMPT", "STATUS", "LAST_ERROR"});
        for (DeadLetter l : letters) {
            String error = l.readable() ? l.lastError() : "unreadable: " + l.unreadable();
            rows.add(new String[] {l.position(), l.deadAt().toString(), dash(l.reason()), dash(l.operatorId()),
                    dash(l.subscriptionId()), dash(l.webhookId()), dash(l.eventType()), dash(l.eventId()),
                    dash(l.attempt()), dash(l.lastStatus()), oneLine(error)});
        }
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                b.append(i == row.length - 1 ? row[i] : String.format("%-" + width[i] + "s  ", row[i]));
            }
            out.println(b.toString().stripTrailing());
        }
    }

    static String countLetters(int n) {
        return n + (n == 1 ? " letter" : " letters");
    }

    private static String oneLine(String s) {
        if (s == null || s.isBlank()) {
            return "-";
        }
        String flat = s.replaceAll("\\s+", " ").trim();
        return flat.length() <= LAST_ERROR_WIDTH ? flat : flat.substring(0, LAST_ERROR_WIDTH - 3) + "...";
    }

    private static String dash(Object v) {
        return v == null || v.toString().isEmpty() ? "-" : v.toString();
    }

    private static String blankToNull(String v) {
        return v == null || v.isBlank() ? null : v;
    }
}
