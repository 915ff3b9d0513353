/**
 * The validator node: consensus, block tree, mempool, storage, transport and the wiring of every module.
 * The consensus core inside it imports no Netty, Vert.x, JOCL or PKCS#11 class.
 */
package io.backplane.node;
