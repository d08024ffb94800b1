package linalg

import (
	"sync/atomic"

	"github.com/vktensor/vktensor/linalg/internal/lapack"
	"github.com/vktensor/vktensor/tensor"
	"github.com/vktensor/vktensor/tensor/cpu"
)

// The blocked factorizations on a GPU backend: the matrix stays on the
// device, each panel of deviceBlock columns is copied to the host and
// factored there in float64, and the trailing update runs on the device as
// tensor matrix products (so with the device's MatMul precision). Only the
// panels (and their factors) cross between host and device.

// deviceMin is the order from which the factorizations of a matrix on a
// GPU backend take the blocked device path; deviceBlock is its panel width.
// Tests lower both so that small matrices run with several panels.
var deviceMin, deviceBlock = 512, 128

// devicePanels counts the panels factored on the device path (tests check
// that it ran).
var devicePanels atomic.Int64

// onDevice reports whether the matrices of a (of order n, the smaller
// dimension for QR) take the device path.
func onDevice(a *tensor.Tensor, n int) bool {
	_, host := a.Backend().(*cpu.Backend)
	return !host && n >= deviceMin
}

// matrixViews returns the matrices of a as [m, n] views, in row-major order
// of the batch.
func matrixViews(a *tensor.Tensor) []*tensor.Tensor {
	a = a.AsType(tensor.Float32) // the device path computes in float32, as the host path's products
	sh := a.Shape()
	m, n := sh[len(sh)-2], sh[len(sh)-1]
	count := prod(sh[:len(sh)-2])
	flat := a.Detach().Reshape(count, m, n)
	out := make([]*tensor.Tensor, count)
	for i := range out {
		out[i] = flat.Index(0, i)
	}
	return out
}

// panel64 copies the leading b columns of the m-row tensor s to the host,
// in float64, row-major (m×b).
func panel64(s *tensor.Tensor, b int) ([]float64, error) {
	devicePanels.Add(1)
	d, err := s.Narrow(-1, 0, b).Data()
	if err != nil {
		return nil, err
	}
	return to64(d), nil
}

// release frees the trailing matrices of earlier steps, once a panel read
// has waited for every op that used them, and returns ts emptied.
func release(ts []*tensor.Tensor) []*tensor.Tensor {
	for _, t := range ts {
		t.Release()
	}
	return ts[:0]
}

// cholDevice factors the batch a ([B, n, n], a tensor on a GPU backend)
// as L·Lᵀ, right-looking, all B matrices in the same device ops: for each
// panel, [A11; A21] of every matrix to the host (one copy), [L11; L21]
// back, then A22 − L21·L21ᵀ as one batched product. It returns L on the
// device and, per matrix, the order of its first leading minor that is not
// positive (≥ 0) or −1; or the input's failure. A matrix that fails
// continues with an identity panel, so that the others are unaffected.
func cholDevice(a *tensor.Tensor) (l *tensor.Tensor, minors []int, err error) {
	count, n := a.Dim(0), a.Dim(-1)
	d := tensor.On(a.Backend())
	minors = make([]int, count)
	for i := range minors {
		minors[i] = -1
	}
	s := a
	var cols, done []*tensor.Tensor
	for j := 0; j < n; j += deviceBlock {
		r, b := n-j, min(deviceBlock, n-j)
		p, err := panel32(s, b)
		if err != nil {
			return nil, nil, err
		}
		done = release(done)
		parallel(count, func(i int) {
			pi := to64(p[i*r*b : (i+1)*r*b])
			if k := lapack.CholPanel(r, b, pi); k >= 0 {
				if minors[i] < 0 {
					minors[i] = j + k
				}
				clear(pi)
				for c := range b {
					pi[c*b+c] = 1
				}
			}
			to32(p[i*r*b:(i+1)*r*b], pi)
		})
		pt := d.FromSlice(p, count, r, b)
		cols = append(cols, pt.Pad(0, [2]int{0, 0}, [2]int{j, 0}, [2]int{0, 0}))
		if r == b {
			break
		}
		l21 := pt.Narrow(1, b, r-b)
		if s != a {
			done = append(done, s)
		}
		s = s.Narrow(1, b, r-b).Narrow(2, b, r-b).Sub(l21.MatMul(mT(l21)))
	}
	release(done)
	return tensor.Concat(2, cols...), minors, nil
}

// panel32 copies the leading b columns of every matrix of the batch s
// ([B, r, c]) to the host, row-major ([B, r, b]).
func panel32(s *tensor.Tensor, b int) ([]float32, error) {
	devicePanels.Add(1)
	return s.Narrow(-1, 0, b).Data()
}

// parallel calls f(i) for i in [0, count), in parallel.
func parallel(count int, f func(i int)) {
	forEach("", nil, count, func(i int) (string, error) { f(i); return "", nil })
}

// luDevice factors the n×n a (a tensor on a GPU backend) as P·A = L·U
// with partial pivoting, right-looking: for each panel, A[j:, j:j+b] to the
// host, factored there; the panel's row interchanges applied to the
// trailing columns on the device (IndexSelect), U12 = L11⁻¹·A12 and A22 −
// L21·U12 as device products, and U12 back to the host. It returns the
// factors on the host in lapack.LU's layout and the first zero pivot (or
// −1), or the input's failure. Without wantU the U12 blocks stay on the
// device (lu then holds L and U's diagonal blocks only, enough for the
// determinant).
func luDevice(a *tensor.Tensor, wantU bool) (lu []float32, piv []int, zero int, err error) {
	n := a.Dim(-1)
	d := tensor.On(a.Backend())
	lu, piv, zero = make([]float32, n*n), make([]int, n), -1
	type rowBlock struct {
		j, b int
		u12  *tensor.Tensor
	}
	var us []rowBlock
	s := a
	var done []*tensor.Tensor
	lp := make([]int, deviceBlock)
	for j := 0; j < n; j += deviceBlock {
		r, b := n-j, min(deviceBlock, n-j)
		p, err := panel64(s, b)
		if err != nil {
			return nil, nil, -1, err
		}
		done = release(done)
		// Row-major to column-major, as LUPanel wants it.
		pc := make([]float64, r*b)
		for i := range r {
			for c := range b {
				pc[c*r+i] = p[i*b+c]
			}
		}
		if z := lapack.LUPanel(r, b, pc, lp); z >= 0 && zero < 0 {
			zero = j + z
		}
		for i := range r {
			for c := range b {
				lu[(j+i)*n+j+c] = float32(pc[c*r+i])
			}
		}
		// The interchanges: on the L columns to the left here, on the
		// trailing columns on the device by one gather of rows.
		perm := make([]float32, r)
		for i := range perm {
			perm[i] = float32(i)
		}
		for i := range b {
			piv[j+i] = j + lp[i]
			if q := lp[i]; q != i {
				x, y := lu[(j+i)*n:(j+i)*n+j], lu[(j+q)*n:(j+q)*n+j]
				for c := range x {
					x[c], y[c] = y[c], x[c]
				}
				perm[i], perm[q] = perm[q], perm[i]
			}
		}
		if r == b {
			break
		}
		nc := r - b
		s2 := s.Narrow(1, b, nc).IndexSelect(0, d.FromSlice(perm, r))
		if s != a {
			done = append(done, s)
		}
		done = append(done, s2)
		linv := d.FromSlice(lapack.InvUnitLower(r, b, pc), b, b)
		u12 := linv.MatMul(s2.Narrow(0, 0, b))
		l21 := make([]float32, nc*b)
		for i := range nc {
			for c := range b {
				l21[i*b+c] = float32(pc[c*r+b+i])
			}
		}
		s = s2.Narrow(0, b, nc).Sub(d.FromSlice(l21, nc, b).MatMul(u12))
		us = append(us, rowBlock{j, b, u12})
	}
	release(done)
	if !wantU {
		us = nil
	}
	for _, u := range us {
		x, err := u.u12.Data()
		if err != nil {
			return nil, nil, -1, err
		}
		nc := n - u.j - u.b
		for i := range u.b {
			copy(lu[(u.j+i)*n+u.j+u.b:(u.j+i+1)*n], x[i*nc:(i+1)*nc])
		}
	}
	return lu, piv, zero, nil
}

// qrDevice computes the reduced QR factorization of every matrix of the
// batch a ([B, m, n], a tensor on a GPU backend) by blocked Householder
// reflections, all B matrices in the same device ops: each panel
// A[:, j:, j:j+b] is copied to the host and factored there into R11 and
// the compact form I − V·T·Vᵀ, which goes back to the device and updates
// the trailing columns, A − V·(Tᵀ·(Vᵀ·A)), as three batched products; Q
// is accumulated on the device from the reflectors, last panel first. Q
// and R stay on the device.
func qrDevice(a *tensor.Tensor) (q, r *tensor.Tensor, err error) {
	count, m, n := a.Dim(0), a.Dim(1), a.Dim(2)
	k := min(m, n)
	d := tensor.On(a.Backend())
	type panel struct {
		j, b int
		v, t *tensor.Tensor
	}
	var panels []panel
	var rows []*tensor.Tensor
	s := a
	for j := 0; j < k; j += deviceBlock {
		mp, b := m-j, min(deviceBlock, k-j)
		p, err := panel32(s, b)
		if err != nil {
			return nil, nil, err
		}
		vs, ts, r11 := make([]float32, count*mp*b), make([]float32, count*b*b), make([]float32, count*b*b)
		parallel(count, func(i int) {
			pc := make([]float64, mp*b) // column-major, as HousePanel wants it
			for row := range mp {
				for c := range b {
					pc[c*mp+row] = float64(p[i*mp*b+row*b+c])
				}
			}
			v, t := lapack.HousePanel(mp, b, pc)
			copy(vs[i*mp*b:], v)
			copy(ts[i*b*b:], t)
			for row := range b {
				for c := row; c < b; c++ {
					r11[i*b*b+row*b+c] = float32(pc[c*mp+row])
				}
			}
		})
		v, t := d.FromSlice(vs, count, mp, b), d.FromSlice(ts, count, b, b)
		panels = append(panels, panel{j, b, v, t})
		row := d.FromSlice(r11, count, b, b)
		if nc := n - j - b; nc > 0 {
			s2 := s.Narrow(2, b, nc)
			s2 = s2.Sub(v.MatMul(mT(t).MatMul(mT(v).MatMul(s2))))
			row = tensor.Concat(2, row, s2.Narrow(1, 0, b))
			s = s2.Narrow(1, b, mp-b)
		}
		rows = append(rows, row.Pad(0, [2]int{0, 0}, [2]int{0, 0}, [2]int{j, 0}))
	}
	if k == 0 {
		return d.Zeros(count, m, 0), d.Zeros(count, 0, n), nil
	}
	r = tensor.Concat(1, rows...)
	// Q = H₀·H₁⋯I[:, :k]: qs is the block Q[:, j:, j:], grown by one panel
	// (an identity block in its top-left corner) before that panel's H.
	var qs *tensor.Tensor
	for pi := len(panels) - 1; pi >= 0; pi-- {
		pn := panels[pi]
		mp, kp := m-pn.j, k-pn.j
		if qs == nil {
			qs = d.Eye(kp).Pad(0, [2]int{0, mp - kp}, [2]int{0, 0}) // I[:, :kp], without an mp×mp identity
		} else {
			qs = qs.Pad(0, [2]int{0, 0}, [2]int{pn.b, 0}, [2]int{pn.b, 0}).Add(d.Eye(pn.b).Pad(0, [2]int{0, mp - pn.b}, [2]int{0, kp - pn.b}))
		}
		qs = qs.Sub(pn.v.MatMul(pn.t.MatMul(mT(pn.v).MatMul(qs))))
	}
	return qs, r, nil
}

// batchError is the *Error of matrix i of a batch of shape batch.
func batchError(op string, batch []int, i int, kind error, detail string) *Error {
	e := &Error{Op: op, Batch: i, Kind: kind, Detail: detail}
	if len(batch) > 0 {
		e.Index = index(batch, i)
	}
	return e
}

// deviceLU is the LU factorization of every matrix of a on the device
// path: the factors, pivots and first zero pivot (or −1) of each, or the
// input's failure.
type deviceLU struct {
	lu   [][]float32
	piv  [][]int
	zero []int
}

func luAll(a *tensor.Tensor, wantU bool) (f deviceLU, err error) {
	if err := a.Err(); err != nil {
		return f, err
	}
	for _, v := range matrixViews(a) {
		lu, piv, z, err := luDevice(v, wantU)
		if err != nil {
			return f, err
		}
		f.lu, f.piv, f.zero = append(f.lu, lu), append(f.piv, piv), append(f.zero, z)
	}
	return f, nil
}

// srcMatrix maps entry i of the broadcast batch shape batch to the index
// of the matrix it reads in an operand of batch shape own.
func srcMatrix(batch, own []int, i int) int {
	idx := index(batch, i)
	lead := len(batch) - len(own)
	j := 0
	for ax, d := range own {
		x := idx[lead+ax]
		if d == 1 {
			x = 0
		}
		j = j*d + x
	}
	return j
}

// choleskyOnDevice is Cholesky's device path.
func choleskyOnDevice(op string, a *tensor.Tensor) *tensor.Tensor {
	d := tensor.On(a.Backend())
	sh := a.Shape()
	batch := sh[:len(sh)-2]
	n := sh[len(sh)-1]
	fail := func(err error) *tensor.Tensor { return tensor.WithErr(d.Zeros(sh...), err) }
	if err := a.Err(); err != nil {
		return fail(err)
	}
	count := prod(batch)
	if count == 0 {
		return d.Zeros(sh...)
	}
	l, minors, err := cholDevice(a.Detach().Reshape(count, n, n))
	if err != nil {
		return fail(err)
	}
	for i, k := range minors {
		if k >= 0 {
			return fail(batchError(op, batch, i, ErrNotPositiveDefinite, notPositive(k)))
		}
	}
	return l.Reshape(sh...)
}

// qrOnDevice is QR's device path.
func qrOnDevice(a *tensor.Tensor) (q, r *tensor.Tensor) {
	d := tensor.On(a.Backend())
	sh := a.Shape()
	batch := sh[:len(sh)-2]
	m, n := sh[len(sh)-2], sh[len(sh)-1]
	k := min(m, n)
	qs, rs := shape(batch, m, k), shape(batch, k, n)
	if err := a.Err(); err != nil {
		return tensor.WithErr(d.Zeros(qs...), err), tensor.WithErr(d.Zeros(rs...), err)
	}
	count := prod(batch)
	if count == 0 {
		return d.Zeros(qs...), d.Zeros(rs...)
	}
	q, r, err := qrDevice(a.Detach().Reshape(count, m, n))
	if err != nil {
		return tensor.WithErr(d.Zeros(qs...), err), tensor.WithErr(d.Zeros(rs...), err)
	}
	return q.Reshape(qs...), r.Reshape(rs...)
}

// invOnDevice is Inv's device path: the LU factorization as luDevice, then
// A⁻¹ = U⁻¹·L⁻¹·P on the device. The factors go up once (n², the size of
// the result, which therefore never crosses); L⁻¹ and U⁻¹ come from
// recursive 2×2 block inversion (for lower T, X21 = −X22·T21·X11) down to
// diagonal blocks of deviceBlock, inverted on the host in float64 from its
// copy of the factors; the permutation is a gather of columns.
func invOnDevice(op string, a *tensor.Tensor) *tensor.Tensor {
	d := tensor.On(a.Backend())
	sh := a.Shape()
	batch := sh[:len(sh)-2]
	n := sh[len(sh)-1]
	fail := func(err error) *tensor.Tensor { return tensor.WithErr(d.Zeros(sh...), err) }
	if err := a.Err(); err != nil {
		return fail(err)
	}
	views := matrixViews(a)
	out := make([]*tensor.Tensor, len(views))
	for i, v := range views {
		lu, piv, zero, err := luDevice(v, true)
		if err != nil {
			return fail(err)
		}
		if zero >= 0 {
			return fail(batchError(op, batch, i, ErrSingular, singular(zero)))
		}
		// The off-diagonal blocks of L and U that the recursion reads are
		// those of the factors as they are.
		f := d.FromSlice(lu, n, n)
		linv := invTriangular(f, 0, n, true, func(o, b int) *tensor.Tensor {
			return d.FromSlice(lapack.InvBlock(lu, n, o, b, true), b, b)
		})
		uinv := invTriangular(f, 0, n, false, func(o, b int) *tensor.Tensor {
			return d.FromSlice(lapack.InvBlock(lu, n, o, b, false), b, b)
		})
		src := make([]float32, n)
		for c, r := range lapack.InvColumns(piv) {
			src[c] = float32(r)
		}
		out[i] = uinv.MatMul(linv).IndexSelect(1, d.FromSlice(src, n))
	}
	if len(out) == 1 {
		return out[0].Reshape(sh...)
	}
	return tensor.Stack(0, out...).Reshape(sh...)
}

// invTriangular inverts the n×n diagonal block at offset o of the
// triangular factor in t (L below the diagonal, U on and above it) on the
// device, recursively, with leaf
// giving the inverse of a diagonal block of at most deviceBlock.
func invTriangular(t *tensor.Tensor, o, n int, lower bool, leaf func(o, b int) *tensor.Tensor) *tensor.Tensor {
	if n <= deviceBlock {
		return leaf(o, n)
	}
	d := tensor.On(t.Backend())
	h := (n + 2*deviceBlock - 1) / (2 * deviceBlock) * deviceBlock // about n/2, whole blocks
	x11 := invTriangular(t, o, h, lower, leaf)
	x22 := invTriangular(t, o+h, n-h, lower, leaf)
	if lower {
		t21 := t.Narrow(0, o+h, n-h).Narrow(1, o, h)
		x21 := x22.MatMul(t21).MatMul(x11).Neg()
		return tensor.Concat(0, tensor.Concat(1, x11, d.Zeros(h, n-h)), tensor.Concat(1, x21, x22))
	}
	t12 := t.Narrow(0, o, h).Narrow(1, o+h, n-h)
	x12 := x11.MatMul(t12).MatMul(x22).Neg()
	return tensor.Concat(0, tensor.Concat(1, x11, x12), tensor.Concat(1, d.Zeros(n-h, h), x22))
}
