//go:build !amd64 || purego

package vec

// pick returns the portable kernels: there is no assembly for this
// architecture, or the purego build tag asked for none.
func pick() *kernelSet { return &kernelSet{name: "go", lanes: 1} }

// available lists the kernel sets the tests compare with the portable one:
// none here.
func available() []*kernelSet { return nil }
