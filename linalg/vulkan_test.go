package linalg_test

import (
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/linalg"
	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/vulkan"
)

var (
	vkOnce sync.Once
	vkB    *vulkan.Backend
	vkErr  error
)

// vk opens the Vulkan backend once (lavapipe stands in where there is no
// GPU), skipping the test where there is no Vulkan at all. Validation is on
// unless VKT_VALIDATE=0, and a validation message fails the test.
func vk(t *testing.T) *vulkan.Backend {
	t.Helper()
	vkOnce.Do(func() {
		vkB, vkErr = vulkan.New(vulkan.WithGPUOptions(gpu.Options{AllowCPU: true, Validate: os.Getenv("VKT_VALIDATE") != "0"}))
	})
	if errors.Is(vkErr, gpu.ErrNoLoader) || errors.Is(vkErr, gpu.ErrNoDevice) {
		t.Skipf("no Vulkan device: %v", vkErr)
	}
	if vkErr != nil {
		t.Fatal(vkErr)
	}
	n0 := len(vkB.Device().ValidationMessages())
	t.Cleanup(func() {
		if msgs := vkB.Device().ValidationMessages(); len(msgs) > n0 {
			t.Errorf("%d validation messages, first: %s", len(msgs)-n0, msgs[n0])
		}
	})
	return vkB
}

// TestAccuracyVulkan runs the accuracy checks on tensors of the Vulkan
// backend (the results must come back on it), on fewer sizes.
func TestAccuracyVulkan(t *testing.T) { testAccuracy(t, vk(t), []int{1, 17, 65, 130}) }

// TestGradVulkan checks the gradients with the graph on the Vulkan backend:
// the backward passes run as Vulkan tensor ops plus host round trips.
func TestGradVulkan(t *testing.T) { testGrad(t, vk(t)) }

// TestResultsOnBackend checks that every result lives on its input's
// backend and that a failure is carried there too.
func TestResultsOnBackend(t *testing.T) {
	b := vk(t)
	d := tensor.On(b)
	a := newGen(b, 3).spd(2, 5)
	q, r := linalg.QR(a)
	w, v := linalg.Eigh(a)
	u, s, vh := linalg.SVD(a)
	sign, logabs := linalg.SlogDet(a)
	for _, x := range []*tensor.Tensor{
		linalg.Solve(a, d.Ones(2, 5)), linalg.Inv(a), linalg.Det(a), sign, logabs, linalg.Cholesky(a),
		q, r, w, v, u, s, vh, linalg.Lstsq(a, d.Ones(2, 5)), linalg.Pinv(a),
		linalg.MatrixNorm(a, "2"), linalg.VectorNorm(a, 2, -1),
	} {
		if x.Backend() != backend.Backend(b) {
			t.Errorf("result %v on %s, want %s", x.Shape(), x.Backend().Name(), b.Name())
		}
		if x.Err() != nil {
			t.Errorf("result %v: %v", x.Shape(), x.Err())
		}
	}
	bad := linalg.Cholesky(d.FromSlice([]float32{1, 2, 2, 1}, 2, 2))
	if !errors.Is(bad.Err(), linalg.ErrNotPositiveDefinite) || bad.Backend() != backend.Backend(b) {
		t.Errorf("failed Cholesky on Vulkan: %v on %s", bad.Err(), bad.Backend().Name())
	}
}
