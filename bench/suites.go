package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/vktensor/vktensor/tensor"
)

// runner runs one suite and collects its rows and notes.
type runner struct {
	cfg     config
	mach    Machine
	targets []*target
	errOut  io.Writer
	rows    []Row
	notes   []string
}

// notef records a note printed under the suite's table (and in -md).
func (r *runner) notef(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// progress prints a finished measurement to errOut, so that long runs show
// where they are.
func (r *runner) progress(row Row) {
	m := suiteMetric(row.Suite)
	fmt.Fprintf(r.errOut, "bench: %s %s %s %s: %s %s\n", row.Suite, row.Op, row.Impl, row.Shape, formatValue(m.value(row)), m.label)
}

// row returns a Row of the running suite with the machine filled in.
func (r *runner) row(suite, op, impl, device string) Row {
	return Row{Suite: suite, Op: op, Impl: impl, Device: device, Machine: r.mach}
}

// powers returns lo, 2·lo, 4·lo, ... up to hi.
func powers(lo, hi int) []int {
	var out []int
	for n := lo; n <= hi; n *= 2 {
		out = append(out, n)
	}
	return out
}

// sizesFor returns the square sizes a target runs: -sizes when given,
// else def capped at limit.
func (r *runner) sizesFor(def []int, limit int) []int {
	if r.cfg.sizes != nil {
		return r.cfg.sizes
	}
	var out []int
	for _, n := range def {
		if n <= limit {
			out = append(out, n)
		}
	}
	return out
}

// budgetGuard skips sizes whose predicted run time exceeds the budget,
// predicting from the last measured size with an exponent (3 for matmul,
// 2 for elementwise work on n×n).
type budgetGuard struct {
	lastN    float64
	lastTime time.Duration
	exponent float64
}

// skip reports whether a size-n run would exceed a third of budget.
func (g *budgetGuard) skip(n float64, budget time.Duration) bool {
	if g.lastN == 0 {
		return false
	}
	pred := float64(g.lastTime) * math.Pow(n/g.lastN, g.exponent)
	return pred > float64(budget)/3
}

// record remembers a measured size.
func (g *budgetGuard) record(n float64, d time.Duration) { g.lastN, g.lastTime = n, d }

// mmShape is one matrix product C[m,n] = A[m,k]·B[k,n]. With transA, A is
// the transpose of a stored k×m matrix (a view, as autograd's xᵀ·dy); with
// transB, B is the transpose of a stored n×k matrix.
type mmShape struct {
	op             string
	m, k, n        int
	transA, transB bool
	square         bool
}

func (s mmShape) shape() string { return fmt.Sprintf("%dx%dx%d", s.m, s.k, s.n) }
func (s mmShape) flop() float64 { return 2 * float64(s.m) * float64(s.n) * float64(s.k) }
func (s mmShape) bytes() float64 {
	return 4 * (float64(s.m)*float64(s.k) + float64(s.k)*float64(s.n) + float64(s.m)*float64(s.n))
}

// mnistShapes are the products of one training step of the MNIST MLP
// 784→1024→1024→10 at batch 256, with the operand layouts package nn and
// tensor's autograd use: nn.Linear stores W as [out, in] and computes
// x·Wᵀ through a transposed view; autograd computes the weight gradient as
// xᵀ·dy (x transposed in place) and the input gradient as dy·W (none for
// the first layer, whose input is data).
var mnistShapes = []mmShape{
	{op: "mnist-fc1-fwd", m: 256, k: 784, n: 1024, transB: true},
	{op: "mnist-fc2-fwd", m: 256, k: 1024, n: 1024, transB: true},
	{op: "mnist-fc3-fwd", m: 256, k: 1024, n: 10, transB: true},
	{op: "mnist-fc1-dW", m: 784, k: 256, n: 1024, transA: true},
	{op: "mnist-fc2-dW", m: 1024, k: 256, n: 1024, transA: true},
	{op: "mnist-fc3-dW", m: 1024, k: 256, n: 10, transA: true},
	{op: "mnist-fc2-dx", m: 256, k: 1024, n: 1024},
	{op: "mnist-fc3-dx", m: 256, k: 10, n: 1024},
}

// mmOperands holds the host copies of one product's stored operands, so
// that every implementation multiplies the same numbers.
type mmOperands struct {
	a, b         []float32
	aRows, aCols int // stored shape of A (k×m when transposed)
	bRows, bCols int
}

func newOperands(s mmShape, seed uint64) mmOperands {
	o := mmOperands{aRows: s.m, aCols: s.k, bRows: s.k, bCols: s.n}
	if s.transA {
		o.aRows, o.aCols = s.k, s.m
	}
	if s.transB {
		o.bRows, o.bCols = s.n, s.k
	}
	rng := tensor.NewRNG(seed)
	cpu := tensor.CPU()
	o.a, _ = cpu.Uniform(rng, -1, 1, o.aRows, o.aCols).Data()
	o.b, _ = cpu.Uniform(rng, -1, 1, o.bRows, o.bCols).Data()
	return o
}

// matmul runs the matmul suite.
func (r *runner) matmul() {
	const suite = "matmul"
	defSquare := powers(64, 8192)
	if r.cfg.quick {
		defSquare = []int{64, 128}
	}
	// The CPU implementations share one list of sizes so their ratio is
	// meaningful; the GPU may go further.
	type impl struct {
		name, device string
		t            *target // nil for gonum
		sizes        []int
		guard        budgetGuard
	}
	var impls []*impl
	for _, t := range r.targets {
		limit := r.cfg.maxCPU
		if t.gpu {
			limit = r.cfg.maxGPU
		}
		impls = append(impls, &impl{name: t.impl, device: t.device, t: t, sizes: r.sizesFor(defSquare, limit)})
	}
	if r.cfg.hasCPU() {
		impls = append(impls, &impl{name: implGonum, device: cpuModel(), sizes: r.sizesFor(defSquare, r.cfg.maxCPU)})
	}
	if len(impls) == 0 {
		r.notef("no implementation to run")
		return
	}
	for _, im := range impls {
		im.guard.exponent = 3
	}

	var shapes []mmShape
	seen := map[int]bool{}
	for _, im := range impls {
		for _, n := range im.sizes {
			if !seen[n] {
				seen[n] = true
				shapes = append(shapes, mmShape{op: "sgemm", m: n, k: n, n: n, square: true})
			}
		}
	}
	sortShapes(shapes)
	shapes = append(shapes, mnistShapes...)

	checked := false
	for _, s := range shapes {
		ops := newOperands(s, uint64(s.m*131+s.k*17+s.n))
		for _, im := range impls {
			if s.square && !slices.Contains(im.sizes, s.m) {
				continue
			}
			if s.square && im.guard.skip(float64(s.m), r.cfg.budget) {
				r.notef("%s: n=%d skipped, predicted to exceed -budget %v", im.name, s.m, r.cfg.budget)
				continue
			}
			row := r.row(suite, s.op, im.name, im.device)
			row.Shape, row.N = s.shape(), s.m
			row.FLOP, row.Bytes = s.flop(), s.bytes()
			var st stats
			var err error
			if im.t == nil {
				row.Timing = timingWall
				st, err = r.gonumMatmul(s, ops)
			} else {
				row.Timing = im.t.timing()
				var got []float32
				st, got, err = r.vkMatmul(im.t, s, ops, !checked)
				if err == nil && got != nil {
					want := gonumProduct(s, ops)
					if d := maxRelDiff(got, want); d > 1e-3 {
						r.notef("%s: %s %s differs from gonum by %.2g (relative): check the backend", im.name, s.op, s.shape(), d)
					}
				}
			}
			if err != nil {
				r.notef("%s: %s %s failed: %v", im.name, s.op, s.shape(), err)
				continue
			}
			row.fill(st)
			r.progress(row)
			if s.square {
				im.guard.record(float64(s.m), st.median)
			}
			r.rows = append(r.rows, row)
		}
		checked = true
	}
}

// vkMatmul measures a·b on t; with check it also returns the product.
func (r *runner) vkMatmul(t *target, s mmShape, o mmOperands, check bool) (stats, []float32, error) {
	d := tensor.On(t.be)
	sa := d.FromSlice(o.a, o.aRows, o.aCols)
	sb := d.FromSlice(o.b, o.bRows, o.bCols)
	defer sa.Release()
	defer sb.Release()
	a, b := sa, sb
	if s.transA {
		a = sa.T()
	}
	if s.transB {
		b = sb.T()
	}
	if err := firstErr(sa.Err(), sb.Err(), t.be.Sync()); err != nil {
		return stats{}, nil, err
	}
	var got []float32
	if check {
		c := a.MatMul(b)
		var err error
		if got, err = c.Data(); err != nil {
			return stats{}, nil, err
		}
		c.Release()
	}
	st, err := measure(r.cfg, func(inner int) (time.Duration, error) {
		var opErr error
		dur, err := t.timed(func() {
			for range inner {
				c := a.MatMul(b)
				opErr = firstErr(opErr, c.Err())
				c.Release()
			}
		})
		return dur, firstErr(opErr, err)
	})
	return st, got, err
}

// gonumSgemm computes C = A·B with gonum's pure-Go BLAS.
func gonumSgemm(s mmShape, o mmOperands, c []float32) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if s.transA {
		ta = blas.Trans
	}
	if s.transB {
		tb = blas.Trans
	}
	gonum.Implementation{}.Sgemm(ta, tb, s.m, s.n, s.k, 1, o.a, o.aCols, o.b, o.bCols, 0, c, s.n)
}

// gonumProduct returns A·B computed by gonum.
func gonumProduct(s mmShape, o mmOperands) []float32 {
	c := make([]float32, s.m*s.n)
	gonumSgemm(s, o, c)
	return c
}

// gonumMatmul measures gonum's Sgemm on s.
func (r *runner) gonumMatmul(s mmShape, o mmOperands) (stats, error) {
	c := make([]float32, s.m*s.n)
	st, err := measure(r.cfg, func(inner int) (time.Duration, error) {
		start := time.Now()
		for range inner {
			gonumSgemm(s, o, c)
		}
		return time.Since(start), nil
	})
	return st, err
}

// maxRelDiff is max |got-want| / max(1, max |want|) over the elements, a
// scale-aware difference for products of uniform(-1, 1) matrices.
func maxRelDiff(got, want []float32) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	scale, diff := 1.0, 0.0
	for i := range want {
		scale = max(scale, math.Abs(float64(want[i])))
		diff = max(diff, math.Abs(float64(got[i])-float64(want[i])))
	}
	return diff / scale
}

// opSpec is one operation of the ops suite on an n×n input.
type opSpec struct {
	name string
	// bytes and flop of one run on n×n (float32, each element read or
	// written once).
	bytes, flop func(n float64) float64
	// run applies the op; x is n×n, v has n elements.
	run func(x, y, v *tensor.Tensor) *tensor.Tensor
}

var opSpecs = []opSpec{
	{"add", func(n float64) float64 { return 12 * n * n }, func(n float64) float64 { return n * n },
		func(x, y, _ *tensor.Tensor) *tensor.Tensor { return x.Add(y) }},
	{"add-broadcast", func(n float64) float64 { return 4 * (2*n*n + n) }, func(n float64) float64 { return n * n },
		func(x, _, v *tensor.Tensor) *tensor.Tensor { return x.Add(v) }},
	{"sum-rows", func(n float64) float64 { return 4 * (n*n + n) }, func(n float64) float64 { return n * n },
		func(x, _, _ *tensor.Tensor) *tensor.Tensor { return x.Sum(1) }},
	{"sum-cols", func(n float64) float64 { return 4 * (n*n + n) }, func(n float64) float64 { return n * n },
		func(x, _, _ *tensor.Tensor) *tensor.Tensor { return x.Sum(0) }},
	{"sum-all", func(n float64) float64 { return 4 * (n*n + 1) }, func(n float64) float64 { return n * n },
		func(x, _, _ *tensor.Tensor) *tensor.Tensor { return x.Sum() }},
	{"softmax-rows", func(n float64) float64 { return 8 * n * n }, func(float64) float64 { return 0 },
		func(x, _, _ *tensor.Tensor) *tensor.Tensor { return x.Softmax(1) }},
	{"transpose-contiguous", func(n float64) float64 { return 8 * n * n }, func(float64) float64 { return 0 },
		func(x, _, _ *tensor.Tensor) *tensor.Tensor { return x.T().Contiguous() }},
}

// ops runs the ops suite.
func (r *runner) ops() {
	const suite = "ops"
	for _, t := range r.targets {
		def := powers(256, 4096)
		if t.gpu {
			def = powers(256, min(8192, r.cfg.maxGPU))
		}
		if r.cfg.quick {
			def = []int{64, 128}
		}
		guards := make([]budgetGuard, len(opSpecs))
		for _, n := range r.sizesFor(def, math.MaxInt) {
			rng := tensor.NewRNG(uint64(n))
			d := tensor.On(t.be)
			x := d.Uniform(rng, -1, 1, n, n)
			y := d.Uniform(rng, -1, 1, n, n)
			v := d.Uniform(rng, -1, 1, n)
			if err := firstErr(x.Err(), y.Err(), v.Err(), t.be.Sync()); err != nil {
				r.notef("%s: n=%d: %v", t.impl, n, err)
				break
			}
			for i, op := range opSpecs {
				g := &guards[i]
				g.exponent = 2
				if g.skip(float64(n), r.cfg.budget) {
					r.notef("%s: %s n=%d skipped, predicted to exceed -budget %v", t.impl, op.name, n, r.cfg.budget)
					continue
				}
				row := r.row(suite, op.name, t.impl, t.device)
				row.Shape, row.N = fmt.Sprintf("%dx%d", n, n), n
				row.Bytes, row.FLOP = op.bytes(float64(n)), op.flop(float64(n))
				row.Timing = t.timing()
				st, err := measure(r.cfg, func(inner int) (time.Duration, error) {
					var opErr error
					dur, err := t.timed(func() {
						for range inner {
							o := op.run(x, y, v)
							opErr = firstErr(opErr, o.Err())
							if o != x {
								o.Release()
							}
						}
					})
					return dur, firstErr(opErr, err)
				})
				if err != nil {
					r.notef("%s: %s n=%d failed: %v", t.impl, op.name, n, err)
					continue
				}
				row.fill(st)
				r.progress(row)
				g.record(float64(n), st.median)
				r.rows = append(r.rows, row)
			}
			x.Release()
			y.Release()
			v.Release()
		}
	}
}

// latency runs the latency suite: chains of dependent adds.
func (r *runner) latency() {
	const suite = "latency"
	elems, chain := 1<<16, 1000
	if r.cfg.quick {
		elems, chain = 1<<12, 100
	}
	for _, t := range r.targets {
		d := tensor.On(t.be)
		rng := tensor.NewRNG(7)
		x0 := d.Uniform(rng, -1, 1, elems)
		inc := d.Full(1e-3, elems)
		if err := firstErr(x0.Err(), inc.Err(), t.be.Sync()); err != nil {
			r.notef("%s: %v", t.impl, err)
			continue
		}
		for _, syncEach := range []bool{false, true} {
			op, note := "add-chain", "one sync after the whole chain"
			if syncEach {
				op, note = "add-chain-sync-each", "a sync after every op"
			}
			row := r.row(suite, op, t.impl, t.device)
			row.Shape, row.N = fmt.Sprintf("%dx%d", elems, chain), elems
			row.Bytes, row.FLOP = 12*float64(elems), float64(elems)
			row.Timing, row.Note = timingWall, note
			st, err := measure(r.cfg, func(inner int) (time.Duration, error) {
				start := time.Now()
				var err error
				for range inner {
					x := x0
					for range chain {
						y := x.Add(inc)
						err = firstErr(err, y.Err())
						if x != x0 {
							x.Release()
						}
						x = y
						if syncEach {
							err = firstErr(err, t.be.Sync())
						}
					}
					err = firstErr(err, t.be.Sync())
					x.Release()
				}
				return time.Since(start), err
			})
			if err != nil {
				r.notef("%s: %s failed: %v", t.impl, op, err)
				continue
			}
			// measure timed whole chains; report per op.
			st.median /= time.Duration(chain)
			st.min /= time.Duration(chain)
			row.fill(st)
			row.OpsPerS = 1 / row.MedianS
			r.progress(row)
			r.rows = append(r.rows, row)
		}
		x0.Release()
		inc.Release()
	}
}

// mnist runs the mnist suite when a training step can be called.
func (r *runner) mnist() {
	if mnistTrainer == nil {
		r.notef("not available yet: this build has no MNIST training loop to call (bench/mnist_trainer.go wires in internal/trainer, cmd/mnist-gpu's loop)")
		return
	}
	for _, t := range r.targets {
		for _, model := range mnistModels {
			row := r.row("mnist", "train-epoch-"+model, t.impl, t.device)
			row.Timing = timingWall
			samples, st, err := mnistTrainer(r.cfg, t, model)
			if err != nil {
				r.notef("%s: %s: %v", t.impl, model, err)
				continue
			}
			row.Shape, row.N = fmt.Sprintf("%d samples", samples), samples
			row.fill(st)
			row.SamplesPerS = float64(samples) / row.MedianS
			r.progress(row)
			r.rows = append(r.rows, row)
		}
	}
}

// mnistModels names the models the mnist suite trains.
var mnistModels = []string{"mlp", "cnn"}

// mnistTrainer, when set, measures training epochs of model on t and
// returns the samples per epoch with the time per epoch. It stays nil until
// package nn offers a training step (see the mnist suite's note).
var mnistTrainer func(cfg config, t *target, model string) (int, stats, error)

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// sortShapes orders square shapes by size.
func sortShapes(s []mmShape) {
	slices.SortFunc(s, func(a, b mmShape) int { return a.m - b.m })
}
