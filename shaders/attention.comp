#version 450
#extension GL_GOOGLE_include_directive : require
// attention.comp: fused scaled dot-product attention (backend.Attentioner),
// FlashAttention-2 style, for each head h of N1·N2 (two batch axes):
//   s[i, j] = scale · q[i]·k[j]   (j <= i when CAUSAL)
//   lse[i]  = log sum_j exp(s[i, j]),  p[i, j] = exp(s[i, j] - lse[i])
//   out[i]  = sum_j p[i, j] · v[j]
//gen:variant attention16 -DD16=1
// MODE 0, the forward pass: a workgroup per (head, block of WG query
// rows), an invocation per row holding its q row and output accumulator
// in registers; the K and V rows are staged in shared memory BC at a time
// and folded in with an online softmax (running max and sum, the
// accumulator rescaled when the max grows); out and lse are written once.
// MODE 1, dq: the same blocks; with Di = dout[i]·out[i],
//   dq[i] = scale · sum_j p[i, j] (dout[i]·v[j] - Di) k[j],
// p recomputed from the saved lse, K and V staged as in MODE 0.
// MODE 2, dk and dv: a workgroup per (head, block of WG key rows), an
// invocation per key row; q, dout, lse and Di of BC query rows staged:
//   dv[j] = sum_i p[i, j] dout[i],  dk[j] = scale · sum_i p[i, j] (dout[i]·v[j] - Di) q[i].
// Each destination element is written by one invocation (no atomics), its
// sums in a fixed order. Blocks a causal mask hides entirely are skipped:
// MODE 0 and 1 stop at the block's last row, MODE 2 starts at its first.
// Reads are bounds-checked: no element outside the operands is touched.
// Bindings: 0 = out (MODE 0), dq (1) or dk (2); 1 = dv (2; else any
// buffer the op writes); 2 = lse; 3 = q; 4 = k; 5 = v; 6 = out (MODE 1
// and 2); 7 = dout (any bound buffer where unused). q, k, v and dout have
// any strides (offset, two batch strides, row and column strides);
// out, lse and the gradients are contiguous.
// Spec constants: 0 = WG (invocations, = rows per block), 1 = MODE, 2 = D
// (head size of q and k), 3 = DV (of v), 4 = BC (rows per staged tile),
// 5 = DTYPE (dtype.glsl's codes; the D16 build reads and writes Float16
// and BFloat16, computing in float32, one rounding per store; lse is
// float32), 6 = CAUSAL. Shared memory: BC·(D+DV)·4 bytes, plus BC·8 in
// MODE 2.
#include "vkmath.glsl"
#ifdef D16
#include "dtype.glsl"
#endif

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MODE = 0;
layout(constant_id = 2) const uint D = 1;
layout(constant_id = 3) const uint DV = 1;
layout(constant_id = 4) const uint BC = 16;
layout(constant_id = 5) const uint DTYPE = 0;
layout(constant_id = 6) const uint CAUSAL = 0;

layout(binding = 0) writeonly buffer A { float a[]; };
layout(binding = 1) writeonly buffer B { float bb[]; };
layout(binding = 2) buffer L { float lse[]; };
layout(binding = 3) readonly buffer Q { float q[]; };
layout(binding = 4) readonly buffer K { float k[]; };
layout(binding = 5) readonly buffer V { float v[]; };
layout(binding = 6) readonly buffer O { float o[]; };
layout(binding = 7) readonly buffer G { float g[]; };
#ifdef D16
layout(binding = 0) writeonly buffer AH { uint16_t ah[]; };
layout(binding = 1) writeonly buffer BH { uint16_t bbh[]; };
layout(binding = 3) readonly buffer QH { uint16_t qh[]; };
layout(binding = 4) readonly buffer KH { uint16_t kh[]; };
layout(binding = 5) readonly buffer VH { uint16_t vh[]; };
layout(binding = 6) readonly buffer OH { uint16_t oh[]; };
layout(binding = 7) readonly buffer GH { uint16_t gh[]; };
#define LD(arr, e) ((DTYPE == 1u || DTYPE == 2u) ? widen(uint(arr##h[e]), DTYPE) : arr[e])
#define ST(arr, e, x) if (DTYPE == 1u || DTYPE == 2u) arr##h[e] = uint16_t(narrow(x, DTYPE)); else arr[e] = x
#else
#define LD(arr, e) arr[e]
#define ST(arr, e, x) arr[e] = x
#endif

layout(push_constant) uniform PC {
    uint T;      // query rows
    uint S;      // key rows
    uint N2;     // the second batch axis
    uint NH;     // heads, N1·N2
    float scale;
    uint flags;  // MODE 2: bit 0 dk, bit 1 dv
    uint offQ, sQ0, sQ1, sQr, sQc;
    uint offK, sK0, sK1, sKr, sKc;
    uint offV, sV0, sV1, sVr, sVc;
    uint offG, sG0, sG1, sGr, sGc;
    uint offO;   // out (contiguous [NH, T, DV]), read by MODE 1 and 2
    uint offL;   // lse (contiguous [NH, T])
    uint offA;   // binding 0 (contiguous)
    uint offB;   // binding 1 (contiguous)
} pc;

const uint WG = gl_WorkGroupSize.x;
// MODE 0 and 1 stage K and V rows; MODE 2 stages q and dout rows
// (in the same arrays) with their lse and Di.
shared float t1[BC * D];
shared float t2[BC * DV];
shared float tl[MODE == 2u ? BC : 1u];
shared float td[MODE == 2u ? BC : 1u];

#define NEG_INF uintBitsToFloat(0xff800000u)

// di is dout[i]·out[i] for query row i of head h.
float di(uint h, uint ga, uint i) {
    uint ob = pc.offO + (h * pc.T + i) * DV;
    float s = 0.0;
    for (uint c = 0u; c < DV; c++) s += LD(g, ga + i * pc.sGr + c * pc.sGc) * LD(o, ob + c);
    return s;
}

void main() {
    uint gid = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    uint lid = gl_LocalInvocationID.x;
    uint rows = MODE == 2u ? pc.S : pc.T;
    uint blocks = (rows + WG - 1u) / WG;
    uint h = gid / blocks;
    if (h >= pc.NH) return; // uniform across the workgroup
    uint r0 = (gid % blocks) * WG;
    uint r = r0 + lid; // this invocation's row
    bool valid = r < rows;
    uint b1 = h / pc.N2, b2 = h % pc.N2;
    uint qa = pc.offQ + b1 * pc.sQ0 + b2 * pc.sQ1;
    uint ka = pc.offK + b1 * pc.sK0 + b2 * pc.sK1;
    uint va = pc.offV + b1 * pc.sV0 + b2 * pc.sV1;
    uint ga = pc.offG + b1 * pc.sG0 + b2 * pc.sG1;

    if (MODE == 2u) {
        float kr[D], vr[DV], dk[D], dv[DV];
        for (uint c = 0u; c < D; c++) {
            kr[c] = valid ? LD(k, ka + r * pc.sKr + c * pc.sKc) : 0.0;
            dk[c] = 0.0;
        }
        for (uint c = 0u; c < DV; c++) {
            vr[c] = valid ? LD(v, va + r * pc.sVr + c * pc.sVc) : 0.0;
            dv[c] = 0.0;
        }
        // Causal: query rows before the block's first key see none of it.
        uint iStart = CAUSAL == 1u ? r0 : 0u;
        for (uint i0 = iStart; i0 < pc.T; i0 += BC) {
            barrier(); // the previous tile is consumed
            for (uint e = lid; e < BC * D; e += WG) {
                uint i = i0 + e / D;
                t1[e] = i < pc.T ? LD(q, qa + i * pc.sQr + (e % D) * pc.sQc) : 0.0;
            }
            for (uint e = lid; e < BC * DV; e += WG) {
                uint i = i0 + e / DV;
                t2[e] = i < pc.T ? LD(g, ga + i * pc.sGr + (e % DV) * pc.sGc) : 0.0;
            }
            for (uint e = lid; e < BC; e += WG) {
                uint i = i0 + e;
                tl[e] = i < pc.T ? lse[pc.offL + h * pc.T + i] : 0.0;
                td[e] = i < pc.T ? di(h, ga, i) : 0.0;
            }
            barrier();
            if (!valid) continue;
            uint n = min(BC, pc.T - i0);
            for (uint e = 0u; e < n; e++) {
                if (CAUSAL == 1u && r > i0 + e) continue;
                float s = 0.0;
                for (uint c = 0u; c < D; c++) s += t1[e * D + c] * kr[c];
                float p = vexp(s * pc.scale - tl[e]);
                float dp = 0.0;
                for (uint c = 0u; c < DV; c++) {
                    float gc = t2[e * DV + c];
                    dv[c] += p * gc;
                    dp += gc * vr[c];
                }
                float ds = p * (dp - td[e]);
                for (uint c = 0u; c < D; c++) dk[c] += ds * t1[e * D + c];
            }
        }
        if (!valid) return;
        uint base = h * pc.S + r;
        if ((pc.flags & 1u) != 0u) {
            for (uint c = 0u; c < D; c++) { ST(a, pc.offA + base * D + c, dk[c] * pc.scale); }
        }
        if ((pc.flags & 2u) != 0u) {
            for (uint c = 0u; c < DV; c++) { ST(bb, pc.offB + base * DV + c, dv[c]); }
        }
        return;
    }

    // MODE 0 and 1: a query row per invocation.
    float qr[D];
    for (uint c = 0u; c < D; c++) qr[c] = valid ? LD(q, qa + r * pc.sQr + c * pc.sQc) : 0.0;
    float acc[MODE == 0u ? DV : D]; // the output row, or dq
    for (uint c = 0u; c < acc.length(); c++) acc[c] = 0.0;
    float gr[MODE == 1u ? DV : 1u];
    float m = NEG_INF, l = 0.0, li = 0.0, dI = 0.0;
    if (MODE == 1u && valid) {
        for (uint c = 0u; c < DV; c++) gr[c] = LD(g, ga + r * pc.sGr + c * pc.sGc);
        li = lse[pc.offL + h * pc.T + r];
        dI = di(h, ga, r);
    }
    // Causal: keys after the block's last row are seen by none of it.
    uint kEnd = CAUSAL == 1u ? min(pc.S, r0 + WG) : pc.S;
    float sc[BC];
    for (uint j0 = 0u; j0 < kEnd; j0 += BC) {
        barrier(); // the previous tile is consumed
        for (uint e = lid; e < BC * D; e += WG) {
            uint j = j0 + e / D;
            t1[e] = j < pc.S ? LD(k, ka + j * pc.sKr + (e % D) * pc.sKc) : 0.0;
        }
        for (uint e = lid; e < BC * DV; e += WG) {
            uint j = j0 + e / DV;
            t2[e] = j < pc.S ? LD(v, va + j * pc.sVr + (e % DV) * pc.sVc) : 0.0;
        }
        barrier();
        if (!valid) continue;
        uint n = min(BC, kEnd - j0);
        if (CAUSAL == 1u) n = r >= j0 ? min(n, r - j0 + 1u) : 0u;
        if (MODE == 1u) {
            for (uint e = 0u; e < n; e++) {
                float s = 0.0;
                for (uint c = 0u; c < D; c++) s += qr[c] * t1[e * D + c];
                float p = vexp(s * pc.scale - li);
                float dp = 0.0;
                for (uint c = 0u; c < DV; c++) dp += gr[c] * t2[e * DV + c];
                float ds = p * (dp - dI);
                for (uint c = 0u; c < D; c++) acc[c] += ds * t1[e * D + c];
            }
            continue;
        }
        if (n == 0u) continue;
        float mt = NEG_INF;
        for (uint e = 0u; e < n; e++) {
            float s = 0.0;
            for (uint c = 0u; c < D; c++) s += qr[c] * t1[e * D + c];
            sc[e] = s * pc.scale;
            mt = nanmax(mt, sc[e]);
        }
        float mn = nanmax(m, mt);
        // The first tile: nothing to rescale (and -Inf - -Inf is NaN).
        float alpha = m == NEG_INF ? 0.0 : vexp(m - mn);
        l *= alpha;
        for (uint c = 0u; c < DV; c++) acc[c] *= alpha;
        for (uint e = 0u; e < n; e++) {
            float p = vexp(sc[e] - mn);
            l += p;
            for (uint c = 0u; c < DV; c++) acc[c] += p * t2[e * DV + c];
        }
        m = mn;
    }
    if (!valid) return;
    uint base = h * pc.T + r;
    if (MODE == 1u) {
        for (uint c = 0u; c < D; c++) { ST(a, pc.offA + base * D + c, acc[c] * pc.scale); }
        return;
    }
    float il = 1.0 / l;
    for (uint c = 0u; c < DV; c++) { ST(a, pc.offA + base * DV + c, acc[c] * il); }
    lse[pc.offL + base] = m + vlog(l);
}
