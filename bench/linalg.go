package main

import (
	"fmt"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/vktensor/vktensor/linalg"
	"github.com/vktensor/vktensor/tensor"
)

// The linalg suite: Solve (one right-hand side), Inv, Cholesky, QR
// (factors and the explicit thin Q), Eigh (eigenvalues and eigenvectors)
// and SVD (thin, with both sets of vectors) of n×n float32 matrices
// through package linalg on the CPU backend, against gonum's mat on the
// same numbers in float64, and Solve, Inv, Cholesky and QR on the GPU
// backend (linalgGPUOps). The throughput is in nominal GFLOP/s, from the
// textbook flop counts of linalgOps (Golub & Van Loan), so that sizes
// compare; the cpu/gonum column is the speed ratio whatever the counts.

// linalgOp is one operation of the suite.
type linalgOp struct {
	name  string
	flop  func(n float64) float64
	input func(n int, seed uint64) []float32 // n×n operand
	vk    func(a *tensor.Tensor, b *tensor.Tensor) []*tensor.Tensor
	gonum func(a *mat.Dense, b *mat.Dense) error
}

var linalgOps = []linalgOp{
	{"solve", func(n float64) float64 { return 2*n*n*n/3 + 2*n*n }, wellConditioned,
		func(a, b *tensor.Tensor) []*tensor.Tensor { return []*tensor.Tensor{linalg.Solve(a, b)} },
		func(a, b *mat.Dense) error { var x mat.Dense; return x.Solve(a, b) }},
	{"inv", func(n float64) float64 { return 2 * n * n * n }, wellConditioned,
		func(a, _ *tensor.Tensor) []*tensor.Tensor { return []*tensor.Tensor{linalg.Inv(a)} },
		func(a, _ *mat.Dense) error { var x mat.Dense; return x.Inverse(a) }},
	{"cholesky", func(n float64) float64 { return n * n * n / 3 }, spdMatrix,
		func(a, _ *tensor.Tensor) []*tensor.Tensor { return []*tensor.Tensor{linalg.Cholesky(a)} },
		func(a, _ *mat.Dense) error {
			var c mat.Cholesky
			if !c.Factorize(symOf(a)) {
				return fmt.Errorf("gonum: not positive definite")
			}
			return nil
		}},
	{"qr", func(n float64) float64 { return 8 * n * n * n / 3 }, uniformMatrix,
		func(a, _ *tensor.Tensor) []*tensor.Tensor { q, r := linalg.QR(a); return []*tensor.Tensor{q, r} },
		func(a, _ *mat.Dense) error {
			var f mat.QR
			f.Factorize(a)
			var q, r mat.Dense
			f.QTo(&q)
			f.RTo(&r)
			return nil
		}},
	{"eigh", func(n float64) float64 { return 9 * n * n * n }, spdMatrix,
		func(a, _ *tensor.Tensor) []*tensor.Tensor { w, v := linalg.Eigh(a); return []*tensor.Tensor{w, v} },
		func(a, _ *mat.Dense) error {
			var e mat.EigenSym
			if !e.Factorize(symOf(a), true) {
				return fmt.Errorf("gonum: EigenSym failed")
			}
			var v mat.Dense
			e.VectorsTo(&v)
			return nil
		}},
	{"svd", func(n float64) float64 { return 22 * n * n * n }, uniformMatrix,
		func(a, _ *tensor.Tensor) []*tensor.Tensor {
			u, s, vh := linalg.SVD(a)
			return []*tensor.Tensor{u, s, vh}
		},
		func(a, _ *mat.Dense) error {
			var f mat.SVD
			if !f.Factorize(a, mat.SVDThin) {
				return fmt.Errorf("gonum: SVD failed")
			}
			var u, v mat.Dense
			f.UTo(&u)
			f.VTo(&v)
			return nil
		}},
}

func uniformMatrix(n int, seed uint64) []float32 {
	x, _ := tensor.CPU().Uniform(tensor.NewRNG(seed), -1, 1, n, n).Data()
	return x
}

// wellConditioned is uniform(−1, 1) plus n/2 on the diagonal.
func wellConditioned(n int, seed uint64) []float32 {
	x := uniformMatrix(n, seed)
	for i := range n {
		x[i*n+i] += float32(n) / 2
	}
	return x
}

// spdMatrix is symmetric with a dominant diagonal, hence positive definite.
func spdMatrix(n int, seed uint64) []float32 {
	x := uniformMatrix(n, seed)
	for i := range n {
		for j := range i {
			x[j*n+i] = x[i*n+j]
		}
		x[i*n+i] = float32(n)
	}
	return x
}

func symOf(a *mat.Dense) *mat.SymDense {
	n, _ := a.Dims()
	return mat.NewSymDense(n, a.RawMatrix().Data)
}

// linalgGPUOps are the ops of the suite that run blocked on a GPU backend
// from linalgDeviceMin (package linalg's threshold); the others compute on
// the host for every backend, so a GPU row would time the CPU.
var linalgGPUOps = []string{"solve", "inv", "cholesky", "qr"}

const linalgDeviceMin = 512

// linalg runs the linalg suite on the CPU target and gonum, and the ops of
// linalgGPUOps on the GPU target.
func (r *runner) linalg() {
	const suite = "linalg"
	sizes := r.sizesFor([]int{256, 512, 1024, 2048}, r.cfg.maxCPU)
	if r.cfg.quick && r.cfg.sizes == nil {
		sizes = []int{64, 128}
	}
	var cpuT, gpuT *target
	for _, t := range r.targets {
		if t.gpu {
			gpuT = t
		} else {
			cpuT = t
		}
	}
	if cpuT == nil && gpuT == nil {
		r.notef("the linalg suite needs -device cpu or gpu")
		return
	}
	r.notef("nominal flops (Golub & Van Loan): solve 2n³/3, inv 2n³, cholesky n³/3, qr 8n³/3 (factors and explicit Q), eigh 9n³ (with vectors), svd 22n³ (thin, with U and V); vktensor is float32 data (trailing updates of LU, Cholesky and QR in float32, Eigh and SVD in float64), gonum float64 throughout")
	if gpuT != nil {
		r.notef("%s: solve, inv, cholesky and qr only, wall time including the panel round trips to the host; from n = %d they run blocked with device matmul trailing updates, below it on the host with copies both ways; eigh and svd compute on the host for every backend and are not measured on the GPU", gpuT.impl, linalgDeviceMin)
	}
	for _, op := range linalgOps {
		guards := map[string]*budgetGuard{implCPU: {exponent: 3}, implGonum: {exponent: 3}, implGPU: {exponent: 3}}
		var impls []string
		if cpuT != nil {
			impls = append(impls, implCPU, implGonum)
		}
		if gpuT != nil && slices.Contains(linalgGPUOps, op.name) {
			impls = append(impls, implGPU)
		}
		for _, n := range sizes {
			a32 := op.input(n, uint64(n))
			b32 := uniformMatrix(n, uint64(n)+1)[:n]
			a64, b64 := make([]float64, n*n), make([]float64, n)
			for i, v := range a32 {
				a64[i] = float64(v)
			}
			for i, v := range b32 {
				b64[i] = float64(v)
			}
			for _, impl := range impls {
				if guards[impl].skip(float64(n), r.cfg.budget) {
					r.notef("%s: %s n=%d skipped, predicted to exceed -budget %v", impl, op.name, n, r.cfg.budget)
					continue
				}
				var sample sampler
				var device string
				switch impl {
				case implCPU, implGPU:
					t := cpuT
					if impl == implGPU {
						t = gpuT
					}
					device = t.device
					d := tensor.On(t.be)
					a, b := d.FromSlice(a32, n, n), d.FromSlice(b32, n)
					if err := t.be.Sync(); err != nil {
						r.notef("%s: %s n=%d: %v", impl, op.name, n, err)
						continue
					}
					// Wall time: the device path waits on its panels, so
					// the GPU time of the queued work would leave out the
					// host's share.
					sample = func(inner int) (time.Duration, error) {
						start := time.Now()
						for range inner {
							for _, x := range op.vk(a, b) {
								if err := x.Err(); err != nil {
									return 0, err
								}
								x.Release()
							}
						}
						err := t.be.Sync()
						return time.Since(start), err
					}
				default:
					device = cpuT.device
					a := mat.NewDense(n, n, a64)
					b := mat.NewDense(n, 1, b64)
					sample = func(inner int) (time.Duration, error) {
						start := time.Now()
						for range inner {
							if err := op.gonum(a, b); err != nil {
								return 0, err
							}
						}
						return time.Since(start), nil
					}
				}
				row := r.row(suite, op.name, impl, device)
				row.Shape, row.N = fmt.Sprintf("%dx%d", n, n), n
				row.FLOP = op.flop(float64(n))
				row.Timing = timingWall
				st, err := measure(r.cfg, sample)
				if err != nil {
					r.notef("%s: %s n=%d failed: %v", impl, op.name, n, err)
					continue
				}
				row.fill(st)
				r.progress(row)
				guards[impl].record(float64(n), st.median)
				r.rows = append(r.rows, row)
			}
			if op.name == "solve" {
				for _, t := range []*target{cpuT, gpuT} {
					if t != nil {
						r.checkSolve(t, n, a32, b32, a64, b64)
					}
				}
			}
		}
	}
}

// checkSolve notes when vktensor's and gonum's solutions differ by more
// than float32 rounding can explain.
func (r *runner) checkSolve(t *target, n int, a32, b32 []float32, a64, b64 []float64) {
	d := tensor.On(t.be)
	x, err := linalg.Solve(d.FromSlice(a32, n, n), d.FromSlice(b32, n)).Data()
	if err != nil {
		r.notef("solve n=%d: %v", n, err)
		return
	}
	var ref mat.VecDense
	if err := ref.SolveVec(mat.NewDense(n, n, a64), mat.NewVecDense(n, b64)); err != nil {
		r.notef("gonum solve n=%d: %v", n, err)
		return
	}
	var diff, scale float64
	for i := range n {
		diff = max(diff, math.Abs(float64(x[i])-ref.AtVec(i)))
		scale = max(scale, math.Abs(ref.AtVec(i)))
	}
	if diff > 1e-5*scale {
		r.notef("%s solve n=%d: vktensor and gonum differ by %.2g relative: check package linalg", t.impl, n, diff/scale)
	}
}
