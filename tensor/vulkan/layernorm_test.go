package vulkan

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/cpu"
	"github.com/vktensor/vktensor/tensor/internal/raw"
)

// lnSentinel fills the gaps around operands: a kernel that writes outside
// its operand changes one.
const lnSentinel = 7777

// lnPlace allocates on be a buffer holding vals as a rows×cols operand at
// offset off with strides (rs, cs), every other element lnSentinel. cols
// 0 makes a vector of rows elements (stride rs).
func lnPlace(t *testing.T, be backend.Backend, vals []float32, rows, cols, off, rs, cs int) backend.Strided {
	t.Helper()
	n := off + (rows-1)*rs + 1
	shape, strides := []int{rows}, []int{rs}
	if cols > 0 {
		n += (cols - 1) * cs
		shape, strides = []int{rows, cols}, []int{rs, cs}
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = lnSentinel
	}
	s := backend.Strided{Offset: off, Shape: shape, Strides: strides}
	for i := range rows {
		for j := range max(cols, 1) {
			v := float32(lnSentinel)
			if vals != nil {
				v = vals[i*max(cols, 1)+j]
			}
			data[off+i*rs+j*cs] = v
		}
	}
	buf, err := be.Alloc(backend.Float32, n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Free(buf) })
	if err := be.Write(buf, 0, raw.Bytes(data)); err != nil {
		t.Fatal(err)
	}
	s.Buf = buf
	return s
}

// lnWhole reads the whole buffer of s.
func lnWhole(t *testing.T, be backend.Backend, s backend.Strided) []float32 {
	t.Helper()
	out := make([]float32, s.Buf.Len())
	if err := be.Read(raw.Bytes(out), backend.Strided{Buf: s.Buf, Shape: []int{len(out)}, Strides: []int{1}}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLayerNormBackend runs the Vulkan LayerNorm and LayerNormGrad on
// operands at offsets with gaps between rows and elements, with the inner
// loops cut to one iteration per entry (so that the outer loops over
// chunks of a row and of the rows run as they do for rows longer than
// 2^23) and with several lane counts per row (lavapipe's choice is not a
// GPU's), and compares every element of every buffer, gaps included, with
// the CPU backend's.
func TestLayerNormBackend(t *testing.T) {
	vk := vkBackend(t)
	cb := cpu.New()
	nv := len(vk.Device().ValidationMessages())
	savedChunk := lnChunk
	defer func() { lnChunk, lnForceLanes = savedChunk, 0 }()
	for _, cfg := range []struct {
		chunk uint32
		lanes int // 0: lnLanes's choice
	}{{1, 0}, {1, 256}, {savedChunk, 0}, {savedChunk, 1}, {savedChunk, 32}} {
		chunk := cfg.chunk
		lnChunk, lnForceLanes = chunk, cfg.lanes
		r := rand.New(rand.NewPCG(61, uint64(chunk)))
		for _, k := range []struct{ rows, c int }{{1, 1}, {3, 600}, {70, 5}, {5, 257}, {2, 31}} {
			rows, c := k.rows, k.c
			v := func(n int) []float32 {
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(r.NormFloat64())
				}
				return x
			}
			xv, gv, gam, bet := v(rows*c), v(rows*c), v(c), v(c)
			cs := 1 + r.IntN(2)
			type ops struct{ dst, mean, rstd, x, gamma, beta, dx, dg, db, g backend.Strided }
			mk := func(be backend.Backend) ops {
				return ops{
					dst: lnPlace(t, be, nil, rows, c, 3, c*cs+2, cs), mean: lnPlace(t, be, nil, rows, 0, 1, 2, 0),
					rstd: lnPlace(t, be, nil, rows, 0, 2, 3, 0), x: lnPlace(t, be, xv, rows, c, 5, c*cs+1, cs),
					gamma: lnPlace(t, be, gam, c, 0, 1, 2, 0), beta: lnPlace(t, be, bet, c, 0, 0, 1, 0),
					dx: lnPlace(t, be, nil, rows, c, 2, c*cs+3, cs), dg: lnPlace(t, be, nil, c, 0, 1, 3, 0),
					db: lnPlace(t, be, nil, c, 0, 4, 2, 0), g: lnPlace(t, be, gv, rows, c, 1, c*cs+1, cs),
				}
			}
			run := func(be backend.Backend) ops {
				o := mk(be)
				ln := be.(backend.LayerNormer)
				ln.LayerNorm(o.dst, o.mean, o.rstd, o.x, o.gamma, o.beta, 1e-5)
				ln.LayerNormGrad(o.dx, o.dg, o.db, o.g, o.x, o.mean, o.rstd, o.gamma)
				return o
			}
			want, got := run(cb), run(vk)
			wo := []backend.Strided{want.dst, want.mean, want.rstd, want.dx, want.dg, want.db}
			for i, s := range []backend.Strided{got.dst, got.mean, got.rstd, got.dx, got.dg, got.db} {
				a, b := lnWhole(t, vk, s), lnWhole(t, cb, wo[i])
				tol := 2e-5 * math.Sqrt(float64(max(rows, c)))
				for j := range b {
					if d := math.Abs(float64(a[j] - b[j])); !(d <= tol*max(1, math.Abs(float64(b[j])))) {
						t.Errorf("chunk %d lanes %d [%d %d]: output %d element %d of its buffer: %v, want %v", chunk, cfg.lanes, rows, c, i, j, a[j], b[j])
						break
					}
				}
			}
		}
	}
	if msgs := vk.Device().ValidationMessages(); len(msgs) > nv {
		t.Errorf("validation: %s", msgs[nv])
	}
}

// TestLayerNormErrors checks that a failed LayerNormGrad (its scratch for
// the partial sums cannot be had) is carried by all its destinations and
// that a source carrying an error passes it on, with the backend staying
// usable.
func TestLayerNormErrors(t *testing.T) {
	vk := vkBackend(t)
	const rows, c = 4, 6
	x := fresh(t, vk, rows, c)
	vk.Fill(x, 1)
	y, m, s := fresh(t, vk, rows, c), fresh(t, vk, rows), fresh(t, vk, rows)
	vk.LayerNorm(y, m, s, x, backend.Strided{}, backend.Strided{}, 1e-5)
	dx, dg, db := fresh(t, vk, rows, c), fresh(t, vk, c), fresh(t, vk, c)
	vk.failScratch = true
	vk.LayerNormGrad(dx, dg, db, y, x, m, s, backend.Strided{})
	vk.failScratch = false
	for i, d := range []backend.Strided{dx, dg, db} {
		if err := d.Buf.Err(); err == nil || !strings.Contains(err.Error(), "out of device memory") {
			t.Errorf("destination %d: Err() = %v, want the scratch failure", i, err)
		}
	}
	// a source with an error: the forward's results take it
	y2, m2, s2 := fresh(t, vk, rows, c), fresh(t, vk, rows), fresh(t, vk, rows)
	vk.LayerNorm(y2, m2, s2, dx, backend.Strided{}, backend.Strided{}, 1e-5)
	for i, d := range []backend.Strided{y2, m2, s2} {
		if d.Buf.Err() != dx.Buf.Err() {
			t.Errorf("result %d of a failed source: Err() = %v, want %v", i, d.Buf.Err(), dx.Buf.Err())
		}
	}
	if err := vk.Sync(); err != nil {
		t.Errorf("Sync = %v: the backend should stay usable", err)
	}
	got, err := readAll(vk, y)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got { // constant rows normalize to 0
		if v != 0 {
			t.Errorf("LayerNorm of a constant row: element %d is %v, want 0", i, v)
		}
	}
}
