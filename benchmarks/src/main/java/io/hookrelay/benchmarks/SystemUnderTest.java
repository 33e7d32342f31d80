package io.hookrelay.benchmarks;

import java.util.Map;

/**
 * What delivers a scenario's events, in its own JVM: the pipeline ({@link PipelineProcess}) or the
 * plain consumer it is compared with ({@link PlainConsumer}). Its CPU and RSS come from /proc.
 */
interface SystemUnderTest extends AutoCloseable {

    long pid();

    /** Every JVM it runs in, by the name the report gives it. */
    Map<String, Long> pids();

    /** Takes one heap and RSS reading; the peaks are kept. */
    void sample();

    /** Peak heap used in MB, 0 when the process does not report it. */
    double peakHeapMb();

    double peakRssMb();

    @Override
    void close();
}
