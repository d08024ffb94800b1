#version 450
#extension GL_GOOGLE_include_directive : require
// binary.comp: dst = op(a, b) for backend.BinaryOp values (OP spec constant).
// All operands have DTYPE; float ops on 16-bit operands compute in float32
// and round once on the store, int32 ops wrap.
//gen:variant binary16 -DD16=1
#include "strided.glsl"
#include "dtype.glsl"
#include "vkmath.glsl"

layout(binding = 0) writeonly buffer D { float d[]; };
layout(binding = 0) writeonly buffer D4 { vec4 d4[]; };
layout(binding = 1) readonly buffer A { float a[]; };
layout(binding = 1) readonly buffer A4 { vec4 a4[]; };
layout(binding = 2) readonly buffer B { float b[]; };
layout(binding = 2) readonly buffer B4 { vec4 b4[]; };
layout(binding = 0) writeonly buffer DI { int di[]; };
layout(binding = 1) readonly buffer AI { int ai[]; };
layout(binding = 2) readonly buffer BI { int bi[]; };
#ifdef D16
layout(binding = 0) writeonly buffer DH { uint16_t dh[]; };
layout(binding = 1) readonly buffer AH { uint16_t ah[]; };
layout(binding = 2) readonly buffer BH { uint16_t bh[]; };
layout(binding = 0) writeonly buffer DW { uint dw[]; };
layout(binding = 1) readonly buffer AW { uint aw[]; };
layout(binding = 2) readonly buffer BW { uint bw[]; };
#endif

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

// fi is f on int32 operands (the ops marked "int" in package backend).
int fi(int x, int y) {
    switch (OP) {
    case 0: return x + y;
    case 1: return x - y;
    case 2: return x * y;
    case 5: return max(x, y);
    case 6: return min(x, y);
    case 7: return x == y ? 1 : 0;
    case 8: return x == y ? 0 : 1;
    case 9: return x < y ? 1 : 0;
    case 10: return x <= y ? 1 : 0;
    case 11: return x > y ? 1 : 0;
    case 12: return x >= y ? 1 : 0;
    }
    return x;
}

// apply computes destination element de from elements ea and eb of the
// sources in any DTYPE (LAYOUT 0 and 1).
void apply(uint de, uint ea, uint eb) {
    if (DTYPE == DT_I32) {
        di[de] = fi(ai[ea], bi[eb]);
        return;
    }
#ifdef D16
    if (DTYPE == DT_F16 || DTYPE == DT_BF16) {
        dh[de] = uint16_t(narrow(f(widen(uint(ah[ea]), DTYPE), widen(uint(bh[eb]), DTYPE)), DTYPE));
        return;
    }
#endif
    d[de] = f(a[ea], b[eb]);
}

vec4 f4(vec4 x, vec4 y) { return vec4(f(x.x, y.x), f(x.y, y.y), f(x.z, y.z), f(x.w, y.w)); }

// vec4 element e4 of operand k (LAYOUT 2 and 3) with offset o, row stride
// sz and inner stride sw (0 or 1).
uint row4(uint e4, out uint c4) {
    uint w4 = pc.shape.w / 4u;
    uint r = e4 / w4;
    c4 = e4 - r * w4;
    return r;
}

void load(uint e4, out vec4 x, out vec4 y) {
    if (LAYOUT == 2u) {
        x = pc.st1.w == 0u ? vec4(a[pc.off.y]) : a4[pc.off.y / 4u + e4];
        y = pc.st2.w == 0u ? vec4(b[pc.off.z]) : b4[pc.off.z / 4u + e4];
    } else {
        uint c4, r = row4(e4, c4);
        uint oa = pc.off.y + r * pc.st1.z, ob = pc.off.z + r * pc.st2.z;
        x = pc.st1.w == 0u ? vec4(a[oa]) : a4[oa / 4u + c4];
        y = pc.st2.w == 0u ? vec4(b[ob]) : b4[ob / 4u + c4];
    }
}

uint dst4(uint e4) {
    if (LAYOUT == 2u) return pc.off.x / 4u + e4;
    uint c4, r = row4(e4, c4);
    return (pc.off.x + r * pc.st0.z) / 4u + c4;
}

#ifdef D16
// pair returns the two 16-bit elements of word i of a dense operand, or
// its one element twice when it is broadcast (stride 0), widened.
vec2 pair(uint k, uint off, uint st, uint i) {
    if (st == 0u) return vec2(widen(uint(k == 1u ? ah[off] : bh[off]), DTYPE));
    uint u = k == 1u ? aw[off / 2u + i] : bw[off / 2u + i];
    return vec2(widen(u & 0xffffu, DTYPE), widen(u >> 16, DTYPE));
}

// pairs handles LAYOUT 2 of 16-bit operands: as LAYOUT 1, with dense
// offsets even, two elements per invocation through 32-bit words; an odd
// last element goes alone.
void pairs() {
    uint i = invocationIndex(), n2 = pc.n / 2u;
    if (i < n2) {
        vec2 x = pair(1u, pc.off.y, pc.st1.w, i), y = pair(2u, pc.off.z, pc.st2.w, i);
        dw[pc.off.x / 2u + i] = narrow(f(x.x, y.x), DTYPE) | (narrow(f(x.y, y.y), DTYPE) << 16);
    } else if (i == n2 && (pc.n & 1u) == 1u) {
        uint e = pc.n - 1u;
        apply(pc.off.x + e, pc.off.y + e * pc.st1.w, pc.off.z + e * pc.st2.w);
    }
}
#endif

void main() {
#ifdef D16
    if (LAYOUT == 2u && DTYPE != DT_F32 && DTYPE != DT_I32) {
        pairs();
        return;
    }
#endif
    uint i = invocationIndex();
    if (LAYOUT == 0) {
        if (i >= pc.n) return;
        uvec4 c = coords(i);
        apply(at(c, pc.st0, pc.off.x), at(c, pc.st1, pc.off.y), at(c, pc.st2, pc.off.z));
    } else if (LAYOUT == 1) {
        if (i >= pc.n) return;
        apply(pc.off.x + i, pc.off.y + i * pc.st1.w, pc.off.z + i * pc.st2.w);
    } else {
        uint n4 = pc.n / 4u;
        uint base = groupIndex() * gl_WorkGroupSize.x * UNROLL + gl_LocalInvocationID.x;
        vec4 xs[UNROLL], ys[UNROLL];
        for (uint j = 0u; j < UNROLL; j++) {
            uint e4 = base + j * gl_WorkGroupSize.x;
            if (e4 < n4) load(e4, xs[j], ys[j]);
        }
        for (uint j = 0u; j < UNROLL; j++) {
            uint e4 = base + j * gl_WorkGroupSize.x;
            if (e4 < n4) d4[dst4(e4)] = f4(xs[j], ys[j]);
            if (LAYOUT == 2u && e4 == n4) { // the scalar tail (LAYOUT 2 only)
                for (uint e = n4 * 4u; e < pc.n; e++) d[pc.off.x + e] = f(a[pc.off.y + e * pc.st1.w], b[pc.off.z + e * pc.st2.w]);
            }
        }
    }
}
