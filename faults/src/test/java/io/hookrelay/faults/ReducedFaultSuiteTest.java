package io.hookrelay.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The fault suite at a reduced scale, in {@code mvn verify}: real broker and service JVMs killed
 * under traffic. Nothing accepted may be lost and no event may reach the subscriber under two
 * webhook ids; duplicates under the same webhook id are what at-least-once allows.
 */
class ReducedFaultSuiteTest {

    private static ScenarioResult run(String scenario, String... sizes) throws Exception {
        FaultSuite suite = new FaultSuite();
        String[] args = new String[sizes.length + 4];
        args[0] = "--scenarios";
        args[1] = scenario;
        args[2] = "--out";
        args[3] = Path.of("target", "faults-reduced", scenario).toString();
        System.arraycopy(sizes, 0, args, 4, sizes.length);
        new CommandLine(suite).parseArgs(args);
        Report report = suite.run();
        System.out.println(report.markdown());
        return report.scenarios().get(0);
    }

    @Test
    void losesNothingAcceptedWhenTheBrokerIsKilledMidStream() throws Exception {
        ScenarioResult r = run("F1", "--f1-rounds", "2", "--f1-events", "1200", "--rate", "400", "--wait-seconds", "60",
                "--give-up-seconds", "60");

        assertThat(r.error()).as("the scenario ran").isNull();
        assertThat(r.accepted()).as("events accepted").isGreaterThan(2000);
        assertThat(r.lost()).as("accepted events never delivered; see %s", r.lostSample()).isZero();
        assertThat(r.splitIds()).as("events delivered under two webhook ids").isZero();
        assertThat(r.delivered()).isEqualTo(r.accepted());
    }

    @Test
    void losesNothingAcceptedWhenEachServiceIsKilledInTurn() throws Exception {
        ScenarioResult r = run("F3", "--f3-kills", "3", "--f3-events-per-kill", "600", "--rate", "200", "--wait-seconds", "90",
                "--give-up-seconds", "60");

        assertThat(r.error()).as("the scenario ran").isNull();
        assertThat(r.accepted()).as("events accepted").isGreaterThan(1500);
        assertThat(r.lost()).as("accepted events never delivered; see %s", r.lostSample()).isZero();
        assertThat(r.splitIds()).as("events delivered under two webhook ids").isZero();
        assertThat(r.delivered()).isEqualTo(r.accepted());
    }
}
