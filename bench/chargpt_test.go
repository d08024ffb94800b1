package main

import (
	"strings"
	"testing"
)

// TestGPTSuite runs the gpt suite's tiny preset on the CPU with -quick.
func TestGPTSuite(t *testing.T) {
	rows, out, _ := runQuick(t, "-quick", "-suite", "gpt", "-device", "cpu")
	if !hasRow(rows, "gpt", "train-step-tiny", implCPU) {
		t.Fatalf("no train-step-tiny row for %s:\n%s", implCPU, out)
	}
	for _, r := range rows {
		checkRow(t, r)
		if r.N != 16*64 || !(r.SamplesPerS > 0) || r.SamplesPerS != float64(r.N)/r.MedianS {
			t.Errorf("row %+v: want %d tokens per step and tokens/s = tokens / median", r, 16*64)
		}
	}
	if !strings.Contains(out, "tokens/s") {
		t.Errorf("the table does not say its samples are tokens:\n%s", out)
	}
}
