package io.backplane.accel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.accel.opencl.OpenClRuntime;
import io.backplane.accel.opencl.TestDevices;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackendsIT {
    @Test
    void cpuSelectsNoDevice() {
        assertThat(Backends.select("cpu", OpenClRuntime.handles())).isEmpty();
    }

    @Test
    void autoWithNoDeviceFallsBackToCpuButExplicitOpenclIsAnErrorListingWhatWasFound() {
        assertThat(Backends.select("auto", List.of())).isEmpty();
        assertThatThrownBy(() -> Backends.select("opencl", List.of()))
                .hasMessageContaining("config key `accel.device`").hasMessageContaining("found: none");
    }

    @Test
    void selectsByIndexAndByNameSubstringAndNamesTheKeyWhenNothingMatches() {
        TestDevices.assumeDevice();
        List<OpenClRuntime.Handle> hs = OpenClRuntime.handles();
        OpenClRuntime.Handle first = hs.get(0);
        assertThat(Backends.select("opencl:0", hs)).contains(first);
        assertThat(Backends.select("opencl", hs)).contains(first);
        String word = first.device().name().substring(0, Math.min(4, first.device().name().length())).toUpperCase();
        assertThat(Backends.select("opencl:" + word, hs)).isPresent();
        assertThatThrownBy(() -> Backends.select("opencl:nvidia-h9000", hs))
                .hasMessageContaining("config key `accel.device`: no OpenCL device matches 'opencl:nvidia-h9000' (found: opencl:0 ")
                .hasMessageContaining(first.device().name());
        assertThatThrownBy(() -> Backends.select("opencl:" + hs.size(), hs)).hasMessageContaining("found:");
        assertThatThrownBy(() -> Backends.select("gpu", hs)).hasMessageContaining("must be auto, cpu, opencl");
    }
}
