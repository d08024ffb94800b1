package cpu

import (
	"math"
	"runtime"
	"slices"
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/internal/raw"
)

// The tensor package's tests check the backend through the public API
// against a float64 reference; these cover what that API does not reach
// (ScatterAdd, accumulate, in-place ops, error returns) and the serial and
// parallel paths agreeing.

var _ backend.Backend = (*Backend)(nil)

func strided(data []float32, off int, shape, strides []int) backend.Strided {
	return backend.Strided{Buf: &buffer{f: data}, Offset: off, Shape: shape, Strides: strides}
}

func rowMajor(data []float32, shape ...int) backend.Strided {
	return contiguous(&buffer{f: data}, shape)
}

func seq(n int) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(i%97) - 40
	}
	return d
}

func TestWriteReadErrors(t *testing.T) {
	b := New()
	buf, err := b.Alloc(backend.Float32, 4)
	if err != nil || buf.Len() != 4 {
		t.Fatalf("Alloc: %v %v", buf, err)
	}
	if _, err := b.Alloc(backend.Float32, -1); err == nil {
		t.Errorf("Alloc(-1) succeeded")
	}
	if err := b.Write(buf, 2, raw.Bytes([]float32{1, 2, 3})); err == nil {
		t.Errorf("Write past the end succeeded")
	}
	if err := b.Write(buf, -1, raw.Bytes([]float32{1})); err == nil {
		t.Errorf("Write at -1 succeeded")
	}
	if err := b.Write(buf, 1, raw.Bytes([]float32{5, 6})); err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, 3)
	if err := b.Read(raw.Bytes(dst), backend.Strided{Buf: buf, Shape: []int{2}, Strides: []int{1}}); err == nil {
		t.Errorf("Read with a wrong-size destination succeeded")
	}
	if err := b.Read(raw.Bytes(dst), backend.Strided{Buf: buf, Offset: 1, Shape: []int{3}, Strides: []int{1}}); err != nil || !slices.Equal(dst, []float32{5, 6, 0}) {
		t.Errorf("Read: %v %v", dst, err)
	}
	if err := b.Sync(); err != nil {
		t.Error(err)
	}
	b.Free(buf)
	if buf.Len() != 0 {
		t.Errorf("Free kept the memory")
	}
}

// TestInPlace checks elementwise ops whose destination is their source,
// which the backend contract allows.
func TestInPlace(t *testing.T) {
	b := New()
	d := seq(12)
	want := make([]float32, 12)
	for i, v := range d {
		want[i] = v*2 + v
	}
	x := strided(d, 0, []int{3, 4}, []int{1, 3}) // transposed view of the buffer
	tmp := strided(make([]float32, 12), 0, []int{3, 4}, []int{1, 3})
	b.Unary(backend.AffineS, tmp, x, 2, 0)
	b.Binary(backend.Add, x, tmp, x)
	if !slices.Equal(d, want) {
		t.Errorf("in-place Binary: %v, want %v", d, want)
	}
	b.Unary(backend.Neg, x, x, 0, 0)
	for i := range want {
		if d[i] != -want[i] {
			t.Fatalf("in-place Unary: element %d is %v, want %v", i, d[i], -want[i])
		}
	}
}

func TestMatMulAccumulate(t *testing.T) {
	b := New()
	a := rowMajor([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	m := rowMajor([]float32{1, 0, 0, 1, 1, 1}, 3, 2)
	dst := rowMajor([]float32{10, 20, 30, 40}, 2, 2)
	b.MatMul(dst, a, m, true)
	if got := data(dst.Buf); !slices.Equal(got, []float32{14, 25, 40, 51}) {
		t.Errorf("accumulate: %v", got)
	}
	b.MatMul(dst, a, m, false)
	if got := data(dst.Buf); !slices.Equal(got, []float32{4, 5, 10, 11}) {
		t.Errorf("overwrite: %v", got)
	}
	// K = 0 writes zeros (or leaves dst when accumulating).
	z := rowMajor(nil, 2, 0)
	zz := rowMajor(nil, 0, 2)
	b.MatMul(dst, z, zz, true)
	if got := data(dst.Buf); !slices.Equal(got, []float32{4, 5, 10, 11}) {
		t.Errorf("K=0 accumulate: %v", got)
	}
	b.MatMul(dst, z, zz, false)
	if got := data(dst.Buf); !slices.Equal(got, []float32{0, 0, 0, 0}) {
		t.Errorf("K=0: %v", got)
	}
}

func TestScatterAddGather(t *testing.T) {
	b := New()
	// dst [3 2], src/idx [4 2] along axis 0 with repeated indices.
	dst := rowMajor(make([]float32, 6), 3, 2)
	src := rowMajor([]float32{1, 2, 3, 4, 5, 6, 7, 8}, 4, 2)
	idx := rowMajor([]float32{0, 2, 0, 2, 1, 1, 0, 0}, 4, 2)
	b.ScatterAdd(dst, src, idx, 0)
	want := make([]float32, 6)
	s, x := data(src.Buf), data(idx.Buf)
	for i := range 4 {
		for j := range 2 {
			want[int(x[i*2+j])*2+j] += s[i*2+j]
		}
	}
	if got := data(dst.Buf); !slices.Equal(got, want) {
		t.Errorf("ScatterAdd: %v, want %v", got, want)
	}
	// Gather is its adjoint: <Gather(d), s> == <d, ScatterAdd(s)>.
	g := rowMajor(make([]float32, 8), 4, 2)
	d := rowMajor([]float32{1, -2, 3, -4, 5, -6}, 3, 2)
	b.Gather(g, d, idx, 0)
	var lhs, rhs float32
	for i, v := range data(g.Buf) {
		lhs += v * s[i]
	}
	for i, v := range data(d.Buf) {
		rhs += v * want[i]
	}
	if lhs != rhs {
		t.Errorf("Gather/ScatterAdd not adjoint: %v vs %v", lhs, rhs)
	}
}

func TestSoftmaxScalarAndReduceArg(t *testing.T) {
	b := New()
	out := rowMajor(make([]float32, 1))
	b.Softmax(out, rowMajor([]float32{3}), false)
	b2 := rowMajor(make([]float32, 1))
	b.Softmax(b2, rowMajor([]float32{3}), true)
	if data(out.Buf)[0] != 1 || data(b2.Buf)[0] != 0 {
		t.Errorf("scalar softmax %v, log %v", data(out.Buf)[0], data(b2.Buf)[0])
	}
	// ArgMax over a transposed block reports the row-major index of the
	// block as given, not as stored.
	src := strided([]float32{0, 9, 1, 9}, 0, []int{2, 2}, []int{1, 2}) // [[0 1] [9 9]]
	dst := rowMajor(make([]float32, 1))
	b.Reduce(backend.ArgMax, dst, src)
	if got := data(dst.Buf)[0]; got != 2 {
		t.Errorf("ArgMax of [[0 1] [9 9]] = %v, want 2", got)
	}
	nan := float32(math.NaN())
	b.Reduce(backend.ArgMin, dst, rowMajor([]float32{3, nan, -1, nan}, 4))
	if got := data(dst.Buf)[0]; got != 1 {
		t.Errorf("ArgMin with NaN = %v, want 1", got)
	}
}

// TestParallelMatchesSerial runs ops over the parallel threshold with
// GOMAXPROCS 1 and with several procs and compares the results bit for bit.
func TestParallelMatchesSerial(t *testing.T) {
	b := New()
	n := parallelMin*2 + 37
	src := strided(seq(2*n), 1, []int{n / 37, 37}, []int{37 * 2, 2}) // stepped
	run := func() [][]float32 {
		var outs [][]float32
		for _, op := range []backend.UnaryOp{backend.Exp, backend.Tanh, backend.AffineS} {
			d := rowMajor(make([]float32, src.Size()), src.Shape...)
			b.Unary(op, d, src, 0.5, 1)
			outs = append(outs, data(d.Buf))
		}
		red := rowMajor(make([]float32, n/37), n/37)
		b.Reduce(backend.Sum, red, src)
		sm := rowMajor(make([]float32, src.Size()), src.Shape...)
		b.Softmax(sm, src, false)
		rnd := rowMajor(make([]float32, n), n)
		b.Random(rnd, backend.Normal, 3, 4, 0, 1)
		return append(outs, data(red.Buf), data(sm.Buf), data(rnd.Buf))
	}
	prev := runtime.GOMAXPROCS(1)
	serial := run()
	runtime.GOMAXPROCS(max(prev, 4))
	par := run()
	runtime.GOMAXPROCS(prev)
	for i := range serial {
		for j := range serial[i] {
			if math.Float32bits(serial[i][j]) != math.Float32bits(par[i][j]) {
				t.Fatalf("output %d element %d: serial %v, parallel %v", i, j, serial[i][j], par[i][j])
			}
		}
	}
}

func TestIterCoalesces(t *testing.T) {
	// A contiguous [2 3 4] with a broadcast row operand merges into one
	// axis for the first and keeps two for the second.
	a := backend.Strided{Shape: []int{2, 3, 4}, Strides: []int{12, 4, 1}}
	it := newIter(a.Shape, a)
	if !slices.Equal(it.shape, []int{24}) {
		t.Errorf("contiguous: shape %v", it.shape)
	}
	bc := backend.Strided{Shape: []int{2, 3, 4}, Strides: []int{0, 4, 1}}
	it = newIter(a.Shape, a, bc)
	if !slices.Equal(it.shape, []int{2, 12}) {
		t.Errorf("broadcast: shape %v", it.shape)
	}
	// Walking visits every linear index once, in order.
	next := 0
	it.walk(0, it.size, func(lin int, off *[maxOps]int, n int) {
		if lin != next {
			t.Fatalf("walk jumped from %d to %d", next, lin)
		}
		next += n
	})
	if next != 24 {
		t.Errorf("walk covered %d elements", next)
	}
}
