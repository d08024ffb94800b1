package gpu

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// A program built without cgo must fall back as one without a driver does
// (errors.Is ErrNoLoader), and say why.
func TestNoCgoError(t *testing.T) {
	if !errors.Is(errNoCgo, ErrNoLoader) {
		t.Errorf("errNoCgo does not wrap ErrNoLoader: %v", errNoCgo)
	}
	for _, want := range []string{"without cgo", "CGO_ENABLED=0", "CGO_ENABLED=1"} {
		if !strings.Contains(errNoCgo.Error(), want) {
			t.Errorf("errNoCgo = %q, lacks %q", errNoCgo, want)
		}
	}
}

func TestLoaderNames(t *testing.T) {
	for _, c := range []struct {
		goos  string
		first string
		also  string
	}{
		{"linux", "libvulkan.so.1", "libvulkan.so"},
		{"freebsd", "libvulkan.so.1", "libvulkan.so"},
		{"windows", "vulkan-1.dll", ""},
		{"darwin", "libvulkan.1.dylib", "libMoltenVK.dylib"},
	} {
		names := loaderNames(c.goos)
		if len(names) == 0 || names[0] != c.first {
			t.Errorf("%s: loaders %q, want %q first", c.goos, names, c.first)
		}
		if c.also != "" && !slices.Contains(names, c.also) {
			t.Errorf("%s: loaders %q lack %q", c.goos, names, c.also)
		}
	}
	// On macOS the Vulkan loader (which finds MoltenVK through its ICD
	// manifest and layers) is preferred to MoltenVK itself.
	d := loaderNames("darwin")
	if slices.Index(d, "libMoltenVK.dylib") < slices.Index(d, "libvulkan.1.dylib") {
		t.Errorf("darwin: %q tries MoltenVK before the loader", d)
	}
}
