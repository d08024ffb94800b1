package tensor

import (
	"math"
	"slices"
	"testing"

	"github.com/vktensor/vktensor/tensor/internal/philox"
)

func TestCreation(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	checkShapeEq(t, "FromSlice", x, []int{2, 3})
	if d := readData(t, x); !slices.Equal(d, []float32{1, 2, 3, 4, 5, 6}) || !x.IsContiguous() {
		t.Errorf("FromSlice data %v", d)
	}
	src := []float32{1, 2}
	y := FromSlice(src)
	src[0] = 9
	if d := readData(t, y); d[0] != 1 || y.Rank() != 1 {
		t.Errorf("FromSlice must copy and default to 1-D: %v %v", d, y.Shape())
	}
	checkShapeEq(t, "FromSlice empty", FromSlice(nil), []int{0})
	checkShapeEq(t, "FromSlice [0 3]", FromSlice(nil, 0, 3), []int{0, 3})
	expectShapeError(t, "FromSlice size", func() { FromSlice([]float32{1, 2, 3}, 2, 2) }, "FromSlice", "[2 2]", "4 elements", "3")
	expectShapeError(t, "FromSlice negative", func() { FromSlice(nil, -1) }, "FromSlice", "negative")

	s := Scalar(2.5)
	if v, err := s.Item(); v != 2.5 || err != nil || s.Rank() != 0 || s.Size() != 1 {
		t.Errorf("Scalar: %v %v rank %d", v, err, s.Rank())
	}
	for name, c := range map[string]struct {
		t *Tensor
		v float32
	}{"Zeros": {Zeros(2, 0, 3), 0}, "Ones": {Ones(3, 1), 1}, "Full": {Full(-1.5, 7), -1.5}, "Full0d": {Full(4), 4}} {
		for _, v := range readData(t, c.t) {
			if v != c.v {
				t.Errorf("%s: element %v, want %v", name, v, c.v)
			}
		}
	}
	checkShapeEq(t, "Zeros", Zeros(2, 0, 3), []int{2, 0, 3})
	checkShapeEq(t, "Full0d", Full(4), []int{})
	expectShapeError(t, "Zeros negative", func() { Zeros(2, -3) }, "Full", "[2 -3]", "negative dimension -3")
	expectShapeError(t, "Uniform negative", func() { Uniform(NewRNG(1), 0, 1, -1) }, "Uniform", "negative")

	eye := Eye(4)
	want := ndZeros(4, 4)
	for i := range 4 {
		want.set([]int{i, i}, 1)
	}
	checkULP(t, "Eye", eye, want, 0)
	checkShapeEq(t, "Eye(0)", Eye(0), []int{0, 0})
	checkShapeEq(t, "Eye(1)", Eye(1), []int{1, 1})
}

func TestArange(t *testing.T) {
	for _, c := range []struct {
		start, stop, step float64
		want              []float64
	}{
		{0, 5, 1, []float64{0, 1, 2, 3, 4}},
		{5, 0, -2, []float64{5, 3, 1}},
		{0, 0, 1, nil},
		{3, 1, 1, nil},
		{0.5, 3, 1, []float64{0.5, 1.5, 2.5}},
		{0, 1, 0.25, []float64{0, 0.25, 0.5, 0.75}},
		{-1, 1, 0.5, []float64{-1, -0.5, 0, 0.5}},
		{0, 1, 0.1, []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}},
	} {
		got := Arange(c.start, c.stop, c.step)
		checkULP(t, caseName("Arange(%v, %v, %v)", c.start, c.stop, c.step), got, &nd{shape: []int{len(c.want)}, data: c.want}, 0)
	}
	expectShapeError(t, "Arange step 0", func() { Arange(0, 1, 0) }, "Arange", "step 0")
	expectShapeError(t, "Arange step NaN", func() { Arange(0, 1, math.NaN()) }, "Arange")
}

func TestRandomDeterministic(t *testing.T) {
	const seed = 42
	draw := func() [][]float32 {
		r := NewRNG(seed)
		return [][]float32{
			readData(t, Uniform(r, -1, 1, 5, 7)),
			readData(t, Normal(r, 0, 1, 33)),
			readData(t, Uniform(r, 0, 1, 0)),
			readData(t, Uniform(r, 0, 1, 1)),
		}
	}
	a, b := draw(), draw()
	for i := range a {
		if !slices.Equal(a[i], b[i]) {
			t.Errorf("draw %d differs between runs of the same RNG sequence", i)
		}
	}
	// Element i of the k-th draw is Philox element i of stream k, whatever
	// the shape.
	for i, v := range a[0] {
		if w := philox.Uniform(seed, 0, uint64(i), -1, 1); v != w {
			t.Fatalf("Uniform element %d is %v, Philox gives %v", i, v, w)
		}
	}
	for i, v := range a[1] {
		if w := philox.Normal(seed, 1, uint64(i), 0, 1); v != w {
			t.Fatalf("Normal element %d is %v, Philox gives %v", i, v, w)
		}
	}
	// The stream advances on every draw, including empty ones.
	r := NewRNG(seed)
	Uniform(r, 0, 1, 0)
	if got := readData(t, Uniform(r, 0, 1, 3)); got[0] != philox.Uniform(seed, 1, 0, 0, 1) {
		t.Errorf("an empty draw did not advance the stream")
	}
	// Different seeds and successive draws differ.
	r1, r2 := NewRNG(1), NewRNG(2)
	u1, u2 := readData(t, Uniform(r1, 0, 1, 64)), readData(t, Uniform(r2, 0, 1, 64))
	u3 := readData(t, Uniform(r1, 0, 1, 64))
	if slices.Equal(u1, u2) || slices.Equal(u1, u3) {
		t.Errorf("seeds or streams repeat values")
	}
	// The same shape drawn on a freshly made device gives the same values.
	if got := readData(t, CPU().Uniform(NewRNG(seed), -1, 1, 35)); !slices.Equal(got, a[0]) {
		t.Errorf("CPU().Uniform differs from Uniform on the default device")
	}
}

func TestRandomMoments(t *testing.T) {
	n := 200000
	if small() {
		n = 20000
	}
	r := NewRNG(7)
	check := func(name string, x *Tensor, mean, std, lo, hi float64) {
		t.Helper()
		d := readData(t, x)
		var s, q float64
		for _, v := range d {
			if float64(v) < lo || float64(v) >= hi || math.IsNaN(float64(v)) {
				t.Fatalf("%s: value %v outside [%v, %v)", name, v, lo, hi)
			}
			s += float64(v)
		}
		m := s / float64(len(d))
		for _, v := range d {
			q += (float64(v) - m) * (float64(v) - m)
		}
		sd := math.Sqrt(q / float64(len(d)))
		// Five standard errors.
		if se := 5 * std / math.Sqrt(float64(len(d))); math.Abs(m-mean) > se {
			t.Errorf("%s: mean %v, want %v ± %v", name, m, mean, se)
		}
		if math.Abs(sd-std) > 0.02*std {
			t.Errorf("%s: std %v, want %v", name, sd, std)
		}
	}
	check("Uniform(-3, 5)", Uniform(r, -3, 5, n), 1, 8/math.Sqrt(12), -3, 5)
	check("Uniform(0, 1)", Uniform(r, 0, 1, n/100, 100), 0.5, 1/math.Sqrt(12), 0, 1)
	check("Normal(2, 3)", Normal(r, 2, 3, n), 2, 3, math.Inf(-1), math.Inf(1))
	check("Normal(0, 1)", Normal(r, 0, 1, 100, n/100), 0, 1, math.Inf(-1), math.Inf(1))
}
