package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeOld(t *testing.T, path string) []byte {
	t.Helper()
	if err := WriteFile(path, map[string]Tensor{"w": FromFloat32([]int{2}, []float32{1, 2})}, nil); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return old
}

// onlyFiles fails unless dir holds exactly the named files (no temporary
// files left behind).
func onlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("directory holds %v, want %v", got, names)
	}
}

// A failed WriteFile leaves the file it would replace bit-identical.
func TestWriteFileKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.safetensors")
	old := writeOld(t, path)

	// A tensor whose data does not match its shape fails inside Write.
	bad := map[string]Tensor{"w": {DType: F32, Shape: []int{1000}, Data: make([]byte, 12)}}
	if err := WriteFile(path, bad, nil); err == nil {
		t.Fatal("WriteFile of a malformed tensor succeeded")
	}
	// A failure after the data are written (a full disk, a failed sync).
	beforeRename = func(*os.File) error { return errors.New("injected I/O error") }
	err := WriteFile(path, map[string]Tensor{"w": FromFloat32([]int{3}, []float32{7, 8, 9})}, nil)
	beforeRename = nil
	if err == nil || !strings.Contains(err.Error(), "injected I/O error") || !strings.Contains(err.Error(), path) {
		t.Fatalf("WriteFile with a failing write: %v", err)
	}
	if now, err := os.ReadFile(path); err != nil || !bytes.Equal(now, old) {
		t.Fatalf("the old file changed after failed writes (err %v)", err)
	}
	onlyFiles(t, dir, "w.safetensors")

	// A successful write replaces it and keeps its mode.
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, map[string]Tensor{"w": FromFloat32([]int{3}, []float32{7, 8, 9})}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(path)
	if err != nil || len(f.Tensors["w"].Shape) != 1 || f.Tensors["w"].Shape[0] != 3 {
		t.Fatalf("after replacing: %v, %v", f, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v after replacing, want 0600", st.Mode().Perm())
	}
	onlyFiles(t, dir, "w.safetensors")
}

func TestWriteFileDestinations(t *testing.T) {
	dir := t.TempDir()
	ts := map[string]Tensor{"w": FromFloat32([]int{1}, []float32{1})}
	if err := WriteFile(filepath.Join(dir, "missing", "w.safetensors"), ts, nil); err == nil {
		t.Error("WriteFile into a missing directory succeeded")
	}
	if err := WriteFile(dir, ts, nil); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("WriteFile onto a directory: %v", err)
	}
	onlyFiles(t, dir)

	// Through a symbolic link the file it names is replaced; the link stays.
	real := filepath.Join(dir, "real.safetensors")
	writeOld(t, real)
	link := filepath.Join(dir, "link.safetensors")
	if err := os.Symlink("real.safetensors", link); err != nil {
		t.Skip(err)
	}
	if err := WriteFile(link, map[string]Tensor{"v": FromFloat32([]int{1}, []float32{5})}, nil); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced by a file")
	}
	if f, err := ReadFile(real); err != nil || f.Tensors["v"].Data == nil {
		t.Errorf("the linked file was not replaced: %v", err)
	}
}

// countingReader serves a prefix, then endless filler bytes, and counts.
type countingReader struct {
	prefix []byte
	fill   byte
	n      int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		if r.n < int64(len(r.prefix)) {
			p[i] = r.prefix[r.n]
		} else {
			p[i] = r.fill
		}
		r.n++
	}
	return len(p), nil
}

func lengthPrefix(n uint64, header string) []byte {
	b := binary.LittleEndian.AppendUint64(nil, n)
	return append(b, header...)
}

// Read checks the header length before it reads the header, and reads no
// more buffer than the header describes.
func TestReadBounds(t *testing.T) {
	r := &countingReader{prefix: lengthPrefix(1<<40, "")}
	if _, err := Read(r); err == nil || !strings.Contains(err.Error(), "exceeds the limit") {
		t.Errorf("header of 2^40 bytes: %v", err)
	}
	if r.n > 64<<10 {
		t.Errorf("read %d bytes before refusing a 2^40-byte header", r.n)
	}
	// Endless zeros (like /dev/zero): header length 0.
	r = &countingReader{}
	if _, err := Read(r); err == nil {
		t.Error("endless zeros read as a file")
	}
	if r.n > 64<<10 {
		t.Errorf("read %d bytes of endless zeros", r.n)
	}
	// A valid header followed by endless data: trailing data, found after
	// the 4 bytes the header describes.
	h := `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`
	r = &countingReader{prefix: lengthPrefix(uint64(len(h)), h), fill: 1}
	if _, err := Read(r); err == nil {
		t.Error("endless data after a 4-byte buffer accepted")
	}
	if r.n > 64<<10 {
		t.Errorf("read %d bytes of a stream whose header describes 4", r.n)
	}
	// A short stream claiming a large header.
	if _, err := Read(bytes.NewReader(lengthPrefix(50_000_000, "{}"))); err == nil || !strings.Contains(err.Error(), "beyond the end") {
		t.Errorf("header longer than the stream: %v", err)
	}
	// A file claiming a header longer than the file: refused from its size.
	path := filepath.Join(t.TempDir(), "short.safetensors")
	if err := os.WriteFile(path, lengthPrefix(99_000_000, "{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(path); err == nil || !strings.Contains(err.Error(), "beyond the end of the 10-byte file") || !strings.Contains(err.Error(), path) {
		t.Errorf("header longer than the file: %v", err)
	}
}

func TestReadFileDevZero(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip(err)
	}
	start := time.Now()
	_, err := ReadFile("/dev/zero")
	var fe *FormatError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "/dev/zero") {
		t.Errorf("ReadFile(/dev/zero): %v, want a *FormatError naming it", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("ReadFile(/dev/zero) took %v", d)
	}
	t.Log(err)
}
