package io.hookrelay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class PipelineConfigTest {

    @Test
    void defaultsFollowTheContract() {
        PipelineConfig c = PipelineConfig.from(Map.of());
        assertThat(c.get(PipelineConfig.KAFKA_BOOTSTRAP_SERVERS)).isEmpty();
        assertThat(c.get(PipelineConfig.RETRY_SCHEDULE).toString()).isEqualTo("5s,5m,30m,2h,5h,10h,10h");
        assertThat(c.get(PipelineConfig.HTTP_TIMEOUT)).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.get(PipelineConfig.ALLOW_PRIVATE_TARGETS)).isFalse();
        assertThat(c.get(PipelineConfig.INGEST_HTTP_PORT)).isEqualTo(8080);
        assertThat(c.get(PipelineConfig.DISPATCHER_HTTP_PORT)).isEqualTo(8081);
        assertThat(c.get(PipelineConfig.RETRY_HTTP_PORT)).isEqualTo(8082);
        assertThat(c.get(PipelineConfig.PARTITIONS)).isEqualTo(6);
        assertThat(c.get(PipelineConfig.EMBEDDED_KAFKA_PORT)).isEqualTo(9092);
        assertThat(c.get(PipelineConfig.DEDUPE_WINDOW)).isEqualTo(Duration.ofHours(24));
        assertThat(c.get(PipelineConfig.API_KEYS)).isEmpty();
        assertThat(c.get(PipelineConfig.SECRET_ROTATION_GRACE)).isEqualTo(Duration.ofHours(24));
        assertThat(c.get(PipelineConfig.NEVER_SENT_FIELDS)).isEmpty();
    }

    @Test
    void readsNeverSentFieldsPerOperator() {
        PipelineConfig c = PipelineConfig.from(Map.of("WEBHOOKS_NEVER_SENT_FIELDS",
                "acme=player_ref|tracking.btag, beta = brand_id"));
        assertThat(c.get(PipelineConfig.NEVER_SENT_FIELDS))
                .containsEntry("acme", Set.of("player_ref", "tracking.btag")).containsEntry("beta", Set.of("brand_id"));
        assertThatThrownBy(() -> PipelineConfig.from(Map.of("WEBHOOKS_NEVER_SENT_FIELDS", "acme=player_ref||amount")))
                .hasMessageContaining("Invalid value 'acme=player_ref||amount' for configuration "
                        + "WEBHOOKS_NEVER_SENT_FIELDS: operator 'acme' has an empty field name");
        assertThatThrownBy(() -> PipelineConfig.from(Map.of("WEBHOOKS_NEVER_SENT_FIELDS", "acme")))
                .hasMessageContaining("WEBHOOKS_NEVER_SENT_FIELDS: each entry must be operator=field|field2");
        assertThatThrownBy(() -> PipelineConfig.from(Map.of("WEBHOOKS_NEVER_SENT_FIELDS", "acme=event_id")))
                .hasMessageContaining("operator 'acme' lists event_id, which every delivery carries");
        assertThatThrownBy(() -> PipelineConfig.from(Map.of("WEBHOOKS_NEVER_SENT_FIELDS", "acme=amount,acme=currency")))
                .hasMessageContaining("operator 'acme' appears twice");
    }

    @Test
    void readsTheSecretRotationGraceAndRefusesZero() {
        assertThat(PipelineConfig.from(Map.of("WEBHOOKS_SECRET_ROTATION_GRACE", "2s"))
                .get(PipelineConfig.SECRET_ROTATION_GRACE)).isEqualTo(Duration.ofSeconds(2));
        assertThatThrownBy(() -> PipelineConfig.from(Map.of("WEBHOOKS_SECRET_ROTATION_GRACE", "0s")))
                .hasMessageContaining("Invalid value '0s' for configuration WEBHOOKS_SECRET_ROTATION_GRACE: "
                        + "must be longer than zero (expected a duration such as 24h)");
    }

    @Test
    void reportsEveryBadSettingInOneMessageNamingValueAndRule() {
        assertThatThrownBy(() -> PipelineConfig.from(Map.of(
                "WEBHOOKS_HTTP_TIMEOUT", "15 seconds",
                "INGEST_HTTP_PORT", "70000",
                "WEBHOOKS_ALLOW_PRIVATE_TARGETS", "yes")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("Invalid value '15 seconds' for configuration WEBHOOKS_HTTP_TIMEOUT: expected a whole number followed by ms, s, m, h or d")
                .hasMessageContaining("Invalid value '70000' for configuration INGEST_HTTP_PORT: must be between 0 and 65535")
                .hasMessageContaining("Invalid value 'yes' for configuration WEBHOOKS_ALLOW_PRIVATE_TARGETS: not a boolean (expected true or false)");
    }

    @Test
    void serviceUrlsAreSchemeHostAndPortOnlyAndATrailingSlashIsForgiven() {
        PipelineConfig c = PipelineConfig.from(Map.of("WEBHOOKS_DISPATCHER_URL", "http://dispatcher:9081/"));
        assertThat(c.get(PipelineConfig.DISPATCHER_URL)).hasToString("http://dispatcher:9081");
        assertThat(c.get(PipelineConfig.RETRY_URL)).hasToString("http://localhost:8082");

        assertThatThrownBy(() -> PipelineConfig.from(Map.of(
                "WEBHOOKS_DISPATCHER_URL", "ftp://dispatcher:21",
                "WEBHOOKS_RETRY_URL", "http://retry:8082/v1")))
                .hasMessageContaining("Invalid value 'ftp://dispatcher:21' for configuration WEBHOOKS_DISPATCHER_URL: not an http:// or https:// URL")
                .hasMessageContaining("Invalid value 'http://retry:8082/v1' for configuration WEBHOOKS_RETRY_URL: must be scheme://host[:port] only");
    }

    @Test
    void neverEchoesApiKeysInErrors() {
        assertThatThrownBy(() -> PipelineConfig.from(Map.of("WEBHOOKS_API_KEYS", "acme=short-secret")))
                .hasMessageContaining("WEBHOOKS_API_KEYS: the key of operator 'acme' is shorter than 16 characters")
                .hasMessageNotContaining("short-secret");
    }

    @Test
    void readsApiKeysAsKeyToOperator() {
        PipelineConfig c = PipelineConfig.from(Map.of("WEBHOOKS_API_KEYS", "acme=0123456789abcdef, beta=fedcba9876543210"));
        assertThat(c.get(PipelineConfig.API_KEYS))
                .containsEntry("0123456789abcdef", "acme").containsEntry("fedcba9876543210", "beta");
    }

    @Test
    void refusesBootstrapServersWithoutPort() {
        assertThatThrownBy(() -> PipelineConfig.from(Map.of("KAFKA_BOOTSTRAP_SERVERS", "kafka")))
                .hasMessageContaining("Invalid value 'kafka' for configuration KAFKA_BOOTSTRAP_SERVERS: 'kafka' is not host:port");
    }

    @Test
    void treatsEmptyValuesAsUnset() {
        PipelineConfig c = PipelineConfig.from(Map.of("WEBHOOKS_PARTITIONS", "", "KAFKA_BOOTSTRAP_SERVERS", " "));
        assertThat(c.get(PipelineConfig.PARTITIONS)).isEqualTo(6);
        assertThat(c.get(PipelineConfig.KAFKA_BOOTSTRAP_SERVERS)).isEmpty();
    }

    @Test
    void withOverridesRevalidates() {
        PipelineConfig c = PipelineConfig.from(Map.of()).with(Map.of("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092"));
        assertThat(c.bootstrapServers()).isEqualTo("localhost:9092");
        assertThatThrownBy(() -> c.with(Map.of("WEBHOOKS_PARTITIONS", "0")))
                .hasMessageContaining("WEBHOOKS_PARTITIONS: must be between 1 and 10000");
    }
}
