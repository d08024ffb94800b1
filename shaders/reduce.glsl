// reduce.glsl: body of reduce.comp and reduce_sg.comp. Reduces the inner
// block of every output element (backend.Reduce over trailing axes).
//
// Bindings: 0 = dst, 1 = src. Spec constants: 0 = workgroup size (power of
// two), 1 = OP (backend.ReduceOp), 2 = MODE: 0 one invocation per output
// (short rows; also coalesced when the outer axis is the dense one),
// 1 one workgroup per output with a shared-memory tree (long rows),
// 2 columns: outputs adjacent in src (the innermost output axis has src
// stride 1) and the reduced axes strided. A workgroup is RCOLS adjacent
// outputs × (size/RCOLS) row groups; the reduced range is cut into chunks
// of pc.chunk elements, one workgroup per (column block, chunk), and
// chunk c writes its partial at dst offset + c*pc.cst (the host reduces
// the partials in a second MODE 2 pass). Sum, Mean, Max and Min only; the
// order of combination is fixed, so results are deterministic.
// The subgroup variant (SUBGROUP defined) combines within subgroups with
// GL_KHR_shader_subgroup_arithmetic first; it is only used for Sum, Mean,
// Max and Min.

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint OP = 0;
layout(constant_id = 2) const uint MODE = 0;

layout(binding = 0) writeonly buffer D { float d[]; };
layout(binding = 1) readonly buffer S { float s[]; };

layout(push_constant) uniform PC {
    uvec4 oshape; // outer (output) shape, rank 4
    uvec4 ost;    // src strides of the outer axes
    uvec4 dst;    // dst strides of the outer axes
    uvec4 ishape; // inner (reduced) shape, rank 4
    uvec4 ist;    // src strides of the inner axes
    uint offS;
    uint offD;
    uint nOut;    // number of outputs
    uint nIn;     // elements per output
    uint chunk;   // MODE 2: reduced elements per workgroup
    uint cst;     // MODE 2: dst stride between chunks' partials
    uint div;     // Mean's divisor
} pc;

const uint RCOLS = 32u; // MODE 2: outputs per workgroup

const bool ISMAX = OP == 2u || OP == 4u;
const bool ISARG = OP == 4u || OP == 5u;
const bool ISSUM = OP == 0u || OP == 1u;

// index of inner element k relative to the row base
uint inner(uint k) {
    if (pc.ishape.x * pc.ishape.y * pc.ishape.z == 1u) return k * pc.ist.w;
    uint w = k % pc.ishape.w;
    k /= pc.ishape.w;
    uint z = k % pc.ishape.z;
    k /= pc.ishape.z;
    uint y = k % pc.ishape.y;
    uint x = k / pc.ishape.y;
    return x * pc.ist.x + y * pc.ist.y + z * pc.ist.z + w * pc.ist.w;
}

void outer(uint r, out uint so, out uint dof) {
    uint w = r % pc.oshape.w;
    r /= pc.oshape.w;
    uint z = r % pc.oshape.z;
    r /= pc.oshape.z;
    uint y = r % pc.oshape.y;
    uint x = r / pc.oshape.y;
    so = pc.offS + x * pc.ost.x + y * pc.ost.y + z * pc.ost.z + w * pc.ost.w;
    dof = pc.offD + x * pc.dst.x + y * pc.dst.y + z * pc.dst.z + w * pc.dst.w;
}

float ident() {
    if (ISSUM) return 0.0;
    return ISMAX ? uintBitsToFloat(0xff800000u) : uintBitsToFloat(0x7f800000u);
}

// take reports whether candidate (v2, i2) beats the current (v1, i1) for
// argmax/argmin: NaN beats numbers, ties go to the smaller index.
bool take(float v1, uint i1, float v2, uint i2) {
    bool n1 = isnan(v1), n2 = isnan(v2);
    if (n1 || n2) return n2 && (!n1 || i2 < i1);
    if (v2 == v1) return i2 < i1;
    return ISMAX ? v2 > v1 : v2 < v1;
}

float comb(float a, float b) {
    if (ISSUM) return a + b;
    return ISMAX ? nanmax(a, b) : nanmin(a, b);
}

float finish(float v, uint i) {
    if (ISARG) return float(i);
    if (OP == 1u) return pc.div == 0u ? uintBitsToFloat(0x7fc00000u) : v / float(pc.div);
    return v;
}

shared float sv[gl_WorkGroupSize.x];
shared uint si[gl_WorkGroupSize.x];

void main() {
    uint gid = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (MODE == 0u) {
        uint r = gid * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
        if (r >= pc.nOut) return;
        uint so, dof;
        outer(r, so, dof);
        float v = ident();
        uint vi = 0u;
        for (uint k = 0u; k < pc.nIn; k++) {
            float x = s[so + inner(k)];
            if (ISARG) {
                if (k == 0u || take(v, vi, x, k)) { v = x; vi = k; }
            } else {
                v = comb(v, x);
            }
        }
        d[dof] = finish(v, vi);
        return;
    }
    if (MODE == 2u) {
        uint t = gl_LocalInvocationID.x;
        uint tx = t % RCOLS, ty = t / RCOLS;
        const uint ROWS = gl_WorkGroupSize.x / RCOLS;
        uint blocks = (pc.nOut + RCOLS - 1u) / RCOLS;
        uint c = gid / blocks; // chunk
        uint r = (gid - c * blocks) * RCOLS + tx;
        uint k0 = c * pc.chunk;
        uint k1 = min(k0 + pc.chunk, pc.nIn);
        float v = ident();
        uint so = 0u, dof = 0u;
        if (r < pc.nOut && k0 < pc.nIn) {
            outer(r, so, dof);
            for (uint k = k0 + ty; k < k1; k += ROWS) v = comb(v, s[so + inner(k)]);
        }
        sv[t] = v;
        barrier();
        if (ty == 0u && r < pc.nOut && k0 < pc.nIn) {
            for (uint j = 1u; j < ROWS; j++) v = comb(v, sv[j * RCOLS + tx]);
            d[dof + c * pc.cst] = finish(v, 0u);
        }
        return;
    }
    // MODE 1: one workgroup per output row
    if (gid >= pc.nOut) return; // uniform across the workgroup
    uint t = gl_LocalInvocationID.x;
    uint so, dof;
    outer(gid, so, dof);
    float v = ident();
    uint vi = 0xffffffffu;
    for (uint k = t; k < pc.nIn; k += gl_WorkGroupSize.x) {
        float x = s[so + inner(k)];
        if (ISARG) {
            if (vi == 0xffffffffu || take(v, vi, x, k)) { v = x; vi = k; }
        } else {
            v = comb(v, x);
        }
    }
#ifdef SUBGROUP
    // Sum/Mean/Max/Min only. Subgroup max/min have no NaN rule, so NaN is
    // tracked separately.
    float sgv;
    if (ISSUM) {
        sgv = subgroupAdd(v);
    } else {
        bool anyNaN = subgroupAny(isnan(v));
        sgv = ISMAX ? subgroupMax(isnan(v) ? ident() : v) : subgroupMin(isnan(v) ? ident() : v);
        if (anyNaN) sgv = uintBitsToFloat(0x7fc00000u);
    }
    if (subgroupElect()) sv[gl_SubgroupID] = sgv;
    barrier();
    if (t == 0u) {
        float r = sv[0];
        for (uint j = 1u; j < gl_NumSubgroups; j++) r = comb(r, sv[j]);
        d[dof] = finish(r, 0u);
    }
#else
    sv[t] = v;
    si[t] = vi;
    barrier();
    for (uint h = gl_WorkGroupSize.x / 2u; h > 0u; h >>= 1) {
        if (t < h) {
            if (ISARG) {
                uint i2 = si[t + h];
                if (i2 != 0xffffffffu && (si[t] == 0xffffffffu || take(sv[t], si[t], sv[t + h], i2))) {
                    sv[t] = sv[t + h];
                    si[t] = i2;
                }
            } else {
                sv[t] = comb(sv[t], sv[t + h]);
            }
        }
        barrier();
    }
    if (t == 0u) d[dof] = finish(sv[0], si[0]);
#endif
}
