#version 450
#extension GL_GOOGLE_include_directive : require
// gather.comp: dst[c] = src[c with axis := idx[c]] (bindings: dst, src,
// idx, check slot). The host zeroes src's stride on the gathered axis in
// st1 and passes it in p0, and the axis size in p1. Indices follow
// index.glsl: a bad one is flagged and its element becomes NaN (0 for
// int32). dst and src have DTYPE (copied bit for bit), idx STYPE (float32
// or int32).
//gen:variant gather16 -DD16=1
#include "strided.glsl"
#include "dtype.glsl"

layout(binding = 0) writeonly buffer D { float d[]; };
layout(binding = 0) writeonly buffer DU { uint du[]; };
layout(binding = 1) readonly buffer S { float s[]; };
layout(binding = 1) readonly buffer SU { uint su[]; };
layout(binding = 2) readonly buffer I { float idx[]; };
layout(binding = 2) readonly buffer II { int idxi[]; };
#ifdef D16
layout(binding = 0) writeonly buffer DH { uint16_t dh[]; };
layout(binding = 1) readonly buffer SH { uint16_t sh[]; };
#endif
#define CHECK_BINDING 3
#include "index.glsl"

void main() {
    uint i = invocationIndex();
    if (i >= pc.n) return;
    uvec4 c = coords(i);
    uint j;
    uint ie = at(c, pc.st2, pc.off.z);
    bool ok = STYPE == DT_I32 ? resolveIntIndex(idxi[ie], pc.p1, j) : resolveIndex(idx[ie], pc.p1, j);
    uint se = at(c, pc.st1, pc.off.y) + j * pc.p0, de = at(c, pc.st0, pc.off.x);
#ifdef D16
    if (DTYPE == DT_F16 || DTYPE == DT_BF16) {
        dh[de] = uint16_t(ok ? uint(sh[se]) : (DTYPE == DT_BF16 ? 0x7fc0u : 0x7e00u));
        return;
    }
#endif
    if (DTYPE == DT_I32) {
        du[de] = ok ? su[se] : 0u;
        return;
    }
    float v = INDEX_NAN;
    if (ok) v = s[se];
    d[de] = v;
}
