#version 450
#extension GL_GOOGLE_include_directive : require
// scatter.comp: deterministic ScatterAdd without float atomics. One
// invocation per destination element c (the scatter axis is the innermost
// axis w of the iteration): it walks the p1 source positions k along the
// axis and adds src[c, k] wherever int(idx[c, k]) == c.w. The host zeroes the
// axis strides of src (st1) and idx (st2) and passes them in p2 and p3.
// Cost is dst elements x axis length; OP 1 adds into dst, OP 0 overwrites.
#include "strided.glsl"

layout(binding = 0) buffer D { float d[]; };
layout(binding = 1) readonly buffer S { float s[]; };
layout(binding = 2) readonly buffer I { float idx[]; };

void main() {
    uint i = invocationIndex();
    if (i >= pc.n) return;
    uvec4 c = coords(i);
    uint so = at(c, pc.st1, pc.off.y);
    uint io = at(c, pc.st2, pc.off.z);
    int j = int(c.w);
    float acc = 0.0;
    for (uint k = 0u; k < pc.p1; k++) {
        if (int(idx[io + k * pc.p3]) == j) acc += s[so + k * pc.p2];
    }
    uint o = at(c, pc.st0, pc.off.x);
    d[o] = OP == 1u ? d[o] + acc : acc;
}
