// Package philox implements the Philox4x32-10 counter-based random number
// generator (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
// SC 2011) and the float32 distributions vktensor draws from it.
//
// A counter-based generator maps (counter, key) to random bits with no state
// in between, so the i-th value of a stream can be computed by any thread, on
// any device, in any order. vktensor gives the element with row-major index
// i of a random tensor the counter (lo32(i), hi32(i), lo32(stream),
// hi32(stream)) and the key (lo32(seed), hi32(seed)); the GPU shaders
// implement the same mapping, so both backends produce the same tensor.
package philox

import (
	"math"
	"math/bits"
)

const (
	m0 = 0xD2511F53 // round multipliers
	m1 = 0xCD9E8D57
	w0 = 0x9E3779B9 // key schedule increments (golden ratio, √3-1)
	w1 = 0xBB67AE85
)

// Block returns the four 32-bit outputs of Philox4x32-10 for counter c and
// key k.
func Block(c [4]uint32, k [2]uint32) [4]uint32 {
	for r := 0; r < 10; r++ {
		hi0, lo0 := bits.Mul32(m0, c[0])
		hi1, lo1 := bits.Mul32(m1, c[2])
		c = [4]uint32{hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0}
		k[0] += w0
		k[1] += w1
	}
	return c
}

// At returns the block for element i of stream under seed.
func At(seed, stream, i uint64) [4]uint32 {
	return Block(
		[4]uint32{uint32(i), uint32(i >> 32), uint32(stream), uint32(stream >> 32)},
		[2]uint32{uint32(seed), uint32(seed >> 32)},
	)
}

// unit maps 32 random bits to a float32 in [0, 1) with 24 bits of precision.
func unit(x uint32) float32 { return float32(x>>8) * (1.0 / (1 << 24)) }

// Uniform returns element i of the uniform distribution on [a, b).
func Uniform(seed, stream, i uint64, a, b float32) float32 {
	return a + unit(At(seed, stream, i)[0])*(b-a)
}

// Normal returns element i of the normal distribution with mean and
// standard deviation std, by the Box-Muller transform of the first two words
// of the block (u1 is kept in (0, 1] so the logarithm is finite).
func Normal(seed, stream, i uint64, mean, std float32) float32 {
	x := At(seed, stream, i)
	u1 := float64(x[0]>>8+1) * (1.0 / (1 << 24))
	u2 := float64(unit(x[1]))
	z := math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
	return mean + std*float32(z)
}
