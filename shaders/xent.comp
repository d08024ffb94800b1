#version 450
#extension GL_GOOGLE_include_directive : require
// xent.comp: cross-entropy of each row of logits [rows, C] against a class
// index per row, and (GRAD = 1) its gradient.
// Bindings: 0 = dst, 1 = logits, 2 = targets, 3 = per-row incoming gradient
// (GRAD only; the forward binds any buffer there), 4 = the check slot of
// index.glsl. Spec constants: 0 =
// workgroup size (power of two), 1 = MODE (0 one invocation per row, 1 one
// workgroup per row), 2 = GRAD.
//   GRAD = 0: dst[r] = log sum_j exp(x_j - m) - (x_t - m), m = max_j x_j
//   GRAD = 1: dst[r, j] = (softmax(x)_j - [j == t]) * g[r] * scale
// Targets are float32 class indices under index.glsl's rule (negative ones
// count from the end); a bad one is flagged and its row's loss or gradient
// becomes NaN, without reading outside the row. The row statistics (m, sum of exp)
// come from one read pass as in softmax.comp.
#include "vkmath.glsl"
#include "online.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MODE = 0;
layout(constant_id = 2) const uint GRAD = 0;
layout(constant_id = 3) const uint ITYPE = 0; // the targets' dtype: 0 float32, 3 int32

layout(binding = 0) writeonly buffer D { float d[]; };
layout(binding = 1) readonly buffer L { float l[]; };
layout(binding = 2) readonly buffer T { float tg[]; };
layout(binding = 2) readonly buffer TI { int tgi[]; };
layout(binding = 3) readonly buffer G { float g[]; };
#define CHECK_BINDING 4
#include "index.glsl"

layout(push_constant) uniform PC {
    uint rows;
    uint C;
    uint offL;
    uint sLr;   // logits stride between rows
    uint sLc;   // logits stride along a row
    uint offT;
    uint sT;
    uint offD;
    uint sDr;   // dst stride between rows (the loss's stride when GRAD = 0)
    uint sDc;   // dst stride along a row (GRAD only)
    uint offG;
    uint sG;    // 0 when one gradient serves every row
    float scale;
} pc;

// target returns row r's class, or C when the target is bad.
uint target(uint r) {
    uint t, e = pc.offT + r * pc.sT;
    bool ok = ITYPE == 3u ? resolveIntIndex(tgi[e], pc.C, t) : resolveIndex(tg[e], pc.C, t);
    return ok ? t : pc.C;
}

// finish writes the loss of row r, or its gradient at columns k0, k0+step, ...
void finish(uint r, uint k0, uint step, float m, float z) {
    uint lo = pc.offL + r * pc.sLr;
    uint t = target(r);
    bool bad = t == pc.C;
    if (GRAD == 0u) {
        if (k0 != 0u) return;
        if (bad) {
            d[pc.offD + r * pc.sDr] = INDEX_NAN;
            return;
        }
        precise float x = l[lo + t * pc.sLc] - m;
        d[pc.offD + r * pc.sDr] = vlog(z) - x;
        return;
    }
    float iz = 1.0 / z;
    float gs = g[pc.offG + r * pc.sG] * pc.scale;
    uint dof = pc.offD + r * pc.sDr;
    for (uint k = k0; k < pc.C; k += step) {
        precise float p = vexp(l[lo + k * pc.sLc] - m) * iz;
        if (k == t) p -= 1.0;
        d[dof + k * pc.sDc] = bad ? INDEX_NAN : p * gs;
    }
}

shared float sm[gl_WorkGroupSize.x];
shared float sz[gl_WorkGroupSize.x];

void main() {
    uint gid = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (MODE == 0u) {
        uint r = gid * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
        if (r >= pc.rows) return;
        uint lo = pc.offL + r * pc.sLr;
        float m = NEG_INF, z = 0.0;
        for (uint k = 0u; k < pc.C; k++) add(m, z, l[lo + k * pc.sLc]);
        finish(r, 0u, 1u, m, z);
        return;
    }
    if (gid >= pc.rows) return;
    uint t = gl_LocalInvocationID.x;
    uint lo = pc.offL + gid * pc.sLr;
    float m = NEG_INF, z = 0.0;
    for (uint k = t; k < pc.C; k += gl_WorkGroupSize.x) add(m, z, l[lo + k * pc.sLc]);
    sm[t] = m;
    sz[t] = z;
    barrier();
    for (uint h = gl_WorkGroupSize.x / 2u; h > 0u; h >>= 1) {
        if (t < h) {
            float a = sm[t], b = sz[t];
            merge(a, b, sm[t + h], sz[t + h]);
            sm[t] = a;
            sz[t] = b;
        }
        barrier();
    }
    finish(gid, t, gl_WorkGroupSize.x, sm[0], sz[0]);
}
