#version 450
// sgd.comp: one SGD step in place over n contiguous elements
// (torch.optim.SGD; see backend.SGDParams). Bindings: 0 = param (read and
// written), 1 = grad, 2 = momentum buffer (read and written; any buffer
// when MOMENTUM is off). Spec constant 0 = workgroup size. Every operation
// is rounded on its own (precise: no fused multiply-add), as the composed
// ops and the CPU backend round them.
#define NESTEROV 1u
#define FIRST 2u    // the buffer is uninitialized: set it to the gradient
#define MOMENTUM 4u // momentum is not 0
#define DECAY 8u    // weight decay is not 0

layout(local_size_x_id = 0) in;

layout(binding = 0) buffer P { float p[]; };
layout(binding = 1) readonly buffer G { float g[]; };
layout(binding = 2) buffer B { float b[]; };

layout(push_constant) uniform PC {
    uint n;
    uint offP;
    uint offG;
    uint offB;
    float lr;
    float momentum;
    float damp; // 1 - dampening
    float decay;
    uint flags;
} pc;

void main() {
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= pc.n) return;
    precise float w = p[pc.offP + i];
    precise float gr = g[pc.offG + i];
    if ((pc.flags & DECAY) != 0u) {
        precise float wd = w * pc.decay;
        gr = gr + wd;
    }
    if ((pc.flags & MOMENTUM) != 0u) {
        precise float bb = gr;
        if ((pc.flags & FIRST) == 0u) {
            precise float old = b[pc.offB + i] * pc.momentum;
            precise float add = gr * pc.damp;
            bb = old + add;
        }
        b[pc.offB + i] = bb;
        if ((pc.flags & NESTEROV) != 0u) {
            precise float nb = bb * pc.momentum;
            gr = gr + nb;
        } else {
            gr = bb;
        }
    }
    precise float step = gr * pc.lr;
    p[pc.offP + i] = w - step;
}
