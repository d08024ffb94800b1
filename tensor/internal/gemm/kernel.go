package gemm

// kernelGeneric is the portable micro-kernel. Go keeps only a handful of
// float32 values in registers, so the mr×nr tile is computed in 2×4
// sub-tiles, each a full pass over the (L1-resident) packed slivers.
func kernelGeneric(k int, a, b, c []float32, ldc int, accum bool) {
	a = a[:k*mr]
	b = b[:k*nr]
	_ = c[(mr-1)*ldc+nr-1]
	for i := 0; i < mr; i += 2 {
		for j := 0; j < nr; j += 4 {
			var c00, c01, c02, c03, c10, c11, c12, c13 float32
			pa, pb := a[i:], b[j:]
			for p := 0; p < k; p++ {
				av := pa[p*mr : p*mr+2 : p*mr+2]
				bv := pb[p*nr : p*nr+4 : p*nr+4]
				a0, a1 := av[0], av[1]
				b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
				c00 += a0 * b0
				c01 += a0 * b1
				c02 += a0 * b2
				c03 += a0 * b3
				c10 += a1 * b0
				c11 += a1 * b1
				c12 += a1 * b2
				c13 += a1 * b3
			}
			r0 := c[i*ldc+j : i*ldc+j+4 : i*ldc+j+4]
			r1 := c[(i+1)*ldc+j : (i+1)*ldc+j+4 : (i+1)*ldc+j+4]
			if accum {
				r0[0] += c00
				r0[1] += c01
				r0[2] += c02
				r0[3] += c03
				r1[0] += c10
				r1[1] += c11
				r1[2] += c12
				r1[3] += c13
			} else {
				r0[0], r0[1], r0[2], r0[3] = c00, c01, c02, c03
				r1[0], r1[1], r1[2], r1[3] = c10, c11, c12, c13
			}
		}
	}
}
