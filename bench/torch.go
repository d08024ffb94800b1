package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// runTorch runs the PyTorch reference script with the same suites, devices,
// sizes and repetitions (and extra arguments), and returns its rows. When python3 or torch is
// missing it prints a notice and returns nothing.
func runTorch(cfg config, mach Machine, extra []string, errOut io.Writer) []Row {
	if err := exec.Command("python3", "-c", "import torch").Run(); err != nil {
		fmt.Fprintln(errOut, "bench: -with-torch: python3 cannot import torch; skipping the PyTorch reference")
		return nil
	}
	if _, err := os.Stat(cfg.torchScript); err != nil {
		fmt.Fprintf(errOut, "bench: -with-torch: %v (run from the repository root or set -torch-script); skipping\n", err)
		return nil
	}
	args := []string{cfg.torchScript,
		"--suite", strings.Join(cfg.suites, ","),
		"--device", strings.Join(cfg.devices, ","),
		"--reps", strconv.Itoa(cfg.reps),
		"--max-cpu", strconv.Itoa(cfg.maxCPU),
		"--max-gpu", strconv.Itoa(cfg.maxGPU),
		"--budget", strconv.FormatFloat(cfg.budget.Seconds(), 'g', -1, 64),
		"--command", mach.Command,
		// As many threads as the Go rows have cores: Debian's torch 1.13
		// would otherwise run on one.
		"--threads", strconv.Itoa(runtime.GOMAXPROCS(0)),
	}
	if cfg.quick {
		args = append(args, "--quick")
	}
	args = append(args, extra...)
	if cfg.gpuWall {
		args = append(args, "--gpu-timing", "wall")
	}
	if len(cfg.sizes) > 0 {
		s := make([]string, len(cfg.sizes))
		for i, n := range cfg.sizes {
			s[i] = strconv.Itoa(n)
		}
		args = append(args, "--sizes", strings.Join(s, ","))
	}
	cmd := exec.Command("python3", args...)
	cmd.Stderr = errOut
	outBytes, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(errOut, "bench: -with-torch: %s failed: %v; using the rows it printed\n", cfg.torchScript, err)
	}
	rows, bad := parseRows(bytes.NewReader(outBytes))
	if bad > 0 {
		fmt.Fprintf(errOut, "bench: -with-torch: ignored %d lines that are not JSON rows\n", bad)
	}
	return rows
}

// parseRows reads one JSON Row per line, skipping blank lines; it returns
// the rows and the number of lines that did not parse.
func parseRows(r io.Reader) (rows []Row, bad int) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var row Row
		if err := json.Unmarshal(line, &row); err != nil || row.Suite == "" || row.Impl == "" {
			bad++
			continue
		}
		rows = append(rows, row)
	}
	return rows, bad
}
