#version 450
#extension GL_GOOGLE_include_directive : require
// splitk.comp: second pass of split-K matmul. Sums the per-split partial
// tiles written by matmul.comp (FLAGS 8) in split order, so the result is
// deterministic, then applies accumulate/bias/ReLU and writes strided D.
// Bindings: 0 = D, 1 = scratch, 2 = bias (anything readable when unused).
// Spec constants: 0 = workgroup size, 1 = FLAGS (1 bias, 2 ReLU,
// 4 accumulate), 2 = DTYPE of D and bias (the splitk16 build: Float16 and
// BFloat16, rounded once). One invocation per element of D; 2-D grid.
//gen:variant splitk16 -DD16=1
#include "dtype.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint FLAGS = 0;
layout(constant_id = 2) const uint DTYPE = 0;

layout(binding = 0) buffer D { float d[]; };
layout(binding = 1) readonly buffer P { float p[]; };
layout(binding = 2) readonly buffer Bias { float bias[]; };
#ifdef D16
layout(binding = 0) buffer DH { uint16_t dh[]; };
layout(binding = 2) readonly buffer BiasH { uint16_t biash[]; };
const bool H16 = DTYPE == 1u || DTYPE == 2u;
#endif

float ldD(uint e) {
#ifdef D16
    if (H16) return widen(uint(dh[e]), DTYPE);
#endif
    return d[e];
}

float ldBias(uint e) {
#ifdef D16
    if (H16) return widen(uint(biash[e]), DTYPE);
#endif
    return bias[e];
}

void stD(uint e, float v) {
#ifdef D16
    if (H16) {
        dh[e] = uint16_t(narrow(v, DTYPE));
        return;
    }
#endif
    d[e] = v;
}

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
    if ((FLAGS & 4u) != 0u) v += ldD(o);
    if ((FLAGS & 1u) != 0u) v += ldBias(pc.offBias + n * pc.sBias);
    if ((FLAGS & 2u) != 0u) v = (v > 0.0 || isnan(v)) ? v : 0.0;
    stD(o, v);
}
