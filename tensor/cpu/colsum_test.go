package cpu

import (
	"math"
	"math/rand"
	"runtime"
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
)

// TestColumnSumsLarge checks sums and means over the leading axes of blocks
// large enough for sumColumns (rows split into blocks) against a float64
// sequential sum, within the package doc's bound plus the final float32
// rounding, and checks that the results do not depend on GOMAXPROCS.
func TestColumnSumsLarge(t *testing.T) {
	b := New()
	rng := rand.New(rand.NewSource(9))
	for _, c := range []struct {
		name  string
		shape []int // of the row-major source; all axes but the last reduced
	}{
		{"matrix", []int{701, 1031}},
		{"rows-not-multiple-of-4", []int{1023, 517}},
		{"3-D", []int{3, 257, 700}},
		{"4096-wide", []int{130, 4096}},
	} {
		size := 1
		for _, n := range c.shape {
			size *= n
		}
		x := make([]float32, size)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 100)
		}
		r := len(c.shape)
		nOut := c.shape[r-1]
		// The view with the kept (last) axis first and the reduced ones after.
		shape := append([]int{nOut}, c.shape[:r-1]...)
		strides := make([]int, r)
		strides[0] = 1
		for ax, st := r-2, nOut; ax >= 0; ax-- {
			strides[ax+1] = st
			st *= c.shape[ax]
		}
		src := backend.Strided{Buf: rowMajor(x, size).Buf, Shape: shape, Strides: strides}
		rows := size / nOut
		for _, op := range []backend.ReduceOp{backend.Sum, backend.Mean} {
			run := func(procs int) []float32 {
				prev := runtime.GOMAXPROCS(procs)
				defer runtime.GOMAXPROCS(prev)
				d := rowMajor(make([]float32, nOut), nOut)
				b.Reduce(op, d, src)
				return data(d.Buf)
			}
			got := run(1)
			for j := range nOut {
				var sum, abs float64
				for i := range rows {
					v := float64(x[i*nOut+j])
					sum += v
					abs += math.Abs(v)
				}
				if op == backend.Mean {
					sum /= float64(rows)
					abs /= float64(rows)
				}
				if err := math.Abs(float64(got[j]) - sum); err > 0x1p-24*math.Abs(sum)+float64(rows)*0x1p-52*abs {
					t.Fatalf("%s %v: column %d = %v, want %v", c.name, op, j, got[j], sum)
				}
			}
			for j, v := range run(4) {
				if math.Float32bits(v) != math.Float32bits(got[j]) {
					t.Fatalf("%s %v: column %d is %v with 4 procs, %v with 1", c.name, op, j, v, got[j])
				}
			}
		}
	}
}

// TestReduceSmallMatchesReduce2 checks the small-window path of Reduce
// (pooling windows) bit for bit against reduce2, the general block
// reduction, on windows of one and two axes, strided (pooling-style)
// views, NaNs and signed zeros.
func TestReduceSmallMatchesReduce2(t *testing.T) {
	b := New()
	rng := rand.New(rand.NewSource(5))
	x := make([]float32, 4*6*5*3)
	for i := range x {
		switch rng.Intn(10) {
		case 0:
			x[i] = float32(math.NaN())
		case 1:
			x[i] = float32(math.Copysign(0, rng.NormFloat64()))
		default:
			x[i] = float32(rng.Intn(5) - 2) // ties
		}
	}
	buf := rowMajor(x, len(x)).Buf
	for _, c := range []struct {
		name          string
		shape, stride []int // the source view; the last two axes reduced
	}{
		{"rows", []int{24, 5, 3}, []int{15, 3, 1}},
		{"pool", []int{4, 3, 5, 2, 3}, []int{90, 2, 18, 1, 6}},
		{"transposed", []int{12, 10, 3}, []int{1, 12, 120}},
		{"one-axis", []int{120, 3}, []int{3, 1}},
		{"pool2x2", []int{4, 3, 3, 2, 2}, []int{90, 30, 4, 15, 1}},
		{"pool2x2-strided", []int{2, 5, 7, 2, 2}, []int{180, 2, 24, 1, 12}},
	} {
		for _, op := range []backend.ReduceOp{backend.Sum, backend.Mean, backend.Max, backend.Min} {
			kept := c.shape[:len(c.shape)-2]
			if c.name == "one-axis" {
				kept = c.shape[:1]
			}
			nOut := 1
			for _, n := range kept {
				nOut *= n
			}
			src := backend.Strided{Buf: buf, Shape: c.shape, Strides: c.stride}
			dst := rowMajor(make([]float32, nOut), kept...)
			b.Reduce(op, dst, src)
			got := data(dst.Buf)
			k := len(kept)
			for o := range nOut {
				off, rem := 0, o
				for ax := k - 1; ax >= 0; ax-- {
					off += (rem % kept[ax]) * c.stride[ax]
					rem /= kept[ax]
				}
				n0, s0 := 1, 0
				if len(c.shape)-k == 2 {
					n0, s0 = c.shape[k], c.stride[k]
				}
				want := reduce2(op, x[off:], n0, s0, c.shape[len(c.shape)-1], c.stride[len(c.shape)-1])
				if math.Float32bits(got[o]) != math.Float32bits(want) {
					t.Fatalf("%s %v: output %d = %v, reduce2 gives %v", c.name, op, o, got[o], want)
				}
			}
		}
	}
}

// TestIm2ColRuns checks Im2Col at stride 1 (copied runs) against the definition
// (the patch entry or 0 in the padding), padding wider than the image
// included, and that it writes nothing outside dst's elements.
func TestIm2ColRuns(t *testing.T) {
	b := New()
	for _, c := range []struct{ n, ch, h, w, k, pad int }{
		{2, 3, 7, 9, 3, 1}, {1, 1, 1, 1, 7, 3}, {1, 2, 2, 5, 5, 4}, {3, 1, 28, 28, 5, 2}, {1, 1, 4, 3, 3, 0},
	} {
		ho, wo := c.h+2*c.pad-c.k+1, c.w+2*c.pad-c.k+1
		x := make([]float32, c.n*c.ch*c.h*c.w)
		for i := range x {
			x[i] = float32(i + 1)
		}
		// dst as the tensor package lays it out: [C·k², N·H'·W'] seen as
		// [N, C, k², H', W'], with a guard element on each side.
		size := c.ch * c.k * c.k * c.n * ho * wo
		buf := make([]float32, size+2)
		buf[0], buf[size+1] = 42, 42
		np := c.n * ho * wo
		dst := backend.Strided{Buf: rowMajor(buf, len(buf)).Buf, Offset: 1, Shape: []int{c.n, c.ch, c.k * c.k, ho, wo},
			Strides: []int{ho * wo, c.k * c.k * np, np, wo, 1}}
		b.Im2Col(dst, rowMajor(x, c.n, c.ch, c.h, c.w), c.k, 1, c.pad)
		if buf[0] != 42 || buf[size+1] != 42 {
			t.Fatalf("%+v: wrote outside dst", c)
		}
		for im := range c.n {
			for ch := range c.ch {
				for tap := range c.k * c.k {
					for y := range ho {
						for xo := range wo {
							hh, ww := y+tap/c.k-c.pad, xo+tap%c.k-c.pad
							var want float32
							if hh >= 0 && hh < c.h && ww >= 0 && ww < c.w {
								want = x[((im*c.ch+ch)*c.h+hh)*c.w+ww]
							}
							got := buf[1+im*ho*wo+ch*c.k*c.k*np+tap*np+y*wo+xo]
							if got != want {
								t.Fatalf("%+v: image %d channel %d tap %d (%d,%d) = %v, want %v", c, im, ch, tap, y, xo, got, want)
							}
						}
					}
				}
			}
		}
	}
}

// TestSumAllLarge checks the sum and mean of a whole large block (cut into
// pieces summed in parallel) against a float64 sequential sum, within the
// package doc's bound plus the final rounding, and that GOMAXPROCS does not
// change the result; also through a rank-1 destination of one element.
func TestSumAllLarge(t *testing.T) {
	b := New()
	rng := rand.New(rand.NewSource(11))
	for _, n := range []int{2 * parallelMin, 1<<20 + 13} {
		x := make([]float32, n)
		var want, abs float64
		for i := range x {
			x[i] = float32(rng.NormFloat64() + 0.25)
			want += float64(x[i])
			abs += math.Abs(float64(x[i]))
		}
		for _, op := range []backend.ReduceOp{backend.Sum, backend.Mean} {
			w, a := want, abs
			if op == backend.Mean {
				w, a = want/float64(n), abs/float64(n)
			}
			var first float32
			for _, procs := range []int{1, 4} {
				prev := runtime.GOMAXPROCS(procs)
				for _, dst := range []backend.Strided{rowMajor(make([]float32, 1)), rowMajor(make([]float32, 1), 1)} {
					src := rowMajor(x, n)
					if len(dst.Shape) == 1 {
						src = rowMajor(x, 1, n)
					}
					b.Reduce(op, dst, src)
					got := data(dst.Buf)[0]
					if err := math.Abs(float64(got) - w); err > 0x1p-24*math.Abs(w)+float64(n)*0x1p-52*a {
						t.Fatalf("n=%d %v: %v, want %v", n, op, got, w)
					}
					if procs == 1 && len(dst.Shape) == 0 {
						first = got
					} else if math.Float32bits(got) != math.Float32bits(first) {
						t.Fatalf("n=%d %v: %v with %d procs (rank %d), %v with 1", n, op, got, procs, len(dst.Shape), first)
					}
				}
				runtime.GOMAXPROCS(prev)
			}
		}
	}
}
