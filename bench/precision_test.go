package main

import (
	"bytes"
	"io"
	"math"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/cpu"
)

// TestRefRowsAndMaxRelErr checks the float64 reference and the error
// against a product worked out by hand:
//
//	A = [1 2; 3 -4], B = [0.5 -1; 2 0.25]
//	A·B   = [4.5 -0.5; -6.5 -4]
//	|A|·|B| = [4.5 1.5; 9.5 4]
func TestRefRowsAndMaxRelErr(t *testing.T) {
	a := []float32{1, 2, 3, -4}
	b := []float32{0.5, -1, 2, 0.25}
	ref, mag := refRows(a, b, 2, 2, []int{0, 1})
	if !slices.Equal(ref, []float64{4.5, -0.5, -6.5, -4}) || !slices.Equal(mag, []float64{4.5, 1.5, 9.5, 4}) {
		t.Fatalf("refRows = %v, %v", ref, mag)
	}
	// Errors 0, 0.375/1.5, 0, 0.5/4: the largest is 0.25.
	c := []float32{4.5, -0.125, -6.5, -4.5}
	if got := maxRelErr(c, ref, mag); got != 0.25 {
		t.Errorf("maxRelErr = %v, want 0.25", got)
	}
	// Only row 1 sampled.
	ref1, mag1 := refRows(a, b, 2, 2, []int{1})
	if got := maxRelErr(c[2:], ref1, mag1); got != 0.125 {
		t.Errorf("row 1: maxRelErr = %v, want 0.125", got)
	}
	if got := maxRelErr([]float32{4.5, -0.5, -6.5, -4}, ref, mag); got != 0 {
		t.Errorf("exact product: %v", got)
	}
	inf := math.Inf(1)
	for _, tc := range []struct {
		name     string
		c        []float32
		ref, mag []float64
		want     float64
	}{
		{"NaN", []float32{float32(math.NaN())}, []float64{1}, []float64{1}, inf},
		{"Inf", []float32{float32(inf)}, []float64{1}, []float64{1}, inf},
		{"zero magnitude, exact", []float32{0}, []float64{0}, []float64{0}, 0},
		{"zero magnitude, wrong", []float32{1e-30}, []float64{0}, []float64{0}, inf},
		{"length mismatch", []float32{1, 2}, []float64{1}, []float64{1}, inf},
	} {
		if got := maxRelErr(tc.c, tc.ref, tc.mag); got != tc.want {
			t.Errorf("%s: maxRelErr = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSampleRows(t *testing.T) {
	s := sampleRows(1000, 64, 1)
	if len(s) != 64 || !slices.IsSorted(s) || s[0] < 0 || s[63] >= 1000 || len(slices.Compact(slices.Clone(s))) != 64 {
		t.Errorf("sampleRows(1000, 64) = %v", s)
	}
	if !slices.Equal(s, sampleRows(1000, 64, 1)) {
		t.Error("sampleRows is not deterministic")
	}
	for _, rows := range []int{0, 5, 9} {
		if got := sampleRows(5, rows, 1); !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
			t.Errorf("sampleRows(5, %d) = %v, want every row", rows, got)
		}
	}
}

// TestPrecisionSuiteCPU runs the suite on the CPU backend (which computes
// every precision) at the -quick sizes and checks the rows and that each
// mode's error lies where its rounding puts it. Without -short the GPU
// (lavapipe where there is none) runs too, and a mode it lacks must be
// labelled as the fallback it is.
func TestPrecisionSuiteCPU(t *testing.T) {
	rows, out, _ := runQuick(t, "-quick", "-suite", precSuite, "-device", "cpu", "-png", t.TempDir())
	errs := checkPrecRows(t, rows, implCPU, []int{64, 128})
	for _, m := range vkPrecModes {
		if !strings.Contains(out, m.label) {
			t.Errorf("table lacks %q:\n%s", m.label, out)
		}
	}
	if strings.Contains(out, "fallback") {
		t.Errorf("the CPU backend computes every precision, yet the table shows a fallback:\n%s", out)
	}
	highest, high, medium, bf16, fp16 := errs["fp32-highest"], errs["fp32-high"], errs["fp32-medium"], errs["bf16"], errs["fp16"]
	t.Logf("n=128 errors: highest %.2e high %.2e medium %.2e bf16 %.2e fp16 %.2e", highest, high, medium, bf16, fp16)
	if !(highest > 0 && highest < 1e-6) {
		t.Errorf("highest error %.3g: not float32's", highest)
	}
	if !(high <= 2*highest) {
		t.Errorf("high error %.3g, more than twice highest's %.3g", high, highest)
	}
	if !(medium > 10*highest && medium <= 1.0/2048) {
		t.Errorf("medium error %.3g: want ≫ highest's %.3g and ≤ 2^-11", medium, highest)
	}
	if !(fp16 >= medium && fp16 <= 1.0/1024) {
		t.Errorf("fp16 error %.3g: want ≥ medium's %.3g (the result is rounded too) and ≤ 2^-10", fp16, medium)
	}
	if !(bf16 > fp16 && bf16 <= 1.0/256) {
		t.Errorf("bf16 error %.3g: want > fp16's %.3g and ≤ 2^-8", bf16, fp16)
	}

	if testing.Short() {
		return
	}
	g, gout, gerr := runQuick(t, "-quick", "-suite", precSuite, "-device", "gpu", "-gpu-allow-cpu")
	if !slices.ContainsFunc(g, func(r Row) bool { return r.Impl == implGPU }) {
		if !strings.Contains(gerr, "skipping the GPU") {
			t.Errorf("no %s rows and no notice saying why", implGPU)
		}
		return
	}
	gerrs := checkPrecRows(t, g, implGPU, []int{64, 128})
	if gerrs["fp32-highest"] > 1e-6 || gerrs["bf16"] > 1.0/256 {
		t.Errorf("GPU errors %v", gerrs)
	}
	for _, r := range g {
		if r.Op != "fp32-high" && r.Op != "fp32-medium" || r.Impl != implGPU {
			continue
		}
		if fell := r.Prec.Effective != ""; fell != strings.Contains(gout, "fallback") {
			t.Errorf("%s %s: effective %q, table:\n%s", r.Op, r.Shape, r.Prec.Effective, gout)
		}
	}
}

// checkPrecRows checks impl's rows: every mode timed at sizes and scored
// once; it returns the errors by op.
func checkPrecRows(t *testing.T, rows []Row, impl string, sizes []int) map[string]float64 {
	t.Helper()
	errs := map[string]float64{}
	for _, m := range vkPrecModes {
		var got []int
		for _, r := range rows {
			if r.Suite != precSuite || r.Impl != impl || r.Op != m.op {
				continue
			}
			if r.Prec == nil {
				t.Errorf("%s %s %s: no precision info", impl, m.op, r.Shape)
				continue
			}
			if r.Prec.ErrN > 0 {
				if _, dup := errs[m.op]; dup {
					t.Errorf("%s %s: two error rows", impl, m.op)
				}
				errs[m.op] = r.Prec.MaxRelErr
				if r.Prec.ErrN != 128 || r.Prec.ErrRows != 64 {
					t.Errorf("%s %s: error at n=%d over %d rows, want the -quick 128 and 64", impl, m.op, r.Prec.ErrN, r.Prec.ErrRows)
				}
				continue
			}
			checkRow(t, r)
			got = append(got, r.N)
		}
		if !slices.Equal(got, sizes) {
			t.Errorf("%s %s: timed at %v, want %v", impl, m.op, got, sizes)
		}
		if _, ok := errs[m.op]; !ok {
			t.Errorf("%s %s: no error row", impl, m.op)
		}
	}
	return errs
}

// plainBackend hides the CPU backend's PreciseMatMul: a device with only
// the highest precision.
type plainBackend struct{ backend.Backend }

// TestPrecisionFallback runs the suite on a backend without reduced
// precisions: high and medium fall back to highest, compute exactly its
// product, and every row and table line says so.
func TestPrecisionFallback(t *testing.T) {
	cfg, err := parseFlags([]string{"-quick", "-sizes", "32"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	tg := &target{impl: implGPU, device: "no tensor cores", gpu: true, be: plainBackend{cpu.New()}}
	r := &runner{cfg: cfg, mach: machineInfo("test"), targets: []*target{tg}, errOut: io.Discard}
	p := newPrecRun(cfg, r.targets)
	r.precision(p)
	if d := tensor.On(tg.be); d.MatMulPrecision() != tensor.PrecisionHighest {
		t.Errorf("the suite left the device at %v", d.MatMulPrecision())
	}
	errs := map[string]float64{}
	for _, row := range r.rows {
		want := ""
		if row.Op == "fp32-high" || row.Op == "fp32-medium" {
			want = "highest"
		}
		if row.Prec == nil || row.Prec.Effective != want {
			t.Errorf("%s %s: precision info %+v, want effective %q", row.Op, row.Shape, row.Prec, want)
		}
		if name := precPlotName(row); strings.Contains(name, "(fallback)") != (want != "") {
			t.Errorf("%s %s: plotted as %q", row.Op, row.Shape, name)
		}
		if row.Prec != nil && row.Prec.ErrN > 0 {
			errs[row.Op] = row.Prec.MaxRelErr
		}
	}
	if errs["fp32-high"] != errs["fp32-highest"] || errs["fp32-medium"] != errs["fp32-highest"] {
		t.Errorf("fallback errors %v: high and medium must equal highest's", errs)
	}
	var buf bytes.Buffer
	writeTable(&buf, precSuite, r.rows, r.notes)
	tab := buf.String()
	for _, want := range []string{"fp32 high → highest (fallback)", "fp32 medium → highest (fallback)", "fp32-high ran at precision highest"} {
		if !strings.Contains(tab, want) {
			t.Errorf("table lacks %q:\n%s", want, tab)
		}
	}
	for _, wrong := range []string{"3 fp16 products", "1 fp16 product"} {
		if strings.Contains(tab, wrong) {
			t.Errorf("table presents a fallback as %q:\n%s", wrong, tab)
		}
	}
}

// TestPrecTorchRows checks the exchange with bench/torch_ref.py: operand
// files out, sampled rows back, scored by fillTorch; a missing file drops
// the row with a note; and PyTorch's rows (a skip among them) land in the
// table with the ratio lines.
func TestPrecTorchRows(t *testing.T) {
	cfg, err := parseFlags([]string{"-quick", "-err-n", "16", "-err-rows", "4"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	p := newPrecRun(cfg, nil)
	defer p.close()
	if _, err := p.writeTorchFiles(); err != nil {
		t.Fatal(err)
	}
	a, err := readF32(filepath.Join(p.dir, "a.f32"))
	if err != nil || !slices.Equal(a, p.a) {
		t.Fatalf("a.f32 read back: %v", err)
	}
	// What PyTorch would write for fp32: the sampled rows of the float32
	// product, here rounded from the reference.
	p.reference()
	c := make([]float32, len(p.ref))
	for i, v := range p.ref {
		c[i] = float32(v)
	}
	if err := writeF32(filepath.Join(p.dir, implTorchCPU+"-fp32-highest.f32"), c); err != nil {
		t.Fatal(err)
	}
	lines := `{"suite": "precision", "op": "fp32-highest", "impl": "pytorch-cpu", "device": "x", "shape": "16x16x16", "n": 16, "reps": 0, "inner": 0, "median_s": 0, "min_s": 0, "timing": "wall-median-after-warmup", "precision": {"err_n": 16, "err_rows": 4}, "machine": {}}
{"suite": "precision", "op": "bf16", "impl": "pytorch-cpu", "device": "x", "shape": "16x16x16", "n": 16, "reps": 0, "inner": 0, "median_s": 0, "min_s": 0, "timing": "wall-median-after-warmup", "precision": {"err_n": 16, "err_rows": 4}, "machine": {}}
{"suite": "precision", "op": "fp16", "impl": "pytorch-cpu", "device": "x", "shape": "-", "n": 0, "reps": 0, "inner": 0, "median_s": 0, "min_s": 0, "timing": "wall-median-after-warmup", "precision": {"skip": "no Half on the CPU"}, "machine": {}}
{"suite": "precision", "op": "fp32-highest", "impl": "pytorch-cpu", "device": "x", "shape": "64x64x64", "n": 64, "reps": 2, "inner": 1, "median_s": 1e-4, "min_s": 1e-4, "flop": 524288, "gflops": 5.24, "timing": "wall-median-after-warmup", "machine": {}}
`
	rows, bad := parseRows(strings.NewReader(lines))
	if bad != 0 || len(rows) != 4 {
		t.Fatalf("%d rows, %d bad", len(rows), bad)
	}
	rows = p.fillTorch(rows)
	if len(rows) != 3 || rows[0].Prec.MaxRelErr >= 1e-6 || rows[0].Prec.ErrRows != 4 {
		t.Errorf("filled rows %+v (the fp32 row scored, the bf16 row without a file dropped)", rows)
	}
	if len(p.notes) != 1 || !strings.Contains(p.notes[0], "bf16 error row dropped") {
		t.Errorf("notes %q", p.notes)
	}
	// A "TF32" row as exact as fp32 gets a note; one with TF32's error none.
	for _, tc := range []struct {
		tf32 float64
		note bool
	}{{1e-7, true}, {2e-4, false}} {
		q := &precRun{}
		q.checkTF32([]Row{
			{Suite: precSuite, Op: "fp32-highest", Impl: implTorchCUDA, Prec: &PrecInfo{ErrN: 16, MaxRelErr: 1e-7}},
			{Suite: precSuite, Op: "fp32-high", Impl: implTorchCUDA, Prec: &PrecInfo{ErrN: 16, MaxRelErr: tc.tf32}},
		})
		if got := len(q.notes) == 1 && strings.Contains(q.notes[0], "TF32 was not in effect"); got != tc.note {
			t.Errorf("TF32 error %g: notes %q", tc.tf32, q.notes)
		}
	}
	vk := Row{Suite: precSuite, Op: "fp32-highest", Impl: implCPU, Device: "y", Shape: "64x64x64", N: 64, Reps: 2, GFLOPS: 10.48, Prec: &PrecInfo{}}
	var buf bytes.Buffer
	writeTable(&buf, precSuite, append([]Row{vk}, rows...), p.notes)
	tab := buf.String()
	for _, want := range []string{"fp32, TF32 off", "fp16 tensors (skipped)", "no Half on the CPU", "cpu/pytorch-cpu", "2.00×", "max rel err (n=16)"} {
		if !strings.Contains(tab, want) {
			t.Errorf("table lacks %q:\n%s", want, tab)
		}
	}
}

// TestPrecisionWithTorch runs the suite with bench/torch_ref.py where
// python3 can import torch: PyTorch's fp32 and bf16 rows are scored on the
// same operands, so its bf16 error (operand and result rounding) matches
// vktensor's closely.
func TestPrecisionWithTorch(t *testing.T) {
	if testing.Short() {
		t.Skip("runs python3")
	}
	if exec.Command("python3", "-c", "import torch").Run() != nil {
		t.Skip("python3 cannot import torch")
	}
	rows, out, _ := runQuick(t, "-quick", "-suite", precSuite, "-device", "cpu", "-with-torch", "-torch-script", "torch_ref.py")
	errOf := func(impl, op string) float64 {
		for _, r := range rows {
			if r.Impl == impl && r.Op == op && r.Prec != nil && r.Prec.ErrN > 0 {
				return r.Prec.MaxRelErr
			}
		}
		t.Errorf("no %s %s error row:\n%s", impl, op, out)
		return math.NaN()
	}
	if e := errOf(implTorchCPU, "fp32-highest"); !(e > 0 && e < 1e-6) {
		t.Errorf("pytorch-cpu fp32 error %.3g", e)
	}
	if tb, vb := errOf(implTorchCPU, "bf16"), errOf(implCPU, "bf16"); !(tb > 0.5*vb && tb < 2*vb) {
		t.Errorf("bf16 errors: pytorch %.3g, vktensor %.3g", tb, vb)
	}
	if !hasRow(rows, precSuite, "fp32-high", implTorchCPU) || !strings.Contains(out, "fp32 high (TF32) (skipped)") {
		t.Errorf("PyTorch's TF32 row on the CPU is not marked skipped:\n%s", out)
	}
}
