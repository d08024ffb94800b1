package vec

// Transpose sets d[i·ld + j] = a[j·la + i] for i < rows, j < cols: it
// copies the cols×rows row-major matrix at a (row stride la) into the
// rows×cols matrix at d (row stride ld), transposed. It works in 64×64
// blocks, which keep the lines of both sides in cache, of 8×8 tiles
// transposed in registers; the edges not covered by whole tiles are copied
// one element at a time. (Measured on 1024² and 2048²: 16-, 32- and
// 128-blocks, and walking the tiles of a block in the other order, were
// slower.)
func Transpose(d []float32, ld int, a []float32, la, rows, cols int) {
	if rows <= 0 || cols <= 0 {
		return
	}
	// Bounds, once: the last element each side touches.
	_ = d[(rows-1)*ld+cols-1]
	_ = a[(cols-1)*la+rows-1]
	k := kernels.transpose8
	if k == nil {
		transposeGo(d, ld, a, la, rows, cols)
		return
	}
	const blk = 64
	r8, c8 := rows&^7, cols&^7
	for i0 := 0; i0 < r8; i0 += blk {
		for j0 := 0; j0 < c8; j0 += blk {
			for i := i0; i < min(i0+blk, r8); i += 8 {
				for j := j0; j < min(j0+blk, c8); j += 8 {
					k(&d[i*ld+j], ld, &a[j*la+i], la)
				}
			}
		}
	}
	if c8 < cols { // the right edge, every row
		transposeGo(d[c8:], ld, a[c8*la:], la, rows, cols-c8)
	}
	if r8 < rows { // the bottom edge, left of the right one
		transposeGo(d[r8*ld:], ld, a[r8:], la, rows-r8, c8)
	}
}

// transposeGo is Transpose one element at a time, in 32×32 blocks.
func transposeGo(d []float32, ld int, a []float32, la, rows, cols int) {
	const blk = 32
	for i0 := 0; i0 < rows; i0 += blk {
		for j0 := 0; j0 < cols; j0 += blk {
			for i := i0; i < min(i0+blk, rows); i++ {
				row := d[i*ld+j0 : i*ld+min(j0+blk, cols)]
				for j := range row {
					row[j] = a[(j0+j)*la+i]
				}
			}
		}
	}
}
