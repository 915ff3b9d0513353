/**
 * OpenCL through JOCL: the runtime probe, one reusable device context with its on-disk program cache, and the
 * OpenCL backend. A missing driver must never break class loading, and no call here may build a program per call.
 */
package io.backplane.accel.opencl;
