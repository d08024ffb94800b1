package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestIm2ColCol2Im checks Im2Col against the definition of a patch and
// Col2Im against a per-pixel gather that adds its entries in float64 in
// tap order (so the two agree bit for bit), over "same" convolutions
// (stride 1, 2·pad = k − 1, the one-copy-per-tap path) and others, on
// planes of 1 to 30 columns, with the batch inside the columns as
// tensor.Im2Col lays it out and outermost as Unfold does.
func TestIm2ColCol2Im(t *testing.T) {
	be := New()
	rng := rand.New(rand.NewPCG(11, 12))
	type conf struct{ n, c, h, w, k, s, p int }
	cases := []conf{
		{2, 3, 28, 28, 5, 1, 2}, {1, 1, 1, 1, 5, 1, 2}, {2, 2, 3, 2, 3, 1, 1}, {1, 2, 7, 1, 1, 1, 0},
		{1, 1, 6, 9, 7, 1, 3}, {3, 2, 5, 5, 3, 2, 1}, {1, 1, 4, 4, 2, 1, 0}, {1, 1, 3, 3, 5, 1, 3},
	}
	for len(cases) < 60 {
		k := 1 + rng.IntN(6)
		c := conf{1 + rng.IntN(3), 1 + rng.IntN(3), 1 + rng.IntN(30), 1 + rng.IntN(30), k, 1, (k - 1) / 2}
		if rng.IntN(3) == 0 { // not "same"
			c.s, c.p = 1+rng.IntN(2), rng.IntN(4)
		}
		if c.h+2*c.p >= c.k && c.w+2*c.p >= c.k {
			cases = append(cases, c)
		}
	}
	for _, c := range cases {
		ho, wo := (c.h+2*c.p-c.k)/c.s+1, (c.w+2*c.p-c.k)/c.s+1
		kk := c.k * c.k
		img := make([]float32, c.n*c.c*c.h*c.w)
		for i := range img {
			img[i] = rng.Float32()*2 - 1
		}
		imgShape := []int{c.n, c.c, c.h, c.w}
		imgStrides := []int{c.c * c.h * c.w, c.h * c.w, c.w, 1}
		colShape := []int{c.n, c.c, kk, ho, wo}
		layouts := map[string][]int{
			// [C·k², N·Ho·Wo] (tensor.Im2Col) and [N, C·k², Ho·Wo] (Unfold).
			"batch-inside":    {ho * wo, kk * c.n * ho * wo, c.n * ho * wo, wo, 1},
			"batch-outermost": {c.c * kk * ho * wo, kk * ho * wo, ho * wo, wo, 1},
		}
		for lname, cs := range layouts {
			name := fmt.Sprintf("%+v/%s", c, lname)
			size := c.n * c.c * kk * ho * wo
			cols := make([]float32, size+1)
			for i := range cols {
				cols[i] = 7 // stale values the op must overwrite
			}
			be.Im2Col(strided(cols, 0, colShape, cs), strided(img, 0, imgShape, imgStrides), c.k, c.s, c.p)
			// at returns the column offset of (image, channel, tap, y, x).
			at := func(b, ch, tap, y, x int) int { return b*cs[0] + ch*cs[1] + tap*cs[2] + y*cs[3] + x*cs[4] }
			for b := 0; b < c.n; b++ {
				for ch := 0; ch < c.c; ch++ {
					for tap := 0; tap < kk; tap++ {
						for y := 0; y < ho; y++ {
							for x := 0; x < wo; x++ {
								hh, ww := y*c.s+tap/c.k-c.p, x*c.s+tap%c.k-c.p
								var want float32
								if hh >= 0 && hh < c.h && ww >= 0 && ww < c.w {
									want = img[b*imgStrides[0]+ch*imgStrides[1]+hh*c.w+ww]
								}
								if got := cols[at(b, ch, tap, y, x)]; got != want {
									t.Fatalf("%s: Im2Col (%d,%d,%d,%d,%d) = %v, want %v", name, b, ch, tap, y, x, got, want)
								}
							}
						}
					}
				}
			}
			if cols[size] != 7 {
				t.Fatalf("%s: Im2Col wrote past its destination", name)
			}

			g := make([]float32, size)
			for i := range g {
				g[i] = rng.Float32()*2 - 1
			}
			out := make([]float32, len(img)+1)
			out[len(img)] = 42
			be.Col2Im(strided(out, 0, imgShape, imgStrides), strided(g, 0, colShape, cs), c.k, c.s, c.p)
			for b := 0; b < c.n; b++ {
				for ch := 0; ch < c.c; ch++ {
					for hh := 0; hh < c.h; hh++ {
						for ww := 0; ww < c.w; ww++ {
							var sum float64
							for tap := 0; tap < kk; tap++ {
								yy, xx := hh+c.p-tap/c.k, ww+c.p-tap%c.k
								if yy%c.s != 0 || xx%c.s != 0 {
									continue
								}
								y, x := yy/c.s, xx/c.s
								if y >= 0 && y < ho && x >= 0 && x < wo {
									sum += float64(g[at(b, ch, tap, y, x)])
								}
							}
							if got, want := out[b*imgStrides[0]+ch*imgStrides[1]+hh*c.w+ww], float32(sum); got != want {
								t.Fatalf("%s: Col2Im (%d,%d,%d,%d) = %v, want %v", name, b, ch, hh, ww, got, want)
							}
						}
					}
				}
			}
			if out[len(img)] != 42 {
				t.Fatalf("%s: Col2Im wrote past its destination", name)
			}
		}
	}
}

// BenchmarkConvPatches times Im2Col and Col2Im at the MNIST CNN's two conv
// layers (batch 256, 5×5, pad 2), in tensor.Im2Col's layout.
func BenchmarkConvPatches(b *testing.B) {
	be := New()
	for _, c := range []struct {
		name    string
		n, c, h int
	}{{"conv1", 256, 1, 28}, {"conv2", 256, 32, 14}} {
		n, ch, h, kk := c.n, c.c, c.h, 25
		img := make([]float32, n*ch*h*h)
		cols := make([]float32, n*ch*kk*h*h)
		imgS := strided(img, 0, []int{n, ch, h, h}, []int{ch * h * h, h * h, h, 1})
		colS := strided(cols, 0, []int{n, ch, kk, h, h}, []int{h * h, kk * n * h * h, n * h * h, h, 1})
		bytes := float64(4 * (len(img) + len(cols)))
		b.Run(c.name+"/im2col", func(b *testing.B) {
			for range b.N {
				be.Im2Col(colS, imgS, 5, 1, 2)
			}
			b.ReportMetric(bytes*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
		b.Run(c.name+"/col2im", func(b *testing.B) {
			for range b.N {
				be.Col2Im(imgS, colS, 5, 1, 2)
			}
			b.ReportMetric(bytes*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}
