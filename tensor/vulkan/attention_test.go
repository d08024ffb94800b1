package vulkan

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/cpu"
)

// attPair is one operand on both backends.
type attPair struct {
	ref, vk backend.Strided
	lo, hi  int // the elements of the buffer the operand may cover
}

// attNaN is the sentinel filling every element of a buffer outside its
// operand: a kernel reading one would carry a NaN into its results, one
// writing one would change its bits.
var attNaN = math.Float32frombits(0x7fc0dead)

// attOperand allocates an operand of shape and dtype on both backends.
// Sources (vals non-nil) take layout lay (parity_test.go's place), their
// elements drawn by vals; destinations are contiguous at an offset. Every
// element of the buffer outside the operand is attNaN.
func attOperand(t *testing.T, ref backend.Backend, vk *Backend, r *rand.Rand, dt backend.DType, shape []int, lay int, vals func(*rand.Rand) float32) attPair {
	t.Helper()
	off, st, n := place(shape, lay, r)
	if vals == nil {
		off, st, n = place(shape, dense, r)
		off += 3
		n += 5
	}
	buf := make([]float32, n)
	for i := range buf {
		buf[i] = attNaN
	}
	idx := make([]int, len(shape))
	lo, hi := n, 0
	for {
		e := off
		for a, i := range idx {
			e += i * st[a]
		}
		lo, hi = min(lo, e), max(hi, e)
		if vals != nil {
			buf[e] = vals(r)
		} else {
			buf[e] = 0
		}
		a := len(idx) - 1
		for ; a >= 0; a-- {
			idx[a]++
			if idx[a] < shape[a] {
				break
			}
			idx[a] = 0
		}
		if a < 0 {
			break
		}
	}
	enc, _ := encode(dt, buf, nil)
	p := attPair{lo: lo, hi: hi}
	for i, be := range []backend.Backend{ref, vk} {
		b, err := be.Alloc(dt, n)
		if err != nil {
			t.Fatal(err)
		}
		if err := be.Write(b, 0, enc); err != nil {
			t.Fatal(err)
		}
		s := backend.Strided{Buf: b, Offset: off, Shape: shape, Strides: st}
		if i == 0 {
			p.ref = s
		} else {
			p.vk = s
		}
	}
	return p
}

// attRead returns the whole buffer of s as float64s and their bits.
func attRead(t *testing.T, be backend.Backend, s backend.Strided) ([]float64, []uint32) {
	t.Helper()
	n, dt := s.Buf.Len(), s.DType()
	raw := make([]byte, n*dt.Size())
	if err := be.Read(raw, backend.Strided{Buf: s.Buf, Shape: []int{n}, Strides: []int{1}}); err != nil {
		t.Fatal(err)
	}
	vals, bits := make([]float64, n), make([]uint32, n)
	for i := range vals {
		vals[i], bits[i] = decode(dt, raw, i)
	}
	return vals, bits
}

// attCompare compares destination p on both backends: within tol of
// the CPU's (relative to the largest magnitude of the operand, plus one
// unit in the last place of a 16-bit dtype at the value and topULP units
// at that largest magnitude), NaN where it is NaN, and the sentinels
// outside the operand untouched on both.
func attCompare(t *testing.T, what string, ref backend.Backend, vk *Backend, p attPair, tol, topULP float64) {
	t.Helper()
	want, wbits := attRead(t, ref, p.ref)
	got, gbits := attRead(t, vk, p.vk)
	dt := p.vk.DType()
	sentinel := attNaN
	var sbits uint32
	{
		enc, _ := encode(dt, []float32{sentinel}, nil)
		_, sbits = decode(dt, enc, 0)
	}
	top := 0.0
	for i := p.lo; i <= p.hi; i++ {
		if !math.IsNaN(want[i]) && !math.IsInf(want[i], 0) {
			top = max(top, math.Abs(want[i]))
		}
	}
	bad := 0
	for i := range got {
		if i < p.lo || i > p.hi {
			if gbits[i] != sbits || wbits[i] != sbits {
				t.Errorf("%s: element %d outside the operand was written: %v", what, i, got[i])
				return
			}
			continue
		}
		w, g := want[i], got[i]
		ok := math.IsNaN(w) == math.IsNaN(g) && (math.IsNaN(w) || g == w || math.Abs(g-w) <= tol*(1+top)+ulpOf(dt, w)+topULP*ulpOf(dt, top))
		if !ok {
			if bad < 5 {
				t.Errorf("%s: element %d is %v, want %v (largest %g)", what, i, g, w, top)
			}
			bad++
		}
	}
}

// TestAttentionParity compares the Vulkan kernels, forward and
// backward, with the CPU backend's on shapes around the block of 64 rows
// and the staged tiles, head sizes odd and at the maximum of 128, T ≠ S,
// causal and not, strided, transposed and broadcast sources, and the
// three float dtypes; every buffer has NaN sentinels around its operand.
func TestAttentionParity(t *testing.T) {
	vk := vkBackend(t)
	ref := cpu.New()
	r := rand.New(rand.NewSource(14))
	type tc struct {
		n1, n2, t, s, d, dv int
		causal              bool
		dt                  backend.DType
		tile                int // attTileMax (0: the default)
	}
	cases := []tc{
		{1, 1, 1, 1, 1, 1, false, backend.Float32, 0},
		{1, 1, 1, 1, 1, 1, true, backend.Float32, 0},
		{2, 3, 7, 5, 3, 4, true, backend.Float32, 0},
		{1, 2, 5, 9, 5, 2, false, backend.Float32, 0},
		{1, 2, 65, 65, 16, 16, true, backend.Float32, 0},
		{2, 1, 70, 17, 8, 8, true, backend.Float32, 0},
		{1, 1, 17, 130, 33, 7, false, backend.Float32, 0},
		{1, 1, 130, 129, 4, 4, true, backend.Float32, 0},
		{1, 1, 20, 67, 128, 128, true, backend.Float32, 0},
		{2, 2, 33, 33, 16, 16, true, backend.Float16, 0},
		{1, 2, 9, 70, 8, 5, false, backend.BFloat16, 0},
		{1, 1, 66, 20, 128, 32, true, backend.BFloat16, 0},
	}
	if testing.Short() {
		cases = cases[:8]
	}
	// Tiles of 4 rows: many tiles per block, the last one ragged.
	for _, i := range []int{2, 5, 6, 7, 10} {
		c := cases[min(i, len(cases)-1)]
		c.tile = 4
		cases = append(cases, c)
	}
	normalHalf := func(r *rand.Rand) float32 { return float32(r.NormFloat64() * 0.7) }
	for _, c := range cases {
		name := fmt.Sprintf("%dx%d T%d S%d D%d Dv%d causal=%v %v tile=%d", c.n1, c.n2, c.t, c.s, c.d, c.dv, c.causal, c.dt, c.tile)
		t.Run(name, func(t *testing.T) {
			if c.tile > 0 {
				saved := attTileMax
				attTileMax = c.tile
				defer func() { attTileMax = saved }()
			}
			lay := func() int { return r.Intn(5) }
			q := attOperand(t, ref, vk, r, c.dt, []int{c.n1, c.n2, c.t, c.d}, lay(), normalHalf)
			k := attOperand(t, ref, vk, r, c.dt, []int{c.n1, c.n2, c.s, c.d}, lay(), normalHalf)
			v := attOperand(t, ref, vk, r, c.dt, []int{c.n1, c.n2, c.s, c.dv}, lay(), normalHalf)
			g := attOperand(t, ref, vk, r, c.dt, []int{c.n1, c.n2, c.t, c.dv}, lay(), normalHalf)
			out := attOperand(t, ref, vk, r, c.dt, []int{c.n1, c.n2, c.t, c.dv}, 0, nil)
			lse := attOperand(t, ref, vk, r, backend.Float32, []int{c.n1, c.n2, c.t}, 0, nil)
			dq := attOperand(t, ref, vk, r, c.dt, []int{c.n1, c.n2, c.t, c.d}, 0, nil)
			dk := attOperand(t, ref, vk, r, c.dt, []int{c.n1, c.n2, c.s, c.d}, 0, nil)
			dv := attOperand(t, ref, vk, r, c.dt, []int{c.n1, c.n2, c.s, c.dv}, 0, nil)
			scale := float32(1 / math.Sqrt(float64(c.d)))
			ref.Attention(out.ref, lse.ref, q.ref, k.ref, v.ref, c.causal, scale)
			vk.Attention(out.vk, lse.vk, q.vk, k.vk, v.vk, c.causal, scale)
			attCompare(t, "out", ref, vk, out, 1e-5, 0)
			attCompare(t, "lse", ref, vk, lse, 1e-5, 0)
			ref.AttentionGrad(dq.ref, dk.ref, dv.ref, q.ref, k.ref, v.ref, out.ref, g.ref, lse.ref, c.causal, scale)
			vk.AttentionGrad(dq.vk, dk.vk, dv.vk, q.vk, k.vk, v.vk, out.vk, g.vk, lse.vk, c.causal, scale)
			// The kernels take Σ dout·out from the stored (for 16-bit
			// dtypes, rounded) out, as FlashAttention does; the CPU
			// backend from its probabilities: for 16-bit dtypes the two
			// differ by about the rounding of out, an error at the scale of
			// the largest gradient.
			attCompare(t, "dq", ref, vk, dq, 1e-4, 1)
			attCompare(t, "dk", ref, vk, dk, 1e-4, 1)
			attCompare(t, "dv", ref, vk, dv, 1e-4, 1)
		})
	}
	if msgs := vk.Device().ValidationMessages(); len(msgs) > 0 {
		t.Fatalf("%d validation messages, first: %s", len(msgs), msgs[0])
	}
}

// TestAttentionGradPartial runs AttentionGrad with one destination at a
// time: the others are not computed (a nil Buf), and the one asked for is
// the same as when all three are.
func TestAttentionGradPartial(t *testing.T) {
	vk := vkBackend(t)
	ref := cpu.New()
	r := rand.New(rand.NewSource(15))
	n1, n2, tt, s, d, dvs := 1, 2, 19, 23, 6, 5
	gen := func(r *rand.Rand) float32 { return float32(r.NormFloat64()) }
	q := attOperand(t, ref, vk, r, backend.Float32, []int{n1, n2, tt, d}, dense, gen)
	k := attOperand(t, ref, vk, r, backend.Float32, []int{n1, n2, s, d}, transposed, gen)
	v := attOperand(t, ref, vk, r, backend.Float32, []int{n1, n2, s, dvs}, stepped, gen)
	g := attOperand(t, ref, vk, r, backend.Float32, []int{n1, n2, tt, dvs}, broadcast, gen)
	out := attOperand(t, ref, vk, r, backend.Float32, []int{n1, n2, tt, dvs}, 0, nil)
	lse := attOperand(t, ref, vk, r, backend.Float32, []int{n1, n2, tt}, 0, nil)
	ref.Attention(out.ref, lse.ref, q.ref, k.ref, v.ref, false, 0.4)
	vk.Attention(out.vk, lse.vk, q.vk, k.vk, v.vk, false, 0.4)
	shapes := [][]int{{n1, n2, tt, d}, {n1, n2, s, d}, {n1, n2, s, dvs}}
	for want := range 3 {
		var ds [3]attPair
		var rs, vs [3]backend.Strided
		for i := range 3 {
			if i == want {
				ds[i] = attOperand(t, ref, vk, r, backend.Float32, shapes[i], 0, nil)
				rs[i], vs[i] = ds[i].ref, ds[i].vk
			}
		}
		ref.AttentionGrad(rs[0], rs[1], rs[2], q.ref, k.ref, v.ref, out.ref, g.ref, lse.ref, false, 0.4)
		vk.AttentionGrad(vs[0], vs[1], vs[2], q.vk, k.vk, v.vk, out.vk, g.vk, lse.vk, false, 0.4)
		attCompare(t, fmt.Sprintf("gradient %d alone", want), ref, vk, ds[want], 1e-4, 0)
	}
	if msgs := vk.Device().ValidationMessages(); len(msgs) > 0 {
		t.Fatalf("%d validation messages, first: %s", len(msgs), msgs[0])
	}
}

// TestAttentionParitySpecials sprinkles NaN, +Inf and −Inf into q
// (without a causal mask, where which masked pairs a kernel multiplies is
// unspecified for such values): both backends must give NaN in the same
// rows of the output, lse and dq, and the same numbers elsewhere (dk and
// dv, which sum over every row, are NaN throughout).
func TestAttentionParitySpecials(t *testing.T) {
	vk := vkBackend(t)
	ref := cpu.New()
	r := rand.New(rand.NewSource(16))
	sp := sprinkle(normal, 150, 300, 300)
	for _, c := range [][6]int{{1, 2, 9, 7, 3, 4}, {2, 1, 70, 66, 8, 5}} {
		n1, n2, tt, s, d, dvs := c[0], c[1], c[2], c[3], c[4], c[5]
		q := attOperand(t, ref, vk, r, backend.Float32, []int{n1, n2, tt, d}, dense, sp)
		k := attOperand(t, ref, vk, r, backend.Float32, []int{n1, n2, s, d}, stepped, normal)
		v := attOperand(t, ref, vk, r, backend.Float32, []int{n1, n2, s, dvs}, dense, normal)
		g := attOperand(t, ref, vk, r, backend.Float32, []int{n1, n2, tt, dvs}, transposed, normal)
		out := attOperand(t, ref, vk, r, backend.Float32, []int{n1, n2, tt, dvs}, 0, nil)
		lse := attOperand(t, ref, vk, r, backend.Float32, []int{n1, n2, tt}, 0, nil)
		dq := attOperand(t, ref, vk, r, backend.Float32, []int{n1, n2, tt, d}, 0, nil)
		dk := attOperand(t, ref, vk, r, backend.Float32, []int{n1, n2, s, d}, 0, nil)
		dv := attOperand(t, ref, vk, r, backend.Float32, []int{n1, n2, s, dvs}, 0, nil)
		ref.Attention(out.ref, lse.ref, q.ref, k.ref, v.ref, false, 0.5)
		vk.Attention(out.vk, lse.vk, q.vk, k.vk, v.vk, false, 0.5)
		ref.AttentionGrad(dq.ref, dk.ref, dv.ref, q.ref, k.ref, v.ref, out.ref, g.ref, lse.ref, false, 0.5)
		vk.AttentionGrad(dq.vk, dk.vk, dv.vk, q.vk, k.vk, v.vk, out.vk, g.vk, lse.vk, false, 0.5)
		name := fmt.Sprint(c)
		vals, _ := attRead(t, ref, out.ref)
		nan := 0
		for i := out.lo; i <= out.hi; i++ {
			if math.IsNaN(vals[i]) {
				nan++
			}
		}
		if nan == 0 || nan == out.ref.Size() {
			t.Errorf("%s: %d of %d outputs are NaN: the case tests no mix", name, nan, out.ref.Size())
		}
		attCompare(t, name+" out", ref, vk, out, 1e-5, 0)
		attCompare(t, name+" lse", ref, vk, lse, 1e-5, 0)
		attCompare(t, name+" dq", ref, vk, dq, 1e-4, 0)
		attCompare(t, name+" dk", ref, vk, dk, 1e-4, 0)
		attCompare(t, name+" dv", ref, vk, dv, 1e-4, 0)
	}
	if msgs := vk.Device().ValidationMessages(); len(msgs) > 0 {
		t.Fatalf("%d validation messages, first: %s", len(msgs), msgs[0])
	}
}
