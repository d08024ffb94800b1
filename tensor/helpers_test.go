package tensor

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// eps32 is float32's machine epsilon, 2^-23.
const eps32 = 1.0 / (1 << 23)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

// small reports whether the randomized tests should shrink: under -short
// and under the race detector.
func small() bool { return testing.Short() || raceEnabled }

// iters scales a test's number of random cases.
func iters(n int) int {
	if small() {
		return max(n/5, 2)
	}
	return 3 * n
}

// maxElems bounds the size of random tensors.
func maxElems() int {
	if small() {
		return 800
	}
	return 5000
}

// valKind selects the distribution of random element values.
type valKind int

const (
	vNormal   valKind = iota // N(0, 2²)
	vPositive                // log-normal, for Log, Sqrt, Pow bases
	vInts                    // small integers -3..3, for ties and equality
	vSpecial                 // mostly normal, with ±0, ±Inf, NaN, subnormals, huge values
	vHalves                  // k/2 and its neighbours for |k| < 2^25, for the ties of rounding
	vHuge                    // magnitudes up to 2^127, for argument reduction
)

var (
	inf32 = float32(math.Inf(1))
	nan32 = float32(math.NaN())
	negZ  = float32(math.Copysign(0, -1))
)

func randVal(r *rand.Rand, k valKind) float32 {
	switch k {
	case vHalves:
		v := float32(r.IntN(1<<25)-1<<24) / 2
		if r.IntN(2) == 0 {
			v = float32(r.IntN(41)-20) / 2
		}
		switch r.IntN(3) {
		case 0:
			v = math.Nextafter32(v, inf32)
		case 1:
			v = math.Nextafter32(v, -inf32)
		}
		return v
	case vHuge:
		return float32(math.Ldexp(r.Float64()*2-1, r.IntN(128)))
	case vPositive:
		return float32(math.Exp(r.NormFloat64() * 2))
	case vInts:
		return float32(r.IntN(7) - 3)
	case vSpecial:
		if r.IntN(4) > 0 {
			return float32(r.NormFloat64() * 3)
		}
		sp := []float32{0, negZ, inf32, -inf32, nan32, 1e-40, -1e-40, 3e38, -3e38, 1, -1, 0.5, 88.5, -104}
		return sp[r.IntN(len(sp))]
	}
	return float32(r.NormFloat64() * 2)
}

// randND returns an array of shape with float32-representable values.
func randND(r *rand.Rand, shape []int, k valKind) *nd {
	a := ndZeros(shape...)
	for i := range a.data {
		a.data[i] = float64(randVal(r, k))
	}
	return a
}

// randDim returns a dimension: mostly small, sometimes 1, sometimes 0.
func randDim(r *rand.Rand) int {
	switch p := r.IntN(100); {
	case p < 5:
		return 0
	case p < 25:
		return 1
	case p < 35:
		return 7
	default:
		return 2 + r.IntN(4)
	}
}

// randShape returns a shape of rank in [minRank, maxRank] whose size is at
// most maxElems; sometimes one axis is an odd large size (33 or 257).
func randShape(r *rand.Rand, minRank, maxRank int) []int {
	for {
		s := make([]int, minRank+r.IntN(maxRank-minRank+1))
		for i := range s {
			s[i] = randDim(r)
		}
		if len(s) > 0 && r.IntN(6) == 0 {
			s[r.IntN(len(s))] = []int{33, 257}[r.IntN(2)]
		}
		if refProd(s) <= maxElems() {
			return s
		}
	}
}

// deriveShape returns a shape that broadcasts to out: some leading axes
// dropped, some axes set to 1.
func deriveShape(r *rand.Rand, out []int) []int {
	s := slices.Clone(out[r.IntN(len(out)+1):])
	if r.IntN(4) == 0 {
		s = slices.Clone(out)
	}
	for i := range s {
		if r.IntN(3) == 0 {
			s[i] = 1
		}
	}
	return s
}

// layout is how a test tensor's elements sit in its storage.
type layout int

const (
	lContig     layout = iota // row-major, offset 0
	lTransposed               // a permutation of contiguous storage
	lStepped                  // Slice with step 2 or 3 along one axis
	lBroadcast                // BroadcastTo of a smaller tensor (values repeat)
	lIndexed                  // Index of a tensor with one more axis
	numLayouts
)

var layoutNames = [...]string{"contiguous", "transposed", "stepped", "broadcast", "indexed"}

func (l layout) String() string { return layoutNames[l] }

// sentinel fills the storage a view should never read.
const sentinel = -7777

// makeTensor returns a tensor of a's shape laid out as lay, and the values
// it holds (a itself, except for lBroadcast, which repeats a slice of a).
func makeTensor(r *rand.Rand, a *nd, lay layout) (*Tensor, *nd) {
	return makeTensorAs(r, a, lay, Float32)
}

// makeTensorAs is makeTensor with storage of dtype dt (a's values must be
// values of dt).
func makeTensorAs(r *rand.Rand, a *nd, lay layout, dt DType) (*Tensor, *nd) {
	fromND := func(x *nd) *Tensor { return fromND(x).AsType(dt) }
	rank := len(a.shape)
	switch lay {
	case lTransposed:
		if rank < 2 {
			break
		}
		p := r.Perm(rank)
		inv := make([]int, rank)
		for i, v := range p {
			inv[v] = i
		}
		return fromND(refPermute(a, p)).Permute(inv...), a
	case lStepped:
		if rank == 0 {
			break
		}
		ax := r.IntN(rank)
		step, start := 2+r.IntN(2), r.IntN(3)
		n := a.shape[ax]
		bigShape := slices.Clone(a.shape)
		bigShape[ax] = start + n*step + r.IntN(2)
		big := ndZeros(bigShape...)
		for i := range big.data {
			big.data[i] = sentinel
		}
		src := make([]int, rank)
		forEachIndex(a.shape, func(idx []int) {
			copy(src, idx)
			src[ax] = start + idx[ax]*step
			big.set(src, a.at(idx))
		})
		stop := start + max(n-1, 0)*step + 1
		if n == 0 {
			stop = start
		}
		if r.IntN(2) == 0 && stop < bigShape[ax] {
			stop -= bigShape[ax] // the same stop, counted from the end
		}
		return fromND(big).Slice(ax, start, stop, step), a
	case lBroadcast:
		if rank == 0 {
			break
		}
		ax := r.IntN(rank)
		if a.shape[ax] == 0 {
			break
		}
		sm := refSlice(a, ax, 0, 1, 1)
		vals := refBroadcastTo(sm, a.shape)
		if ax == 0 && r.IntN(2) == 0 {
			// Leave the leading axis out altogether.
			sm = refReshape(sm, a.shape[1:]...)
		}
		return fromND(sm).BroadcastTo(a.shape...), vals
	case lIndexed:
		ax := r.IntN(rank + 1)
		m := 2 + r.IntN(2)
		i := r.IntN(m)
		bigShape := slices.Insert(slices.Clone(a.shape), ax, m)
		big := ndZeros(bigShape...)
		for j := range big.data {
			big.data[j] = sentinel
		}
		src := make([]int, rank+1)
		forEachIndex(a.shape, func(idx []int) {
			copy(src, idx[:ax])
			src[ax] = i
			copy(src[ax+1:], idx[ax:])
			big.set(src, a.at(idx))
		})
		if r.IntN(2) == 0 {
			i -= m
		}
		return fromND(big).Index(ax, i), a
	}
	return fromND(a), a
}

// randTensor returns a random tensor of shape with a random layout, its
// values, and the layout's name.
func randTensor(r *rand.Rand, shape []int, k valKind) (*Tensor, *nd, layout) {
	lay := layout(r.IntN(int(numLayouts)))
	t, a := makeTensor(r, randND(r, shape, k), lay)
	return t, a, lay
}

// ulpDist is the number of float32 values between a and b (neither NaN);
// +0 and -0 are the same.
func ulpDist(a, b float32) int64 {
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

// checkShapeEq fails unless got has shape want.
func checkShapeEq(t testing.TB, what string, got *Tensor, want []int) bool {
	t.Helper()
	if !slices.Equal(got.Shape(), want) || len(got.Strides()) != len(want) {
		t.Errorf("%s: shape %v (strides %v), want %v", what, got.Shape(), got.Strides(), want)
		return false
	}
	return true
}

func readData(t testing.TB, x *Tensor) []float32 {
	t.Helper()
	d, err := x.Data()
	if err != nil {
		t.Fatalf("Data: %v", err)
	}
	return d
}

// checkULP compares got with want rounded to float32: NaN must match NaN,
// and other values may differ by maxULP units in the last place.
func checkULP(t testing.TB, what string, got *Tensor, want *nd, maxULP int64) bool {
	t.Helper()
	if !checkShapeEq(t, what, got, want.shape) {
		return false
	}
	d := readData(t, got)
	bad := 0
	for i, g := range d {
		w := float32(want.data[i])
		ok := false
		switch {
		case math.IsNaN(float64(w)) || math.IsNaN(float64(g)):
			ok = math.IsNaN(float64(w)) && math.IsNaN(float64(g))
		case math.IsInf(float64(w), 0) || math.IsInf(float64(g), 0):
			ok = w == g || (maxULP > 0 && ulpDist(g, w) <= maxULP)
		default:
			ok = ulpDist(g, w) <= maxULP
		}
		if !ok {
			if bad < 5 {
				t.Errorf("%s: element %d (of shape %v) is %v, want %v (%v in float64)", what, i, want.shape, g, w, want.data[i])
			}
			bad++
		}
	}
	return bad == 0
}

// checkTol compares got with want elementwise: NaN must match NaN, ±Inf
// must match the same infinity after rounding to float32, and others may
// differ by tol(i).
func checkTol(t testing.TB, what string, got *Tensor, want *nd, tol func(i int) float64) bool {
	t.Helper()
	if !checkShapeEq(t, what, got, want.shape) {
		return false
	}
	d := readData(t, got)
	bad := 0
	for i, g := range d {
		w := want.data[i]
		ok := false
		switch {
		case math.IsNaN(w) || math.IsNaN(float64(g)):
			ok = math.IsNaN(w) && math.IsNaN(float64(g))
		case math.IsInf(float64(float32(w)), 0) || math.IsInf(float64(g), 0):
			ok = float32(w) == g
		default:
			ok = math.Abs(float64(g)-w) <= tol(i)
		}
		if !ok {
			if bad < 5 {
				t.Errorf("%s: element %d (of shape %v) is %v, want %v ± %g", what, i, want.shape, g, w, tol(i))
			}
			bad++
		}
	}
	return bad == 0
}

// catch runs f and returns what it panicked with, or nil.
func catch(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// expectShapeError fails unless f panics with a *ShapeError whose message
// contains every one of parts; it returns the error.
func expectShapeError(t testing.TB, what string, f func(), parts ...string) *ShapeError {
	t.Helper()
	v := catch(f)
	if v == nil {
		t.Errorf("%s: no panic, want *ShapeError", what)
		return nil
	}
	err, ok := v.(error)
	var se *ShapeError
	if !ok || !errors.As(err, &se) {
		t.Errorf("%s: panicked with %T %v, want *ShapeError", what, v, v)
		return nil
	}
	msg := se.Error()
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("%s: message %q does not contain %q", what, msg, p)
		}
	}
	return se
}

func caseName(format string, args ...any) string { return fmt.Sprintf(format, args...) }
