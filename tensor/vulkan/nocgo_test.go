//go:build !cgo

package vulkan

import (
	"errors"
	"strings"
	"testing"

	"github.com/vktensor/vktensor/gpu"
)

// Without cgo, New fails as on a machine without a Vulkan driver, and says
// why.
func TestNewWithoutCgo(t *testing.T) {
	b, err := New()
	if b != nil || !errors.Is(err, gpu.ErrNoLoader) || !strings.Contains(err.Error(), "without cgo") {
		t.Errorf("New() = %v, %v; want an error wrapping gpu.ErrNoLoader that names cgo", b, err)
	}
}
