package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestSmoke trains the smoke preset for a few steps: the loss must fall,
// sampling must produce the requested bytes, the last line must be the
// val bpc line, and a saved checkpoint must load to the same validation
// loss and train on from there.
func TestSmoke(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gpt.safetensors")
	var out bytes.Buffer
	var res Result
	if err := run([]string{"-device", "cpu", "-preset", "smoke", "-steps", "40", "-save", path, "-sample", "func main() {", "-sample-len", "30"}, &out, &out, &res); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(res.Losses) != 40 {
		t.Fatalf("%d losses, want 40", len(res.Losses))
	}
	mean := func(v []float32) float32 {
		s := float32(0)
		for _, x := range v {
			s += x
		}
		return s / float32(len(v))
	}
	if first, last := mean(res.Losses[:5]), mean(res.Losses[35:]); !(last < first-0.3) {
		t.Errorf("loss did not fall: first steps %.3f, last steps %.3f", first, last)
	}
	if !strings.HasPrefix(res.Sample, "func main() {") || len(res.Sample) != len("func main() {")+30 {
		t.Errorf("sample %q: want the prompt and 30 bytes", res.Sample)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if last := lines[len(lines)-1]; !regexp.MustCompile(`^val bpc: \d+\.\d{3}$`).MatchString(last) {
		t.Errorf("last line %q is not \"val bpc: N.NNN\"", last)
	}

	var loaded Result
	out.Reset()
	if err := run([]string{"-device", "cpu", "-load", path}, &out, &out, &loaded); err != nil {
		t.Fatalf("-load: %v\n%s", err, out.String())
	}
	if loaded.ValBPC != res.ValBPC || len(loaded.Losses) != 0 {
		t.Errorf("loaded model: val bpc %v after %d steps, the saved one %v", loaded.ValBPC, len(loaded.Losses), res.ValBPC)
	}
	out.Reset()
	var more Result
	if err := run([]string{"-device", "cpu", "-load", path, "-steps", "5"}, &out, &out, &more); err != nil {
		t.Fatalf("-load -steps 5: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "step    45/45") {
		t.Errorf("training on from the checkpoint did not count from step 40:\n%s", out.String())
	}
	if err := run([]string{"-preset", "huge"}, &out, &out, nil); err == nil || !strings.Contains(err.Error(), "huge") {
		t.Errorf("unknown preset: %v", err)
	}
}

// TestSmokeVulkan trains a few smoke steps on the first Vulkan device
// (lavapipe where there is no GPU) with the validation layer on: no
// validation message may appear, and the run must end with its bpc line.
func TestSmokeVulkan(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: pipelines take a while to build on lavapipe")
	}
	t.Setenv("VKT_VALIDATE", "1")
	var out bytes.Buffer
	err := run([]string{"-device", "0", "-preset", "smoke", "-steps", "3", "-sample", "func", "-sample-len", "4"}, &out, &out, nil)
	if err != nil && strings.Contains(err.Error(), "opening Vulkan device") {
		t.Skipf("no Vulkan device: %v", err)
	}
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), "vulkan validation:") {
		t.Errorf("validation messages:\n%s", out.String())
	}
	if strings.Contains(out.String(), "preset on cpu:") || !strings.Contains(out.String(), "val bpc: ") {
		t.Errorf("did not train on the Vulkan device to its bpc line:\n%s", out.String())
	}
}
