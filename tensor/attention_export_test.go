package tensor

// AttentionComposed is the general path of ScaledDotProductAttention, for
// the external tests and benchmarks that compare it with the fused one.
var AttentionComposed = attentionComposed
