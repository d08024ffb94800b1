package linalg_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/vktensor/vktensor/linalg"
	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/cpu"
)

// cpuTime is the process's user + system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkVsGonum times Solve (one right-hand side), Cholesky, QR (with
// the explicit Q), Eigh (with vectors) and SVD (thin, with vectors) on the
// CPU backend beside gonum's mat on the same numbers. Besides ns/op it
// reports cpu-ns/op, the CPU time per op, which a loaded machine disturbs
// far less than the wall clock; with -cpu 1 both sides run on one thread:
//
//	go test -run X -bench VsGonum -cpu 1 -benchtime 3x ./linalg
//
// bench's -suite linalg gives the same comparison as a table.
func BenchmarkVsGonum(b *testing.B) {
	type op struct {
		name  string
		vk    func(a, s, v *tensor.Tensor)
		gonum func(a *mat.Dense, s *mat.SymDense, v *mat.VecDense)
	}
	release := func(ts ...*tensor.Tensor) {
		for _, t := range ts {
			t.Release()
		}
	}
	ops := []op{
		{"solve", func(a, _, v *tensor.Tensor) { release(linalg.Solve(a, v)) },
			func(a *mat.Dense, _ *mat.SymDense, v *mat.VecDense) { var x mat.VecDense; _ = x.SolveVec(a, v) }},
		{"cholesky", func(_, s, _ *tensor.Tensor) { release(linalg.Cholesky(s)) },
			func(_ *mat.Dense, s *mat.SymDense, _ *mat.VecDense) { var c mat.Cholesky; c.Factorize(s) }},
		{"qr", func(a, _, _ *tensor.Tensor) { q, r := linalg.QR(a); release(q, r) },
			func(a *mat.Dense, _ *mat.SymDense, _ *mat.VecDense) {
				var f mat.QR
				f.Factorize(a)
				var q, r mat.Dense
				f.QTo(&q)
				f.RTo(&r)
			}},
		{"eigh", func(_, s, _ *tensor.Tensor) { w, v := linalg.Eigh(s); release(w, v) },
			func(_ *mat.Dense, s *mat.SymDense, _ *mat.VecDense) {
				var e mat.EigenSym
				e.Factorize(s, true)
				var v mat.Dense
				e.VectorsTo(&v)
			}},
		{"svd", func(a, _, _ *tensor.Tensor) { u, s, vh := linalg.SVD(a); release(u, s, vh) },
			func(a *mat.Dense, _ *mat.SymDense, _ *mat.VecDense) {
				var f mat.SVD
				f.Factorize(a, mat.SVDThin)
				var u, v mat.Dense
				f.UTo(&u)
				f.VTo(&v)
			}},
	}
	for _, n := range []int{256, 512, 1024, 2048} {
		// Inputs are made on first use, so that -bench filters skip them.
		var a, s, v *tensor.Tensor
		var a64 *mat.Dense
		var s64 *mat.SymDense
		var v64 *mat.VecDense
		inputs := func(b *testing.B) {
			if a != nil {
				return
			}
			g := newGen(cpu.New(), uint64(n))
			a = g.wellConditioned(1, n).Reshape(n, n)
			// Symmetric with a dominant diagonal: positive definite.
			s = g.symmetric(1, n).Reshape(n, n).Add(tensor.On(cpu.New()).Eye(n).MulScalar(float32(n)))
			v = g.normal(n)
			a64, s64 = mat.NewDense(n, n, mats(b, a)[0].d), mat.NewSymDense(n, mats(b, s)[0].d)
			v64 = mat.NewVecDense(n, vecs(b, v.Reshape(1, n))[0])
		}
		for _, o := range ops {
			for _, impl := range []string{"vktensor", "gonum"} {
				b.Run(fmt.Sprintf("%s/n=%d/%s", o.name, n, impl), func(b *testing.B) {
					inputs(b)
					t0 := cpuTime()
					for b.Loop() {
						if impl == "vktensor" {
							o.vk(a, s, v)
						} else {
							o.gonum(a64, s64, v64)
						}
					}
					b.ReportMetric(float64(cpuTime()-t0)/float64(b.N), "cpu-ns/op")
				})
			}
		}
	}
}

// BenchmarkBatchedSmall times Eigh and SVD (with vectors) of batches of
// many small matrices on the CPU backend, the case of the batched Jacobi
// kernels:
//
//	go test -run X -bench BatchedSmall -benchtime 3x ./linalg
func BenchmarkBatchedSmall(b *testing.B) {
	for _, c := range []struct{ batch, n int }{{4096, 4}, {4096, 8}, {1024, 16}, {256, 32}} {
		g := newGen(cpu.New(), 1)
		s := g.symmetric(c.batch, c.n)
		a := g.normal(c.batch, c.n, c.n)
		b.Run(fmt.Sprintf("eigh/%dx%dx%d", c.batch, c.n, c.n), func(b *testing.B) {
			for b.Loop() {
				w, v := linalg.Eigh(s)
				w.Release()
				v.Release()
			}
		})
		b.Run(fmt.Sprintf("svd/%dx%dx%d", c.batch, c.n, c.n), func(b *testing.B) {
			for b.Loop() {
				u, s, vh := linalg.SVD(a)
				u.Release()
				s.Release()
				vh.Release()
			}
		})
	}
}
