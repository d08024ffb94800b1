package linalg_test

import (
	"maps"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/vktensor/vktensor/linalg"
	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/cpu"
)

// accuracySizes are the matrix sizes of the accuracy tests: 1, sizes around
// the block width 64 of the blocked factorizations, and 257 (five panels,
// the last of one column).
var accuracySizes = []int{1, 2, 17, 64, 65, 130, 257}

// batchFor keeps the runtime small: a batch of 3 for small matrices, a
// single one (still with a batch axis) for large ones.
func batchFor(n int) int {
	if n <= 65 {
		return 3
	}
	return 1
}

const tol = 1e-5 // the bound on every backward and reconstruction error below

func TestAccuracyCPU(t *testing.T) { testAccuracy(t, cpu.New(), accuracySizes) }

// testAccuracy checks every function on b against float64 references.
func testAccuracy(t *testing.T, b backend.Backend, sizes []int) {
	g := newGen(b, 1)
	worst := map[string]float64{}
	note := func(what string, e float64) {
		worst[what] = max(worst[what], e)
	}
	for _, n := range sizes {
		bt := batchFor(n)
		// Solve, backward error ‖A·X − B‖/(‖A‖·‖X‖), with matrix and vector B.
		a := g.wellConditioned(bt, n)
		rb := g.normal(bt, n, 3)
		as, bs, xs := mats(t, a), mats(t, rb), mats(t, linalg.Solve(a, rb))
		for i := range as {
			e := ratio(fro(sub(mul(as[i], xs[i]), bs[i])), fro(as[i])*fro(xs[i]))
			note("Solve", e)
			if e > tol {
				t.Errorf("Solve n=%d batch %d: backward error %.3g", n, i, e)
			}
		}
		vb := g.normal(bt, n)
		xv := linalg.Solve(a, vb)
		if !slices.Equal(xv.Shape(), []int{bt, n}) {
			t.Fatalf("Solve with vector B: shape %v", xv.Shape())
		}
		bv, xvv := vecs(t, vb), vecs(t, xv)
		for i := range as {
			e := ratio(fro(sub(mul(as[i], m64{n, 1, xvv[i]}), m64{n, 1, bv[i]})), fro(as[i])*fro(m64{n, 1, xvv[i]}))
			if e > tol {
				t.Errorf("Solve (vector) n=%d batch %d: backward error %.3g", n, i, e)
			}
		}
		// Inv: ‖A·X − I‖/(‖A‖·‖X‖).
		for i, x := range mats(t, linalg.Inv(a)) {
			e := ratio(fro(sub(mul(as[i], x), eye(n))), fro(as[i])*fro(x))
			note("Inv", e)
			if e > tol {
				t.Errorf("Inv n=%d batch %d: backward error %.3g", n, i, e)
			}
		}
		// SlogDet and Det against gonum's float64 LU.
		sign, logabs := linalg.SlogDet(a)
		det := linalg.Det(a)
		sd, ld, dd := vecs(t, sign.Reshape(bt, 1)), vecs(t, logabs.Reshape(bt, 1)), vecs(t, det.Reshape(bt, 1))
		for i := range as {
			ref, rsign := mat.LogDet(mat.NewDense(n, n, as[i].d))
			e := math.Abs(ld[i][0]-ref) / (1 + math.Abs(ref))
			note("SlogDet", e)
			if sd[i][0] != rsign || e > 1e-5 {
				t.Errorf("SlogDet n=%d batch %d: (%v, %v), want (%v, %v)", n, i, sd[i][0], ld[i][0], rsign, ref)
			}
			if ref < 80 { // within float32
				want := rsign * math.Exp(ref)
				if e := math.Abs(dd[i][0]-want) / math.Abs(want); e > 1e-4 {
					t.Errorf("Det n=%d batch %d: %v, want %v (rel. error %.3g)", n, i, dd[i][0], want, e)
				}
			}
		}
		// Cholesky: L lower, ‖L·Lᵀ − A‖/‖A‖.
		s := g.spd(bt, n)
		ss := mats(t, s)
		for i, l := range mats(t, linalg.Cholesky(s)) {
			for r := range n {
				for c := r + 1; c < n; c++ {
					if l.at(r, c) != 0 {
						t.Fatalf("Cholesky n=%d: L[%d,%d] = %v above the diagonal", n, r, c, l.at(r, c))
					}
				}
			}
			e := fro(sub(mul(l, tr(l)), ss[i])) / fro(ss[i])
			note("Cholesky", e)
			if e > tol {
				t.Errorf("Cholesky n=%d batch %d: ‖LLᵀ − A‖/‖A‖ = %.3g", n, i, e)
			}
		}
		// QR on square, tall and wide matrices.
		for _, sh := range [][2]int{{n, n}, {n + 5, n}, {n, n + 5}} {
			m, nn := sh[0], sh[1]
			k := min(m, nn)
			x := g.normal(bt, m, nn)
			q, r := linalg.QR(x)
			if !slices.Equal(q.Shape(), []int{bt, m, k}) || !slices.Equal(r.Shape(), []int{bt, k, nn}) {
				t.Fatalf("QR %dx%d: shapes %v, %v", m, nn, q.Shape(), r.Shape())
			}
			xm, qm, rm := mats(t, x), mats(t, q), mats(t, r)
			for i := range xm {
				for rr := range k {
					for c := range rr {
						if rm[i].at(rr, c) != 0 {
							t.Fatalf("QR %dx%d: R[%d,%d] below the diagonal", m, nn, rr, c)
						}
					}
				}
				eo := maxAbs(sub(mul(tr(qm[i]), qm[i]), eye(k)))
				er := fro(sub(mul(qm[i], rm[i]), xm[i])) / fro(xm[i])
				note("QR orthogonality", eo)
				note("QR reconstruction", er)
				if eo > tol || er > tol {
					t.Errorf("QR %dx%d batch %d: ‖QᵀQ − I‖max = %.3g, ‖QR − A‖/‖A‖ = %.3g", m, nn, i, eo, er)
				}
			}
		}
		// Eigh: the upper triangle is garbage and must be ignored.
		sy := g.symmetric(bt, n)
		sym := mats(t, sy)
		garbage := make([]float32, bt*n*n)
		for bi, mm := range sym {
			for r := range n {
				for c := range n {
					v := mm.at(r, c)
					if c > r {
						v = 1e6
					}
					garbage[bi*n*n+r*n+c] = float32(v)
				}
			}
		}
		w, v := linalg.Eigh(onBackend(b, garbage, bt, n, n))
		ws, vs := vecs(t, w), mats(t, v)
		for i := range sym {
			if !slices.IsSorted(ws[i]) {
				t.Errorf("Eigh n=%d: eigenvalues not ascending", n)
			}
			vl := m64{n, n, slices.Clone(vs[i].d)}
			for r := range n {
				for c := range n {
					vl.d[r*n+c] *= ws[i][c]
				}
			}
			er := fro(sub(mul(sym[i], vs[i]), vl)) / fro(sym[i])
			eo := maxAbs(sub(mul(tr(vs[i]), vs[i]), eye(n)))
			note("Eigh residual", er)
			note("Eigh orthogonality", eo)
			if er > tol || eo > tol {
				t.Errorf("Eigh n=%d batch %d: ‖AV − VΛ‖/‖A‖ = %.3g, ‖VᵀV − I‖max = %.3g", n, i, er, eo)
			}
			var es mat.EigenSym
			es.Factorize(mat.NewSymDense(n, sym[i].d), false)
			ref := es.Values(nil)
			for j := range ref {
				if e := math.Abs(ref[j]-ws[i][j]) / fro(sym[i]); e > tol {
					t.Errorf("Eigh n=%d: w[%d] = %v, gonum %v", n, j, ws[i][j], ref[j])
					break
				}
			}
		}
		// SVD on tall, wide and rank-deficient matrices.
		for _, sh := range [][3]int{{n, n, n}, {n + 4, n, n}, {n, n + 4, n}, {n + 1, n, (n + 1) / 2}} {
			m, nn, rank := sh[0], sh[1], sh[2]
			k := min(m, nn)
			x := g.normal(bt, m, nn)
			if rank < k {
				x = g.normal(bt, m, rank).MatMul(g.normal(bt, rank, nn))
			}
			u, sv, vh := linalg.SVD(x)
			xm, um, sm, vm := mats(t, x), mats(t, u), vecs(t, sv), mats(t, vh)
			for i := range xm {
				if !slices.IsSortedFunc(sm[i], func(p, q float64) int { return int(math.Copysign(1, q-p)) }) || (k > 0 && sm[i][k-1] < 0) {
					t.Errorf("SVD %dx%d: singular values not descending and ≥ 0: %v", m, nn, sm[i])
				}
				us := m64{m, k, slices.Clone(um[i].d)}
				for r := range m {
					for c := range k {
						us.d[r*k+c] *= sm[i][c]
					}
				}
				er := fro(sub(mul(us, vm[i]), xm[i])) / fro(xm[i])
				eu := maxAbs(sub(mul(tr(um[i]), um[i]), eye(k)))
				ev := maxAbs(sub(mul(vm[i], tr(vm[i])), eye(k)))
				note("SVD reconstruction", er)
				note("SVD orthogonality", max(eu, ev))
				if er > tol || eu > tol || ev > tol {
					t.Errorf("SVD %dx%d rank %d batch %d: ‖USVh − A‖/‖A‖ = %.3g, ‖UᵀU − I‖ = %.3g, ‖VhVhᵀ − I‖ = %.3g", m, nn, rank, i, er, eu, ev)
				}
				if rank < k && sm[i][rank] > 1e-5*sm[i][0] {
					t.Errorf("SVD rank %d: σ_%d = %.3g, want ≈ 0", rank, rank, sm[i][rank])
				}
				// Pinv: the Penrose conditions A·X·A = A and X·A·X = X.
				if i == 0 {
					px := mats(t, linalg.Pinv(x))[0]
					e1 := fro(sub(mul(mul(xm[0], px), xm[0]), xm[0])) / fro(xm[0])
					e2 := ratio(fro(sub(mul(mul(px, xm[0]), px), px)), fro(px))
					note("Pinv", max(e1, e2))
					if e1 > 10*tol || e2 > 10*tol {
						t.Errorf("Pinv %dx%d rank %d: ‖AXA − A‖/‖A‖ = %.3g, ‖XAX − X‖/‖X‖ = %.3g", m, nn, rank, e1, e2)
					}
				}
			}
		}
		// Lstsq: tall against the float64 normal equations, wide against the
		// minimum-norm solution Aᵀ(AAᵀ)⁻¹b.
		for _, sh := range [][2]int{{n + 6, n}, {n, n + 6}} {
			m, nn := sh[0], sh[1]
			x := g.normal(bt, m, nn)
			y := g.normal(bt, m, 2)
			xm, ym, sol := mats(t, x), mats(t, y), mats(t, linalg.Lstsq(x, y))
			for i := range xm {
				var ref mat.Dense
				A := mat.NewDense(m, nn, xm[i].d)
				B := mat.NewDense(m, 2, ym[i].d)
				if m >= nn {
					var ata, atb mat.Dense
					ata.Mul(A.T(), A)
					atb.Mul(A.T(), B)
					if err := ref.Solve(&ata, &atb); err != nil {
						t.Fatal(err)
					}
				} else {
					var aat, z mat.Dense
					aat.Mul(A, A.T())
					if err := z.Solve(&aat, B); err != nil {
						t.Fatal(err)
					}
					ref.Mul(A.T(), &z)
				}
				rm := m64{nn, 2, ref.RawMatrix().Data}
				e := fro(sub(sol[i], rm)) / fro(rm)
				note("Lstsq", e)
				if e > 1e-4 {
					t.Errorf("Lstsq %dx%d batch %d: ‖x − x_ref‖/‖x_ref‖ = %.3g", m, nn, i, e)
				}
			}
		}
		// Norms against gonum.
		x := g.normal(bt, n+2, n)
		xm := mats(t, x)
		for _, ord := range []string{"fro", "nuc", "1", "-1", "2", "-2", "inf", "-inf"} {
			got := vecs(t, linalg.MatrixNorm(x, ord).Reshape(bt, 1))
			for i := range xm {
				A := mat.NewDense(n+2, n, xm[i].d)
				var want float64
				var svd mat.SVD
				svd.Factorize(A, mat.SVDNone)
				sv := svd.Values(nil)
				switch ord {
				case "fro":
					want = mat.Norm(A, 2)
				case "nuc":
					for _, v := range sv {
						want += v
					}
				case "2":
					want = sv[0]
				case "-2":
					want = sv[len(sv)-1]
				case "1":
					want = mat.Norm(A, 1)
				case "inf":
					want = mat.Norm(A, math.Inf(1))
				case "-1", "-inf":
					want = math.Inf(1)
					rows, cols := n+2, n
					if ord == "-1" {
						rows, cols = n, n+2
					}
					for o := range rows {
						var s float64
						for in := range cols {
							if ord == "-1" {
								s += math.Abs(A.At(in, o))
							} else {
								s += math.Abs(A.At(o, in))
							}
						}
						want = min(want, s)
					}
				}
				if e := math.Abs(got[i][0]-want) / want; e > tol {
					t.Errorf("MatrixNorm %s n=%d: %v, want %v", ord, n, got[i][0], want)
				}
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(worst)) {
		t.Logf("worst %-20s %.2e", k, worst[k])
	}
}
