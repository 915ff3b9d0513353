package io.backplane.accel.opencl;

/**
 * One OpenCL device as the runtime reports it.
 *
 * @param index        position in the flattened list over all platforms (what {@code accel.device: opencl:<index>} selects)
 * @param platformName the platform (e.g. "Portable Computing Language", "NVIDIA CUDA")
 * @param type         CPU, GPU, ACCELERATOR or OTHER
 */
public record OpenClDevice(int index, String platformName, String name, String vendor, String type,
                           int computeUnits, long globalMemBytes, long maxAllocBytes, String version) {

    public String describe() {
        return "opencl:" + index + " " + name + " (" + vendor + ", " + type + ", " + computeUnits + " CU, "
                + (globalMemBytes >> 20) + " MiB) on " + platformName;
    }
}
