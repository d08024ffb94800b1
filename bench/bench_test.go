package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestQuickSuites runs every suite with -quick, as `go run ./bench -quick`
// would, and checks that the rows are well formed, that the expected
// implementations are there, and that the JSON, Markdown and PNG outputs
// are written. The GPU joins when a Vulkan device (lavapipe included) opens;
// -short leaves it out.
func TestQuickSuites(t *testing.T) {
	dir := t.TempDir()
	rows, out, errOut := runQuick(t, "-quick", "-suite", "matmul,ops,latency,mnist", "-device", "cpu",
		"-json", filepath.Join(dir, "out.json"), "-md", filepath.Join(dir, "perf.md"), "-png", filepath.Join(dir, "png"))
	nFile := len(rows) // rows the first run wrote to out.json
	if !testing.Short() {
		// The GPU (lavapipe where there is none) without the mnist suite,
		// whose epochs are slow on a CPU Vulkan implementation.
		g, gout, gerr := runQuick(t, "-quick", "-suite", "matmul,ops,latency", "-device", "gpu", "-gpu-allow-cpu")
		rows = append(rows, g...)
		out += gout
		errOut += gerr
	}

	for _, r := range rows {
		checkRow(t, r)
	}
	haveGPU := slices.ContainsFunc(rows, func(r Row) bool { return r.Impl == implGPU })
	if !haveGPU && !testing.Short() && !strings.Contains(errOut, "skipping the GPU") {
		t.Errorf("no %s rows and no notice saying why", implGPU)
	}
	impls := []string{implCPU}
	if haveGPU {
		impls = append(impls, implGPU)
	}

	// matmul: vktensor-cpu and gonum at exactly the same shapes.
	shapes := func(impl string) []string {
		var s []string
		for _, r := range rows {
			if r.Suite == "matmul" && r.Impl == impl {
				s = append(s, r.Shape)
			}
		}
		return s
	}
	if c, g := shapes(implCPU), shapes(implGonum); len(c) == 0 || !slices.Equal(c, g) {
		t.Errorf("matmul shapes differ:\n%s: %v\n%s: %v", implCPU, c, implGonum, g)
	}
	for _, want := range []string{"64x64x64", "256x1024x1024"} {
		if !slices.Contains(shapes(implCPU), want) {
			t.Errorf("matmul: no %s row for %s", implCPU, want)
		}
	}
	// ops and latency: every op on every backend.
	for _, im := range impls {
		for _, op := range opSpecs {
			if !hasRow(rows, "ops", op.name, im) {
				t.Errorf("ops: no %s row for %s", im, op.name)
			}
		}
		for _, op := range []string{"add-chain", "add-chain-sync-each"} {
			if !hasRow(rows, "latency", op, im) {
				t.Errorf("latency: no %s row for %s", im, op)
			}
		}
		if haveGPU && !hasRow(rows, "matmul", "sgemm", implGPU) {
			t.Errorf("matmul: no %s rows", implGPU)
		}
	}
	// mnist: both models on the CPU, or a note saying why not.
	for _, model := range mnistModels {
		if !hasRow(rows, "mnist", "train-epoch-"+model, implCPU) && !strings.Contains(out, "note: ") {
			t.Errorf("mnist: no %s row for %s and no note", implCPU, model)
		}
	}

	// The JSON file holds the same rows, one per line.
	f, err := os.Open(filepath.Join(dir, "out.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	back, bad := parseRows(f)
	if bad != 0 || len(back) != nFile {
		t.Errorf("out.json: %d rows read back (%d bad), want %d", len(back), bad, nFile)
	}
	md, err := os.ReadFile(filepath.Join(dir, "perf.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### matmul", "### mnist", "| vktensor-cpu | gonum |", "cpu/gonum", "go run ./bench -quick"} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("perf.md lacks %q", want)
		}
	}
	for _, s := range []string{"matmul", "ops", "latency"} {
		if fi, err := os.Stat(filepath.Join(dir, "png", s+".png")); err != nil || fi.Size() == 0 {
			t.Errorf("png/%s.png: %v", s, err)
		}
	}
}

// runQuick runs the command in-process with args and returns its rows,
// its tables and its notices.
func runQuick(t *testing.T, args ...string) ([]Row, string, string) {
	t.Helper()
	cfg, err := parseFlags(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	rows, err := run(cfg, &out, &errOut)
	if err != nil {
		t.Fatalf("run %q: %v\n%s", args, err, errOut.String())
	}
	t.Logf("%q:\n%s\nnotices:\n%s", args, out.String(), errOut.String())
	return rows, out.String(), errOut.String()
}

// checkRow checks the fields every row must have.
func checkRow(t *testing.T, r Row) {
	t.Helper()
	if r.Suite == "" || r.Op == "" || r.Impl == "" || r.Device == "" || r.Shape == "" || r.N <= 0 {
		t.Errorf("row lacks identification: %+v", r)
	}
	if r.Reps < 1 || r.Inner < 1 || !(r.MinS > 0) || r.MinS > r.MedianS {
		t.Errorf("%s/%s/%s %s: bad timing: reps %d inner %d median %g min %g", r.Suite, r.Op, r.Impl, r.Shape, r.Reps, r.Inner, r.MedianS, r.MinS)
	}
	if r.Timing != timingGPU && r.Timing != timingWall {
		t.Errorf("%s/%s/%s: timing %q", r.Suite, r.Op, r.Impl, r.Timing)
	}
	if v := suiteMetric(r.Suite).value(r); !(v > 0) {
		t.Errorf("%s/%s/%s %s: %s is %g", r.Suite, r.Op, r.Impl, r.Shape, suiteMetric(r.Suite).label, v)
	}
	m := r.Machine
	if m.CPU == "" || m.GOMAXPROCS < 1 || m.NumCPU < 1 || m.Command == "" {
		t.Errorf("row lacks machine info: %+v", m)
	}
	if _, err := time.Parse(time.RFC3339, m.Date); err != nil {
		t.Errorf("machine date: %v", err)
	}
}

func hasRow(rows []Row, suite, op, impl string) bool {
	return slices.ContainsFunc(rows, func(r Row) bool { return r.Suite == suite && r.Op == op && r.Impl == impl })
}

// TestParseTorchRow checks that a line in the format bench/torch_ref.py
// prints is read as a Row and lands in the matmul table.
func TestParseTorchRow(t *testing.T) {
	line := `{"suite": "matmul", "op": "sgemm", "impl": "pytorch-cuda", "device": "NVIDIA H100", "shape": "1024x1024x1024", "n": 1024, "reps": 7, "inner": 10, "median_s": 0.0001, "min_s": 9e-05, "flop": 2147483648.0, "bytes": 12582912.0, "gflops": 21474.8, "gbps": 125.8, "timing": "cuda-events", "machine": {"cpu": "x", "num_cpu": 16, "gomaxprocs": 0, "python": "3.11", "torch": "2.4.0", "os": "linux", "arch": "x86_64", "date": "2025-01-01T00:00:00Z", "command": "python3 bench/torch_ref.py"}}` + "\nnot json\n\n"
	rows, bad := parseRows(strings.NewReader(line))
	if len(rows) != 1 || bad != 1 {
		t.Fatalf("got %d rows, %d bad; want 1, 1", len(rows), bad)
	}
	r := rows[0]
	if r.Impl != implTorchCUDA || r.GFLOPS != 21474.8 || r.Machine.NumCPU != 16 {
		t.Errorf("parsed %+v", r)
	}
	var buf bytes.Buffer
	writeTable(&buf, "matmul", rows, nil)
	if !strings.Contains(buf.String(), "pytorch-cuda") || !strings.Contains(buf.String(), "21475") {
		t.Errorf("table:\n%s", buf.String())
	}
}

// TestFlags checks flag validation and the -quick defaults.
func TestFlags(t *testing.T) {
	for _, bad := range [][]string{{"-suite", "nope"}, {"-device", "tpu"}, {"-sizes", "64,x"}, {"extra"}} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	cfg, err := parseFlags([]string{"-quick", "-sizes", "32, 64"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.reps != 2 || !slices.Equal(cfg.sizes, []int{32, 64}) || len(cfg.suites) != len(allSuites) {
		t.Errorf("config %+v", cfg)
	}
}
