package io.hookrelay.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.Test;

/** Guards the evolution rule of schemas/README.md. */
class SchemaHistoryTest {

    private static final Path HISTORY_DIR = Path.of("src/main/resources/io/hookrelay/schemas/history");

    @Test
    void everyHistorySchemaCanBeReadByTheCurrentOne() {
        for (String family : AvroEvents.families()) {
            Schema reader = AvroEvents.currentSchema(family);
            List<Schema> history = AvroEvents.history(family);
            for (int i = 0; i < history.size(); i++) {
                var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, history.get(i));
                assertThat(result.getType())
                        .as("%s v%d read by the current schema: %s", reader.getName(), i + 1, result.getDescription())
                        .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
            }
        }
    }

    @Test
    void latestHistoryVersionIsTheCurrentSchema() throws IOException {
        for (String family : AvroEvents.families()) {
            String name = AvroEvents.currentSchema(family).getName();
            Schema source = new Schema.Parser().parse(Path.of("src/main/avro", name + ".avsc").toFile());
            List<Schema> history = AvroEvents.history(family);
            assertThat(history.get(history.size() - 1))
                    .as("%s.avsc changed without being published as %s.v%d.avsc", name, name, history.size() + 1)
                    .isEqualTo(source);
        }
    }

    @Test
    void everyHistoryFileIsLoaded() throws IOException {
        int loaded = AvroEvents.families().stream().mapToInt(family -> AvroEvents.history(family).size()).sum();
        try (Stream<Path> files = Files.list(HISTORY_DIR)) {
            assertThat(files.map(path -> path.getFileName().toString()))
                    .as("history files must be named <RecordName>.v<N>.avsc, numbered from 1 without gaps")
                    .allMatch(file -> file.matches("[A-Za-z]+Event\\.v[1-9][0-9]*\\.avsc"))
                    .hasSize(loaded);
        }
    }

    @Test
    void conversionHasAnOlderVersionWithoutDepositCount() {
        List<Schema> history = AvroEvents.history("conversion");

        assertThat(history).hasSize(2);
        assertThat(history.get(0).getField("deposit_count")).isNull();
        assertThat(history.get(1).getField("deposit_count")).isNotNull();
    }

    @Test
    void everyRecordAndFieldIsDocumented() {
        for (String family : AvroEvents.families()) {
            Schema schema = AvroEvents.currentSchema(family);
            assertThat(schema.getDoc()).as(schema.getName()).isNotBlank();
            for (Schema.Field field : schema.getFields()) {
                assertThat(field.doc()).as("%s.%s", schema.getName(), field.name()).isNotBlank();
            }
        }
    }
}
