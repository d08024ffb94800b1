// online.glsl: the running (max, sum of exponentials) pair of a row, as
// softmax.comp and xent.comp keep it in one read pass ("online softmax"):
// after folding x_1..x_n, z = sum_i exp(x_i - m) with m = max_i x_i. It
// matches the two-pass definition (the CPU backend's) on special values:
// -Inf adds nothing, a NaN or +Inf makes z NaN, so the row comes out NaN.
// Needs vkmath.glsl.

#define NEG_INF uintBitsToFloat(0xff800000u)

// add folds x into the pair.
void add(inout float m, inout float z, float x) {
    if (x == NEG_INF) return; // contributes 0; avoids -inf - -inf = NaN
    if (x == -NEG_INF) {      // exp(+Inf - max) = exp(NaN) in two passes
        m = x;
        z = uintBitsToFloat(0x7fc00000u);
        return;
    }
    if (x > m) {
        z = z * vexp(m - x) + 1.0;
        m = x;
    } else {
        z += vexp(x - m); // NaN x or m makes z NaN, so NaN propagates
    }
}

// merge folds the pair (m2, z2) of other elements into (m, z).
void merge(inout float m, inout float z, float m2, float z2) {
    if (z2 == 0.0) return;
    if (z == 0.0) { m = m2; z = z2; return; }
    float mm = nanmax(m, m2);
    z = z * vexp(m - mm) + z2 * vexp(m2 - mm);
    m = mm;
}
