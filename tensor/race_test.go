//go:build race

package tensor

// raceEnabled shrinks the randomized tests under the race detector, which
// slows the pure-Go loops by an order of magnitude.
const raceEnabled = true
