package lapack

import "github.com/vktensor/vktensor/tensor/cpu"

// The inverse from the LU factors, P·A = L·U: A⁻¹ = U⁻¹·L⁻¹·P, with the
// triangular inverses by recursive 2×2 block inversion,
//
//	[T11 0; T21 T22]⁻¹ = [X11 0; −X22·T21·X11 X22],
//
// (and the same for the upper U) down to diagonal blocks of invBlockSize,
// inverted by substitution in float64, the off-diagonal products and the
// final U⁻¹·L⁻¹ as float32 products through gemm. The off-diagonal blocks
// T21 of L and T12 of U are those of the factors themselves, so the
// recursion reads them where LU left them.

// invBlockSize is the order of the diagonal blocks inverted by substitution.
const invBlockSize = 64

// InvBlock returns the inverse of the b×b diagonal block at offset o of
// L (lower: unit lower triangular) or of U, from the n×n factors lu of LU,
// row-major float32, computed in float64.
func InvBlock(lu []float32, n, o, b int, lower bool) []float32 {
	at := func(i, j int) float64 { return float64(lu[(o+i)*n+o+j]) }
	out := make([]float32, b*b)
	x := make([]float64, b)
	for c := range b {
		clear(x)
		if lower { // L·x = e_c, forward
			x[c] = 1
			for i := c + 1; i < b; i++ {
				var s float64
				for k := c; k < i; k++ {
					s += at(i, k) * x[k]
				}
				x[i] = -s
			}
		} else { // U·x = e_c, backward
			for i := c; i >= 0; i-- {
				s := 0.0
				if i == c {
					s = 1
				}
				for k := i + 1; k <= c; k++ {
					s -= at(i, k) * x[k]
				}
				x[i] = s / at(i, i)
			}
		}
		for i := range b {
			out[i*b+c] = float32(x[i])
		}
	}
	return out
}

// invTriangular writes into x (n×n) the inverse of the diagonal block of
// order nb at offset o of L or U (from lu), recursively.
func invTriangular(lu, x []float32, n, o, nb int, lower bool) {
	if nb <= invBlockSize {
		blk := InvBlock(lu, n, o, nb, lower)
		for i := range nb {
			copy(x[(o+i)*n+o:(o+i)*n+o+nb], blk[i*nb:(i+1)*nb])
		}
		return
	}
	h := (nb + 2*invBlockSize - 1) / (2 * invBlockSize) * invBlockSize // about nb/2, whole blocks
	invTriangular(lu, x, n, o, h, lower)
	invTriangular(lu, x, n, o+h, nb-h, lower)
	r := nb - h
	at := func(s []float32, i, j int) cpu.Matrix { return cpu.Matrix{Data: s, Off: (o+i)*n + o + j, RS: n, CS: 1} }
	if lower {
		// X21 = −X22·(T21·X11)
		tmp := make([]float32, r*h)
		cpu.Sgemm(r, h, h, at(lu, h, 0), at(x, 0, 0), cpu.Matrix{Data: tmp, RS: h, CS: 1}, false)
		cpu.Sgemm(r, h, r, at(x, h, h), cpu.Matrix{Data: tmp, RS: h, CS: 1}, at(x, h, 0), false)
		for i := range r {
			row := x[(o+h+i)*n+o : (o+h+i)*n+o+h]
			for j := range row {
				row[j] = -row[j]
			}
		}
		return
	}
	// X12 = −(X11·T12)·X22
	tmp := make([]float32, h*r)
	cpu.Sgemm(h, r, h, at(x, 0, 0), at(lu, 0, h), cpu.Matrix{Data: tmp, RS: r, CS: 1}, false)
	cpu.Sgemm(h, r, r, cpu.Matrix{Data: tmp, RS: r, CS: 1}, at(x, h, h), at(x, 0, h), false)
	for i := range h {
		row := x[(o+i)*n+o+h : (o+i)*n+o+nb]
		for j := range row {
			row[j] = -row[j]
		}
	}
}

// InvColumns returns the column order of A⁻¹ from LU's interchanges: with
// P·A = L·U, column perm[r] of A⁻¹ is column r of U⁻¹·L⁻¹; the result
// maps each column c of A⁻¹ to its source column.
func InvColumns(piv []int) []int {
	n := len(piv)
	perm := make([]int, n)
	for r := range perm {
		perm[r] = r
	}
	for r, p := range piv {
		perm[r], perm[p] = perm[p], perm[r]
	}
	src := make([]int, n)
	for r, p := range perm {
		src[p] = r
	}
	return src
}

// invFromLU returns A⁻¹ (n×n float32) from the factors lu and piv of LU.
func invFromLU(n int, lu []float32, piv []int) []float32 {
	linv, uinv := make([]float32, n*n), make([]float32, n*n)
	invTriangular(lu, linv, n, 0, n, true)
	invTriangular(lu, uinv, n, 0, n, false)
	prod := make([]float32, n*n)
	if n > 0 {
		cpu.Sgemm(n, n, n, cpu.Matrix{Data: uinv, RS: n, CS: 1}, cpu.Matrix{Data: linv, RS: n, CS: 1},
			cpu.Matrix{Data: prod, RS: n, CS: 1}, false)
	}
	x := make([]float32, n*n)
	src := InvColumns(piv)
	for i := range n {
		row, from := x[i*n:(i+1)*n], prod[i*n:(i+1)*n]
		for c, s := range src {
			row[c] = from[s]
		}
	}
	return x
}
