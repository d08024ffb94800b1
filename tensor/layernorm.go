package tensor

import (
	"fmt"
	"slices"

	"github.com/vktensor/vktensor/tensor/backend"
)

// LayerNorm normalizes x over its last axis to zero mean and unit
// variance, then scales by gamma and shifts by beta, PyTorch's
// nn.functional.layer_norm over one axis:
//
//	y = (x − mean) / √(var + eps) · gamma + beta
//
// with the biased variance. x is [..., C]; gamma and beta are [C], or nil
// for none (a gain of 1, a shift of 0). A row holding a NaN or an infinity
// normalizes to NaN. On backends that implement backend.LayerNormer the
// forward pass is one launch, recorded by autograd as a single node whose
// backward is fused too; elsewhere it runs as composed ops (mean, centre,
// variance, rsqrt, scale, shift) with the same results to float32
// rounding. It panics with a *ShapeError when the shapes do not fit.
func LayerNorm(x, gamma, beta *Tensor, eps float32) *Tensor {
	const name = "LayerNorm"
	if len(x.shape) == 0 {
		shapePanic(name, "needs an input with at least one axis", x.shape)
	}
	c := x.shape[len(x.shape)-1]
	ops := []*Tensor{x}
	for _, p := range []*Tensor{gamma, beta} {
		if p == nil {
			continue
		}
		if len(p.shape) != 1 || p.shape[0] != c {
			shapePanic(name, fmt.Sprintf("are not an input [..., %d] and a gain or shift [%d]", c, c), x.shape, p.shape)
		}
		ops = append(ops, p)
	}
	be := sameBackend(name, ops...)
	ln, ok := be.(backend.LayerNormer)
	if !ok {
		return layerNormComposed(x, gamma, beta, eps)
	}
	if dt := promoteAll(ops...); dt != Float32 {
		// The fused kernels take float32: normalize the widened input and
		// round the result once (the gradients convert back).
		return LayerNorm(x.as(Float32), optAs(gamma, Float32), optAs(beta, Float32), eps).as(floatOf(dt))
	}
	x2 := x
	if len(x.shape) != 2 {
		x2 = x.Reshape(-1, c)
	}
	ops[0] = x2
	rows := x2.shape[0]
	out := alloc(be, Float32, x2.shape, ops...)
	mean := alloc(be, Float32, []int{rows}, ops...)
	rstd := alloc(be, Float32, []int{rows}, ops...)
	if out.ok() && mean.ok() && rstd.ok() && rows > 0 && c > 0 {
		ln.LayerNorm(out.strided(name), mean.strided(name), rstd.strided(name), x2.strided(name),
			optStrided(name, gamma), optStrided(name, beta), eps)
	}
	res := gradLayerNorm(ln, out, x2, gamma, beta, mean, rstd, ops)
	if len(x.shape) != 2 {
		res = res.Reshape(slices.Clone(x.shape)...)
	}
	return res
}

// layerNormComposed is LayerNorm from elementwise ops and reductions, for
// backends without the fused kernels; autograd differentiates each op.
func layerNormComposed(x, gamma, beta *Tensor, eps float32) *Tensor {
	xc := x.Sub(x.MeanKeepDims(-1))
	y := xc.Mul(xc.Square().MeanKeepDims(-1).AddScalar(eps).Rsqrt())
	if gamma != nil {
		y = y.Mul(gamma)
	}
	if beta != nil {
		y = y.Add(beta)
	}
	return y
}

// optStrided is t's operand, or one with no buffer for a nil t.
func optStrided(name string, t *Tensor) backend.Strided {
	if t == nil {
		return backend.Strided{}
	}
	return t.strided(name)
}

// gradLayerNorm records the fused LayerNorm out = f(x, gamma, beta) (ops
// holds x and the non-nil ones of gamma and beta, in that order), whose
// backward runs LayerNormGrad from the saved mean and rstd.
func gradLayerNorm(ln backend.LayerNormer, out, x, gamma, beta, mean, rstd *Tensor, ops []*Tensor) *Tensor {
	const name = "LayerNorm"
	if !anyRequires(ops...) {
		return out
	}
	be := out.st.dev.b
	rows, c := x.shape[0], x.shape[1]
	return record(out, name, ops, func(g *Tensor) []*Tensor {
		deps := []*Tensor{g, x, mean, rstd}
		if gamma != nil {
			deps = append(deps, gamma)
		}
		var dx, dgamma, dbeta *Tensor
		var sdx, sdg, sdb backend.Strided
		if x.RequiresGrad() {
			dx = alloc(be, Float32, x.shape, deps...)
			sdx = dx.strided(name)
		}
		if gamma != nil && gamma.RequiresGrad() {
			dgamma = alloc(be, Float32, []int{c}, deps...)
			sdg = dgamma.strided(name)
		}
		if beta != nil && beta.RequiresGrad() {
			dbeta = alloc(be, Float32, []int{c}, deps...)
			sdb = dbeta.strided(name)
		}
		ok := true
		for _, t := range []*Tensor{dx, dgamma, dbeta} {
			ok = ok && (t == nil || t.ok())
		}
		switch {
		case !ok || c == 0:
		case rows == 0: // sums over no rows
			for _, t := range []*Tensor{dgamma, dbeta} {
				if t != nil {
					be.Fill(t.strided(name), 0)
				}
			}
		default:
			ln.LayerNormGrad(sdx, sdg, sdb, g.strided(name), x.strided(name), mean.strided(name), rstd.strided(name), optStrided(name, gamma))
		}
		gs := []*Tensor{dx}
		if gamma != nil {
			gs = append(gs, dgamma)
		}
		if beta != nil {
			gs = append(gs, dbeta)
		}
		return gs
	})
}

// optAs is t.as(dt), or nil for a nil t.
func optAs(t *Tensor, dt DType) *Tensor {
	if t == nil {
		return nil
	}
	return t.as(dt)
}
