package tensor

import (
	"encoding/binary"
	"errors"
	"math"
	"math/big"
	"slices"
	"testing"

	"github.com/vktensor/vktensor/tensor/cpu"
)

// fuzzInt reads an int that is mostly small, sometimes negative, sometimes
// at the edges of int (where sizes overflow), and sometimes any 64 bits.
func fuzzInt(r *byteReader) int {
	switch b := r.next(); {
	case b < 160:
		return b % 7
	case b < 200:
		return -(b % 4) - 1
	case b < 240:
		edges := []int{1 << 20, 1 << 31, 1 << 32, 1 << 40, 1 << 60, 1 << 61, maxSize, maxSize + 1,
			1<<62 + 3, math.MaxInt, math.MaxInt - 1, math.MinInt, math.MinInt + 1, 3 << 61, -1 << 40, 1 << 62}
		return edges[b%len(edges)]
	default:
		var w [8]byte
		for i := range w {
			w[i] = byte(r.next())
		}
		return int(binary.LittleEndian.Uint64(w[:]))
	}
}

func fuzzInts(r *byteReader) []int {
	out := make([]int, r.next()%6)
	for i := range out {
		out[i] = fuzzInt(r)
	}
	return out
}

// model is the expected result of a chain: its shape and, while it stays
// small, its elements in row-major order.
type model struct {
	shape []int
	data  []float32 // nil once the tensor is too large to enumerate
}

const modelMax = 1 << 12

// fits reports whether dims (all non-negative) hold at most maxSize
// elements, ignoring zeros, in exact arithmetic.
func fits(dims []int) bool {
	p := big.NewInt(1)
	for _, d := range dims {
		if d > 0 {
			p.Mul(p, big.NewInt(int64(d)))
		}
	}
	return p.Cmp(big.NewInt(maxSize)) <= 0
}

func bigSize(dims []int) *big.Int {
	p := big.NewInt(1)
	for _, d := range dims {
		p.Mul(p, big.NewInt(int64(d)))
	}
	return p
}

// remap builds the elements of shape from m: f maps an index of the result
// to an index of m.
func (m *model) remap(shape []int, f func(idx []int) []int) *model {
	out := &model{shape: shape}
	if m.data == nil || bigSize(shape).Cmp(big.NewInt(modelMax)) > 0 {
		return out
	}
	n := refProd(shape)
	out.data = make([]float32, n)
	st := refStrides(m.shape)
	idx := make([]int, len(shape))
	for k := 0; k < n; k++ {
		rem := k
		for i := len(shape) - 1; i >= 0; i-- {
			idx[i] = rem % shape[i]
			rem /= shape[i]
		}
		src := f(idx)
		off := 0
		for i, j := range src {
			off += j * st[i]
		}
		out.data[k] = m.data[off]
	}
	return out
}

// FuzzViewChain applies a chain of Reshape, Slice, Permute, BroadcastTo,
// Index and Expand with arbitrary arguments. Each step must either give the
// result the rules say (shape, elements, a view inside its storage) or
// panic with a *ShapeError exactly when the rules say it is invalid; a
// copy too large for memory is cpu.ErrOutOfMemory on the tensor.
func FuzzViewChain(f *testing.F) {
	f.Add([]byte{2, 3, 4, 0, 2, 2, 6, 1, 1, 0, 1, 3, 1})
	f.Add([]byte{1, 4, 3, 2, 225, 4})                // BroadcastTo with an edge size
	f.Add([]byte{2, 2, 3, 2, 2, 1, 0, 0, 3, 232, 4}) // permute, then reshape with an edge size
	f.Add([]byte{1, 5, 1, 0, 1, 240, 255, 255, 255, 255, 255, 255, 255, 127, 5})
	f.Add([]byte{3, 2, 2, 2, 4, 0, 3, 2, 0, 1, 1, 2, 3, 1})
	prev := cpu.SetMemoryLimit(1 << 26)
	f.Cleanup(func() { cpu.SetMemoryLimit(prev) })
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &byteReader{b: data}
		shape := make([]int, r.next()%4)
		for i := range shape {
			shape[i] = r.next() % 5
		}
		n := refProd(shape)
		vals := make([]float32, n)
		for i := range vals {
			vals[i] = float32(i)
		}
		x := FromSlice(vals, shape...)
		if len(shape) == 0 {
			x = Scalar(0)
		}
		m := &model{shape: slices.Clone(x.Shape()), data: readData(t, x)}
		for step := 0; step < 6 && r.i < len(r.b); step++ {
			var y *Tensor
			var want *model // nil: the rules reject the step
			var what string
			rank := len(m.shape)
			switch op := r.next() % 6; op {
			case 0: // Reshape
				target := fuzzInts(r)
				what = "Reshape" + sprint(target)
				want = modelReshape(m, target)
				y = tryOp(t, what, want == nil, func() *Tensor { return x.Reshape(target...) })
			case 1: // Slice
				axis, start, stop, st := fuzzInt(r), fuzzInt(r), fuzzInt(r), fuzzInt(r)
				what = "Slice" + sprint([]int{axis, start, stop, st})
				if axis >= -rank && axis < rank && st > 0 {
					ax := (axis + rank) % rank
					d := m.shape[ax]
					clamp := func(i int) int {
						if i < 0 {
							i = max(i, -d) + d // no overflow: i ≥ -d first
						}
						return min(max(i, 0), d)
					}
					a, b := clamp(start), clamp(stop)
					cnt := 0
					if b > a {
						cnt = int(new(big.Int).Div(big.NewInt(int64(b-a+0)-1), big.NewInt(int64(st))).Int64()) + 1
					}
					ns := slices.Clone(m.shape)
					ns[ax] = cnt
					want = m.remap(ns, func(idx []int) []int {
						src := slices.Clone(idx)
						src[ax] = a + idx[ax]*st
						return src
					})
				}
				y = tryOp(t, what, want == nil, func() *Tensor { return x.Slice(axis, start, stop, st) })
			case 2: // Permute
				axes := fuzzInts(r)
				what = "Permute" + sprint(axes)
				if len(axes) == rank {
					seen := make([]bool, rank)
					ok := true
					res := make([]int, rank)
					for i, a := range axes {
						if a < -rank || a >= rank || seen[(a+rank)%rank] {
							ok = false
							break
						}
						res[i] = (a + rank) % rank
						seen[res[i]] = true
					}
					if ok {
						ns := make([]int, rank)
						for i, a := range res {
							ns[i] = m.shape[a]
						}
						want = m.remap(ns, func(idx []int) []int {
							src := make([]int, rank)
							for i, a := range res {
								src[a] = idx[i]
							}
							return src
						})
					}
				}
				y = tryOp(t, what, want == nil, func() *Tensor { return x.Permute(axes...) })
			case 3, 4: // BroadcastTo, Expand
				target := fuzzInts(r)
				expand := op == 4
				what = "BroadcastTo" + sprint(target)
				if expand {
					what = "Expand" + sprint(target)
				}
				want = modelBroadcast(m, target, expand)
				y = tryOp(t, what, want == nil, func() *Tensor {
					if expand {
						return x.Expand(target...)
					}
					return x.BroadcastTo(target...)
				})
			case 5: // Index
				axis, i := fuzzInt(r), fuzzInt(r)
				what = "Index" + sprint([]int{axis, i})
				if axis >= -rank && axis < rank {
					ax := (axis + rank) % rank
					d := m.shape[ax]
					if i >= -d && i < d {
						at := (i + d) % d
						ns := slices.Delete(slices.Clone(m.shape), ax, ax+1)
						want = m.remap(ns, func(idx []int) []int {
							return slices.Insert(slices.Clone(idx), ax, at)
						})
					}
				}
				y = tryOp(t, what, want == nil, func() *Tensor { return x.Index(axis, i) })
			}
			if want == nil {
				return // rejected as it should be; x is unchanged
			}
			if !slices.Equal(y.Shape(), want.shape) {
				t.Fatalf("%s of %v: shape %v, want %v", what, x.Shape(), y.Shape(), want.shape)
			}
			if err := y.Err(); err != nil {
				if !errors.Is(err, cpu.ErrOutOfMemory) {
					t.Fatalf("%s of %v: error %v", what, x.Shape(), err)
				}
				return
			}
			checkInside(t, what, y)
			if want.data != nil {
				if got := readData(t, y); !slices.Equal(got, want.data) {
					t.Fatalf("%s of %v (strides %v): data %v, want %v", what, x.Shape(), x.Strides(), got, want.data)
				}
			}
			x, m = y, want
		}
	})
}

func sprint(v []int) string {
	s := "("
	for i, d := range v {
		if i > 0 {
			s += ", "
		}
		s += big.NewInt(int64(d)).String()
	}
	return s + ")"
}

// tryOp runs f, which must panic with a *ShapeError when reject and must
// not panic otherwise.
func tryOp(t *testing.T, what string, reject bool, f func() *Tensor) *Tensor {
	t.Helper()
	var y *Tensor
	v := catch(func() { y = f() })
	if v == nil {
		if reject {
			t.Fatalf("%s accepted, gave shape %v; the rules reject it", what, y.Shape())
		}
		return y
	}
	err, isErr := v.(error)
	var se *ShapeError
	if !isErr || !errors.As(err, &se) {
		t.Fatalf("%s panicked with %T %v, want a result or a *ShapeError", what, v, v)
	}
	if !reject {
		t.Fatalf("%s rejected: %v", what, se)
	}
	return nil
}

// checkInside fails unless every element of the view y lies in its buffer.
func checkInside(t *testing.T, what string, y *Tensor) {
	t.Helper()
	buf := y.st.ref.buf
	if buf == nil || y.Size() == 0 {
		return
	}
	hi := big.NewInt(int64(y.offset))
	for i, d := range y.Shape() {
		hi.Add(hi, new(big.Int).Mul(big.NewInt(int64(d-1)), big.NewInt(int64(y.Strides()[i]))))
	}
	if y.offset < 0 || hi.Cmp(big.NewInt(int64(buf.Len()))) >= 0 {
		t.Fatalf("%s: view [%d, %v] outside a %d-element buffer (shape %v, strides %v)", what, y.offset, hi, buf.Len(), y.Shape(), y.Strides())
	}
}

func modelReshape(m *model, target []int) *model {
	infer := -1
	for i, d := range target {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			return nil
		}
	}
	ns := slices.Clone(target)
	if infer >= 0 {
		ns[infer] = 1
	}
	if !fits(ns) {
		return nil
	}
	size, known := bigSize(m.shape), bigSize(ns)
	if infer >= 0 {
		if known.Sign() == 0 || new(big.Int).Rem(size, known).Sign() != 0 {
			return nil
		}
		ns[infer] = int(new(big.Int).Div(size, known).Int64())
	} else if known.Cmp(size) != 0 {
		return nil
	}
	return &model{shape: ns, data: m.data} // same elements, same order
}

func modelBroadcast(m *model, target []int, expand bool) *model {
	ns := slices.Clone(target)
	off := len(ns) - len(m.shape)
	if off < 0 {
		if expand && slices.ContainsFunc(ns, func(d int) bool { return d < 0 && d != -1 }) {
			return nil
		}
		return nil
	}
	if expand {
		for i := off; i < len(ns); i++ {
			if ns[i] == -1 {
				ns[i] = m.shape[i-off]
			}
		}
	}
	for _, d := range ns {
		if d < 0 {
			return nil
		}
	}
	if !fits(ns) {
		return nil
	}
	for i := off; i < len(ns); i++ {
		if d := m.shape[i-off]; d != ns[i] && d != 1 {
			return nil
		}
	}
	return m.remap(ns, func(idx []int) []int {
		src := make([]int, len(m.shape))
		for i := range src {
			if m.shape[i] != 1 {
				src[i] = idx[i+off]
			}
		}
		return src
	})
}
