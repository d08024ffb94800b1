package backend

// Attentioner is implemented by backends with fused scaled dot-product
// attention: softmax(scale·q·kᵀ [+ causal mask])·v in one pass over
// blocks of keys and values, without the [T, S] scores or probabilities
// of each head in memory, and a backward pass that recomputes them from
// the per-row logsumexp the forward pass saved. The tensor package uses it
// when a backend has it and HasAttention accepts the operands, and composes
// the op (matrix products and a softmax) otherwise, with the same results
// to float32 rounding.
//
// Operands are rank 4, [N1, N2, rows, cols] with the same N1 and N2 (two
// batch axes, so that the heads of a [B, T, H, D] projection need no
// copy): q is [N1, N2, T, D], k is [N1, N2, S, D], v is [N1, N2, S, Dv],
// out, dout and dq/dk/dv have the shapes of the results they stand for,
// and lse is [N1, N2, T]. q, k, v and dout may have any strides (zero
// included on the batch axes); the destinations out, lse, dq, dk and dv,
// and out when AttentionGrad reads it, are contiguous. All sizes are at
// least 1 (the tensor package handles empty operands itself). q, k, v,
// out, dout and the gradients have one float dtype (16-bit ones computed
// in float32, rounded once on store); lse is Float32.
//
// With causal set, query row i sees the keys j ≤ i only (the mask aligned
// at the top left, as PyTorch's is_causal); every row sees key 0. Where
// an operand holds NaN or ±Inf, whether a masked pair (j > i) adds 0·NaN
// to a result is unspecified: a kernel that multiplies blocks with the
// masked probabilities set to 0 does (as the composed ops and PyTorch's
// math path do), one that skips masked pairs does not.
type Attentioner interface {
	// HasAttention reports whether Attention and AttentionGrad take
	// operands of dtype dt with head dimensions d (of q and k) and dv (of
	// v), e.g. false where d exceeds what a kernel holds in registers.
	HasAttention(dt DType, d, dv int) bool
	// Attention sets, for each batch index and query row i,
	//
	//	s[j]   = scale · Σₐ q[i, a]·k[j, a]        (j ≤ i when causal)
	//	lse[i] = log Σⱼ exp(s[j])
	//	out[i] = Σⱼ exp(s[j] − lse[i]) · v[j]
	Attention(out, lse, q, k, v Strided, causal bool, scale float32)
	// AttentionGrad computes the gradients of Attention given the
	// gradient dout of its result, its result out and the lse it saved:
	// with p[i, j] = exp(s[i, j] − lse[i]) and dp[i, j] = dout[i]·v[j],
	//
	//	ds[i, j] = p[i, j] · (dp[i, j] − Σₐ dout[i, a]·out[i, a])
	//	dq[i] = scale · Σⱼ ds[i, j]·k[j]
	//	dk[j] = scale · Σᵢ ds[i, j]·q[i]
	//	dv[j] = Σᵢ p[i, j]·dout[i]
	//
	// A destination whose Buf is nil is not computed. The sums are taken
	// in a fixed order (no atomics), so that the same inputs give the same
	// bits on every run.
	AttentionGrad(dq, dk, dv, q, k, v, out, dout, lse Strided, causal bool, scale float32)
}
