package tensor

import (
	"math"
	"slices"
	"testing"
)

// FuzzPromotion combines two tensors of fuzzed dtypes, shapes and values
// with a fuzzed op and checks the result's dtype against Promote (and the
// rules for Div, Mean and Scalar ops) and its values against the same op
// on operands converted to that dtype first: promotion is conversion, then
// the op.
func FuzzPromotion(f *testing.F) {
	f.Add([]byte{0, 1, 0, 3, 2, 1, 7, 9, 200, 13})
	f.Add([]byte{3, 3, 2, 2, 0, 5, 255, 128, 1, 0, 0, 0, 77})
	f.Add([]byte{1, 2, 4, 1, 3, 1, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &byteReader{b: data}
		dts := []DType{Float32, Float16, BFloat16, Int32}
		da, db := dts[r.next()%4], dts[r.next()%4]
		op := r.next() % 7
		n := r.next() % 6
		m := 1 + r.next()%3 // b is [m, n] or [n] broadcast against a [m, n]
		av, bv := make([]float32, m*n), make([]float32, n)
		val := func() float32 {
			switch b := r.next(); {
			case b == 255:
				return float32(math.Inf(1))
			case b == 254:
				return float32(math.NaN())
			case b > 200:
				return float32(int32(b)<<24 | int32(r.next())<<8) // large integers
			default:
				return float32(b-100) / float32(1+r.next()%8)
			}
		}
		for i := range av {
			av[i] = val()
		}
		for i := range bv {
			bv[i] = val()
		}
		a := FromSlice(av, m, n).AsType(da)
		b := FromSlice(bv, n).AsType(db)
		want := Promote(da, db)
		var got, ref *Tensor
		switch op {
		case 0:
			got, ref = a.Add(b), a.AsType(want).Add(b.AsType(want))
		case 1:
			got, ref = a.Mul(b), a.AsType(want).Mul(b.AsType(want))
		case 2:
			want = floatOf(want)
			got, ref = a.Div(b), a.AsType(want).Div(b.AsType(want))
		case 3:
			got, ref = a.Maximum(b), a.AsType(want).Maximum(b.AsType(want))
		case 4:
			got, ref = Where(a.GtScalar(0), a, b), Where(a.GtScalar(0), a.AsType(want), b.AsType(want))
		case 5:
			got, ref = Concat(0, a, b.Reshape(1, n)), Concat(0, a.AsType(want), b.AsType(want).Reshape(1, n))
		case 6:
			want = floatOf(da)
			got, ref = a.Mean(1), a.AsType(want).Mean(1)
		}
		if got.DType() != want || ref.DType() != want {
			t.Fatalf("op %d on %v and %v: dtype %v (reference %v), want %v", op, da, db, got.DType(), ref.DType(), want)
		}
		gb, err1 := got.Bytes()
		rb, err2 := ref.Bytes()
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if !slices.Equal(gb, rb) && !nanEqual(got, ref) {
			t.Fatalf("op %d on %v %v and %v %v: %v, want %v", op, da, av, db, bv, got, ref)
		}
	})
}

// nanEqual reports whether two float tensors hold the same values, NaNs of
// any payload counting as equal.
func nanEqual(x, y *Tensor) bool {
	a, _ := x.Data()
	b, _ := y.Data()
	for i := range a {
		if a[i] != b[i] && !(a[i] != a[i] && b[i] != b[i]) {
			return false
		}
	}
	return len(a) == len(b)
}
