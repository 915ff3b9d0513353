/**
 * The node-to-node transport: TLS 1.3 connections between validators (both sides authenticated, a peer known only by
 * its certificate's public key in the validator directory), length-prefixed frames on three priority lanes, and
 * bounded per-peer outbound queues that shed bulk traffic first, over Netty with io_uring or epoll when they load.
 * It moves opaque bytes: it must not parse consensus messages, block the caller, or trust anything a peer claims
 * about itself beyond its authenticated certificate.
 */
package io.backplane.node.net;
