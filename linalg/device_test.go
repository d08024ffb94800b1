package linalg_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/vktensor/vktensor/internal/vktest"
	"github.com/vktensor/vktensor/linalg"
	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/cpu"
)

// The blocked device path (Cholesky, LU for Solve, Inv, Det and SlogDet,
// QR) on the Vulkan backend, forced onto small matrices with a panel width
// of 16 so that they run with one to thirteen panels, the last one narrow.

// blocked forces the device path from order 10 with panels of 16 for the
// test's duration.
func blocked(t *testing.T) {
	t.Cleanup(linalg.SetDeviceBlocking(10, 16))
}

var deviceSizes = []int{10, 16, 37, 100, 200}

// onCPU copies x to the CPU backend.
func onCPU(t *testing.T, x *tensor.Tensor) *tensor.Tensor {
	t.Helper()
	d, err := x.Data()
	if err != nil {
		t.Fatalf("Data: %v", err)
	}
	return tensor.On(cpu.New()).FromSlice(d, x.Shape()...)
}

// relDiff is ‖x − y‖/‖y‖ over every element.
func relDiff(t *testing.T, x, y *tensor.Tensor) float64 {
	t.Helper()
	if !slices.Equal(x.Shape(), y.Shape()) {
		t.Fatalf("shapes %v and %v", x.Shape(), y.Shape())
	}
	xd, err := x.Data()
	if err != nil {
		t.Fatal(err)
	}
	yd, err := y.Data()
	if err != nil {
		t.Fatal(err)
	}
	var num, den float64
	for i := range xd {
		num += float64(xd[i]-yd[i]) * float64(xd[i]-yd[i])
		den += float64(yd[i]) * float64(yd[i])
	}
	return ratio(math.Sqrt(num), math.Sqrt(den))
}

// ran fails the test unless the device path factored a panel since before.
func ran(t *testing.T, what string, before int64) {
	t.Helper()
	if linalg.DevicePanels() == before {
		t.Errorf("%s: the device path did not run", what)
	}
}

func TestDeviceBlockedParity(t *testing.T) {
	b := vktest.Shared(t)
	blocked(t)
	g := newGen(b, 5)
	for _, n := range deviceSizes {
		bt := 2
		if n > 64 {
			bt = 1
		}
		name := fmt.Sprintf("n=%d", n)
		// Cholesky: reconstruction, lower, and parity with the host path.
		spd := g.spd(bt, n)
		p0 := linalg.DevicePanels()
		l := linalg.Cholesky(spd)
		ran(t, name+" Cholesky", p0)
		as := mats(t, spd)
		for i, lm := range mats(t, l) {
			if e := ratio(fro(sub(mul(lm, tr(lm)), as[i])), fro(as[i])); e > tol {
				t.Errorf("%s Cholesky %d: ‖LLᵀ − A‖/‖A‖ = %.3g", name, i, e)
			}
			for r := range n {
				for c := r + 1; c < n; c++ {
					if lm.at(r, c) != 0 {
						t.Fatalf("%s Cholesky %d: L[%d,%d] = %g above the diagonal", name, i, r, c, lm.at(r, c))
					}
				}
			}
		}
		if e := relDiff(t, l, linalg.Cholesky(onCPU(t, spd))); e > 1e-5 {
			t.Errorf("%s Cholesky: differs from the host path by %.3g", name, e)
		}

		// Solve (matrix and broadcast right-hand sides), Inv, Det, SlogDet.
		a := g.wellConditioned(bt, n)
		rhs := g.normal(bt, n, 3)
		p0 = linalg.DevicePanels()
		x := linalg.Solve(a, rhs)
		ran(t, name+" Solve", p0)
		as, bs := mats(t, a), mats(t, rhs)
		for i, xm := range mats(t, x) {
			if e := ratio(fro(sub(mul(as[i], xm), bs[i])), fro(as[i])*fro(xm)); e > tol {
				t.Errorf("%s Solve %d: backward error %.3g", name, i, e)
			}
		}
		if e := relDiff(t, x, linalg.Solve(onCPU(t, a), onCPU(t, rhs))); e > 1e-5 {
			t.Errorf("%s Solve: differs from the host path by %.3g", name, e)
		}
		a0, rb := a.Index(0, 0), g.normal(3, n, 2)
		if e := relDiff(t, linalg.Solve(a0, rb), linalg.Solve(onCPU(t, a0), onCPU(t, rb))); e > 1e-5 {
			t.Errorf("%s broadcast Solve: differs from the host path by %.3g", name, e)
		}
		inv := linalg.Inv(a)
		if e := relDiff(t, inv, linalg.Inv(onCPU(t, a))); e > 1e-5 {
			t.Errorf("%s Inv: differs from the host path by %.3g", name, e)
		}
		for i, xm := range mats(t, inv) {
			if e := ratio(fro(sub(mul(as[i], xm), eye(n))), fro(as[i])*fro(xm)); e > tol {
				t.Errorf("%s Inv %d: backward error %.3g", name, i, e)
			}
		}
		sign, logabs := linalg.SlogDet(a)
		hs, hl := linalg.SlogDet(onCPU(t, a))
		if e := relDiff(t, sign, hs); e != 0 {
			t.Errorf("%s SlogDet: signs differ from the host path", name)
		}
		if e := relDiff(t, logabs, hl); e > 1e-5 {
			t.Errorf("%s SlogDet: logabsdet differs from the host path by %.3g", name, e)
		}
		if e := relDiff(t, linalg.Det(a), linalg.Det(onCPU(t, a))); e > 1e-4 {
			t.Errorf("%s Det: differs from the host path by %.3g", name, e)
		}
		// Non-contiguous operands: transposed, and a batch broadcast from
		// one matrix (stride 0).
		if e := relDiff(t, linalg.Cholesky(spd.Transpose(-1, -2)), l); e > 1e-6 {
			t.Errorf("%s Cholesky of Aᵀ (A symmetric) differs from Cholesky of A by %.3g", name, e)
		}
		bc := spd.Narrow(0, 0, 1).Expand(3, n, n)
		lb := linalg.Cholesky(bc)
		if e := relDiff(t, lb, linalg.Cholesky(onCPU(t, bc))); e > 1e-5 {
			t.Errorf("%s Cholesky of a broadcast batch: differs from the host path by %.3g", name, e)
		}
		qt, rt := linalg.QR(a.Transpose(-1, -2))
		hqt, hrt := linalg.QR(onCPU(t, a.Transpose(-1, -2)))
		if e := max(relDiff(t, qt, hqt), relDiff(t, rt, hrt)); e > 1e-4 {
			t.Errorf("%s QR of Aᵀ: differs from the host path by %.3g", name, e)
		}
		at := a.Transpose(-1, -2)
		if e := relDiff(t, linalg.Solve(at, rhs), linalg.Solve(onCPU(t, at), onCPU(t, rhs))); e > 1e-5 {
			t.Errorf("%s Solve of Aᵀ: differs from the host path by %.3g", name, e)
		}

		// QR, tall, square and wide.
		for _, sh := range [][2]int{{n + 7, n}, {n, n}, {n, n + 9}} {
			qa := g.normal(bt, sh[0], sh[1])
			p0 = linalg.DevicePanels()
			q, r := linalg.QR(qa)
			ran(t, name+" QR", p0)
			qs, rs, qas := mats(t, q), mats(t, r), mats(t, qa)
			k := min(sh[0], sh[1])
			for i := range qs {
				if e := maxAbs(sub(mul(tr(qs[i]), qs[i]), eye(k))); e > tol {
					t.Errorf("%s QR %v %d: ‖QᵀQ − I‖ = %.3g", name, sh, i, e)
				}
				if e := ratio(fro(sub(mul(qs[i], rs[i]), qas[i])), fro(qas[i])); e > tol {
					t.Errorf("%s QR %v %d: ‖QR − A‖/‖A‖ = %.3g", name, sh, i, e)
				}
				for rr := range k {
					for c := range rr {
						if rs[i].at(rr, c) != 0 {
							t.Fatalf("%s QR %v: R[%d,%d] = %g below the diagonal", name, sh, rr, c, rs[i].at(rr, c))
						}
					}
				}
			}
			hq, hr := linalg.QR(onCPU(t, qa))
			if e := relDiff(t, q, hq); e > 1e-4 {
				t.Errorf("%s QR %v: Q differs from the host path by %.3g", name, sh, e)
			}
			if e := relDiff(t, r, hr); e > 1e-4 {
				t.Errorf("%s QR %v: R differs from the host path by %.3g", name, sh, e)
			}
		}
	}
}

// TestDeviceBlockedErrors checks the failures of the device path: the
// batch index and the pivot, in a later panel than the first.
func TestDeviceBlockedErrors(t *testing.T) {
	b := vktest.Shared(t)
	blocked(t)
	d := tensor.On(b)
	const n = 40
	g := newGen(b, 9)
	// Cholesky: matrix 1 of 3 loses positive definiteness at order 30 (in
	// the second panel), matrix 2 at order 3: the error names matrix 1,
	// the first that fails, as on the host.
	spd, err := g.spd(3, n).Data()
	if err != nil {
		t.Fatal(err)
	}
	spd[n*n+29*n+29] = -100
	spd[2*n*n+2*n+2] = -100
	l := linalg.Cholesky(d.FromSlice(spd, 3, n, n))
	wantErr(t, l, "Cholesky", 1, linalg.ErrNotPositiveDefinite)
	var le *linalg.Error
	if errors.As(l.Err(), &le) && le.Detail != "the leading minor of order 30 is not positive" {
		t.Errorf("Cholesky: detail %q", le.Detail)
	}
	// LU: matrix 1 of 3 has a zero column 33, so U[33,33] = 0.
	a, err := g.wellConditioned(3, n).Data()
	if err != nil {
		t.Fatal(err)
	}
	for r := range n {
		a[n*n+r*n+33] = 0
	}
	at := d.FromSlice(a, 3, n, n)
	x := linalg.Solve(at, d.Ones(3, n))
	wantErr(t, x, "Solve", 1, linalg.ErrSingular)
	if errors.As(x.Err(), &le) && le.Detail != "U[33,33] = 0" {
		t.Errorf("Solve: detail %q", le.Detail)
	}
	wantErr(t, linalg.Inv(at), "Inv", 1, linalg.ErrSingular)
	dd, err := linalg.Det(at).Data()
	if err != nil || dd[1] != 0 || dd[0] == 0 || dd[2] == 0 {
		t.Errorf("Det = %v, %v; want 0 for matrix 1 only", dd, err)
	}
	// A failure the input carries.
	failed := tensor.WithErr(d.Eye(n), linalg.ErrNoConvergence)
	q, _ := linalg.QR(failed)
	for name, r := range map[string]*tensor.Tensor{
		"Cholesky": linalg.Cholesky(failed), "Solve": linalg.Solve(failed, d.Ones(n)), "Inv": linalg.Inv(failed),
		"Det": linalg.Det(failed), "QR": q,
	} {
		if !errors.Is(r.Err(), linalg.ErrNoConvergence) {
			t.Errorf("%s of a failed input: Err() = %v", name, r.Err())
		}
	}
}

// TestDeviceBlockedGrad runs the gradient checks with the device path on
// (order 4 and up, panels of 2), so the backward passes' linalg calls take
// it too.
func TestDeviceBlockedGrad(t *testing.T) {
	b := vktest.Shared(t)
	t.Cleanup(linalg.SetDeviceBlocking(3, 2))
	p0 := linalg.DevicePanels()
	testGrad(t, b)
	ran(t, "gradients", p0)
}

// TestDeviceDefaultBlocking runs Cholesky and Solve at order 515, just
// above the default threshold, with the default panels of 128 (five
// panels, the last of 3 columns), on the Vulkan backend.
func TestDeviceDefaultBlocking(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: order 515 on lavapipe")
	}
	b := vktest.Shared(t)
	const n = 515
	g := newGen(b, 11)
	spd := g.spd(1, n)
	p0 := linalg.DevicePanels()
	l := linalg.Cholesky(spd)
	if got := linalg.DevicePanels() - p0; got != 5 {
		t.Errorf("Cholesky of order %d: %d panels on the device path, want 5", n, got)
	}
	as := mats(t, spd)
	if e := ratio(fro(sub(mul(mats(t, l)[0], tr(mats(t, l)[0])), as[0])), fro(as[0])); e > tol {
		t.Errorf("Cholesky: ‖LLᵀ − A‖/‖A‖ = %.3g", e)
	}
	a := g.wellConditioned(1, n)
	rhs := g.normal(1, n, 2)
	x := linalg.Solve(a, rhs)
	as = mats(t, a)
	xm := mats(t, x)[0]
	if e := ratio(fro(sub(mul(as[0], xm), mats(t, rhs)[0])), fro(as[0])*fro(xm)); e > tol {
		t.Errorf("Solve: backward error %.3g", e)
	}
}
