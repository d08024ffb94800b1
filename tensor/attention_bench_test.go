package tensor

import (
	"fmt"
	"testing"
)

// BenchmarkAttention times a forward and backward pass of causal
// attention over [B, H, T, D] head views of one [B, T, 3·H·D] projection
// (as nn.CausalSelfAttention makes them), fused and composed, on the CPU
// backend: the tiny chargpt preset's shape and a longer one.
func BenchmarkAttention(b *testing.B) {
	for _, sh := range [][4]int{{16, 4, 64, 16}, {4, 6, 256, 64}} {
		bb, h, t, d := sh[0], sh[1], sh[2], sh[3]
		c := h * d
		r := newRand(1)
		x := fromND(uniformND(r, Float32, bb, t, 3*c)).SetRequiresGrad(true)
		for _, composed := range []bool{false, true} {
			b.Run(fmt.Sprintf("B%d_H%d_T%d_D%d/composed=%v", bb, h, t, d, composed), func(b *testing.B) {
				for b.Loop() {
					CPU().Step(func(s *Scope) {
						parts := x.Split(2, c, c, c)
						heads := func(u *Tensor) *Tensor { return u.Reshape(bb, t, h, d).Permute(0, 2, 1, 3) }
						q, k, v := heads(parts[0]), heads(parts[1]), heads(parts[2])
						var y *Tensor
						if composed {
							y = attentionComposed(q, k, v, true, 0.25)
						} else {
							y = ScaledDotProductAttention(q, k, v, true, 0.25)
						}
						if err := y.Sum().Backward(); err != nil {
							b.Fatal(err)
						}
					})
				}
			})
		}
	}
}
