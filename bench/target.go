package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/cpu"
)

// target is one vktensor backend under test.
type target struct {
	impl   string // implCPU or implGPU
	device string // device name for the rows
	gpu    bool
	soft   bool // a CPU implementation of Vulkan (lavapipe)
	be     backend.Backend
	// timeGPU, when set, returns the GPU time of the work f records
	// (waiting for it); nil means wall time around Sync.
	timeGPU func(f func()) (time.Duration, error)
	close   func()
}

// gpuOpener opens the Vulkan backend as a target. It is set by the file
// that imports package tensor/vulkan (gpu_vulkan.go); while it is nil the
// binary has no GPU backend and -device gpu prints a notice.
var gpuOpener func(allowCPU bool) (*target, error)

// openTargets opens the vktensor backends for the requested devices. The
// returned function closes them.
func openTargets(cfg config, errOut io.Writer) ([]*target, func()) {
	var ts []*target
	for _, d := range cfg.devices {
		switch d {
		case "cpu":
			ts = append(ts, &target{impl: implCPU, device: cpuModel(), be: cpu.New()})
		case "gpu":
			if gpuOpener == nil {
				fmt.Fprintln(errOut, "bench: -device gpu: this build has no Vulkan backend (package tensor/vulkan is not wired in yet); skipping the GPU")
				continue
			}
			t, err := gpuOpener(cfg.gpuAllowCPU)
			if err != nil {
				fmt.Fprintf(errOut, "bench: -device gpu: no Vulkan device opened (%v); skipping the GPU\n", err)
				continue
			}
			if cfg.gpuWall {
				t.timeGPU = nil
			}
			ts = append(ts, t)
		}
	}
	return ts, func() {
		for _, t := range ts {
			if t.close != nil {
				t.close()
			}
		}
	}
}

// hasCPU reports whether the CPU is among the requested devices.
func (c config) hasCPU() bool { return slices.Contains(c.devices, "cpu") }

// timed runs f (which records or runs work on t's backend) and returns how
// long the work took: GPU time when t has timestamps, else wall time up to
// the end of Sync.
func (t *target) timed(f func()) (time.Duration, error) {
	if t.timeGPU != nil {
		d, err := t.timeGPU(f)
		if err != nil {
			return 0, err
		}
		return d, t.be.Sync()
	}
	start := time.Now()
	f()
	err := t.be.Sync()
	return time.Since(start), err
}

// timing is the Row.Timing of measurements made with t.timed.
func (t *target) timing() string {
	if t.timeGPU != nil {
		return timingGPU
	}
	return timingWall
}

// stats is the outcome of one measurement.
type stats struct {
	median, min time.Duration // per operation
	reps, inner int
}

// sampler runs the measured operation inner times and returns the time the
// whole sample took.
type sampler func(inner int) (time.Duration, error)

// minSample is the shortest sample worth timing; faster operations are
// repeated inside one sample.
const minSample = time.Millisecond

// measure warms up, picks how many operations go in one sample, and
// returns the median and minimum time per operation over reps samples.
// Fewer samples are taken when reps of them would exceed budget.
func measure(cfg config, s sampler) (stats, error) {
	// Two warm-up runs (one in a smoke run): the first pays for pipeline
	// compilation, first-touch page faults and the like, the second is a
	// fair estimate.
	if !cfg.quick {
		if _, err := s(1); err != nil {
			return stats{}, err
		}
	}
	est, err := s(1)
	if err != nil {
		return stats{}, err
	}
	inner := 1
	if !cfg.quick && est < minSample {
		inner = int(min(1000, math.Ceil(float64(minSample)/float64(max(est, time.Microsecond)))))
	}
	reps := cfg.reps
	if est > 0 {
		reps = max(1, min(reps, int(cfg.budget/(est*time.Duration(inner)))))
	}
	per := make([]time.Duration, 0, reps)
	for range reps {
		d, err := s(inner)
		if err != nil {
			return stats{}, err
		}
		per = append(per, d/time.Duration(inner))
	}
	slices.Sort(per)
	med := per[len(per)/2]
	if len(per)%2 == 0 {
		med = (per[len(per)/2-1] + per[len(per)/2]) / 2
	}
	return stats{median: med, min: per[0], reps: reps, inner: inner}, nil
}

// durationOf converts seconds to a Duration.
func durationOf(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// fill sets r's timing fields from st and derives its throughput.
func (r *Row) fill(st stats) {
	r.MedianS = st.median.Seconds()
	r.MinS = st.min.Seconds()
	r.Reps = st.reps
	r.Inner = st.inner
	r.derive()
}
