package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vktensor/vktensor/tensor"
)

// The precision suite: square products n×n·n×n at each of the device's
// matmul precisions on float32 tensors (tensor.Device.SetMatMulPrecision:
// highest, high, medium) and of bfloat16 and float16 tensors, in GFLOP/s,
// with PyTorch beside them in the same run (bench/torch_ref.py: fp32 with
// TF32 off, TF32, bf16, fp16). Every implementation and mode also gets one
// error row: the largest relative error of its product against a float64
// reference, on operands that both sides read from the same float32 bits.
//
// The error of a product C of the float32 operands A, B (n×n, uniform in
// [-1, 1), fixed seed) is
//
//	max over sampled (i, j) of |C_ij − R_ij| / (|A|·|B|)_ij
//
// where R = A·B and |A|·|B| (the products of the absolute values) are
// computed in float64 from the same float32 operands: the norm-scaled
// element error of tensor/cpu's TestMatMulPrecision, which is what the
// rounding-error bound of a dot product is proportional to, so it stays
// defined where R_ij cancels to nearly 0. The sampled elements are all n
// columns of -err-rows rows of C chosen with a fixed seed: the reference
// then costs 2·rows·n² flops instead of 2·n³, and the figure is the
// maximum over what was sampled. The bf16 and fp16 rows round the float32
// operands to 16 bits (and the product too), so their error includes both
// roundings: what a user who converts float32 data pays.

// precSuite is the suite's name in -suite and in the rows.
const precSuite = "precision"

// precMode is one kind of product of the precision suite.
type precMode struct {
	op    string // Row.Op
	label string // vktensor's label in the table
	prec  tensor.Precision
	dt    tensor.DType
}

// vkPrecModes are vktensor's modes, in table order.
var vkPrecModes = []precMode{
	{"fp32-highest", "fp32 highest", tensor.PrecisionHighest, tensor.Float32},
	{"fp32-high", "fp32 high (3 fp16 products)", tensor.PrecisionHigh, tensor.Float32},
	{"fp32-medium", "fp32 medium (1 fp16 product)", tensor.PrecisionMedium, tensor.Float32},
	{"bf16", "bf16 tensors", tensor.PrecisionHighest, tensor.BFloat16},
	{"fp16", "fp16 tensors", tensor.PrecisionHighest, tensor.Float16},
}

// torchPrecLabels are PyTorch's labels of the same ops
// (bench/torch_ref.py's PREC_MODES).
var torchPrecLabels = map[string]string{
	"fp32-highest": "fp32, TF32 off",
	"fp32-high":    "fp32 high (TF32)",
	"bf16":         "bf16 tensors",
	"fp16":         "fp16 tensors",
}

// precPairs are the ratio lines of the table: vktensor's op over
// PyTorch's. High is compared with both fp32 and TF32, medium with fp16
// tensors (the targets).
var precPairs = []struct{ num, den string }{
	{"fp32-highest", "fp32-highest"},
	{"fp32-high", "fp32-highest"},
	{"fp32-high", "fp32-high"},
	{"fp32-medium", "fp16"},
	{"bf16", "bf16"},
	{"fp16", "fp16"},
}

// PrecInfo is the precision suite's part of a Row.
type PrecInfo struct {
	// Effective is the precision the device computed when it is not the
	// one the op asks for (a fallback to a more precise one).
	Effective string `json:"effective,omitempty"`
	// ErrN > 0 marks an error row, which has no timing: MaxRelErr over
	// ErrRows sampled rows of an ErrN×ErrN×ErrN product.
	ErrN      int     `json:"err_n,omitempty"`
	ErrRows   int     `json:"err_rows,omitempty"`
	MaxRelErr float64 `json:"max_rel_err,omitempty"`
	// Skip says why an implementation has no figures for the op.
	Skip string `json:"skip,omitempty"`
}

// precRun holds the operands and the float64 reference that every error
// row of one run is measured against.
type precRun struct {
	n      int
	a, b   []float32 // n×n, row-major
	sample []int     // the rows of C compared, ascending
	dir    string    // operand files for PyTorch; "" when none were written

	once     sync.Once
	ref, mag []float64 // len(sample)×n: R and |A|·|B| on the sampled rows
	notes    []string
}

// newPrecRun draws the error operands: -err-n, else 4096 where a GPU
// (not a CPU implementation of Vulkan) opened, 1024 otherwise and 128 with
// -quick.
func newPrecRun(cfg config, targets []*target) *precRun {
	n := cfg.errN
	if n <= 0 {
		n = 1024
		if cfg.quick {
			n = 128
		}
		if !cfg.quick && slices.ContainsFunc(targets, func(t *target) bool { return t.gpu && !t.soft }) {
			n = 4096
		}
	}
	p := &precRun{n: n, sample: sampleRows(n, cfg.errRows, 1)}
	rng := tensor.NewRNG(0x5eed)
	p.a, _ = tensor.CPU().Uniform(rng, -1, 1, n, n).Data()
	p.b, _ = tensor.CPU().Uniform(rng, -1, 1, n, n).Data()
	return p
}

// sampleRows returns min(rows, n) distinct row indices below n, ascending,
// drawn with seed.
func sampleRows(n, rows int, seed uint64) []int {
	if rows <= 0 || rows >= n {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	out := rand.New(rand.NewPCG(seed, uint64(n))).Perm(n)[:rows]
	slices.Sort(out)
	return out
}

// refRows returns, for each row i in rows of the k×n product A·B (A with k
// columns, B k×n, both row-major), R_ij = Σ_l A_il·B_lj and
// M_ij = Σ_l |A_il·B_lj| in float64, len(rows)×n values each. Rows are
// computed in parallel.
func refRows(a, b []float32, k, n int, rows []int) (ref, mag []float64) {
	ref = make([]float64, len(rows)*n)
	mag = make([]float64, len(rows)*n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), len(rows))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				s := int(next.Add(1) - 1)
				if s >= len(rows) {
					return
				}
				r, m := ref[s*n:(s+1)*n], mag[s*n:(s+1)*n]
				for l, av := range a[rows[s]*k : (rows[s]+1)*k] {
					x := float64(av)
					for j, bv := range b[l*n : (l+1)*n] {
						v := x * float64(bv)
						r[j] += v
						m[j] += math.Abs(v)
					}
				}
			}
		}()
	}
	wg.Wait()
	return ref, mag
}

// maxRelErr is the largest |c − ref| / mag over the elements (see the
// suite's comment). An element with mag 0 counts 0 when c equals ref and
// +Inf otherwise; so does a NaN.
func maxRelErr(c []float32, ref, mag []float64) float64 {
	if len(c) != len(ref) || len(ref) != len(mag) {
		return math.Inf(1)
	}
	worst := 0.0
	for i, v := range c {
		d := math.Abs(float64(v) - ref[i])
		switch {
		case d == 0:
		case mag[i] > 0 && d <= math.MaxFloat64:
			worst = max(worst, d/mag[i])
		default: // NaN, ±Inf, or an error where every product is 0
			return math.Inf(1)
		}
	}
	return worst
}

// reference computes the float64 reference once.
func (p *precRun) reference() {
	p.once.Do(func() { p.ref, p.mag = refRows(p.a, p.b, p.n, p.n, p.sample) })
}

// errOf returns the error of the full n×n product c.
func (p *precRun) errOf(c []float32) float64 {
	if len(c) != p.n*p.n {
		return math.Inf(1)
	}
	p.reference()
	rows := make([]float32, 0, len(p.sample)*p.n)
	for _, i := range p.sample {
		rows = append(rows, c[i*p.n:(i+1)*p.n]...)
	}
	return maxRelErr(rows, p.ref, p.mag)
}

// errRow returns an error row of the suite.
func (p *precRun) errRow(r *runner, op, impl, device string) Row {
	row := r.row(precSuite, op, impl, device)
	row.Shape, row.N = fmt.Sprintf("%dx%dx%d", p.n, p.n, p.n), p.n
	row.Prec = &PrecInfo{ErrN: p.n, ErrRows: len(p.sample)}
	return row
}

// The files shared with bench/torch_ref.py's precision suite (--prec-dir):
// prec.json {"n": n, "rows": [...]}, a.f32 and b.f32 (the operands,
// little-endian float32, row-major) and, written back, IMPL-OP.f32 (the
// sampled rows of each product, in the same format).

// writeTorchFiles writes the operands for PyTorch into a new temporary
// directory and returns the script's arguments.
func (p *precRun) writeTorchFiles() ([]string, error) {
	dir, err := os.MkdirTemp("", "vktensor-precision-")
	if err != nil {
		return nil, err
	}
	p.dir = dir
	meta, err := json.Marshal(map[string]any{"n": p.n, "rows": p.sample})
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "prec.json"), meta, 0o644); err != nil {
		return nil, err
	}
	for name, v := range map[string][]float32{"a.f32": p.a, "b.f32": p.b} {
		if err := writeF32(filepath.Join(dir, name), v); err != nil {
			return nil, err
		}
	}
	return []string{"--prec-dir", dir}, nil
}

func writeF32(path string, v []float32) error {
	buf := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(x))
	}
	return os.WriteFile(path, buf, 0o644)
}

func readF32(path string) ([]float32, error) {
	buf, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(buf)%4 != 0 {
		return nil, fmt.Errorf("%s: %d bytes, not a whole number of float32", path, len(buf))
	}
	v := make([]float32, len(buf)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
	}
	return v, nil
}

// fillTorch sets MaxRelErr on PyTorch's error rows from the sampled rows
// the script wrote back, and drops (with a note) those it cannot score.
func (p *precRun) fillTorch(rows []Row) []Row {
	var out []Row
	for _, r := range rows {
		if r.Suite != precSuite || r.Prec == nil || r.Prec.ErrN == 0 {
			out = append(out, r)
			continue
		}
		if r.Prec.ErrN != p.n || p.dir == "" {
			p.notes = append(p.notes, fmt.Sprintf("%s: %s error row for n=%d dropped: this run's operands are n=%d", r.Impl, r.Op, r.Prec.ErrN, p.n))
			continue
		}
		c, err := readF32(filepath.Join(p.dir, r.Impl+"-"+r.Op+".f32"))
		if err != nil || len(c) != len(p.sample)*p.n {
			p.notes = append(p.notes, fmt.Sprintf("%s: %s error row dropped: its product rows were not written back (%d values, %v)", r.Impl, r.Op, len(c), err))
			continue
		}
		p.reference()
		r.Prec.ErrRows = len(p.sample)
		r.Prec.MaxRelErr = maxRelErr(c, p.ref, p.mag)
		out = append(out, r)
	}
	p.checkTF32(out)
	return out
}

// checkTF32 notes a TF32 row whose error is float32's: TF32 keeps 10
// significand bits, so a product that really ran in it errs far more
// (the error column doubles as the proof that the mode was in effect).
func (p *precRun) checkTF32(rows []Row) {
	errs := map[[2]string]float64{}
	for _, r := range rows {
		if r.Suite == precSuite && r.Prec != nil && r.Prec.ErrN > 0 {
			errs[[2]string{r.Impl, r.Op}] = r.Prec.MaxRelErr
		}
	}
	for _, im := range []string{implTorchCUDA, implTorchCPU} {
		tf, ok1 := errs[[2]string{im, "fp32-high"}]
		fp, ok2 := errs[[2]string{im, "fp32-highest"}]
		if ok1 && ok2 && tf < 8*fp {
			p.notes = append(p.notes, fmt.Sprintf("%s: the TF32 row's error %.2e is float32's (%.2e): TF32 was not in effect, so that row is fp32 under another name", im, tf, fp))
		}
	}
}

// close removes the operand files.
func (p *precRun) close() {
	if p.dir != "" {
		os.RemoveAll(p.dir)
	}
}

// precSizes are the timed sizes on t: -sizes, else powers of two from 256
// to 8192 on a GPU and to 1024 on the CPU or a CPU implementation of
// Vulkan (where the budget guard would otherwise spend minutes), capped by
// -max-gpu and -max-cpu.
func (r *runner) precSizes(t *target) []int {
	if r.cfg.quick {
		return r.sizesFor([]int{64, 128}, math.MaxInt)
	}
	if t.gpu && !t.soft {
		return r.sizesFor(powers(256, 8192), r.cfg.maxGPU)
	}
	limit := r.cfg.maxCPU
	if t.gpu {
		limit = r.cfg.maxGPU
	}
	return r.sizesFor(powers(256, 1024), limit)
}

// precision runs the precision suite on every target, then scores p's
// products.
func (r *runner) precision(p *precRun) {
	for _, t := range r.targets {
		r.precisionOn(t, p)
	}
	r.notef("max rel err: max over sampled elements of |C − R| / (|A|·|B|), where R = A·B and |A|·|B| are computed in float64 from the same float32 operands (n=%d, uniform in [-1, 1), one seed; all columns of %d rows of C chosen with a fixed seed); bf16/fp16 rows include the rounding of the operands and of the result to 16 bits.", p.n, len(p.sample))
	if p.dir != "" {
		r.notef("PyTorch multiplies the same operand bits (read from a file) and its sampled rows are scored by the same Go code.")
	}
	r.notes = append(r.notes, p.notes...)
}

// precisionOn times and scores every vktensor mode on t, restoring the
// device's precision afterwards.
func (r *runner) precisionOn(t *target, p *precRun) {
	d := tensor.On(t.be)
	defer d.SetMatMulPrecision(d.MatMulPrecision())
	// effective sets m's precision on d and returns the fallback, if any.
	effective := func(m precMode) string {
		if e := d.SetMatMulPrecision(m.prec); e != m.prec {
			return e.String()
		}
		return ""
	}
	guards := make([]budgetGuard, len(vkPrecModes))
	for _, n := range r.precSizes(t) {
		rng := tensor.NewRNG(uint64(n))
		a32 := d.Uniform(rng, -1, 1, n, n)
		b32 := d.Uniform(rng, -1, 1, n, n)
		for i, m := range vkPrecModes {
			g := &guards[i]
			g.exponent = 3
			if g.skip(float64(n), r.cfg.budget) {
				r.notef("%s: %s n=%d skipped, predicted to exceed -budget %v", t.impl, m.op, n, r.cfg.budget)
				continue
			}
			a, b := a32.AsType(m.dt), b32.AsType(m.dt)
			if err := firstErr(a.Err(), b.Err(), t.be.Sync()); err != nil {
				r.notef("%s: %s n=%d: %v", t.impl, m.op, n, err)
				continue
			}
			row := r.row(precSuite, m.op, t.impl, t.device)
			row.Shape, row.N = fmt.Sprintf("%dx%dx%d", n, n, n), n
			row.FLOP = 2 * float64(n) * float64(n) * float64(n)
			row.Bytes = 3 * float64(n) * float64(n) * float64(m.dt.Size())
			row.Prec = &PrecInfo{Effective: effective(m)}
			before := len(r.rows)
			r.timeRow(t, row, func() *tensor.Tensor { return a.MatMul(b) })
			if len(r.rows) > before {
				g.record(float64(n), durationOf(r.rows[before].MedianS))
			}
			if m.dt != tensor.Float32 {
				a.Release()
				b.Release()
			}
		}
		a32.Release()
		b32.Release()
	}
	for _, m := range vkPrecModes {
		row := p.errRow(r, m.op, t.impl, t.device)
		row.Prec.Effective = effective(m)
		a := d.FromSlice(p.a, p.n, p.n).AsType(m.dt)
		b := d.FromSlice(p.b, p.n, p.n).AsType(m.dt)
		c := a.MatMul(b)
		got, err := c.Data()
		c.Release()
		a.Release()
		b.Release()
		if err != nil {
			r.notef("%s: %s error product n=%d failed: %v", t.impl, m.op, p.n, err)
			continue
		}
		row.Prec.MaxRelErr = p.errOf(got)
		fmt.Fprintf(r.errOut, "bench: %s %s %s: max rel err %.3g\n", precSuite, m.op, t.impl, row.Prec.MaxRelErr)
		r.rows = append(r.rows, row)
		if e := row.Prec.Effective; e != "" {
			r.notef("%s (%s): %s ran at precision %s: the device has no native %s path (tensor.Device.SetMatMulPrecision fell back); its rows say so", t.impl, t.device, m.op, e, m.prec)
		}
	}
}

// precLabel is a row's mode as the table shows it: a fallback names the
// precision that ran.
func precLabel(r Row) string {
	label := r.Op
	if strings.HasPrefix(r.Impl, "pytorch") {
		if l, ok := torchPrecLabels[r.Op]; ok {
			label = l
		}
	} else if i := slices.IndexFunc(vkPrecModes, func(m precMode) bool { return m.op == r.Op }); i >= 0 {
		label = vkPrecModes[i].label
	}
	if r.Prec != nil && r.Prec.Effective != "" {
		name, _, _ := strings.Cut(label, " (")
		label = fmt.Sprintf("%s → %s (fallback)", name, r.Prec.Effective)
	}
	return label
}

// precPlotName names r's line in the plot: implementation and op, and the
// precision that ran where the device fell back.
func precPlotName(r Row) string {
	name := r.Impl + " " + r.Op
	if r.Prec != nil && r.Prec.Effective != "" {
		name += " → " + r.Prec.Effective + " (fallback)"
	}
	return name
}

// precOpOrder orders the ops of the table.
var precOpOrder = []string{"fp32-highest", "fp32-high", "fp32-medium", "bf16", "fp16"}

// buildPrecTable lays out the precision suite: one line per
// implementation and mode with GFLOP/s per size and the error, then one
// line per vktensor/PyTorch pair with the ratios.
func buildPrecTable(rows []Row, notes []string) table {
	t := table{title: precSuite + " — matmul GFLOP/s from the median time per precision and dtype (higher is better), and the max relative error against float64 (lower is better)", notes: slices.Clone(notes)}
	impls := implsOf(rows)
	var sizes, errNs []int
	for _, r := range rows {
		switch {
		case r.Prec != nil && r.Prec.ErrN > 0:
			if !slices.Contains(errNs, r.Prec.ErrN) {
				errNs = append(errNs, r.Prec.ErrN)
			}
		case r.GFLOPS > 0 && !slices.Contains(sizes, r.N):
			sizes = append(sizes, r.N)
		}
	}
	slices.Sort(sizes)
	t.header = []string{"impl", "mode"}
	for _, n := range sizes {
		t.header = append(t.header, fmt.Sprintf("n=%d", n))
	}
	errHead := "max rel err"
	if len(errNs) == 1 {
		errHead = fmt.Sprintf("max rel err (n=%d)", errNs[0])
	}
	t.header = append(t.header, errHead)

	type key struct{ impl, op string }
	type line struct {
		label string
		perN  map[int]float64
		err   string
	}
	lines := map[key]*line{}
	for _, r := range rows {
		k := key{r.Impl, r.Op}
		l := lines[k]
		if l == nil {
			l = &line{perN: map[int]float64{}, err: "—"}
			lines[k] = l
		}
		if l.label == "" || (r.Prec != nil && r.Prec.Effective != "") {
			l.label = precLabel(r)
		}
		switch {
		case r.Prec != nil && r.Prec.Skip != "":
			l.label = precLabel(r) + " (skipped)"
			t.notes = append(t.notes, fmt.Sprintf("%s: no %s rows: %s", r.Impl, r.Op, r.Prec.Skip))
		case r.Prec != nil && r.Prec.ErrN > 0:
			l.err = fmt.Sprintf("%.2e", r.Prec.MaxRelErr)
			if len(errNs) > 1 {
				l.err += fmt.Sprintf(" (n=%d)", r.Prec.ErrN)
			}
		case r.GFLOPS > 0:
			l.perN[r.N] = r.GFLOPS
		}
	}
	ops := slices.Clone(precOpOrder)
	for _, r := range rows {
		if !slices.Contains(ops, r.Op) {
			ops = append(ops, r.Op)
		}
	}
	for _, im := range impls {
		for _, op := range ops {
			l := lines[key{im, op}]
			if l == nil {
				continue
			}
			cells := []string{im, l.label}
			for _, n := range sizes {
				cells = append(cells, formatValue(l.perN[n]))
			}
			t.cells = append(t.cells, append(cells, l.err))
		}
	}
	for _, ip := range [][2]string{{implGPU, implTorchCUDA}, {implCPU, implTorchCPU}} {
		for _, pp := range precPairs {
			num, den := lines[key{ip[0], pp.num}], lines[key{ip[1], pp.den}]
			if num == nil || den == nil || len(num.perN) == 0 || len(den.perN) == 0 {
				continue
			}
			cells := []string{strings.TrimPrefix(ip[0], "vktensor-") + "/" + ip[1], num.label + " ÷ " + den.label}
			for _, n := range sizes {
				if a, b := num.perN[n], den.perN[n]; a > 0 && b > 0 {
					cells = append(cells, fmt.Sprintf("%.2f×", a/b))
				} else {
					cells = append(cells, "—")
				}
			}
			t.cells = append(t.cells, append(cells, ""))
		}
	}
	for _, im := range impls {
		i := slices.IndexFunc(rows, func(r Row) bool { return r.Impl == im && r.Reps > 0 })
		if i < 0 {
			i = slices.IndexFunc(rows, func(r Row) bool { return r.Impl == im })
		}
		r := rows[i]
		t.legend = append(t.legend, fmt.Sprintf("%s: %s; timing %s, median of %d", im, r.Device, r.Timing, r.Reps))
	}
	return t
}
