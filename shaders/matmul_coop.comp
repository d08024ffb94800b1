#version 450
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_basic : require
//gen:flags -O0
// matmul_coop.comp: D = A·B (+ D) (+ bias) (ReLU) for float32 operands on
// tensor cores (VK_NV_cooperative_matrix, 16×16×16 float16 tiles with
// float32 accumulation), at the reduced precisions of backend.Precision:
//
//   HIGH = 0 (PrecisionMedium): each scaled operand rounded to float16
//            once, one product;
//   HIGH = 1 (PrecisionHigh): each scaled operand x split into
//            hi = fp16(x) and lo = fp16((x − hi)·2^11), three products
//            hi·hi' + (hi·lo' + lo·hi')·2^-11 (Ootomo & Yokota 2022).
//
// Scaling: row i of A is divided by rs[i] and column j of B by cs[j]
// (powers of two from coop_scale.comp, so exact) before rounding, and the
// result multiplied by both: float16's exponent range then limits
// nothing. The roundings are done in float32 arithmetic (roundEven on a
// power-of-two-scaled value), not by the float16 conversion, whose
// rounding mode Vulkan leaves to the implementation; the conversion of the
// rounded value is exact. tensor/cpu's MatMulAt computes the same numbers
// up to float32 accumulation order.
//
// Tensor-core accumulation is not round-to-nearest on every device, so
// each BK slice's products are summed into fresh accumulators that are
// then added, with ordinary float32 arithmetic, to the running sums
// (acc for hi·hi', corr for the corrections), as Ootomo & Yokota do.
//
// A workgroup of 128 invocations (4 subgroups of 32) computes a 64×64 tile
// of D; subgroup s the 32×32 quarter (s/2, s%2), as 2×2 16×16 matrices.
// K is walked in BK = 32 slices staged in shared memory as float16.
// Operands are strided and batched as in matmul.comp (batch = b1·nb2 + b2,
// gl_WorkGroupID.z); every load and store is bounds-checked, so any M, N,
// K work. Never runs on lavapipe (no cooperative matrices): CI compiles
// and validates it; the host uses it only where the device has
// VK_NV_cooperative_matrix with a subgroup size of 32. Compiled without
// -O: Debian's spirv-opt (2023.1) crashes folding the float32 matrix
// additions; the driver optimizes anyway.

layout(local_size_x = 128) in; // 4 subgroups of 32
layout(constant_id = 1) const uint HIGH = 0;
layout(constant_id = 2) const uint FLAGS = 0; // bit 0 accumulate into D, bit 1 bias, bit 2 ReLU

const uint BM = 64, BN = 64, BK = 32;

layout(set = 0, binding = 0) buffer Dst { float d[]; };
layout(set = 0, binding = 1) readonly buffer SrcA { float a[]; };
layout(set = 0, binding = 2) readonly buffer SrcB { float b[]; };
layout(set = 0, binding = 3) readonly buffer Scales { float sc[]; };
layout(set = 0, binding = 4) readonly buffer Bias { float bias[]; };

layout(push_constant) uniform PC {
    uint M, N, K;
    uint offD, offA, offB, offBias;
    uint sAM, sAK, sBK, sBN, sDM, sDN;
    uint nb2;                          // inner batch count
    uint sA1, sA2, sB1, sB2, sD1, sD2; // batch strides (outer b1, inner b2)
    uint offRS, offCS;                 // row scales at sc[offRS + batch·M + i], column scales at sc[offCS + batch·N + j]
    uint sBias;
} pc;

shared float16_t aHi[BM * BK], aLo[BM * BK]; // row-major [BM][BK]
shared float16_t bHi[BK * BN], bLo[BK * BN]; // row-major [BK][BN]
shared float cTile[BM * BN];

// fp16 rounds y (scaled into float16's range) to the nearest float16
// value, ties to even, in float32 arithmetic: the spacing of float16
// values around |y| is 2^max(e−11, −24) for |y| in [2^(e−1), 2^e).
float fp16(float y) {
    if (y == 0.0 || isinf(y) || isnan(y)) {
        return y;
    }
    int e;
    frexp(y, e);
    int sh = max(e - 11, -24);
    return ldexp(roundEven(ldexp(y, -sh)), sh);
}

void main() {
    uint batch = gl_WorkGroupID.z;
    uint b1 = batch / pc.nb2, b2 = batch % pc.nb2;
    uint offA = pc.offA + b1 * pc.sA1 + b2 * pc.sA2;
    uint offB = pc.offB + b1 * pc.sB1 + b2 * pc.sB2;
    uint offD = pc.offD + b1 * pc.sD1 + b2 * pc.sD2;
    uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
    uint tid = gl_LocalInvocationID.x;
    uint sg = gl_SubgroupID; // 0..3
    uint sm = (sg / 2) * 32, sn = (sg % 2) * 32;

    fcoopmatNV<32, gl_ScopeSubgroup, 16, 16> acc[2][2], corr[2][2];
    [[unroll]] for (uint i = 0; i < 2; i++) {
        [[unroll]] for (uint j = 0; j < 2; j++) {
            acc[i][j] = fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>(0.0);
            corr[i][j] = fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>(0.0);
        }
    }

    for (uint k0 = 0; k0 < pc.K; k0 += BK) {
        // Stage the slices as float16: 2048 elements of A and of B, 16
        // per invocation each.
        for (uint e = tid; e < BM * BK; e += gl_WorkGroupSize.x) {
            uint r = e / BK, c = e % BK;
            uint gm = m0 + r, gk = k0 + c;
            float y = 0.0;
            if (gm < pc.M && gk < pc.K) {
                y = a[offA + gm * pc.sAM + gk * pc.sAK] / sc[pc.offRS + batch * pc.M + gm];
            }
            float hi = fp16(y);
            aHi[e] = float16_t(hi);
            if (HIGH != 0) {
                aLo[e] = float16_t(fp16((y - hi) * 2048.0));
            }
        }
        for (uint e = tid; e < BK * BN; e += gl_WorkGroupSize.x) {
            uint r = e / BN, c = e % BN;
            uint gk = k0 + r, gn = n0 + c;
            float y = 0.0;
            if (gk < pc.K && gn < pc.N) {
                y = b[offB + gk * pc.sBK + gn * pc.sBN] / sc[pc.offCS + batch * pc.N + gn];
            }
            float hi = fp16(y);
            bHi[e] = float16_t(hi);
            if (HIGH != 0) {
                bLo[e] = float16_t(fp16((y - hi) * 2048.0));
            }
        }
        barrier();

        fcoopmatNV<32, gl_ScopeSubgroup, 16, 16> s[2][2], t[2][2];
        [[unroll]] for (uint i = 0; i < 2; i++) {
            [[unroll]] for (uint j = 0; j < 2; j++) {
                s[i][j] = fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>(0.0);
                t[i][j] = fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>(0.0);
            }
        }
        [[unroll]] for (uint kk = 0; kk < BK; kk += 16) {
            fcoopmatNV<16, gl_ScopeSubgroup, 16, 16> ah[2], bh[2], al[2], bl[2];
            [[unroll]] for (uint i = 0; i < 2; i++) {
                coopMatLoadNV(ah[i], aHi, (sm + 16 * i) * BK + kk, BK, false);
                coopMatLoadNV(bh[i], bHi, kk * BN + sn + 16 * i, BN, false);
                if (HIGH != 0) {
                    coopMatLoadNV(al[i], aLo, (sm + 16 * i) * BK + kk, BK, false);
                    coopMatLoadNV(bl[i], bLo, kk * BN + sn + 16 * i, BN, false);
                }
            }
            [[unroll]] for (uint i = 0; i < 2; i++) {
                [[unroll]] for (uint j = 0; j < 2; j++) {
                    s[i][j] = coopMatMulAddNV(ah[i], bh[j], s[i][j]);
                    if (HIGH != 0) {
                        t[i][j] = coopMatMulAddNV(ah[i], bl[j], t[i][j]);
                        t[i][j] = coopMatMulAddNV(al[i], bh[j], t[i][j]);
                    }
                }
            }
        }
        [[unroll]] for (uint i = 0; i < 2; i++) {
            [[unroll]] for (uint j = 0; j < 2; j++) {
                acc[i][j] = acc[i][j] + s[i][j];
                if (HIGH != 0) {
                    corr[i][j] = corr[i][j] + t[i][j];
                }
            }
        }
        barrier();
    }

    // The sums go through shared memory to the bounds-checked, strided,
    // scaled store: the corrections first (kept in registers), then the
    // main sums.
    const uint PER = BM * BN / 128; // elements per invocation
    float cr[PER];
    if (HIGH != 0) {
        [[unroll]] for (uint i = 0; i < 2; i++) {
            [[unroll]] for (uint j = 0; j < 2; j++) {
                coopMatStoreNV(corr[i][j], cTile, (sm + 16 * i) * BN + sn + 16 * j, BN, false);
            }
        }
        barrier();
        [[unroll]] for (uint q = 0; q < PER; q++) {
            cr[q] = cTile[tid + q * 128];
        }
        barrier();
    }
    [[unroll]] for (uint i = 0; i < 2; i++) {
        [[unroll]] for (uint j = 0; j < 2; j++) {
            coopMatStoreNV(acc[i][j], cTile, (sm + 16 * i) * BN + sn + 16 * j, BN, false);
        }
    }
    barrier();
    [[unroll]] for (uint q = 0; q < PER; q++) {
        uint e = tid + q * 128;
        uint r = e / BN, c = e % BN;
        uint gm = m0 + r, gn = n0 + c;
        if (gm >= pc.M || gn >= pc.N) {
            continue;
        }
        float sum = cTile[e];
        if (HIGH != 0) {
            sum += cr[q] * (1.0 / 2048.0);
        }
        float v = sum * sc[pc.offRS + batch * pc.M + gm] * sc[pc.offCS + batch * pc.N + gn];
        uint at = offD + gm * pc.sDM + gn * pc.sDN;
        if ((FLAGS & 1u) != 0) {
            v += d[at];
        }
        if ((FLAGS & 2u) != 0) {
            v += bias[pc.offBias + gn * pc.sBias];
        }
        if ((FLAGS & 4u) != 0) {
            v = isnan(v) ? v : max(v, 0.0);
        }
        d[at] = v;
    }
}
