#version 450
#extension GL_GOOGLE_include_directive : require
// where.comp: dst = cond != 0 ? a : b (bindings: dst, cond, a, b); a NaN
// cond counts as non-zero, hence !(c == 0) rather than c != 0.
#include "strided.glsl"

layout(binding = 0) writeonly buffer D { float d[]; };
layout(binding = 1) readonly buffer C { float c[]; };
layout(binding = 2) readonly buffer A { float a[]; };
layout(binding = 3) readonly buffer B { float b[]; };

void main() {
    uint i = invocationIndex();
    if (i >= pc.n) return;
    if (LAYOUT == 0) {
        uvec4 q = coords(i);
        d[at(q, pc.st0, pc.off.x)] = !(c[at(q, pc.st1, pc.off.y)] == 0.0) ? a[at(q, pc.st2, pc.off.z)] : b[at(q, pc.st3, pc.off.w)];
    } else {
        d[pc.off.x + i] = !(c[pc.off.y + i * pc.st1.w] == 0.0) ? a[pc.off.z + i * pc.st2.w] : b[pc.off.w + i * pc.st3.w];
    }
}
