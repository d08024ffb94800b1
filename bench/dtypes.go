package main

import (
	"fmt"
	"math"
	"time"

	"github.com/vktensor/vktensor/tensor"
)

// The 16-bit suites: "ops16", the elementwise ops, reductions and softmax
// of the ops suite on float16 and bfloat16 tensors (GB/s counting 2 bytes
// an element), and "matmul16", square products of 16-bit matrices with
// float32 accumulation (GFLOP/s). PyTorch runs the same ops on the same
// dtypes (bench/torch_ref.py).

// dtypes16 names the dtypes of the 16-bit suites as the op suffixes do.
var dtypes16 = []struct {
	name string
	dt   tensor.DType
}{{"bf16", tensor.BFloat16}, {"fp16", tensor.Float16}}

// ops16 lists the ops of the ops16 suite (a subset of the ops suite's).
var ops16 = []string{"add", "add-broadcast", "sum-rows", "softmax-rows"}

func (r *runner) ops16() {
	const suite = "ops16"
	for _, t := range r.targets {
		def := powers(256, 2048)
		if t.gpu {
			def = powers(256, min(8192, r.cfg.maxGPU))
		}
		if r.cfg.quick {
			def = []int{64, 128}
		}
		for _, dt := range dtypes16 {
			for _, n := range r.sizesFor(def, math.MaxInt) {
				rng := tensor.NewRNG(uint64(n))
				d := tensor.On(t.be)
				x := d.Uniform(rng, -1, 1, n, n).AsType(dt.dt)
				y := d.Uniform(rng, -1, 1, n, n).AsType(dt.dt)
				v := d.Uniform(rng, -1, 1, n).AsType(dt.dt)
				if err := firstErr(x.Err(), y.Err(), v.Err(), t.be.Sync()); err != nil {
					r.notef("%s: %s n=%d: %v", t.impl, dt.name, n, err)
					break
				}
				for _, spec := range opSpecs {
					if !contains(ops16, spec.name) {
						continue
					}
					row := r.row(suite, spec.name+"/"+dt.name, t.impl, t.device)
					row.Shape, row.N = fmt.Sprintf("%dx%d", n, n), n
					row.Bytes, row.FLOP = spec.bytes(float64(n))/2, spec.flop(float64(n))
					row.Timing = t.timing()
					st, err := measure(r.cfg, func(inner int) (time.Duration, error) {
						var opErr error
						dur, err := t.timed(func() {
							for range inner {
								o := spec.run(x, y, v)
								opErr = firstErr(opErr, o.Err())
								o.Release()
							}
						})
						return dur, firstErr(opErr, err)
					})
					if err != nil {
						r.notef("%s: %s n=%d failed: %v", t.impl, row.Op, n, err)
						continue
					}
					row.fill(st)
					r.progress(row)
					r.rows = append(r.rows, row)
				}
				x.Release()
				y.Release()
				v.Release()
			}
		}
	}
}

func (r *runner) matmul16() {
	const suite = "matmul16"
	for _, t := range r.targets {
		def := powers(256, 1024)
		if t.gpu {
			def = powers(256, min(8192, r.cfg.maxGPU))
		}
		if r.cfg.quick {
			def = []int{64, 128}
		}
		for _, dt := range dtypes16 {
			for _, n := range r.sizesFor(def, math.MaxInt) {
				rng := tensor.NewRNG(uint64(n))
				d := tensor.On(t.be)
				a := d.Uniform(rng, -1, 1, n, n).AsType(dt.dt)
				b := d.Uniform(rng, -1, 1, n, n).AsType(dt.dt)
				if err := firstErr(a.Err(), b.Err(), t.be.Sync()); err != nil {
					r.notef("%s: %s n=%d: %v", t.impl, dt.name, n, err)
					break
				}
				row := r.row(suite, "gemm/"+dt.name, t.impl, t.device)
				row.Shape, row.N = fmt.Sprintf("%dx%dx%d", n, n, n), n
				row.FLOP, row.Bytes = 2*float64(n)*float64(n)*float64(n), 6*float64(n)*float64(n)
				row.Timing = t.timing()
				st, err := measure(r.cfg, func(inner int) (time.Duration, error) {
					var opErr error
					dur, err := t.timed(func() {
						for range inner {
							o := a.MatMul(b)
							opErr = firstErr(opErr, o.Err())
							o.Release()
						}
					})
					return dur, firstErr(opErr, err)
				})
				if err != nil {
					r.notef("%s: %s n=%d failed: %v", t.impl, row.Op, n, err)
					continue
				}
				row.fill(st)
				r.progress(row)
				r.rows = append(r.rows, row)
				a.Release()
				b.Release()
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
