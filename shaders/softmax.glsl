// softmax.glsl: what softmax.comp and softmax_long.comp share: the
// bindings of dst and src, the push constants, the row addressing and the
// workgroup merge of online (max, sum) pairs. Needs vkmath.glsl and
// online.glsl.
// Spec constant 5 = DTYPE: the dtype of src and dst (dtype.glsl's codes).
// The D16 builds read and write Float16 and BFloat16 rows (widened on
// load, float32 arithmetic, rounded once on the store); the pairs of
// softmax_long stay float32.

layout(constant_id = 5) const uint DTYPE = 0;

layout(binding = 0) writeonly buffer D { float d[]; };
layout(binding = 1) readonly buffer S { float s[]; };
#ifdef D16
#include "dtype.glsl"
layout(binding = 0) writeonly buffer DH { uint16_t dh[]; };
layout(binding = 1) readonly buffer SH { uint16_t sh[]; };
#endif

// ld is src element e.
float ld(uint e) {
#ifdef D16
    if (DTYPE == 1u || DTYPE == 2u) return widen(uint(sh[e]), DTYPE);
#endif
    return s[e];
}

// st stores v as dst element e.
void st(uint e, float v) {
#ifdef D16
    if (DTYPE == 1u || DTYPE == 2u) {
        dh[e] = uint16_t(narrow(v, DTYPE));
        return;
    }
#endif
    d[e] = v;
}

layout(push_constant) uniform PC {
    uvec4 oshape; // row shape (all axes but the last), rank 4
    uvec4 ost;    // src strides of those axes
    uvec4 dst;    // dst strides of those axes
    uint offS;
    uint offD;
    uint L;       // row length
    uint sst;     // src stride along the row
    uint dstr;    // dst stride along the row
    uint nRows;
    uint chunk;   // softmax_long: row elements per workgroup
    uint chunks;  // softmax_long: workgroups per row
} pc;

void rowBase(uint r, out uint so, out uint dof) {
    uint w = r % pc.oshape.w;
    r /= pc.oshape.w;
    uint z = r % pc.oshape.z;
    r /= pc.oshape.z;
    uint y = r % pc.oshape.y;
    uint x = r / pc.oshape.y;
    so = pc.offS + x * pc.ost.x + y * pc.ost.y + z * pc.ost.z + w * pc.ost.w;
    dof = pc.offD + x * pc.dst.x + y * pc.dst.y + z * pc.dst.z + w * pc.dst.w;
}

void write(uint so, uint dof, uint k, float m, float z, float lz, float iz) {
    float x = ld(so + k * pc.sst) - m;
    st(dof + k * pc.dstr, LOG == 1u ? x - lz : vexp(x) * iz);
}

shared float sm[gl_WorkGroupSize.x];
shared float sz[gl_WorkGroupSize.x];

// mergeAll merges every invocation's pair (m, z) in a fixed tree order and
// returns the result in m and z of every invocation.
void mergeAll(uint t, inout float m, inout float z) {
    sm[t] = m;
    sz[t] = z;
    barrier();
    for (uint h = gl_WorkGroupSize.x / 2u; h > 0u; h >>= 1) {
        if (t < h) {
            float a = sm[t], b = sz[t];
            merge(a, b, sm[t + h], sz[t + h]);
            sm[t] = a;
            sz[t] = b;
        }
        barrier();
    }
    m = sm[0];
    z = sz[0];
}
