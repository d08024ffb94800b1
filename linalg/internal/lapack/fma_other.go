//go:build !amd64 || purego

package lapack

const hasFMA = false

func rotFMA(c, s float64, x, y *float64, n int)   { panic("lapack: no FMA kernels") }
func axpyFMA(alpha float64, x, y *float64, n int) { panic("lapack: no FMA kernels") }
func dotFMA(x, y *float64, n int) float64         { panic("lapack: no FMA kernels") }
