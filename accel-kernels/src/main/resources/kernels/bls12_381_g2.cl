/*
 * BLS12-381 G2 on the device: Fp2 = Fp[u]/(u^2 + 1) over the Montgomery Fp of bls12_381_g1.cl (which the host puts
 * in front of this file: one program, one compile), compressed signature decoding with the square root in Fp2 and
 * the subgroup check ([r]P = 0, naive double-and-add), and a tree reduction of Jacobian additions, so that
 * Aggregate(signatures) runs on the device. The curve is E': y^2 = x^3 + 4(1 + u).
 *
 * Encoding (ZCash, as blst reads it): 96 bytes, x.c1 then x.c0 big-endian, flags in the top three bits of byte 0;
 * the sign flag says y is the lexicographically larger root (c1 > (p-1)/2, or c1 = 0 and c0 > (p-1)/2).
 */

typedef struct {
    fp c0, c1;
} fp2;

typedef struct {
    fp2 X, Y, Z;
} g2;

void fp_zero(fp *r) {
    for (int i = 0; i < NL; i++) r->v[i] = 0;
}

void fp_neg(fp *r, const fp *a) {
    fp z;
    fp_zero(&z);
    fp_sub(r, &z, a);
}

void fp2_add(fp2 *r, const fp2 *a, const fp2 *b) {
    fp_add(&r->c0, &a->c0, &b->c0);
    fp_add(&r->c1, &a->c1, &b->c1);
}

void fp2_sub(fp2 *r, const fp2 *a, const fp2 *b) {
    fp_sub(&r->c0, &a->c0, &b->c0);
    fp_sub(&r->c1, &a->c1, &b->c1);
}

/* (a0 + a1 u)(b0 + b1 u) = a0 b0 - a1 b1 + ((a0 + a1)(b0 + b1) - a0 b0 - a1 b1) u */
void fp2_mul(fp2 *r, const fp2 *a, const fp2 *b) {
    fp t0, t1, s0, s1, m;
    fp_mul(&t0, &a->c0, &b->c0);
    fp_mul(&t1, &a->c1, &b->c1);
    fp_add(&s0, &a->c0, &a->c1);
    fp_add(&s1, &b->c0, &b->c1);
    fp_mul(&m, &s0, &s1);
    fp_sub(&m, &m, &t0);
    fp_sub(&m, &m, &t1);
    fp_sub(&r->c0, &t0, &t1);
    r->c1 = m;
}

void fp2_sq(fp2 *r, const fp2 *a) {
    fp2_mul(r, a, a);
}

int fp2_is_zero(const fp2 *a) {
    return fp_is_zero(&a->c0) && fp_is_zero(&a->c1);
}

int fp2_eq(const fp2 *a, const fp2 *b) {
    return fp_eq(&a->c0, &b->c0) && fp_eq(&a->c1, &b->c1);
}

void fp2_one(fp2 *r) {
    fp_from_c(&r->c0, FP_ONE);
    fp_zero(&r->c1);
}

/* r = a^e, e given as NL little-endian words */
void fp2_pow(fp2 *r, const fp2 *a, __constant const uint *e) {
    fp2 acc;
    fp2_one(&acc);
    for (int i = NL * 32 - 1; i >= 0; i--) {
        fp2_sq(&acc, &acc);
        if ((e[i >> 5] >> (i & 31)) & 1) fp2_mul(&acc, &acc, a);
    }
    *r = acc;
}

/* (p - 3) / 4 and (p - 1) / 2 */
__constant uint FP_P34[NL] = {0xffffeaaau, 0xee7fbfffu, 0xac54ffffu, 0x07aaffffu, 0x3dac3d89u, 0xd9cc34a8u,
                              0x3ce144afu, 0xd91dd2e1u, 0x90d2eb35u, 0x92c6e9edu, 0x8e5ff9a6u, 0x0680447au};
__constant uint FP_PM1_2[NL] = {0xffffd555u, 0xdcff7fffu, 0x58a9ffffu, 0x0f55ffffu, 0x7b587b12u, 0xb3986950u,
                                0x79c2895fu, 0xb23ba5c2u, 0x21a5d66bu, 0x258dd3dbu, 0x1cbff34du, 0x0d0088f5u};

/*
 * A square root of a in Fp2 when one exists (p = 3 mod 4; Adj and Rodriguez-Henriquez, algorithm 9); the caller
 * checks r^2 == a.
 */
void fp2_sqrt(fp2 *r, const fp2 *a) {
    fp2 a1, alpha, x0, t;
    fp2_pow(&a1, a, FP_P34);
    fp2_sq(&alpha, &a1);
    fp2_mul(&alpha, &alpha, a);
    fp2_mul(&x0, &a1, a);
    fp2 minus_one;
    fp2_one(&minus_one);
    fp_neg(&minus_one.c0, &minus_one.c0);
    if (fp2_eq(&alpha, &minus_one)) {
        /* x = u * x0 = -x0.c1 + x0.c0 u */
        fp_neg(&t.c0, &x0.c1);
        t.c1 = x0.c0;
        *r = t;
        return;
    }
    fp2 b;
    fp2_one(&b);
    fp2_add(&b, &b, &alpha);
    fp2_pow(&b, &b, FP_PM1_2);
    fp2_mul(r, &b, &x0);
}

/* ---------------------------------------------------------------- G2, Jacobian */

void g2_set_inf(g2 *p) {
    fp2_one(&p->X);
    fp2_one(&p->Y);
    fp_zero(&p->Z.c0);
    fp_zero(&p->Z.c1);
}

void g2_dbl(g2 *r, const g2 *p) {
    if (fp2_is_zero(&p->Z)) {
        *r = *p;
        return;
    }
    fp2 a, b, c, d, e, f, t, x3, y3, z3;
    fp2_sq(&a, &p->X);
    fp2_sq(&b, &p->Y);
    fp2_sq(&c, &b);
    fp2_add(&t, &p->X, &b);
    fp2_sq(&t, &t);
    fp2_sub(&t, &t, &a);
    fp2_sub(&t, &t, &c);
    fp2_add(&d, &t, &t);
    fp2_add(&e, &a, &a);
    fp2_add(&e, &e, &a);
    fp2_sq(&f, &e);
    fp2_mul(&z3, &p->Y, &p->Z);
    fp2_add(&z3, &z3, &z3);
    fp2_sub(&x3, &f, &d);
    fp2_sub(&x3, &x3, &d);
    fp2_sub(&t, &d, &x3);
    fp2_mul(&y3, &e, &t);
    fp2_add(&c, &c, &c);
    fp2_add(&c, &c, &c);
    fp2_add(&c, &c, &c);
    fp2_sub(&y3, &y3, &c);
    r->X = x3;
    r->Y = y3;
    r->Z = z3;
}

void g2_add(g2 *r, const g2 *p, const g2 *q) {
    if (fp2_is_zero(&p->Z)) {
        *r = *q;
        return;
    }
    if (fp2_is_zero(&q->Z)) {
        *r = *p;
        return;
    }
    fp2 z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t, x3, y3, z3;
    fp2_sq(&z1z1, &p->Z);
    fp2_sq(&z2z2, &q->Z);
    fp2_mul(&u1, &p->X, &z2z2);
    fp2_mul(&u2, &q->X, &z1z1);
    fp2_mul(&s1, &p->Y, &q->Z);
    fp2_mul(&s1, &s1, &z2z2);
    fp2_mul(&s2, &q->Y, &p->Z);
    fp2_mul(&s2, &s2, &z1z1);
    fp2_sub(&h, &u2, &u1);
    fp2_sub(&rr, &s2, &s1);
    if (fp2_is_zero(&h)) {
        if (fp2_is_zero(&rr)) {
            g2_dbl(r, p);
        } else {
            g2_set_inf(r);
        }
        return;
    }
    fp2_add(&rr, &rr, &rr);
    fp2_add(&i, &h, &h);
    fp2_sq(&i, &i);
    fp2_mul(&j, &h, &i);
    fp2_mul(&v, &u1, &i);
    fp2_sq(&x3, &rr);
    fp2_sub(&x3, &x3, &j);
    fp2_sub(&x3, &x3, &v);
    fp2_sub(&x3, &x3, &v);
    fp2_sub(&t, &v, &x3);
    fp2_mul(&y3, &rr, &t);
    fp2_mul(&t, &s1, &j);
    fp2_add(&t, &t, &t);
    fp2_sub(&y3, &y3, &t);
    fp2_add(&z3, &p->Z, &q->Z);
    fp2_sq(&z3, &z3);
    fp2_sub(&z3, &z3, &z1z1);
    fp2_sub(&z3, &z3, &z2z2);
    fp2_mul(&z3, &z3, &h);
    r->X = x3;
    r->Y = y3;
    r->Z = z3;
}

int g2_in_subgroup(const g2 *p) {
    g2 acc;
    g2_set_inf(&acc);
    for (int i = 254; i >= 0; i--) {
        g2_dbl(&acc, &acc);
        if ((G1_R[i >> 5] >> (i & 31)) & 1) g2_add(&acc, &acc, p);
    }
    return fp2_is_zero(&acc.Z);
}

/* Jacobian Montgomery G2 point: 72 words (X.c0, X.c1, Y.c0, Y.c1, Z.c0, Z.c1) */
#define G2_WORDS 72

void g2_load(g2 *p, __global const uint *src, uint idx) {
    __global const uint *s = src + G2_WORDS * (ulong) idx;
    for (int i = 0; i < NL; i++) {
        p->X.c0.v[i] = s[i];
        p->X.c1.v[i] = s[NL + i];
        p->Y.c0.v[i] = s[2 * NL + i];
        p->Y.c1.v[i] = s[3 * NL + i];
        p->Z.c0.v[i] = s[4 * NL + i];
        p->Z.c1.v[i] = s[5 * NL + i];
    }
}

void g2_store(__global uint *dst, uint idx, const g2 *p) {
    __global uint *d = dst + G2_WORDS * (ulong) idx;
    for (int i = 0; i < NL; i++) {
        d[i] = p->X.c0.v[i];
        d[NL + i] = p->X.c1.v[i];
        d[2 * NL + i] = p->Y.c0.v[i];
        d[3 * NL + i] = p->Y.c1.v[i];
        d[4 * NL + i] = p->Z.c0.v[i];
        d[5 * NL + i] = p->Z.c1.v[i];
    }
}

void fp_load_be(fp *x, __global const uchar *b) {
    for (int i = 0; i < NL; i++) {
        int at = 48 - 4 * (i + 1);
        x->v[i] = ((uint) b[at] << 24) | ((uint) b[at + 1] << 16) | ((uint) b[at + 2] << 8) | (uint) b[at + 3];
    }
}

/*
 * Compressed G2 points (96 bytes each) to Jacobian Montgomery points (72 words) plus a status word per point in
 * status[]: the DEC_* codes of the G1 kernel. Infinity is a valid signature point here (status DEC_INFINITY, the
 * point stored as infinity); the host decides what infinity means for the operation.
 */
__kernel void g2_decompress(__global const uchar *in, __global uint *out, __global uint *status, uint n) {
    uint gid = get_global_id(0);
    if (gid >= n) return;
    __global const uchar *b = in + 96 * (ulong) gid;
    g2 p;
    g2_set_inf(&p);
    g2_store(out, gid, &p);
    uchar b0 = b[0];
    if (!(b0 & 0x80)) {
        status[gid] = DEC_BAD_ENCODING;
        return;
    }
    if (b0 & 0x40) {
        uchar rest = b0 & 0x3f;
        for (int i = 1; i < 96; i++) rest |= b[i];
        status[gid] = rest ? DEC_BAD_ENCODING : DEC_INFINITY;
        return;
    }
    fp x1, x0;
    fp_load_be(&x1, b);
    x1.v[NL - 1] &= 0x1fffffffu;
    fp_load_be(&x0, b + 48);
    if (fp_gte_p(&x1) || fp_gte_p(&x0)) {
        status[gid] = DEC_BAD_ENCODING;
        return;
    }
    fp2 x, rhs, y, yy, four;
    fp_to_mont(&x.c0, &x0);
    fp_to_mont(&x.c1, &x1);
    fp2_sq(&rhs, &x);
    fp2_mul(&rhs, &rhs, &x);
    fp_zero(&four.c0);
    four.c0.v[0] = 4;
    fp_to_mont(&four.c0, &four.c0);
    four.c1 = four.c0;
    fp2_add(&rhs, &rhs, &four);
    fp2_sqrt(&y, &rhs);
    fp2_sq(&yy, &y);
    if (!fp2_eq(&yy, &rhs)) {
        status[gid] = DEC_NOT_ON_CURVE;
        return;
    }
    fp y0, y1;
    fp_from_mont(&y0, &y.c0);
    fp_from_mont(&y1, &y.c1);
    int larger = fp_is_zero(&y1) ? fp_gt_half(&y0) : fp_gt_half(&y1);
    if (larger != ((b0 & 0x20) != 0)) {
        fp_neg(&y.c0, &y.c0);
        fp_neg(&y.c1, &y.c1);
    }
    p.X = x;
    p.Y = y;
    fp2_one(&p.Z);
    if (!g2_in_subgroup(&p)) {
        status[gid] = DEC_NOT_IN_GROUP;
        return;
    }
    g2_store(out, gid, &p);
    status[gid] = DEC_VALID;
}

/* One level of the tree: out[i] = in[2i] + in[2i+1] (in[2i] alone when 2i+1 == n). */
__kernel void g2_reduce(__global const uint *in, __global uint *out, uint n) {
    uint gid = get_global_id(0);
    uint a = 2 * gid;
    if (a >= n) return;
    g2 p;
    g2_load(&p, in, a);
    if (a + 1 < n) {
        g2 q;
        g2_load(&q, in, a + 1);
        g2_add(&p, &p, &q);
    }
    g2_store(out, gid, &p);
}

/* Jacobian Montgomery G2 point back to plain limbs, for the host to normalise. */
__kernel void g2_out_of_mont(__global const uint *in, __global uint *out, uint n) {
    uint gid = get_global_id(0);
    if (gid >= n) return;
    g2 p;
    g2_load(&p, in, gid);
    fp_from_mont(&p.X.c0, &p.X.c0);
    fp_from_mont(&p.X.c1, &p.X.c1);
    fp_from_mont(&p.Y.c0, &p.Y.c0);
    fp_from_mont(&p.Y.c1, &p.Y.c1);
    fp_from_mont(&p.Z.c0, &p.Z.c0);
    fp_from_mont(&p.Z.c1, &p.Z.c1);
    g2_store(out, gid, &p);
}

/* ---------------------------------------------------------------- batch verify: scalar multiplications */

/*
 * r_i * P_i for the random linear combination of batch verification: scalars are 64-bit (two words, low first),
 * points are the decoded keys in plain affine form (x[12], y[12], status word: non-zero means "no point" and gives
 * infinity). Output: Jacobian Montgomery (36 words), for g1_out_of_mont.
 */
__kernel void g1_mul_u64(__global const uint *pts, __global const uint *scalars, __global uint *out, uint n) {
    uint gid = get_global_id(0);
    if (gid >= n) return;
    g1 p, acc;
    g1_set_inf(&acc);
    if (pts[25 * gid + 24] == 0) {
        fp x, y;
        for (int i = 0; i < NL; i++) {
            x.v[i] = pts[25 * gid + i];
            y.v[i] = pts[25 * gid + NL + i];
        }
        fp_to_mont(&p.X, &x);
        fp_to_mont(&p.Y, &y);
        fp_from_c(&p.Z, FP_ONE);
        ulong k = ((ulong) scalars[2 * gid + 1] << 32) | scalars[2 * gid];
        for (int i = 63; i >= 0; i--) {
            g1_dbl(&acc, &acc);
            if ((k >> i) & 1) g1_add(&acc, &acc, &p);
        }
    }
    g1_store(out, gid, &acc);
}

/* r_i * S_i in place over decoded signatures (Jacobian Montgomery, 72 words); then g2_reduce sums them. */
__kernel void g2_mul_u64(__global uint *pts, __global const uint *scalars, uint n) {
    uint gid = get_global_id(0);
    if (gid >= n) return;
    g2 p, acc;
    g2_load(&p, pts, gid);
    g2_set_inf(&acc);
    ulong k = ((ulong) scalars[2 * gid + 1] << 32) | scalars[2 * gid];
    for (int i = 63; i >= 0; i--) {
        g2_dbl(&acc, &acc);
        if ((k >> i) & 1) g2_add(&acc, &acc, &p);
    }
    g2_store(pts, gid, &acc);
}
