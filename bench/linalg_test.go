package main

import (
	"strings"
	"testing"
)

// TestQuickLinalg runs the linalg suite with -quick and checks that every
// op has a vktensor-cpu and a gonum row at each size, that the table shows
// their ratio, and that vktensor's Solve agreed with gonum's (the suite
// notes a disagreement).
func TestQuickLinalg(t *testing.T) {
	rows, out, _ := runQuick(t, "-quick", "-suite", "linalg", "-device", "cpu")
	for _, r := range rows {
		checkRow(t, r)
	}
	for _, op := range linalgOps {
		for _, impl := range []string{implCPU, implGonum} {
			if !hasRow(rows, "linalg", op.name, impl) {
				t.Errorf("linalg: no %s row for %s", impl, op.name)
			}
		}
	}
	if !strings.Contains(out, "cpu/gonum") {
		t.Errorf("linalg table without the cpu/gonum ratio:\n%s", out)
	}
	if strings.Contains(out, "differ") || strings.Contains(out, "failed") {
		t.Errorf("linalg suite reported a problem:\n%s", out)
	}
}

// TestQuickLinalgGPU runs the linalg suite on the GPU (lavapipe where there
// is none) and checks that Solve, Inv, Cholesky and QR have vktensor-gpu rows
// (at n = 64, the host path: the blocked device path is timed from n = 512)
// and that the GPU's Solve agreed with gonum's.
func TestQuickLinalgGPU(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	rows, out, errOut := runQuick(t, "-quick", "-suite", "linalg", "-device", "gpu", "-gpu-allow-cpu", "-sizes", "64")
	if strings.Contains(errOut, "skipping the GPU") {
		t.Skip("no Vulkan device")
	}
	for _, r := range rows {
		checkRow(t, r)
	}
	for _, op := range linalgGPUOps {
		if !hasRow(rows, "linalg", op, implGPU) {
			t.Errorf("linalg: no %s row for %s", implGPU, op)
		}
	}
	for _, op := range []string{"eigh", "svd"} {
		if hasRow(rows, "linalg", op, implGPU) {
			t.Errorf("linalg: a %s row for %s, which computes on the host", implGPU, op)
		}
	}
	if strings.Contains(out+errOut, "differ") || strings.Contains(out+errOut, "failed") {
		t.Errorf("linalg suite reported a problem:\n%s\n%s", out, errOut)
	}
}
