package lapack

import "github.com/vktensor/vktensor/tensor/cpu"

// reflectors is one panel of Householder reflectors, H = I − V·T·Vᵀ, acting
// on rows j: of the matrix.
type reflectors struct {
	j, b int
	v    []float32 // (m−j)×b row-major, unit diagonal, zero above it
	t    []float64 // b×b upper triangular
	tneg []float32 // −T
}

// QR computes the reduced QR factorization of the m×n row-major a
// (overwritten): q is m×k with orthonormal columns and r is k×n upper
// triangular, k = min(m, n). Householder reflectors in panels of 32 or 64
// columns; each panel is factored in float64 and applied to the trailing
// columns, and accumulated into q, as float32 products through gemm.
func QR(m, n int, a []float32) (q, r []float32) {
	return qrBlocked(m, n, a, panelWidth(min(m, n), 32, 64))
}

func qrBlocked(m, n int, a []float32, nb int) (q, r []float32) {
	k := min(m, n)
	var panels []reflectors
	for j := 0; j < k; j += nb {
		b, mp := min(nb, k-j), m-j
		// Panel a[j:m, j:j+b], column-major float64.
		p := make([]float64, mp*b)
		for c := range b {
			for i := range mp {
				p[c*mp+i] = float64(a[(j+i)*n+j+c])
			}
		}
		rf := housePanel(mp, b, p)
		rf.j = j
		for c := range b {
			for i := 0; i <= c; i++ {
				a[(j+i)*n+j+c] = float32(p[c*mp+i])
			}
			for i := c + 1; i < mp; i++ {
				a[(j+i)*n+j+c] = 0
			}
		}
		panels = append(panels, rf)
		if nc := n - j - b; nc > 0 {
			applyReflectors(rf, mp, nc, cpu.Matrix{Data: a, Off: j*n + j + b, RS: n, CS: 1}, true)
		}
	}
	r = make([]float32, k*n)
	for i := range k {
		copy(r[i*n+i:(i+1)*n], a[i*n+i:(i+1)*n])
	}
	q = make([]float32, m*k)
	for i := range k {
		q[i*k+i] = 1
	}
	for pi := len(panels) - 1; pi >= 0; pi-- {
		rf := panels[pi]
		applyReflectors(rf, m-rf.j, k-rf.j, cpu.Matrix{Data: q, Off: rf.j*k + rf.j, RS: k, CS: 1}, false)
	}
	return q, r
}

// applyReflectors overwrites the mp×nc block c with Hᵀ·C (transpose) or
// H·C, H = I − V·T·Vᵀ.
func applyReflectors(rf reflectors, mp, nc int, c cpu.Matrix, transpose bool) {
	b := rf.b
	w := make([]float32, b*nc)
	cpu.Sgemm(b, nc, mp, cpu.Matrix{Data: rf.v, RS: 1, CS: b}, c, cpu.Matrix{Data: w, RS: nc, CS: 1}, false)
	// out = −T·w or −Tᵀ·w, negated for the update below.
	out := make([]float32, b*nc)
	t := cpu.Matrix{Data: rf.tneg, RS: b, CS: 1}
	if transpose {
		t.RS, t.CS = 1, b
	}
	cpu.Sgemm(b, nc, b, t, cpu.Matrix{Data: w, RS: nc, CS: 1}, cpu.Matrix{Data: out, RS: nc, CS: 1}, false)
	cpu.Sgemm(mp, nc, b, cpu.Matrix{Data: rf.v, RS: b, CS: 1}, cpu.Matrix{Data: out, RS: nc, CS: 1}, c, true)
}

// housePanel factors the mp×b column-major float64 panel p (mp ≥ b) by
// Householder reflections: on return p holds R's b×b upper triangle on and
// above its diagonal (and the reflectors' tails below it), and the result
// holds V (float32, unit diagonal) and T with H₀⋯H_{b−1} = I − V·T·Vᵀ.
func housePanel(mp, b int, p []float64) reflectors {
	tau := make([]float64, b)
	for i := range b {
		col := p[i*mp+i : (i+1)*mp]
		t, beta := house(col)
		tau[i] = t
		v := col[1:]
		for c := i + 1; c < b; c++ {
			cc := p[c*mp+i : (c+1)*mp]
			w := t * (cc[0] + dot(v, cc[1:]))
			cc[0] -= w
			axpy(-w, v, cc[1:])
		}
		col[0] = beta
	}
	rf := reflectors{b: b, v: make([]float32, mp*b), t: make([]float64, b*b)}
	for c := range b {
		rf.v[c*b+c] = 1
		for i := c + 1; i < mp; i++ {
			rf.v[i*b+c] = float32(p[c*mp+i])
		}
	}
	// T by forward accumulation: T[:i, i] = −τᵢ·T[:i, :i]·V[:, :i]ᵀ·vᵢ.
	z := make([]float64, b)
	for i := range b {
		rf.t[i*b+i] = tau[i]
		vi := p[i*mp : (i+1)*mp] // vᵢ below row i; 1 at row i
		for s := range i {
			vs := p[s*mp : (s+1)*mp]
			z[s] = vs[i] + dot(vs[i+1:], vi[i+1:])
		}
		for s := range i {
			var acc float64
			for u := s; u < i; u++ {
				acc += rf.t[s*b+u] * z[u]
			}
			rf.t[s*b+i] = -tau[i] * acc
		}
	}
	rf.tneg = make([]float32, b*b)
	for i, v := range rf.t {
		rf.tneg[i] = float32(-v)
	}
	return rf
}
