// Wesolowski verification core for the RSA-2048 group: out = pi^l * x^r mod N, one work-item per proof.
// Numbers are 64 little-endian 32-bit limbs. Montgomery multiplication (CIOS, Koc et al. 1996) with R = 2^2048;
// the two exponentiations share their squarings (Shamir's trick), 128 bits each (l is a 128-bit prime, r < l).
// The host computes l, r (HashToPrime) and compares canon(out) with y.

#define LIMBS 64

// out = a * b * R^-1 mod N, fully reduced; out may alias a or b.
void mont_mul(uint *out, const uint *a, const uint *b, __constant const uint *n, const uint n0) {
    uint t[LIMBS + 2];
    for (int i = 0; i < LIMBS + 2; i++) {
        t[i] = 0;
    }
    for (int i = 0; i < LIMBS; i++) {
        ulong c = 0;
        ulong bi = b[i];
        for (int j = 0; j < LIMBS; j++) {
            c = (ulong)a[j] * bi + t[j] + c;
            t[j] = (uint)c;
            c >>= 32;
        }
        c = (ulong)t[LIMBS] + c;
        t[LIMBS] = (uint)c;
        t[LIMBS + 1] = (uint)(c >> 32);
        ulong m = (uint)(t[0] * n0);
        c = (m * n[0] + t[0]) >> 32;
        for (int j = 1; j < LIMBS; j++) {
            c = m * n[j] + t[j] + c;
            t[j - 1] = (uint)c;
            c >>= 32;
        }
        c = (ulong)t[LIMBS] + c;
        t[LIMBS - 1] = (uint)c;
        t[LIMBS] = t[LIMBS + 1] + (uint)(c >> 32);
    }
    // t < 2N: subtract N once if t >= N.
    int ge = t[LIMBS] != 0;
    if (!ge) {
        ge = 1;
        for (int j = LIMBS - 1; j >= 0; j--) {
            if (t[j] != n[j]) {
                ge = t[j] > n[j];
                break;
            }
        }
    }
    if (ge) {
        long borrow = 0;
        for (int j = 0; j < LIMBS; j++) {
            long d = (long)t[j] - (long)n[j] + borrow;
            out[j] = (uint)d;
            borrow = d >> 32;
        }
    } else {
        for (int j = 0; j < LIMBS; j++) {
            out[j] = t[j];
        }
    }
}

__kernel void vdf_pow2(__global const uint *pis, __global const uint *xs, __global const uint *exps,
                       __constant const uint *n, __constant const uint *r2, const uint n0,
                       __global uint *out, const uint count) {
    uint gid = get_global_id(0);
    if (gid >= count) {
        return;
    }
    uint a[LIMBS], b[LIMBS], ab[LIMBS], acc[LIMBS], tmp[LIMBS];
    for (int j = 0; j < LIMBS; j++) {
        tmp[j] = r2[j];
        a[j] = pis[(ulong)gid * LIMBS + j];
        b[j] = xs[(ulong)gid * LIMBS + j];
    }
    mont_mul(a, a, tmp, n, n0);      // pi in Montgomery form
    mont_mul(b, b, tmp, n, n0);      // x in Montgomery form
    mont_mul(ab, a, b, n, n0);       // pi * x in Montgomery form
    for (int j = 0; j < LIMBS; j++) {
        acc[j] = j == 0 ? 1u : 0u;
    }
    mont_mul(acc, acc, tmp, n, n0);  // 1 in Montgomery form (R mod N)
    __global const uint *e = exps + (ulong)gid * 8;  // l: words 0..3, r: words 4..7, little-endian
    for (int bit = 127; bit >= 0; bit--) {
        mont_mul(acc, acc, acc, n, n0);
        uint sel = (((e[bit >> 5] >> (bit & 31)) & 1u) << 1) | ((e[4 + (bit >> 5)] >> (bit & 31)) & 1u);
        if (sel == 1u) {
            mont_mul(acc, acc, b, n, n0);
        } else if (sel == 2u) {
            mont_mul(acc, acc, a, n, n0);
        } else if (sel == 3u) {
            mont_mul(acc, acc, ab, n, n0);
        }
    }
    for (int j = 0; j < LIMBS; j++) {
        tmp[j] = j == 0 ? 1u : 0u;
    }
    mont_mul(acc, acc, tmp, n, n0);  // out of Montgomery form
    for (int j = 0; j < LIMBS; j++) {
        out[(ulong)gid * LIMBS + j] = acc[j];
    }
}
