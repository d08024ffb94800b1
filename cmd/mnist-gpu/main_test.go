package main

import (
	"bytes"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vktensor/vktensor/datasets/mnist"
	"github.com/vktensor/vktensor/gpu"
)

// lastLine matches the line scripts read the result from.
var lastLine = regexp.MustCompile(`^test accuracy: \d+\.\d\d%$`)

func needData(t *testing.T) {
	t.Helper()
	if _, err := mnist.DefaultDir(); err != nil {
		t.Skipf("MNIST module data unavailable: %v", err)
	}
}

// runQuick trains briefly and checks the output's shape and the accuracy
// gate; the thresholds sit well under what these runs reach (about 79% on
// 4000 samples, 72% on 2000), so they catch a training loop that does not
// learn without being flaky.
func runQuick(t *testing.T, args ...string) string {
	t.Helper()
	t.Setenv("VKT_VALIDATE", "1") // any validation message fails the test
	var out, errOut bytes.Buffer
	if err := run(args, &out, &errOut); err != nil {
		t.Fatalf("run %v: %v\nstdout:\n%s\nstderr:\n%s", args, err, out.String(), errOut.String())
	}
	if strings.Contains(errOut.String(), "vulkan validation:") {
		t.Fatalf("validation messages:\n%s", errOut.String())
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if last := lines[len(lines)-1]; !lastLine.MatchString(last) {
		t.Fatalf("last line %q is not \"test accuracy: NN.NN%%\"", last)
	}
	return out.String()
}

func TestQuickCPU(t *testing.T) {
	needData(t)
	dir := t.TempDir()
	w, png := filepath.Join(dir, "w.safetensors"), filepath.Join(dir, "p.png")
	out := runQuick(t, "-device", "cpu", "-limit", "4000", "-epochs", "1", "-min-acc", "70", "-save", w, "-plot", png)
	if !strings.Contains(out, "device: cpu") || !strings.Contains(out, "samples/s") {
		t.Errorf("output lacks the device or throughput:\n%s", out)
	}
	// The saved weights reload and evaluate to the same accuracy.
	again := runQuick(t, "-device", "cpu", "-load", w, "-epochs", "0")
	if got, want := lastOf(again), lastOf(out); got != want {
		t.Errorf("reloaded weights give %q, trained model gave %q", got, want)
	}
}

// TestPrecisionCPU trains at the reduced matmul precisions, which the CPU
// backend emulates.
func TestPrecisionCPU(t *testing.T) {
	needData(t)
	for _, p := range []string{"high", "medium"} {
		out := runQuick(t, "-device", "cpu", "-limit", "2000", "-epochs", "1", "-min-acc", "60", "-precision", p)
		if !strings.Contains(out, "precision: "+p+"\n") {
			t.Errorf("-precision %s: output does not say so:\n%s", p, out)
		}
	}
}

// TestDTypeCPU trains in the 16-bit dtypes; the float16 run reports its
// loss scaling.
func TestDTypeCPU(t *testing.T) {
	needData(t)
	for _, dt := range []string{"bfloat16", "float16"} {
		out := runQuick(t, "-device", "cpu", "-limit", "2000", "-epochs", "1", "-min-acc", "60", "-dtype", dt)
		if !strings.Contains(out, ", "+dt+"\n") {
			t.Errorf("-dtype %s: the model line does not name it:\n%s", dt, out)
		}
		if scaled := strings.Contains(out, "steps skipped, loss scale"); scaled != (dt == "float16") {
			t.Errorf("-dtype %s: loss scaling reported: %v\n%s", dt, scaled, out)
		}
	}
}

func lastOf(s string) string {
	ls := strings.Split(strings.TrimSpace(s), "\n")
	return ls[len(ls)-1]
}

func TestMinAccFails(t *testing.T) {
	needData(t)
	var out, errOut bytes.Buffer
	err := run([]string{"-device", "cpu", "-limit", "512", "-epochs", "1", "-min-acc", "99.9"}, &out, &errOut)
	var sf *shortfall
	if !errors.As(err, &sf) {
		t.Fatalf("run with an unreachable -min-acc returned %v, want a shortfall", err)
	}
}

func TestQuickLavapipe(t *testing.T) {
	needData(t)
	if testing.Short() {
		t.Skip("lavapipe training is slow; skipped with -short")
	}
	devs, err := gpu.Devices()
	if err != nil {
		t.Skipf("no Vulkan: %v", err)
	}
	name := ""
	for _, d := range devs {
		if d.Type == gpu.DeviceCPU {
			name = d.Name
		}
	}
	if name == "" {
		t.Skip("no CPU Vulkan device (lavapipe)")
	}
	out := runQuick(t, "-device", "llvmpipe", "-limit", "2000", "-epochs", "1", "-min-acc", "60")
	if !strings.Contains(out, "device: vulkan: llvmpipe") {
		t.Errorf("did not train on lavapipe:\n%s", out)
	}
}
