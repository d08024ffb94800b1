#version 450
#extension GL_EXT_control_flow_attributes : require
// coop_scale.comp: the power-of-two scales of matmul_coop.comp. For each of
// `lines` lines of L elements (the rows of A or the columns of B, batch by
// batch), out[offOut + l] = 2^(e−15) where the largest finite |x| of the
// line is in [2^(e−1), 2^e), or 1 when the line has no finite non-zero
// element: dividing by it puts the line's largest magnitude in
// [2^14, 2^15), inside float16's range with room for rounding.
//
// Line l = batch·R + r starts at off + b1·s1 + b2·s2 + r·sR (batch =
// b1·nb2 + b2) and steps by sL. One workgroup per line (x and y of the
// grid), each invocation a strided part, then a shared-memory max; loops
// are bounded by L / workgroup size.

layout(local_size_x_id = 0) in; // a power of two
layout(set = 0, binding = 0) writeonly buffer Dst { float d[]; };
layout(set = 0, binding = 1) readonly buffer Src { float x[]; };

layout(push_constant) uniform PC {
    uint lines, R, L, nb2;
    uint off, s1, s2, sR, sL;
    uint offOut;
} pc;

shared float part[gl_WorkGroupSize.x];

void main() {
    uint l = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (l >= pc.lines) {
        return; // uniform over the workgroup
    }
    uint batch = l / pc.R, r = l % pc.R;
    uint base = pc.off + (batch / pc.nb2) * pc.s1 + (batch % pc.nb2) * pc.s2 + r * pc.sR;
    float big = 0.0;
    for (uint k = gl_LocalInvocationID.x; k < pc.L; k += gl_WorkGroupSize.x) {
        float a = abs(x[base + k * pc.sL]);
        if (!isinf(a) && !isnan(a)) {
            big = max(big, a);
        }
    }
    part[gl_LocalInvocationID.x] = big;
    barrier();
    for (uint s = gl_WorkGroupSize.x / 2; s > 0; s /= 2) {
        if (gl_LocalInvocationID.x < s) {
            part[gl_LocalInvocationID.x] = max(part[gl_LocalInvocationID.x], part[gl_LocalInvocationID.x + s]);
        }
        barrier();
    }
    if (gl_LocalInvocationID.x == 0) {
        float m = part[0];
        float scale = 1.0;
        if (m > 0.0) {
            int e;
            frexp(m, e);
            scale = ldexp(1.0, e - 15);
        }
        d[pc.offOut + l] = scale;
    }
}
