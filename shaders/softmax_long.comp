#version 450
#extension GL_GOOGLE_include_directive : require
// softmax_long.comp: softmax (or log-softmax, LOG = 1) over rows too long
// for one workgroup to loop over (see softmax.comp for the operands), in
// two passes; each row is cut into pc.chunks chunks of pc.chunk elements,
// one workgroup per (row, chunk), workgroup index row*chunks + chunk.
// This build, the first pass, folds its chunk into an online (max, sum of
// exp) pair (online.glsl) and writes it to binding 0 (the pairs, not
// dst): m at [g], z at [nRows*chunks + g] for workgroup g.
//gen:variant softmax_long_w -DWRITE
//gen:variant softmax_long16 -DD16=1
//gen:variant softmax_long_w16 -DWRITE -DD16=1
// softmax_long_w, the second pass (binding 2 = the pairs): every workgroup
// merges all the pairs of its row in the same fixed order, so they agree
// on (max, sum), then writes its chunk of the row.
// Spec constants: 0 = workgroup size (power of two), 1 = LOG, 5 = DTYPE
// (softmax.glsl; the "16" builds read and write 16-bit rows).
#include "vkmath.glsl"
#include "online.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint LOG = 0;

#include "softmax.glsl"
#ifdef WRITE
layout(binding = 2) readonly buffer P { float p[]; };
#endif

void main() {
    uint g = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    uint r = g / pc.chunks, c = g - r * pc.chunks;
    if (r >= pc.nRows) return; // uniform across the workgroup
    uint t = gl_LocalInvocationID.x;
    const uint G = gl_WorkGroupSize.x;
    uint k0 = c * pc.chunk;
    uint k1 = min(pc.L - k0, pc.chunk) + k0;
#ifdef WRITE
    uint so, dof;
    rowBase(r, so, dof);
    uint base = r * pc.chunks, aux = pc.nRows * pc.chunks;
    float m = NEG_INF, z = 0.0;
    for (uint j = t; j < pc.chunks; j += G) merge(m, z, p[base + j], p[aux + base + j]);
    mergeAll(t, m, z);
    float lz = vlog(z), iz = 1.0 / z;
    for (uint k = k0 + t; k < k1; k += G) write(so, dof, k, m, z, lz, iz);
#else
    uint so, dof;
    rowBase(r, so, dof);
    float m = NEG_INF, z = 0.0;
    for (uint k = k0 + t; k < k1; k += G) add(m, z, ld(so + k * pc.sst));
    mergeAll(t, m, z);
    if (t == 0u) {
        d[g] = m;
        d[pc.nRows * pc.chunks + g] = z;
    }
#endif
}
