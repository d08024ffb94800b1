#version 450
#extension GL_GOOGLE_include_directive : require
// gather.comp: dst[c] = src[c with axis := int(idx[c])] (bindings: dst, src,
// idx). The host zeroes src's stride on the gathered axis in st1 and passes
// it in p0.
#include "strided.glsl"

layout(binding = 0) writeonly buffer D { float d[]; };
layout(binding = 1) readonly buffer S { float s[]; };
layout(binding = 2) readonly buffer I { float idx[]; };

void main() {
    uint i = invocationIndex();
    if (i >= pc.n) return;
    uvec4 c = coords(i);
    uint j = uint(int(idx[at(c, pc.st2, pc.off.z)]));
    d[at(c, pc.st0, pc.off.x)] = s[at(c, pc.st1, pc.off.y) + j * pc.p0];
}
