/**
 * The voting, timeout and proposal rules (DESIGN.md §4), the certificate verifier they check every QC and TC with (its
 * cache holds only what it verified), the narrow signer interface and the approval hook; the double-sign watermark and the
 * durable safety data belong to the signer. It must not send messages, read clocks, keep a block tree or trust a caller's certificate.
 */
package io.backplane.node.consensus.safety;
