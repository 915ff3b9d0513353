/**
 * The admin plane (Vert.x): provisioning, keys, plugin lifecycle, flags, health, metrics, benchmark, audit log, dashboard.
 * It reads the node through narrow interfaces and changes it only through lifecycle operations.
 */
package io.backplane.admin;
