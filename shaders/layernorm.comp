#version 450
// layernorm.comp: layer normalization of each row of x [rows, C] (any
// strides), saving each row's mean and 1/sqrt(var + eps) for the backward
// pass (layernorm_grad.comp):
//   mean[r] = sum_j x[r, j] / C
//   rstd[r] = 1 / sqrt(sum_j (x[r, j] - mean[r])^2 / C + eps)
//   d[r, j] = (x[r, j] - mean[r]) * rstd[r] * gamma[j] + beta[j]
// Bindings: 0 = d, 1 = mean, 2 = rstd, 3 = x, 4 = gamma, 5 = beta (gamma
// and beta: any buffer when flags says there is none). Spec constants: 0 =
// workgroup size (power of two), 1 = LANES, the invocations that share a
// row (a power of two dividing the workgroup): a workgroup holds
// size/LANES rows; 2 = CHUNK. The variance is taken about the mean in a
// second pass over the row (no cancellation), and the sums over a row's
// lanes are trees in shared memory, in a fixed order. Inner loops run at
// most CHUNK iterations per entry (lavapipe stops a loop at 65535), with
// an outer loop over chunks, so rows of any length work.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint LANES = 1;
layout(constant_id = 2) const uint CHUNK = 32768; // iterations of an inner loop per entry

layout(binding = 0) writeonly buffer D { float d[]; };
layout(binding = 1) writeonly buffer M { float mo[]; };
layout(binding = 2) writeonly buffer S { float so[]; };
layout(binding = 3) readonly buffer X { float x[]; };
layout(binding = 4) readonly buffer Gm { float gm[]; };
layout(binding = 5) readonly buffer Bt { float bt[]; };

layout(push_constant) uniform PC {
    uint rows;
    uint C;
    uint offX;
    uint sXr;   // x stride between rows
    uint sXc;   // x stride along a row
    uint offD;
    uint sDr;
    uint sDc;
    uint offM;
    uint sM;
    uint offS;
    uint sS;
    uint offG;
    uint sG;
    uint offB;
    uint sB;
    float eps;
    uint flags; // bit 0: gamma, bit 1: beta
} pc;

shared float red[gl_WorkGroupSize.x];

// laneSum returns the sum of v over the LANES invocations of this row.
// Every invocation of the workgroup calls it (it has barriers).
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

void main() {
    uint gid = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    uint t = gl_LocalInvocationID.x;
    uint l = t & (LANES - 1u);
    uint r = gid * (gl_WorkGroupSize.x / LANES) + t / LANES;
    bool live = r < pc.rows; // others only take part in the barriers
    uint xo = pc.offX + r * pc.sXr;
    uint step = CHUNK * LANES;

    float s = 0.0;
    if (live) {
        for (uint c0 = 0u; c0 < pc.C; c0 += step) {
            uint hi = min(pc.C, c0 + step);
            for (uint j = c0 + l; j < hi; j += LANES) s += x[xo + j * pc.sXc];
        }
    }
    float mean = laneSum(s) / float(pc.C);

    float q = 0.0;
    if (live) {
        for (uint c0 = 0u; c0 < pc.C; c0 += step) {
            uint hi = min(pc.C, c0 + step);
            for (uint j = c0 + l; j < hi; j += LANES) {
                float e = x[xo + j * pc.sXc] - mean;
                q += e * e;
            }
        }
    }
    float rstd = 1.0 / sqrt(laneSum(q) / float(pc.C) + pc.eps);
    if (!live) return;
    if (l == 0u) {
        mo[pc.offM + r * pc.sM] = mean;
        so[pc.offS + r * pc.sS] = rstd;
    }
    uint dof = pc.offD + r * pc.sDr;
    for (uint c0 = 0u; c0 < pc.C; c0 += step) {
        uint hi = min(pc.C, c0 + step);
        for (uint j = c0 + l; j < hi; j += LANES) {
            float y = (x[xo + j * pc.sXc] - mean) * rstd;
            if ((pc.flags & 1u) != 0u) y *= gm[pc.offG + j * pc.sG];
            if ((pc.flags & 2u) != 0u) y += bt[pc.offB + j * pc.sB];
            d[dof + j * pc.sDc] = y;
        }
    }
}
