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
// overwrites. dst and src have DTYPE: int32 sums wrap, 16-bit ones add in
// float32 and round once on the store; idx has STYPE (float32 or int32).
//gen:variant scatter16 -DD16=1
#include "strided.glsl"
#include "dtype.glsl"

layout(binding = 0) buffer D { float d[]; };
layout(binding = 0) buffer DI { int di[]; };
layout(binding = 1) readonly buffer S { float s[]; };
layout(binding = 1) readonly buffer SI { int si[]; };
layout(binding = 2) readonly buffer I { float idx[]; };
layout(binding = 2) readonly buffer II { int idxi[]; };
#ifdef D16
layout(binding = 0) buffer DH { uint16_t dh[]; };
layout(binding = 1) readonly buffer SH { uint16_t sh[]; };
#endif
#define CHECK_BINDING 3
#include "index.glsl"

bool hit(uint e, uint w) {
    uint j;
    bool ok = STYPE == DT_I32 ? resolveIntIndex(idxi[e], pc.shape.w, j) : resolveIndex(idx[e], pc.shape.w, j);
    return ok && j == w;
}

void main() {
    uint i = invocationIndex();
    if (i >= pc.n) return;
    uvec4 c = coords(i);
    uint so = at(c, pc.st1, pc.off.y);
    uint io = at(c, pc.st2, pc.off.z);
    uint o = at(c, pc.st0, pc.off.x);
    if (DTYPE == DT_I32) {
        int acc = 0;
        for (uint k = 0u; k < pc.p1; k++) {
            if (hit(io + k * pc.p3, c.w)) acc += si[so + k * pc.p2];
        }
        di[o] = OP == 1u ? di[o] + acc : acc;
        return;
    }
#ifdef D16
    if (DTYPE == DT_F16 || DTYPE == DT_BF16) {
        float acc = 0.0;
        for (uint k = 0u; k < pc.p1; k++) {
            if (hit(io + k * pc.p3, c.w)) acc += widen(uint(sh[so + k * pc.p2]), DTYPE);
        }
        if (OP == 1u) acc = widen(uint(dh[o]), DTYPE) + acc;
        dh[o] = uint16_t(narrow(acc, DTYPE));
        return;
    }
#endif
    float acc = 0.0;
    for (uint k = 0u; k < pc.p1; k++) {
        if (hit(io + k * pc.p3, c.w)) acc += s[so + k * pc.p2];
    }
    d[o] = OP == 1u ? d[o] + acc : acc;
}
