package tensor

import (
	"errors"
	"math"
	"testing"

	"github.com/vktensor/vktensor/tensor/cpu"
)

// Shapes whose element count does not fit are *ShapeError panics on every
// shape-making path, before anything is allocated or recursed into.
func TestSizesOverflow(t *testing.T) {
	huge := Scalar(1).BroadcastTo(1 << 60) // a valid view of 2^60 elements
	cases := []struct {
		what string
		f    func()
		op   string
	}{
		{"Zeros(1<<32, 1<<32)", func() { Zeros(1<<32, 1<<32) }, "Full"},
		{"Zeros(3, 1<<62)", func() { Zeros(3, 1<<62) }, "Full"},
		{"Zeros(0, 1<<62, 1<<62)", func() { Zeros(0, 1<<62, 1<<62) }, "Full"},
		{"Zeros(1<<61)", func() { Zeros(1 << 61) }, "Full"},
		{"Ones(MaxInt)", func() { Ones(math.MaxInt) }, "Full"},
		{"Normal(1<<40, 1<<40)", func() { Normal(NewRNG(1), 0, 1, 1<<40, 1<<40) }, "Normal"},
		{"FromSlice(nil, 1<<32, 1<<32)", func() { FromSlice(nil, 1<<32, 1<<32) }, "FromSlice"},
		{"Eye(1<<40)", func() { Eye(1 << 40) }, "Full"},
		{"Reshape(1<<62+3, 4)", func() { Arange(0, 12, 1).Reshape(1<<62+3, 4) }, "Reshape"},
		{"Reshape(-1, 1<<62, 1<<62) of 12", func() { Arange(0, 12, 1).Reshape(-1, 1<<62, 1<<62) }, "Reshape"},
		{"Reshape(0, 1<<62, 1<<62) of 0", func() { Zeros(0).Reshape(0, 1<<62, 1<<62) }, "Reshape"},
		{"transposed Reshape(1<<62+3, 4)", func() { Zeros(3, 4).T().Reshape(1<<62+3, 4) }, "Reshape"},
		{"BroadcastTo(1<<62, 4)", func() { Scalar(1).BroadcastTo(1<<62, 4) }, "BroadcastTo"},
		{"Expand(1<<32, -1, 1<<32)", func() { Zeros(1, 3, 1).Expand(1<<32, -1, 1<<32) }, "BroadcastTo"},
		{"Add broadcast to 2^120", func() { huge.Reshape(1<<60, 1).Add(huge) }, "Add"},
		{"BroadcastShapes to 2^80", func() {
			if _, err := BroadcastShapes("Op", []int{1 << 40, 1}, []int{1 << 40}); err != nil {
				panic(err)
			}
		}, "Op"},
		{"Where broadcast to 2^80", func() { Where(huge.Reshape(1<<60, 1), huge, Scalar(0)) }, "Where"},
		{"MatMul to 2^100", func() {
			a := Scalar(1).BroadcastTo(1<<30, 1<<30, 1, 1)
			b := Scalar(1).BroadcastTo(1, 1, 1, 1<<40)
			a.MatMul(b)
		}, "MatMul"},
		{"Linear to 2^80", func() {
			x := Scalar(1).BroadcastTo(1<<40, 1)
			w := Scalar(1).BroadcastTo(1<<40, 1)
			Linear(x, w, nil)
		}, "Linear"},
		{"Concat of 2^61", func() { Concat(0, huge, huge) }, "Concat"},
		{"Concat of 3·2^60", func() { Concat(0, huge, huge, huge) }, "Concat"},
		{"Concat past MaxInt", func() { Concat(0, Scalar(1).BroadcastTo(maxSize), Scalar(1).BroadcastTo(maxSize)) }, "Concat"},
		{"Stack of 2·2^60", func() { Stack(0, huge, huge) }, "Stack"},
		{"Stack(-1) of 2·2^60", func() { Stack(-1, huge, huge) }, "Stack"},
		{"Unfold kernel² overflow", func() { Zeros(1, 1, 1, 1).Unfold(1<<40, 1, 1<<40) }, "Unfold"},
		{"Unfold padding MaxInt", func() { Zeros(1, 1, 1, 1).Unfold(3, 1, math.MaxInt) }, "Unfold"},
		{"Im2Col kernel MaxInt", func() { Zeros(1, 1, 1, 1).Im2Col(math.MaxInt, 1, 0) }, "Im2Col"},
		{"Unfold of 2^62 patches", func() { huge.Reshape(1, 1, 1<<30, 1<<30).Unfold(1, 1, 1<<40) }, "Unfold"},
		{"Arange(0, 1e300, 1e-300)", func() { Arange(0, 1e300, 1e-300) }, "Arange"},
		{"Arange(-MaxFloat64, MaxFloat64, 1)", func() { Arange(-math.MaxFloat64, math.MaxFloat64, 1) }, "Arange"},
		{"Arange(0, +Inf, 1)", func() { Arange(0, math.Inf(1), 1) }, "Arange"},
		{"Arange(-Inf, 0, 1)", func() { Arange(math.Inf(-1), 0, 1) }, "Arange"},
		{"Arange(NaN, 1, 1)", func() { Arange(math.NaN(), 1, 1) }, "Arange"},
		{"Arange(0, NaN, 1)", func() { Arange(0, math.NaN(), 1) }, "Arange"},
		{"Arange(0, 1, +Inf)", func() { Arange(0, 1, math.Inf(1)) }, "Arange"},
		{"Narrow(0, 5, MaxInt)", func() { Arange(0, 10, 1).Narrow(0, 5, math.MaxInt) }, "Narrow"},
		{"Index(0, 1<<61) of 2^60", func() { huge.Index(0, 1<<61) }, "Index"},
		{"Index(0, MinInt)", func() { huge.Index(0, math.MinInt) }, "Index"},
	}
	for _, c := range cases {
		expectShapeError(t, c.what, c.f, c.op)
	}
}

// Sizes that do fit, at the edges of the checks.
func TestSizesThatFit(t *testing.T) {
	huge := Scalar(7).BroadcastTo(1 << 60)
	if got := huge.Index(0, 1<<59); mustItem(t, got) != 7 {
		t.Errorf("Index of a 2^60-element view: %v", got)
	}
	if got := huge.Index(0, -1); mustItem(t, got) != 7 {
		t.Errorf("Index(-1) of a 2^60-element view: %v", got)
	}
	if s := huge.Reshape(1<<30, -1).Shape(); s[0] != 1<<30 || s[1] != 1<<30 {
		t.Errorf("Reshape(1<<30, -1) of 2^60: %v", s)
	}
	if s := Zeros(0, 1<<30, 1<<30).Shape(); s[2] != 1<<30 {
		t.Errorf("Zeros(0, 1<<30, 1<<30): %v", s)
	}
	x := Arange(0, 10, 1)
	for _, step := range []int{math.MaxInt, math.MaxInt - 1, 1 << 62, 10, 11} {
		if got := readData(t, x.Slice(0, 0, 10, step)); len(got) != 1 || got[0] != 0 {
			t.Errorf("Slice(0, 0, 10, %d) = %v, want [0]", step, got)
		}
	}
	if got := readData(t, x.Slice(0, 3, math.MaxInt, 1<<62)); len(got) != 1 || got[0] != 3 {
		t.Errorf("Slice(0, 3, MaxInt, 1<<62) = %v, want [3]", got)
	}
	if got := readData(t, x.Slice(0, math.MinInt, math.MaxInt, 4)); len(got) != 3 || got[2] != 8 {
		t.Errorf("Slice(0, MinInt, MaxInt, 4) = %v, want [0 4 8]", got)
	}
	if got := readData(t, x.Narrow(0, 10, 0)); len(got) != 0 {
		t.Errorf("Narrow(0, 10, 0) = %v", got)
	}
	// Empty tensors beside a huge axis read and copy as empty (found by
	// FuzzViewChain: the CPU transpose copy divided by an overflowed block
	// count).
	for _, e := range []*Tensor{Zeros(0, 1).BroadcastTo(0, 1<<60), Zeros(1, 0).BroadcastTo(1<<60, 0).T()} {
		if got := readData(t, e); len(got) != 0 {
			t.Errorf("%v: %d elements", e.Shape(), len(got))
		}
		if got := readData(t, e.Contiguous()); len(got) != 0 {
			t.Errorf("%v contiguous: %d elements", e.Shape(), len(got))
		}
	}
	// A reshape that needs a copy, of a tensor that carries an error, must
	// not recurse: it keeps the error.
	bad := Zeros(1<<40, 2).T()
	if err := bad.Reshape(-1).Err(); !errors.Is(err, cpu.ErrOutOfMemory) {
		t.Errorf("Reshape of a failed transposed tensor: Err %v, want cpu.ErrOutOfMemory", err)
	}
}

func mustItem(t *testing.T, x *Tensor) float32 {
	t.Helper()
	v, err := x.Item()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// An allocation larger than the CPU backend's memory limit is an error the
// tensor carries, not a crash of the process.
func TestCPUOutOfMemory(t *testing.T) {
	x := Zeros(1 << 40) // 4 TiB
	if err := x.Err(); !errors.Is(err, cpu.ErrOutOfMemory) {
		t.Fatalf("Zeros(1<<40).Err() = %v, want cpu.ErrOutOfMemory", err)
	}
	if _, err := x.Data(); !errors.Is(err, cpu.ErrOutOfMemory) {
		t.Errorf("Data: %v", err)
	}
	if err := x.AddScalar(1).Sum().Err(); !errors.Is(err, cpu.ErrOutOfMemory) {
		t.Errorf("computed from it: %v", err)
	}

	prev := cpu.SetMemoryLimit(1 << 20)
	defer cpu.SetMemoryLimit(prev)
	if got := cpu.MemoryLimit(); got != 1<<20 {
		t.Fatalf("MemoryLimit = %d after SetMemoryLimit(1<<20)", got)
	}
	if err := Zeros(1 << 18).Err(); err != nil { // exactly 1 MiB
		t.Errorf("Zeros(1<<18) under a 1 MiB limit: %v", err)
	}
	if err := Zeros(1<<18 + 1).Err(); !errors.Is(err, cpu.ErrOutOfMemory) {
		t.Errorf("Zeros(1<<18+1) under a 1 MiB limit: %v, want cpu.ErrOutOfMemory", err)
	}
	if got := cpu.SetMemoryLimit(0); got != 1<<20 {
		t.Errorf("SetMemoryLimit returned %d, want the previous 1<<20", got)
	}
	if got := cpu.MemoryLimit(); got <= 1<<20 {
		t.Errorf("default limit %d after SetMemoryLimit(0)", got)
	}
}
