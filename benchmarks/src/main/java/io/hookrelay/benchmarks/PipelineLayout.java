package io.hookrelay.benchmarks;

import java.util.List;

/**
 * How the benchmark runs the pipeline: as it ships for one host ({@code hookrelay.jar all}, one JVM),
 * or as a cluster would ({@code ingest}, {@code dispatcher} and {@code retry} each in its own JVM),
 * which is how the heap target for the dispatcher alone is measured.
 */
enum PipelineLayout {
    /** {@code hookrelay.jar all}: the three services in one JVM. */
    all("-Xmx512m", List.of("all")),
    /** One JVM per service, each with the dispatcher's target heap. */
    split("-Xmx256m", List.of("ingest", "dispatcher", "retry"));

    /** The heap of each JVM. */
    final String heap;
    /** The launcher mode of each JVM, which also names it in the report. */
    final List<String> modes;

    PipelineLayout(String heap, List<String> modes) {
        this.heap = heap;
        this.modes = modes;
    }

    String describe() {
        return this == all
                ? "the pipeline as it ships (hookrelay.jar all: ingest, dispatcher, retry) in its own JVM at " + heap
                : "the services split as a cluster runs them (hookrelay.jar ingest, dispatcher and retry), each in its own JVM at "
                        + heap + "; heap and RSS are the dispatcher's, CPU is the three together (and each, in brackets)";
    }
}
