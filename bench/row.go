package main

import (
	"bufio"
	"encoding/json"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Timing methods recorded in Row.Timing.
const (
	timingGPU  = "gpu-timestamps"
	timingWall = "wall-median-after-warmup"
)

// Implementation names recorded in Row.Impl.
const (
	implGPU       = "vktensor-gpu"
	implCPU       = "vktensor-cpu"
	implGonum     = "gonum"
	implTorchCUDA = "pytorch-cuda"
	implTorchCPU  = "pytorch-cpu"
)

// Row is one measurement: one operation at one size on one implementation.
// It is written as one JSON object per line; bench/torch_ref.py writes the
// same fields.
type Row struct {
	Suite  string `json:"suite"`  // matmul, ops, latency, mnist
	Op     string `json:"op"`     // e.g. "sgemm", "mnist-fc2-dW", "add", "softmax-rows"
	Impl   string `json:"impl"`   // vktensor-gpu, vktensor-cpu, gonum, pytorch-cuda, pytorch-cpu
	Device string `json:"device"` // the device's name
	// Shape describes the operands: "M×K·K×N" products as "MxKxN", "NxN"
	// matrices, "65536x1000" for 1000 ops on 65536 elements.
	Shape string `json:"shape"`
	// N is the size plotted on the x axis: n for square problems, the
	// number of elements for the latency suite.
	N int `json:"n"`
	// Reps is the number of timed samples, Inner the operations per sample.
	Reps  int `json:"reps"`
	Inner int `json:"inner"`
	// MedianS and MinS are seconds per operation (per epoch for mnist).
	MedianS float64 `json:"median_s"`
	MinS    float64 `json:"min_s"`
	// FLOP and Bytes are the work of one operation (0 when not counted).
	FLOP  float64 `json:"flop,omitempty"`
	Bytes float64 `json:"bytes,omitempty"`
	// Derived throughput, from the median.
	GFLOPS      float64 `json:"gflops,omitempty"`
	GBps        float64 `json:"gbps,omitempty"`
	OpsPerS     float64 `json:"ops_per_s,omitempty"`
	SamplesPerS float64 `json:"samples_per_s,omitempty"`
	// Timing is how it was timed: gpu-timestamps or wall-median-after-warmup.
	Timing  string  `json:"timing"`
	Note    string  `json:"note,omitempty"`
	Machine Machine `json:"machine"`
	// Prec is the precision suite's fallback, error or skip (precision.go).
	Prec *PrecInfo `json:"precision,omitempty"`
}

// Machine describes where and when a measurement was made.
type Machine struct {
	CPU        string `json:"cpu"` // model name from /proc/cpuinfo
	NumCPU     int    `json:"num_cpu"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	GoVersion  string `json:"go_version"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	Date       string `json:"date"` // RFC 3339
	Command    string `json:"command"`
	// LoadAvg is /proc/loadavg's 1-minute load when the run started: on a
	// shared machine a load above the core count means disturbed figures.
	LoadAvg float64 `json:"loadavg,omitempty"`
}

// machineInfo describes this machine now.
func machineInfo(command string) Machine {
	return Machine{
		CPU:        cpuModel(),
		NumCPU:     runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion:  runtime.Version(),
		OS:         runtime.GOOS,
		Arch:       runtime.GOARCH,
		Date:       time.Now().UTC().Format(time.RFC3339),
		Command:    command,
		LoadAvg:    loadAvg(),
	}
}

// loadAvg returns the 1-minute load average, or 0 when unknown.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// cpuModel returns the first "model name" of /proc/cpuinfo, or GOARCH when
// there is none (not Linux, or an architecture that names it otherwise).
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "model name", "Model", "cpu model":
			if v = strings.TrimSpace(v); v != "" {
				return v
			}
		}
	}
	return runtime.GOARCH
}

// derive fills in the throughput fields from the median time and the work.
func (r *Row) derive() {
	if r.MedianS <= 0 {
		return
	}
	if r.FLOP > 0 {
		r.GFLOPS = r.FLOP / r.MedianS / 1e9
	}
	if r.Bytes > 0 {
		r.GBps = r.Bytes / r.MedianS / 1e9
	}
}

// writeJSON writes rows to path, one JSON object per line.
func writeJSON(path string, rows []Row) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
