package io.backplane.plugin.api;

/**
 * Marker for every plugin kind. The determinism contract, which all kinds share:
 * <ul>
 *   <li>The answer is a pure function of the arguments: the same input gives the same output on every node, every
 *       time. No clocks, randomness (use the seed you are given), threads, files, sockets, reflection, native code,
 *       class loading or {@code System.exit}: the host refuses jars that reach for them at load time.</li>
 *   <li>Inputs are immutable; a plugin keeps no state between calls (the enclave may be restarted at any time).</li>
 *   <li>Each call has a deadline (default 2 s, set by the operator); a missed deadline kills the enclave and the node
 *       abstains for that decision.</li>
 * </ul>
 * A plugin class must be public, have a public no-argument constructor and implement exactly the interfaces of the
 * kinds its manifest lists.
 */
public interface Plugin {
}
