// Command eigendigits draws the top principal components of MNIST — the
// eigenvectors of the pixels' covariance matrix with the largest
// eigenvalues, computed with linalg.Eigh — as a 4×4 grid of 28×28 images
// (orange positive, blue negative), the picture of section h of
// docs/tour.md:
//
//	go run ./tour/eigendigits -o docs/eigendigits.png
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"

	"github.com/vktensor/vktensor/datasets/mnist"
	"github.com/vktensor/vktensor/linalg"
	"github.com/vktensor/vktensor/tensor"
)

func main() {
	out := flag.String("o", "eigendigits.png", "PNG `file` to write")
	n := flag.Int("n", 10000, "training `images` to compute the covariance from")
	scale := flag.Int("scale", 4, "pixels per MNIST pixel")
	flag.Parse()
	if err := run(*out, *n, *scale); err != nil {
		fmt.Fprintln(os.Stderr, "eigendigits:", err)
		os.Exit(1)
	}
}

func run(out string, n, scale int) error {
	if n < 2 || scale < 1 {
		return fmt.Errorf("-n must be at least 2 and -scale at least 1")
	}
	// Fail before the computation when the picture cannot be written.
	if st, err := os.Stat(filepath.Dir(out)); err != nil || !st.IsDir() {
		return fmt.Errorf("-o %s: no such directory", out)
	}
	dir, err := mnist.DefaultDir()
	if err != nil {
		return err
	}
	ds, err := mnist.Load(dir)
	if err != nil {
		return err
	}
	n = min(n, ds.Train.Images.N)
	train, _ := ds.Normalized(mnist.Mean, mnist.Std)
	X := tensor.CPU().FromSlice(train[:n*784], n, 784)
	Xc := X.Sub(X.MeanKeepDims(0))
	w, v := linalg.Eigh(Xc.T().MatMul(Xc).DivScalar(float32(n - 1)))
	const k = 16
	top, err := v.Narrow(1, 784-k, k).T().Data() // [k, 784], ascending eigenvalue
	if err != nil {
		return err
	}
	vals, err := w.Data()
	if err != nil {
		return err
	}
	const pad = 2
	side := 28*scale + pad
	img := image.NewRGBA(image.Rect(0, 0, 4*side+pad, 4*side+pad))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for c := range k {
		comp := top[(k-1-c)*784 : (k-c)*784] // largest eigenvalue first
		big := 0.0
		for _, x := range comp {
			big = math.Max(big, math.Abs(float64(x)))
		}
		ox, oy := pad+(c%4)*side, pad+(c/4)*side
		for p, x := range comp {
			t := float64(x) / big
			col := color.RGBA{255, uint8(255 - 120*t), uint8(255 - 255*t), 255} // orange
			if t < 0 {
				col = color.RGBA{uint8(255 + 255*t), uint8(255 + 120*t), 255, 255} // blue
			}
			for dy := range scale {
				for dx := range scale {
					img.Set(ox+(p%28)*scale+dx, oy+(p/28)*scale+dy, col)
				}
			}
		}
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	total := 0.0
	for _, x := range vals {
		total += float64(x)
	}
	kept := 0.0
	for _, x := range vals[784-k:] {
		kept += float64(x)
	}
	fmt.Printf("wrote %s: the top %d of 784 components (%.0f%% of the variance) from %d images\n", out, k, 100*kept/total, n)
	return nil
}
