package vulkan

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vktensor/vktensor/internal/backendbench"
	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/cpu"
	"github.com/vktensor/vktensor/tensor/internal/raw"
)

// TestCoopScales runs coop_scale.comp (which lavapipe can run, unlike the
// tensor-core kernel it feeds) over the rows and the columns of a batch of
// strided matrices with special values, and compares each scale with the
// rule the CPU backend's MatMulAt uses: 2^(e−15) for the largest finite
// |x| in [2^(e−1), 2^e), 1 for a line with none.
func TestCoopScales(t *testing.T) {
	vk := vkBackend(t)
	const nb1, nb2, R, L = 2, 3, 5, 300 // lines of L elements
	r := rand.New(rand.NewPCG(1, 2))
	// [nb1, nb2, L, R] storage read as [nb1, nb2, R, L] (transposed lines),
	// so the line stride is 1·R and the element stride R.
	n := nb1 * nb2 * L * R
	host := make([]float32, n)
	for i := range host {
		host[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(12)-6)))
	}
	line := func(b1, b2, rr int) []float32 {
		out := make([]float32, L)
		for k := range out {
			out[k] = host[((b1*nb2+b2)*L+k)*R+rr]
		}
		return out
	}
	set := func(b1, b2, rr, k int, v float32) { host[((b1*nb2+b2)*L+k)*R+rr] = v }
	for k := range L { // a line of zeros, and one of zeros and non-finite values
		set(0, 1, 2, k, 0)
		set(1, 2, 4, k, 0)
	}
	set(1, 2, 4, 7, float32(math.Inf(-1)))
	set(1, 2, 4, 9, float32(math.NaN()))
	set(0, 0, 0, 299, float32(math.Inf(1))) // ignored beside finite values
	set(1, 0, 3, 0, 65504)
	src, err := vk.Alloc(backend.Float32, n)
	if err != nil {
		t.Fatal(err)
	}
	defer vk.Free(src)
	if err := vk.Write(src, 0, raw.Bytes(host)); err != nil {
		t.Fatal(err)
	}
	lines := nb1 * nb2 * R
	dst, err := vk.Alloc(backend.Float32, lines+3)
	if err != nil {
		t.Fatal(err)
	}
	defer vk.Free(dst)
	s := backend.Strided{Buf: src, Shape: []int{n}, Strides: []int{1}}
	vk.enter("coopScales", 1, backend.Strided{Buf: dst})
	vk.coopScales(gbuf(dst), s, lines, R, L, nb2, 0, nb2*L*R, L*R, 1, R, 3)
	vk.exit()
	got := make([]float32, lines+3)
	if err := vk.Read(raw.Bytes(got), backend.Strided{Buf: dst, Shape: []int{lines + 3}, Strides: []int{1}}); err != nil {
		t.Fatal(err)
	}
	for b1 := range nb1 {
		for b2 := range nb2 {
			for rr := range R {
				big := 0.0
				for _, x := range line(b1, b2, rr) {
					if a := math.Abs(float64(x)); a > big && !math.IsInf(a, 0) {
						big = a
					}
				}
				want := 1.0
				if big > 0 {
					_, e := math.Frexp(big)
					want = math.Ldexp(1, e-15)
				}
				l := (b1*nb2+b2)*R + rr
				if g := float64(got[3+l]); g != want {
					t.Errorf("line %d (batch %d,%d row %d): scale %v, want %v (largest %v)", l, b1, b2, rr, g, want, big)
				}
			}
		}
	}
	if msgs := vk.Device().ValidationMessages(); len(msgs) > 0 {
		t.Errorf("validation: %s", msgs[0])
	}
}

// TestCoopFallback: a device without cooperative matrices (lavapipe) has
// only PrecisionHighest, and MatMulAt at another precision computes it.
func TestCoopFallback(t *testing.T) {
	vk := vkBackend(t)
	if vk.coopOK() {
		t.Skip("this device has tensor cores: the fallback is not taken")
	}
	if vk.HasPrecision(backend.PrecisionHigh) || vk.HasPrecision(backend.PrecisionMedium) || !vk.HasPrecision(backend.PrecisionHighest) {
		t.Fatal("HasPrecision on a device without cooperative matrices")
	}
	a, _ := vk.Alloc(backend.Float32, 6)
	x, _ := vk.Alloc(backend.Float32, 6)
	d, _ := vk.Alloc(backend.Float32, 4)
	vk.Write(a, 0, raw.Bytes([]float32{1, 2, 3, 4, 5, 6}))
	vk.Write(x, 0, raw.Bytes([]float32{1, 0, 0, 1, 1, 1}))
	m := func(buf backend.Buffer, r, c int) backend.Strided {
		return backend.Strided{Buf: buf, Shape: []int{r, c}, Strides: []int{c, 1}}
	}
	vk.MatMulAt(m(d, 2, 2), m(a, 2, 3), m(x, 3, 2), false, backend.PrecisionMedium)
	got := make([]float32, 4)
	if err := vk.Read(raw.Bytes(got), m(d, 2, 2)); err != nil {
		t.Fatal(err)
	}
	if want := []float32{4, 5, 10, 11}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Errorf("MatMulAt fallback: %v, want %v", got, want)
	}
}

// TestCoopParity compares matmul_coop with the CPU backend's emulation of
// the same precision on shapes with ragged tile edges, a batch, transposed
// operands and accumulation. It runs only where the device has tensor
// cores (scripts/gpu-check.sh runs it on a lent GPU).
func TestCoopParity(t *testing.T) {
	vk := vkBackend(t)
	if !vk.coopOK() {
		t.Skip("no VK_NV_cooperative_matrix with 32-wide subgroups on this device")
	}
	ref := cpu.New()
	r := rand.New(rand.NewPCG(7, 8))
	for _, p := range []backend.Precision{backend.PrecisionMedium, backend.PrecisionHigh} {
		for _, c := range []struct {
			batch, m, n, k int
			transA, acc    bool
		}{{1, 1, 1, 1, false, false}, {1, 65, 63, 33, false, false}, {3, 100, 129, 257, true, true}, {2, 64, 64, 1000, false, true}, {1, 300, 17, 4096, true, false}} {
			shapeA := []int{c.batch, c.m, c.k}
			a := make([]float32, c.batch*c.m*c.k)
			x := make([]float32, c.batch*c.k*c.n)
			d := make([]float32, c.batch*c.m*c.n)
			for _, s := range [][]float32{a, x, d} {
				for i := range s {
					s[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(6)-3)))
				}
			}
			// A stored [batch, k, m] when transposed, read as [batch, m, k].
			aSt := []int{c.m * c.k, c.k, 1}
			if c.transA {
				aSt = []int{c.m * c.k, 1, c.m}
			}
			run := func(be backend.Backend) []float32 {
				buf := func(v []float32) backend.Buffer {
					bb, err := be.Alloc(backend.Float32, len(v))
					if err != nil {
						t.Fatal(err)
					}
					if err := be.Write(bb, 0, raw.Bytes(v)); err != nil {
						t.Fatal(err)
					}
					return bb
				}
				ab, xb, db := buf(a), buf(x), buf(d)
				dst := backend.Strided{Buf: db, Shape: []int{c.batch, c.m, c.n}, Strides: []int{c.m * c.n, c.n, 1}}
				be.(backend.PreciseMatMul).MatMulAt(dst,
					backend.Strided{Buf: ab, Shape: shapeA, Strides: aSt},
					backend.Strided{Buf: xb, Shape: []int{c.batch, c.k, c.n}, Strides: []int{c.k * c.n, c.n, 1}}, c.acc, p)
				out := make([]float32, len(d))
				if err := be.Read(raw.Bytes(out), dst); err != nil {
					t.Fatal(err)
				}
				for _, bb := range []backend.Buffer{ab, xb, db} {
					be.Free(bb)
				}
				return out
			}
			got, want := run(vk), run(ref)
			worst := 0.0
			for i := range want {
				worst = max(worst, math.Abs(float64(got[i]-want[i]))/(1+math.Abs(float64(want[i]))))
			}
			// Same roundings of the operands; only the order of float32
			// accumulation differs.
			if worst > 1e-4 {
				t.Errorf("%v %+v: worst relative difference from the CPU emulation %.3g", p, c, worst)
			}
			t.Logf("%v %+v: worst relative difference %.3g", p, c, worst)
		}
	}
}

// BenchmarkMatMulPrecision times n×n×n products at every precision (GPU
// time), on devices with tensor cores for the reduced ones.
func BenchmarkMatMulPrecision(b *testing.B) {
	vk := benchBackend(b)
	for _, p := range []backend.Precision{backend.PrecisionHighest, backend.PrecisionHigh, backend.PrecisionMedium} {
		if !vk.HasPrecision(p) {
			continue
		}
		b.Run(p.String(), func(b *testing.B) {
			for _, n := range []int{1024, 2048, 4096, 8192} {
				if n > benchMax(vk) {
					break
				}
				b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
					x, y, z := backendbench.Operand(b, vk, n, n), backendbench.Operand(b, vk, n, n), backendbench.Operand(b, vk, n, n)
					t := gpuClock(vk).Time(b, func() { vk.MatMulAt(z, x, y, false, p) })
					b.ReportMetric(2*float64(n)*float64(n)*float64(n)/t.Seconds()/1e12, "TFLOP/s")
				})
			}
		})
	}
}
