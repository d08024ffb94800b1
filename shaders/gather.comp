#version 450
#extension GL_GOOGLE_include_directive : require
// gather.comp: dst[c] = src[c with axis := idx[c]] (bindings: dst, src,
// idx, check slot). The host zeroes src's stride on the gathered axis in
// st1 and passes it in p0, and the axis size in p1. Indices follow
// index.glsl: a bad one is flagged and its element becomes NaN.
#include "strided.glsl"

layout(binding = 0) writeonly buffer D { float d[]; };
layout(binding = 1) readonly buffer S { float s[]; };
layout(binding = 2) readonly buffer I { float idx[]; };
#define CHECK_BINDING 3
#include "index.glsl"

void main() {
    uint i = invocationIndex();
    if (i >= pc.n) return;
    uvec4 c = coords(i);
    uint j;
    float v = INDEX_NAN;
    if (resolveIndex(idx[at(c, pc.st2, pc.off.z)], pc.p1, j)) v = s[at(c, pc.st1, pc.off.y) + j * pc.p0];
    d[at(c, pc.st0, pc.off.x)] = v;
}
