/*
 * Ed25519 batch verification, one signature per work-item, with exactly Bouncy Castle's acceptance rule
 * (org.bouncycastle.math.ec.rfc8032.Ed25519.verify, 1.8x):
 *   - R: y (sign bit masked) must be below p, and R must decompress (x = 0 with the sign bit set is refused);
 *   - S: the full 256-bit little-endian value must be below L;
 *   - A: y (sign bit masked) must be below p and not 0, 1, p-1 or one of the two order-8 y values; A must decompress;
 *   - k = SHA-512(R || A || M) mod L over the bytes as given;
 *   - accept iff [8]([S]B - [k]A - R) is the neutral element (BC's Straus loop ends with three doublings; its
 *     half-size scalars change nothing once the cofactor is applied).
 * Variable time throughout: every input is public.
 *
 * Field elements: 10 signed limbs of 26/25 bits (radix 2^25.5), products in 64-bit integers, so no 128-bit
 * arithmetic is needed (OpenCL C has none). Points: extended twisted Edwards coordinates (X:Y:Z:T), a = -1, with the
 * complete addition formulas of Hisil-Wong-Carter-Dawson.
 *
 * Inputs per item i: items[96*i .. 96*i+31] = A, items[96*i+32 .. +95] = R || S; the message is
 * msgs[msg_off[i] .. msg_off[i+1]). Output: result[i] = 1 valid, 0 invalid.
 */

typedef long fe[10];

typedef struct {
    fe X, Y, Z, T;
} ge;

__constant long FE_D2[10] = {45281625, 27714825, 36363642, 13898781, 229458, 15978800, 54557047, 27058993, 29715967, 9444199};
__constant long FE_D[10] = {56195235, 13857412, 51736253, 6949390, 114729, 24766616, 60832955, 30306712, 48412415, 21499315};
__constant long FE_SQRTM1[10] = {34513072, 25610706, 9377949, 3500415, 12389472, 33281959, 41962654, 31548777, 326685, 11406482};
__constant long FE_BX[10] = {52811034, 25909283, 16144682, 17082669, 27570973, 30858332, 40966398, 8378388, 20764389, 8758491};
__constant long FE_BY[10] = {40265304, 26843545, 13421772, 20132659, 26843545, 6710886, 53687091, 13421772, 40265318, 26843545};

/* The group order L, little-endian 32-bit words, and mu = floor(2^512 / L) for Barrett reduction. */
__constant uint SC_L[8] = {0x5cf5d3edu, 0x5812631au, 0xa2f79cd6u, 0x14def9deu, 0u, 0u, 0u, 0x10000000u};
__constant uint SC_MU[9] = {0x0a2c131bu, 0xed9ce5a3u, 0x086329a7u, 0x2106215du, 0xffffffebu, 0xffffffffu, 0xffffffffu,
                            0xffffffffu, 0xfu};

/* y values (sign bit masked) that BC refuses for A: 0, 1, p-1 and the two order-8 points. */
__constant uchar ORDER8_Y1[32] = {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
                                  0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05};
__constant uchar ORDER8_Y2[32] = {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
                                  0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a};

/* ---------------------------------------------------------------- field arithmetic mod p = 2^255 - 19 */

inline int limb_bits(int i) {
    return (i & 1) ? 25 : 26;
}

inline void carry_step(fe h, int i) {
    int b = limb_bits(i);
    long c = (h[i] + ((long) 1 << (b - 1))) >> b;   /* arithmetic shift: rounds to nearest */
    h[i] -= c * ((long) 1 << b);
    if (i == 9) {
        h[0] += 19 * c;
    } else {
        h[i + 1] += c;
    }
}

/*
 * Brings every limb of a product (|h_i| < 2^62) back to about 2^25 in magnitude, in ref10's interleaved order so that
 * the wrapped-around carry (times 19) is itself carried once more.
 */
void fe_carry(fe h) {
    carry_step(h, 0); carry_step(h, 4);
    carry_step(h, 1); carry_step(h, 5);
    carry_step(h, 2); carry_step(h, 6);
    carry_step(h, 3); carry_step(h, 7);
    carry_step(h, 4); carry_step(h, 8);
    carry_step(h, 9);
    carry_step(h, 0);
}

/* One pass, enough after adding or subtracting two carried elements (|h_i| < 2^27). */
void fe_carry_small(fe h) {
    #pragma unroll
    for (int i = 0; i < 10; i++) carry_step(h, i);
}

void fe_copy(fe h, const fe f) {
    #pragma unroll
    for (int i = 0; i < 10; i++) h[i] = f[i];
}

void fe_copy_c(fe h, __constant const long *f) {
    for (int i = 0; i < 10; i++) h[i] = f[i];
}

void fe_0(fe h) {
    for (int i = 0; i < 10; i++) h[i] = 0;
}

void fe_1(fe h) {
    fe_0(h);
    h[0] = 1;
}

void fe_add(fe h, const fe f, const fe g) {
    #pragma unroll
    for (int i = 0; i < 10; i++) h[i] = f[i] + g[i];
    fe_carry_small(h);
}

void fe_sub(fe h, const fe f, const fe g) {
    #pragma unroll
    for (int i = 0; i < 10; i++) h[i] = f[i] - g[i];
    fe_carry_small(h);
}

void fe_neg(fe h, const fe f) {
    #pragma unroll
    for (int i = 0; i < 10; i++) h[i] = -f[i];
}

/* h = f * g. Limb i weighs 2^ceil(25.5 i): two odd limbs multiply to twice their slot; slots >= 10 wrap times 19. */
void fe_mul(fe h, const fe f, const fe g) {
    long t[10];
    #pragma unroll
    for (int k = 0; k < 10; k++) t[k] = 0;
    #pragma unroll
    for (int i = 0; i < 10; i++) {
        int fi = (int) f[i];
        int fi2 = (i & 1) ? 2 * fi : fi;
        #pragma unroll
        for (int j = 0; j < 10; j++) {
            /* carried limbs fit in 27 bits, so 32-bit operands with a 64-bit product (mul.wide on GPUs) */
            long p = (long) ((j & 1) ? fi2 : fi) * (long) (int) g[j];
            int k = i + j;
            if (k >= 10) {
                t[k - 10] += 19 * p;
            } else {
                t[k] += p;
            }
        }
    }
    for (int k = 0; k < 10; k++) h[k] = t[k];
    fe_carry(h);
}

void fe_mul_c(fe h, const fe f, __constant const long *g) {
    fe gg;
    fe_copy_c(gg, g);
    fe_mul(h, f, gg);
}

void fe_sq(fe h, const fe f) {
    fe_mul(h, f, f);
}

void fe_sqn(fe h, const fe f, int n) {
    fe_sq(h, f);
    for (int i = 1; i < n; i++) fe_sq(h, h);
}

/* Canonical little-endian bytes (the value reduced below p). */
void fe_tobytes(uchar *s, const fe f) {
    fe h;
    fe_copy(h, f);
    fe_carry(h);
    /* q = floor((h + 19) / 2^255): 1 when h >= p, else 0 (h is within (-2^255, 2^256) after carrying). */
    long q = (19 * h[9] + ((long) 1 << 24)) >> 25;
    for (int i = 0; i < 10; i++) q = (h[i] + q) >> limb_bits(i);
    h[0] += 19 * q;
    for (int i = 0; i < 9; i++) {
        int b = limb_bits(i);
        long c = h[i] >> b;
        h[i + 1] += c;
        h[i] -= c * ((long) 1 << b);
    }
    h[9] &= ((long) 1 << 25) - 1;
    /* Pack the 255 bits. */
    ulong acc = 0;
    int accbits = 0;
    int out = 0;
    for (int i = 0; i < 10; i++) {
        acc |= ((ulong) h[i]) << accbits;
        accbits += limb_bits(i);
        while (accbits >= 8) {
            s[out++] = (uchar) acc;
            acc >>= 8;
            accbits -= 8;
        }
    }
    if (out < 32) s[out] = (uchar) acc;
}

/* The low 255 bits of s (the sign bit is ignored). */
void fe_frombytes(fe h, const uchar *s) {
    int bit = 0;
    for (int i = 0; i < 10; i++) {
        int b = limb_bits(i);
        long v = 0;
        for (int k = 0; k < b; k++) {
            int pos = bit + k;
            v |= (long) ((s[pos >> 3] >> (pos & 7)) & 1) << k;
        }
        h[i] = v;
        bit += b;
    }
}

int fe_iszero(const fe f) {
    uchar s[32];
    fe_tobytes(s, f);
    uchar r = 0;
    for (int i = 0; i < 32; i++) r |= s[i];
    return r == 0;
}

int fe_isodd(const fe f) {
    uchar s[32];
    fe_tobytes(s, f);
    return s[0] & 1;
}

int fe_equal(const fe f, const fe g) {
    fe d;
    fe_sub(d, f, g);
    return fe_iszero(d);
}

/* z^(2^252 - 3), the exponent of the square root of a ratio. */
void fe_pow22523(fe out, const fe z) {
    fe t0, t1, t2;
    fe_sq(t0, z);                /* z^2 */
    fe_sqn(t1, t0, 2);           /* z^8 */
    fe_mul(t1, z, t1);           /* z^9 */
    fe_mul(t0, t0, t1);          /* z^11 */
    fe_sq(t0, t0);               /* z^22 */
    fe_mul(t0, t1, t0);          /* z^(2^5 - 1) */
    fe_sqn(t1, t0, 5);
    fe_mul(t0, t1, t0);          /* 2^10 - 1 */
    fe_sqn(t1, t0, 10);
    fe_mul(t1, t1, t0);          /* 2^20 - 1 */
    fe_sqn(t2, t1, 20);
    fe_mul(t1, t2, t1);          /* 2^40 - 1 */
    fe_sqn(t1, t1, 10);
    fe_mul(t0, t1, t0);          /* 2^50 - 1 */
    fe_sqn(t1, t0, 50);
    fe_mul(t1, t1, t0);          /* 2^100 - 1 */
    fe_sqn(t2, t1, 100);
    fe_mul(t1, t2, t1);          /* 2^200 - 1 */
    fe_sqn(t1, t1, 50);
    fe_mul(t0, t1, t0);          /* 2^250 - 1 */
    fe_sqn(t0, t0, 2);           /* 2^252 - 4 */
    fe_mul(out, t0, z);          /* 2^252 - 3 */
}

/* ---------------------------------------------------------------- encodings */

/* y (sign bit masked) < p = 2^255 - 19 */
int y_canonical(const uchar *s) {
    if ((s[31] & 0x7f) != 0x7f) return 1;
    for (int i = 30; i >= 1; i--) {
        if (s[i] != 0xff) return 1;
    }
    return s[0] < 0xed;
}

int y_equals_c(const uchar *s, __constant const uchar *c) {
    for (int i = 0; i < 31; i++) {
        if (s[i] != c[i]) return 0;
    }
    return (s[31] & 0x7f) == c[31];
}

/* BC's checkPointFullVar: canonical y, and not 0, 1, p-1 or an order-8 y. */
int a_acceptable(const uchar *s) {
    if (!y_canonical(s)) return 0;
    int high_zero = (s[31] & 0x7f) == 0;
    for (int i = 1; i < 31; i++) high_zero &= s[i] == 0;
    if (high_zero && s[0] <= 1) return 0;                 /* y = 0 or 1 */
    int high_ff = (s[31] & 0x7f) == 0x7f;
    for (int i = 1; i < 31; i++) high_ff &= s[i] == 0xff;
    if (high_ff && s[0] == 0xec) return 0;                /* y = p - 1 */
    if (y_equals_c(s, ORDER8_Y1) || y_equals_c(s, ORDER8_Y2)) return 0;
    return 1;
}

/* Decompression as BC's decodePointVar: x = sqrt((y^2 - 1) / (d y^2 + 1)), x = 0 with the sign bit set refused. */
int ge_decode(ge *p, const uchar *s) {
    fe u, v, v3, vxx, x, check;
    fe_frombytes(p->Y, s);
    fe_1(p->Z);
    fe_sq(u, p->Y);
    fe_mul_c(v, u, FE_D);
    fe_sub(u, u, p->Z);          /* y^2 - 1 */
    fe_add(v, v, p->Z);          /* d y^2 + 1 */

    fe_sq(v3, v);
    fe_mul(v3, v3, v);           /* v^3 */
    fe_sq(x, v3);
    fe_mul(x, x, v);
    fe_mul(x, x, u);             /* u v^7 */
    fe_pow22523(x, x);
    fe_mul(x, x, v3);
    fe_mul(x, x, u);             /* u v^3 (u v^7)^((p-5)/8) */

    fe_sq(vxx, x);
    fe_mul(vxx, vxx, v);
    fe_sub(check, vxx, u);
    if (!fe_iszero(check)) {
        fe_add(check, vxx, u);
        if (!fe_iszero(check)) return 0;    /* no square root: not on the curve */
        fe_mul_c(x, x, FE_SQRTM1);
    }
    int sign = (s[31] >> 7) & 1;
    if (sign && fe_iszero(x)) return 0;
    if (fe_isodd(x) != sign) fe_neg(x, x);
    fe_copy(p->X, x);
    fe_mul(p->T, x, p->Y);
    return 1;
}

/* ---------------------------------------------------------------- group law */

void ge_identity(ge *p) {
    fe_0(p->X);
    fe_1(p->Y);
    fe_1(p->Z);
    fe_0(p->T);
}

void ge_neg(ge *r, const ge *p) {
    fe_neg(r->X, p->X);
    fe_copy(r->Y, p->Y);
    fe_copy(r->Z, p->Z);
    fe_neg(r->T, p->T);
}

/* add-2008-hwcd-3, complete for a = -1 and non-square d (so it also doubles and handles the identity). */
void ge_add(ge *r, const ge *p, const ge *q) {
    fe a, b, c, d, e, f, g, h, t;
    fe_sub(a, p->Y, p->X);
    fe_sub(t, q->Y, q->X);
    fe_mul(a, a, t);
    fe_add(b, p->Y, p->X);
    fe_add(t, q->Y, q->X);
    fe_mul(b, b, t);
    fe_mul(c, p->T, q->T);
    fe_mul_c(c, c, FE_D2);
    fe_mul(d, p->Z, q->Z);
    fe_add(d, d, d);
    fe_sub(e, b, a);
    fe_sub(f, d, c);
    fe_add(g, d, c);
    fe_add(h, b, a);
    fe_mul(r->X, e, f);
    fe_mul(r->Y, g, h);
    fe_mul(r->T, e, h);
    fe_mul(r->Z, f, g);
}

/* dbl-2008-hwcd with a = -1 (signs folded so that every intermediate is one add or sub away from a product). */
void ge_dbl(ge *r, const ge *p) {
    fe a, b, c, e, f, g, h, t;
    fe_sq(a, p->X);
    fe_sq(b, p->Y);
    fe_sq(c, p->Z);
    fe_add(c, c, c);
    fe_add(h, a, b);
    fe_add(t, p->X, p->Y);
    fe_sq(t, t);
    fe_sub(e, h, t);
    fe_sub(g, a, b);
    fe_add(f, c, g);
    fe_mul(r->X, e, f);
    fe_mul(r->Y, g, h);
    fe_mul(r->T, e, h);
    fe_mul(r->Z, f, g);
}

/* Neutral element: X = 0 and Y = Z (as BC's normalizeToNeutralElementVar, which also demands Y != 0). */
int ge_is_neutral(const ge *p) {
    return fe_iszero(p->X) && !fe_iszero(p->Y) && fe_equal(p->Y, p->Z);
}

/* ---------------------------------------------------------------- scalars mod L */

/* S < L over all 256 bits (BC's Scalar25519.checkVar). */
int sc_below_l(const uchar *s) {
    for (int i = 7; i >= 0; i--) {
        uint w = (uint) s[4 * i] | ((uint) s[4 * i + 1] << 8) | ((uint) s[4 * i + 2] << 16) | ((uint) s[4 * i + 3] << 24);
        if (w < SC_L[i]) return 1;
        if (w > SC_L[i]) return 0;
    }
    return 0;
}

/* Barrett reduction of a 512-bit little-endian value mod L (HAC 14.42 with b = 2^32, k = 8). */
void sc_reduce512(uchar *out, const uchar *in) {
    uint x[16];
    for (int i = 0; i < 16; i++) {
        x[i] = (uint) in[4 * i] | ((uint) in[4 * i + 1] << 8) | ((uint) in[4 * i + 2] << 16) | ((uint) in[4 * i + 3] << 24);
    }
    /* q1 = x / b^7 (9 words); q2 = q1 * mu (18 words); q3 = q2 / b^9 (9 words) */
    uint q2[18];
    for (int i = 0; i < 18; i++) q2[i] = 0;
    for (int i = 0; i < 9; i++) {
        ulong carry = 0;
        for (int j = 0; j < 9; j++) {
            ulong t = (ulong) x[7 + i] * SC_MU[j] + q2[i + j] + carry;
            q2[i + j] = (uint) t;
            carry = t >> 32;
        }
        q2[i + 9] = (uint) carry;
    }
    /* r2 = (q3 * L) mod b^9 */
    uint r2[9];
    for (int i = 0; i < 9; i++) r2[i] = 0;
    for (int i = 0; i < 9; i++) {
        ulong carry = 0;
        for (int j = 0; j < 8 && i + j < 9; j++) {
            ulong t = (ulong) q2[9 + i] * SC_L[j] + r2[i + j] + carry;
            r2[i + j] = (uint) t;
            carry = t >> 32;
        }
        if (i + 8 < 9) r2[i + 8] += (uint) carry;
    }
    /* r = (x mod b^9) - r2, mod b^9 */
    uint r[9];
    long borrow = 0;
    for (int i = 0; i < 9; i++) {
        long t = (long) x[i] - (long) r2[i] + borrow;
        r[i] = (uint) t;
        borrow = t >> 32;
    }
    /* at most two subtractions of L */
    for (int round = 0; round < 3; round++) {
        int ge_l = r[8] != 0;
        if (!ge_l) {
            ge_l = 1;
            for (int i = 7; i >= 0; i--) {
                if (r[i] > SC_L[i]) break;
                if (r[i] < SC_L[i]) { ge_l = 0; break; }
            }
        }
        if (!ge_l) break;
        long b2 = 0;
        for (int i = 0; i < 9; i++) {
            long t = (long) r[i] - (long) (i < 8 ? SC_L[i] : 0u) + b2;
            r[i] = (uint) t;
            b2 = t >> 32;
        }
    }
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uchar) r[i];
        out[4 * i + 1] = (uchar) (r[i] >> 8);
        out[4 * i + 2] = (uchar) (r[i] >> 16);
        out[4 * i + 3] = (uchar) (r[i] >> 24);
    }
}

/* ---------------------------------------------------------------- SHA-512 */

__constant ulong SHA512_K[80] = {
    0x428a2f98d728ae22UL, 0x7137449123ef65cdUL, 0xb5c0fbcfec4d3b2fUL, 0xe9b5dba58189dbbcUL, 0x3956c25bf348b538UL,
    0x59f111f1b605d019UL, 0x923f82a4af194f9bUL, 0xab1c5ed5da6d8118UL, 0xd807aa98a3030242UL, 0x12835b0145706fbeUL,
    0x243185be4ee4b28cUL, 0x550c7dc3d5ffb4e2UL, 0x72be5d74f27b896fUL, 0x80deb1fe3b1696b1UL, 0x9bdc06a725c71235UL,
    0xc19bf174cf692694UL, 0xe49b69c19ef14ad2UL, 0xefbe4786384f25e3UL, 0x0fc19dc68b8cd5b5UL, 0x240ca1cc77ac9c65UL,
    0x2de92c6f592b0275UL, 0x4a7484aa6ea6e483UL, 0x5cb0a9dcbd41fbd4UL, 0x76f988da831153b5UL, 0x983e5152ee66dfabUL,
    0xa831c66d2db43210UL, 0xb00327c898fb213fUL, 0xbf597fc7beef0ee4UL, 0xc6e00bf33da88fc2UL, 0xd5a79147930aa725UL,
    0x06ca6351e003826fUL, 0x142929670a0e6e70UL, 0x27b70a8546d22ffcUL, 0x2e1b21385c26c926UL, 0x4d2c6dfc5ac42aedUL,
    0x53380d139d95b3dfUL, 0x650a73548baf63deUL, 0x766a0abb3c77b2a8UL, 0x81c2c92e47edaee6UL, 0x92722c851482353bUL,
    0xa2bfe8a14cf10364UL, 0xa81a664bbc423001UL, 0xc24b8b70d0f89791UL, 0xc76c51a30654be30UL, 0xd192e819d6ef5218UL,
    0xd69906245565a910UL, 0xf40e35855771202aUL, 0x106aa07032bbd1b8UL, 0x19a4c116b8d2d0c8UL, 0x1e376c085141ab53UL,
    0x2748774cdf8eeb99UL, 0x34b0bcb5e19b48a8UL, 0x391c0cb3c5c95a63UL, 0x4ed8aa4ae3418acbUL, 0x5b9cca4f7763e373UL,
    0x682e6ff3d6b2b8a3UL, 0x748f82ee5defb2fcUL, 0x78a5636f43172f60UL, 0x84c87814a1f0ab72UL, 0x8cc702081a6439ecUL,
    0x90befffa23631e28UL, 0xa4506cebde82bde9UL, 0xbef9a3f7b2c67915UL, 0xc67178f2e372532bUL, 0xca273eceea26619cUL,
    0xd186b8c721c0c207UL, 0xeada7dd6cde0eb1eUL, 0xf57d4f7fee6ed178UL, 0x06f067aa72176fbaUL, 0x0a637dc5a2c898a6UL,
    0x113f9804bef90daeUL, 0x1b710b35131c471bUL, 0x28db77f523047d84UL, 0x32caab7b40c72493UL, 0x3c9ebe0a15c9bebcUL,
    0x431d67c49c100d4cUL, 0x4cc5d4becb3e42b6UL, 0x597f299cfc657e2aUL, 0x5fcb6fab3ad6faecUL, 0x6c44198c4a475817UL};

inline ulong rotr64(ulong x, int n) {
    return (x >> n) | (x << (64 - n));
}

void sha512_block(ulong *h, ulong *w) {
    ulong a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 80; i++) {
        ulong wi;
        if (i < 16) {
            wi = w[i];
        } else {
            ulong w15 = w[(i - 15) & 15];
            ulong w2 = w[(i - 2) & 15];
            ulong s0 = rotr64(w15, 1) ^ rotr64(w15, 8) ^ (w15 >> 7);
            ulong s1 = rotr64(w2, 19) ^ rotr64(w2, 61) ^ (w2 >> 6);
            wi = w[i & 15] + s0 + w[(i - 7) & 15] + s1;
            w[i & 15] = wi;
        }
        ulong S1 = rotr64(e, 14) ^ rotr64(e, 18) ^ rotr64(e, 41);
        ulong ch = (e & f) ^ (~e & g);
        ulong t1 = hh + S1 + ch + SHA512_K[i] + wi;
        ulong S0 = rotr64(a, 28) ^ rotr64(a, 34) ^ rotr64(a, 39);
        ulong maj = (a & b) ^ (a & c) ^ (b & c);
        ulong t2 = S0 + maj;
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

/* SHA-512 of R || A || M, read straight from global memory. */
void sha512_ram(uchar *digest, const uchar *r, const uchar *a, __global const uchar *m, uint mlen) {
    ulong h[8] = {0x6a09e667f3bcc908UL, 0xbb67ae8584caa73bUL, 0x3c6ef372fe94f82bUL, 0xa54ff53a5f1d36f1UL,
                  0x510e527fade682d1UL, 0x9b05688c2b3e6c1fUL, 0x1f83d9abfb41bd6bUL, 0x5be0cd19137e2179UL};
    ulong total = 64 + (ulong) mlen;
    ulong blocks = (total + 17 + 127) / 128;
    ulong w[16];
    for (ulong blk = 0; blk < blocks; blk++) {
        for (int i = 0; i < 16; i++) {
            ulong word = 0;
            for (int j = 0; j < 8; j++) {
                ulong idx = blk * 128 + (ulong) (i * 8 + j);
                uchar byte;
                if (idx < 32) byte = r[idx];
                else if (idx < 64) byte = a[idx - 32];
                else if (idx < total) byte = m[idx - 64];
                else if (idx == total) byte = 0x80;
                else byte = 0;
                word = (word << 8) | byte;
            }
            w[i] = word;
        }
        if (blk == blocks - 1) {
            w[15] = total * 8;   /* the high 64 bits of the 128-bit length (w[14]) stay zero */
        }
        sha512_block(h, w);
    }
    for (int i = 0; i < 8; i++) {
        for (int j = 0; j < 8; j++) digest[i * 8 + j] = (uchar) (h[i] >> (56 - 8 * j));
    }
}

/* ---------------------------------------------------------------- verification */

inline int nibble(const uchar *s, int i) {
    return (s[i >> 1] >> ((i & 1) * 4)) & 15;
}

/* [s]B + [k]Q with 4-bit fixed windows, both tables built here (16 multiples each). */
void double_scalar_mult(ge *out, const uchar *s, const uchar *k, const ge *q) {
    ge tb[16];
    ge tq[16];
    ge_identity(&tb[0]);
    fe_copy_c(tb[1].X, FE_BX);
    fe_copy_c(tb[1].Y, FE_BY);
    fe_1(tb[1].Z);
    fe_mul(tb[1].T, tb[1].X, tb[1].Y);
    ge_identity(&tq[0]);
    tq[1] = *q;
    for (int i = 2; i < 16; i++) {
        ge_add(&tb[i], &tb[i - 1], &tb[1]);
        ge_add(&tq[i], &tq[i - 1], &tq[1]);
    }
    ge acc;
    ge_identity(&acc);
    for (int i = 63; i >= 0; i--) {
        if (i != 63) {
            ge_dbl(&acc, &acc);
            ge_dbl(&acc, &acc);
            ge_dbl(&acc, &acc);
            ge_dbl(&acc, &acc);
        }
        int ns = nibble(s, i);
        int nk = nibble(k, i);
        if (ns) ge_add(&acc, &acc, &tb[ns]);
        if (nk) ge_add(&acc, &acc, &tq[nk]);
    }
    *out = acc;
}

int verify_one(const uchar *pk, const uchar *sig, __global const uchar *m, uint mlen) {
    const uchar *rb = sig;
    const uchar *sb = sig + 32;
    if (!y_canonical(rb)) return 0;
    if (!sc_below_l(sb)) return 0;
    if (!a_acceptable(pk)) return 0;
    ge r, a;
    if (!ge_decode(&r, rb)) return 0;
    if (!ge_decode(&a, pk)) return 0;

    uchar digest[64];
    uchar k[32];
    sha512_ram(digest, rb, pk, m, mlen);
    sc_reduce512(k, digest);

    ge neg_a, neg_r, p;
    ge_neg(&neg_a, &a);
    ge_neg(&neg_r, &r);
    double_scalar_mult(&p, sb, k, &neg_a);   /* [S]B - [k]A */
    ge_add(&p, &p, &neg_r);                  /* - R */
    ge_dbl(&p, &p);
    ge_dbl(&p, &p);
    ge_dbl(&p, &p);                          /* cofactor 8 */
    return ge_is_neutral(&p);
}

__kernel void ed25519_verify(__global const uchar *items, __global const uint *msg_off, __global const uchar *msgs,
                             __global uchar *result, uint n) {
    uint i = get_global_id(0);
    if (i >= n) return;
    uchar pk[32];
    uchar sig[64];
    for (int j = 0; j < 32; j++) pk[j] = items[96 * (ulong) i + j];
    for (int j = 0; j < 64; j++) sig[j] = items[96 * (ulong) i + 32 + j];
    uint off = msg_off[i];
    uint len = msg_off[i + 1] - off;
    result[i] = (uchar) verify_one(pk, sig, msgs + off, len);
}
