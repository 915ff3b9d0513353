package io.backplane.config;

import java.util.regex.Pattern;

/** {@code accel.*}: which backend runs the crypto offload. */
public record AccelSection(String device) {
    private static final Pattern DEVICE = Pattern.compile("auto|cpu|opencl(:.+)?");

    public AccelSection {
        if (device == null || !DEVICE.matcher(device).matches()) {
            throw ConfigException.badKey("accel.device", "must be auto, cpu, opencl or opencl:<index|name substring>, got '" + device + "'");
        }
    }
}
