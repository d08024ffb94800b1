#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// softmax.comp: softmax (or log-softmax, LOG = 1) over the last axis.
//gen:variant softmax_sg -DSUBGROUP
//gen:variant softmax16 -DD16=1
//gen:variant softmax_sg16 -DSUBGROUP -DD16=1
// Bindings: 0 = dst, 1 = src. Spec constants: 0 = workgroup size (power of
// two), 1 = MODE (0 one invocation per row, 1 one workgroup per row,
// 2 one workgroup per row with the row held in registers), 2 = LOG,
// 3 = CACHE (MODE 2: row elements per invocation / 4), 4 = VEC (MODE 2:
// rows dense and 16-byte aligned in src and dst: vec4 loads and stores;
// float32 only), 5 = DTYPE (softmax.glsl).
// MODE 1 loops over the row (L / workgroup size steps), so the host sends
// rows longer than that bound to softmax_long.comp.
// MODE 0 and 1: one read pass keeps a running (max, sum of exp) pair per
// invocation (online softmax), the pairs are merged, and a second pass
// writes; src is read twice, dst written once.
// MODE 2: the row is read once into registers (all loads issued first),
// its max taken; exp(x - max) is computed once, summed and kept, and the
// scaled values written; src is read once, dst written once. The loops
// over the CACHE registers are unrolled (CACHE is constant once the pipeline
// is specialized), so the row stays in registers.
// softmax_sg (needs subgroup arithmetic): MODE 2's row max and sum
// are taken with subgroup operations and one shared-memory exchange each
// (two barriers instead of 2·log2(workgroup size)).
#ifdef SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif
#include "vkmath.glsl"
#include "online.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MODE = 0;
layout(constant_id = 2) const uint LOG = 0;
layout(constant_id = 3) const uint CACHE = 1;
layout(constant_id = 4) const uint VEC = 0;

layout(binding = 0) writeonly buffer D4 { vec4 d4[]; };
layout(binding = 1) readonly buffer S4 { vec4 s4[]; };
#include "softmax.glsl"

#ifdef SUBGROUP
// rowMax returns the max of every invocation's m. Subgroup max may drop a
// NaN, which does not matter here: a NaN in the row makes the sum, and so
// every output, NaN anyway.
float rowMax(uint t, float m) {
    float sgm = subgroupMax(m);
    if (subgroupElect()) sm[gl_SubgroupID] = sgm;
    barrier();
    float r = sm[0];
    for (uint i = 1u; i < gl_NumSubgroups; i++) r = max(r, sm[i]);
    return r;
}

// rowSum returns the sum of every invocation's z (the same order in every
// invocation, so all agree).
float rowSum(uint t, float z) {
    float s = subgroupAdd(z);
    if (subgroupElect()) sz[gl_SubgroupID] = s;
    barrier();
    float r = 0.0;
    for (uint i = 0u; i < gl_NumSubgroups; i++) r += sz[i];
    return r;
}
#else
// rowMax returns the NaN-propagating max of every invocation's m.
float rowMax(uint t, float m) {
    sm[t] = m;
    barrier();
    for (uint h = gl_WorkGroupSize.x / 2u; h > 0u; h >>= 1) {
        if (t < h) sm[t] = nanmax(sm[t], sm[t + h]);
        barrier();
    }
    return sm[0];
}

// rowSum returns the sum of every invocation's z (fixed order).
float rowSum(uint t, float z) {
    sz[t] = z;
    barrier();
    for (uint h = gl_WorkGroupSize.x / 2u; h > 0u; h >>= 1) {
        if (t < h) sz[t] += sz[t + h];
        barrier();
    }
    return sz[0];
}
#endif

float max4(vec4 v) { return nanmax(nanmax(v.x, v.y), nanmax(v.z, v.w)); }

vec4 exp4(vec4 v) { return vec4(vexp(v.x), vexp(v.y), vexp(v.z), vexp(v.w)); }

void cached(uint r) {
    uint t = gl_LocalInvocationID.x;
    const uint G = gl_WorkGroupSize.x;
    uint so, dof;
    rowBase(r, so, dof);
    float m = NEG_INF;
    if (VEC == 1u) {
        vec4 xs[CACHE];
        uint n4 = pc.L / 4u, s0 = so / 4u, d0 = dof / 4u;
        [[unroll]] for (uint j = 0u; j < CACHE; j++) {
            uint k = t + j * G;
            xs[j] = k < n4 ? s4[s0 + k] : vec4(NEG_INF);
        }
        [[unroll]] for (uint j = 0u; j < CACHE; j++) m = nanmax(m, max4(xs[j]));
        m = rowMax(t, m);
        float z = 0.0;
        [[unroll]] for (uint j = 0u; j < CACHE; j++) {
            vec4 x = xs[j] - m;
            vec4 e = exp4(x);
            xs[j] = LOG == 1u ? x : e;
            if (t + j * G < n4) z += (e.x + e.y) + (e.z + e.w);
        }
        z = rowSum(t, z);
        float lz = vlog(z), iz = 1.0 / z;
        [[unroll]] for (uint j = 0u; j < CACHE; j++) {
            uint k = t + j * G;
            if (k < n4) d4[d0 + k] = LOG == 1u ? xs[j] - lz : xs[j] * iz;
        }
        return;
    }
    float xs[4u * CACHE];
    [[unroll]] for (uint j = 0u; j < 4u * CACHE; j++) {
        uint k = t + j * G;
        xs[j] = k < pc.L ? ld(so + k * pc.sst) : NEG_INF;
    }
    [[unroll]] for (uint j = 0u; j < 4u * CACHE; j++) m = nanmax(m, xs[j]);
    m = rowMax(t, m);
    float z = 0.0;
    [[unroll]] for (uint j = 0u; j < 4u * CACHE; j++) {
        float x = xs[j] - m;
        float e = vexp(x);
        xs[j] = LOG == 1u ? x : e;
        if (t + j * G < pc.L) z += e;
    }
    z = rowSum(t, z);
    float lz = vlog(z), iz = 1.0 / z;
    [[unroll]] for (uint j = 0u; j < 4u * CACHE; j++) {
        uint k = t + j * G;
        if (k < pc.L) st(dof + k * pc.dstr, LOG == 1u ? xs[j] - lz : xs[j] * iz);
    }
}

void main() {
    uint gid = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (MODE == 0u) {
        uint r = gid * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
        if (r >= pc.nRows) return;
        uint so, dof;
        rowBase(r, so, dof);
        float m = NEG_INF, z = 0.0;
        for (uint k = 0u; k < pc.L; k++) add(m, z, ld(so + k * pc.sst));
        float lz = vlog(z), iz = 1.0 / z;
        for (uint k = 0u; k < pc.L; k++) write(so, dof, k, m, z, lz, iz);
        return;
    }
    if (gid >= pc.nRows) return; // uniform across the workgroup
    if (MODE == 2u) {
        cached(gid);
        return;
    }
    uint t = gl_LocalInvocationID.x;
    uint so, dof;
    rowBase(gid, so, dof);
    float m = NEG_INF, z = 0.0;
    for (uint k = t; k < pc.L; k += gl_WorkGroupSize.x) add(m, z, ld(so + k * pc.sst));
    mergeAll(t, m, z);
    float lz = vlog(z), iz = 1.0 / z;
    for (uint k = t; k < pc.L; k += gl_WorkGroupSize.x) write(so, dof, k, m, z, lz, iz);
}
