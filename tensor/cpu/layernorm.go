package cpu

import (
	"math"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/internal/vec"
)

var _ backend.LayerNormer = (*Backend)(nil)

// LayerNorm normalizes the rows of x in float64 (two passes over the row:
// the mean, then the variance about it), rounding each output once. Rows
// run in parallel; contiguous rows take slices without stride arithmetic.
func (*Backend) LayerNorm(dst, mean, rstd, x, gamma, beta backend.Strided, eps float32) {
	rows, c := x.Shape[0], x.Shape[1]
	xd, dd := data(x.Buf), data(dst.Buf)
	md, sd := data(mean.Buf), data(rstd.Buf)
	gm, bt := affine64(gamma, c, 1), affine64(beta, c, 0)
	xs, ds := x.Strides[1], dst.Strides[1]
	parallelFor(rows, max(1, parallelMinHeavy/c), func(lo, hi int) {
		row := make([]float32, c) // a strided row, gathered
		for r := lo; r < hi; r++ {
			xo := x.Offset + r*x.Strides[0]
			xr := xd[xo : xo+(c-1)*xs+1]
			if xs != 1 {
				for j := range row {
					row[j] = xr[j*xs]
				}
				xr = row
			}
			m, rs := rowStats(xr, eps)
			md[mean.Offset+r*mean.Strides[0]] = float32(m)
			sd[rstd.Offset+r*rstd.Strides[0]] = float32(rs)
			do := dst.Offset + r*dst.Strides[0]
			if ds == 1 {
				normRow(dd[do:do+c], xr[:c], gm[:c], bt[:c], m, rs)
				continue
			}
			for j, v := range xr {
				dd[do+j*ds] = float32((float64(v)-m)*rs*gm[j] + bt[j])
			}
		}
	})
}

// normRow sets d[j] = (x[j] − m)·rs·g[j] + b[j] in float64, rounded once;
// all four have one length. Four elements a step keep the bounds checks
// out of the loop.
func normRow(d, x []float32, g, b []float64, m, rs float64) {
	j := 0
	for ; j+4 <= len(x); j += 4 {
		xs, gs, bs, ds := x[j:j+4:j+4], g[j:j+4:j+4], b[j:j+4:j+4], d[j:j+4:j+4]
		ds[0] = float32((float64(xs[0])-m)*rs*gs[0] + bs[0])
		ds[1] = float32((float64(xs[1])-m)*rs*gs[1] + bs[1])
		ds[2] = float32((float64(xs[2])-m)*rs*gs[2] + bs[2])
		ds[3] = float32((float64(xs[3])-m)*rs*gs[3] + bs[3])
	}
	for ; j < len(x); j++ {
		d[j] = float32((float64(x[j])-m)*rs*g[j] + b[j])
	}
}

// affine64 returns the c elements of an optional gain or shift in
// float64, or c copies of def when it has no buffer.
func affine64(s backend.Strided, c int, def float64) []float64 {
	out := make([]float64, c)
	if s.Buf == nil {
		for j := range out {
			out[j] = def
		}
		return out
	}
	d := data(s.Buf)
	for j := range out {
		out[j] = float64(d[s.Offset+j*s.Strides[0]])
	}
	return out
}

// rowStats returns the mean of x and 1/√(variance + eps), in float64.
func rowStats(x []float32, eps float32) (mean, rstd float64) {
	mean = vec.Sum(x) / float64(len(x))
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		q := x[i : i+4 : i+4]
		d0, d1, d2, d3 := float64(q[0])-mean, float64(q[1])-mean, float64(q[2])-mean, float64(q[3])-mean
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < len(x); i++ {
		d := float64(x[i]) - mean
		s0 += d * d
	}
	return mean, 1 / math.Sqrt(((s0+s1)+(s2+s3))/float64(len(x))+float64(eps))
}

// LayerNormGrad computes dx row by row in parallel and dgamma, dbeta
// column block by column block (each column summed over the rows in
// order, so the split does not change the bits), all in float64 from the
// saved mean and rstd.
func (*Backend) LayerNormGrad(dx, dgamma, dbeta, g, x, mean, rstd, gamma backend.Strided) {
	rows, c := x.Shape[0], x.Shape[1]
	xd, gd := data(x.Buf), data(g.Buf)
	md, sd := data(mean.Buf), data(rstd.Buf)
	gm := affine64(gamma, c, 1)
	xs, gs := x.Strides[1], g.Strides[1]
	stats := func(r int) (xo, gro int, m, rs float64) {
		return x.Offset + r*x.Strides[0], g.Offset + r*g.Strides[0],
			float64(md[mean.Offset+r*mean.Strides[0]]), float64(sd[rstd.Offset+r*rstd.Strides[0]])
	}
	if dx.Buf != nil {
		dxd, dxs := data(dx.Buf), dx.Strides[1]
		parallelFor(rows, max(1, parallelMinHeavy/c), func(lo, hi int) {
			dy := make([]float64, c)
			xh := make([]float64, c)
			for r := lo; r < hi; r++ {
				xo, gro, m, rs := stats(r)
				var a, b float64
				gr, xr := gd[gro:gro+(c-1)*gs+1], xd[xo:xo+(c-1)*xs+1]
				if gs == 1 && xs == 1 {
					gr, xr = gr[:c], xr[:c]
					for j := range dy {
						d, h := float64(gr[j])*gm[j], (float64(xr[j])-m)*rs
						dy[j], xh[j] = d, h
						a += d
						b += d * h
					}
				} else {
					for j := range dy {
						d, h := float64(gr[j*gs])*gm[j], (float64(xr[j*xs])-m)*rs
						dy[j], xh[j] = d, h
						a += d
						b += d * h
					}
				}
				a /= float64(c)
				b /= float64(c)
				do := dx.Offset + r*dx.Strides[0]
				if dxs == 1 {
					out := dxd[do : do+c]
					for j := range out {
						out[j] = float32(rs * (dy[j] - a - xh[j]*b))
					}
					continue
				}
				for j := range dy {
					dxd[do+j*dxs] = float32(rs * (dy[j] - a - xh[j]*b))
				}
			}
		})
	}
	if dgamma.Buf == nil && dbeta.Buf == nil {
		return
	}
	// Columns in blocks: each block walks the rows in order.
	parallelFor(c, max(1, parallelMinHeavy/rows), func(lo, hi int) {
		sg := make([]float64, hi-lo)
		sb := make([]float64, hi-lo)
		for r := 0; r < rows; r++ {
			xo, gro, m, rs := stats(r)
			if gs == 1 && xs == 1 {
				gr, xr := gd[gro+lo:gro+hi], xd[xo+lo:xo+hi]
				vec.Accumulate(sb, gr)
				xr = xr[:len(gr)]
				for j, v := range gr {
					sg[j] += float64(v) * ((float64(xr[j]) - m) * rs)
				}
				continue
			}
			for j := lo; j < hi; j++ {
				v := float64(gd[gro+j*gs])
				sb[j-lo] += v
				sg[j-lo] += v * ((float64(xd[xo+j*xs]) - m) * rs)
			}
		}
		for j := lo; j < hi; j++ {
			if dgamma.Buf != nil {
				data(dgamma.Buf)[dgamma.Offset+j*dgamma.Strides[0]] = float32(sg[j-lo])
			}
			if dbeta.Buf != nil {
				data(dbeta.Buf)[dbeta.Offset+j*dbeta.Strides[0]] = float32(sb[j-lo])
			}
		}
	})
}
