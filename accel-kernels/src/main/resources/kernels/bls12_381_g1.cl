/*
 * BLS12-381 G1 on the device, first pieces: Montgomery arithmetic over the 381-bit base field and a tree reduction
 * of Jacobian point additions, to aggregate public keys that were already validated (decoded, on the curve, in G1).
 * g1_decompress decodes compressed public keys (flags, x < p, square root, sign) and checks the subgroup ([r]P = 0),
 * so that decoding, the expensive part, can run on the device too.
 *
 * Field elements: 12 little-endian 32-bit limbs in Montgomery form (R = 2^384), products in 64-bit integers (CIOS).
 * Points: Jacobian (X:Y:Z), x = X/Z^2, y = Y/Z^3, Z = 0 is the point at infinity; the curve is y^2 = x^3 + 4.
 */

#define NL 12

typedef struct {
    uint v[NL];
} fp;

typedef struct {
    fp X, Y, Z;
} g1;

__constant uint FP_P[NL] = {0xffffaaabu, 0xb9feffffu, 0xb153ffffu, 0x1eabfffeu, 0xf6b0f624u, 0x6730d2a0u,
                            0xf38512bfu, 0x64774b84u, 0x434bacd7u, 0x4b1ba7b6u, 0x397fe69au, 0x1a0111eau};
/* R^2 mod p, to enter Montgomery form */
__constant uint FP_R2[NL] = {0x1c341746u, 0xf4df1f34u, 0x09d104f1u, 0x0a76e6a6u, 0x4c95b6d5u, 0x8de5476cu,
                             0x939d83c0u, 0x67eb88a9u, 0xb519952du, 0x9a793e85u, 0x92cae3aau, 0x11988fe5u};
/* R mod p: one in Montgomery form */
__constant uint FP_ONE[NL] = {0x0002fffdu, 0x76090000u, 0xc40c0002u, 0xebf4000bu, 0x53c758bau, 0x5f489857u,
                              0x70525745u, 0x77ce5853u, 0xa256ec6du, 0x5c071a97u, 0xfa80e493u, 0x15f65ec3u};
/* -p^-1 mod 2^32 */
#define FP_NP 0xfffcfffdu

int fp_gte_p(const fp *a) {
    #pragma unroll
    for (int i = NL - 1; i >= 0; i--) {
        if (a->v[i] > FP_P[i]) return 1;
        if (a->v[i] < FP_P[i]) return 0;
    }
    return 1;
}

void fp_sub_p(fp *a) {
    long borrow = 0;
    #pragma unroll
    for (int i = 0; i < NL; i++) {
        long t = (long) a->v[i] - (long) FP_P[i] + borrow;
        a->v[i] = (uint) t;
        borrow = t >> 32;
    }
}

void fp_add(fp *r, const fp *a, const fp *b) {
    ulong carry = 0;
    #pragma unroll
    for (int i = 0; i < NL; i++) {
        ulong t = (ulong) a->v[i] + b->v[i] + carry;
        r->v[i] = (uint) t;
        carry = t >> 32;
    }
    /* a, b < p < 2^381, so the sum fits in 384 bits: no carry out */
    if (fp_gte_p(r)) fp_sub_p(r);
}

void fp_sub(fp *r, const fp *a, const fp *b) {
    long borrow = 0;
    #pragma unroll
    for (int i = 0; i < NL; i++) {
        long t = (long) a->v[i] - (long) b->v[i] + borrow;
        r->v[i] = (uint) t;
        borrow = t >> 32;
    }
    if (borrow) {
        ulong carry = 0;
        #pragma unroll
        for (int i = 0; i < NL; i++) {
            ulong t = (ulong) r->v[i] + FP_P[i] + carry;
            r->v[i] = (uint) t;
            carry = t >> 32;
        }
    }
}

/* r = a * b / R mod p (CIOS). p < R/4, so one final subtraction suffices. */
void fp_mul(fp *r, const fp *a, const fp *b) {
    uint t[NL + 2];
    #pragma unroll
    for (int i = 0; i < NL + 2; i++) t[i] = 0;
    #pragma unroll
    for (int i = 0; i < NL; i++) {
        ulong c = 0;
        uint bi = b->v[i];
        #pragma unroll
        for (int j = 0; j < NL; j++) {
            ulong s = (ulong) t[j] + (ulong) a->v[j] * bi + c;
            t[j] = (uint) s;
            c = s >> 32;
        }
        ulong s = (ulong) t[NL] + c;
        t[NL] = (uint) s;
        t[NL + 1] = (uint) (s >> 32);
        uint m = t[0] * FP_NP;
        s = (ulong) t[0] + (ulong) m * FP_P[0];
        c = s >> 32;
        #pragma unroll
        for (int j = 1; j < NL; j++) {
            s = (ulong) t[j] + (ulong) m * FP_P[j] + c;
            t[j - 1] = (uint) s;
            c = s >> 32;
        }
        s = (ulong) t[NL] + c;
        t[NL - 1] = (uint) s;
        t[NL] = t[NL + 1] + (uint) (s >> 32);
    }
    #pragma unroll
    for (int i = 0; i < NL; i++) r->v[i] = t[i];
    if (t[NL] != 0 || fp_gte_p(r)) fp_sub_p(r);
}

void fp_sq(fp *r, const fp *a) {
    fp_mul(r, a, a);
}

void fp_from_c(fp *r, __constant const uint *c) {
    for (int i = 0; i < NL; i++) r->v[i] = c[i];
}

int fp_is_zero(const fp *a) {
    uint acc = 0;
    for (int i = 0; i < NL; i++) acc |= a->v[i];
    return acc == 0;
}

int fp_eq(const fp *a, const fp *b) {
    uint acc = 0;
    for (int i = 0; i < NL; i++) acc |= a->v[i] ^ b->v[i];
    return acc == 0;
}

void fp_to_mont(fp *r, const fp *a) {
    fp r2;
    fp_from_c(&r2, FP_R2);
    fp_mul(r, a, &r2);
}

void fp_from_mont(fp *r, const fp *a) {
    fp one;
    for (int i = 0; i < NL; i++) one.v[i] = 0;
    one.v[0] = 1;
    fp_mul(r, a, &one);
}

/* ---------------------------------------------------------------- G1, Jacobian */

void g1_set_inf(g1 *p) {
    fp_from_c(&p->X, FP_ONE);
    fp_from_c(&p->Y, FP_ONE);
    for (int i = 0; i < NL; i++) p->Z.v[i] = 0;
}

/* dbl-2009-l (a = 0) */
void g1_dbl(g1 *r, const g1 *p) {
    if (fp_is_zero(&p->Z)) {
        *r = *p;
        return;
    }
    fp a, b, c, d, e, f, t;
    fp_sq(&a, &p->X);
    fp_sq(&b, &p->Y);
    fp_sq(&c, &b);
    fp_add(&t, &p->X, &b);
    fp_sq(&t, &t);
    fp_sub(&t, &t, &a);
    fp_sub(&t, &t, &c);
    fp_add(&d, &t, &t);
    fp_add(&e, &a, &a);
    fp_add(&e, &e, &a);
    fp_sq(&f, &e);
    fp z3;
    fp_mul(&z3, &p->Y, &p->Z);
    fp_add(&z3, &z3, &z3);
    fp x3;
    fp_sub(&x3, &f, &d);
    fp_sub(&x3, &x3, &d);
    fp y3;
    fp_sub(&t, &d, &x3);
    fp_mul(&y3, &e, &t);
    fp_add(&c, &c, &c);
    fp_add(&c, &c, &c);
    fp_add(&c, &c, &c);
    fp_sub(&y3, &y3, &c);
    r->X = x3;
    r->Y = y3;
    r->Z = z3;
}

/* add-2007-bl, with the doubling and inverse cases handled (equal keys may appear in one aggregate). */
void g1_add(g1 *r, const g1 *p, const g1 *q) {
    if (fp_is_zero(&p->Z)) {
        *r = *q;
        return;
    }
    if (fp_is_zero(&q->Z)) {
        *r = *p;
        return;
    }
    fp z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t;
    fp_sq(&z1z1, &p->Z);
    fp_sq(&z2z2, &q->Z);
    fp_mul(&u1, &p->X, &z2z2);
    fp_mul(&u2, &q->X, &z1z1);
    fp_mul(&s1, &p->Y, &q->Z);
    fp_mul(&s1, &s1, &z2z2);
    fp_mul(&s2, &q->Y, &p->Z);
    fp_mul(&s2, &s2, &z1z1);
    fp_sub(&h, &u2, &u1);
    fp_sub(&rr, &s2, &s1);
    if (fp_is_zero(&h)) {
        if (fp_is_zero(&rr)) {
            g1_dbl(r, p);
        } else {
            g1_set_inf(r);
        }
        return;
    }
    fp_add(&rr, &rr, &rr);
    fp_add(&i, &h, &h);
    fp_sq(&i, &i);
    fp_mul(&j, &h, &i);
    fp_mul(&v, &u1, &i);
    fp x3, y3, z3;
    fp_sq(&x3, &rr);
    fp_sub(&x3, &x3, &j);
    fp_sub(&x3, &x3, &v);
    fp_sub(&x3, &x3, &v);
    fp_sub(&t, &v, &x3);
    fp_mul(&y3, &rr, &t);
    fp_mul(&t, &s1, &j);
    fp_add(&t, &t, &t);
    fp_sub(&y3, &y3, &t);
    fp_add(&z3, &p->Z, &q->Z);
    fp_sq(&z3, &z3);
    fp_sub(&z3, &z3, &z1z1);
    fp_sub(&z3, &z3, &z2z2);
    fp_mul(&z3, &z3, &h);
    r->X = x3;
    r->Y = y3;
    r->Z = z3;
}

/* ---------------------------------------------------------------- decoding */

/* (p + 1) / 4: p = 3 mod 4, so a^((p+1)/4) is a square root of a when one exists */
__constant uint FP_SQRT_EXP[NL] = {0xffffeaabu, 0xee7fbfffu, 0xac54ffffu, 0x07aaffffu, 0x3dac3d89u, 0xd9cc34a8u,
                                   0x3ce144afu, 0xd91dd2e1u, 0x90d2eb35u, 0x92c6e9edu, 0x8e5ff9a6u, 0x0680447au};
/* (p - 1) / 2: y above it has the sign flag set */
__constant uint FP_HALF[NL] = {0xffffd555u, 0xdcff7fffu, 0x58a9ffffu, 0x0f55ffffu, 0x7b587b12u, 0xb3986950u,
                               0x79c2895fu, 0xb23ba5c2u, 0x21a5d66bu, 0x258dd3dbu, 0x1cbff34du, 0x0d0088f5u};
/* the group order r (255 bits) */
__constant uint G1_R[8] = {0x00000001u, 0xffffffffu, 0xfffe5bfeu, 0x53bda402u, 0x09a1d805u, 0x3339d808u, 0x299d7d48u,
                           0x73eda753u};

/* r = a^e, e given as NL little-endian words, left to right */
void fp_pow(fp *r, const fp *a, __constant const uint *e) {
    fp acc;
    fp_from_c(&acc, FP_ONE);
    for (int i = NL * 32 - 1; i >= 0; i--) {
        fp_sq(&acc, &acc);
        if ((e[i >> 5] >> (i & 31)) & 1) fp_mul(&acc, &acc, a);
    }
    *r = acc;
}

int fp_gt_half(const fp *plain) {
    for (int i = NL - 1; i >= 0; i--) {
        if (plain->v[i] > FP_HALF[i]) return 1;
        if (plain->v[i] < FP_HALF[i]) return 0;
    }
    return 0;
}

/* [r]P by double-and-add over r's 255 bits; in G1 iff the result is the point at infinity */
int g1_in_subgroup(const g1 *p) {
    g1 acc;
    g1_set_inf(&acc);
    for (int i = 254; i >= 0; i--) {
        g1_dbl(&acc, &acc);
        if ((G1_R[i >> 5] >> (i & 31)) & 1) g1_add(&acc, &acc, p);
    }
    return fp_is_zero(&acc.Z);
}

#define DEC_VALID 0
#define DEC_INFINITY 1
#define DEC_BAD_ENCODING 2
#define DEC_NOT_ON_CURVE 3
#define DEC_NOT_IN_GROUP 4

/*
 * Compressed G1 points (48 bytes each) to affine plain (x[12], y[12], status): the ZCash encoding rules as blst
 * applies them (c flag set; infinity only as c0 00..00; x < p), then the curve and subgroup checks.
 */
__kernel void g1_decompress(__global const uchar *in, __global uint *out, uint n) {
    uint gid = get_global_id(0);
    if (gid >= n) return;
    __global const uchar *b = in + 48 * (ulong) gid;
    __global uint *o = out + 25 * (ulong) gid;
    for (int i = 0; i < 24; i++) o[i] = 0;
    uchar b0 = b[0];
    if (!(b0 & 0x80)) {
        o[24] = DEC_BAD_ENCODING;
        return;
    }
    if (b0 & 0x40) {
        uchar rest = b0 & 0x3f;
        for (int i = 1; i < 48; i++) rest |= b[i];
        o[24] = rest ? DEC_BAD_ENCODING : DEC_INFINITY;
        return;
    }
    fp x;
    for (int i = 0; i < NL; i++) {
        int at = 48 - 4 * (i + 1);
        uint w = ((uint) b[at] << 24) | ((uint) b[at + 1] << 16) | ((uint) b[at + 2] << 8) | (uint) b[at + 3];
        x.v[i] = w;
    }
    x.v[NL - 1] &= 0x1fffffffu;
    if (fp_gte_p(&x)) {
        o[24] = DEC_BAD_ENCODING;
        return;
    }
    g1 p;
    fp_to_mont(&p.X, &x);
    fp rhs, four, y, yy;
    fp_sq(&rhs, &p.X);
    fp_mul(&rhs, &rhs, &p.X);
    for (int i = 0; i < NL; i++) four.v[i] = 0;
    four.v[0] = 4;
    fp_to_mont(&four, &four);
    fp_add(&rhs, &rhs, &four);
    fp_pow(&y, &rhs, FP_SQRT_EXP);
    fp_sq(&yy, &y);
    if (!fp_eq(&yy, &rhs)) {
        o[24] = DEC_NOT_ON_CURVE;
        return;
    }
    fp y_plain;
    fp_from_mont(&y_plain, &y);
    int sign = (b0 & 0x20) != 0;
    if (fp_gt_half(&y_plain) != sign) {
        fp zero;
        for (int i = 0; i < NL; i++) zero.v[i] = 0;
        fp_sub(&y, &zero, &y);
        fp_sub(&y_plain, &zero, &y_plain);
    }
    p.Y = y;
    fp_from_c(&p.Z, FP_ONE);
    if (!g1_in_subgroup(&p)) {
        o[24] = DEC_NOT_IN_GROUP;
        return;
    }
    for (int i = 0; i < NL; i++) {
        o[i] = x.v[i];
        o[NL + i] = y_plain.v[i];
    }
    o[24] = DEC_VALID;
}

/* ---------------------------------------------------------------- kernels */

/*
 * Affine points in plain form (x, y limbs; a flag word 1 for infinity) into Jacobian Montgomery form.
 * in: 25 uints per point (x[12], y[12], inf); out: 36 uints per point (X, Y, Z).
 */
__kernel void g1_from_affine(__global const uint *in, __global uint *out, uint n) {
    uint gid = get_global_id(0);
    if (gid >= n) return;
    g1 p;
    fp x, y;
    for (int i = 0; i < NL; i++) {
        x.v[i] = in[25 * gid + i];
        y.v[i] = in[25 * gid + NL + i];
    }
    if (in[25 * gid + 24]) {
        g1_set_inf(&p);
    } else {
        fp_to_mont(&p.X, &x);
        fp_to_mont(&p.Y, &y);
        fp_from_c(&p.Z, FP_ONE);
    }
    for (int i = 0; i < NL; i++) {
        out[36 * gid + i] = p.X.v[i];
        out[36 * gid + NL + i] = p.Y.v[i];
        out[36 * gid + 2 * NL + i] = p.Z.v[i];
    }
}

void g1_load(g1 *p, __global const uint *src, uint idx) {
    for (int i = 0; i < NL; i++) {
        p->X.v[i] = src[36 * idx + i];
        p->Y.v[i] = src[36 * idx + NL + i];
        p->Z.v[i] = src[36 * idx + 2 * NL + i];
    }
}

void g1_store(__global uint *dst, uint idx, const g1 *p) {
    for (int i = 0; i < NL; i++) {
        dst[36 * idx + i] = p->X.v[i];
        dst[36 * idx + NL + i] = p->Y.v[i];
        dst[36 * idx + 2 * NL + i] = p->Z.v[i];
    }
}

/* One level of the tree: out[i] = in[2i] + in[2i+1] (in[2i] alone when 2i+1 == n). */
__kernel void g1_reduce(__global const uint *in, __global uint *out, uint n) {
    uint gid = get_global_id(0);
    uint a = 2 * gid;
    if (a >= n) return;
    g1 p;
    g1_load(&p, in, a);
    if (a + 1 < n) {
        g1 q;
        g1_load(&q, in, a + 1);
        g1_add(&p, &p, &q);
    }
    g1_store(out, gid, &p);
}

/* Jacobian Montgomery point back to plain limbs (X, Y, Z), for the host to normalise. */
__kernel void g1_out_of_mont(__global const uint *in, __global uint *out, uint n) {
    uint gid = get_global_id(0);
    if (gid >= n) return;
    g1 p;
    g1_load(&p, in, gid);
    fp_from_mont(&p.X, &p.X);
    fp_from_mont(&p.Y, &p.Y);
    fp_from_mont(&p.Z, &p.Z);
    g1_store(out, gid, &p);
}

/* Equivalence-test entry point: r[i] = a[i] * b[i] mod p, plain form in and out (through Montgomery form). */
__kernel void fp_mul_plain(__global const uint *a, __global const uint *b, __global uint *r, uint n) {
    uint gid = get_global_id(0);
    if (gid >= n) return;
    fp x, y, z;
    for (int i = 0; i < NL; i++) {
        x.v[i] = a[NL * gid + i];
        y.v[i] = b[NL * gid + i];
    }
    fp_to_mont(&x, &x);
    fp_to_mont(&y, &y);
    fp_mul(&z, &x, &y);
    fp_from_mont(&z, &z);
    for (int i = 0; i < NL; i++) r[NL * gid + i] = z.v[i];
}

/* Equivalence-test entry point: r[i] = a[i] + b[i] and r[n + i] = a[i] - b[i] mod p, plain form. */
__kernel void fp_addsub_plain(__global const uint *a, __global const uint *b, __global uint *r, uint n) {
    uint gid = get_global_id(0);
    if (gid >= n) return;
    fp x, y, s, d;
    for (int i = 0; i < NL; i++) {
        x.v[i] = a[NL * gid + i];
        y.v[i] = b[NL * gid + i];
    }
    fp_add(&s, &x, &y);
    fp_sub(&d, &x, &y);
    for (int i = 0; i < NL; i++) {
        r[NL * gid + i] = s.v[i];
        r[NL * (n + gid) + i] = d.v[i];
    }
}
