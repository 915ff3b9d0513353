package io.backplane.accel;

/**
 * Fault injection at the device boundary, for tests and drills: it runs on the device call's thread. Throwing from
 * {@link #beforeDeviceCall} is a device error, blocking in it is a hung device (a deadline miss), and
 * {@link #afterDeviceCall} may replace the device's answer (a lying device, caught by the cross-check).
 * Production uses {@link #NONE}.
 */
public interface DeviceFaultHook {
    DeviceFaultHook NONE = new DeviceFaultHook() {
    };

    default void beforeDeviceCall(String op, int items) throws Exception {
    }

    default Object afterDeviceCall(String op, Object result) {
        return result;
    }
}
