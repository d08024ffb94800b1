package vec

import "testing"

func TestTranspose(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		for _, sz := range [][2]int{{0, 3}, {1, 1}, {8, 8}, {7, 9}, {16, 24}, {16, 16}, {8, 32}, {65, 130}, {200, 17}, {24, 48}} {
			rows, cols := sz[0], sz[1]
			la, ld := rows+3, cols+5 // padded rows: strides differ from widths
			// a and d end at the last element Transpose may touch.
			a := make([]float32, max(0, (cols-1)*la+rows))
			for i := range a {
				a[i] = float32(i)
			}
			d := make([]float32, max(0, (rows-1)*ld+cols))
			for i := range d {
				d[i] = -1
			}
			Transpose(d, ld, a, la, rows, cols)
			for i := 0; i < rows; i++ {
				for j := 0; j < ld && i*ld+j < len(d); j++ {
					want := float32(-1) // padding untouched
					if j < cols {
						want = a[j*la+i]
					}
					if d[i*ld+j] != want {
						t.Fatalf("%dx%d: d[%d][%d] = %v, want %v", rows, cols, i, j, d[i*ld+j], want)
					}
				}
			}
		}
	})
}
