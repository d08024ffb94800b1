#version 450
#extension GL_GOOGLE_include_directive : require
// where.comp: dst = cond != 0 ? a : b (bindings: dst, cond, a, b); a NaN
// cond counts as non-zero, hence !(c == 0) rather than c != 0. cond has
// STYPE, dst, a and b DTYPE; the chosen element is copied bit for bit.
//gen:variant where16 -DD16=1
#include "strided.glsl"
#include "dtype.glsl"

layout(binding = 0) writeonly buffer D { float d[]; };
layout(binding = 0) writeonly buffer DU { uint du[]; };
layout(binding = 1) readonly buffer C { float c[]; };
layout(binding = 1) readonly buffer CU { uint cu[]; };
layout(binding = 2) readonly buffer A { float a[]; };
layout(binding = 2) readonly buffer AU { uint au[]; };
layout(binding = 3) readonly buffer B { float b[]; };
layout(binding = 3) readonly buffer BU { uint bu[]; };
#ifdef D16
layout(binding = 0) writeonly buffer DH { uint16_t dh[]; };
layout(binding = 1) readonly buffer CH { uint16_t ch[]; };
layout(binding = 2) readonly buffer AH { uint16_t ah[]; };
layout(binding = 3) readonly buffer BH { uint16_t bh[]; };
#endif

// nonzero reports whether condition element e is not zero (NaN is not).
bool nonzero(uint e) {
#ifdef D16
    if (STYPE == DT_F16 || STYPE == DT_BF16) return (uint(ch[e]) & 0x7fffu) != 0u;
#endif
    if (STYPE == DT_I32) return cu[e] != 0u;
    return !(c[e] == 0.0);
}

void apply(uint de, uint ec, uint ea, uint eb) {
    bool t = nonzero(ec);
#ifdef D16
    if (DTYPE == DT_F16 || DTYPE == DT_BF16) {
        dh[de] = t ? ah[ea] : bh[eb];
        return;
    }
#endif
    if (DTYPE == DT_I32) {
        du[de] = t ? au[ea] : bu[eb];
        return;
    }
    d[de] = t ? a[ea] : b[eb];
}

void main() {
    uint i = invocationIndex();
    if (i >= pc.n) return;
    if (LAYOUT == 0) {
        uvec4 q = coords(i);
        apply(at(q, pc.st0, pc.off.x), at(q, pc.st1, pc.off.y), at(q, pc.st2, pc.off.z), at(q, pc.st3, pc.off.w));
    } else {
        apply(pc.off.x + i, pc.off.y + i * pc.st1.w, pc.off.z + i * pc.st2.w, pc.off.w + i * pc.st3.w);
    }
}
