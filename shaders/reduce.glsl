// reduce.glsl: body of reduce.comp and reduce_sg.comp. Reduces the inner
// block of every output element (backend.Reduce over trailing axes), or
// one chunk of it.
//
// Bindings: 0 = dst, 1 = src. Spec constants: 0 = workgroup size (power of
// two), 1 = OP (backend.ReduceOp), 2 = MODE, 3 = PAIRS, 4 = VEC (MODE 1:
// the reduced block is one dense axis and every row and chunk starts on a
// multiple of 4 elements: vec4 loads).
// MODE 0: one invocation per (output, chunk) (short rows);
// MODE 1: one workgroup per (output, chunk) with a shared-memory tree
//         (long rows);
// MODE 2: columns: outputs adjacent in src (the innermost output axis has
//         src stride 1) and the reduced axes strided. A workgroup is RCOLS
//         adjacent outputs × (size/RCOLS) row groups, one workgroup per
//         (column block, chunk).
// Every mode reduces the elements [c*pc.chunk, (c+1)*pc.chunk) of the
// block for chunk c, so no loop runs longer than chunk / (elements per
// step); chunk c writes its partial at dst offset + c*pc.cst, and the host
// reduces the partials in a further pass (PAIRS bit 0 set there). The
// order of combination is fixed, so results are deterministic.
// PAIRS (ArgMax, ArgMin): bit 0: src holds partials, each value's index
// (uint bits) pc.auxS elements after it; bit 1: dst receives partials,
// the value and pc.auxD elements after it its index, not the finished
// float index.
// The subgroup variant (SUBGROUP defined) combines within subgroups with
// GL_KHR_shader_subgroup_arithmetic first in MODE 1; it is only used for
// Sum, Mean, Max and Min.
// ArgMax and ArgMin write int32 indices. The INT32 build (reduce_i32)
// reduces int32 values: sums wrap, there are no NaNs, and Mean is not
// asked for. The D16 builds (reduce16, reduce_sg16) also read a 16-bit
// src (STYPE, dtype.glsl's codes) and write a 16-bit dst (DTYPE), both
// widened to and rounded from float32 (partials stay float32: the host
// passes STYPE and DTYPE 0 for them); VEC is 0 with a 16-bit src.

#ifdef INT32
#define VT int
#define VT4 ivec4
#define VNAN(x) false
#else
#define VT float
#define VT4 vec4
#define VNAN(x) isnan(x)
#endif

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint OP = 0;
layout(constant_id = 2) const uint MODE = 0;
layout(constant_id = 3) const uint PAIRS = 0;
layout(constant_id = 4) const uint VEC = 0;
layout(constant_id = 5) const uint STYPE = 0;
layout(constant_id = 6) const uint DTYPE = 0;

layout(binding = 0) writeonly buffer D { VT d[]; };
layout(binding = 0) writeonly buffer DU { uint du[]; };
layout(binding = 1) readonly buffer S { VT s[]; };
layout(binding = 1) readonly buffer SU { uint su[]; };
layout(binding = 1) readonly buffer S4 { VT4 s4[]; };
#ifdef D16
#include "dtype.glsl"
layout(binding = 0) writeonly buffer DH { uint16_t dh[]; };
layout(binding = 1) readonly buffer SH { uint16_t sh[]; };
#endif

// ld is src element e (widened from 16 bits in the D16 builds).
VT ld(uint e) {
#ifdef D16
    if (STYPE == 1u || STYPE == 2u) return widen(uint(sh[e]), STYPE);
#endif
    return s[e];
}

// stv stores the value v as dst element e (rounded to 16 bits in the D16
// builds).
void stv(uint e, VT v) {
#ifdef D16
    if (DTYPE == 1u || DTYPE == 2u) {
        dh[e] = uint16_t(narrow(v, DTYPE));
        return;
    }
#endif
    d[e] = v;
}

layout(push_constant) uniform PC {
    uvec4 oshape; // outer (output) shape, rank 4
    uvec4 ost;    // src strides of the outer axes
    uvec4 dst;    // dst strides of the outer axes
    uvec4 ishape; // inner (reduced) shape, rank 4
    uvec4 ist;    // src strides of the inner axes
    uint offS;
    uint offD;
    uint nOut;    // number of outputs
    uint nIn;     // elements per output
    uint chunk;   // reduced elements per chunk
    uint cst;     // dst stride between chunks' partials
    uint div;     // Mean's divisor
    uint auxS;    // PAIRS bit 0: index of src element e at e + auxS
    uint auxD;    // PAIRS bit 1: index of dst element e at e + auxD
} pc;

const uint RCOLS = 32u; // MODE 2: outputs per workgroup
const uint NONE = 0xffffffffu; // no element yet (arg ops)

const bool ISMAX = OP == 2u || OP == 4u;
const bool ISARG = OP == 4u || OP == 5u;
const bool ISSUM = OP == 0u || OP == 1u;
const bool PAIRS_IN = (PAIRS & 1u) != 0u;
const bool PAIRS_OUT = (PAIRS & 2u) != 0u;

// index of inner element k relative to the row base
uint inner(uint k) {
    if (pc.ishape.x * pc.ishape.y * pc.ishape.z == 1u) return k * pc.ist.w;
    uint w = k % pc.ishape.w;
    k /= pc.ishape.w;
    uint z = k % pc.ishape.z;
    k /= pc.ishape.z;
    uint y = k % pc.ishape.y;
    uint x = k / pc.ishape.y;
    return x * pc.ist.x + y * pc.ist.y + z * pc.ist.z + w * pc.ist.w;
}

void outer(uint r, out uint so, out uint dof) {
    uint w = r % pc.oshape.w;
    r /= pc.oshape.w;
    uint z = r % pc.oshape.z;
    r /= pc.oshape.z;
    uint y = r % pc.oshape.y;
    uint x = r / pc.oshape.y;
    so = pc.offS + x * pc.ost.x + y * pc.ost.y + z * pc.ost.z + w * pc.ost.w;
    dof = pc.offD + x * pc.dst.x + y * pc.dst.y + z * pc.dst.z + w * pc.dst.w;
}

VT ident() {
#ifdef INT32
    if (ISSUM) return 0;
    return ISMAX ? int(0x80000000u) : 0x7fffffff;
#else
    if (ISSUM) return 0.0;
    return ISMAX ? uintBitsToFloat(0xff800000u) : uintBitsToFloat(0x7f800000u);
#endif
}

// better reports whether candidate (v2, i2) beats the current (v1, i1) for
// argmax/argmin: NaN beats numbers, ties go to the smaller index, NONE
// loses to everything.
bool better(VT v1, uint i1, VT v2, uint i2) {
    if (i2 == NONE) return false;
    if (i1 == NONE) return true;
    bool n1 = VNAN(v1), n2 = VNAN(v2);
    if (n1 || n2) return n2 && (!n1 || i2 < i1);
    if (v2 == v1) return i2 < i1;
    return ISMAX ? v2 > v1 : v2 < v1;
}

VT comb(VT a, VT b) {
    if (ISSUM) return a + b;
#ifdef INT32
    return ISMAX ? max(a, b) : min(a, b);
#else
    return ISMAX ? nanmax(a, b) : nanmin(a, b);
#endif
}

// foldValue adds x, element i of the block, to the running (v, vi).
void foldValue(inout VT v, inout uint vi, VT x, uint i) {
    if (ISARG) {
        if (better(v, vi, x, i)) { v = x; vi = i; }
    } else {
        v = comb(v, x);
    }
}

// fold adds element k (at src index e) to the running (v, vi).
void fold(inout VT v, inout uint vi, uint e, uint k) {
    foldValue(v, vi, ld(e), PAIRS_IN ? su[e + pc.auxS] : k);
}

// store writes the result (or partial) of an output at dst index e.
void store(uint e, VT v, uint i) {
    if (ISARG && PAIRS_OUT) {
        d[e] = v;
        du[e + pc.auxD] = i;
        return;
    }
    if (ISARG) du[e] = i; // an int32 index
#ifndef INT32
    else if (OP == 1u) stv(e, pc.div == 0u ? uintBitsToFloat(0x7fc00000u) : v / float(pc.div));
#endif
    else stv(e, v);
}

shared VT sv[gl_WorkGroupSize.x];
shared uint si[gl_WorkGroupSize.x];

void main() {
    uint gid = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (MODE == 0u) {
        uint g = gid * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
        uint c = g / pc.nOut, r = g - c * pc.nOut;
        uint k0 = c * pc.chunk;
        if (k0 >= pc.nIn) return;
        uint k1 = min(pc.nIn - k0, pc.chunk) + k0;
        uint so, dof;
        outer(r, so, dof);
        VT v = ident();
        uint vi = NONE;
        for (uint k = k0; k < k1; k++) fold(v, vi, so + inner(k), k);
        store(dof + c * pc.cst, v, vi);
        return;
    }
    uint t = gl_LocalInvocationID.x;
    if (MODE == 2u) {
        uint tx = t % RCOLS, ty = t / RCOLS;
        const uint ROWS = gl_WorkGroupSize.x / RCOLS;
        uint blocks = (pc.nOut + RCOLS - 1u) / RCOLS;
        uint c = gid / blocks; // chunk
        uint r = (gid - c * blocks) * RCOLS + tx;
        uint k0 = c * pc.chunk;
        uint k1 = k0 < pc.nIn ? min(pc.nIn - k0, pc.chunk) + k0 : 0u;
        VT v = ident();
        uint vi = NONE;
        uint so = 0u, dof = 0u;
        bool live = r < pc.nOut && k0 < pc.nIn;
        if (live) {
            outer(r, so, dof);
            for (uint k = k0 + ty; k < k1; k += ROWS) fold(v, vi, so + inner(k), k);
        }
        sv[t] = v;
        si[t] = vi;
        barrier();
        if (ty == 0u && live) {
            for (uint j = 1u; j < ROWS; j++) {
                VT v2 = sv[j * RCOLS + tx];
                if (ISARG) {
                    uint i2 = si[j * RCOLS + tx];
                    if (better(v, vi, v2, i2)) { v = v2; vi = i2; }
                } else {
                    v = comb(v, v2);
                }
            }
            store(dof + c * pc.cst, v, vi);
        }
        return;
    }
    // MODE 1: one workgroup per (output, chunk)
    uint c = gid / pc.nOut, r = gid - c * pc.nOut;
    uint k0 = c * pc.chunk;
    if (k0 >= pc.nIn) return; // uniform across the workgroup
    uint k1 = min(pc.nIn - k0, pc.chunk) + k0;
    uint so, dof;
    outer(r, so, dof);
    dof += c * pc.cst;
    VT v = ident();
    uint vi = NONE;
    if (VEC == 1u) {
        // one dense axis, so and k0 multiples of 4: vec4 loads, and for the
        // non-arg ops four accumulators; the tail (under 4) element-wise
        uint e4 = (so + k0) / 4u, n4 = (k1 - k0) / 4u;
        if (ISARG) {
            for (uint j = t; j < n4; j += gl_WorkGroupSize.x) {
                VT4 x = s4[e4 + j];
                uint k = k0 + 4u * j;
                foldValue(v, vi, x.x, k);
                foldValue(v, vi, x.y, k + 1u);
                foldValue(v, vi, x.z, k + 2u);
                foldValue(v, vi, x.w, k + 3u);
            }
        } else {
            VT4 a = VT4(ident());
            for (uint j = t; j < n4; j += gl_WorkGroupSize.x) {
                VT4 x = s4[e4 + j];
                a = VT4(comb(a.x, x.x), comb(a.y, x.y), comb(a.z, x.z), comb(a.w, x.w));
            }
            v = comb(comb(a.x, a.y), comb(a.z, a.w));
        }
        for (uint k = k0 + 4u * n4 + t; k < k1; k += gl_WorkGroupSize.x) fold(v, vi, so + k, k);
    } else {
        for (uint k = k0 + t; k < k1; k += gl_WorkGroupSize.x) fold(v, vi, so + inner(k), k);
    }
#ifdef SUBGROUP
    // Sum/Mean/Max/Min only. Subgroup max/min have no NaN rule, so NaN is
    // tracked separately.
    float sgv;
    if (ISSUM) {
        sgv = subgroupAdd(v);
    } else {
        bool anyNaN = subgroupAny(isnan(v));
        sgv = ISMAX ? subgroupMax(isnan(v) ? ident() : v) : subgroupMin(isnan(v) ? ident() : v);
        if (anyNaN) sgv = uintBitsToFloat(0x7fc00000u);
    }
    if (subgroupElect()) sv[gl_SubgroupID] = sgv;
    barrier();
    if (t == 0u) {
        float acc = sv[0];
        for (uint j = 1u; j < gl_NumSubgroups; j++) acc = comb(acc, sv[j]);
        store(dof, acc, 0u);
    }
#else
    sv[t] = v;
    si[t] = vi;
    barrier();
    for (uint h = gl_WorkGroupSize.x / 2u; h > 0u; h >>= 1) {
        if (t < h) {
            if (ISARG) {
                if (better(sv[t], si[t], sv[t + h], si[t + h])) {
                    sv[t] = sv[t + h];
                    si[t] = si[t + h];
                }
            } else {
                sv[t] = comb(sv[t], sv[t + h]);
            }
        }
        barrier();
    }
    if (t == 0u) store(dof, sv[0], si[0]);
#endif
}
