// Package vktest opens the Vulkan backend that a package's tests share:
// one per test process (opening a device with the validation layer costs
// seconds on lavapipe), skipping the test where there is no Vulkan at all.
package vktest

import (
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/tensor/vulkan"
)

var (
	once sync.Once
	vk   *vulkan.Backend
	err  error
)

// Shared returns the process's Vulkan backend — the best device, lavapipe
// standing in where there is no GPU — opened on first use with the
// validation layer on (unless VKT_VALIDATE=0). It skips t when no Vulkan
// device exists, fails it when opening fails, and fails it at its end when
// the validation layer reported anything during it.
func Shared(t testing.TB) *vulkan.Backend {
	t.Helper()
	once.Do(func() {
		vk, err = vulkan.New(vulkan.WithGPUOptions(gpu.Options{AllowCPU: true, Validate: os.Getenv("VKT_VALIDATE") != "0"}))
	})
	if errors.Is(err, gpu.ErrNoLoader) || errors.Is(err, gpu.ErrNoDevice) {
		t.Skipf("no Vulkan device: %v", err)
	}
	if err != nil {
		t.Fatalf("opening the Vulkan backend: %v", err)
	}
	n0 := len(vk.Device().ValidationMessages())
	t.Cleanup(func() {
		if msgs := vk.Device().ValidationMessages(); len(msgs) > n0 {
			t.Errorf("%d validation messages, first: %s", len(msgs)-n0, msgs[n0])
		}
	})
	return vk
}
