package vec

import (
	"math"
	"testing"
)

// ulps is the distance between a and b in units in the last place:
// the number of float32 values between them, 0 for equal values or two
// NaNs, and a large number when only one is NaN.
func ulps(a, b float32) int64 {
	if a != a || b != b {
		if a != a && b != b {
			return 0
		}
		return math.MaxInt64
	}
	ord := func(x float32) int64 {
		i := int64(int32(math.Float32bits(x)))
		if i < 0 {
			i = math.MinInt32 - i
		}
		return i
	}
	d := ord(a) - ord(b)
	if d < 0 {
		d = -d
	}
	return d
}

// sampledInputs returns every 4099th float32 bit pattern (both signs,
// every exponent, denormals, infinities and NaNs), every float32 in
// [−2⁻¹², 2⁻¹²] spaced by 2⁻³⁰ and the special values.
func sampledInputs() []float32 {
	var in []float32
	for b := uint64(0); b < 1<<32; b += 4099 {
		in = append(in, math.Float32frombits(uint32(b)))
	}
	for x := -0x1p-12; x <= 0x1p-12; x += 0x1p-30 {
		in = append(in, float32(x))
	}
	return append(in, specials...)
}

// TestTranscendentals compares Exp, Sigmoid and Tanh with the float64
// functions of package math rounded once: at most 1 ulp apart, and equal
// for all but a few in a million inputs (those within 2⁻⁵⁰ of a rounding
// midpoint). Special values must match exactly.
func TestTranscendentals(t *testing.T) {
	in := sampledInputs()
	fns := []struct {
		name string
		f    func(d, a []float32)
		ref  func(float64) float64
	}{
		{"exp", Exp, math.Exp},
		{"sigmoid", Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
		{"tanh", Tanh, math.Tanh},
	}
	for _, fn := range fns {
		want := make([]float32, len(in))
		for i, x := range in {
			want[i] = float32(fn.ref(float64(x)))
		}
		t.Run(fn.name, func(t *testing.T) {
			eachImpl(t, func(t *testing.T) {
				got := make([]float32, len(in))
				fn.f(got, in)
				off := 0
				for i, x := range in {
					u := ulps(got[i], want[i])
					special := x != x || math.IsInf(float64(x), 0) || x == 0 || math.IsInf(float64(want[i]), 0) || want[i] == 0
					if u > 1 || special && u != 0 || (x == 0 || want[i] == 0) && math.Signbit(float64(got[i])) != math.Signbit(float64(want[i])) {
						t.Fatalf("%s(%v) = %v, want %v (%d ulp)", fn.name, x, got[i], want[i], u)
					}
					if u != 0 {
						off++
					}
				}
				if off*100000 > len(in) {
					t.Errorf("%s: %d of %d results differ from the rounded float64 result by 1 ulp", fn.name, off, len(in))
				}
				t.Logf("%s: %d of %d results 1 ulp off", fn.name, off, len(in))
			})
		})
	}
}

// TestSoftmaxHelpers checks ExpSum, ScaleConvert and ShiftConvert against
// their definitions on rows with a maximum subtracted, including −Inf
// entries and a NaN row.
func TestSoftmaxHelpers(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		for _, n := range lengths {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(math.Sin(float64(i)*1.7) * 30)
				if i%11 == 5 {
					x[i] = float32(math.Inf(-1))
				}
			}
			m := float32(math.Inf(-1))
			for _, v := range x {
				m = max(m, v)
			}
			e := make([]float64, n)
			sum := ExpSum(e, x, m)
			var want float64
			for i, v := range x {
				w := math.Exp(max(float64(v-m), -120))
				want += w
				if math.Abs(e[i]-w) > 0x1p-50*w {
					t.Fatalf("n=%d: e[%d] = %v, want %v", n, i, e[i], w)
				}
			}
			if math.Abs(sum-want) > 0x1p-48*want {
				t.Fatalf("n=%d: ExpSum = %v, want %v", n, sum, want)
			}
			d := make([]float32, n)
			ScaleConvert(d, e, 1/sum)
			for i := range d {
				if w := float32(e[i] * (1 / sum)); d[i] != w {
					t.Fatalf("n=%d: ScaleConvert d[%d] = %v, want %v", n, i, d[i], w)
				}
			}
			ls := math.Log(sum)
			ShiftConvert(d, x, m, ls)
			for i, v := range x {
				if w := float32(float64(v-m) - ls); d[i] != w {
					t.Fatalf("n=%d: ShiftConvert d[%d] = %v, want %v", n, i, d[i], w)
				}
			}
		}
	})
}
