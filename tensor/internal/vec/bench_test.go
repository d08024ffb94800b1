package vec

import "testing"

// Benchmarks of the kernels on L2-resident and larger slices.

func BenchmarkSum(b *testing.B) {
	for _, n := range []int{2048, 1 << 20} {
		a := make([]float32, n)
		b.Run(itoa(n), func(b *testing.B) {
			b.SetBytes(int64(4 * n))
			for b.Loop() {
				Sum(a)
			}
		})
	}
}

func BenchmarkAdd(b *testing.B) {
	for _, n := range []int{2048, 1 << 20} {
		x, y, d := make([]float32, n), make([]float32, n), make([]float32, n)
		b.Run(itoa(n), func(b *testing.B) {
			b.SetBytes(int64(12 * n))
			for b.Loop() {
				Binary(Add, d, x, y)
			}
		})
	}
}

func itoa(n int) string {
	s := ""
	for ; n > 0 || s == ""; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

func BenchmarkTranspose(b *testing.B) {
	for _, n := range []int{1024, 2048} {
		a, d := make([]float32, n*n), make([]float32, n*n)
		b.Run(itoa(n), func(b *testing.B) {
			b.SetBytes(int64(8 * n * n))
			for b.Loop() {
				Transpose(d, n, a, n, n, n)
			}
		})
	}
}
