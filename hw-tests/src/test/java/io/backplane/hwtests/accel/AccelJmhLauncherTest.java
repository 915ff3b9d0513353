package io.backplane.hwtests.accel;

import io.backplane.accel.opencl.OpenClRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH benchmarks (minutes): {@code mvn -pl hw-tests -am verify -Dbackplane.jmh=true
 * -Dtest=AccelJmhLauncherTest -Dsurefire.failIfNoSpecifiedTests=false}; {@code -Dbackplane.jmh.include=sha256}
 * narrows them. Skipped in the default suite: benchmarks measure, they never assert.
 */
class AccelJmhLauncherTest {
    @Test
    @EnabledIfSystemProperty(named = "backplane.jmh", matches = "true", disabledReason = "JMH benchmarks run only with -Dbackplane.jmh=true")
    void runAccelBenchmarks() throws Exception {
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include(AccelJmhBenchmarks.class.getSimpleName() + "." + System.getProperty("backplane.jmh.include", ""))
                .forks(1)
                .warmupIterations(2).warmupTime(TimeValue.seconds(1))
                .measurementIterations(3).measurementTime(TimeValue.seconds(2))
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED", "-Xss4m");
        if (!OpenClRuntime.isAvailable()) {
            o.param("backend", "cpu");
        }
        new Runner(o.build()).run();
    }
}
