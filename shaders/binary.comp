#version 450
#extension GL_GOOGLE_include_directive : require
// binary.comp: dst = op(a, b) for backend.BinaryOp values (OP spec constant).
#include "strided.glsl"
#include "vkmath.glsl"

layout(binding = 0) writeonly buffer D { float d[]; };
layout(binding = 0) writeonly buffer D4 { vec4 d4[]; };
layout(binding = 1) readonly buffer A { float a[]; };
layout(binding = 1) readonly buffer A4 { vec4 a4[]; };
layout(binding = 2) readonly buffer B { float b[]; };
layout(binding = 2) readonly buffer B4 { vec4 b4[]; };

float f(float x, float y) {
    switch (OP) {
    case 0: { precise float r = x + y; return r; }
    case 1: { precise float r = x - y; return r; }
    case 2: { precise float r = x * y; return r; }
    case 3: return x / y;
    case 4: return vpow(x, y);
    case 5: return nanmax(x, y);
    case 6: return nanmin(x, y);
    case 7: return x == y ? 1.0 : 0.0;
    case 8: return x == y ? 0.0 : 1.0;
    case 9: return x < y ? 1.0 : 0.0;
    case 10: return x <= y ? 1.0 : 0.0;
    case 11: return x > y ? 1.0 : 0.0;
    case 12: return x >= y ? 1.0 : 0.0;
    }
    return x;
}

vec4 f4(vec4 x, vec4 y) { return vec4(f(x.x, y.x), f(x.y, y.y), f(x.z, y.z), f(x.w, y.w)); }

void main() {
    uint i = invocationIndex();
    if (LAYOUT == 0) {
        if (i >= pc.n) return;
        uvec4 c = coords(i);
        d[at(c, pc.st0, pc.off.x)] = f(a[at(c, pc.st1, pc.off.y)], b[at(c, pc.st2, pc.off.z)]);
    } else if (LAYOUT == 1) {
        if (i >= pc.n) return;
        d[pc.off.x + i] = f(a[pc.off.y + i * pc.st1.w], b[pc.off.z + i * pc.st2.w]);
    } else {
        uint e = i * 4u;
        if (e + 3u < pc.n) {
            vec4 x = pc.st1.w == 0u ? vec4(a[pc.off.y]) : a4[(pc.off.y + e) / 4u];
            vec4 y = pc.st2.w == 0u ? vec4(b[pc.off.z]) : b4[(pc.off.z + e) / 4u];
            d4[(pc.off.x + e) / 4u] = f4(x, y);
        } else {
            for (; e < pc.n; e++) d[pc.off.x + e] = f(a[pc.off.y + e * pc.st1.w], b[pc.off.z + e * pc.st2.w]);
        }
    }
}
