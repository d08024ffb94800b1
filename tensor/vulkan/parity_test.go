package vulkan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/cpu"
	"github.com/vktensor/vktensor/tensor/internal/half"
)

// Shared device for the package's tests: opening one (with validation) per
// test would dominate the run time on lavapipe.
var (
	testOnce sync.Once
	testVK   *Backend
	testErr  error
)

func vkBackend(t testing.TB) *Backend {
	t.Helper()
	testOnce.Do(func() {
		// VKT_PARITY_VALIDATE=0 runs without the validation layer, for
		// machines that do not have it installed
		validate := os.Getenv("VKT_PARITY_VALIDATE") != "0"
		testVK, testErr = New(WithGPUOptions(gpu.Options{Validate: validate, AllowCPU: true}))
	})
	if errors.Is(testErr, gpu.ErrNoLoader) || errors.Is(testErr, gpu.ErrNoDevice) {
		t.Skipf("no Vulkan device: %v", testErr)
	}
	if testErr != nil {
		t.Fatalf("opening the Vulkan backend: %v", testErr)
	}
	return testVK
}

// layout kinds of a generated operand
const (
	dense      = iota // row-major, offset 0
	shifted           // row-major at offset 1..3 (breaks vec4 alignment)
	stepped           // every axis strided by an extra gap, offset 2
	transposed        // axes stored in reverse order
	broadcast         // leading non-trivial axes (and sometimes others) have stride 0
)

// opnd describes an operand: shape, layout and how to fill its buffer.
type opnd struct {
	shape []int
	lay   int
	gen   func(r *rand.Rand) float32
}

func normal(r *rand.Rand) float32   { return float32(r.NormFloat64()) }
func positive(r *rand.Rand) float32 { return float32(math.Abs(r.NormFloat64())*2 + 0.05) }
func wide(r *rand.Rand) float32     { return float32(r.NormFloat64() * 6) }
func small(r *rand.Rand) float32    { return float32(r.Intn(3) - 1) } // -1, 0, 1: ties and zeros

// sprinkle returns base with a NaN, +Inf or -Inf in about one of every
// nan, inf and ninf elements.
func sprinkle(base func(*rand.Rand) float32, nan, inf, ninf float64) func(*rand.Rand) float32 {
	return func(r *rand.Rand) float32 {
		switch u := r.Float64(); {
		case u < 1/nan:
			return float32(math.NaN())
		case u < 1/nan+1/inf:
			return float32(math.Inf(1))
		case u < 1/nan+1/inf+1/ninf:
			return float32(math.Inf(-1))
		}
		return base(r)
	}
}

var (
	// specials: in a row of 1024, about every other row meets a NaN or +Inf
	specials = sprinkle(wide, 1000, 2000, 300)
	// denseSpecials: even short rows meet them
	denseSpecials = sprinkle(normal, 50, 60, 60)
)

// place computes offset, strides and buffer length for a layout.
func place(shape []int, lay int, r *rand.Rand) (off int, st []int, n int) {
	rank := len(shape)
	st = make([]int, rank)
	switch lay {
	case transposed:
		m := 1
		for i := 0; i < rank; i++ {
			st[i] = m
			m *= shape[i]
		}
	case stepped:
		off = 2
		m := 2
		for i := rank - 1; i >= 0; i-- {
			st[i] = m
			m *= shape[i] + 1
		}
	default:
		m := 1
		for i := rank - 1; i >= 0; i-- {
			st[i] = m
			if lay == broadcast && shape[i] > 1 && (i == 0 || r.Intn(3) == 0) {
				st[i] = 0
				continue
			}
			m *= shape[i]
		}
		if lay == shifted {
			off = 1 + r.Intn(3)
		}
	}
	n = off + 1
	for i, s := range shape {
		n += (s - 1) * st[i]
	}
	return off, st, n + 3
}

// pcase is one parity check: operands (ops[0] is the destination, whose
// whole buffer is compared, so stray writes are caught too), the op to run
// and the tolerance.
type pcase struct {
	name string
	ops  []opnd
	run  func(b backend.Backend, o []backend.Strided)
	// |vk - ref| <= rel*|ref| + abs + norm*bound, where bound is the
	// norm-scaled error bound below.
	rel, abs, norm float64
	bound          func(in [][]float32, o []backend.Strided) float64
	// exact requires the same bits (the sign of zero included; NaNs alike)
	exact bool
	// dts are the operands' dtypes (nil: all Float32); igen draws the
	// values of Int32 operands (nil, or a nil entry: the float draw
	// converted with half.Int32)
	dts  []backend.DType
	igen []func(r *rand.Rand) int32
	// ulps widens the tolerance by that many units in the last place of
	// a 16-bit destination dtype at the reference value
	ulps float64
}

// dtypeOf is operand k's dtype in c.
func (c pcase) dtypeOf(k int) backend.DType {
	if k < len(c.dts) {
		return c.dts[k]
	}
	return backend.Float32
}

// encode returns the values vs (drawn as float32s, or ints for Int32
// operands) as the elements of dt, and the values they hold as float32s
// (for the error bounds).
func encode(dt backend.DType, vs []float32, is []int32) ([]byte, []float32) {
	size := dt.Size()
	out := make([]byte, len(vs)*size)
	held := make([]float32, len(vs))
	for i, v := range vs {
		switch dt {
		case backend.Float16:
			h := half.F16(v)
			binary.NativeEndian.PutUint16(out[2*i:], h)
			held[i] = half.F16ToFloat32(h)
		case backend.BFloat16:
			h := half.BF16(v)
			binary.NativeEndian.PutUint16(out[2*i:], h)
			held[i] = half.BF16ToFloat32(h)
		case backend.Int32:
			x := half.Int32(float64(v))
			if is != nil {
				x = is[i]
			}
			binary.NativeEndian.PutUint32(out[4*i:], uint32(x))
			held[i] = float32(x)
		default:
			binary.NativeEndian.PutUint32(out[4*i:], math.Float32bits(v))
			held[i] = v
		}
	}
	return out, held
}

// decode returns element i of raw elements of dt as a float64 (exact) and
// its bits.
func decode(dt backend.DType, raw []byte, i int) (float64, uint32) {
	switch dt {
	case backend.Float16:
		h := binary.NativeEndian.Uint16(raw[2*i:])
		return float64(half.F16ToFloat32(h)), uint32(h)
	case backend.BFloat16:
		h := binary.NativeEndian.Uint16(raw[2*i:])
		return float64(half.BF16ToFloat32(h)), uint32(h)
	case backend.Int32:
		u := binary.NativeEndian.Uint32(raw[4*i:])
		return float64(int32(u)), u
	}
	u := binary.NativeEndian.Uint32(raw[4*i:])
	return float64(math.Float32frombits(u)), u
}

// ulpOf is the unit in the last place of dt at |v| (the 16-bit floats;
// 0 for the others).
func ulpOf(dt backend.DType, v float64) float64 {
	var mant, emin int
	switch dt {
	case backend.Float16:
		mant, emin = 10, -14
	case backend.BFloat16:
		mant, emin = 7, -126
	default:
		return 0
	}
	_, e := math.Frexp(math.Abs(v)) // |v| = f·2^e, f in [0.5, 1)
	return math.Ldexp(1, max(e-1, emin)-mant)
}

func TestParity(t *testing.T) {
	vk := vkBackend(t)
	ref := cpu.New()
	r := rand.New(rand.NewSource(1))
	cases := parityCases(r)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkCase(t, c, ref, vk, r)
		})
	}
	if msgs := vk.Device().ValidationMessages(); len(msgs) > 0 {
		t.Fatalf("%d validation messages, first: %s", len(msgs), msgs[0])
	}
}

// TestParitySpecials runs every parity case again with NaN, +Inf and -Inf
// sprinkled into the operands that hold ordinary numbers (not indices,
// classes or the positive inputs of logarithms): both backends must give
// the same NaNs and infinities, and the same numbers elsewhere.
func TestParitySpecials(t *testing.T) {
	vk := vkBackend(t)
	ref := cpu.New()
	r := rand.New(rand.NewSource(2))
	plain := func(g func(*rand.Rand) float32) bool {
		p := reflect.ValueOf(g).Pointer()
		return g == nil || p == reflect.ValueOf(normal).Pointer() || p == reflect.ValueOf(wide).Pointer()
	}
	for _, c := range parityCases(r) {
		c.ops = append([]opnd(nil), c.ops...)
		n := 0
		for i := 1; i < len(c.ops); i++ {
			if plain(c.ops[i].gen) {
				c.ops[i].gen = denseSpecials
				n++
			}
		}
		if n == 0 {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			checkCase(t, c, ref, vk, r)
		})
	}
	if msgs := vk.Device().ValidationMessages(); len(msgs) > 0 {
		t.Fatalf("%d validation messages, first: %s", len(msgs), msgs[0])
	}
}

func checkCase(t *testing.T, c pcase, ref backend.Backend, vk *Backend, r *rand.Rand) {
	t.Helper()
	nv := len(vk.Device().ValidationMessages())
	var ro, vo []backend.Strided
	var data [][]float32
	for k, o := range c.ops {
		off, st, n := place(o.shape, o.lay, r)
		buf := make([]float32, n)
		g := o.gen
		if g == nil {
			g = normal
		}
		for i := range buf {
			buf[i] = g(r)
		}
		dt := c.dtypeOf(k)
		var ints []int32
		if dt == backend.Int32 && k < len(c.igen) && c.igen[k] != nil {
			ints = make([]int32, n)
			for i := range ints {
				ints[i] = c.igen[k](r)
			}
		}
		enc, held := encode(dt, buf, ints)
		data = append(data, held)
		rb, err := ref.Alloc(dt, n)
		if err != nil {
			t.Fatal(err)
		}
		vb, err := vk.Alloc(dt, n)
		if err != nil {
			t.Fatal(err)
		}
		if err := ref.Write(rb, 0, enc); err != nil {
			t.Fatal(err)
		}
		if err := vk.Write(vb, 0, enc); err != nil {
			t.Fatal(err)
		}
		ro = append(ro, backend.Strided{Buf: rb, Offset: off, Shape: o.shape, Strides: st})
		vo = append(vo, backend.Strided{Buf: vb, Offset: off, Shape: o.shape, Strides: st})
	}
	c.run(ref, ro)
	c.run(vk, vo)
	n := ro[0].Buf.Len()
	dt := c.dtypeOf(0)
	want, got := make([]byte, n*dt.Size()), make([]byte, n*dt.Size())
	flat := func(s backend.Strided) backend.Strided {
		return backend.Strided{Buf: s.Buf, Shape: []int{n}, Strides: []int{1}}
	}
	if err := ref.Read(want, flat(ro[0])); err != nil {
		t.Fatal(err)
	}
	if err := vk.Read(got, flat(vo[0])); err != nil {
		t.Fatal(err)
	}
	bound := 0.0
	if c.bound != nil {
		bound = c.bound(data, ro)
	}
	bad := 0
	for i := 0; i < n; i++ {
		w, wb := decode(dt, want, i)
		g, gb := decode(dt, got, i)
		if c.exact || dt == backend.Int32 {
			if wb != gb && !(math.IsNaN(w) && math.IsNaN(g)) {
				bad++
				if bad <= 5 {
					t.Errorf("element %d: vulkan %v (%#x), cpu %v (%#x), want the same bits", i, g, gb, w, wb)
				}
			}
			continue
		}
		if math.IsNaN(w) || math.IsNaN(g) {
			if math.IsNaN(w) != math.IsNaN(g) {
				bad++
				if bad <= 5 {
					t.Errorf("element %d: vulkan %v, cpu %v", i, g, w)
				}
			}
			continue
		}
		if math.IsInf(w, 0) || math.IsInf(g, 0) {
			if w != g {
				bad++
				if bad <= 5 {
					t.Errorf("element %d: vulkan %v, cpu %v", i, g, w)
				}
			}
			continue
		}
		if d, tol := math.Abs(g-w), c.rel*math.Abs(w)+c.abs+c.norm*bound+c.ulps*ulpOf(dt, w); d > tol {
			bad++
			if bad <= 5 {
				t.Errorf("element %d: vulkan %.9g, cpu %.9g (diff %.3g, allowed %.3g)", i, g, w, d, tol)
			}
		}
	}
	if bad > 5 {
		t.Errorf("... %d of %d elements differ", bad, n)
	}
	for k := range ro {
		ref.Free(ro[k].Buf)
		vk.Free(vo[k].Buf)
	}
	if msgs := vk.Device().ValidationMessages(); len(msgs) > nv {
		t.Errorf("validation: %s", strings.Join(msgs[nv:], "\n"))
	}
}

// Tolerances. Elementwise results are rounded once on the CPU (float64 math)
// and computed in float32 on the device with the few-ulp functions of
// shaders/vkmath.glsl, so 1e-6 relative (about 8 ulp) holds for everything
// except pow, whose float32 exp(y*log|x|) loses about |y*log|x|| ulp (the
// inputs below keep that under ~40, hence 4e-6). The tiny absolute term
// covers results that underflow to zero or subnormals on one side.
const (
	relEW  = 1e-6
	absEW  = 1e-30
	relPow = 4e-6
	eps32  = 1.0 / (1 << 23)
)

func unaryCase(op backend.UnaryOp, shape []int, dl, sl int, gen func(*rand.Rand) float32, alpha, beta float32) pcase {
	rel := relEW
	if op == backend.PowS {
		rel = relPow
	}
	abs := absEW
	if op == backend.Gelu || op == backend.Log {
		// cpu Gelu is 0.5x(1+erf) in float64, which itself cancels for
		// x < -7 (|gelu| < 1e-11); Log near x = 1 rounds to tiny values
		abs = 1e-12
	}
	return pcase{
		name: fmt.Sprintf("unary/%d/%v/%d-%d", op, shape, dl, sl),
		ops:  []opnd{{shape, dl, nil}, {shape, sl, gen}},
		run: func(b backend.Backend, o []backend.Strided) {
			b.Unary(op, o[0], o[1], float64(alpha), float64(beta))
		},
		rel: rel, abs: abs,
		exact: exactUnary(op),
	}
}

// exactUnary reports the unary ops whose result is exact in float32, so
// that both backends must give the same bits.
func exactUnary(op backend.UnaryOp) bool {
	switch op {
	case backend.Neg, backend.Abs, backend.Floor, backend.Ceil, backend.Round, backend.Trunc:
		return true
	}
	return false
}

// halves draws k/2 and k/2 ± one ulp for integers k of up to 2^24, and
// values around ±2^23, ±2^24 and 0: the ties and near-ties of rounding.
func halves(r *rand.Rand) float32 {
	var v float32
	switch r.Intn(4) {
	case 0:
		v = float32(r.Intn(64)-32) / 2
	case 1:
		v = float32(r.Intn(1<<25)) / 2
	case 2:
		v = []float32{0x1p23, 0x1p24, 0x1p23 - 0.5, 0x1p22 + 0.5, 0.5, 1e-40, 1e30}[r.Intn(7)]
	default:
		v = float32(r.NormFloat64() * 1e4)
	}
	switch r.Intn(3) {
	case 0:
		v = math.Nextafter32(v, float32(math.Inf(1)))
	case 1:
		v = math.Nextafter32(v, float32(math.Inf(-1)))
	}
	if r.Intn(2) == 0 {
		v = -v
	}
	return v
}

// anyBits draws a float32 with random bits (all exponents; NaNs and
// infinities included).
func anyBits(r *rand.Rand) float32 { return math.Float32frombits(r.Uint32()) }

func parityCases(r *rand.Rand) []pcase {
	var cs []pcase
	shapes := [][]int{{7, 33}, {1031}, {257, 1, 7}, {2, 3, 1, 2, 3, 2, 7}}
	for op := backend.UnaryOp(0); int(op) < backend.NumUnary; op++ {
		gen := wide
		switch op {
		case backend.Log, backend.Sqrt, backend.Rsqrt, backend.PowS:
			gen = positive
		case backend.EqS, backend.NeS, backend.LtS, backend.LeS, backend.GtS, backend.GeS, backend.Sign:
			gen = small
		case backend.Exp:
			gen = func(r *rand.Rand) float32 { return float32(r.NormFloat64() * 30) }
		}
		alpha, beta := float32(0.75), float32(-0.5)
		if op >= backend.EqS && op <= backend.GeS {
			alpha = 0
		}
		if op == backend.PowS {
			alpha = 2.5
		}
		for i, sh := range shapes {
			lays := [][2]int{{dense, dense}, {shifted, transposed}, {stepped, broadcast}, {dense, stepped}}
			l := lays[i%len(lays)]
			cs = append(cs, unaryCase(op, sh, l[0], l[1], gen, alpha, beta))
		}
		if op == backend.Log || op == backend.Sqrt {
			cs = append(cs, unaryCase(op, []int{64}, dense, dense, wide, 0, 0)) // negative inputs: NaN
		}
		switch op {
		case backend.Floor, backend.Ceil, backend.Round, backend.Trunc:
			cs = append(cs, unaryCase(op, []int{4099}, dense, dense, halves, 0, 0),
				unaryCase(op, []int{33, 31}, shifted, transposed, anyBits, 0, 0))
		case backend.Sin, backend.Cos:
			// the Payne-Hanek range above 2^20, and the ~1 ulp of both ranges
			cs = append(cs, pcase{name: fmt.Sprintf("unary/%d/anybits", op), ops: []opnd{{[]int{4099}, dense, nil}, {[]int{4099}, dense, anyBits}},
				run: func(b backend.Backend, o []backend.Strided) { b.Unary(op, o[0], o[1], 0, 0) }, rel: 2 * eps32, abs: absEW})
		case backend.Erf:
			cs = append(cs, unaryCase(op, []int{1031}, dense, dense, normal, 0, 0))
		}
	}
	for op := backend.BinaryOp(0); int(op) < backend.NumBinary; op++ {
		ga, gb := wide, wide
		if op >= backend.Eq {
			ga, gb = small, small
		}
		if op == backend.Pow {
			ga = positive
			gb = func(r *rand.Rand) float32 { return float32(r.NormFloat64() * 3) }
		}
		rel := relEW
		if op == backend.Pow {
			rel = relPow
		}
		for i, sh := range [][]int{{33, 257}, {1030}, {7, 1, 33}, {2, 3, 2, 2, 3, 7}} {
			lays := [][3]int{{dense, dense, broadcast}, {shifted, dense, dense}, {stepped, transposed, broadcast}, {dense, broadcast, stepped}}
			l := lays[i]
			cs = append(cs, pcase{
				name: fmt.Sprintf("binary/%d/%v/%v", op, sh, l),
				ops:  []opnd{{sh, l[0], nil}, {sh, l[1], ga}, {sh, l[2], gb}},
				run:  func(b backend.Backend, o []backend.Strided) { b.Binary(op, o[0], o[1], o[2]) },
				rel:  rel, abs: absEW,
			})
		}
	}
	for i, sh := range [][]int{{33, 257}, {7, 1, 33}} {
		cs = append(cs, pcase{
			name: fmt.Sprintf("where/%v", sh),
			ops:  []opnd{{sh, stepped * i, nil}, {sh, broadcast, small}, {sh, transposed, nil}, {sh, dense, nil}},
			run:  func(b backend.Backend, o []backend.Strided) { b.Where(o[0], o[1], o[2], o[3]) },
		})
	}
	for _, l := range [][2]int{{dense, dense}, {shifted, dense}, {stepped, transposed}, {transposed, broadcast}} {
		for _, sh := range [][]int{{33, 7}, {2, 3, 1, 2, 3, 2, 7}, {}} {
			cs = append(cs, pcase{
				name: fmt.Sprintf("copy/%v/%v", sh, l),
				ops:  []opnd{{sh, l[0], nil}, {sh, l[1], nil}},
				run:  func(b backend.Backend, o []backend.Strided) { b.Copy(o[0], o[1]) },
			})
		}
		cs = append(cs, pcase{
			name: fmt.Sprintf("fill/%v", l),
			ops:  []opnd{{[]int{7, 33}, l[0], nil}},
			run:  func(b backend.Backend, o []backend.Strided) { b.Fill(o[0], -2.5) },
		})
	}
	for _, a := range [][2]float64{{0.5, 0.1}, {-3, 1}, {1e6, -0.3}, {0, 1.0 / 3}} {
		for _, sh := range [][]int{{257, 33}, {2, 3, 1, 2, 3, 2, 7}} {
			cs = append(cs, pcase{
				name: fmt.Sprintf("arange/%v/%v", a, sh),
				ops:  []opnd{{sh, stepped, nil}},
				run:  func(b backend.Backend, o []backend.Strided) { b.Arange(o[0], a[0], a[1]) },
				// double-float on the device: equal except within 2^-44 of a
				// rounding boundary, where one ulp may differ
				rel: eps32,
			})
		}
	}
	for _, d := range []backend.Dist{backend.Uniform, backend.Normal} {
		for _, sh := range [][]int{{257, 33}, {2, 3, 1, 2, 3, 2, 7}} {
			cs = append(cs, pcase{
				name: fmt.Sprintf("random/%d/%v", d, sh),
				ops:  []opnd{{sh, stepped, nil}},
				run: func(b backend.Backend, o []backend.Strided) {
					b.Random(o[0], d, 0x1234567890ab, 77, 0.5, 2)
				},
				// Normal: the cpu evaluates Box-Muller in float64, the device
				// in float32 (sqrt(-2 log u1) loses a few ulp when u1 is near 1)
				rel: relEW, abs: 1e-6,
			})
		}
	}
	cs = append(cs, viewCases()...)
	cs = append(cs, reduceCases()...)
	cs = append(cs, matmulCases()...)
	// softmax rows of 300 and more elements are held in registers (MODE 2,
	// with subgroup reductions where the device has them); each such case
	// also runs with the shared-memory reductions and with the two-pass
	// MODE 1
	for _, lg := range []bool{false, true} {
		for _, c := range []struct {
			sh     []int
			dl, sl int
			gen    func(r *rand.Rand) float32
		}{{[]int{33, 257}, dense, dense, wide}, {[]int{257, 7}, stepped, transposed, wide}, {[]int{3, 1, 33, 7}, dense, broadcast, wide},
			{[]int{5}, dense, dense, wide}, {[]int{}, dense, dense, wide}, {[]int{9, 40}, dense, dense, specials},
			// cached rows: vec4, strided, unaligned, NaN and ±Inf; a row too long to cache
			{[]int{5, 1024}, dense, dense, wide}, {[]int{3, 300}, stepped, transposed, wide}, {[]int{2, 3000}, shifted, dense, wide},
			{[]int{16, 1024}, dense, dense, specials}, {[]int{2, 9000}, dense, dense, wide}} {
			kinds := []string{""}
			if len(c.sh) == 2 && c.sh[1] >= 300 {
				kinds = append(kinds, "/tree", "/two-pass")
			}
			for _, kind := range kinds {
				cs = append(cs, pcase{
					name: fmt.Sprintf("softmax/%v/%v/%d-%d%s", lg, c.sh, c.dl, c.sl, kind),
					ops:  []opnd{{c.sh, c.dl, nil}, {c.sh, c.sl, c.gen}},
					run: func(b backend.Backend, o []backend.Strided) {
						if vk, ok := b.(*Backend); ok && kind == "/tree" {
							old := vk.info.SubgroupArithmetic
							vk.info.SubgroupArithmetic = false
							defer func() { vk.info.SubgroupArithmetic = old }()
						}
						if _, ok := b.(*Backend); ok && kind == "/two-pass" {
							old := softmaxMaxCache
							softmaxMaxCache = 0
							defer func() { softmaxMaxCache = old }()
						}
						b.Softmax(o[0], o[1], lg)
					},
					// sums of up to 257 exponentials: a few ulp per term; log-softmax
					// x - max - log(sum) cancels, so its error is a few ulp of
					// |x - max| (<= 2 max|x|), the norm bound
					rel: 1e-5, abs: 1e-7, norm: 4, bound: maxAbsBound,
				})
			}
		}
	}
	// gather / scatter along each axis of a 3-D operand
	for axis := 0; axis < 3; axis++ {
		src := []int{7, 33, 5}
		dst := []int{7, 33, 5}
		dst[axis] = 9
		n := src[axis]
		idx := func(r *rand.Rand) float32 { return float32(r.Intn(2*n) - n) } // negatives count from the end
		cs = append(cs, pcase{
			name: fmt.Sprintf("gather/axis%d", axis),
			ops:  []opnd{{dst, stepped, nil}, {src, transposed, nil}, {dst, dense, idx}},
			run:  func(b backend.Backend, o []backend.Strided) { b.Gather(o[0], o[1], o[2], axis) },
		})
		m := dst[axis] // scatter: dst has 9 along axis, src the original sizes
		sidx := func(r *rand.Rand) float32 { return float32(r.Intn(2*m) - m) }
		cs = append(cs, pcase{
			name: fmt.Sprintf("scatter/axis%d", axis),
			ops:  []opnd{{dst, stepped, nil}, {src, transposed, nil}, {src, dense, sidx}},
			run:  func(b backend.Backend, o []backend.Strided) { b.ScatterAdd(o[0], o[1], o[2], axis) },
			// sums of up to 33 terms in a different order than the cpu
			rel: 1e-5, abs: 1e-5,
		})
	}
	// im2col and its adjoint: odd image sizes, stride 1 and 2, padding 0-2,
	// a transposed (non-contiguous) source
	for _, c := range []struct{ n, ch, h, w, k, s, p int }{
		{2, 3, 7, 9, 3, 1, 1}, {1, 2, 33, 7, 5, 2, 2}, {3, 1, 5, 5, 5, 1, 0}, {2, 4, 8, 6, 2, 2, 0},
	} {
		ho, wo := (c.h+2*c.p-c.k)/c.s+1, (c.w+2*c.p-c.k)/c.s+1
		img := []int{c.n, c.ch, c.h, c.w}
		cols := []int{c.n, c.ch, c.k * c.k, ho, wo}
		k, st, pd := c.k, c.s, c.p
		cs = append(cs, pcase{
			name: fmt.Sprintf("im2col/%v/k%d-s%d-p%d", img, k, st, pd),
			ops:  []opnd{{cols, dense, nil}, {img, transposed, nil}},
			run:  func(b backend.Backend, o []backend.Strided) { b.Im2Col(o[0], o[1], k, st, pd) },
		}, pcase{
			name: fmt.Sprintf("col2im/%v/k%d-s%d-p%d", img, k, st, pd),
			ops:  []opnd{{img, stepped, nil}, {cols, transposed, nil}},
			run:  func(b backend.Backend, o []backend.Strided) { b.Col2Im(o[0], o[1], k, st, pd) },
			// sums of up to k² terms, float32 on the GPU vs float64 on the CPU
			rel: 1e-5, abs: 1e-6,
		})
	}
	return cs
}

// maxAbsBound is eps*max|x| over the source data[1].
func maxAbsBound(data [][]float32, o []backend.Strided) float64 {
	return finiteMaxAbs(data[1]) * eps32
}

// finiteMaxAbs is max |v| over the finite v: infinities and NaNs are
// compared exactly, so they must not widen the bound for the others.
func finiteMaxAbs(vs []float32) float64 {
	s := 0.0
	for _, v := range vs {
		if a := math.Abs(float64(v)); !math.IsInf(a, 0) && !math.IsNaN(a) {
			s = math.Max(s, a)
		}
	}
	return s
}

// sumBound is the error bound of a float32 sum of the |x| in data[1]:
// n*eps*sum|x| per output, taken over the whole operand for simplicity.
func sumBound(data [][]float32, o []backend.Strided) float64 {
	s, n := finiteMaxAbs(data[1]), 1
	for i := len(o[0].Shape); i < len(o[1].Shape); i++ {
		n *= o[1].Shape[i]
	}
	return float64(n) * float64(n) * s * eps32
}

func reduceCases() []pcase {
	var cs []pcase
	type rc struct {
		src  []int
		nd   int
		sl   int
		gen  func(*rand.Rand) float32
		name string
	}
	list := []rc{
		{[]int{7, 257}, 1, dense, nil, "long rows"},
		{[]int{257, 7}, 1, stepped, nil, "short rows"},
		{[]int{33, 7, 33}, 1, transposed, nil, "two axes, transposed"},
		{[]int{1031}, 0, shifted, nil, "to scalar"},
		{[]int{257, 1, 33}, 1, transposed, small, "columns, ties"},
		{[]int{2, 3, 2, 3, 2, 7}, 3, stepped, nil, "rank 6"},
		{[]int{5, 1100}, 1, broadcast, nil, "broadcast rows"},
		{[]int{70, 300}, 1, transposed, nil, "columns"},
		{[]int{3, 33, 131}, 2, transposed, nil, "columns, two kept axes"},
		{[]int{1100, 65}, 1, transposed, wide, "many columns"},
	}
	for op := backend.ReduceOp(0); int(op) < backend.NumReduce; op++ {
		for _, c := range list {
			rel, norm := 0.0, 0.0
			var bound func([][]float32, []backend.Strided) float64
			if op == backend.Sum || op == backend.Mean {
				rel, norm, bound = 1e-6, 2, sumBound
				if op == backend.Mean {
					norm = 2.0 / float64(max(1, sizeOf(c.src[c.nd:])))
				}
			}
			var dts []backend.DType
			if isArg(op) {
				dts = []backend.DType{backend.Int32, backend.Float32}
			}
			cs = append(cs, pcase{
				name: fmt.Sprintf("reduce/%d/%s", op, c.name),
				ops:  []opnd{{c.src[:c.nd], stepped, nil}, {c.src, c.sl, c.gen}},
				run:  func(b backend.Backend, o []backend.Strided) { b.Reduce(op, o[0], o[1]) },
				rel:  rel, norm: norm, bound: bound, dts: dts,
			})
		}
		// column reduction split into 3 chunks (two passes), several kept axes
		if op <= backend.Min {
			rel, norm := 0.0, 0.0
			var bound func([][]float32, []backend.Strided) float64
			if op == backend.Sum || op == backend.Mean {
				rel, norm, bound = 1e-6, 2, sumBound
				if op == backend.Mean {
					norm = 2.0 / 131
				}
			}
			cs = append(cs, pcase{
				name: fmt.Sprintf("reduce/%d/columns, 3 chunks", op),
				ops:  []opnd{{[]int{3, 33}, stepped, nil}, {[]int{3, 33, 131}, transposed, nil}},
				run: func(b backend.Backend, o []backend.Strided) {
					if _, ok := b.(*Backend); ok {
						forceChunks = 3
						defer func() { forceChunks = 0 }()
					}
					b.Reduce(op, o[0], o[1])
				},
				rel: rel, norm: norm, bound: bound,
			})
		}
	}
	return cs
}

func sizeOf(s []int) int {
	n := 1
	for _, v := range s {
		n *= v
	}
	return n
}

// mmBound: |error| <= K*eps*max|a|*max|b|*K-ish; the standard bound for a
// float32 dot product of length K is K*eps*sum|a_k b_k|, bounded here by
// K*eps*K*max|a|*max|b| (the cpu reference is float32 too).
func mmBound(data [][]float32, o []backend.Strided) float64 {
	ma, mb := finiteMaxAbs(data[1]), finiteMaxAbs(data[2])
	k := float64(o[1].Shape[len(o[1].Shape)-1])
	return k * k * eps32 * ma * mb
}

// bandedTilings walk the tiles in bands (matmul.comp's SWZ), which the
// default builds compile but no default tiling uses; the benchmarks' tuning
// sweeps ask for them (VKT_BENCH_TILE), so the parity cases keep them
// correct. A case's variant len(variants)+j is bandedTilings[j].
var bandedTilings = []variant{
	{128, 128, 16, 8, 8, true, 2, ""},
	{64, 128, 16, 8, 8, true, 3, ""},
}

// forcedTiling is the tiling a parity case forces: nil (-1) for the choice
// by shape, variants[i], or past them bandedTilings.
func forcedTiling(i int) *variant {
	switch {
	case i < 0:
		return nil
	case i < len(variants):
		return &variants[i]
	}
	return &bandedTilings[i-len(variants)]
}

func matmulCases() []pcase {
	var cs []pcase
	sizes := []int{1, 7, 33, 257}
	type mc struct {
		batch      []int // dst batch shape
		bb         bool  // b broadcast over batch
		M, N, K    int
		la, lb, ld int
		acc        bool
		variant    int
		splits     int
	}
	var list []mc
	i := 0
	for _, M := range sizes {
		for _, N := range sizes {
			for _, K := range []int{1, 33, 257} {
				if M*N*K > 257*33*257 {
					continue
				}
				lays := [][3]int{{dense, dense, dense}, {transposed, dense, stepped}, {dense, transposed, dense}, {shifted, shifted, shifted}}
				l := lays[i%4]
				list = append(list, mc{nil, false, M, N, K, l[0], l[1], l[2], i%5 == 0, i % 3, 0})
				i++
			}
		}
	}
	list = append(list,
		mc{[]int{3}, true, 33, 7, 33, dense, dense, dense, false, -1, 0},
		mc{[]int{2, 3}, false, 7, 33, 257, transposed, dense, stepped, true, 1, 0},
		mc{[]int{2, 1, 3}, true, 33, 33, 33, dense, transposed, dense, false, 0, 0},
		mc{[]int{3, 2, 2}, false, 7, 7, 7, stepped, stepped, dense, false, 0, 0},
		mc{nil, false, 33, 33, 257, dense, dense, dense, false, 1, 3},
		mc{nil, false, 257, 7, 257, transposed, transposed, stepped, true, 0, 4},
		mc{[]int{3}, true, 33, 36, 260, dense, dense, dense, true, 2, 2},
		mc{nil, false, 257, 257, 33, dense, dense, dense, false, 2, 0},
		mc{nil, false, 130, 132, 68, dense, dense, dense, false, 2, 0},
		mc{nil, false, 130, 132, 68, dense, dense, dense, false, 1, 0},
		// full tiles (no bounds checks), vec4 loads of every kind, vec4 D
		mc{nil, false, 128, 128, 64, dense, dense, dense, false, 2, 0},
		mc{nil, false, 128, 128, 64, transposed, transposed, dense, true, 2, 0},
		mc{[]int{2}, false, 64, 68, 36, transposed, transposed, transposed, false, 1, 0},
		mc{nil, false, 36, 132, 520, transposed, transposed, dense, true, 2, 3},
		mc{nil, false, 32, 32, 16, dense, dense, dense, false, 0, 0},
		mc{nil, false, 32, 32, 64, dense, transposed, dense, true, 0, 2},
		mc{[]int{2, 3}, true, 64, 64, 32, transposed, dense, dense, true, 1, 0},
	)
	// the banded tile orders: full tiles with vec4 everywhere,
	// bounds-checked partial tiles with scalar loads, split-K, and a last
	// band shorter than the others
	for j := range bandedTilings {
		cv := len(variants) + j
		list = append(list,
			mc{nil, false, 256, 256, 64, dense, dense, dense, false, cv, 0},
			mc{[]int{2}, false, 130, 260, 68, transposed, stepped, dense, true, cv, 0},
			mc{nil, false, 128, 256, 96, transposed, transposed, dense, false, cv, 2},
			mc{nil, false, 640, 257, 33, shifted, dense, shifted, false, cv, 0},
		)
	}
	for _, c := range list {
		bs := len(c.batch)
		sh := func(a, b int) []int { return append(append([]int{}, c.batch...), a, b) }
		dsh, ash, bsh := sh(c.M, c.N), sh(c.M, c.K), sh(c.K, c.N)
		blay := c.lb
		_ = bs
		name := fmt.Sprintf("matmul/%v/%dx%dx%d/%d%d%d/acc=%v/v%d/s%d", c.batch, c.M, c.N, c.K, c.la, c.lb, c.ld, c.acc, c.variant, c.splits)
		bcast := c.bb
		cs = append(cs, pcase{
			name: name,
			ops:  []opnd{{dsh, c.ld, nil}, {ash, c.la, nil}, {bsh, blay, nil}},
			run: func(b backend.Backend, o []backend.Strided) {
				if bcast { // b shared by every batch index: zero batch strides
					for j := 0; j < len(o[2].Shape)-2; j++ {
						o[2].Strides[j] = 0
					}
				}
				if v, ok := b.(*Backend); ok {
					v.forceVariant, v.forceSplits = forcedTiling(c.variant), c.splits
					defer func() { v.forceVariant, v.forceSplits = nil, 0 }()
				}
				b.MatMul(o[0], o[1], o[2], c.acc)
			},
			rel: 1e-6, norm: 2, bound: mmBound,
		})
	}
	// MatMulBias: the reference adds the broadcast bias and applies ReLU
	// with separate ops
	for _, c := range []struct {
		M, N, K, ld, lbias int
		relu               bool
		variant            int
		splits             int
	}{
		{128, 128, 64, dense, dense, true, 2, 0},
		{128, 128, 64, dense, stepped, false, 2, 0},
		{33, 36, 40, dense, stepped, true, 1, 2},
		{64, 68, 36, transposed, dense, true, -1, 0},
		{7, 33, 257, shifted, dense, false, 0, 3},
	} {
		cs = append(cs, pcase{
			name: fmt.Sprintf("matmulbias/%dx%dx%d/%d%d/relu=%v/v%d/s%d", c.M, c.N, c.K, c.ld, c.lbias, c.relu, c.variant, c.splits),
			ops:  []opnd{{[]int{c.M, c.N}, c.ld, nil}, {[]int{c.M, c.K}, dense, nil}, {[]int{c.K, c.N}, dense, nil}, {[]int{c.N}, c.lbias, nil}},
			run: func(b backend.Backend, o []backend.Strided) {
				if v, ok := b.(*Backend); ok {
					v.forceVariant, v.forceSplits = forcedTiling(c.variant), c.splits
					defer func() { v.forceVariant, v.forceSplits = nil, 0 }()
					v.MatMulBias(o[0], o[1], o[2], o[3], c.relu)
					return
				}
				b.MatMul(o[0], o[1], o[2], false)
				bb := backend.Strided{Buf: o[3].Buf, Offset: o[3].Offset, Shape: []int{c.M, c.N}, Strides: []int{0, o[3].Strides[0]}}
				b.Binary(backend.Add, o[0], o[0], bb)
				if c.relu {
					b.Unary(backend.Relu, o[0], o[0], 0, 0)
				}
			},
			rel: 1e-6, norm: 2, bound: mmBound,
		})
	}
	return cs
}

// view returns s seen with another shape and strides.
func view(s backend.Strided, shape, st []int) backend.Strided {
	s.Shape, s.Strides = shape, st
	return s
}

// withUnroll runs f with the Vulkan backend's vec4 layouts unrolled 4 times
// on every size.
func withUnroll(b backend.Backend, f func()) {
	if _, ok := b.(*Backend); ok {
		u, m := ewUnroll, ewUnrollMin
		ewUnroll, ewUnrollMin = 4, 1
		defer func() { ewUnroll, ewUnrollMin = u, m }()
	}
	f()
}

// viewCases covers the elementwise row layout (a row vector or a column
// broadcast against a matrix), the tiled transpose, and unrolled vec4 loops
// with a scalar tail.
func viewCases() []pcase {
	ew := func(name string, ops []opnd, run func(b backend.Backend, o []backend.Strided)) pcase {
		return pcase{name: name, ops: ops, run: run, rel: relEW, abs: absEW}
	}
	return []pcase{
		ew("rows/matrix+vector", []opnd{{[]int{33, 64}, dense, nil}, {[]int{33, 64}, dense, nil}, {[]int{64}, dense, nil}},
			func(b backend.Backend, o []backend.Strided) {
				b.Binary(backend.Add, o[0], o[1], view(o[2], []int{33, 64}, []int{0, 1}))
			}),
		ew("rows/column-matrix, unrolled", []opnd{{[]int{40, 12}, dense, nil}, {[]int{40}, dense, nil}, {[]int{40, 12}, dense, nil}},
			func(b backend.Backend, o []backend.Strided) {
				withUnroll(b, func() { b.Binary(backend.Sub, o[0], view(o[1], []int{40, 12}, []int{1, 0}), o[2]) })
			}),
		ew("rows/sub-block dst", []opnd{{[]int{9, 12}, dense, nil}, {[]int{9, 12}, dense, nil}, {[]int{8}, dense, nil}},
			func(b backend.Backend, o []backend.Strided) {
				dst := view(o[0], []int{9, 8}, []int{12, 1})
				b.Binary(backend.Mul, dst, view(o[1], []int{9, 8}, []int{12, 1}), view(o[2], []int{9, 8}, []int{0, 1}))
			}),
		ew("vec4/unrolled tail", []opnd{{[]int{1030}, dense, nil}, {[]int{1030}, dense, nil}, {[]int{1030}, dense, nil}},
			func(b backend.Backend, o []backend.Strided) {
				withUnroll(b, func() { b.Binary(backend.Add, o[0], o[1], o[2]) })
			}),
		ew("vec4/unrolled unary", []opnd{{[]int{2053}, dense, nil}, {[]int{2053}, dense, nil}},
			func(b backend.Backend, o []backend.Strided) {
				withUnroll(b, func() { b.Unary(backend.Neg, o[0], o[1], 0, 0) })
			}),
		ew("transpose/copy", []opnd{{[]int{70, 45}, dense, nil}, {[]int{70, 45}, transposed, nil}},
			func(b backend.Backend, o []backend.Strided) { b.Copy(o[0], o[1]) }),
		ew("transpose/batched abs", []opnd{{[]int{3, 40, 33}, shifted, nil}, {[]int{3, 33, 40}, dense, nil}},
			func(b backend.Backend, o []backend.Strided) {
				b.Unary(backend.Abs, o[0], view(o[1], []int{3, 40, 33}, []int{1320, 1, 40}), 0, 0)
			}),
	}
}
