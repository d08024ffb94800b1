package vulkan

import (
	"sort"

	"github.com/vktensor/vktensor/tensor/backend"
)

// maxRank is the rank the strided kernels index directly; higher ranks
// (after coalescing) are split into several dispatches over leading axes.
const maxRank = 4

// axis is one iteration axis: its size and each operand's stride on it.
type axis struct {
	size int
	st   [4]int
	keep bool // the gather/scatter axis: never dropped or merged, kept innermost
}

// part is one dispatch worth of a strided iteration space, padded to rank 4
// with leading size-1 axes.
type part struct {
	shape [maxRank]int
	st    [maxRank][maxRank]int // st[operand][axis]
	off   [4]int                // element offset per operand
	rank  int                   // axes before padding
	n     int                   // elements
	base  int                   // row-major index of the first element (for gen)
}

// plan turns shape and the operands' strides/offsets (ops[0] is the
// destination) into dispatches: size-1 axes are dropped, axes are reordered
// by descending destination stride when permute is set (legal for ops whose
// result does not depend on iteration order), adjacent axes that are
// contiguous for every operand are merged, and what remains beyond rank 4 is
// split over the leading axes. keep >= 0 marks an axis that stays separate
// and moves innermost. It returns nil when the space is empty.
func plan(shape []int, ops []backend.Strided, permute bool, keep int) []part {
	return planRank(shape, ops, permute, keep, maxRank)
}

// planRank is plan with at most rank axes per part (the last rank of the
// padded four).
func planRank(shape []int, ops []backend.Strided, permute bool, keep, rank int) []part {
	var axes []axis
	for i, s := range shape {
		if s == 0 {
			return nil
		}
		if s == 1 && i != keep {
			continue
		}
		a := axis{size: s, keep: i == keep}
		for k, o := range ops {
			a.st[k] = o.Strides[i]
		}
		axes = append(axes, a)
	}
	if permute {
		sort.SliceStable(axes, func(i, j int) bool {
			if axes[i].keep != axes[j].keep {
				return axes[j].keep
			}
			return axes[i].st[0] > axes[j].st[0]
		})
	}
	// merge axis i+1 into axis i where every operand steps contiguously
	merged := axes[:0:0]
	for _, a := range axes {
		if n := len(merged); n > 0 && !a.keep && !merged[n-1].keep {
			p := &merged[n-1]
			ok := true
			for k := range ops {
				if p.st[k] != a.st[k]*a.size {
					ok = false
				}
			}
			if ok {
				p.size *= a.size
				p.st = a.st
				continue
			}
		}
		merged = append(merged, a)
	}
	axes = merged
	outer, inner := []axis(nil), axes
	if len(axes) > rank {
		outer, inner = axes[:len(axes)-rank], axes[len(axes)-rank:]
	}
	var tmpl part
	tmpl.rank = len(inner)
	tmpl.n = 1
	pad := maxRank - len(inner)
	for d := 0; d < maxRank; d++ {
		tmpl.shape[d] = 1
		if d >= pad {
			a := inner[d-pad]
			tmpl.shape[d] = a.size
			tmpl.n *= a.size
			for k := range ops {
				tmpl.st[k][d] = a.st[k]
			}
		}
	}
	// enumerate the outer index tuples in row-major order
	count := 1
	for _, a := range outer {
		count *= a.size
	}
	parts := make([]part, 0, count)
	idx := make([]int, len(outer))
	for c := 0; c < count; c++ {
		p := tmpl
		p.base = c * tmpl.n
		for k, o := range ops {
			p.off[k] = o.Offset
			for d, a := range outer {
				p.off[k] += idx[d] * a.st[k]
			}
		}
		parts = append(parts, p)
		for d := len(outer) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < outer[d].size {
				break
			}
			idx[d] = 0
		}
	}
	return parts
}

// layout picks the kernels' LAYOUT for a part with nops operands: 1 when
// the destination is dense and every source is dense or a single broadcast
// scalar, 2 when in addition every dense offset is a multiple of 4 (vec4
// access), else 0 (strided).
func (p *part) layout(nops int, vec bool) uint32 {
	if p.rank > 1 || (p.rank == 1 && p.st[0][3] != 1) {
		return 0
	}
	for k := 1; k < nops; k++ {
		if s := p.st[k][3]; p.rank == 1 && s != 0 && s != 1 {
			return 0
		}
	}
	if p.rank == 0 { // one element: every operand is a "scalar"
		for k := 1; k < nops; k++ {
			p.st[k][3] = 0
		}
		p.st[0][3] = 1
	}
	if !vec {
		return 1
	}
	for k := 0; k < nops; k++ {
		if p.st[k][3] == 1 && p.off[k]%4 != 0 {
			return 1
		}
	}
	return 2
}

// evenOffsets reports whether every unit-strided operand of a LAYOUT 1
// part starts on an even element (the 16-bit pairs of LAYOUT 2).
func (p *part) evenOffsets(nops int) bool {
	for k := 0; k < nops; k++ {
		if p.st[k][3] == 1 && p.off[k]%2 != 0 {
			return false
		}
	}
	return true
}

// extent is the largest element offset, relative to off, that operand k
// reaches.
func (p *part) extent(k int) int {
	e := 0
	for d := 0; d < maxRank; d++ {
		e += (p.shape[d] - 1) * p.st[k][d]
	}
	return e
}

// fits32 reports whether every element the part touches has a 32-bit index.
func (p *part) fits32(nops int) bool {
	for k := 0; k < nops; k++ {
		if hi := p.off[k] + p.extent(k); p.off[k] < 0 || hi > maxElems {
			return false
		}
	}
	return true
}

// rows4 reports whether a binary part can use LAYOUT 3 (strided.glsl):
// at most two axes, the inner one a multiple of 4 long and unit-strided in
// dst, each source unit-strided or broadcast (stride 0) along it, and
// every unit-strided operand 16-byte aligned at each row.
func (p *part) rows4(nops int) bool {
	if p.rank != 2 || p.shape[3]%4 != 0 || p.st[0][3] != 1 {
		return false
	}
	for k := 0; k < nops; k++ {
		switch p.st[k][3] {
		case 0:
		case 1:
			if p.off[k]%4 != 0 || p.st[k][2]%4 != 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// tiled reports whether a unary part (dst, src) is a transpose for LAYOUT 4:
// at most three axes, dst unit-strided along the inner one and src along
// the next.
func (p *part) tiled() bool {
	return p.rank >= 2 && p.rank <= 3 && p.st[0][3] == 1 && p.st[1][3] != 1 && p.st[1][2] == 1
}
