package linalg

import (
	"runtime"
	"slices"
	"sync"

	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/backend"
)

// stack is a host copy of a batch of m×n matrices: the last two axes of a
// tensor, the leading ones (batch) flattened in row-major order.
type stack struct {
	data  []float32
	batch []int
	count int
	m, n  int
	err   error // the input's runtime failure, if any
}

// matrices copies a (rank ≥ 2) to the host. A runtime failure of a is kept
// in err, to be carried by the results.
func matrices(op string, a *tensor.Tensor) stack {
	sh := a.Shape()
	if len(sh) < 2 {
		shapePanic(op, "is not a matrix or a batch of matrices (rank < 2)", sh)
	}
	s := stack{batch: slices.Clone(sh[:len(sh)-2]), m: sh[len(sh)-2], n: sh[len(sh)-1]}
	s.count = prod(s.batch)
	s.data, s.err = a.Data()
	if s.err != nil {
		s.data = make([]float32, a.Size())
	}
	return s
}

// mat returns matrix i of the stack.
func (s stack) mat(i int) []float32 { return s.data[i*s.m*s.n : (i+1)*s.m*s.n] }

// index returns the multi-index of batch entry i over shape.
func index(shape []int, i int) []int {
	idx := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		if shape[k] > 0 {
			idx[k] = i % shape[k]
			i /= shape[k]
		}
	}
	return idx
}

func prod(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// forEach calls f(i) for every matrix of a batch of count, in parallel
// across matrices, and returns the failure of the lowest-indexed one, as an
// *Error for op over batch.
func forEach(op string, batch []int, count int, f func(i int) (detail string, kind error)) error {
	type fail struct {
		kind   error
		detail string
	}
	fails := make([]fail, count)
	workers := min(runtime.GOMAXPROCS(0), count)
	if workers <= 1 {
		for i := range count {
			fails[i].detail, fails[i].kind = f(i)
		}
	} else {
		var wg sync.WaitGroup
		next := make(chan int)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					fails[i].detail, fails[i].kind = f(i)
				}
			}()
		}
		for i := range count {
			next <- i
		}
		close(next)
		wg.Wait()
	}
	for i, fl := range fails {
		if fl.kind != nil {
			e := &Error{Op: op, Batch: i, Kind: fl.kind, Detail: fl.detail}
			if len(batch) > 0 {
				e.Index = index(batch, i)
			}
			return e
		}
	}
	return nil
}

// result puts data on backend b with shape, carrying err when not nil.
func result(b backend.Backend, data []float32, err error, shape ...int) *tensor.Tensor {
	if len(shape) == 0 { // FromSlice without a shape would make it 1-D
		return tensor.WithErr(tensor.On(b).FromSlice(data, 1).Reshape(), err)
	}
	return tensor.WithErr(tensor.On(b).FromSlice(data, shape...), err)
}

// sameBackend panics with a *tensor.BackendError unless a and b share a backend.
func sameBackend(op string, a, b *tensor.Tensor) {
	if a.Backend() != b.Backend() {
		panic(&tensor.BackendError{Op: "linalg." + op, Reason: "operands on different backends (" + a.Backend().Name() + " and " + b.Backend().Name() + "); move one with To"})
	}
}

// sumTo sums the gradient g over the axes that were broadcast to reach it
// from shape sh.
func sumTo(g *tensor.Tensor, sh []int) *tensor.Tensor {
	gs := g.Shape()
	if slices.Equal(gs, sh) {
		return g
	}
	lead := len(gs) - len(sh)
	var axes []int
	for i := range lead {
		axes = append(axes, i)
	}
	for i, d := range sh {
		if d == 1 && gs[lead+i] != 1 {
			axes = append(axes, lead+i)
		}
	}
	return g.SumKeepDims(axes...).Reshape(sh...)
}

// mT is the transpose of the last two axes.
func mT(t *tensor.Tensor) *tensor.Tensor { return t.Transpose(-1, -2) }

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// shape joins a batch shape and trailing dimensions.
func shape(batch []int, dims ...int) []int {
	return append(slices.Clone(batch), dims...)
}

// to32 rounds a float64 slice into dst.
func to32(dst []float32, src []float64) {
	for i, v := range src {
		dst[i] = float32(v)
	}
}
