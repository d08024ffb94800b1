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
