package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vktensor/vktensor/internal/trainer"
)

// Flag values that cannot train are refused before anything else runs,
// with a message naming the flag.
func TestBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"-epochs", "-5"}, "-epochs"},
		{[]string{"-batch", "0"}, "-batch"},
		{[]string{"-batch", "-3"}, "-batch"},
		{[]string{"-limit", "-5"}, "-limit"},
		{[]string{"-lr", "NaN"}, "-lr"},
		{[]string{"-lr", "-1"}, "-lr"},
		{[]string{"-lr", "0"}, "-lr"},
		{[]string{"-lr", "Inf"}, "-lr"},
		{[]string{"-lr", "1e39"}, "-lr"},  // +Inf as a float32
		{[]string{"-lr", "1e-50"}, "-lr"}, // 0 as a float32
		{[]string{"-min-acc", "NaN"}, "-min-acc"},
		{[]string{"-min-acc", "101"}, "-min-acc"},
		{[]string{"-min-acc", "-1"}, "-min-acc"},
		{[]string{"-model", "rnn"}, "-model"},
		{[]string{"-precision", "tf32"}, "-precision"},
		{[]string{"-dtype", "int32"}, "-dtype"},
		{[]string{"-dtype", "bf16"}, "-dtype"},
		{[]string{"-dtype", ""}, "-dtype"},
		{[]string{"-model", "cnn", "-batch", "0"}, "-batch"},
	} {
		var out, errOut bytes.Buffer
		err := run(c.args, &out, &errOut)
		var bad *usageError
		if !errors.As(err, &bad) || !strings.Contains(err.Error(), "flag "+c.flag+":") {
			t.Errorf("%v: %v, want a usage error naming %s", c.args, err, c.flag)
		}
		if out.Len() > 0 {
			t.Errorf("%v printed %q before refusing", c.args, out.String())
		}
	}
	var out, errOut bytes.Buffer
	if err := run([]string{"-epochs", "x"}, &out, &errOut); !errors.Is(err, errParse) || !strings.Contains(errOut.String(), "-epochs") {
		t.Errorf("-epochs x: %v, stderr %q", err, errOut.String())
	}
	if err := run([]string{"extra"}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "extra") {
		t.Errorf("a stray argument: %v", err)
	}
}

func TestMinAccGate(t *testing.T) {
	for _, c := range []struct {
		acc, min float64
		below    bool
	}{{math.NaN(), 98, true}, {97.99, 98, true}, {98, 98, false}, {math.NaN(), 0, false}, {10, 0, false}} {
		if got := belowMinAcc(c.acc, c.min); got != c.below {
			t.Errorf("belowMinAcc(%v, %v) = %v", c.acc, c.min, got)
		}
	}
}

// -save, -plot and -snapshot destinations are checked before training,
// without creating, truncating or leaving any file.
func TestDestinationsChecked(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.safetensors")
	if err := os.WriteFile(old, []byte("old weights"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "no", "such", "dir")
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"-save", filepath.Join(missing, "w.safetensors")}, "-save"},
		{[]string{"-save", old, "-plot", filepath.Join(missing, "p.png")}, "-plot"},
		{[]string{"-save", old, "-snapshot", filepath.Join(missing, "v.png")}, "-snapshot"},
		{[]string{"-snapshot", dir}, "-snapshot"},
		{[]string{"-plot", filepath.Join(old, "p.png")}, "-plot"}, // a file as the directory
	} {
		var out, errOut bytes.Buffer
		err := run(append([]string{"-device", "cpu"}, c.args...), &out, &errOut)
		var bad *usageError
		if !errors.As(err, &bad) || !strings.Contains(err.Error(), "flag "+c.flag+":") {
			t.Errorf("%v: %v, want an error naming %s", c.args, err, c.flag)
		}
		if strings.Contains(out.String(), "epoch") {
			t.Errorf("%v: trained before refusing", c.args)
		}
	}
	if b, err := os.ReadFile(old); err != nil || string(b) != "old weights" {
		t.Errorf("the existing -save file changed: %q, %v", b, err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("the checks left files behind: %v", ents)
	}
	if err := checkWritable("save", old); err != nil {
		t.Errorf("an existing file in a writable directory: %v", err)
	}
	if err := checkWritable("save", filepath.Join(dir, "new.safetensors")); err != nil {
		t.Errorf("a new file in a writable directory: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("checkWritable left files behind: %v", ents)
	}
}

// A -load file that is not a checkpoint fails before anything is set up.
func TestBadLoad(t *testing.T) {
	junk := filepath.Join(t.TempDir(), "junk.safetensors")
	if err := os.WriteFile(junk, []byte("not a checkpoint at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	files := []string{junk, filepath.Join(t.TempDir(), "missing.safetensors")}
	if _, err := os.Stat("/dev/zero"); err == nil {
		files = append(files, "/dev/zero")
	}
	for _, f := range files {
		var out, errOut bytes.Buffer
		err := run([]string{"-device", "cpu", "-load", f, "-epochs", "0"}, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), "-load") || !strings.Contains(err.Error(), f) {
			t.Errorf("-load %s: %v", f, err)
		}
		if out.Len() > 0 {
			t.Errorf("-load %s: printed %q first", f, out.String())
		}
	}
}

// writeIDX writes an MNIST-style data directory with n training and m test
// images of rows×cols pixels.
func writeIDX(t *testing.T, n, m, rows, cols int) string {
	t.Helper()
	dir := t.TempDir()
	put := func(name string, magic uint32, dims []int, payload int) {
		var b []byte
		b = binary.BigEndian.AppendUint32(b, magic)
		for _, d := range dims {
			b = binary.BigEndian.AppendUint32(b, uint32(d))
		}
		b = append(b, make([]byte, payload)...)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put("train-images-idx3-ubyte", 0x803, []int{n, rows, cols}, n*rows*cols)
	put("train-labels-idx1-ubyte", 0x801, []int{n}, n)
	put("t10k-images-idx3-ubyte", 0x803, []int{m, rows, cols}, m*rows*cols)
	put("t10k-labels-idx1-ubyte", 0x801, []int{m}, m)
	return dir
}

func TestBadData(t *testing.T) {
	for _, c := range []struct {
		what             string
		n, m, rows, cols int
		want             string
	}{
		{"27×27 images", 4, 4, 27, 27, "27×27 pixels, not 28×28"},
		{"56×14 images", 4, 4, 56, 14, "56×14 pixels, not 28×28"},
		{"no training images", 0, 4, 28, 28, "training set is empty"},
		{"no test images", 4, 0, 28, 28, "test set is empty"},
	} {
		dir := writeIDX(t, c.n, c.m, c.rows, c.cols)
		var out, errOut bytes.Buffer
		err := run([]string{"-device", "cpu", "-data", dir, "-epochs", "1"}, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.what, err, c.want)
		}
		if strings.Contains(out.String(), "accuracy") {
			t.Errorf("%s: reported an accuracy:\n%s", c.what, out.String())
		}
	}
	// 28×28 works, even for a tiny set.
	dir := writeIDX(t, 8, 4, 28, 28)
	var out, errOut bytes.Buffer
	if err := run([]string{"-device", "cpu", "-data", dir, "-epochs", "1", "-batch", "4"}, &out, &errOut); err != nil {
		t.Errorf("a small 28×28 set: %v\n%s", err, errOut.String())
	}
}

// A diverging run stops with an error naming the step (exit status 1).
func TestNaNLossStops(t *testing.T) {
	needData(t)
	var out, errOut bytes.Buffer
	err := run([]string{"-device", "cpu", "-limit", "512", "-epochs", "2", "-lr", "1e30"}, &out, &errOut)
	if !errors.Is(err, trainer.ErrLossNotFinite) || !strings.Contains(err.Error(), "step") {
		t.Fatalf("lr 1e30: %v, want trainer.ErrLossNotFinite naming the step\n%s", err, out.String())
	}
	if strings.Contains(out.String(), "test accuracy:") {
		t.Errorf("reported an accuracy after the loss diverged:\n%s", out.String())
	}
	t.Log(err)
}

// The exit statuses of main: 0 for -h, 2 for a bad flag value.
func TestExitStatus(t *testing.T) {
	if os.Getenv("MNIST_GPU_RUN_MAIN") == "1" {
		os.Args = append([]string{"mnist-gpu"}, strings.Fields(os.Getenv("MNIST_GPU_ARGS"))...)
		main()
		os.Exit(0)
	}
	for _, c := range []struct {
		args   string
		status int
		stderr string
	}{
		{"-h", 0, "mnist-gpu trains"},
		{"-epochs -5", 2, `invalid value "-5" for flag -epochs`},
		{"-epochs x", 2, "invalid value"},
		{"-batch 0", 2, "flag -batch"},
		{"-dtype float64", 2, `invalid value "float64" for flag -dtype: want float32, bfloat16 or float16`},
		{"-nosuchflag", 2, "-nosuchflag"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestExitStatus$")
		cmd.Env = append(os.Environ(), "MNIST_GPU_RUN_MAIN=1", "MNIST_GPU_ARGS="+c.args)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		status := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			status = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if status != c.status || !strings.Contains(stderr.String(), c.stderr) {
			t.Errorf("mnist-gpu %s: status %d, stderr %q; want %d and %q", c.args, status, stderr.String(), c.status, c.stderr)
		}
		if c.args == "-h" {
			help := stderr.String()
			if first := strings.SplitN(help, "\n", 2)[0]; !strings.HasPrefix(first, "mnist-gpu trains") {
				t.Errorf("-h starts with %q", first)
			}
			if n := strings.Count(help, "\n  mnist-gpu "); n != 2 {
				t.Errorf("-h shows %d examples, want 2", n)
			}
			for _, line := range strings.Split(help, "\n") {
				if strings.Count(line, "(default") > 1 {
					t.Errorf("-h shows two defaults: %q", line)
				}
			}
			if !strings.Contains(help, "(default 8 for mlp, 4 for cnn)") || strings.Contains(help, "(default -1)") || strings.Contains(help, "(default 0)") {
				t.Errorf("-h defaults:\n%s", help)
			}
		}
	}
}
