// Command bench runs vktensor's side-by-side benchmarks and prints one table
// per suite.
//
//	go run ./bench                                  # every suite on every device
//	go run ./bench -suite matmul -device cpu -quick # a smoke run
//	go run ./bench -json out.json -png out -md perf.md
//
// Suites:
//
//   - matmul: square n×n·n×n products (n = 64 ... 8192, capped per device)
//     and the shapes of the MNIST model's forward and backward passes,
//     vktensor (CPU and GPU backends) against gonum's pure-Go blas/gonum
//     Sgemm, in GFLOP/s (2·m·n·k flops per product).
//   - ops: elementwise add, broadcast add [n,n]+[n], row and column sums,
//     row softmax and the copy of a transposed matrix to contiguous memory,
//     in GB/s (bytes read plus bytes written, each element counted once).
//   - latency: a chain of dependent adds on 2^16 elements, in ops per second,
//     once with a single sync at the end (GPU dispatches batched into few
//     submits) and once with a sync after every op.
//   - mnist: samples per second of a training epoch; reported as not
//     available until package nn exposes a training step.
//   - conv: Conv2d layers (the MNIST CNN's, a ResNet 3×3), forward and
//     forward with gradients, in GFLOP/s; on the GPU also through im2col
//     (bench/conv.go).
//   - precision: square products per matmul precision (highest, high,
//     medium on float32 tensors) and on bf16 and fp16 tensors, in GFLOP/s,
//     each with its max relative error against a float64 reference at
//     n = -err-n; PyTorch (-with-torch) beside it with fp32 with TF32 off,
//     TF32, bf16 and fp16 on the same operands (bench/precision.go).
//
// Timing: every measurement is warmed up first, then repeated (-reps) and
// the median and minimum are reported. CPU work is forced with the backend's
// Sync and timed with the wall clock ("wall-median-after-warmup"); GPU work
// is timed with GPU timestamps when the Vulkan runtime offers them
// ("gpu-timestamps"). Very short operations are repeated inside each sample
// so that a sample lasts at least a millisecond; the figures are per
// operation.
//
// -with-torch runs bench/torch_ref.py, which measures the same suites with
// PyTorch and prints rows in the same JSON format; they are merged into the
// tables as pytorch-cpu and pytorch-cuda columns.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// config is what the command line asks for.
type config struct {
	suites   []string // matmul, ops, latency, mnist
	devices  []string // cpu, gpu
	sizes    []int    // square sizes for matmul and ops; nil = defaults
	reps     int      // timed repetitions per measurement
	quick    bool     // tiny sizes and 1-2 reps
	budget   time.Duration
	maxCPU   int // largest square matmul n on the CPU
	maxGPU   int // largest square matmul n on the GPU
	jsonPath string
	pngDir   string
	mdPath   string
	// withTorch runs torchScript with python3 when torch imports.
	withTorch   bool
	torchScript string
	// gpuAllowCPU lets the Vulkan backend fall back to a CPU
	// implementation such as lavapipe.
	gpuAllowCPU bool
	// gpuWall times GPU work with the wall clock around Sync instead of
	// GPU timestamps.
	gpuWall bool
	// peakGFLOPS and peakGBps, when both are set, add a roofline plot.
	peakGFLOPS, peakGBps float64
	// errN and errRows size the precision suite's error products
	// (precision.go); errN 0 picks a default per device.
	errN, errRows int
	command       string // the command line, for the Markdown output
}

// allSuites lists the suites in the order they run.
var allSuites = []string{"matmul", "ops", "latency", "mnist", "linalg", "gpt", "ops16", "matmul16", precSuite, "conv"}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if _, err := run(cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// parseFlags turns the command line into a config.
func parseFlags(args []string, errOut io.Writer) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(errOut)
	suites := fs.String("suite", strings.Join(allSuites, ","), "comma-separated suites: "+strings.Join(allSuites, ", "))
	devices := fs.String("device", "cpu,gpu", "comma-separated devices: cpu, gpu (the Vulkan backend; skipped with a notice when none opens)")
	sizes := fs.String("sizes", "", "comma-separated square sizes n for the matmul and ops suites (default: powers of two per suite and device)")
	reps := fs.Int("reps", 0, "timed repetitions per measurement (default 7, or 2 with -quick)")
	quick := fs.Bool("quick", false, "smoke run: tiny sizes, 1-2 repetitions")
	budget := fs.Duration("budget", 0, "rough time limit per measurement; larger sizes are skipped once one would exceed it (default 20s, or 2s with -quick)")
	maxCPU := fs.Int("max-cpu", 2048, "largest square matmul n on the CPU")
	maxGPU := fs.Int("max-gpu", 8192, "largest square matmul n on the GPU")
	jsonPath := fs.String("json", "", "write one JSON object per measurement, one per line, to this file")
	pngDir := fs.String("png", "", "write one plot per suite (PNG) into this directory")
	mdPath := fs.String("md", "", "write the tables as Markdown (with machine, date and command) to this file")
	withTorch := fs.Bool("with-torch", false, "also run the PyTorch reference (bench/torch_ref.py) when python3 can import torch")
	torchScript := fs.String("torch-script", "bench/torch_ref.py", "path of the PyTorch reference script")
	gpuAllowCPU := fs.Bool("gpu-allow-cpu", false, "let -device gpu use a CPU Vulkan implementation (lavapipe) when there is no GPU")
	gpuTiming := fs.String("gpu-timing", "timestamps", "how GPU work is timed: timestamps (GPU time of the queued work) or wall (host clock around the sync, launch and recording overhead included)")
	peakGFLOPS := fs.Float64("peak-gflops", 0, "GPU peak float32 GFLOP/s, for the roofline plot")
	peakGBps := fs.Float64("peak-gbps", 0, "GPU peak memory bandwidth in GB/s, for the roofline plot")
	errN := fs.Int("err-n", 0, "precision suite: size n of the n×n·n×n products whose error against float64 is measured (default 4096 with a GPU, 1024 on the CPU or lavapipe, 128 with -quick)")
	errRows := fs.Int("err-rows", 64, "precision suite: rows of each error product compared with the float64 reference (0: all)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg := config{
		reps: *reps, quick: *quick, budget: *budget, maxCPU: *maxCPU, maxGPU: *maxGPU,
		jsonPath: *jsonPath, pngDir: *pngDir, mdPath: *mdPath,
		withTorch: *withTorch, torchScript: *torchScript, gpuAllowCPU: *gpuAllowCPU,
		peakGFLOPS: *peakGFLOPS, peakGBps: *peakGBps, errN: *errN, errRows: *errRows,
		command: "go run ./bench " + strings.Join(args, " "),
	}
	cfg.command = strings.TrimSpace(cfg.command)
	switch *gpuTiming {
	case "timestamps":
	case "wall":
		cfg.gpuWall = true
	default:
		return config{}, fmt.Errorf("-gpu-timing: %q is neither timestamps nor wall", *gpuTiming)
	}
	var err error
	if cfg.suites, err = listFlag("suite", *suites, allSuites); err != nil {
		return config{}, err
	}
	if cfg.devices, err = listFlag("device", *devices, []string{"cpu", "gpu"}); err != nil {
		return config{}, err
	}
	if *sizes != "" {
		for _, s := range strings.Split(*sizes, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n <= 0 {
				return config{}, fmt.Errorf("-sizes: %q is not a positive integer", s)
			}
			cfg.sizes = append(cfg.sizes, n)
		}
	}
	cfg.setDefaults()
	return cfg, nil
}

// setDefaults fills in the zero fields that depend on -quick.
func (c *config) setDefaults() {
	if c.reps <= 0 {
		c.reps = 7
		if c.quick {
			c.reps = 2
		}
	}
	if c.budget <= 0 {
		c.budget = 20 * time.Second
		if c.quick {
			c.budget = 2 * time.Second
		}
	}
	if c.maxCPU <= 0 {
		c.maxCPU = 2048
	}
	if c.maxGPU <= 0 {
		c.maxGPU = 8192
	}
}

// listFlag splits a comma-separated flag value and checks every item
// against allowed.
func listFlag(name, v string, allowed []string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == s
		}
		if !ok {
			return nil, fmt.Errorf("-%s: unknown %q (want some of %s)", name, s, strings.Join(allowed, ", "))
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-%s: empty", name)
	}
	return out, nil
}

// run executes the configured suites, printing tables to out and notices to
// errOut, writes the requested files, and returns every measurement.
func run(cfg config, out, errOut io.Writer) ([]Row, error) {
	mach := machineInfo(cfg.command)
	targets, closeAll := openTargets(cfg, errOut)
	defer closeAll()

	var prec *precRun // the precision suite's error operands
	var torchArgs []string
	if slices.Contains(cfg.suites, precSuite) {
		prec = newPrecRun(cfg, targets)
		defer prec.close()
		if cfg.withTorch {
			var err error
			if torchArgs, err = prec.writeTorchFiles(); err != nil {
				fmt.Fprintf(errOut, "bench: precision: operands for PyTorch not written (%v): its error rows are left out\n", err)
			}
		}
	}
	var torchRows []Row
	if cfg.withTorch {
		torchRows = runTorch(cfg, mach, torchArgs, errOut)
		if prec != nil {
			torchRows = prec.fillTorch(torchRows)
		}
	}

	var all []Row
	notes := map[string][]string{}
	for _, s := range cfg.suites {
		r := &runner{cfg: cfg, mach: mach, targets: targets, errOut: errOut}
		switch s {
		case "matmul":
			r.matmul()
		case "ops":
			r.ops()
		case "latency":
			r.latency()
		case "mnist":
			r.mnist()
		case "linalg":
			r.linalg() // bench/linalg.go
		case "gpt":
			r.gpt() // bench/chargpt.go
		case "ops16":
			r.ops16() // bench/dtypes.go
		case "matmul16":
			r.matmul16()
		case "conv":
			r.conv() // bench/conv.go
		case precSuite:
			r.precision(prec) // bench/precision.go
		}
		for _, tr := range torchRows {
			if tr.Suite == s {
				r.rows = append(r.rows, tr)
			}
		}
		if slices.ContainsFunc(r.rows, func(row Row) bool { return row.Timing == timingGPU }) {
			r.notef("gpu-timestamps is GPU time from the start of a sample's first op to the end of its last: vktensor submits a sample's ops together, so host recording time is excluded, while PyTorch's CUDA events also count the GPU waiting for kernel launches. Where one op takes microseconds that gap is launch overhead, not kernel speed; -gpu-timing wall and the latency suite show it.")
		}
		writeTable(out, s, r.rows, r.notes)
		notes[s] = r.notes
		all = append(all, r.rows...)
	}

	if cfg.jsonPath != "" {
		if err := writeJSON(cfg.jsonPath, all); err != nil {
			return all, err
		}
	}
	if cfg.mdPath != "" {
		if err := writeMarkdown(cfg.mdPath, cfg.suites, all, notes, mach); err != nil {
			return all, err
		}
	}
	if cfg.pngDir != "" {
		if err := writePlots(cfg, all); err != nil {
			return all, err
		}
	}
	return all, nil
}
