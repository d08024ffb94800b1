package tensor

import (
	"errors"
	"slices"
	"testing"
)

// byteReader hands out fuzz input bytes, then zeros.
type byteReader struct {
	b []byte
	i int
}

func (r *byteReader) next() int {
	if r.i >= len(r.b) {
		return 0
	}
	r.i++
	return int(r.b[r.i-1])
}

// decodeShapes reads a list of up to 4 shapes of rank up to 5. Dimensions
// are mostly 0..4, with 255 as -1 and 254 as a large size.
func decodeShapes(data []byte) [][]int {
	r := &byteReader{b: data}
	shapes := make([][]int, r.next()%5)
	for i := range shapes {
		shapes[i] = make([]int, r.next()%6)
		for j := range shapes[i] {
			switch b := r.next(); b {
			case 255:
				shapes[i][j] = -1
			case 254:
				shapes[i][j] = 1 << 20
			default:
				shapes[i][j] = b % 5
			}
		}
	}
	return shapes
}

func FuzzBroadcastShapes(f *testing.F) {
	f.Add([]byte{2, 2, 2, 3, 1, 4})       // [2 3] and [4]
	f.Add([]byte{2, 2, 2, 1, 3, 1, 1, 3}) // [2 1] and [1 1 3]
	f.Add([]byte{3, 1, 0, 2, 1, 0, 0})    // [0], [1 0], []
	f.Add([]byte{1, 3, 255, 2, 2})        // negative
	f.Add([]byte{4, 2, 254, 1, 1, 254, 0, 3, 1, 1, 254})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		shapes := decodeShapes(data)
		in := make([][]int, len(shapes))
		for i, s := range shapes {
			in[i] = slices.Clone(s)
		}
		var got []int
		var err error
		if v := catch(func() { got, err = BroadcastShapes("Op", in...) }); v != nil {
			t.Fatalf("BroadcastShapes(%v) panicked: %v", shapes, v)
		}
		for i := range shapes {
			if !slices.Equal(in[i], shapes[i]) {
				t.Fatalf("BroadcastShapes modified its input: %v became %v", shapes[i], in[i])
			}
		}
		// The rule, by definition: shapes align at the end; on each axis
		// every size is 1 or the common size, and the result is that size.
		r := 0
		neg := false
		for _, s := range shapes {
			r = max(r, len(s))
			for _, d := range s {
				neg = neg || d < 0
			}
		}
		ok := !neg
		want := make([]int, r)
		for i := 1; i <= r && ok; i++ {
			want[r-i] = 1
			for _, s := range shapes {
				if len(s) < i || s[len(s)-i] == 1 {
					continue
				}
				d := s[len(s)-i]
				if want[r-i] != 1 && want[r-i] != d {
					ok = false
				}
				want[r-i] = d
			}
		}
		// And the result holds at most maxSize elements.
		ok = ok && fits(want)
		if err != nil {
			var se *ShapeError
			if !errors.As(err, &se) {
				t.Fatalf("BroadcastShapes(%v) error %T %v, want *ShapeError", shapes, err, err)
			}
			if ok {
				t.Fatalf("BroadcastShapes(%v) = %v, but they broadcast to %v", shapes, err, want)
			}
			if se.Op != "Op" || len(se.Shapes) != len(shapes) {
				t.Fatalf("ShapeError fields %+v", se)
			}
			return
		}
		if !ok {
			t.Fatalf("BroadcastShapes(%v) = %v, but they do not broadcast", shapes, got)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("BroadcastShapes(%v) = %v, want %v", shapes, got, want)
		}
	})
}

// fuzzSource builds a small tensor with a layout chosen by the input:
// contiguous, permuted, stepped, indexed or broadcast.
func fuzzSource(r *byteReader) *Tensor {
	shape := make([]int, r.next()%5)
	for i := range shape {
		shape[i] = r.next() % 5
	}
	x := Arange(0, float64(prod(shape)), 1).Reshape(shape...)
	for range r.next() % 4 {
		rank := x.Rank()
		switch op := r.next() % 5; {
		case op == 0 && rank > 0:
			p := make([]int, rank)
			for i := range p {
				p[i] = i
			}
			for i := range p {
				j := r.next() % rank
				p[i], p[j] = p[j], p[i]
			}
			x = x.Permute(p...)
		case op == 1 && rank > 0:
			x = x.Slice(r.next()%rank, r.next()%5-2, r.next()%7-3, 1+r.next()%3)
		case op == 2 && rank > 0:
			ax := r.next() % rank
			if n := x.Dim(ax); n > 0 {
				x = x.Index(ax, r.next()%n)
			}
		case op == 3:
			bs := slices.Clone(x.Shape())
			for i := range bs {
				if bs[i] == 1 {
					bs[i] = r.next() % 4
				}
			}
			if r.next()%2 == 0 {
				bs = append([]int{r.next() % 3}, bs...)
			}
			x = x.BroadcastTo(bs...)
		case op == 4:
			x = x.Unsqueeze(r.next() % (rank + 1))
		}
	}
	return x
}

func FuzzReshape(f *testing.F) {
	f.Add([]byte{2, 2, 3, 0, 2, 6})                               // [2 3] -> [6]
	f.Add([]byte{2, 2, 3, 1, 0, 1, 0, 1, 6})                      // transposed -> [6]
	f.Add([]byte{2, 4, 4, 1, 1, 1, 0, 3, 1, 2, 2, 2, 2})          // stepped
	f.Add([]byte{2, 2, 1, 1, 3, 3, 2, 2, 3, 255, 4})              // broadcast, -1
	f.Add([]byte{3, 0, 2, 2, 0, 2, 255, 0})                       // empty
	f.Add([]byte{1, 4, 2, 1, 0, 1, 2, 0, 3, 255, 255, 1})         // two -1
	f.Add([]byte{3, 2, 3, 4, 3, 0, 2, 0, 1, 2, 1, 1, 3, 2, 3, 4}) // permute + index
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &byteReader{b: data}
		var x *Tensor
		if v := catch(func() { x = fuzzSource(r) }); v != nil {
			// Building the source used only valid arguments except for
			// Slice bounds, which clamp; no panic is expected.
			t.Fatalf("building the source panicked: %v", v)
		}
		target := make([]int, r.next()%6)
		for i := range target {
			switch b := r.next(); b {
			case 255:
				target[i] = -1
			case 254:
				target[i] = -2
			default:
				target[i] = b % 7
			}
		}
		src := readData(t, x)
		// Whether the reshape is valid, by definition.
		known, infer, bad := 1, -1, false
		for i, d := range target {
			switch {
			case d == -1 && infer < 0:
				infer = i
			case d < 0:
				bad = true
			default:
				known *= d
			}
		}
		want := slices.Clone(target)
		valid := !bad
		if valid && infer >= 0 {
			valid = known > 0 && len(src)%known == 0
			if valid {
				want[infer] = len(src) / known
			}
		} else if valid {
			valid = known == len(src)
		}
		var y *Tensor
		v := catch(func() { y = x.Reshape(target...) })
		if v != nil {
			err, isErr := v.(error)
			var se *ShapeError
			if !isErr || !errors.As(err, &se) {
				t.Fatalf("Reshape%v of %v (strides %v) panicked with %T %v", target, x.Shape(), x.Strides(), v, v)
			}
			if valid {
				t.Fatalf("Reshape%v of %v rejected: %v", target, x.Shape(), se)
			}
			return
		}
		if !valid {
			t.Fatalf("Reshape%v of %v accepted, gave %v", target, x.Shape(), y.Shape())
		}
		if !slices.Equal(y.Shape(), want) || len(y.Strides()) != len(want) {
			t.Fatalf("Reshape%v of %v: shape %v, want %v", target, x.Shape(), y.Shape(), want)
		}
		if got := readData(t, y); !slices.Equal(got, src) {
			t.Fatalf("Reshape%v of %v (strides %v): data %v, want %v", target, x.Shape(), x.Strides(), got, src)
		}
		if y.st == x.st {
			// A view must stay inside the storage it shares.
			hi := y.offset
			for i, d := range y.Shape() {
				if d == 0 {
					hi = y.offset
					break
				}
				hi += (d - 1) * y.Strides()[i]
			}
			if y.offset < 0 || hi >= max(x.st.ref.buf.Len(), 1) {
				t.Fatalf("Reshape%v view reaches [%d, %d] of a %d-element buffer", target, y.offset, hi, x.st.ref.buf.Len())
			}
		}
	})
}
