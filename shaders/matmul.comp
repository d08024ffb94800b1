#version 450
#extension GL_EXT_control_flow_attributes : require
#extension GL_GOOGLE_include_directive : require
// matmul.comp: batched, strided, tiled SGEMM: D = A·B (+ D) (+ bias) (ReLU).
//
// Variants (go generate compiles each line below into its own .spv; the
// plain matmul.spv uses the defaults TM = TN = 4):
//gen:variant matmul_8x4 -DTM=8 -DTN=4
//gen:variant matmul_8x8 -DTM=8 -DTN=8
// and their 16-bit builds (DTYPE below):
//gen:variant matmul16 -DD16=1
//gen:variant matmul_8x4_16 -DTM=8 -DTN=4 -DD16=1
//gen:variant matmul_8x8_16 -DTM=8 -DTN=8 -DD16=1
// and the implicit-GEMM convolutions (CONV below), in both dtypes:
//gen:variant convgemm -DCONV=1
//gen:variant convgemm_8x8 -DCONV=1 -DTM=8 -DTN=8
//gen:variant convgemm16 -DCONV=1 -DD16=1
//gen:variant convgemm_8x8_16 -DCONV=1 -DTM=8 -DTN=8 -DD16=1
//
// Build options that are not compiled by default (add a //gen:variant line
// and name the build with VKT_BENCH_KERNEL to measure one again): BKC=n
// fixes BK (spec constant 3 ignored) so the k loop over a slice unrolls
// completely; BMC, BNC fix BM, BN too (spec constants 1, 2 ignored);
// KU=1|2|4 k per iteration of the slice loop, KDONT forbids the driver to
// unroll it further. SPLITLOAD stages the next slice of A in registers
// during the first half of the slice's k and of B during the second half,
// so half the staging registers are live at a time: it has never been timed
// on a GPU (as the trial build matmul_8x8_sl it passed the parity tests on
// lavapipe, last at commit 8dc5425). On the H200 (128×128 tiles, 8×8,
// warp-shaped, TFLOP/s at n = 4096/8192) none beat the default (4 k per
// iteration, BK a spec constant, which the driver does not unroll further:
// KU=4 with KDONT measured the same, 36.8/37.0): BKC=16 33.0/33.0, BKC=16
// with BMC=BNC=128 33.1/33.0, BKC=8 33.8/34.3, KU=2 33.7/33.8, KU=1
// 28.4/28.5; TM×TN = 8×16 with BKC: 128×128 tiles (128 invocations)
// 24.1/26.0, 128×256×8 31.4/31.6; SWZ=8 with BKC=16 32.1/32.1 against
// 33.0/33.0 without. Two options measured and since removed: loading the
// next k's fragments from shared memory before this k's FMAs, 27.3/27.6
// (35.1/35.3 at BK 8), and loading the next slice from global memory after
// the FMAs instead of before them, 30.0/29.9.
//
// A workgroup computes a BM×BN tile of D. K is walked in BK slices staged in
// double-buffered shared memory: while slice s is multiplied out of one
// buffer, slice s+1 is loaded from global memory into registers and then
// stored into the other buffer, so each slice costs one barrier and global
// latency overlaps the FMAs. Both slices are stored K-major (As[k][m],
// Bs[k][n]) so an invocation reads its operands as vec4s.
//
// Each invocation keeps TM×TN accumulators (TM, TN are compile-time
// defines, multiples of 4, so every loop over them unrolls and the
// accumulators live in registers). They form (TM/4)×(TN/4) blocks of 4×4:
// rows gm*4*RM + tr*4 + 0..3 and columns gn*4*RN + tc*4 + 0..3, where
// (tr, tc) is the invocation's place in the RM×RN grid; neighbouring
// invocations read neighbouring vec4s of shared memory and write
// neighbouring vec4s of D.
//
// Bindings: 0 = D (or the split-K scratch), 1 = A, 2 = B, 3 = bias (bind
// anything readable when FLAGS has no bias).
// Spec constants: 0 = workgroup size, which must be (BM/TM)*(BN/TN);
// 1..3 = BM, BN, BK (BM % TM == 0, BN % TN == 0, BK % 4 == 0; ids 4 and 5
// are unused: TM and TN are fixed per variant, and so is BK where BKC is
// defined);
// 6 = AMODE: 0 scalar loads with k fastest, 1 scalar with m fastest,
//     2 vec4 loads along k (needs sAK = 1 and sAM, offA, K and A's batch
//     strides multiples of 4), 3 vec4 loads along m (needs sAM = 1 and sAK,
//     offA, M and the batch strides multiples of 4);
// 7 = BMODE: 0 scalar with n fastest, 1 scalar with k fastest, 2 vec4 loads
//     along n (sBN = 1; sBK, offB, N, batch strides % 4 == 0), 3 vec4 loads
//     along k (sBK = 1; sBN, offB, K, batch strides % 4 == 0);
// 8 = FLAGS: 1 add bias[n], 2 ReLU, 4 accumulate (D += ...), 8 split-K: write
//     raw partial sums to scratch[((split*batches + batch)*M + m)*N + n]
//     (flags 1, 2, 4 are then applied by splitk.comp); 16 every tile is full
//     (M % BM == 0, N % BN == 0, K % BK == 0: no bounds checks); 32 vec4
//     access to D (sDN = 1 and offD, sDM, N, D's batch strides % 4 == 0; for
//     split-K only N % 4 == 0); 64 warp-shaped invocation grid: each run of
//     32 invocations covers 4 rows × 8 columns of the RM×RN grid (needs
//     RM % 4 == 0, RN % 8 == 0, WG % 32 == 0), instead of row-major order;
// 9 = SWZ: 0 tiles in grid order, else workgroups walk the tiles in bands
//     of SWZ tile rows, column by column within a band, so that the
//     workgroups resident at once share more of A's and B's slices in L2;
// 10 = DTYPE: the dtype of A, B, D and bias (dtype.glsl's codes). The D16
//     builds read Float16 and BFloat16 operands, widened to float32 as they
//     are loaded (scalar AMODE and BMODE only), sum in float32 and round
//     once when they store D (no vec4 access to D; split-K partials stay
//     float32).
// Grid: x = N tiles, y = M tiles, z = batches*splits (split fastest).
// Without flag 16 every global access is bounds-checked, so any M, N, K works.
//
// CONV builds: 2-D convolution over NCHW images as an implicit GEMM — the
// same tiles, slices and epilogue, but A, B and D are four-dimensional
// tensors addressed through the convolution's geometry, gathered while a
// slice is staged, so no im2col matrix is ever written. Spec constant
// 11 = CMODE, for images X [N, C, H, W], weights Wt [O, C, k, k] and
// output gradients G [N, O, Ho, Wo] (stride s, zero padding p):
//   1 forward:  D = Y [N, O, Ho, Wo]; m = (n, y, x), n = o, k = (c, i, j);
//               A = X[n, c, y·s+i−p, x·s+j−p] (0 in the padding), B = Wt[o, c, i, j];
//               bias[o] is the bias along N;
//   2 input gradient: D = dX [N, C, H, W]; m = (n, h, w), n = c,
//               k = (o, i, j); A = G[n, o, (h+p−i)/s, (w+p−j)/s] where
//               that is a whole output position (0 elsewhere), B = Wt[o, c, i, j];
//   3 weight gradient: D = dWt [O, C, k, k]; m = o, n = (c, i, j),
//               k = (n, y, x); A = G[n, o, y, x], B = X gathered as in mode 1.
// Loads are scalar, A with m fastest (AMODE 1) in modes 1 and 2 and k
// fastest (AMODE 0) in mode 3, B with k fastest (BMODE 1); WG must be a
// multiple of BM and of BK (see the CONV loaders). D is stored element by
// element (no flag 32 except for split-K partials); there is one batch;
// split-K partials are dense [M, N] as above. Padding and ragged tiles
// are bounds-checked, so no access leaves an operand.

#ifndef TM
#define TM 4
#endif
#ifndef TN
#define TN 4
#endif
#define GM (TM / 4)
#define GN (TN / 4)

layout(local_size_x_id = 0) in;
#ifdef BMC
const uint BM = BMC;
const uint BN = BNC;
#else
layout(constant_id = 1) const uint BM = 64;
layout(constant_id = 2) const uint BN = 64;
#endif
#ifdef BKC
const uint BK = BKC;
#else
layout(constant_id = 3) const uint BK = 16;
#endif
// KU k per iteration of the slice loop (4, 2 or 1); KDONT forbids the
// driver to unroll that loop further
#ifndef KU
#define KU 4
#endif
#if defined(BKC)
#define KLOOP [[unroll]]
#elif defined(KDONT)
#define KLOOP [[dont_unroll]]
#else
#define KLOOP
#endif
layout(constant_id = 6) const uint AMODE = 0;
layout(constant_id = 7) const uint BMODE = 0;
layout(constant_id = 8) const uint FLAGS = 0;
layout(constant_id = 9) const uint SWZ = 0;
layout(constant_id = 10) const uint DTYPE = 0;
#ifdef CONV
layout(constant_id = 11) const uint CMODE = 1;
#endif

layout(binding = 0) buffer D { float d[]; };
layout(binding = 0) buffer D4 { vec4 d4[]; };
layout(binding = 1) restrict readonly buffer A { float a[]; };
layout(binding = 1) restrict readonly buffer A4 { vec4 a4[]; };
layout(binding = 2) restrict readonly buffer B { float b[]; };
layout(binding = 2) restrict readonly buffer B4 { vec4 b4[]; };
layout(binding = 3) readonly buffer Bias { float bias[]; };
#include "dtype.glsl"
#ifdef D16
layout(binding = 0) buffer DH { uint16_t dh[]; };
layout(binding = 1) restrict readonly buffer AH { uint16_t ah[]; };
layout(binding = 2) restrict readonly buffer BH { uint16_t bh[]; };
layout(binding = 3) readonly buffer BiasH { uint16_t biash[]; };
const bool H16 = DTYPE == 1u || DTYPE == 2u;
#define LDA(e) (H16 ? widen(uint(ah[e]), DTYPE) : a[e])
#define LDB(e) (H16 ? widen(uint(bh[e]), DTYPE) : b[e])
#define LDD(e) (H16 ? widen(uint(dh[e]), DTYPE) : d[e])
#define LDBIAS(e) (H16 ? widen(uint(biash[e]), DTYPE) : bias[e])
#define STD(e, v) if (H16) dh[e] = uint16_t(narrow(v, DTYPE)); else d[e] = (v)
#else
#define LDA(e) a[e]
#define LDB(e) b[e]
#define LDD(e) d[e]
#define LDBIAS(e) bias[e]
#define STD(e, v) d[e] = (v)
#endif

#ifdef CONV
layout(push_constant) uniform PC {
    uvec4 sD, sA, sB;                  // strides of D's, A's and B's four axes
    uint M, N, K;
    uint offD, offA, offB, offBias;
    uint sBias;                        // bias stride along N
    uint kSplit;                       // K elements per split, multiple of BK
    uint splits;
    uint C, H, W, Ho, Wo;              // image channels and sizes, output sizes
    uint KS, stride, pad;              // kernel side, stride, zero padding
} pc;
#else
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
#endif

const bool BIAS = (FLAGS & 1u) != 0u;
const bool RELU = (FLAGS & 2u) != 0u;
const bool ACCUM = (FLAGS & 4u) != 0u;
const bool PARTIAL = (FLAGS & 8u) != 0u;
const bool FULL = (FLAGS & 16u) != 0u;
const bool DVEC = (FLAGS & 32u) != 0u;
const bool WARPS = (FLAGS & 64u) != 0u;

const uint RM = BM / TM;  // invocation rows
const uint RN = BN / TN;  // invocation columns
const uint WG = RM * RN;
const uint AS = BM + 4u;  // padded shared row lengths (floats, vec4-aligned)
const uint BS = BN + 4u;
const uint AS4 = AS / 4u;
const uint BS4 = BS / 4u;
const uint NA = BM * BK;  // floats per slice
const uint NB = BN * BK;
const uint LA = (NA + WG - 1u) / WG;             // scalar loads per invocation
const uint LB = (NB + WG - 1u) / WG;
const uint LA4 = (NA / 4u + WG - 1u) / WG;       // vec4 loads per invocation
const uint LB4 = (NB / 4u + WG - 1u) / WG;

#ifdef CONV
// split3 splits e over [*, rows, cols] into its three coordinates.
uvec3 split3(uint e, uint rows, uint cols) {
    uint t = e / cols;
    return uvec3(t / rows, t % rows, e - t * cols);
}

uint addrD(uint m, uint n) {
    if (CMODE == 3u) {
        uvec3 t = split3(n, pc.KS, pc.KS);
        return pc.offD + m * pc.sD.x + t.x * pc.sD.y + t.y * pc.sD.z + t.z * pc.sD.w;
    }
    uvec3 p = CMODE == 1u ? split3(m, pc.Ho, pc.Wo) : split3(m, pc.H, pc.W);
    return pc.offD + p.x * pc.sD.x + n * pc.sD.y + p.y * pc.sD.z + p.z * pc.sD.w;
}
#endif

shared vec4 As[2u * BK * AS4]; // buffer p: As[p*BK*AS4 + k*AS4 + m/4][m%4]
shared vec4 Bs[2u * BK * BS4];

float ra[LA];
float rb[LB];
vec4 ra4[LA4];
vec4 rb4[LB4];

uint aBase, bBase, m0, n0, tid;

// slice element l of A: its row mm and column kk within the tile
void slotA(uint l, out uint mm, out uint kk) {
    if (AMODE == 0u) { mm = l / BK; kk = l % BK; }
    else if (AMODE == 1u) { mm = l % BM; kk = l / BM; }
    else if (AMODE == 2u) { mm = l / (BK / 4u); kk = (l % (BK / 4u)) * 4u; }
    else { mm = (l % (BM / 4u)) * 4u; kk = l / (BM / 4u); }
}

void slotB(uint l, out uint nn, out uint kk) {
    if (BMODE == 0u) { nn = l % BN; kk = l / BN; }
    else if (BMODE == 1u) { nn = l / BK; kk = l % BK; }
    else if (BMODE == 2u) { nn = (l % (BN / 4u)) * 4u; kk = l / (BN / 4u); }
    else { nn = l / (BK / 4u); kk = (l % (BK / 4u)) * 4u; }
}

#ifndef CONV
void loadA(uint k0, uint kEnd) {
    if (AMODE >= 2u) {
        [[unroll]] for (uint r = 0u; r < LA4; r++) {
            uint l = tid + r * WG, mm, kk;
            slotA(l, mm, kk);
            uint m = m0 + mm, k = k0 + kk;
            ra4[r] = vec4(0.0);
            if (l < NA / 4u && (FULL || (m < pc.M && k < kEnd)))
                ra4[r] = a4[(aBase + m * pc.sAM + k * pc.sAK) / 4u];
        }
    } else {
        [[unroll]] for (uint r = 0u; r < LA; r++) {
            uint l = tid + r * WG, mm, kk;
            slotA(l, mm, kk);
            uint m = m0 + mm, k = k0 + kk;
            ra[r] = 0.0;
            if (l < NA && (FULL || (m < pc.M && k < kEnd))) ra[r] = LDA(aBase + m * pc.sAM + k * pc.sAK);
        }
    }
}

void loadB(uint k0, uint kEnd) {
    if (BMODE >= 2u) {
        [[unroll]] for (uint r = 0u; r < LB4; r++) {
            uint l = tid + r * WG, nn, kk;
            slotB(l, nn, kk);
            uint n = n0 + nn, k = k0 + kk;
            rb4[r] = vec4(0.0);
            if (l < NB / 4u && (FULL || (n < pc.N && k < kEnd)))
                rb4[r] = b4[(bBase + k * pc.sBK + n * pc.sBN) / 4u];
        }
    } else {
        [[unroll]] for (uint r = 0u; r < LB; r++) {
            uint l = tid + r * WG, nn, kk;
            slotB(l, nn, kk);
            uint n = n0 + nn, k = k0 + kk;
            rb[r] = 0.0;
            if (l < NB && (FULL || (n < pc.N && k < kEnd))) rb[r] = LDB(bBase + k * pc.sBK + n * pc.sBN);
        }
    }
}

#else
// The CONV loaders. Every invocation loads the same tile row m of A in
// each of its slots (AMODE 1, modes 1 and 2: WG is a multiple of BM) or
// the same k (AMODE 0, mode 3; and B, BMODE 1: WG is a multiple of BK),
// so the coordinates that stay fixed are split once per tile or per
// slice, and those that change from slot to slot advance by a constant
// step with carries (step3) instead of a division per element.

// step3 adds d to the mixed-radix number t = (·, < rows, < cols); d's
// digits are below the radices, so each digit carries at most once.
uvec3 step3(uvec3 t, uvec3 d, uint rows, uint cols) {
    t.z += d.z;
    uint c1 = t.z >= cols ? 1u : 0u;
    t.z -= c1 * cols;
    t.y += d.y + c1;
    uint c2 = t.y >= rows ? 1u : 0u;
    t.y -= c2 * rows;
    t.x += d.x + c2;
    return t;
}

// the invocation's row of A (modes 1, 2): its image's offset in A and the
// first padded coordinates its taps read (mode 1: y·s − p, x·s − p; mode 2:
// h + p, w + p)
uint mBase;
int mY, mX;
uvec3 kStepA, nStepB; // WG/BM and WG/BK as (·, i, j) digits

void convSetup() {
    if (CMODE != 3u) {
        uint m = m0 + tid % BM;
        uvec3 p = CMODE == 1u ? split3(m, pc.Ho, pc.Wo) : split3(m, pc.H, pc.W);
        mBase = pc.offA + p.x * pc.sA.x;
        if (CMODE == 1u) {
            mY = int(p.y * pc.stride) - int(pc.pad);
            mX = int(p.z * pc.stride) - int(pc.pad);
        } else {
            mY = int(p.y + pc.pad);
            mX = int(p.z + pc.pad);
        }
        kStepA = split3(WG / BM, pc.KS, pc.KS);
    } else {
        nStepB = split3(WG / BK, pc.KS, pc.KS);
    }
}

void loadA(uint k0, uint kEnd) {
    if (CMODE == 3u) { // A = G[n, o, y, x]: k = (n, y, x) is the invocation's in every slot, m = o
        uint k = k0 + tid % BK;
        uvec3 q = split3(k, pc.Ho, pc.Wo);
        uint base = pc.offA + q.x * pc.sA.x + q.y * pc.sA.z + q.z * pc.sA.w;
        [[unroll]] for (uint r = 0u; r < LA; r++) {
            uint l = tid + r * WG, m = m0 + l / BK;
            ra[r] = 0.0;
            if (l < NA && (FULL || (m < pc.M && k < kEnd))) ra[r] = LDA(base + m * pc.sA.y);
        }
        return;
    }
    uint m = m0 + tid % BM, k = k0 + tid / BM;
    uvec3 t = split3(k, pc.KS, pc.KS); // (c, i, j) in mode 1, (o, i, j) in mode 2
    [[unroll]] for (uint r = 0u; r < LA; r++) {
        uint l = tid + r * WG;
        ra[r] = 0.0;
        if (l < NA && (FULL || (m < pc.M && k < kEnd))) {
            if (CMODE == 1u) { // X at the tap, 0 in the padding
                int h = mY + int(t.y), w = mX + int(t.z);
                if (h >= 0 && h < int(pc.H) && w >= 0 && w < int(pc.W))
                    ra[r] = LDA(mBase + t.x * pc.sA.y + uint(h) * pc.sA.z + uint(w) * pc.sA.w);
            } else { // G at the output position whose tap (i, j) reads the pixel, if there is one
                int yy = mY - int(t.y), xx = mX - int(t.z);
                uint y = uint(yy), x = uint(xx);
                bool on = yy >= 0 && xx >= 0;
                if (pc.stride != 1u) {
                    y /= pc.stride;
                    x /= pc.stride;
                    on = on && y * pc.stride == uint(yy) && x * pc.stride == uint(xx);
                }
                if (on && y < pc.Ho && x < pc.Wo)
                    ra[r] = LDA(mBase + t.x * pc.sA.y + y * pc.sA.z + x * pc.sA.w);
            }
        }
        k += WG / BM;
        t = step3(t, kStepA, pc.KS, pc.KS);
    }
}

void loadB(uint k0, uint kEnd) {
    uint k = k0 + tid % BK, n = n0 + tid / BK;
    if (CMODE == 3u) { // B = X: k = (n, y, x) the invocation's, n = (c, i, j) stepping
        uvec3 q = split3(k, pc.Ho, pc.Wo), t = split3(n, pc.KS, pc.KS);
        uint base = pc.offB + q.x * pc.sB.x;
        int y0 = int(q.y * pc.stride) - int(pc.pad), x0 = int(q.z * pc.stride) - int(pc.pad);
        [[unroll]] for (uint r = 0u; r < LB; r++) {
            uint l = tid + r * WG;
            rb[r] = 0.0;
            if (l < NB && (FULL || (n < pc.N && k < kEnd))) {
                int h = y0 + int(t.y), w = x0 + int(t.z);
                if (h >= 0 && h < int(pc.H) && w >= 0 && w < int(pc.W))
                    rb[r] = LDB(base + t.x * pc.sB.y + uint(h) * pc.sB.z + uint(w) * pc.sB.w);
            }
            n += WG / BK;
            t = step3(t, nStepB, pc.KS, pc.KS);
        }
        return;
    }
    // B = Wt[o, c, i, j]: k = (c, i, j) and n = o (mode 1), k = (o, i, j) and n = c (mode 2)
    uvec3 t = split3(k, pc.KS, pc.KS);
    uint base = pc.offB + t.x * (CMODE == 1u ? pc.sB.y : pc.sB.x) + t.y * pc.sB.z + t.z * pc.sB.w;
    uint sn = CMODE == 1u ? pc.sB.x : pc.sB.y;
    [[unroll]] for (uint r = 0u; r < LB; r++) {
        uint l = tid + r * WG;
        rb[r] = 0.0;
        if (l < NB && (FULL || (n < pc.N && k < kEnd))) rb[r] = LDB(base + n * sn);
        n += WG / BK;
    }
}
#endif

// storeA and storeB write the prefetched registers into shared buffer p.
void storeA(uint p) {
    uint ab = p * BK * AS; // in floats
    if (AMODE == 3u) {
        [[unroll]] for (uint r = 0u; r < LA4; r++) {
            uint l = tid + r * WG, mm, kk;
            slotA(l, mm, kk);
            if (l < NA / 4u) As[(ab + kk * AS + mm) / 4u] = ra4[r];
        }
    } else if (AMODE == 2u) {
        [[unroll]] for (uint r = 0u; r < LA4; r++) {
            uint l = tid + r * WG, mm, kk;
            slotA(l, mm, kk);
            if (l < NA / 4u) {
                uint o = ab + kk * AS + mm;
                [[unroll]] for (uint c = 0u; c < 4u; c++) As[(o + c * AS) / 4u][mm % 4u] = ra4[r][c];
            }
        }
    } else {
        [[unroll]] for (uint r = 0u; r < LA; r++) {
            uint l = tid + r * WG, mm, kk;
            slotA(l, mm, kk);
            if (l < NA) As[(ab + kk * AS + mm) / 4u][mm % 4u] = ra[r];
        }
    }
}

void storeB(uint p) {
    uint bb = p * BK * BS; // in floats
    if (BMODE == 2u) {
        [[unroll]] for (uint r = 0u; r < LB4; r++) {
            uint l = tid + r * WG, nn, kk;
            slotB(l, nn, kk);
            if (l < NB / 4u) Bs[(bb + kk * BS + nn) / 4u] = rb4[r];
        }
    } else if (BMODE == 3u) {
        [[unroll]] for (uint r = 0u; r < LB4; r++) {
            uint l = tid + r * WG, nn, kk;
            slotB(l, nn, kk);
            if (l < NB / 4u) {
                uint o = bb + kk * BS + nn;
                [[unroll]] for (uint c = 0u; c < 4u; c++) Bs[(o + c * BS) / 4u][nn % 4u] = rb4[r][c];
            }
        }
    } else {
        [[unroll]] for (uint r = 0u; r < LB; r++) {
            uint l = tid + r * WG, nn, kk;
            slotB(l, nn, kk);
            if (l < NB) Bs[(bb + kk * BS + nn) / 4u][nn % 4u] = rb[r];
        }
    }
}

void store(uint p) {
    storeA(p);
    storeB(p);
}

float relu(float v) { return (v > 0.0 || isnan(v)) ? v : 0.0; }

// emit writes v to D[m][n..n+3] (the columns below N), after the epilogue.
void emit(uint m, uint n, uint dBase, uint pBase, vec4 v) {
    if (PARTIAL) {
        uint o = pBase + m * pc.N + n;
        if (DVEC) {
            d4[o / 4u] = v;
        } else {
            [[unroll]] for (uint c = 0u; c < 4u; c++)
                if (FULL || n + c < pc.N) d[o + c] = v[c];
        }
    }
#ifndef CONV
    else if (DVEC) { // N % 4 == 0, so the whole vec4 is in range
        uint o = (dBase + m * pc.sDM + n) / 4u;
        if (ACCUM) v += d4[o];
        if (BIAS) {
            uint ob = pc.offBias + n * pc.sBias;
            v += vec4(bias[ob], bias[ob + pc.sBias], bias[ob + 2u * pc.sBias], bias[ob + 3u * pc.sBias]);
        }
        if (RELU) v = vec4(relu(v.x), relu(v.y), relu(v.z), relu(v.w));
        d4[o] = v;
    }
#endif
    else {
        [[unroll]] for (uint c = 0u; c < 4u; c++) {
            if (FULL || n + c < pc.N) {
#ifdef CONV
                uint o = addrD(m, n + c);
#else
                uint o = dBase + m * pc.sDM + (n + c) * pc.sDN;
#endif
                float x = v[c];
                if (ACCUM) x += LDD(o);
                if (BIAS) x += LDBIAS(pc.offBias + (n + c) * pc.sBias);
                if (RELU) x = relu(x);
                STD(o, x);
            }
        }
    }
}

vec4 acc[TM][GN]; // the invocation's TM×TN accumulators

// multiply adds the products of the slice's k in [kFrom, kTo) (multiples
// of KU) at shared offsets ao, bo to acc, KU k per iteration, unrolled
// here (BK is only known at pipeline creation unless BKC fixes it, and
// then the whole slice unrolls); fma() so that every product is one FFMA,
// not an FMUL and an FADD.
void multiply(uint ao, uint bo, uint kFrom, uint kTo) {
    KLOOP for (uint k4 = kFrom; k4 < kTo; k4 += KU) {
        [[unroll]] for (uint j = 0u; j < KU; j++) {
            uint kk = k4 + j;
            vec4 av[GM], bv[GN];
            [[unroll]] for (uint g = 0u; g < GM; g++) av[g] = As[ao + kk * AS4 + g * RM];
            [[unroll]] for (uint g = 0u; g < GN; g++) bv[g] = Bs[bo + kk * BS4 + g * RN];
            [[unroll]] for (uint g = 0u; g < GM; g++)
                [[unroll]] for (uint i = 0u; i < 4u; i++)
                    [[unroll]] for (uint h = 0u; h < GN; h++)
                        acc[g * 4u + i][h] = fma(vec4(av[g][i]), bv[h], acc[g * 4u + i][h]);
        }
    }
}

void main() {
    tid = gl_LocalInvocationID.x;
    uint tr = tid / RN, tc = tid % RN;
    if (WARPS) {
        uint lane = tid % 32u, w = tid / 32u;
        tr = (w / (RN / 8u)) * 4u + lane / 8u;
        tc = (w % (RN / 8u)) * 8u + lane % 8u;
    }
    uint tileN = gl_WorkGroupID.x, tileM = gl_WorkGroupID.y;
    if (SWZ > 0u) {
        uint nx = gl_NumWorkGroups.x, ny = gl_NumWorkGroups.y;
        uint lin = gl_WorkGroupID.y * nx + gl_WorkGroupID.x;
        uint band = lin / (SWZ * nx), first = band * SWZ;
        uint rows = min(ny - first, SWZ), r = lin - band * SWZ * nx;
        tileM = first + r % rows;
        tileN = r / rows;
    }
    n0 = tileN * BN;
    m0 = tileM * BM;
    uint split = gl_WorkGroupID.z % pc.splits;
    uint batch = gl_WorkGroupID.z / pc.splits;
#ifdef CONV
    aBase = 0u; // the CONV loaders add the offsets
    bBase = 0u;
    convSetup();
#else
    uint b1 = batch / pc.nb2, b2 = batch % pc.nb2;
    aBase = pc.offA + b1 * pc.sA1 + b2 * pc.sA2;
    bBase = pc.offB + b1 * pc.sB1 + b2 * pc.sB2;
#endif
    uint kBegin = split * pc.kSplit;
    uint kEnd = min(pc.K, kBegin + pc.kSplit);
    uint steps = kBegin < kEnd ? (kEnd - kBegin + BK - 1u) / BK : 0u;

    [[unroll]] for (uint i = 0u; i < TM; i++)
        [[unroll]] for (uint g = 0u; g < GN; g++) acc[i][g] = vec4(0.0);

    if (steps > 0u) {
        loadA(kBegin, kEnd);
        loadB(kBegin, kEnd);
        store(0u);
    }
    barrier();
    for (uint s = 0u; s < steps; s++) {
        uint p = s & 1u;
        bool more = s + 1u < steps;
        uint k1 = kBegin + (s + 1u) * BK;
        uint ao = p * BK * AS4 + tr, bo = p * BK * BS4 + tc;
#ifdef SPLITLOAD
        const uint H = (BK / (2u * KU)) * KU; // first half, a multiple of KU
        if (more) loadA(k1, kEnd);
        multiply(ao, bo, 0u, H);
        if (more) {
            storeA(p ^ 1u);
            loadB(k1, kEnd);
        }
        multiply(ao, bo, H, BK);
        if (more) storeB(p ^ 1u);
#else
        if (more) {
            loadA(k1, kEnd);
            loadB(k1, kEnd);
        }
        multiply(ao, bo, 0u, BK);
        if (more) store(p ^ 1u);
#endif
        barrier();
    }

#ifdef CONV
    uint dBase = 0u;
#else
    uint dBase = pc.offD + b1 * pc.sD1 + b2 * pc.sD2;
#endif
    uint pBase = pc.offD + (split * (gl_NumWorkGroups.z / pc.splits) + batch) * pc.M * pc.N;
    // no continue/break in these loops, so that they unroll and acc is
    // only indexed by constants
    [[unroll]] for (uint i = 0u; i < TM; i++) {
        uint m = m0 + (i / 4u) * 4u * RM + tr * 4u + i % 4u;
        [[unroll]] for (uint h = 0u; h < GN; h++) {
            uint n = n0 + h * 4u * RN + tc * 4u;
            if (FULL || (m < pc.M && n < pc.N)) emit(m, n, dBase, pBase, acc[i][h]);
        }
    }
}
