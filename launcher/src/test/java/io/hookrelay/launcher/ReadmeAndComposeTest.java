package io.hookrelay.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.config.Setting;
import org.junit.jupiter.api.Test;

/** Keeps the docs and docker-compose.yml honest against the settings the code declares. */
class ReadmeAndComposeTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void readmeConfigurationTableIsTheOneGeneratedFromTheCode() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String start = "<!-- config-table:start -->\n";
        String table = readme.substring(readme.indexOf(start) + start.length(), readme.indexOf("<!-- config-table:end -->"));
        assertThat(table).isEqualTo(PipelineConfig.markdownTable());
    }

    @Test
    void readmeShowsTheTwoCommands() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        assertThat(readme).contains("./run.sh", "mvn verify");
        assertThat(Files.readString(ROOT.resolve(".ci/run"))).contains("\nmvn verify\n");
    }

    /** SnakeYAML (under Jackson's YAML module) resolves the {@code <<} merge keys the file uses. */
    private static JsonNode compose() throws Exception {
        try (var in = Files.newBufferedReader(ROOT.resolve("docker-compose.yml"))) {
            Object tree = new org.yaml.snakeyaml.Yaml().load(in);
            return new ObjectMapper().valueToTree(tree);
        }
    }

    @Test
    void composeSetsOnlyVariablesTheCodeReads() throws Exception {
        JsonNode compose = compose();
        Set<String> known = PipelineConfig.ALL.stream().map(Setting::name).collect(Collectors.toSet());
        List<String> services = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        compose.get("services").fields().forEachRemaining(s -> {
            if (!s.getValue().has("build")) {
                return; // Kafka's own container: its variables are the broker's
            }
            services.add(s.getKey());
            s.getValue().get("environment").fieldNames().forEachRemaining(v -> {
                if (!known.contains(v)) {
                    unknown.add(s.getKey() + ": " + v);
                }
            });
        });
        assertThat(services).contains("ingest", "dispatcher", "retry");
        assertThat(unknown).isEmpty();
    }

    @Test
    void composeGivesEveryServiceTheBrokerAndItsPort() throws Exception {
        JsonNode compose = compose();
        JsonNode services = compose.get("services");
        assertThat(services.get("ingest").get("environment").get("INGEST_HTTP_PORT").asText()).isEqualTo("8080");
        assertThat(services.get("dispatcher").get("environment").get("DISPATCHER_HTTP_PORT").asText()).isEqualTo("8081");
        assertThat(services.get("retry").get("environment").get("RETRY_HTTP_PORT").asText()).isEqualTo("8082");
        for (String s : List.of("topics", "ingest", "dispatcher", "retry")) {
            assertThat(services.get(s).get("environment").get("KAFKA_BOOTSTRAP_SERVERS").asText()).isEqualTo("kafka:9092");
        }
    }
}
