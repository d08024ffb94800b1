package vulkan

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/cpu"
	"github.com/vktensor/vktensor/tensor/internal/raw"
)

// guard is the value around every operand of TestIndexRule: a kernel that
// wrote there, or read from there into a result, would show it.
const guard = 777

// guardN is the number of guard elements on each side of an operand.
const guardN = 37

// guarded uploads vals as a row-major operand of shape in the middle of a
// buffer of guard values.
func guarded(t *testing.T, b backend.Backend, vals []float32, shape ...int) backend.Strided {
	t.Helper()
	all := make([]float32, guardN+len(vals)+guardN)
	for i := range all {
		all[i] = guard
	}
	copy(all[guardN:], vals)
	buf, err := b.Alloc(backend.Float32, len(all))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Free(buf) })
	if err := b.Write(buf, 0, raw.Bytes(all)); err != nil {
		t.Fatal(err)
	}
	return backend.Strided{Buf: buf, Offset: guardN, Shape: shape, Strides: rowMajor(shape)}
}

// inside reads the operand s of a guarded buffer, after checking that the
// guards are intact; the read error is returned.
func inside(t *testing.T, b backend.Backend, s backend.Strided) ([]float32, error) {
	t.Helper()
	n := s.Buf.Len()
	all := make([]float32, n)
	err := b.Read(raw.Bytes(all), backend.Strided{Buf: s.Buf, Shape: []int{n}, Strides: []int{1}})
	if err != nil {
		// the buffer carries the op's error: read its contents directly
		if e := b.(*Backend).dev.DownloadFloat32(gbuf(s.Buf), 0, all); e != nil {
			t.Fatal(e)
		}
	}
	for i, v := range all {
		if (i < guardN || i >= guardN+s.Size()) && v != guard {
			t.Errorf("guard element %d of the destination's buffer became %v", i, v)
		}
	}
	return all[guardN : guardN+s.Size()], err
}

// badIndices are the values the index rule rejects on an axis of size n.
func badIndices(n int) []float32 {
	inf := float32(math.Inf(1))
	return []float32{float32(n), float32(-n - 1), 1e10, 1.5, -0.5, float32(math.NaN()), inf, -inf}
}

// TestIndexRule runs every index kernel (Gather, ScatterAdd, CrossEntropy,
// CrossEntropyGrad) with in-range, negative and each kind of bad index,
// every operand in the middle of a buffer of guard values, validation on:
// the good elements match the CPU backend (which gets the bad index
// replaced by 0, its rows being independent), the bad one's element is
// NaN (Gather, cross-entropy) or not added (ScatterAdd), the guards are
// untouched, and the destination carries an *IndexError naming the op,
// the index, the axis and its size.
func TestIndexRule(t *testing.T) {
	vk := vkBackend(t)
	ref := cpu.New()
	nv := len(vk.Device().ValidationMessages())
	src := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15} // [3 5]
	good := []float32{0, -1, 4, -5, 2, 3}                               // [3 2], negatives count from the end
	type op struct {
		name      string
		axis, n   int // the indexed axis and its size
		dstShape  []int
		run       func(b backend.Backend, dst, idx backend.Strided, data backend.Strided)
		idxShape  []int
		idxValues []float32
		bad       int // position of the bad index in idxValues
	}
	ops := []op{
		{name: "Gather", axis: 1, n: 5, dstShape: []int{3, 2}, idxShape: []int{3, 2}, idxValues: good, bad: 2,
			run: func(b backend.Backend, dst, idx, data backend.Strided) { b.Gather(dst, data, idx, 1) }},
		{name: "ScatterAdd", axis: 1, n: 5, dstShape: []int{3, 5}, idxShape: []int{3, 2}, idxValues: good, bad: 2,
			run: func(b backend.Backend, dst, idx, data backend.Strided) {
				// adds data[:, :2] (a view of the [3 5] operand) into dst
				s := data
				s.Shape = []int{3, 2}
				b.ScatterAdd(dst, s, idx, 1)
			}},
		{name: "CrossEntropy", axis: 1, n: 5, dstShape: []int{3}, idxShape: []int{3}, idxValues: []float32{4, -2, 0}, bad: 1,
			run: func(b backend.Backend, dst, idx, data backend.Strided) {
				b.(backend.Fused).CrossEntropy(dst, data, idx)
			}},
		{name: "CrossEntropyGrad", axis: 1, n: 5, dstShape: []int{3, 5}, idxShape: []int{3}, idxValues: []float32{4, -2, 0}, bad: 1,
			run: func(b backend.Backend, dst, idx, data backend.Strided) {
				g := backend.Strided{Buf: data.Buf, Offset: data.Offset, Shape: []int{3}, Strides: []int{0}}
				b.(backend.Fused).CrossEntropyGrad(dst, data, idx, g, 0.5)
			}},
	}
	for _, o := range ops {
		for _, bad := range append([]float32{0}, badIndices(o.n)...) {
			isBad := bad != 0
			name := fmt.Sprintf("%s/%v", o.name, bad)
			if !isBad {
				name = o.name + "/in-range"
			}
			t.Run(name, func(t *testing.T) {
				idxVals := append([]float32(nil), o.idxValues...)
				refVals := append([]float32(nil), o.idxValues...)
				if isBad {
					idxVals[o.bad], refVals[o.bad] = bad, 0
				}
				dstInit := make([]float32, prodOf(o.dstShape))
				for i := range dstInit {
					dstInit[i] = float32(i%3) - 1
				}
				run := func(b backend.Backend, idxv []float32) ([]float32, error) {
					dst := guarded(t, b, dstInit, o.dstShape...)
					o.run(b, dst, guarded(t, b, idxv, o.idxShape...), guarded(t, b, src, 3, 5))
					if v, ok := b.(*Backend); ok {
						if err := v.Sync(); err != nil {
							t.Fatalf("Sync = %v: an op's failure must not fail the backend", err)
						}
					}
					return inside(t, b, dst)
				}
				want, err := run(ref, refVals)
				if err != nil {
					t.Fatal(err)
				}
				got, err := run(vk, idxVals)
				// the rows (or, for Gather, elements) that depend on the bad index
				badRow := func(i int) bool {
					switch o.name {
					case "Gather":
						return i == o.bad
					case "ScatterAdd":
						return false // checked through the sum: the bad source is dropped
					case "CrossEntropy":
						return i == o.bad
					}
					return i/o.n == o.bad
				}
				if isBad {
					var ie *backend.IndexError
					if !errors.As(err, &ie) || ie.Op != o.name || ie.Axis != o.axis || ie.Size != o.n ||
						math.Float64bits(ie.Index) != math.Float64bits(float64(bad)) && !(bad != bad && ie.Index != ie.Index) {
						t.Fatalf("error %v, want an *IndexError for %s, index %v, axis %d of size %d", err, o.name, bad, o.axis, o.n)
					}
					if o.name == "ScatterAdd" {
						// the CPU added data[1][0] at position 0 of row 1; the bad
						// index's source is dropped instead
						want[o.n+0] -= src[o.n+0]
					}
				} else if err != nil {
					t.Fatal(err)
				}
				for i := range want {
					if isBad && badRow(i) {
						if !math.IsNaN(float64(got[i])) {
							t.Errorf("element %d (from the bad index) is %v, want NaN", i, got[i])
						}
						continue
					}
					if d := math.Abs(float64(got[i] - want[i])); d > 1e-6*math.Abs(float64(want[i]))+1e-7 {
						t.Errorf("element %d is %v, cpu %v", i, got[i], want[i])
					}
				}
			})
		}
	}
	if msgs := vk.Device().ValidationMessages(); len(msgs) > nv {
		t.Fatalf("validation: %s", msgs[nv])
	}
}

func prodOf(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
