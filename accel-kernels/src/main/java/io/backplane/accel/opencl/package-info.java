/**
 * OpenCL through JOCL: probing the runtime once, listing platforms and devices, and (later) the device backend.
 * A missing driver or ICD loader must never break class loading: it is reported as an unavailability cause.
 */
package io.backplane.accel.opencl;
