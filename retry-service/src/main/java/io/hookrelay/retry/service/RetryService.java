package io.hookrelay.retry.service;

import io.hookrelay.service.Standalone;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import io.hookrelay.config.PipelineConfig;
import io.hookrelay.http.HttpApi;
import io.hookrelay.retry.RetrySchedule;
import io.javalin.Javalin;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retry-service: it will consume the delay topics ({@code webhooks.retry.<delay>}), make the
 * later attempts and dead-letter what is exhausted. For now it owns its HTTP endpoints and checks
 * that its tier topics exist; consuming them is the next issue's work, and until then deliveries
 * that failed their first attempt wait, durable, on the first tier topic.
 */
public final class RetryService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RetryService.class);

    private final Javalin http;
    private final Admin admin;

    private RetryService(Javalin http, Admin admin) {
        this.http = http;
        this.admin = admin;
    }

    public static RetryService start(PipelineConfig config, Clock clock) {
        RetrySchedule schedule = config.get(PipelineConfig.RETRY_SCHEDULE);
        Map<String, Object> props = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        Admin admin = Admin.create(props);
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(metrics);
        Map<String, Supplier<Boolean>> health = new LinkedHashMap<>();
        health.put("kafka", () -> tierTopicsExist(admin, schedule));
        Javalin http = HttpApi.start("retry-service", config.get(PipelineConfig.RETRY_HTTP_PORT), health, metrics, routes -> {
        });
        log.info("retry-service listening on port {} (schedule {}, tiers {})", http.port(), schedule, schedule.topics());
        return new RetryService(http, admin);
    }

    private static boolean tierTopicsExist(Admin admin, RetrySchedule schedule) {
        try {
            return admin.listTopics().names().get(2, java.util.concurrent.TimeUnit.SECONDS).containsAll(schedule.topics());
        } catch (Exception e) {
            return false;
        }
    }

    public int httpPort() {
        return http.port();
    }

    @Override
    public void close() {
        http.stop();
        admin.close();
    }

    /** Runs the retry-service on its own, configured from the environment. */
    public static void main(String[] args) {
        Standalone.run("retry-service", RetryService::start);
    }
}
