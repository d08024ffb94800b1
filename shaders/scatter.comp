#version 450
#extension GL_GOOGLE_include_directive : require
// scatter.comp: deterministic ScatterAdd without float atomics. One
// invocation per destination element c (the scatter axis is the innermost
// axis w of the iteration, of pc.shape.w elements): it walks the p1 source
// positions k along the axis and adds src[c, k] wherever idx[c, k] names
// c.w (index.glsl: negative indices count from the end; a bad one is
// flagged in the check slot, binding 3, and its source dropped). The host
// zeroes the axis strides of src (st1) and idx (st2) and passes them in p2
// and p3. Cost is dst elements x axis length; OP 1 adds into dst, OP 0
// overwrites.
#include "strided.glsl"

layout(binding = 0) buffer D { float d[]; };
layout(binding = 1) readonly buffer S { float s[]; };
layout(binding = 2) readonly buffer I { float idx[]; };
#define CHECK_BINDING 3
#include "index.glsl"

void main() {
    uint i = invocationIndex();
    if (i >= pc.n) return;
    uvec4 c = coords(i);
    uint so = at(c, pc.st1, pc.off.y);
    uint io = at(c, pc.st2, pc.off.z);
    float acc = 0.0;
    for (uint k = 0u; k < pc.p1; k++) {
        uint j;
        if (resolveIndex(idx[io + k * pc.p3], pc.shape.w, j) && j == c.w) acc += s[so + k * pc.p2];
    }
    uint o = at(c, pc.st0, pc.off.x);
    d[o] = OP == 1u ? d[o] + acc : acc;
}
