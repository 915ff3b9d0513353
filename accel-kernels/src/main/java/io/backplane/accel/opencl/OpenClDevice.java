package io.backplane.accel.opencl;

/**
 * One OpenCL device as the runtime reports it.
 *
 * @param index        position in the flattened list over all platforms (what {@code accel.device: opencl:<index>} selects)
 * @param platformName the platform (e.g. "Portable Computing Language", "NVIDIA CUDA")
 * @param type         CPU, GPU, ACCELERATOR or OTHER
 * @param version      the device's OpenCL version string
 * @param driver       the driver version (CL_DRIVER_VERSION), e.g. "550.54.15" for NVIDIA, "6.0" for PoCL
 */
public record OpenClDevice(int index, String platformName, String name, String vendor, String type,
                           int computeUnits, long globalMemBytes, long maxAllocBytes, String version, String driver) {

    public String describe() {
        return "opencl:" + index + " " + name + " (" + vendor + ", " + type + ", " + computeUnits + " CU, "
                + (globalMemBytes >> 20) + " MiB, driver " + driver + ") on " + platformName;
    }
}
