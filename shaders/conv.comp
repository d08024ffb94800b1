#version 450
#extension GL_GOOGLE_include_directive : require
// Im2col (MODE 0) and its adjoint col2im (MODE 1) for 2-D convolution over
// NCHW images, one invocation per destination element. Col2im gathers the
// taps that read each pixel instead of scattering into it, so it needs no
// atomics and its sums are deterministic. Spec constant 2 = DTYPE, the
// dtype of both operands (dtype.glsl): the conv16 build reads and writes
// Float16 and BFloat16 (im2col copies the bits, col2im sums in float32
// and rounds once).
//gen:variant conv16 -DD16=1
#include "dtype.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MODE = 0;
layout(constant_id = 2) const uint DTYPE = 0;

layout(std430, binding = 0) writeonly buffer Dst { float d[]; };
layout(std430, binding = 1) readonly buffer Src { float s[]; };
#ifdef D16
layout(std430, binding = 0) writeonly buffer DstH { uint16_t dh[]; };
layout(std430, binding = 1) readonly buffer SrcH { uint16_t sh[]; };
#endif

float ld(uint e) {
#ifdef D16
    if (DTYPE == 1u || DTYPE == 2u) return widen(uint(sh[e]), DTYPE);
#endif
    return s[e];
}

void st(uint e, float v) {
#ifdef D16
    if (DTYPE == 1u || DTYPE == 2u) {
        dh[e] = uint16_t(narrow(v, DTYPE));
        return;
    }
#endif
    d[e] = v;
}

layout(push_constant) uniform Params {
    uint n, c, h, w, ho, wo, k, stride, pad, total;
    uint doff, soff;
    uint ds0, ds1, ds2, ds3, ds4; // destination strides
    uint ss0, ss1, ss2, ss3, ss4; // source strides
} p;

void main() {
    uint e = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x
           + gl_LocalInvocationID.x;
    if (e >= p.total) {
        return;
    }
    if (MODE == 0) {
        // e indexes dst [N, C, k*k, Ho, Wo].
        uint kk = p.k * p.k;
        uint x = e % p.wo;
        uint r = e / p.wo;
        uint y = r % p.ho;
        r /= p.ho;
        uint t = r % kk;
        r /= kk;
        uint ch = r % p.c;
        uint b = r / p.c;
        int hh = int(y * p.stride + t / p.k) - int(p.pad);
        int ww = int(x * p.stride + t % p.k) - int(p.pad);
        bool inside = hh >= 0 && hh < int(p.h) && ww >= 0 && ww < int(p.w);
        uint se = p.soff + b * p.ss0 + ch * p.ss1 + uint(hh) * p.ss2 + uint(ww) * p.ss3;
        uint de = p.doff + b * p.ds0 + ch * p.ds1 + t * p.ds2 + y * p.ds3 + x * p.ds4;
#ifdef D16
        if (DTYPE == 1u || DTYPE == 2u) { // the bits, or +0
            dh[de] = inside ? sh[se] : uint16_t(0u);
            return;
        }
#endif
        float v = 0.0;
        if (inside) {
            v = s[se];
        }
        d[de] = v;
    } else {
        // e indexes dst [N, C, H, W].
        uint ww = e % p.w;
        uint r = e / p.w;
        uint hh = r % p.h;
        r /= p.h;
        uint ch = r % p.c;
        uint b = r / p.c;
        uint base = p.soff + b * p.ss0 + ch * p.ss1;
        float acc = 0.0;
        for (uint i = 0; i < p.k; i++) {
            int yy = int(hh + p.pad) - int(i);
            if (yy < 0 || uint(yy) % p.stride != 0u || uint(yy) / p.stride >= p.ho) {
                continue;
            }
            for (uint j = 0; j < p.k; j++) {
                int xx = int(ww + p.pad) - int(j);
                if (xx < 0 || uint(xx) % p.stride != 0u || uint(xx) / p.stride >= p.wo) {
                    continue;
                }
                acc += ld(base + (i * p.k + j) * p.ss2 + (uint(yy) / p.stride) * p.ss3
                          + (uint(xx) / p.stride) * p.ss4);
            }
        }
        st(p.doff + b * p.ds0 + ch * p.ds1 + hh * p.ds2 + ww * p.ds3, acc);
    }
}
