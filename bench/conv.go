package main

import (
	"fmt"
	"time"

	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/backend"
)

// The conv suite: Conv2d layers, forward alone and forward with both
// gradients (the images' only past the first layer, whose input is data),
// in GFLOP/s of the layer's products (2·N·O·Ho·Wo·C·k² per product; three
// with gradients, two without the images' one). vktensor runs each layer
// as Conv2d does on its backend (the GPU: implicit GEMM; the CPU: im2col
// and a GEMM per chunk of images) and again through the general path
// (im2col of the whole batch and one matmul: the backend with its direct
// convolutions hidden), as the "-im2col" implementations;
// PyTorch runs F.conv2d (cuDNN on CUDA, default settings).

// convLayer is one layer of the suite: images [n, c, h, h], weight
// [o, c, k, k], stride 1 and padding k/2 ("same").
type convLayer struct {
	name          string
	n, c, h, o, k int
}

// convLayers are the MNIST CNN's two layers (batch 128) and a 3×3 layer
// of a ResNet stage.
var convLayers = []convLayer{
	{"mnist-conv1", 128, 1, 28, 32, 5},
	{"mnist-conv2", 128, 32, 14, 64, 5},
	{"resnet-3x3", 32, 64, 56, 64, 3},
}

func (l convLayer) shape() string {
	return fmt.Sprintf("%dx%dx%dx%d*%dx%dx%d", l.n, l.c, l.h, l.h, l.o, l.k, l.k)
}

// flop is one of the layer's products: the forward pass, or either
// gradient (the same multiply-adds in another order).
func (l convLayer) flop() float64 {
	return 2 * float64(l.n*l.o*l.h*l.h) * float64(l.c*l.k*l.k)
}

// hideConv hides a backend's direct convolutions (and its other optional
// interfaces): Conv2d then takes the general path.
type hideConv struct{ backend.Backend }

const (
	implGPUIm2col = implGPU + "-im2col"
	implCPUIm2col = implCPU + "-im2col"
)

func (r *runner) conv() {
	const suite = "conv"
	layers := convLayers
	if r.cfg.quick {
		layers = []convLayer{{"quick", 2, 3, 9, 4, 3}}
	}
	for _, t := range r.targets {
		kinds := []struct {
			impl string
			be   backend.Backend
		}{{t.impl, t.be}}
		im2col := implCPUIm2col
		if t.gpu {
			im2col = implGPUIm2col
		}
		kinds = append(kinds, struct {
			impl string
			be   backend.Backend
		}{im2col, hideConv{t.be}})
		for _, l := range layers {
			if !t.gpu && !r.cfg.quick && l.name == "resnet-3x3" {
				continue // minutes per row on two cores
			}
			for _, kind := range kinds {
				d := tensor.On(kind.be)
				rng := tensor.NewRNG(3)
				x := d.Normal(rng, 0, 1, l.n, l.c, l.h, l.h).SetRequiresGrad(l.c > 1)
				w := d.Normal(rng, 0, 0.1, l.o, l.c, l.k, l.k).SetRequiresGrad(true)
				b := d.Zeros(l.o).SetRequiresGrad(true)
				gy := d.Normal(rng, 0, 1, l.n, l.o, l.h, l.h)
				if err := firstErr(x.Err(), w.Err(), gy.Err(), t.be.Sync()); err != nil {
					r.notef("%s: %s: %v", kind.impl, l.name, err)
					continue
				}
				for _, bwd := range []bool{false, true} {
					op := l.name + "/forward"
					flop := l.flop()
					if bwd {
						op = l.name + "/forward+backward"
						flop *= 3
						if l.c == 1 {
							flop = 2 * l.flop()
						}
					}
					row := r.row(suite, op, kind.impl, t.device)
					row.Shape, row.N, row.FLOP = l.shape(), l.n, flop
					r.timeStep(t, row, func() error {
						var err error
						d.Step(func(s *tensor.Scope) {
							y := s.Use(x).Conv2d(w, b, 1, l.k/2)
							err = y.Err()
							if bwd && err == nil {
								err = y.BackwardWith(gy)
							}
						})
						return err
					})
				}
				for _, v := range []*tensor.Tensor{x, w, b, gy} {
					v.Release()
				}
			}
		}
	}
	r.notef("conv: stride 1, padding k/2, float32; forward+backward computes the weight's and the bias's gradients and, past the first layer, the images'")
}

// timeStep is timeRow for a step that returns only an error.
func (r *runner) timeStep(t *target, row Row, step func() error) {
	row.Timing = t.timing()
	st, err := measure(r.cfg, func(inner int) (time.Duration, error) {
		var opErr error
		dur, err := t.timed(func() {
			for range inner {
				opErr = firstErr(opErr, step())
			}
		})
		return dur, firstErr(opErr, err)
	})
	if err != nil {
		r.notef("%s: %s %s failed: %v", row.Impl, row.Op, row.Shape, err)
		return
	}
	row.fill(st)
	r.progress(row)
	r.rows = append(r.rows, row)
}
