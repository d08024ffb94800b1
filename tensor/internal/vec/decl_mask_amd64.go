//go:build !purego

package vec

// Assembly in mask_amd64.s.

//go:noescape
func gtScalarAVX2(d, a *float32, s float32, n int)

//go:noescape
func pairsEqAVX2(d, x, y *float32, n int)

//go:noescape
func pairsMulAVX2(d, x, y *float32, n int)
