#version 450
// layernorm_grad.comp: the gradients of layernorm.comp from the gradient g
// of its result and the mean and rstd it saved. With
// xh = (x - mean) * rstd and dy = g * gamma:
//   dx[r, j] = rstd[r] * (dy - mean_j(dy) - xh * mean_j(dy * xh))
//   dgamma[j] = sum_r g[r, j] * xh[r, j],  dbeta[j] = sum_r g[r, j]
// Two dispatches, MODE 0 then MODE 1:
//   MODE 0: workgroups [0, rowGroups) compute dx, a row per LANES
//     invocations as in layernorm.comp; the workgroups after them compute
//     the column sums over blocks of rb rows, an invocation per (block k,
//     column j), into p[k*C + j] (dgamma) and p[(nblk + k)*C + j] (dbeta).
//   MODE 1: an invocation per column adds its nblk partials in block order
//     into dgamma and dbeta.
// Every sum has a fixed order (no atomics): the same inputs give the same
// bits. Bindings: 0 = dx, 1 = p (the partials), 2 = g, 3 = x, 4 = mean,
// 5 = rstd, 6 = gamma, 7 = dgamma, 8 = dbeta; a binding the mode or flags
// leave unused is bound to any buffer. Spec constants: 0 = workgroup size
// (power of two), 1 = LANES, 2 = MODE, 3 = CHUNK. Inner loops run at most CHUNK
// iterations per entry (lavapipe stops loops at 65535).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint LANES = 1;
layout(constant_id = 2) const uint MODE = 0;
layout(constant_id = 3) const uint CHUNK = 32768;

layout(binding = 0) writeonly buffer DX { float dx[]; };
layout(binding = 1) buffer P { float p[]; };
layout(binding = 2) readonly buffer G { float g[]; };
layout(binding = 3) readonly buffer X { float x[]; };
layout(binding = 4) readonly buffer M { float mn[]; };
layout(binding = 5) readonly buffer S { float rs[]; };
layout(binding = 6) readonly buffer Gm { float gm[]; };
layout(binding = 7) writeonly buffer DG { float dg[]; };
layout(binding = 8) writeonly buffer DB { float db[]; };

layout(push_constant) uniform PC {
    uint rows;
    uint C;
    uint offX;
    uint sXr;
    uint sXc;
    uint offG;
    uint sGr;
    uint sGc;
    uint offDx;
    uint sDxr;
    uint sDxc;
    uint offM;
    uint sM;
    uint offS;
    uint sS;
    uint offGm;
    uint sGm;
    uint offDg;
    uint sDg;
    uint offDb;
    uint sDb;
    uint rowGroups; // MODE 0: workgroups computing dx
    uint rb;        // rows per block of the column sums
    uint nblk;      // blocks
    uint flags;     // bit 0: gamma, bit 1: dx, bit 2: dgamma, bit 3: dbeta
} pc;

shared float red[gl_WorkGroupSize.x];

// laneSum is layernorm.comp's: the sum of v over this row's lanes.
float laneSum(float v) {
    uint t = gl_LocalInvocationID.x;
    uint l = t & (LANES - 1u);
    red[t] = v;
    barrier();
    for (uint h = LANES / 2u; h > 0u; h >>= 1) {
        if (l < h) red[t] += red[t + h];
        barrier();
    }
    float s = red[t - l];
    barrier();
    return s;
}

float dyAt(uint go, uint j) {
    float v = g[go + j * pc.sGc];
    if ((pc.flags & 1u) != 0u) v *= gm[pc.offGm + j * pc.sGm];
    return v;
}

void rowsDx(uint gid) {
    uint t = gl_LocalInvocationID.x;
    uint l = t & (LANES - 1u);
    uint r = gid * (gl_WorkGroupSize.x / LANES) + t / LANES;
    bool live = r < pc.rows;
    uint xo = pc.offX + r * pc.sXr, go = pc.offG + r * pc.sGr;
    float mean = 0.0, rstd = 0.0;
    if (live) {
        mean = mn[pc.offM + r * pc.sM];
        rstd = rs[pc.offS + r * pc.sS];
    }
    uint step = CHUNK * LANES;
    float a = 0.0, b = 0.0;
    if (live) {
        for (uint c0 = 0u; c0 < pc.C; c0 += step) {
            uint hi = min(pc.C, c0 + step);
            for (uint j = c0 + l; j < hi; j += LANES) {
                float d = dyAt(go, j);
                a += d;
                b += d * ((x[xo + j * pc.sXc] - mean) * rstd);
            }
        }
    }
    a = laneSum(a) / float(pc.C);
    b = laneSum(b) / float(pc.C);
    if (!live) return;
    uint dof = pc.offDx + r * pc.sDxr;
    for (uint c0 = 0u; c0 < pc.C; c0 += step) {
        uint hi = min(pc.C, c0 + step);
        for (uint j = c0 + l; j < hi; j += LANES) {
            float xh = (x[xo + j * pc.sXc] - mean) * rstd;
            dx[dof + j * pc.sDxc] = rstd * (dyAt(go, j) - a - xh * b);
        }
    }
}

void colPartials(uint item) {
    uint j = item % pc.C, k = item / pc.C;
    if (k >= pc.nblk) return;
    uint lo = k * pc.rb, hi = min(pc.rows, lo + pc.rb);
    float sg = 0.0, sb = 0.0;
    for (uint r0 = lo; r0 < hi; r0 += CHUNK) {
        uint r1 = min(hi, r0 + CHUNK);
        for (uint r = r0; r < r1; r++) {
            float gv = g[pc.offG + r * pc.sGr + j * pc.sGc];
            sb += gv;
            sg += gv * ((x[pc.offX + r * pc.sXr + j * pc.sXc] - mn[pc.offM + r * pc.sM]) * rs[pc.offS + r * pc.sS]);
        }
    }
    p[k * pc.C + j] = sg;
    p[(pc.nblk + k) * pc.C + j] = sb;
}

void main() {
    uint gid = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (MODE == 0u) {
        if (gid < pc.rowGroups) {
            rowsDx(gid);
        } else {
            colPartials((gid - pc.rowGroups) * gl_WorkGroupSize.x + gl_LocalInvocationID.x);
        }
        return;
    }
    uint j = gid * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (j >= pc.C) return;
    float sg = 0.0, sb = 0.0;
    for (uint k = 0u; k < pc.nblk; k++) {
        sg += p[k * pc.C + j];
        sb += p[(pc.nblk + k) * pc.C + j];
    }
    if ((pc.flags & 4u) != 0u) dg[pc.offDg + j * pc.sDg] = sg;
    if ((pc.flags & 8u) != 0u) db[pc.offDb + j * pc.sDb] = sb;
}
