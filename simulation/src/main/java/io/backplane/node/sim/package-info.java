/**
 * The deterministic simulation: n validators in one thread on a seeded scheduler, a simulated clock and a hostile
 * in-memory network, with crashes and Byzantine nodes (certificate forgers and flooders among them), checking safety
 * invariants after every event and the safety rules' approvals in front of the guard (optionally a pass-through guard).
 * It must not read the wall clock, start threads or use unseeded randomness: a seed replays a run exactly.
 */
package io.backplane.node.sim;
