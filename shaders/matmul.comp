#version 450
// matmul.comp: batched, strided, tiled SGEMM: D = A·B (+ D) (+ bias) (ReLU).
//
// A workgroup computes a BM×BN tile of D. K is walked in BK slices staged in
// shared memory; while a slice is being multiplied the next one is already
// loading into registers (register prefetch), so each slice costs two
// barriers and global latency overlaps the FMAs. Each invocation keeps a
// TM×TN block of accumulators; its rows are tr + i*(BM/TM) and columns
// tc + j*(BN/TN), so neighbouring invocations read neighbouring shared
// words (no bank conflicts) and write neighbouring columns of D.
//
// Bindings: 0 = D (or the split-K scratch), 1 = A, 2 = B, 3 = bias (bind
// anything readable when FLAGS has no bias).
// Spec constants: 0 = workgroup size, which must be (BM/TM)*(BN/TN);
// 1..5 = BM, BN, BK, TM, TN (BM % TM == 0, BN % TN == 0, BK % 4 == 0);
// 6 = AMODE: 0 scalar loads with k fastest (A row-major), 1 scalar with m
//     fastest (A transposed), 2 vec4 loads along k (needs sAK = 1 and sAM,
//     offA, K and A's batch strides multiples of 4);
// 7 = BMODE: 0 scalar with n fastest, 1 scalar with k fastest, 2 vec4 loads
//     along n (needs sBN = 1 and sBK, offB, N, B's batch strides % 4 == 0);
// 8 = FLAGS: 1 add bias[n], 2 ReLU, 4 accumulate (D += ...), 8 split-K: write
//     raw partial sums to scratch[((split*batches + batch)*M + m)*N + n]
//     (flags 1, 2, 4 are then applied by splitk.comp).
// Grid: x = N tiles, y = M tiles, z = batches*splits (split fastest).
// Every global access is bounds-checked, so any M, N, K works.

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint BM = 64;
layout(constant_id = 2) const uint BN = 64;
layout(constant_id = 3) const uint BK = 16;
layout(constant_id = 4) const uint TM = 4;
layout(constant_id = 5) const uint TN = 4;
layout(constant_id = 6) const uint AMODE = 0;
layout(constant_id = 7) const uint BMODE = 0;
layout(constant_id = 8) const uint FLAGS = 0;

layout(binding = 0) buffer D { float d[]; };
layout(binding = 1) restrict readonly buffer A { float a[]; };
layout(binding = 1) restrict readonly buffer A4 { vec4 a4[]; };
layout(binding = 2) restrict readonly buffer B { float b[]; };
layout(binding = 2) restrict readonly buffer B4 { vec4 b4[]; };
layout(binding = 3) readonly buffer Bias { float bias[]; };

layout(push_constant) uniform PC {
    uint M, N, K;
    uint offD, offA, offB, offBias;
    uint sAM, sAK, sBK, sBN, sDM, sDN;
    uint nb2;                          // inner batch count; batch = b1*nb2 + b2
    uint sA1, sA2, sB1, sB2, sD1, sD2; // batch strides (outer b1, inner b2)
    uint kSplit;                       // K elements per split, multiple of BK
    uint splits;
    uint sBias;                        // bias stride along N
} pc;

const uint RM = BM / TM;  // invocation rows
const uint RN = BN / TN;  // invocation columns
const uint WG = RM * RN;
const uint AS = BM + 1u;  // padded shared row lengths
const uint BS = BN + 1u;
const uint LA = (BM * BK + WG - 1u) / WG;       // scalar loads per invocation
const uint LB = (BN * BK + WG - 1u) / WG;
const uint LA4 = (BM * BK / 4u + WG - 1u) / WG; // vec4 loads per invocation
const uint LB4 = (BN * BK / 4u + WG - 1u) / WG;

shared float As[BK * AS]; // As[k*AS + m]
shared float Bs[BK * BS]; // Bs[k*BS + n]

float ra[LA];
float rb[LB];
vec4 ra4[LA4];
vec4 rb4[LB4];

uint aBase, bBase, m0, n0, tid;

void loadA(uint k0, uint kEnd) {
    if (AMODE == 2u) {
        for (uint r = 0u; r < LA4; r++) {
            uint l = tid + r * WG;
            uint kk = (l % (BK / 4u)) * 4u, m = m0 + l / (BK / 4u), k = k0 + kk;
            ra4[r] = vec4(0.0);
            if (l < BM * BK / 4u && m < pc.M && k < kEnd) ra4[r] = a4[(aBase + m * pc.sAM + k) / 4u];
        }
    } else {
        for (uint r = 0u; r < LA; r++) {
            uint l = tid + r * WG;
            uint mm = AMODE == 0u ? l / BK : l % BM;
            uint kk = AMODE == 0u ? l % BK : l / BM;
            uint m = m0 + mm, k = k0 + kk;
            ra[r] = 0.0;
            if (l < BM * BK && m < pc.M && k < kEnd) ra[r] = a[aBase + m * pc.sAM + k * pc.sAK];
        }
    }
}

void loadB(uint k0, uint kEnd) {
    if (BMODE == 2u) {
        for (uint r = 0u; r < LB4; r++) {
            uint l = tid + r * WG;
            uint n = n0 + (l % (BN / 4u)) * 4u, k = k0 + l / (BN / 4u);
            rb4[r] = vec4(0.0);
            if (l < BN * BK / 4u && n < pc.N && k < kEnd) rb4[r] = b4[(bBase + k * pc.sBK + n) / 4u];
        }
    } else {
        for (uint r = 0u; r < LB; r++) {
            uint l = tid + r * WG;
            uint nn = BMODE == 0u ? l % BN : l / BK;
            uint kk = BMODE == 0u ? l / BN : l % BK;
            uint n = n0 + nn, k = k0 + kk;
            rb[r] = 0.0;
            if (l < BN * BK && n < pc.N && k < kEnd) rb[r] = b[bBase + k * pc.sBK + n * pc.sBN];
        }
    }
}

void store() {
    if (AMODE == 2u) {
        for (uint r = 0u; r < LA4; r++) {
            uint l = tid + r * WG;
            if (l < BM * BK / 4u) {
                uint kk = (l % (BK / 4u)) * 4u, mm = l / (BK / 4u);
                As[kk * AS + mm] = ra4[r].x;
                As[(kk + 1u) * AS + mm] = ra4[r].y;
                As[(kk + 2u) * AS + mm] = ra4[r].z;
                As[(kk + 3u) * AS + mm] = ra4[r].w;
            }
        }
    } else {
        for (uint r = 0u; r < LA; r++) {
            uint l = tid + r * WG;
            uint mm = AMODE == 0u ? l / BK : l % BM;
            uint kk = AMODE == 0u ? l % BK : l / BM;
            if (l < BM * BK) As[kk * AS + mm] = ra[r];
        }
    }
    if (BMODE == 2u) {
        for (uint r = 0u; r < LB4; r++) {
            uint l = tid + r * WG;
            if (l < BN * BK / 4u) {
                uint nn = (l % (BN / 4u)) * 4u, kk = l / (BN / 4u);
                Bs[kk * BS + nn] = rb4[r].x;
                Bs[kk * BS + nn + 1u] = rb4[r].y;
                Bs[kk * BS + nn + 2u] = rb4[r].z;
                Bs[kk * BS + nn + 3u] = rb4[r].w;
            }
        }
    } else {
        for (uint r = 0u; r < LB; r++) {
            uint l = tid + r * WG;
            uint nn = BMODE == 0u ? l % BN : l / BK;
            uint kk = BMODE == 0u ? l / BN : l % BK;
            if (l < BN * BK) Bs[kk * BS + nn] = rb[r];
        }
    }
}

void main() {
    tid = gl_LocalInvocationID.x;
    uint tr = tid / RN, tc = tid % RN;
    n0 = gl_WorkGroupID.x * BN;
    m0 = gl_WorkGroupID.y * BM;
    uint split = gl_WorkGroupID.z % pc.splits;
    uint batch = gl_WorkGroupID.z / pc.splits;
    uint b1 = batch / pc.nb2, b2 = batch % pc.nb2;
    aBase = pc.offA + b1 * pc.sA1 + b2 * pc.sA2;
    bBase = pc.offB + b1 * pc.sB1 + b2 * pc.sB2;
    uint kBegin = split * pc.kSplit;
    uint kEnd = min(pc.K, kBegin + pc.kSplit);

    float acc[TM * TN];
    for (uint i = 0u; i < TM * TN; i++) acc[i] = 0.0;

    if (kBegin < kEnd) {
        loadA(kBegin, kEnd);
        loadB(kBegin, kEnd);
    }
    for (uint k0 = kBegin; k0 < kEnd; k0 += BK) {
        store();
        barrier();
        if (k0 + BK < kEnd) {
            loadA(k0 + BK, kEnd);
            loadB(k0 + BK, kEnd);
        }
        for (uint kk = 0u; kk < BK; kk++) {
            float av[TM], bv[TN];
            for (uint i = 0u; i < TM; i++) av[i] = As[kk * AS + tr + i * RM];
            for (uint j = 0u; j < TN; j++) bv[j] = Bs[kk * BS + tc + j * RN];
            for (uint i = 0u; i < TM; i++)
                for (uint j = 0u; j < TN; j++) acc[i * TN + j] += av[i] * bv[j];
        }
        barrier();
    }

    uint dBase = pc.offD + b1 * pc.sD1 + b2 * pc.sD2;
    uint batches = gl_NumWorkGroups.z / pc.splits;
    for (uint i = 0u; i < TM; i++) {
        uint m = m0 + tr + i * RM;
        if (m >= pc.M) continue;
        for (uint j = 0u; j < TN; j++) {
            uint n = n0 + tc + j * RN;
            if (n >= pc.N) continue;
            float v = acc[i * TN + j];
            if ((FLAGS & 8u) != 0u) {
                d[pc.offD + ((split * batches + batch) * pc.M + m) * pc.N + n] = v;
                continue;
            }
            uint o = dBase + m * pc.sDM + n * pc.sDN;
            if ((FLAGS & 4u) != 0u) v += d[o];
            if ((FLAGS & 1u) != 0u) v += bias[pc.offBias + n * pc.sBias];
            if ((FLAGS & 2u) != 0u) v = (v > 0.0 || isnan(v)) ? v : 0.0;
            d[o] = v;
        }
    }
}
