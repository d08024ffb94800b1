package linalg_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/vktensor/vktensor/linalg"
	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/cpu"
)

// wantErr checks that x carries an *Error of op for batch entry batch,
// wrapping kind, and that Data returns it.
func wantErr(t *testing.T, x *tensor.Tensor, op string, batch int, kind error) {
	t.Helper()
	var le *linalg.Error
	if !errors.As(x.Err(), &le) {
		t.Fatalf("%s: Err() = %v, want a *linalg.Error", op, x.Err())
	}
	if le.Op != op || le.Batch != batch || !errors.Is(x.Err(), kind) {
		t.Errorf("%s: got %+v (%v), want op %s, batch %d, kind %v", op, le, le, op, batch, kind)
	}
	if d, err := x.Data(); err == nil || d != nil {
		t.Errorf("%s: Data() = %v, %v; want the error", op, d, err)
	}
	if !strings.Contains(le.Error(), "linalg."+op) {
		t.Errorf("message %q does not name the op", le.Error())
	}
}

func TestRuntimeErrors(t *testing.T) {
	d := tensor.On(cpu.New())
	// Batch [2, 2] of 3×3; entry [1, 0] (flat 2) is singular.
	data := make([]float32, 4*9)
	for b := range 4 {
		for i := range 3 {
			data[b*9+i*3+i] = float32(b + 1)
		}
	}
	sing := slices.Clone(data)
	copy(sing[2*9:3*9], []float32{1, 2, 3, 2, 4, 6, 0, 1, 1}) // row 1 = 2·row 0
	a := d.FromSlice(sing, 2, 2, 3, 3)
	b := d.Ones(2, 2, 3, 1)

	x := linalg.Solve(a, b)
	wantErr(t, x, "Solve", 2, linalg.ErrSingular)
	var le *linalg.Error
	errors.As(x.Err(), &le)
	if !slices.Equal(le.Index, []int{1, 0}) {
		t.Errorf("Solve: Index %v, want [1 0]", le.Index)
	}
	// Results computed from a failed result carry its error.
	if err := x.MulScalar(2).Sum().Err(); !errors.Is(err, linalg.ErrSingular) {
		t.Errorf("op on a failed result: Err() = %v", err)
	}
	wantErr(t, linalg.Inv(a), "Inv", 2, linalg.ErrSingular)

	// Det and SlogDet of a singular matrix are answers, not errors.
	det := linalg.Det(a)
	dd, err := det.Data()
	if err != nil || dd[2] != 0 || dd[0] != 1 || dd[3] != 64 {
		t.Errorf("Det = %v, %v; want [1 8 0 64]", dd, err)
	}
	sign, logabs := linalg.SlogDet(a)
	sd, _ := sign.Data()
	ld, _ := logabs.Data()
	if sd[2] != 0 || !math.IsInf(float64(ld[2]), -1) || sd[3] != 1 || math.Abs(float64(ld[3])-math.Log(64)) > 1e-6 {
		t.Errorf("SlogDet = %v, %v", sd, ld)
	}

	// Cholesky: batch entry 1 is indefinite.
	spd := d.FromSlice([]float32{4, 2, 2, 3, 1, 2, 2, 1}, 2, 2, 2)
	wantErr(t, linalg.Cholesky(spd), "Cholesky", 1, linalg.ErrNotPositiveDefinite)
	// A NaN is not positive definite either, rather than a NaN result.
	nan := float32(math.NaN())
	wantErr(t, linalg.Cholesky(d.FromSlice([]float32{1, 0, nan, 1}, 2, 2)), "Cholesky", 0, linalg.ErrNotPositiveDefinite)

	// Lstsq: rank-deficient columns.
	rd := d.FromSlice([]float32{1, 2, 2, 4, 3, 6}, 3, 2)
	wantErr(t, linalg.Lstsq(rd, d.Ones(3)), "Lstsq", 0, linalg.ErrRankDeficient)
	wantErr(t, linalg.Lstsq(rd.T(), d.Ones(2)), "Lstsq", 0, linalg.ErrRankDeficient)
	// ... while Pinv answers with the minimum-norm solution: x = A⁺·1.
	x1 := linalg.Pinv(rd).MatMul(d.Ones(3))
	got, err := x1.Data()
	// A = [1 2]ᵀ⊗... columns are c and 2c with c = (1, 2, 3): A⁺·1 = (1, 2)·(c·1)/(5·|c|²).
	want := []float64{6.0 / 70, 12.0 / 70}
	if err != nil || math.Abs(float64(got[0])-want[0]) > 1e-6 || math.Abs(float64(got[1])-want[1]) > 1e-6 {
		t.Errorf("Pinv·1 = %v, %v; want %v", got, err, want)
	}

	// A failure carried by the input is carried by the results.
	failed := tensor.WithErr(d.Eye(3), linalg.ErrNoConvergence)
	for name, r := range map[string]*tensor.Tensor{
		"Solve": linalg.Solve(failed, d.Ones(3)), "Inv": linalg.Inv(failed), "Det": linalg.Det(failed),
		"Cholesky": linalg.Cholesky(failed), "Pinv": linalg.Pinv(failed), "MatrixNorm": linalg.MatrixNorm(failed, "2"),
		"VectorNorm": linalg.VectorNorm(failed, 2), "Lstsq": linalg.Lstsq(failed, d.Ones(3)),
	} {
		if !errors.Is(r.Err(), linalg.ErrNoConvergence) {
			t.Errorf("%s of a failed input: Err() = %v", name, r.Err())
		}
	}
	q, _ := linalg.QR(failed)
	w, _ := linalg.Eigh(failed)
	_, s, _ := linalg.SVD(failed)
	for _, r := range []*tensor.Tensor{q, w, s} {
		if !errors.Is(r.Err(), linalg.ErrNoConvergence) {
			t.Errorf("decomposition of a failed input: Err() = %v", r.Err())
		}
	}
}

func TestShapeErrors(t *testing.T) {
	d := tensor.On(cpu.New())
	sq, rect, vec := d.Eye(3), d.Ones(3, 2), d.Ones(3)
	mustPanicShape(t, "Solve non-square", func() { linalg.Solve(rect, vec) })
	mustPanicShape(t, "Solve rows", func() { linalg.Solve(sq, d.Ones(2)) })
	mustPanicShape(t, "Solve batch", func() { linalg.Solve(d.Ones(2, 3, 3), d.Ones(3, 3, 1)) })
	mustPanicShape(t, "Solve 1-D A", func() { linalg.Solve(vec, vec) })
	mustPanicShape(t, "Inv", func() { linalg.Inv(rect) })
	mustPanicShape(t, "Det", func() { linalg.Det(vec) })
	mustPanicShape(t, "Cholesky", func() { linalg.Cholesky(rect) })
	mustPanicShape(t, "Eigh", func() { linalg.Eigh(rect) })
	mustPanicShape(t, "QR", func() { linalg.QR(vec) })
	mustPanicShape(t, "SVD", func() { linalg.SVD(vec) })
	mustPanicShape(t, "Lstsq rows", func() { linalg.Lstsq(rect, d.Ones(2)) })
	mustPanicShape(t, "MatrixNorm ord", func() { linalg.MatrixNorm(sq, "3") })
	mustPanicShape(t, "VectorNorm axis", func() { linalg.VectorNorm(sq, 2, 2) })
	mustPanicShape(t, "VectorNorm repeated axis", func() { linalg.VectorNorm(sq, 2, 0, -2) })
}

func TestEdgeShapes(t *testing.T) {
	d := tensor.On(cpu.New())
	// 0×0 matrices: det 1, empty inverses and factors.
	e := d.Zeros(2, 0, 0)
	if dd, err := linalg.Det(e).Data(); err != nil || !slices.Equal(dd, []float32{1, 1}) {
		t.Errorf("Det of 0×0 = %v, %v", dd, err)
	}
	for _, r := range []*tensor.Tensor{linalg.Inv(e), linalg.Cholesky(e), linalg.Solve(e, d.Zeros(2, 0))} {
		if r.Err() != nil || r.Size() != 0 {
			t.Errorf("0×0: %v, %v", r.Shape(), r.Err())
		}
	}
	// An empty batch.
	if x := linalg.Solve(d.Zeros(0, 3, 3), d.Zeros(0, 3)); !slices.Equal(x.Shape(), []int{0, 3}) || x.Err() != nil {
		t.Errorf("empty batch: %v, %v", x.Shape(), x.Err())
	}
	// Broadcast batch axes: one A for a batch of B, and non-contiguous views.
	a := d.FromSlice([]float32{2, 1, 1, 3}, 2, 2)
	bb := d.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 3, 2).T() // [2, 3]: three right-hand sides
	x := linalg.Solve(a.Unsqueeze(0), bb.Unsqueeze(0).Expand(4, 2, 3))
	if !slices.Equal(x.Shape(), []int{4, 2, 3}) {
		t.Fatalf("broadcast Solve: shape %v", x.Shape())
	}
	got, _ := x.Data()
	// A⁻¹ = [[3 −1] [−1 2]]/5; B columns (1,2), (3,4), (5,6).
	want := []float64{1.0 / 5, 5.0 / 5, 9.0 / 5, 3.0 / 5, 5.0 / 5, 7.0 / 5}
	for i, v := range got {
		if math.Abs(float64(v)-want[i%6]) > 1e-6 {
			t.Fatalf("broadcast Solve = %v, want %v repeated", got, want)
		}
	}
	// VectorNorm over all axes, one axis, and the special ords.
	v := d.FromSlice([]float32{3, -4, 0, 12}, 2, 2)
	cases := []struct {
		ord  float64
		axes []int
		want []float32
	}{
		{2, nil, []float32{13}}, {1, nil, []float32{19}}, {math.Inf(1), nil, []float32{12}},
		{math.Inf(-1), nil, []float32{0}}, {0, nil, []float32{3}}, {2, []int{-1}, []float32{5, 12}},
		{1, []int{0}, []float32{3, 16}}, {3, []int{1}, []float32{float32(math.Cbrt(91)), 12}},
	}
	for _, c := range cases {
		r := linalg.VectorNorm(v, c.ord, c.axes...)
		got, err := r.Data()
		if err != nil || len(got) != len(c.want) {
			t.Fatalf("VectorNorm(%v, %v) = %v, %v", c.ord, c.axes, got, err)
		}
		for i := range got {
			if math.Abs(float64(got[i]-c.want[i])) > 1e-5 {
				t.Errorf("VectorNorm(%v, %v) = %v, want %v", c.ord, c.axes, got, c.want)
			}
		}
		if len(c.axes) == 0 && r.Rank() != 0 {
			t.Errorf("VectorNorm over every axis: rank %d, want 0", r.Rank())
		}
	}
}

// TestDTypes checks inputs of other dtypes compute as their Float32
// conversion and give Float32 results.
func TestDTypes(t *testing.T) {
	a := tensor.FromSlice([]float32{4, 1, 1, 3}, 2, 2)
	want, err := linalg.Inv(a).Data()
	if err != nil {
		t.Fatal(err)
	}
	for _, dt := range []tensor.DType{tensor.BFloat16, tensor.Float16, tensor.Int32} {
		got := linalg.Inv(a.AsType(dt))
		d, err := got.Data()
		if err != nil || got.DType() != tensor.Float32 || !slices.Equal(d, want) {
			t.Errorf("Inv of %v: %v %v (%v), want %v", dt, d, err, got.DType(), want)
		}
	}
}
