package main

import (
	"math"
	"testing"
)

// TestConvSuite runs the conv suite with -quick on the CPU and, where a
// Vulkan device opens (lavapipe here), on the GPU backend direct and
// through im2col.
func TestConvSuite(t *testing.T) {
	rows, out, _ := runQuick(t, "-quick", "-suite", "conv", "-device", "cpu,gpu", "-gpu-allow-cpu")
	for _, op := range []string{"quick/forward", "quick/forward+backward"} {
		if !hasRow(rows, "conv", op, implCPU) || !hasRow(rows, "conv", op, implCPUIm2col) {
			t.Errorf("no %s rows for %s and %s:\n%s", op, implCPU, implCPUIm2col, out)
		}
		if hasRow(rows, "conv", op, implGPU) != hasRow(rows, "conv", op, implGPUIm2col) {
			t.Errorf("%s: the GPU rows come in pairs (direct and im2col):\n%s", op, out)
		}
	}
	l := convLayer{"quick", 2, 3, 9, 4, 3}
	for _, r := range rows {
		checkRow(t, r)
		want := l.flop()
		if r.Op == "quick/forward+backward" {
			want *= 3
		}
		if r.FLOP != want || math.Abs(r.GFLOPS-r.FLOP/r.MedianS/1e9) > 1e-9*r.GFLOPS {
			t.Errorf("row %+v: want %g flop and GFLOP/s = flop / median", r, want)
		}
	}
}
