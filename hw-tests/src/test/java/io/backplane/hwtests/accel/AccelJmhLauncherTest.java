package io.backplane.hwtests.accel;

import io.backplane.accel.opencl.OpenClRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH benchmarks (minutes): {@code scripts/mvn -pl hw-tests -am verify -DskipITs -Dbackplane.jmh=true
 * -Dtest=AccelJmhLauncherTest -Dsurefire.failIfNoSpecifiedTests=false}; {@code -Dbackplane.jmh.include=sha256},
 * {@code -Dbackplane.jmh.params=op=bls-aggregate;batch=100}
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
        // -Dbackplane.jmh.params=op=ed25519-verify;batch=1,100 narrows @Param values (a full signature run takes long).
        for (String kv : System.getProperty("backplane.jmh.params", "").split(";")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                o.param(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim().split(","));
            }
        }
        new Runner(o.build()).run();
    }
}
