package vulkan

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/tensor/backend"
	"github.com/vktensor/vktensor/tensor/internal/raw"
)

// upload allocates a buffer holding vals and returns it as a row-major
// operand of shape.
func upload(t *testing.T, vk *Backend, vals []float32, shape ...int) backend.Strided {
	t.Helper()
	buf, err := vk.Alloc(backend.Float32, len(vals))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { vk.Free(buf) })
	if err := vk.Write(buf, 0, raw.Bytes(vals)); err != nil {
		t.Fatal(err)
	}
	if shape == nil {
		shape = []int{len(vals)}
	}
	return backend.Strided{Buf: buf, Shape: shape, Strides: rowMajor(shape)}
}

// fresh allocates an uninitialized row-major operand.
func fresh(t *testing.T, vk *Backend, shape ...int) backend.Strided {
	t.Helper()
	n := 1
	for _, d := range shape {
		n *= d
	}
	buf, err := vk.Alloc(backend.Float32, n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { vk.Free(buf) })
	return backend.Strided{Buf: buf, Shape: shape, Strides: rowMajor(shape)}
}

func readAll(vk *Backend, s backend.Strided) ([]float32, error) {
	out := make([]float32, s.Size())
	err := vk.Read(raw.Bytes(out), s)
	return out, err
}

// wantValues reads s and compares it exactly with want.
func wantValues(t *testing.T, vk *Backend, what string, s backend.Strided, want []float32) {
	t.Helper()
	got, err := readAll(vk, s)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	for i := range want {
		if got[i] != want[i] && !(math.IsNaN(float64(got[i])) && math.IsNaN(float64(want[i]))) {
			t.Fatalf("%s: element %d is %v, want %v (all: %v)", what, i, got[i], want[i], got)
		}
	}
}

// TestOpErrorStaysOnTheOp makes single ops fail at record time in each way
// a test can force (an operand beyond 32-bit indexing, a scratch buffer
// that cannot be had, a kernel that does not build) and checks that the
// failure is on the op's destination at once and on what is computed from
// it, that Read returns it while Sync does not, and that an independent
// op afterwards gives the right numbers.
func TestOpErrorStaysOnTheOp(t *testing.T) {
	vk := vkBackend(t)
	x := upload(t, vk, []float32{1, 2, 3, 4}, 2, 2)
	ones := make([]float32, 128)
	for i := range ones {
		ones[i] = 1
	}
	deep, deep2 := upload(t, vk, ones, 2, 64), upload(t, vk, ones, 64, 2)
	cases := []struct {
		name string
		fail func(dst backend.Strided) // records an op on dst that fails
		want string
	}{
		{"too large", func(dst backend.Strided) {
			// a broadcast source whose stride reaches past 2^32 elements
			far := backend.Strided{Buf: x.Buf, Shape: []int{2, 2}, Strides: []int{1 << 32, 1}}
			vk.Binary(backend.Add, dst, x, far)
		}, "32-bit"},
		{"split-K scratch", func(dst backend.Strided) {
			vk.failScratch, vk.forceSplits = true, 2
			defer func() { vk.failScratch, vk.forceSplits = false, 0 }()
			vk.MatMul(dst, deep, deep2, false) // K = 64: two slices of 32
		}, "out of device memory"},
		{"kernel", func(dst backend.Strided) {
			defer vk.exit()
			if vk.enter("Test", 1, dst) {
				vk.dispatch(vk.pipeline("no-such-kernel", 1, []uint32{64}), "x", make([]byte, 4), [3]uint32{1, 1, 1}, out(dst))
			}
		}, "no kernel"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dst := fresh(t, vk, 2, 2)
			c.fail(dst)
			err := dst.Buf.Err()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("failed op's destination: Err() = %v, want one containing %q", err, c.want)
			}
			// lineage: computed from the failed result, directly and through
			// another op
			d1, d2 := fresh(t, vk, 2, 2), fresh(t, vk, 2)
			vk.Unary(backend.Exp, d1, dst, 0, 0)
			vk.Reduce(backend.Sum, d2, d1)
			for i, d := range []backend.Strided{d1, d2} {
				if e := d.Buf.Err(); e != err {
					t.Errorf("descendant %d: Err() = %v, want %v", i, e, err)
				}
				if _, e := readAll(vk, d); e != err {
					t.Errorf("descendant %d: Read = %v, want %v", i, e, err)
				}
			}
			if _, e := readAll(vk, dst); e != err {
				t.Errorf("Read of the failed result = %v, want %v", e, err)
			}
			if e := vk.Sync(); e != nil {
				t.Errorf("Sync = %v, want nil: the backend stays usable", e)
			}
			// unrelated work is right
			y := fresh(t, vk, 2, 2)
			vk.MatMul(y, x, x, false)
			if e := y.Buf.Err(); e != nil {
				t.Fatalf("independent MatMul: %v", e)
			}
			wantValues(t, vk, "independent MatMul", y, []float32{7, 10, 15, 22})
			s := fresh(t, vk, 2)
			vk.Reduce(backend.Sum, s, x)
			wantValues(t, vk, "independent Sum", s, []float32{3, 7})
		})
	}
	if msgs := vk.Device().ValidationMessages(); len(msgs) > 0 {
		t.Fatalf("validation: %s", msgs[0])
	}
}

// TestDeviceFoundErrorLineage checks the timing and reach of an error the
// device finds (a bad index): unknown before the work ran, on the result
// and on everything computed from it (before or after the check came
// back) once a Sync or a Read waited for it, never on independent work.
func TestDeviceFoundErrorLineage(t *testing.T) {
	vk := vkBackend(t)
	src := upload(t, vk, []float32{10, 20, 30}, 3)
	for _, via := range []string{"Sync", "Read"} {
		t.Run(via, func(t *testing.T) {
			bad := upload(t, vk, []float32{0, 5, -1}, 3)
			good := upload(t, vk, []float32{2, -3, -1}, 3)
			g := fresh(t, vk, 3)
			vk.Gather(g, src, bad, 0)
			before := fresh(t, vk, 3) // computed from g before the check is back
			vk.Unary(backend.Neg, before, g, 0, 0)
			ok := fresh(t, vk, 3) // independent, recorded in the same batch
			vk.Gather(ok, src, good, 0)
			if via == "Sync" {
				if err := vk.Sync(); err != nil {
					t.Fatalf("Sync = %v, want nil (an op's failure is on its result)", err)
				}
			} else {
				_, err := readAll(vk, before)
				var ie *backend.IndexError
				if !errors.As(err, &ie) {
					t.Fatalf("Read of a descendant = %v, want an *IndexError", err)
				}
			}
			var ie *backend.IndexError
			if err := g.Buf.Err(); !errors.As(err, &ie) || ie.Op != "Gather" || ie.Index != 5 || ie.Axis != 0 || ie.Size != 3 {
				t.Fatalf("Gather with index 5 on an axis of 3: Err() = %v", err)
			}
			if got := g.Buf.Err().Error(); got != "Gather: index 5 is out of range for axis 0 of size 3" {
				t.Errorf("message %q", got)
			}
			after := fresh(t, vk, 3)
			vk.Unary(backend.Neg, after, before, 0, 0)
			for name, d := range map[string]backend.Strided{"before": before, "after": after} {
				if err := d.Buf.Err(); !errors.As(err, &ie) {
					t.Errorf("descendant recorded %s the check: Err() = %v", name, err)
				}
			}
			if err := ok.Buf.Err(); err != nil {
				t.Fatalf("independent Gather: %v", err)
			}
			wantValues(t, vk, "independent Gather", ok, []float32{30, 10, 30})
		})
	}
}

// TestDeviceLossIsSticky checks that a failure of the device itself is
// returned by Read and Sync, and carried by ops recorded afterwards.
func TestDeviceLossIsSticky(t *testing.T) {
	vk := vkBackend(t)
	b := &Backend{dev: vk.dev, info: vk.info, pipes: map[pipeKey]*gpu.Pipeline{}, chk: checker{stride: vk.chk.stride}}
	x := upload(t, b, []float32{1, 2}, 2)
	b.err = gpu.ErrClosed // stands in for a lost device
	d := fresh(t, b, 2)
	b.Unary(backend.Neg, d, x, 0, 0)
	if err := d.Buf.Err(); err != gpu.ErrClosed {
		t.Errorf("op after the device failed: Err() = %v", err)
	}
	if err := b.Sync(); err != gpu.ErrClosed {
		t.Errorf("Sync = %v", err)
	}
	if _, err := readAll(b, x); err != gpu.ErrClosed {
		t.Errorf("Read = %v", err)
	}
}

// TestCheckSlotsRecycle runs more index ops than a check block has slots,
// reading back at uneven intervals, so that blocks fill, are read back,
// zeroed and reused: every op's error must be its own (a flag left in a
// reused slot would show on a good op).
func TestCheckSlotsRecycle(t *testing.T) {
	vk := vkBackend(t)
	src := upload(t, vk, []float32{1, 2, 3}, 3)
	good, bad := upload(t, vk, []float32{0, -1}, 2), upload(t, vk, []float32{1, 3}, 2)
	const ops = 3*checkSlots + 5
	dsts := make([]backend.Strided, ops)
	for i := range dsts {
		dsts[i] = fresh(t, vk, 2)
		idx := good
		if i%9 == 4 {
			idx = bad
		}
		vk.Gather(dsts[i], src, idx, 0)
		if i%23 == 22 {
			if err := vk.Sync(); err != nil {
				t.Fatal(err)
			}
		}
		if i%31 == 30 { // a Read that depends on a check
			if _, err := readAll(vk, dsts[i]); (err != nil) != (i%9 == 4) {
				t.Fatalf("op %d: Read = %v", i, err)
			}
		}
	}
	if err := vk.Sync(); err != nil {
		t.Fatal(err)
	}
	for i, d := range dsts {
		err := d.Buf.Err()
		var ie *backend.IndexError
		if i%9 == 4 {
			if !errors.As(err, &ie) || ie.Index != 3 {
				t.Errorf("op %d (index 3): Err() = %v", i, err)
			}
		} else if err != nil {
			t.Errorf("op %d (good indices): Err() = %v", i, err)
		}
	}
}
