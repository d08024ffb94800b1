//go:build !amd64 || purego

package gemm

// pickKernel returns the portable kernel: there is no assembly for this
// architecture, or the purego build tag asked for none.
func pickKernel() microKernel { return generic }

// kernels lists the kernels this build can run: the portable one.
func kernels() []microKernel { return []microKernel{generic} }

// spreadRow reports false: the packing loop copies each sliver itself.
func spreadRow(dst []float32, step int, src []float32, width, count int) bool { return false }
