package cpu

import (
	"math"

	"github.com/vktensor/vktensor/tensor/backend"
)

var _ backend.LayerNormer = (*Backend)(nil)

// LayerNorm normalizes the rows of x in float64 (two passes over the row:
// the mean, then the variance about it), rounding each output once.
func (*Backend) LayerNorm(dst, mean, rstd, x, gamma, beta backend.Strided, eps float32) {
	rows, c := x.Shape[0], x.Shape[1]
	xd, dd := data(x.Buf), data(dst.Buf)
	md, sd := data(mean.Buf), data(rstd.Buf)
	gd, bd := optData(gamma), optData(beta)
	parallelFor(rows, max(1, parallelMinHeavy/c), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xo := x.Offset + r*x.Strides[0]
			m, rs := rowStats(xd, xo, x.Strides[1], c, eps)
			md[mean.Offset+r*mean.Strides[0]] = float32(m)
			sd[rstd.Offset+r*rstd.Strides[0]] = float32(rs)
			do := dst.Offset + r*dst.Strides[0]
			for j := 0; j < c; j++ {
				y := (float64(xd[xo+j*x.Strides[1]]) - m) * rs
				if gd != nil {
					y *= float64(gd[gamma.Offset+j*gamma.Strides[0]])
				}
				if bd != nil {
					y += float64(bd[beta.Offset+j*beta.Strides[0]])
				}
				dd[do+j*dst.Strides[1]] = float32(y)
			}
		}
	})
}

// rowStats returns the mean of the c elements of x at off, off+s, ... and
// 1/√(variance + eps), in float64.
func rowStats(x []float32, off, s, c int, eps float32) (mean, rstd float64) {
	var sum float64
	for j := 0; j < c; j++ {
		sum += float64(x[off+j*s])
	}
	mean = sum / float64(c)
	var ss float64
	for j := 0; j < c; j++ {
		d := float64(x[off+j*s]) - mean
		ss += d * d
	}
	return mean, 1 / math.Sqrt(ss/float64(c)+float64(eps))
}

// optData is the data of an optional operand, nil when it has no buffer.
func optData(s backend.Strided) []float32 {
	if s.Buf == nil {
		return nil
	}
	return data(s.Buf)
}

// LayerNormGrad computes dx row by row in parallel and dgamma, dbeta
// column block by column block (each column summed over the rows in
// order), all in float64 from the saved mean and rstd.
func (*Backend) LayerNormGrad(dx, dgamma, dbeta, g, x, mean, rstd, gamma backend.Strided) {
	rows, c := x.Shape[0], x.Shape[1]
	xd, gd := data(x.Buf), data(g.Buf)
	md, sd := data(mean.Buf), data(rstd.Buf)
	gm := optData(gamma)
	stats := func(r int) (xo, gro int, m, rs float64) {
		return x.Offset + r*x.Strides[0], g.Offset + r*g.Strides[0],
			float64(md[mean.Offset+r*mean.Strides[0]]), float64(sd[rstd.Offset+r*rstd.Strides[0]])
	}
	xs, gs := x.Strides[1], g.Strides[1]
	if dxd := optData(dx); dxd != nil {
		parallelFor(rows, max(1, parallelMinHeavy/c), func(lo, hi int) {
			for r := lo; r < hi; r++ {
				xo, gro, m, rs := stats(r)
				dy := func(j int) float64 {
					v := float64(gd[gro+j*gs])
					if gm != nil {
						v *= float64(gm[gamma.Offset+j*gamma.Strides[0]])
					}
					return v
				}
				var a, b float64
				for j := 0; j < c; j++ {
					d := dy(j)
					a += d
					b += d * (float64(xd[xo+j*xs]) - m) * rs
				}
				a /= float64(c)
				b /= float64(c)
				do := dx.Offset + r*dx.Strides[0]
				for j := 0; j < c; j++ {
					xh := (float64(xd[xo+j*xs]) - m) * rs
					dxd[do+j*dx.Strides[1]] = float32(rs * (dy(j) - a - xh*b))
				}
			}
		})
	}
	dgd, dbd := optData(dgamma), optData(dbeta)
	if dgd == nil && dbd == nil {
		return
	}
	// Columns in blocks: each block walks the rows in order, so every sum
	// has the same order whatever the split.
	parallelFor(c, max(1, parallelMinHeavy/rows), func(lo, hi int) {
		sg := make([]float64, hi-lo)
		sb := make([]float64, hi-lo)
		for r := 0; r < rows; r++ {
			xo, gro, m, rs := stats(r)
			for j := lo; j < hi; j++ {
				gv := float64(gd[gro+j*gs])
				sb[j-lo] += gv
				sg[j-lo] += gv * (float64(xd[xo+j*xs]) - m) * rs
			}
		}
		for j := lo; j < hi; j++ {
			if dgd != nil {
				dgd[dgamma.Offset+j*dgamma.Strides[0]] = float32(sg[j-lo])
			}
			if dbd != nil {
				dbd[dbeta.Offset+j*dbeta.Strides[0]] = float32(sb[j-lo])
			}
		}
	})
}
