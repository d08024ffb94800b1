package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// attRef is scaled dot-product attention in float64, composed from its
// definition, with the gradients of L = Σ w∘out for the weights w (nil:
// no gradients): q [..., T, D], k [..., S, D], v [..., S, Dv].
type attRef struct {
	out, dq, dk, dv *nd
}

func refAttention(q, k, v, w *nd, causal bool, scale float64) attRef {
	r := len(q.shape)
	t, s, d, dv := q.shape[r-2], k.shape[r-2], q.shape[r-1], v.shape[r-1]
	heads := refProd(q.shape[:r-2])
	with := func(last ...int) *nd { return ndZeros(append(slices.Clone(q.shape[:r-2]), last...)...) }
	res := attRef{out: with(t, dv)}
	if w != nil {
		res.dq, res.dk, res.dv = with(t, d), with(s, d), with(s, dv)
	}
	p, dp := make([]float64, s), make([]float64, s)
	for h := range heads {
		Q, K, V := q.data[h*t*d:], k.data[h*s*d:], v.data[h*s*dv:]
		O := res.out.data[h*t*dv:]
		for i := range t {
			n := s
			if causal {
				n = min(s, i+1)
			}
			m := math.Inf(-1)
			for j := range n {
				x := 0.0
				for a := range d {
					x += Q[i*d+a] * K[j*d+a]
				}
				p[j] = x * scale
				m = max(m, p[j])
			}
			z := 0.0
			for j := range n {
				p[j] = math.Exp(p[j] - m)
				z += p[j]
			}
			for j := range n {
				p[j] /= z
				for c := range dv {
					O[i*dv+c] += p[j] * V[j*dv+c]
				}
			}
			if w == nil {
				continue
			}
			G := w.data[h*t*dv:]
			dQ, dK, dV := res.dq.data[h*t*d:], res.dk.data[h*s*d:], res.dv.data[h*s*dv:]
			dot := 0.0
			for j := range n {
				dp[j] = 0
				for c := range dv {
					dp[j] += G[i*dv+c] * V[j*dv+c]
					dV[j*dv+c] += p[j] * G[i*dv+c]
				}
				dot += p[j] * dp[j]
			}
			for j := range n {
				ds := p[j] * (dp[j] - dot) * scale
				for a := range d {
					dQ[i*d+a] += ds * K[j*d+a]
					dK[j*d+a] += ds * Q[i*d+a]
				}
			}
		}
	}
	return res
}

// attCase is one shape of the attention tests.
type attCase struct {
	lead        []int
	t, s, d, dv int
	causal      bool
}

func (c attCase) String() string {
	return fmt.Sprintf("lead%v T%d S%d D%d Dv%d causal=%v", c.lead, c.t, c.s, c.d, c.dv, c.causal)
}

// attCases are the shapes the tests run: T and S of 1, odd, T ≠ S both
// ways, sizes crossing the CPU's block of 64 rows and the Vulkan
// kernels' tiles (16 to 64 rows), D odd and at the Vulkan maximum of 128,
// leading axes of rank 0 to 3.
func attCases() []attCase {
	cs := []attCase{
		{nil, 1, 1, 1, 1, false},
		{nil, 1, 1, 1, 1, true},
		{[]int{2}, 5, 7, 3, 4, false},
		{[]int{2}, 7, 5, 3, 4, true},
		{[]int{2, 3}, 9, 9, 8, 8, true},
		{[]int{1, 2}, 65, 65, 16, 16, true},
		{[]int{3}, 17, 70, 5, 2, false},
		{[]int{3}, 70, 17, 5, 2, true},
		{[]int{2, 1, 2}, 33, 31, 7, 9, true},
		{[]int{1}, 130, 129, 4, 3, true},
		{[]int{1}, 3, 40, 128, 128, false},
		{[]int{2}, 20, 20, 128, 33, true},
		{[]int{1, 1}, 1, 67, 6, 6, true},
		{[]int{1, 1}, 67, 1, 6, 6, false},
	}
	if small() {
		cs = slices.DeleteFunc(cs, func(c attCase) bool { return c.t*c.s*(c.d+c.dv) > 1<<17 })
	}
	return cs
}

// uniformND returns an array of shape with values uniform on [-1, 1)
// rounded to dt.
func uniformND(r *rand.Rand, dt DType, shape ...int) *nd {
	a := ndZeros(shape...)
	for i := range a.data {
		a.data[i] = 2*r.Float64() - 1
	}
	return toND(fromND(a).AsType(dt).AsType(Float32))
}

// attOperands returns q, k and v of c laid out as lay (one random layout
// each for lay < 0), of dtype dt, and their values.
func attOperands(r *rand.Rand, c attCase, dt DType, lay layout) (ts [3]*Tensor, vals [3]*nd) {
	shapes := [3][]int{
		append(slices.Clone(c.lead), c.t, c.d),
		append(slices.Clone(c.lead), c.s, c.d),
		append(slices.Clone(c.lead), c.s, c.dv),
	}
	for i, sh := range shapes {
		l := lay
		if l < 0 {
			l = layout(r.IntN(int(numLayouts)))
		}
		ts[i], vals[i] = makeTensorAs(r, uniformND(r, dt, sh...), l, dt)
	}
	return ts, vals
}

// attTol is the tolerance of an attention result element whose
// reference is w, of dtype dt: float32 rounding (scores, probabilities
// and products accumulated in float32) and the one rounding of a 16-bit
// result.
func attTol(dt DType, w float64) float64 {
	tol := 2e-5 * (1 + math.Abs(w))
	switch dt {
	case Float16:
		tol += math.Abs(w) / (1 << 11)
	case BFloat16:
		tol += math.Abs(w) / (1 << 8)
	}
	return tol
}

// TestScaledDotProductAttention compares the op (the CPU backend's fused
// kernels) and its general composed path, forward and backward, with the
// float64 reference, on every case, for each float dtype and for random
// layouts of q, k and v (transposed, stepped, broadcast, indexed views).
func TestScaledDotProductAttention(t *testing.T) {
	r := newRand(141)
	for _, c := range attCases() {
		for _, dt := range []DType{Float32, Float16, BFloat16} {
			for _, composed := range []bool{false, true} {
				name := fmt.Sprintf("%v %v composed=%v", c, dt, composed)
				ops, vals := attOperands(r, c, dt, -1)
				leaves := make([]*Tensor, 3)
				for i := range ops {
					// A leaf of the operand's values, viewed as the
					// operand's layout by the op under test.
					leaves[i] = ops[i].Detach().SetRequiresGrad(true)
				}
				w := uniformND(r, Float32, append(slices.Clone(c.lead), c.t, c.dv)...)
				scale := 0.0
				if c.d%2 == 1 {
					scale = 0.7
				}
				var out *Tensor
				if composed {
					s := scale
					if s == 0 {
						s = 1 / math.Sqrt(float64(c.d))
					}
					out = attentionComposed(leaves[0], leaves[1], leaves[2], c.causal, s)
				} else {
					out = ScaledDotProductAttention(leaves[0], leaves[1], leaves[2], c.causal, scale)
				}
				if out.DType() != dt {
					t.Errorf("%s: result is %v", name, out.DType())
				}
				if scale == 0 {
					scale = 1 / math.Sqrt(float64(c.d))
				}
				ref := refAttention(vals[0], vals[1], vals[2], w, c.causal, scale)
				checkTol(t, name+": out", out.AsType(Float32), ref.out, func(i int) float64 { return attTol(dt, ref.out.data[i]) })
				if err := out.AsType(Float32).Mul(fromND(w)).Sum().Backward(); err != nil {
					t.Fatalf("%s: Backward: %v", name, err)
				}
				for i, want := range []*nd{ref.dq, ref.dk, ref.dv} {
					g := leaves[i].Grad()
					if g == nil {
						t.Errorf("%s: operand %d has no gradient", name, i)
						continue
					}
					// A 16-bit gradient starts from the gradient of out
					// rounded to dt: its error is relative to the largest
					// terms of the sums, not to the result.
					top := 0.0
					for _, x := range want.data {
						top = max(top, math.Abs(x))
					}
					gt := func(j int) float64 { return 4*attTol(dt, want.data[j]) + 4*(attTol(dt, top)-attTol(Float32, top)) }
					checkTol(t, fmt.Sprintf("%s: gradient of operand %d", name, i), g.AsType(Float32), want, gt)
				}
			}
		}
	}
}

// TestAttentionQKVViews runs the op on the head views of one [B, T, 3C]
// projection, as nn.CausalSelfAttention makes them (strided batch axes,
// a row stride of 3C), inside a buffer whose other elements are NaN: a
// read outside the views would show in the result.
func TestAttentionQKVViews(t *testing.T) {
	r := newRand(142)
	b, tt, h, d := 2, 67, 3, 5
	c := h * d
	x := uniformND(r, Float32, b, tt, 3*c+2)
	for i := range x.data {
		if i%(3*c+2) >= 3*c {
			x.data[i] = math.NaN()
		}
	}
	xt := fromND(x)
	parts := xt.Narrow(2, 0, 3*c).Split(2, c, c, c)
	heads := func(u *Tensor) *Tensor { return u.Reshape(b, tt, h, d).Permute(0, 2, 1, 3) }
	q, k, v := heads(parts[0]), heads(parts[1]), heads(parts[2])
	if q.IsContiguous() {
		t.Fatal("the head views are contiguous: the test would not test strides")
	}
	got := ScaledDotProductAttention(q, k, v, true, 0)
	ref := refAttention(toND(q.Contiguous()), toND(k.Contiguous()), toND(v.Contiguous()), nil, true, 1/math.Sqrt(float64(d)))
	checkTol(t, "head views", got, ref.out, func(i int) float64 { return attTol(Float32, ref.out.data[i]) })
}

// TestAttentionGradCheck checks the fused gradients against finite
// differences (the package's gradient check).
func TestAttentionGradCheck(t *testing.T) {
	for i, c := range []attCase{
		{nil, 3, 4, 2, 3, false},
		{[]int{2}, 4, 3, 3, 2, true},
		{[]int{1, 2}, 5, 5, 2, 2, true},
	} {
		shapes := [][]int{append(slices.Clone(c.lead), c.t, c.d), append(slices.Clone(c.lead), c.s, c.d), append(slices.Clone(c.lead), c.s, c.dv)}
		agCheck(t, uint64(200+i), agCase{name: c.String(), shapes: shapes, gen: agWide, f: func(x []*Tensor) *Tensor {
			return ScaledDotProductAttention(x[0], x[1], x[2], c.causal, 0)
		}})
		// q given transposed: the op reads a view.
		tq := [][]int{append(slices.Clone(c.lead), c.d, c.t), shapes[1], shapes[2]}
		r := len(tq[0])
		agCheck(t, uint64(300+i), agCase{name: c.String() + " transposed q", shapes: tq, gen: agWide, f: func(x []*Tensor) *Tensor {
			return ScaledDotProductAttention(x[0].Transpose(r-2, r-1), x[1], x[2], c.causal, 0.5)
		}})
	}
}

// TestAttentionEdges covers empty operands, D = 0, promotion and Int32.
func TestAttentionEdges(t *testing.T) {
	d := CPU()
	// No keys: rows of 0.
	out := ScaledDotProductAttention(d.Ones(2, 3, 4), d.Ones(2, 0, 4), d.Ones(2, 0, 5), false, 0)
	checkTol(t, "S = 0", out, ndZeros(2, 3, 5), func(int) float64 { return 0 })
	// No queries.
	checkShapeEq(t, "T = 0", ScaledDotProductAttention(d.Ones(2, 0, 4), d.Ones(2, 3, 4), d.Ones(2, 3, 5), true, 0), []int{2, 0, 5})
	// D = 0: every score 0, the mean of the values seen.
	v := d.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 3, 2)
	want := &nd{shape: []int{3, 2}, data: []float64{1, 2, 2, 3, 3, 4}}
	checkTol(t, "D = 0", ScaledDotProductAttention(d.Zeros(3, 0), d.Zeros(3, 0), v, true, 0), want, func(int) float64 { return 1e-6 })
	// Int32 computes as Float32; Float16 with Float32 promotes.
	qi := d.FromInt32s([]int32{1, 0, 0, 1}, 2, 2)
	if got := ScaledDotProductAttention(qi, qi, qi, false, 0).DType(); got != Float32 {
		t.Errorf("Int32 operands give %v, want float32", got)
	}
	if got := ScaledDotProductAttention(d.Ones(2, 2).AsType(Float16), d.Ones(2, 2), d.Ones(2, 2).AsType(Float16), false, 0).DType(); got != Float32 {
		t.Errorf("Float16 with Float32 gives %v, want float32", got)
	}
}

// TestAttentionShapeErrors checks the panics.
func TestAttentionShapeErrors(t *testing.T) {
	d := CPU()
	sdpa := func(a, b, c *Tensor) func() {
		return func() { ScaledDotProductAttention(a, b, c, false, 0) }
	}
	expectShapeError(t, "rank 1", sdpa(d.Ones(3), d.Ones(3), d.Ones(3)), "ScaledDotProductAttention", "rank")
	expectShapeError(t, "ranks", sdpa(d.Ones(2, 3, 4), d.Ones(3, 4), d.Ones(3, 4)), "[2 3 4]", "[3 4]")
	expectShapeError(t, "leading", sdpa(d.Ones(2, 3, 4), d.Ones(3, 3, 4), d.Ones(3, 3, 4)), "leading axes")
	expectShapeError(t, "D", sdpa(d.Ones(3, 4), d.Ones(3, 5), d.Ones(3, 4)), "D = 4", "has 5")
	expectShapeError(t, "S", sdpa(d.Ones(3, 4), d.Ones(5, 4), d.Ones(6, 4)), "S = 5", "v has 6")
}
