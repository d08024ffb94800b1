package shaders

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// glslcFlags must match the command in gen.go.
var glslcFlags = []string{"-O", "--target-env=vulkan1.1"}

func TestSPIRVUpToDate(t *testing.T) {
	if _, err := exec.LookPath("glslc"); err != nil {
		t.Skip("glslc not on PATH; cannot check that the .spv files match the sources")
	}
	srcs, err := filepath.Glob("*.comp")
	if err != nil || len(srcs) == 0 {
		t.Fatal("no *.comp sources")
	}
	dir := t.TempDir()
	builds := 0
	for _, src := range srcs {
		for _, bl := range variants(t, src) {
			builds++
			name := bl[0]
			out := filepath.Join(dir, name+".spv")
			args := append(append(append([]string{}, glslcFlags...), bl[1:]...), src, "-o", out)
			if msg, err := exec.Command("glslc", args...).CombinedOutput(); err != nil {
				t.Errorf("glslc %s (%s): %v\n%s", src, name, err, msg)
				continue
			}
			fresh, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(fresh, Get(name)) {
				t.Errorf("%s.spv is stale: run go generate ./shaders", name)
			}
		}
	}
	if got := len(Names()); got != builds {
		t.Errorf("%d embedded .spv files for %d builds: remove stale .spv files", got, builds)
	}
}

// variants lists the builds of a source as gen.go does: the plain one, then
// one per "//gen:variant NAME FLAGS..." line; each entry is NAME, FLAGS...,
// the flags of "//gen:flags" lines first.
func variants(t *testing.T, src string) [][]string {
	builds := [][]string{{strings.TrimSuffix(src, ".comp")}}
	var extra []string
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "//gen:variant "); ok {
			builds = append(builds, strings.Fields(rest))
		}
		if rest, ok := strings.CutPrefix(sc.Text(), "//gen:flags "); ok {
			extra = append(extra, strings.Fields(rest)...)
		}
	}
	for i, bl := range builds {
		builds[i] = append(append([]string{bl[0]}, extra...), bl[1:]...)
	}
	return builds
}

func TestSPIRVValid(t *testing.T) {
	if _, err := exec.LookPath("spirv-val"); err != nil {
		t.Skip("spirv-val not on PATH")
	}
	for _, name := range Names() {
		path := name + ".spv"
		if msg, err := exec.Command("spirv-val", "--target-env", "vulkan1.1", path).CombinedOutput(); err != nil {
			t.Errorf("spirv-val %s: %v\n%s", path, err, msg)
		}
	}
}

func TestGet(t *testing.T) {
	b := Get("matmul")
	if len(b) < 20 || b[0] != 0x03 || b[1] != 0x02 || b[2] != 0x23 || b[3] != 0x07 {
		t.Fatalf("matmul SPIR-V missing or without the magic number")
	}
	if Get("nope") != nil {
		t.Error("Get of an unknown kernel returned code")
	}
}
