package vulkan

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/cpu"
	"github.com/vktensor/vktensor/tensor/internal/raw"
)

// withReduceKnobs runs f with the reduce tuning set to maxIter and target.
func withReduceKnobs(maxIter, target int, f func()) {
	oi, ot := reduceMaxIter, colTarget
	reduceMaxIter, colTarget = maxIter, target
	defer func() { reduceMaxIter, colTarget = oi, ot }()
	f()
}

// TestReduceChunks runs the reduce parity cases, and rows of every length
// around the chunk boundaries, with loops of one or two steps, so that
// every case goes through two or three passes of partials.
func TestReduceChunks(t *testing.T) {
	vk := vkBackend(t)
	ref := cpu.New()
	r := rand.New(rand.NewSource(3))
	cases := reduceCases()
	// one-pass chunk sizes with maxIter 1: 1 (MODE 0), 8 (MODE 2), 256
	// (MODE 1); lengths on both sides of them and of their squares
	for _, n := range []int{63, 64, 65, 255, 256, 257, 511, 513, 65535, 65536, 65537, 70000} {
		for op := backend.ReduceOp(0); int(op) < backend.NumReduce; op++ {
			rel, norm, bound := sumTol(op, n)
			cases = append(cases, pcase{
				name: fmt.Sprintf("reduce/%d/row %d", op, n),
				ops:  []opnd{{[]int{}, dense, nil}, {[]int{n}, shifted, small}},
				run:  func(b backend.Backend, o []backend.Strided) { b.Reduce(op, o[0], o[1]) },
				rel:  rel, norm: norm, bound: bound, dts: argDst(op),
			}, pcase{ // vec4 loads and a tail
				name: fmt.Sprintf("reduce/%d/dense row %d", op, n),
				ops:  []opnd{{[]int{}, dense, nil}, {[]int{n}, dense, small}},
				run:  func(b backend.Backend, o []backend.Strided) { b.Reduce(op, o[0], o[1]) },
				rel:  rel, norm: norm, bound: bound, dts: argDst(op),
			}, pcase{ // vec4 loads
				name: fmt.Sprintf("reduce/%d/dense rows %d", op, n),
				ops:  []opnd{{[]int{3}, dense, nil}, {[]int{3, n &^ 3}, dense, small}},
				run:  func(b backend.Backend, o []backend.Strided) { b.Reduce(op, o[0], o[1]) },
				rel:  rel, norm: norm, bound: bound, dts: argDst(op),
			}, pcase{
				name: fmt.Sprintf("reduce/%d/columns %d", op, n),
				ops:  []opnd{{[]int{33}, stepped, nil}, {[]int{33, n / 32}, transposed, small}},
				run:  func(b backend.Backend, o []backend.Strided) { b.Reduce(op, o[0], o[1]) },
				rel:  rel, norm: norm, bound: bound, dts: argDst(op),
			})
		}
	}
	cases = append(cases, randomReduceCases(r, 40)...)
	sg := vk.info.SubgroupArithmetic
	defer func() { vk.info.SubgroupArithmetic = sg }()
	for _, it := range []int{1, 2, 0} {
		kind := fmt.Sprintf("iter%d", it)
		if it == 0 { // shared-memory trees instead of subgroup operations
			it, kind = 2, "tree"
			vk.info.SubgroupArithmetic = false
		}
		withReduceKnobs(it, 64, func() {
			for _, c := range cases {
				t.Run(kind+"/"+c.name, func(t *testing.T) { checkCase(t, c, ref, vk, r) })
			}
		})
	}
	if msgs := vk.Device().ValidationMessages(); len(msgs) > 0 {
		t.Fatalf("%d validation messages, first: %s", len(msgs), msgs[0])
	}
}

// TestReduceRandom runs every reduce op over random shapes, layouts and
// reduced axes with the default tuning.
func TestReduceRandom(t *testing.T) {
	vk := vkBackend(t)
	ref := cpu.New()
	r := rand.New(rand.NewSource(4))
	cases := randomReduceCases(r, 60)
	for _, sh := range [][]int{{5, 1024}, {3, 4100}, {70004}, {2, 3, 300}, {1031}, {70001}, {1, 5, 1, 4099}} { // vec4 loads, tails
		for op := backend.ReduceOp(0); int(op) < backend.NumReduce; op++ {
			rel, norm, bound := sumTol(op, sh[len(sh)-1])
			cases = append(cases, pcase{
				name: fmt.Sprintf("dense/%d/%v", op, sh),
				ops:  []opnd{{sh[:len(sh)-1], dense, nil}, {sh, dense, wide}},
				run:  func(b backend.Backend, o []backend.Strided) { b.Reduce(op, o[0], o[1]) },
				rel:  rel, norm: norm, bound: bound, dts: argDst(op),
			})
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkCase(t, c, ref, vk, r) })
	}
}

// argDst is the operands' dtypes of a Reduce case of op: an Int32
// destination for ArgMax and ArgMin, nil (all Float32) otherwise.
func argDst(op backend.ReduceOp) []backend.DType {
	if isArg(op) {
		return []backend.DType{backend.Int32, backend.Float32}
	}
	return nil
}

// sumTol is the parity tolerance of op over blocks of n elements.
func sumTol(op backend.ReduceOp, n int) (rel, norm float64, bound func([][]float32, []backend.Strided) float64) {
	switch op {
	case backend.Sum:
		return 1e-6, 2, sumBound
	case backend.Mean:
		return 1e-6, 2 / float64(max(1, n)), sumBound
	}
	return 0, 0, nil
}

// randomReduceCases draws n reduce cases: rank 0-4 operands of sizes 1-40
// (sometimes one of up to 3000), any layout, any number of trailing
// reduced axes, any op.
func randomReduceCases(r *rand.Rand, n int) []pcase {
	gens := []func(*rand.Rand) float32{normal, small, wide, specials}
	var cs []pcase
	for i := 0; i < n; i++ {
		rank := r.Intn(5)
		shape := make([]int, rank)
		for d := range shape {
			shape[d] = 1 + r.Intn(40)
			if r.Intn(6) == 0 {
				shape[d] = 1 + r.Intn(3000)
			}
		}
		for sizeOf(shape) > 1<<16 {
			shape[r.Intn(rank)] = 1 + r.Intn(8)
		}
		nd := r.Intn(rank + 1)
		op := backend.ReduceOp(r.Intn(backend.NumReduce))
		rel, norm, bound := sumTol(op, sizeOf(shape[nd:]))
		lay := r.Intn(broadcast + 1)
		g := gens[r.Intn(len(gens))]
		if g == nil {
			g = normal
		}
		cs = append(cs, pcase{
			name: fmt.Sprintf("random/%d/%v-keep%d/lay%d", op, shape, nd, lay),
			ops:  []opnd{{shape[:nd], r.Intn(broadcast), nil}, {shape, lay, g}},
			run:  func(b backend.Backend, o []backend.Strided) { b.Reduce(op, o[0], o[1]) },
			rel:  rel, norm: norm, bound: bound, dts: argDst(op),
		})
	}
	return cs
}

// TestReducePlan checks that a reduction of everything into one output
// spreads over many workgroups, and that every loop stays bounded.
func TestReducePlan(t *testing.T) {
	for _, n := range []int{1 << 20, 1<<24 + 1, 1 << 25, maxElems} {
		mode, step, groups, chunks, chunk := planReduce(1, n, false, 0)
		want := min(colTarget, n/(rowGroup*reduceMinIter)) / 2
		if mode != 1 || groups*chunks < want {
			t.Errorf("sum of %d: mode %d, %d workgroups, want mode 1 and at least %d", n, mode, groups*chunks, want)
		}
		if chunk/step > reduceMaxIter || chunk*chunks < n {
			t.Errorf("sum of %d: %d chunks of %d, %d steps of %d", n, chunks, chunk, chunk/step, step)
		}
	}
	if c := softmaxChunks(1<<25, 1); c < colTarget/2 || (1<<25+c-1)/c > rowGroup*reduceMaxIter {
		t.Errorf("softmax of one row of 2^25: %d chunks", c)
	}
}

// bigBuffer fills a new buffer of n elements with v (or a Normal draw
// when v is NaN) and returns it as a row.
func bigBuffer(t *testing.T, b backend.Backend, n int, v float32) backend.Strided {
	t.Helper()
	buf, err := b.Alloc(backend.Float32, n)
	if err != nil {
		t.Fatal(err)
	}
	s := backend.Strided{Buf: buf, Shape: []int{n}, Strides: []int{1}}
	if math.IsNaN(float64(v)) {
		b.Random(s, backend.Normal, 7, 1, 0, 1)
	} else {
		b.Fill(s, float64(v))
	}
	t.Cleanup(func() { b.Free(buf) })
	return s
}

// reduceTo reduces src (its trailing axes beyond outShape) into a new
// buffer (Int32 for ArgMax and ArgMin) and reads it back as float32s.
func reduceTo(t *testing.T, b backend.Backend, op backend.ReduceOp, src backend.Strided, outShape ...int) []float32 {
	t.Helper()
	n := 1
	for _, s := range outShape {
		n *= s
	}
	dt := backend.Float32
	if isArg(op) {
		dt = backend.Int32
	}
	buf, err := b.Alloc(dt, n)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Free(buf)
	b.Reduce(op, backend.Strided{Buf: buf, Shape: outShape, Strides: rowMajor(outShape)}, src)
	got := make([]float32, n)
	if dt == backend.Int32 {
		idx := make([]int32, n)
		if err := b.Read(raw.Bytes(idx), backend.Strided{Buf: buf, Shape: []int{n}, Strides: []int{1}}); err != nil {
			t.Fatal(err)
		}
		for i, v := range idx {
			got[i] = float32(v)
		}
		return got
	}
	if err := b.Read(raw.Bytes(got), backend.Strided{Buf: buf, Shape: []int{n}, Strides: []int{1}}); err != nil {
		t.Fatal(err)
	}
	return got
}

func put(t *testing.T, b backend.Backend, s backend.Strided, i int, v float32) {
	t.Helper()
	if err := b.Write(s.Buf, i, raw.Bytes([]float32{v})); err != nil {
		t.Fatal(err)
	}
}

// skipHuge skips the tests of 2^24 and more elements under -short (each
// takes a few seconds on lavapipe).
func skipHuge(t *testing.T) {
	if testing.Short() {
		t.Skip("2^24-element reductions take seconds on lavapipe")
	}
}

// checkValidation fails t if the device reported validation messages since
// there were nv.
func checkValidation(t *testing.T, vk *Backend, nv int) {
	if msgs := vk.Device().ValidationMessages(); len(msgs) > nv {
		t.Errorf("validation: %s", msgs[nv])
	}
}

const n25, n24 = 1 << 25, 1 << 24

// TestReduceHugeOnes checks the figures that used to come out wrong (a
// workgroup looped over the whole row, and llvmpipe stops loops after
// 65535 steps) on rows and columns of ones of up to 2^25 elements
// (lavapipe's largest buffer).
func TestReduceHugeOnes(t *testing.T) {
	skipHuge(t)
	vk := vkBackend(t)
	nv := len(vk.Device().ValidationMessages())
	if got, err := tensor.On(vk).Ones(4096, 4096).Mean().Item(); err != nil || got != 1 {
		t.Errorf("Ones(4096, 4096).Mean() = %v, %v; want 1", got, err)
	}
	ones := bigBuffer(t, vk, n25, 1)
	if got := reduceTo(t, vk, backend.Sum, ones); got[0] != n25 {
		t.Errorf("Sum of 2^25 ones = %v, want %d", got[0], n25)
	}
	// 2^24+1 rounds to 2^24 in float32
	if got := reduceTo(t, vk, backend.Sum, view(ones, []int{n24 + 1}, []int{1})); got[0] != n24 {
		t.Errorf("Sum of 2^24+1 ones = %v, want %d", got[0], n24)
	}
	// columns: elements 2 and 32 apart
	if got := reduceTo(t, vk, backend.Sum, view(ones, []int{2, n24}, []int{1, 2}), 2); got[0] != n24 || got[1] != n24 {
		t.Errorf("column sums of [2^24, 2] ones = %v", got)
	}
	for i, v := range reduceTo(t, vk, backend.Mean, view(ones, []int{32, n25 / 32}, []int{1, 32}), 32) {
		if v != 1 {
			t.Fatalf("column %d mean of [2^20, 32] ones = %v", i, v)
		}
	}
	checkValidation(t, vk, nv)
}

// TestReduceHugeExtremes plants extremes and NaNs near the end of rows of
// 2^25 and 2^24+1 elements, and checks ArgMax of Arange(0, 2^24-1).
func TestReduceHugeExtremes(t *testing.T) {
	skipHuge(t)
	vk := vkBackend(t)
	nv := len(vk.Device().ValidationMessages())
	x := bigBuffer(t, vk, n25, 0.5)
	put(t, vk, x, n25-3, 100)
	put(t, vk, x, n24+5, -100)
	if got := reduceTo(t, vk, backend.Max, x); got[0] != 100 {
		t.Errorf("Max = %v, want 100", got[0])
	}
	if got := reduceTo(t, vk, backend.Min, x); got[0] != -100 {
		t.Errorf("Min = %v, want -100", got[0])
	}
	x24 := view(x, []int{n24 + 1}, []int{1})
	put(t, vk, x, n24, 200)
	put(t, vk, x, n24-1, -200)
	put(t, vk, x, 3, -200) // a tie: the first minimum wins
	if got := reduceTo(t, vk, backend.ArgMax, x24); got[0] != n24 {
		t.Errorf("ArgMax of 2^24+1 = %v, want %d", got[0], n24)
	}
	if got := reduceTo(t, vk, backend.ArgMin, x24); got[0] != 3 {
		t.Errorf("ArgMin of 2^24+1 = %v, want 3", got[0])
	}
	put(t, vk, x, 12345678, float32(math.NaN()))
	put(t, vk, x, 12345679, float32(math.NaN()))
	if got := reduceTo(t, vk, backend.ArgMax, x24); got[0] != 12345678 {
		t.Errorf("ArgMax with NaNs = %v, want 12345678", got[0])
	}
	ar := tensor.On(vk).Arange(0, n24-1, 1)
	if got, err := ar.ArgMax().Item(); err != nil || got != n24-2 {
		t.Errorf("Arange(0, 2^24-1).ArgMax() = %v, %v; want %d", got, err, n24-2)
	}
	ar.Release()
	checkValidation(t, vk, nv)
}

// TestReduceHugeSum checks Sum and Mean of 2^24+257 normal draws against
// the float64 sum (to a tree sum's error, far below a sequential sum's),
// and that runs agree bit for bit.
func TestReduceHugeSum(t *testing.T) {
	skipHuge(t)
	vk := vkBackend(t)
	nv := len(vk.Device().ValidationMessages())
	const n = n24 + 257
	y := bigBuffer(t, vk, n, float32(math.NaN()))
	host := make([]float32, n)
	if err := vk.Read(raw.Bytes(host), y); err != nil {
		t.Fatal(err)
	}
	var sum, abs float64
	for _, v := range host {
		sum += float64(v)
		abs += math.Abs(float64(v))
	}
	s1, s2 := reduceTo(t, vk, backend.Sum, y), reduceTo(t, vk, backend.Sum, y)
	if math.Float32bits(s1[0]) != math.Float32bits(s2[0]) {
		t.Errorf("Sum differs between runs: %v, %v", s1[0], s2[0])
	}
	if e := math.Abs(float64(s1[0]) - sum); e > 100*eps32*abs {
		t.Errorf("Sum of 2^24+257 normals = %v, float64 %v: error %.3g > %.3g", s1[0], sum, e, 100*eps32*abs)
	}
	if m := reduceTo(t, vk, backend.Mean, y); math.Abs(float64(m[0])-sum/n) > 100*eps32*abs/n+1e-12 {
		t.Errorf("Mean of 2^24+257 normals = %v, float64 %v", m[0], sum/n)
	}
	checkValidation(t, vk, nv)
}

// TestVarHuge checks Var (tensor.Var: Mean, broadcast Sub, Mul, Mean) of
// 2^24 elements on the device against the CPU.
func TestVarHuge(t *testing.T) {
	skipHuge(t)
	vk := vkBackend(t)
	if got, err := tensor.On(vk).Ones(1 << 24).Var().Item(); err != nil || got != 0 {
		t.Errorf("Var of 2^24 ones = %v, %v; want 0", got, err)
	}
	r := tensor.NewRNG(5)
	x := tensor.On(vk).Normal(r, 3, 2, 2, 1<<23)
	defer x.Release()
	data, err := x.Data()
	if err != nil {
		t.Fatal(err)
	}
	want, err := tensor.On(cpu.New()).FromSlice(data, 2, 1<<23).Var(1).Data()
	if err != nil {
		t.Fatal(err)
	}
	got, err := x.Var(1).Data()
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-5*float64(want[i]) {
			t.Errorf("Var row %d = %v, cpu %v", i, got[i], want[i])
		}
	}
}

// TestArgTooLong checks that ArgMax over more than 2^31 elements (one
// element broadcast) fails on its result, leaving the backend usable.
func TestArgTooLong(t *testing.T) {
	vkBackend(t) // skips without Vulkan
	vk, err := New(WithGPUOptions(gpu.Options{AllowCPU: true}))
	if err != nil {
		t.Fatal(err)
	}
	defer vk.Close()
	src, err := vk.Alloc(backend.Float32, 1)
	if err != nil {
		t.Fatal(err)
	}
	dst, _ := vk.Alloc(backend.Int32, 1)
	vk.Reduce(backend.ArgMax, backend.Strided{Buf: dst, Shape: []int{}, Strides: []int{}},
		backend.Strided{Buf: src, Shape: []int{2, 1<<30 + 1}, Strides: []int{0, 0}})
	if err := dst.Err(); !errors.Is(err, errArgTooLong) {
		t.Errorf("ArgMax of 2^31+2 elements: %v on the result, want errArgTooLong", err)
	}
	if err := vk.Sync(); err != nil {
		t.Errorf("the failed ArgMax left the backend failed: %v", err)
	}
}

// TestSoftmaxLong checks softmax and log-softmax of rows cut into chunks
// (softmax_long.comp), with the parity harness's special values, and
// softmax of one row of 2^24 elements (more than one workgroup could
// loop over on lavapipe).
func TestSoftmaxLong(t *testing.T) {
	vk := vkBackend(t)
	ref := cpu.New()
	r := rand.New(rand.NewSource(6))
	for _, lg := range []bool{false, true} {
		for _, c := range []struct {
			sh     []int
			dl, sl int
			gen    func(r *rand.Rand) float32
			chunks int
		}{{[]int{3, 9000}, dense, dense, wide, 0}, {[]int{2, 9001}, stepped, transposed, wide, 5},
			{[]int{4, 5000}, shifted, dense, specials, 3}, {[]int{3, 700}, dense, broadcast, wide, 700},
			{[]int{1, 300000}, dense, dense, normal, 0}} {
			cs := pcase{
				name: fmt.Sprintf("softmax/%v/%v/%d-%d/chunks%d", lg, c.sh, c.dl, c.sl, c.chunks),
				ops:  []opnd{{c.sh, c.dl, nil}, {c.sh, c.sl, c.gen}},
				run: func(b backend.Backend, o []backend.Strided) {
					if _, ok := b.(*Backend); ok {
						old, oc := softmaxForceChunks, softmaxMaxCache
						softmaxForceChunks, softmaxMaxCache = c.chunks, 0
						defer func() { softmaxForceChunks, softmaxMaxCache = old, oc }()
					}
					b.Softmax(o[0], o[1], lg)
				},
				rel: 1e-5, abs: 1e-7, norm: 4, bound: maxAbsBound,
			}
			t.Run(cs.name, func(t *testing.T) { checkCase(t, cs, ref, vk, r) })
		}
	}
	if testing.Short() {
		return
	}
	const n = n24
	x := bigBuffer(t, vk, n, 0.5)
	put(t, vk, x, n-1, 1.5)
	y := bigBuffer(t, vk, n, 0)
	for _, lg := range []bool{false} { // log-softmax takes the same path
		vk.Softmax(y, x, lg)
		got := make([]float32, n)
		if err := vk.Read(raw.Bytes(got), y); err != nil {
			t.Fatal(err)
		}
		// n-1 elements e^0 and one e^1 after subtracting the max 1.5
		z := float64(n-1)*math.Exp(-1) + 1
		w0, w1 := math.Exp(-1)/z, 1/z
		if lg {
			w0, w1 = -1-math.Log(z), -math.Log(z)
		}
		for i, w := range []float64{w0, w1} {
			k := []int{0, n - 1}[i]
			if math.Abs(float64(got[k])-w) > 1e-5*math.Abs(w) {
				t.Errorf("softmax(log %v) of a 2^24 row: element %d = %v, want %v", lg, k, got[k], w)
			}
		}
		if got[12345] != got[0] || got[n/2] != got[0] {
			t.Errorf("softmax(log %v) of a 2^24 row: equal inputs give %v, %v, %v", lg, got[0], got[12345], got[n/2])
		}
	}
	checkValidation(t, vk, 0)
}
