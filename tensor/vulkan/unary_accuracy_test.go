package vulkan

import (
	"math"
	"math/rand"
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
)

// ulpErr is |got - want| in units of the float32 ulp at want (want in
// float64, so that the result's own rounding counts: a correctly rounded
// result is within 0.5). Below the smallest normal the ulp is 2^-149.
func ulpErr(got float32, want float64) float64 {
	a := math.Abs(want)
	u := 0x1p-149
	if a >= 0x1p-126 {
		_, e := math.Frexp(a) // a = f * 2^e, f in [0.5, 1)
		u = math.Ldexp(1, e-24)
	}
	return math.Abs(float64(got)-want) / u
}

// TestUnaryAccuracy measures the error of the device's Sin, Cos and Erf
// against float64 math, on arguments chosen where the kernels are weakest:
// magnitudes log-uniform over each reduction's range, the float32s nearest
// to multiples of pi/2 (where the reduced argument cancels), random bit
// patterns (Payne-Hanek over the whole exponent range) and, for Erf, the
// switch points of its pieces. The bounds asserted are the ones documented
// in shaders/trig.glsl and shaders/vkmath.glsl; the CPU backend is held to
// correct rounding of the float64 result.
func TestUnaryAccuracy(t *testing.T) {
	vk := vkBackend(t)
	r := rand.New(rand.NewSource(14))
	const n = 1 << 17
	logUniform := func(lo, hi float64) float32 {
		v := math.Exp2(lo + (hi-lo)*r.Float64())
		if r.Intn(2) == 0 {
			v = -v
		}
		return float32(v)
	}
	trig := make([]float32, 0, 4*n)
	for i := 0; i < n; i++ {
		trig = append(trig, logUniform(-14, 20), logUniform(20, 128))
		k := float64(r.Intn(1 << 20))
		x := float32(k * math.Pi / 2)
		trig = append(trig, x, math.Nextafter32(x, 0))
	}
	for i := 0; i < n/4; i++ {
		b := r.Uint32()
		if b&0x7f800000 == 0x7f800000 {
			continue
		}
		trig = append(trig, math.Float32frombits(b))
	}
	erfIn := make([]float32, 0, 2*n)
	for i := 0; i < n; i++ {
		erfIn = append(erfIn, logUniform(-30, 3), float32(r.NormFloat64()*2))
	}
	for _, x := range []float64{1, 4, 3.92, math.Sqrt2} {
		for _, y := range []float32{float32(x), math.Nextafter32(float32(x), 0), math.Nextafter32(float32(x), 10)} {
			erfIn = append(erfIn, y, -y)
		}
	}
	cases := []struct {
		name  string
		op    backend.UnaryOp
		in    []float32
		ref   func(float64) float64
		bound float64 // ulp
	}{
		{"Sin", backend.Sin, trig, math.Sin, 1},
		{"Cos", backend.Cos, trig, math.Cos, 1},
		{"Erf", backend.Erf, erfIn, math.Erf, 2},
	}
	for _, c := range cases {
		want, got := runBoth(t, vk, []int{len(c.in)}, [][]float32{c.in}, func(b backend.Backend, dst backend.Strided, s []backend.Strided) {
			b.Unary(c.op, dst, s[0], 0, 0)
		})
		worst, worstCPU := 0.0, 0.0
		var at float32
		for i, x := range c.in {
			w := c.ref(float64(x))
			if e := ulpErr(got[i], w); e > worst || e != e {
				worst, at = e, x
			}
			worstCPU = max(worstCPU, ulpErr(want[i], w))
		}
		t.Logf("%s: %d arguments, max error %.3f ulp on the device (at %g), %.3f ulp on the CPU", c.name, len(c.in), worst, at, worstCPU)
		if !(worst <= c.bound) {
			t.Errorf("%s: device error %.3f ulp at %g (got %v, want %v), above the documented %g ulp", c.name, worst, at,
				got[indexOf(c.in, at)], c.ref(float64(at)), c.bound)
		}
		if !(worstCPU <= 0.5+1e-6) {
			t.Errorf("%s: CPU error %.3f ulp, want it correctly rounded", c.name, worstCPU)
		}
	}
}

// TestUnarySpecials pins the special values of the new unary ops to the
// CPU's bits: signed zeros, subnormals, infinities, NaN and the extremes.
func TestUnarySpecials(t *testing.T) {
	vk := vkBackend(t)
	inf := float32(math.Inf(1))
	in := []float32{0, float32(math.Copysign(0, -1)), 1e-40, -1e-40, 0x1p-149, 0x1p-13, -0x1p-13, inf, -inf, float32(math.NaN()),
		math.MaxFloat32, -math.MaxFloat32, 0.5, -0.5, 1.5, 2.5, -2.5, 0x1p23 - 0.5, -(0x1p23 - 0.5), 0x1p23 + 1, -0.99999994, 0.50000006, -0.50000006, 1, -1}
	for _, op := range []backend.UnaryOp{backend.Floor, backend.Ceil, backend.Round, backend.Trunc, backend.Sin, backend.Cos, backend.Erf} {
		want, got := runBoth(t, vk, []int{len(in)}, [][]float32{in}, func(b backend.Backend, dst backend.Strided, s []backend.Strided) {
			b.Unary(op, dst, s[0], 0, 0)
		})
		ref := map[backend.UnaryOp]func(float64) float64{backend.Sin: math.Sin, backend.Cos: math.Cos, backend.Erf: math.Erf}[op]
		for i, x := range in {
			if ax := math.Abs(float64(x)); ref != nil && ax > 0x1p-13 && ax <= math.MaxFloat32 {
				// not a special value: within the documented bound
				bound := 1.0
				if op == backend.Erf {
					bound = 2
				}
				if e := ulpErr(got[i], ref(float64(x))); !(e <= bound) {
					t.Errorf("op %d of %g: vulkan %g, %.3g ulp from %g", op, x, got[i], e, ref(float64(x)))
				}
				continue
			}
			// a device that flushes subnormals gives a zero for Erf's subnormal results
			flushed := op == backend.Erf && math.Abs(float64(x)) < 0x1p-126 && got[i] == 0
			if !sameBits(want[i], got[i]) && !flushed {
				t.Errorf("op %d of %g: vulkan %g (%#x), cpu %g (%#x)", op, x, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			}
		}
	}
}

func indexOf(xs []float32, x float32) int {
	for i, v := range xs {
		if math.Float32bits(v) == math.Float32bits(x) {
			return i
		}
	}
	return 0
}
