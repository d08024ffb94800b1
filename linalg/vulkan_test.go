package linalg_test

import (
	"errors"
	"testing"

	"github.com/vktensor/vktensor/internal/vktest"
	"github.com/vktensor/vktensor/linalg"
	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/backend"
)

// TestAccuracyVulkan runs the accuracy checks on tensors of the Vulkan
// backend (the results must come back on it), on fewer sizes.
func TestAccuracyVulkan(t *testing.T) { testAccuracy(t, vktest.Shared(t), []int{1, 17, 65, 130}) }

// TestGradVulkan checks the gradients with the graph on the Vulkan backend:
// the backward passes run as Vulkan tensor ops plus host round trips.
func TestGradVulkan(t *testing.T) { testGrad(t, vktest.Shared(t)) }

// TestResultsOnBackend checks that every result lives on its input's
// backend and that a failure is carried there too.
func TestResultsOnBackend(t *testing.T) {
	b := vktest.Shared(t)
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
