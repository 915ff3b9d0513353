package io.backplane.node.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.consensus.CoreLayeringTest;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The simulation and its stand-ins run on a simulated clock and a seeded scheduler: the consensus core's purity scan
 * ({@link CoreLayeringTest}) over this module's classes, with seeded randomness allowed (no clocks, threads, files,
 * sockets, unseeded randomness, devices or tokens). The benchmark ({@code bench}) measures wall-clock time and is not scanned.
 */
class SimulationLayeringTest {
    @Test
    void simulationAndStandInsUseNoTransportDeviceTokenClockOrUnseededRandom() throws IOException {
        Path classes = Path.of("target", "classes", "io", "backplane", "node");
        assertThat(classes.resolve("sim")).isDirectory();
        assertThat(classes.resolve("consensus")).isDirectory();
        assertThat(CoreLayeringTest.scan(classes.resolve("sim"), false)).isEmpty();
        assertThat(CoreLayeringTest.scan(classes.resolve("consensus"), false)).isEmpty();
    }
}
