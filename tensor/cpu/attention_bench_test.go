package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
)

// BenchmarkAttention times the backend's fused attention alone, forward
// and backward, at the chargpt tiny preset's shape: [16, 4, 64, 16]
// heads, causal.
func BenchmarkAttention(b *testing.B) {
	be := New()
	n1, n2, t, d := 16, 4, 64, 16
	mk := func(shape ...int) backend.Strided {
		s := contiguous(newBuffer(backend.Float32, n1*n2*t*d), shape)
		for i := range data(s.Buf) {
			data(s.Buf)[i] = rand.Float32()*2 - 1
		}
		return s
	}
	q, k, v, g := mk(n1, n2, t, d), mk(n1, n2, t, d), mk(n1, n2, t, d), mk(n1, n2, t, d)
	out, dq, dk, dv := mk(n1, n2, t, d), mk(n1, n2, t, d), mk(n1, n2, t, d), mk(n1, n2, t, d)
	lse := contiguous(newBuffer(backend.Float32, n1*n2*t), []int{n1, n2, t})
	b.Run("forward", func(b *testing.B) {
		for b.Loop() {
			be.Attention(out, lse, q, k, v, true, 0.25)
		}
	})
	b.Run("backward", func(b *testing.B) {
		for b.Loop() {
			be.AttentionGrad(dq, dk, dv, q, k, v, out, g, lse, true, 0.25)
		}
	})
}
