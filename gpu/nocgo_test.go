//go:build !cgo

package gpu

import (
	"errors"
	"testing"
)

func TestOpenWithoutCgo(t *testing.T) {
	if _, err := Open(Options{AllowCPU: true}); !errors.Is(err, ErrNoLoader) || err != errNoCgo {
		t.Errorf("Open = %v, want errNoCgo", err)
	}
	if _, err := Devices(); err != errNoCgo {
		t.Errorf("Devices = %v, want errNoCgo", err)
	}
}
