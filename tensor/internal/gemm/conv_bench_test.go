package gemm

import "testing"

// convShapes are the products of one training step of the MNIST CNN
// (batch 256) as nn.Conv2d lowers them: the forward product, the weight
// gradient (B the transposed patch matrix) and the patch gradient (A the
// transposed weight).
var convShapes = []struct {
	name           string
	m, n, k        int
	transA, transB bool
}{
	{"conv1-fwd", 32, 200704, 25, false, false},
	{"conv1-dW", 32, 25, 200704, false, true},
	{"conv2-fwd", 64, 50176, 800, false, false},
	{"conv2-dW", 64, 800, 50176, false, true},
	{"conv2-dX", 800, 50176, 64, true, false},
	// The MLP's output layer (bench's mnist-fc3 rows).
	{"fc3-fwd", 256, 10, 1024, false, true},
	{"fc3-dW", 1024, 10, 256, true, false},
	{"fc3-dx", 256, 1024, 10, false, false},
	{"fc1-fwd", 256, 1024, 784, false, true},
}

// BenchmarkConvShapes times Sgemm at the CNN's conv shapes, with the
// operand layouts the conv's autograd hands it.
func BenchmarkConvShapes(b *testing.B) {
	for _, s := range convShapes {
		b.Run(s.name, func(b *testing.B) {
			a := viewOf(s.m, s.k, s.transA)
			bb := viewOf(s.k, s.n, s.transB)
			c := Matrix{Data: make([]float32, s.m*s.n), RS: s.n, CS: 1}
			b.ResetTimer()
			for range b.N {
				Sgemm(s.m, s.n, s.k, a, bb, c, false)
			}
			b.ReportMetric(2*float64(s.m)*float64(s.n)*float64(s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// viewOf returns an r×c matrix of small values, stored row-major or (trans)
// as the transpose of a row-major c×r one.
func viewOf(r, c int, trans bool) Matrix {
	d := make([]float32, r*c)
	for i := range d {
		d[i] = float32(i%7) - 3
	}
	if trans {
		return Matrix{Data: d, RS: 1, CS: r}
	}
	return Matrix{Data: d, RS: c, CS: 1}
}
