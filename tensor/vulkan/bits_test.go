package vulkan

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/cpu"
	"github.com/vktensor/vktensor/tensor/internal/raw"
)

// sameBits reports whether a and b are the same float32, NaNs all alike.
func sameBits(a, b float32) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

// runBoth runs f on a fresh row-major operand of shape on the CPU and on
// vk (srcs, the same on both, are written first) and returns both dsts.
func runBoth(t *testing.T, vk *Backend, shape []int, srcs [][]float32, f func(b backend.Backend, dst backend.Strided, srcs []backend.Strided)) (want, got []float32) {
	t.Helper()
	n := 1
	for _, s := range shape {
		n *= s
	}
	out := [2][]float32{}
	for k, b := range []backend.Backend{cpu.New(), vk} {
		var ss []backend.Strided
		for _, s := range srcs {
			buf, err := b.Alloc(backend.Float32, len(s))
			if err != nil {
				t.Fatal(err)
			}
			defer b.Free(buf)
			if err := b.Write(buf, 0, raw.Bytes(s)); err != nil {
				t.Fatal(err)
			}
			ss = append(ss, backend.Strided{Buf: buf, Shape: []int{len(s)}, Strides: []int{1}})
		}
		buf, err := b.Alloc(backend.Float32, n)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Free(buf)
		dst := backend.Strided{Buf: buf, Shape: shape, Strides: rowMajor(shape)}
		f(b, dst, ss)
		out[k] = make([]float32, n)
		if err := b.Read(raw.Bytes(out[k]), backend.Strided{Buf: buf, Shape: []int{n}, Strides: []int{1}}); err != nil {
			t.Fatal(err)
		}
	}
	return out[0], out[1]
}

// TestArangeExact checks that Arange gives the CPU's float32(start +
// float64(i)*step) to the bit: the case that was 1-2 ulp off, ties of
// float32 rounding, double rounding, subnormals, overflow, signed zeros,
// infinities and NaNs, random bit patterns, high indices, and ranks that
// split into several dispatches.
func TestArangeExact(t *testing.T) {
	vk := vkBackend(t)
	nv := len(vk.Device().ValidationMessages())
	r := rand.New(rand.NewSource(8))
	inf, nan := math.Inf(1), math.NaN()
	negZero := math.Copysign(0, -1)
	type ac struct{ start, step float64 }
	cases := []ac{
		{-3.5, 0.7}, {0, 1}, {0, 0.1}, {1, 0x1p-24}, {1, 0x1p-24 + 0x1p-60}, {1, 0x1p-24 - 0x1p-60}, {1, 3 * 0x1p-25},
		{-1, 0x1p-25}, {0x1p24, 1}, {0x1p24, 0.5}, {0x1p24 + 2, 1.5}, {1e30, -1e22}, {negZero, 0}, {negZero, negZero}, {0, negZero},
		{negZero, 1}, {negZero, -1}, {5, -1}, {3.4028235677973366e+38, 1e31}, {3.4028234663852886e+38, 1e22},
		{-3.4028235e38, -1e31}, {0x1p-149, 0x1p-150}, {0x1p-126, -0x1p-151}, {1e-45, 1e-46}, {0, 0x1p-1074},
		{0x1p-1074, 0x1p-1074}, {5e-324, -5e-324}, {1e308, 1e308}, {-1e308, 1.7e308}, {1.7976931348623157e308, 1e292},
		{inf, 1}, {-inf, 1}, {1, inf}, {1, -inf}, {inf, -inf}, {inf, inf}, {-inf, inf}, {nan, 1}, {1, nan}, {0, inf},
		{0.1, 0.2}, {-100, 1.0 / 3}, {123456.789, -0.001}, {0x1.fffffep-1, 0x1p-53},
	}
	for i := 0; i < 60; i++ {
		sc := math.Pow(10, float64(r.Intn(20)-10))
		cases = append(cases, ac{r.NormFloat64() * sc * 100, r.NormFloat64() * sc})
	}
	for i := 0; i < 40; i++ {
		cases = append(cases, ac{math.Float64frombits(r.Uint64()), math.Float64frombits(r.Uint64())})
		// near float32 boundaries: float32 start, step a float32 ulp
		// fraction plus float64 noise
		s := float64(float32(r.NormFloat64() * 1000))
		u := math.Abs(float64(math.Nextafter32(float32(s), float32(inf))) - s)
		cases = append(cases, ac{s, u * float64(1+r.Intn(5)) / 4 * (1 + float64(r.Intn(3)-1)*0x1p-50)})
	}
	for _, c := range cases {
		for _, shape := range [][]int{{97}, {2, 1, 3, 2, 5, 3}} {
			want, got := runBoth(t, vk, shape, nil, func(b backend.Backend, dst backend.Strided, _ []backend.Strided) {
				b.Arange(dst, c.start, c.step)
			})
			bad := 0
			for i := range want {
				if !sameBits(want[i], got[i]) {
					if bad++; bad <= 3 {
						t.Errorf("Arange(%v, %v) %v: element %d is %v (%#08x), cpu %v (%#08x)", c.start, c.step, shape, i,
							got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
					}
				}
			}
		}
	}
	// high indices
	for _, c := range []ac{{-1000, 1e-3}, {0.5, 0x1p-23}, {-3.5, 0.7}} {
		const n = 1 << 22
		want, got := runBoth(t, vk, []int{n}, nil, func(b backend.Backend, dst backend.Strided, _ []backend.Strided) {
			b.Arange(dst, c.start, c.step)
		})
		bad := 0
		for i := range want {
			if !sameBits(want[i], got[i]) {
				if bad++; bad <= 3 {
					t.Errorf("Arange(%v, %v): element %d is %v, cpu %v", c.start, c.step, i, got[i], want[i])
				}
			}
		}
	}
	if got, err := tensor.On(vk).Arange(-3.5, 2.2, 0.7).Data(); err != nil || fmt.Sprint(got) != "[-3.5 -2.8 -2.1 -1.4 -0.7 0 0.7 1.4 2.1]" {
		t.Errorf("Arange(-3.5, 2.2, 0.7) = %v, %v", got, err)
	}
	checkValidation(t, vk, nv)
}

// TestAffineBits checks AddScalar, SubScalar and MulScalar (AffineS with
// a == 1, or b == -0, as package tensor calls it) and general AffineS
// against the CPU to the bit on special values: -0 must survive.
func TestAffineBits(t *testing.T) {
	vk := vkBackend(t)
	nv := len(vk.Device().ValidationMessages())
	negz := float32(math.Copysign(0, -1))
	inf := float32(math.Inf(1))
	vals := []float32{negz, 0, 1, -1, 1e-45, -1e-45, 1.1754942e-38, -3e-39, 0.1, -2.5, 3.4028235e38, -3.4028235e38,
		inf, -inf, float32(math.NaN()), 16777216, 1.0000001, 7}
	type sc struct {
		name string
		a, b float32
	}
	var scalars []sc
	for _, s := range vals {
		scalars = append(scalars, sc{fmt.Sprintf("AddScalar(%v)", s), 1, s}, sc{fmt.Sprintf("SubScalar(%v)", s), 1, -s},
			sc{fmt.Sprintf("MulScalar(%v)", s), s, negz})
	}
	for _, ab := range [][2]float32{{2, 0}, {-1, 0}, {0.5, 1}, {3, negz}, {-3, 0}, {1e-30, 1e-30}, {0, 0}, {2, -4}} {
		scalars = append(scalars, sc{fmt.Sprintf("x*%v+%v", ab[0], ab[1]), ab[0], ab[1]})
	}
	for _, s := range scalars {
		want, got := runBoth(t, vk, []int{len(vals)}, [][]float32{vals}, func(b backend.Backend, dst backend.Strided, src []backend.Strided) {
			b.Unary(backend.AffineS, dst, src[0], float64(s.a), float64(s.b))
		})
		for i := range want {
			if !sameBits(want[i], got[i]) {
				t.Errorf("%s of %v: vulkan %v (%#08x), cpu %v (%#08x)", s.name, vals[i], got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			}
		}
	}
	// through package tensor, on the vec4 path too
	x := tensor.On(vk).FromSlice([]float32{negz, negz, negz, negz, negz, 0, negz, 1}, 8)
	for name, y := range map[string]*tensor.Tensor{"MulScalar(3)": x.MulScalar(3), "SubScalar(0)": x.SubScalar(0), "AddScalar(-0)": x.AddScalar(negz)} {
		got, err := y.Data()
		if err != nil {
			t.Fatal(err)
		}
		if math.Float32bits(got[0]) != 0x80000000 || math.Float32bits(got[6]) != 0x80000000 {
			t.Errorf("%s of -0 = %v", name, got)
		}
	}
	checkValidation(t, vk, nv)
}
