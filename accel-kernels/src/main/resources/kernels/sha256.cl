// SHA-256 (FIPS 180-4) for batches: one work-item per message. Messages are packed back to back in `data`;
// message i is data[offsets[i] .. offsets[i+1]). An optional one-byte prefix (RFC 6962 leaf 0x00) is hashed
// in front of every message without copying. Padding is produced on the fly, so any length works.

__constant uint K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

#define ROTR(x, n) rotate((uint)(x), (uint)(32 - (n)))
#define CH(x, y, z) (((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
#define BS0(x) (ROTR(x, 2) ^ ROTR(x, 13) ^ ROTR(x, 22))
#define BS1(x) (ROTR(x, 6) ^ ROTR(x, 11) ^ ROTR(x, 25))
#define SS0(x) (ROTR(x, 7) ^ ROTR(x, 18) ^ ((x) >> 3))
#define SS1(x) (ROTR(x, 17) ^ ROTR(x, 19) ^ ((x) >> 10))

inline void sha256_init(uint *h) {
    h[0] = 0x6a09e667u; h[1] = 0xbb67ae85u; h[2] = 0x3c6ef372u; h[3] = 0xa54ff53au;
    h[4] = 0x510e527fu; h[5] = 0x9b05688cu; h[6] = 0x1f83d9abu; h[7] = 0x5be0cd19u;
}

// w[0..15] holds the block as big-endian words; it is expanded in place (a 16-word ring).
inline void sha256_compress(uint *h, uint *w) {
    uint a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int t = 0; t < 64; t++) {
        uint wt;
        if (t < 16) {
            wt = w[t];
        } else {
            wt = SS1(w[(t - 2) & 15]) + w[(t - 7) & 15] + SS0(w[(t - 15) & 15]) + w[t & 15];
            w[t & 15] = wt;
        }
        uint t1 = hh + BS1(e) + CH(e, f, g) + K[t] + wt;
        uint t2 = BS0(a) + MAJ(a, b, c);
        hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

inline void store_digest(__global uchar *out, const uint *h) {
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uchar)(h[i] >> 24);
        out[4 * i + 1] = (uchar)(h[i] >> 16);
        out[4 * i + 2] = (uchar)(h[i] >> 8);
        out[4 * i + 3] = (uchar)h[i];
    }
}

// prefix < 0: none; otherwise that byte is hashed before the message.
__kernel void sha256_batch(__global const uchar *data, __global const ulong *offsets, const int prefix,
                           __global uchar *out, const uint count) {
    uint gid = get_global_id(0);
    if (gid >= count) {
        return;
    }
    ulong start = offsets[gid];
    ulong len = offsets[gid + 1] - start;
    ulong p = prefix < 0 ? 0 : 1;
    ulong total = len + p;                       // bytes hashed
    ulong blocks = (total + 9 + 63) / 64;        // + 0x80 + 64-bit length, rounded up
    ulong bits = total * 8;
    uint h[8];
    uint w[16];
    sha256_init(h);
    for (ulong blk = 0; blk < blocks; blk++) {
        ulong base = blk * 64;
        if (p == 0 && base + 64 <= total) {
            // Whole block of message bytes: the common case, read straight from global memory.
            __global const uchar *src = data + start + base;
            for (int i = 0; i < 16; i++) {
                w[i] = ((uint)src[4 * i] << 24) | ((uint)src[4 * i + 1] << 16) | ((uint)src[4 * i + 2] << 8) | (uint)src[4 * i + 3];
            }
        } else {
            for (int i = 0; i < 16; i++) {
                uint word = 0;
                for (int k = 0; k < 4; k++) {
                    ulong pos = base + 4 * i + k;
                    uint byte;
                    if (pos < total) {
                        byte = pos < p ? (uint)(uchar)prefix : (uint)data[start + pos - p];
                    } else if (pos == total) {
                        byte = 0x80u;
                    } else if (pos >= blocks * 64 - 8) {
                        byte = (uint)(uchar)(bits >> (8 * (blocks * 64 - 1 - pos)));
                    } else {
                        byte = 0;
                    }
                    word = (word << 8) | byte;
                }
                w[i] = word;
            }
        }
        sha256_compress(h, w);
    }
    store_digest(out + (ulong)gid * 32, h);
}

// One level of the RFC 6962 tree: node i = SHA-256(0x01 || src[2i] || src[2i+1]); an odd last node moves up as is.
__kernel void merkle_level(__global const uchar *src, const uint m, __global uchar *dst) {
    uint gid = get_global_id(0);
    uint pairs = m / 2;
    if (gid < pairs) {
        __global const uchar *l = src + (ulong)gid * 64;
        uint h[8];
        uint w[16];
        sha256_init(h);
        // 65 message bytes: 0x01, 64 bytes of children; block 1 = bytes 0..63, block 2 = byte 64, 0x80, length 520.
        uint prev = 0x01u;
        for (int i = 0; i < 16; i++) {
            uint b0 = l[4 * i], b1 = l[4 * i + 1], b2 = l[4 * i + 2], b3 = l[4 * i + 3];
            w[i] = (prev << 24) | (b0 << 16) | (b1 << 8) | b2;
            prev = b3;
        }
        sha256_compress(h, w);
        w[0] = (prev << 24) | 0x00800000u;
        for (int i = 1; i < 15; i++) {
            w[i] = 0;
        }
        w[15] = 65u * 8u;
        sha256_compress(h, w);
        store_digest(dst + (ulong)gid * 32, h);
    } else if (gid == pairs && (m & 1u)) {
        for (int i = 0; i < 32; i++) {
            dst[(ulong)gid * 32 + i] = src[(ulong)gid * 64 + i];
        }
    }
}
