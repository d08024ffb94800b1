#version 450
// splitk.comp: second pass of split-K matmul. Sums the per-split partial
// tiles written by matmul.comp (FLAGS 8) in split order, so the result is
// deterministic, then applies accumulate/bias/ReLU and writes strided D.
// Bindings: 0 = D, 1 = scratch, 2 = bias (anything readable when unused).
// Spec constants: 0 = workgroup size, 1 = FLAGS (1 bias, 2 ReLU,
// 4 accumulate). One invocation per element of D; 2-D grid.

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint FLAGS = 0;

layout(binding = 0) buffer D { float d[]; };
layout(binding = 1) readonly buffer P { float p[]; };
layout(binding = 2) readonly buffer Bias { float bias[]; };

layout(push_constant) uniform PC {
    uint M, N, batches, splits, nb2;
    uint offD, offP, offBias;
    uint sDM, sDN, sD1, sD2, sBias;
} pc;

void main() {
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    uint mn = pc.M * pc.N;
    if (i >= mn * pc.batches) return;
    uint batch = i / mn, r = i % mn;
    uint m = r / pc.N, n = r % pc.N;
    float v = 0.0;
    for (uint s = 0u; s < pc.splits; s++) v += p[pc.offP + s * mn * pc.batches + i];
    uint o = pc.offD + (batch / pc.nb2) * pc.sD1 + (batch % pc.nb2) * pc.sD2 + m * pc.sDM + n * pc.sDN;
    if ((FLAGS & 4u) != 0u) v += d[o];
    if ((FLAGS & 1u) != 0u) v += bias[pc.offBias + n * pc.sBias];
    if ((FLAGS & 2u) != 0u) v = (v > 0.0 || isnan(v)) ? v : 0.0;
    d[o] = v;
}
