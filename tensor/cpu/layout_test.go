package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/internal/raw"
)

// TestTransposeAndColumnPaths checks the blocked transpose copy and the
// column-reduction path on sizes large enough to run on several cores and
// not multiples of their block sizes.
func TestTransposeAndColumnPaths(t *testing.T) {
	b := New()
	r := rand.New(rand.NewPCG(7, 8))
	for _, sz := range [][2]int{{1031, 777}, {33, 8193}, {1, 5000}, {100000, 3}} {
		rows, cols := sz[0], sz[1]
		src := make([]float32, rows*cols)
		for i := range src {
			src[i] = float32(r.NormFloat64())
		}
		src[r.IntN(len(src))] = float32(math.NaN())
		buf := &buffer{f: src}
		// The transpose of the row-major rows×cols matrix, as a view.
		tv := backend.Strided{Buf: buf, Shape: []int{cols, rows}, Strides: []int{1, cols}}
		out := make([]float32, rows*cols)
		if err := b.Read(raw.Bytes(out), tv); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < cols; i++ {
			for j := 0; j < rows; j++ {
				if g, w := out[i*rows+j], src[j*cols+i]; g != w && !(g != g && w != w) {
					t.Fatalf("%v: transpose (%d,%d) = %v, want %v", sz, i, j, g, w)
				}
			}
		}
		// Column reductions: reduce axis 0 (moved last, as the tensor package does).
		cv := backend.Strided{Buf: buf, Shape: []int{cols, rows}, Strides: []int{1, cols}}
		for _, op := range []backend.ReduceOp{backend.Sum, backend.Mean, backend.Max, backend.Min} {
			dst := &buffer{f: make([]float32, cols)}
			b.Reduce(op, backend.Strided{Buf: dst, Shape: []int{cols}, Strides: []int{1}}, cv)
			for c := 0; c < cols; c++ {
				var acc float64
				best := src[c]
				for j := 0; j < rows; j++ {
					v := src[j*cols+c]
					acc += float64(v)
					if op == backend.Max {
						best = maximum(best, v)
					} else {
						best = minimum(best, v)
					}
				}
				want := best
				switch op {
				case backend.Sum:
					want = float32(acc)
				case backend.Mean:
					want = float32(acc / float64(rows))
				}
				if g := dst.f[c]; g != want && !(g != g && want != want) {
					t.Fatalf("%v: reduce op %d column %d = %v, want %v", sz, op, c, g, want)
				}
			}
		}
	}
}
