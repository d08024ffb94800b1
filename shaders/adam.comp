#version 450
#extension GL_GOOGLE_include_directive : require
// adam.comp: one Adam or AdamW step in place over n contiguous elements
// (torch.optim.Adam/AdamW; see backend.AdamParams). Bindings: 0 = param,
// 2 = m, 3 = v (each read and written), 1 = grad. Spec constant 0 =
// workgroup size. Every operation is rounded on its own (precise: no fused
// multiply-add), as the composed ops and the CPU backend round them.
#include "vkmath.glsl"

#define DECAY 1u     // weight decay is not 0
#define DECOUPLED 2u // AdamW: decay the parameter, not the gradient

layout(local_size_x_id = 0) in;

layout(binding = 0) buffer P { float p[]; };
layout(binding = 1) readonly buffer G { float g[]; };
layout(binding = 2) buffer M { float m[]; };
layout(binding = 3) buffer V { float v[]; };

layout(push_constant) uniform PC {
    uint n;
    uint offP;
    uint offG;
    uint offM;
    uint offV;
    float beta1;
    float beta2;
    float omb1;     // 1 - beta1
    float omb2;     // 1 - beta2
    float eps;
    float decay;    // weight decay
    float shrink;   // 1 - lr*decay (AdamW)
    float stepSize; // lr / (1 - beta1^t)
    float bc2Sqrt;  // sqrt(1 - beta2^t)
    uint flags;
} pc;

void main() {
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= pc.n) return;
    precise float w = p[pc.offP + i];
    precise float gr = g[pc.offG + i];
    if ((pc.flags & DECAY) != 0u) {
        if ((pc.flags & DECOUPLED) != 0u) {
            w = w * pc.shrink;
        } else {
            precise float wd = w * pc.decay;
            gr = gr + wd;
        }
    }
    precise float m1 = m[pc.offM + i] * pc.beta1;
    precise float m2 = gr * pc.omb1;
    precise float mi = m1 + m2;
    precise float v1 = v[pc.offV + i] * pc.beta2;
    precise float g2 = gr * gr;
    precise float v2 = g2 * pc.omb2;
    precise float vi = v1 + v2;
    m[pc.offM + i] = mi;
    v[pc.offV + i] = vi;
    precise float den = vsqrt(vi) / pc.bc2Sqrt + pc.eps;
    precise float upd = (mi / den) * pc.stepSize;
    p[pc.offP + i] = w - upd;
}
