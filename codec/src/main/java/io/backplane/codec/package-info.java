/**
 * The canonical binary encoding of everything Backplane signs, hashes or frames: big-endian fixed-width
 * integers, length-prefixed byte strings and lists, one encoding per value. It must not depend on anything.
 */
package io.backplane.codec;
