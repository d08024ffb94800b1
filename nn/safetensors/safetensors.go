// Package safetensors reads and writes the safetensors tensor file format
// (https://github.com/huggingface/safetensors).
//
// A safetensors file is:
//
//   - 8 bytes: N, the length of the header, as a little-endian uint64;
//   - N bytes: a UTF-8 JSON object mapping each tensor name to
//     {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, plus
//     an optional "__metadata__" entry holding a string-to-string map. The
//     reference writer pads the header with spaces to a multiple of 8 bytes;
//   - the byte buffer: every tensor's elements, contiguous, row-major and
//     little-endian, at [begin, end) relative to the start of the buffer.
//
// The tensors must cover the buffer exactly, without holes or overlaps.
// Read checks this and every other structural rule, and reports violations
// as *FormatError values naming the file offset and the problem.
//
// Elements stay in the file's encoding: Tensor.Data holds them as they are
// stored, whatever the dtype, so a file read and written again is the same
// bit for bit (NaN payloads included). Tensor.Convert changes the element
// type, exactly or with a documented rounding, and fails with a
// *ConvertError naming the element it cannot convert faithfully (an I64
// beyond the int32 range, an F64 beyond F32's). The package knows only the
// file format; package nn moves tensors between files and tensor.Tensor
// values (nn.SaveTensors, nn.LoadTensors, nn.Save, nn.Load).
//
// Write produces the same bytes as the reference (Rust/Python)
// implementation: no whitespace in the JSON, "__metadata__" first, tensors
// laid out in order of decreasing dtype alignment and then by name, header
// padded with spaces. The one difference is that metadata keys are sorted
// (the reference writer emits them in hash-map order), so output is
// deterministic.
package safetensors

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DType is a tensor element type, named as in the safetensors header.
type DType string

// Element types. Their order here is the reference implementation's
// alignment order, from smallest to largest.
const (
	BOOL   DType = "BOOL"
	U8     DType = "U8"
	I8     DType = "I8"
	F8E5M2 DType = "F8_E5M2"
	F8E4M3 DType = "F8_E4M3"
	I16    DType = "I16"
	U16    DType = "U16"
	F16    DType = "F16"
	BF16   DType = "BF16"
	I32    DType = "I32"
	U32    DType = "U32"
	F32    DType = "F32"
	F64    DType = "F64"
	I64    DType = "I64"
	U64    DType = "U64"
)

// dtypes lists the known types in the reference's enum order, which is the
// writer's sort key.
var dtypes = []DType{BOOL, U8, I8, F8E5M2, F8E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64}

// Size returns the size of one element in bytes, or 0 for an unknown type.
func (d DType) Size() int {
	switch d {
	case BOOL, U8, I8, F8E5M2, F8E4M3:
		return 1
	case I16, U16, F16, BF16:
		return 2
	case I32, U32, F32:
		return 4
	case F64, I64, U64:
		return 8
	}
	return 0
}

// Valid reports whether d is a known element type.
func (d DType) Valid() bool { return d.Size() != 0 }

// IsFloat reports whether d is a floating-point element type (F8_E5M2,
// F8_E4M3, F16, BF16, F32, F64).
func (d DType) IsFloat() bool {
	switch d {
	case F8E5M2, F8E4M3, F16, BF16, F32, F64:
		return true
	}
	return false
}

// rank is d's position in the reference's enum order.
func (d DType) rank() int { return slices.Index(dtypes, d) }

// MaxHeaderSize is the largest header Read accepts, as in the reference
// implementation.
const MaxHeaderSize = 100_000_000

// MetadataKey is the reserved header entry holding the free-form metadata.
const MetadataKey = "__metadata__"

// Tensor is one tensor: its element type, its shape (empty for a scalar)
// and its elements in row-major little-endian order.
type Tensor struct {
	DType DType
	Shape []int
	Data  []byte
	// Offset is the file offset of Data's first byte, set by Read, Decode
	// and ReadFile so that errors about an element can name where it is;
	// Write ignores it.
	Offset int64
}

// NumElements returns the product of the dimensions (1 for a scalar).
func (t Tensor) NumElements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// FromFloat32 returns an F32 tensor of the given shape holding data. It
// panics if len(data) does not match the shape.
func FromFloat32(shape []int, data []float32) Tensor {
	t := Tensor{DType: F32, Shape: slices.Clone(shape)}
	if n := t.NumElements(); n != len(data) || slices.ContainsFunc(shape, func(d int) bool { return d < 0 }) {
		panic(fmt.Sprintf("safetensors.FromFloat32: shape %v needs %d elements, got %d", shape, n, len(data)))
	}
	if t.Shape == nil {
		t.Shape = []int{}
	}
	t.Data = make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(t.Data[4*i:], math.Float32bits(v))
	}
	return t
}

// Float32 returns the elements of an F32, F16 or BF16 tensor as float32
// (exactly; Convert converts other dtypes).
func (t Tensor) Float32() ([]float32, error) {
	size := t.DType.Size()
	switch t.DType {
	case F32, F16, BF16:
	default:
		return nil, fmt.Errorf("safetensors: cannot convert %s tensor to float32", t.DType)
	}
	if n := t.NumElements(); n*size != len(t.Data) {
		return nil, fmt.Errorf("safetensors: %s tensor of shape %v has %d data bytes, want %d", t.DType, t.Shape, len(t.Data), n*size)
	}
	out := make([]float32, len(t.Data)/size)
	for i := range out {
		switch t.DType {
		case F32:
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
		case BF16:
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(t.Data[2*i:])) << 16)
		case F16:
			out[i] = halfToFloat32(binary.LittleEndian.Uint16(t.Data[2*i:]))
		}
	}
	return out, nil
}

// halfToFloat32 converts an IEEE 754 binary16 value.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	case mant == 0: // zero
		return math.Float32frombits(sign)
	}
	// Subnormal: mant × 2^-24.
	f := float32(mant) / (1 << 24)
	if sign != 0 {
		f = -f
	}
	return f
}

// File is the parsed content of a safetensors file.
type File struct {
	// Tensors maps names to tensors. Data slices alias the bytes that were
	// read.
	Tensors map[string]Tensor
	// Names lists the tensor names in buffer (data offset) order.
	Names []string
	// Metadata is the "__metadata__" entry, nil if the file has none.
	Metadata map[string]string
}

// FormatError reports a malformed safetensors file.
type FormatError struct {
	File   string // file name, or "" when reading from a stream
	Offset int64  // byte offset in the file where the problem is
	Msg    string // what was wrong
}

// Error returns "FILE: offset N: MSG" (with "safetensors" for an unnamed
// file).
func (e *FormatError) Error() string {
	name := e.File
	if name == "" {
		name = "safetensors"
	}
	return fmt.Sprintf("%s: offset %d: %s", name, e.Offset, e.Msg)
}

// Read reads a whole safetensors file from r. Structural errors are
// *FormatError values; I/O errors are returned as they are. Read checks the
// header length against MaxHeaderSize before it reads the header, and reads
// no more of the buffer than the header describes (plus one byte, to find
// trailing data), so a stream that claims a huge header or never ends
// fails as soon as that is known.
func Read(r io.Reader) (*File, error) { return read(r, "", -1) }

// Decode parses a safetensors file held in data. The returned tensors'
// Data slices alias data. Errors are *FormatError values.
func Decode(data []byte) (*File, error) { return decode(data, "") }

// ReadFile reads and parses the safetensors file at path; errors name it.
// The header length is checked against the file's size before anything
// else is read; a path that is not a regular file (a pipe, /dev/zero) is
// read as a stream, as by Read.
func ReadFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := int64(-1)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	return read(f, path, size)
}

// read reads a file of size bytes (-1: unknown) from r: the length, the
// header, then only as much buffer as the header implies.
func read(r io.Reader, name string, size int64) (*File, error) {
	fail := func(off int64, format string, args ...any) error {
		return &FormatError{File: name, Offset: off, Msg: fmt.Sprintf(format, args...)}
	}
	var prefix [8]byte
	if k, err := io.ReadFull(r, prefix[:]); err == io.EOF || err == io.ErrUnexpectedEOF {
		return nil, fail(0, "file of %d bytes is too short for the 8-byte header length", k)
	} else if err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint64(prefix[:])
	if n > MaxHeaderSize {
		return nil, fail(0, "header length %d exceeds the limit of %d bytes", n, MaxHeaderSize)
	}
	if size >= 0 && n > uint64(size-8) {
		return nil, fail(0, "header length %d extends beyond the end of the %d-byte file", n, size)
	}
	data := make([]byte, 8+n, 8+int64(n)+max(size-8-int64(n), 0))
	copy(data, prefix[:])
	if k, err := io.ReadFull(r, data[8:]); err == io.EOF || err == io.ErrUnexpectedEOF {
		return nil, fail(0, "header length %d extends beyond the end of the %d-byte file", n, 8+k)
	} else if err != nil {
		return nil, err
	}
	rest := io.Reader(r)
	if size >= 0 {
		rest = io.LimitReader(r, size-8-int64(n))
	} else {
		want, ok := bufferLen(data[8:])
		if !ok {
			// A header that does not parse: decode reports why, without
			// reading any further.
			return decode(data, name)
		}
		rest = io.LimitReader(r, want+1) // one more byte shows trailing data
	}
	buf := bytes.NewBuffer(data)
	if _, err := buf.ReadFrom(rest); err != nil {
		return nil, err
	}
	return decode(buf.Bytes(), name)
}

// bufferLen returns the buffer length a header describes: the largest end
// offset of its tensors. ok is false when the header does not parse; decode
// then reports the problem.
func bufferLen(header []byte) (n int64, ok bool) {
	var entries map[string]json.RawMessage
	if json.Unmarshal(header, &entries) != nil {
		return 0, false
	}
	for name, raw := range entries {
		if name == MetadataKey {
			continue
		}
		var e struct {
			Offsets []int64 `json:"data_offsets"`
		}
		if json.Unmarshal(raw, &e) != nil || len(e.Offsets) != 2 || e.Offsets[1] < 0 {
			return 0, false
		}
		n = max(n, e.Offsets[1])
	}
	return n, true
}

// entry is one tensor of the header, before buffer validation.
type entry struct {
	name       string
	at         int64 // file offset of its header entry
	t          Tensor
	begin, end int64
}

func decode(data []byte, name string) (*File, error) {
	fail := func(off int64, format string, args ...any) error {
		return &FormatError{File: name, Offset: off, Msg: fmt.Sprintf(format, args...)}
	}
	if len(data) < 8 {
		return nil, fail(0, "file of %d bytes is too short for the 8-byte header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > MaxHeaderSize {
		return nil, fail(0, "header length %d exceeds the limit of %d bytes", n, MaxHeaderSize)
	}
	if n > uint64(len(data)-8) {
		return nil, fail(0, "header length %d extends beyond the end of the %d-byte file", n, len(data))
	}
	header := data[8 : 8+n]
	buf := data[8+n:]
	bufStart := int64(8 + n)
	if !utf8.Valid(header) {
		i := 0
		for i < len(header) {
			r, size := utf8.DecodeRune(header[i:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			i += size
		}
		return nil, fail(8+int64(i), "header is not valid UTF-8")
	}
	if len(header) == 0 || header[0] != '{' {
		return nil, fail(8, "header does not start with '{'")
	}

	f := &File{Tensors: map[string]Tensor{}}
	var entries []entry
	dec := json.NewDecoder(bytes.NewReader(header))
	dec.UseNumber()
	jsonErr := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// Unmarshal reports the offset just past the offending byte,
			// which is more precise than the streaming decoder's.
			if uerr := json.Unmarshal(header, new(any)); errors.As(uerr, &se) {
				return fail(8+max(se.Offset-1, 0), "invalid JSON header: %v", uerr)
			}
			return fail(8+se.Offset, "invalid JSON header: %v", err)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return fail(bufStart, "invalid JSON header: unexpected end")
		}
		return fail(8+dec.InputOffset(), "invalid JSON header: %v", err)
	}
	if _, err := dec.Token(); err != nil { // '{', checked above
		return nil, jsonErr(err)
	}
	seen := map[string]bool{}
	for dec.More() {
		// The key starts after the separating comma and any whitespace.
		at := dec.InputOffset()
		for at < int64(len(header)) && strings.IndexByte(", \t\r\n", header[at]) >= 0 {
			at++
		}
		at += 8
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonErr(err)
		}
		key := tok.(string) // object keys are always strings
		if seen[key] {
			return nil, fail(at, "duplicate entry %q", key)
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, jsonErr(err)
		}
		if key == MetadataKey {
			var md map[string]string
			if err := json.Unmarshal(raw, &md); err != nil {
				return nil, fail(at, "%s is not an object of strings: %v", MetadataKey, err)
			}
			f.Metadata = md
			continue
		}
		e, msg := parseEntry(raw)
		if msg != "" {
			return nil, fail(at, "tensor %q: %s", key, msg)
		}
		e.name, e.at = key, at
		if e.end > int64(len(buf)) {
			return nil, fail(at, "tensor %q: data_offsets [%d, %d] extend beyond the %d-byte buffer", key, e.begin, e.end, len(buf))
		}
		entries = append(entries, e)
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil, jsonErr(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fail(8+dec.InputOffset(), "invalid JSON header: data after the top-level object")
	}

	// The tensors must tile the buffer exactly.
	sort.SliceStable(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		if a.begin != b.begin {
			return a.begin < b.begin
		}
		return a.end < b.end
	})
	var pos int64
	prev := ""
	for _, e := range entries {
		switch {
		case e.begin > pos && prev == "":
			return nil, fail(bufStart+pos, "buffer bytes [%d, %d) before tensor %q belong to no tensor", pos, e.begin, e.name)
		case e.begin > pos:
			return nil, fail(bufStart+pos, "buffer bytes [%d, %d) between tensors %q and %q belong to no tensor", pos, e.begin, prev, e.name)
		case e.begin < pos:
			return nil, fail(bufStart+e.begin, "tensor %q at [%d, %d) overlaps tensor %q ending at %d", e.name, e.begin, e.end, prev, pos)
		}
		pos = e.end
		prev = e.name
		e.t.Data = buf[e.begin:e.end:e.end]
		e.t.Offset = bufStart + e.begin
		f.Tensors[e.name] = e.t
		f.Names = append(f.Names, e.name)
	}
	if pos != int64(len(buf)) {
		return nil, fail(bufStart+pos, "buffer bytes [%d, %d) at the end belong to no tensor", pos, len(buf))
	}
	return f, nil
}

// parseEntry decodes one tensor's header entry, returning a message on
// error.
func parseEntry(raw json.RawMessage) (entry, string) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return entry{}, "entry is not an object"
	}
	for _, k := range []string{"dtype", "shape", "data_offsets"} {
		if v, ok := fields[k]; !ok || string(v) == "null" {
			return entry{}, fmt.Sprintf("missing %q", k)
		}
	}
	var e entry
	var dt string
	if err := json.Unmarshal(fields["dtype"], &dt); err != nil {
		return entry{}, "dtype is not a string"
	}
	e.t.DType = DType(dt)
	if !e.t.DType.Valid() {
		return entry{}, fmt.Sprintf("unknown dtype %q", dt)
	}
	var shape, offs []int64
	if err := json.Unmarshal(fields["shape"], &shape); err != nil {
		return entry{}, "shape is not a list of integers"
	}
	if err := json.Unmarshal(fields["data_offsets"], &offs); err != nil {
		return entry{}, "data_offsets is not a list of integers"
	}
	if len(offs) != 2 {
		return entry{}, fmt.Sprintf("data_offsets has %d values, want 2", len(offs))
	}
	e.begin, e.end = offs[0], offs[1]
	if e.begin < 0 || e.end < e.begin {
		return entry{}, fmt.Sprintf("invalid data_offsets [%d, %d]", e.begin, e.end)
	}
	e.t.Shape = make([]int, len(shape))
	nbytes := int64(e.t.DType.Size())
	for i, d := range shape {
		if d < 0 {
			return entry{}, fmt.Sprintf("negative dimension %d in shape %v", d, shape)
		}
		if d != 0 && nbytes > math.MaxInt64/d || d > math.MaxInt {
			return entry{}, fmt.Sprintf("shape %v is too large", shape)
		}
		nbytes *= d
		e.t.Shape[i] = int(d)
	}
	if span := e.end - e.begin; span != nbytes {
		return entry{}, fmt.Sprintf("%s shape %v needs %d bytes, but data_offsets [%d, %d] span %d", e.t.DType, shape, nbytes, e.begin, e.end, span)
	}
	return e, ""
}

// Write writes tensors and metadata in the safetensors format. A nil
// metadata map writes no "__metadata__" entry; a non-nil one, even empty,
// does. Tensor names must be valid UTF-8 and not "__metadata__"; each
// tensor's Data must hold exactly its shape's worth of elements.
func Write(w io.Writer, tensors map[string]Tensor, metadata map[string]string) error {
	names := make([]string, 0, len(tensors))
	for name, t := range tensors {
		if name == MetadataKey {
			return fmt.Errorf("safetensors: tensor name %q is reserved", name)
		}
		if !utf8.ValidString(name) {
			return fmt.Errorf("safetensors: tensor name %q is not valid UTF-8", name)
		}
		if !t.DType.Valid() {
			return fmt.Errorf("safetensors: tensor %q: unknown dtype %q", name, t.DType)
		}
		n := t.DType.Size()
		for _, d := range t.Shape {
			if d < 0 {
				return fmt.Errorf("safetensors: tensor %q: negative dimension in shape %v", name, t.Shape)
			}
			if d != 0 && n > math.MaxInt/d {
				return fmt.Errorf("safetensors: tensor %q: shape %v is too large", name, t.Shape)
			}
			n *= d
		}
		if n != len(t.Data) {
			return fmt.Errorf("safetensors: tensor %q: %s shape %v needs %d bytes, Data has %d", name, t.DType, t.Shape, n, len(t.Data))
		}
		names = append(names, name)
	}
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("safetensors: metadata %q: %q is not valid UTF-8", k, v)
		}
	}
	// Reference layout: decreasing alignment, then name.
	sort.Slice(names, func(i, j int) bool {
		ri, rj := tensors[names[i]].DType.rank(), tensors[names[j]].DType.rank()
		if ri != rj {
			return ri > rj
		}
		return names[i] < names[j]
	})

	var h []byte
	h = append(h, '{')
	if metadata != nil {
		h = appendString(h, MetadataKey)
		h = append(h, ":{"...)
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i > 0 {
				h = append(h, ',')
			}
			h = appendString(h, k)
			h = append(h, ':')
			h = appendString(h, metadata[k])
		}
		h = append(h, '}')
	}
	var off int
	for i, name := range names {
		if i > 0 || metadata != nil {
			h = append(h, ',')
		}
		t := tensors[name]
		h = appendString(h, name)
		h = append(h, `:{"dtype":`...)
		h = appendString(h, string(t.DType))
		h = append(h, `,"shape":[`...)
		for j, d := range t.Shape {
			if j > 0 {
				h = append(h, ',')
			}
			h = strconv.AppendInt(h, int64(d), 10)
		}
		h = append(h, `],"data_offsets":[`...)
		h = strconv.AppendInt(h, int64(off), 10)
		h = append(h, ',')
		off += len(t.Data)
		h = strconv.AppendInt(h, int64(off), 10)
		h = append(h, "]}"...)
	}
	h = append(h, '}')
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}

	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(h)))
	if _, err := w.Write(lenBuf[:]); err != nil {
		return err
	}
	if _, err := w.Write(h); err != nil {
		return err
	}
	for _, name := range names {
		if _, err := w.Write(tensors[name].Data); err != nil {
			return err
		}
	}
	return nil
}

// appendString appends s as a JSON string, escaped as the reference
// writer (serde_json) does: only '"', '\\' and control characters.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\b':
			b = append(b, `\b`...)
		case c == '\f':
			b = append(b, `\f`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\r':
			b = append(b, `\r`...)
		case c == '\t':
			b = append(b, `\t`...)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// WriteFile writes tensors and metadata to the file at path (see Write)
// without ever leaving a partial file there: it writes a temporary file in
// the same directory, syncs it to disk and renames it over path. On any
// failure the temporary file is removed and a file already at path is left
// as it was. A new file gets mode 0644; a replaced one keeps its mode. When
// path is a symbolic link, the file it points to is replaced.
func WriteFile(path string, tensors map[string]Tensor, metadata map[string]string) error {
	if err := writeFile(path, tensors, metadata); err != nil {
		return fmt.Errorf("safetensors: writing %s: %w", path, err)
	}
	return nil
}

// beforeRename, when set (by tests), runs on the written temporary file
// before it is renamed; an error it returns fails the write.
var beforeRename func(tmp *os.File) error

func writeFile(path string, tensors map[string]Tensor, metadata map[string]string) (err error) {
	target := path
	mode := os.FileMode(0o644)
	if st, err := os.Lstat(path); err == nil {
		if st.Mode()&os.ModeSymlink != 0 {
			if target, err = filepath.EvalSymlinks(path); err != nil {
				return err
			}
			if st, err = os.Stat(target); err != nil {
				return err
			}
		}
		if st.IsDir() {
			return errors.New("is a directory")
		}
		mode = st.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriter(f)
	if err = Write(bw, tensors, metadata); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Chmod(mode); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if beforeRename != nil {
		if err = beforeRename(f); err != nil {
			return err
		}
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), target); err != nil {
		return err
	}
	// Make the rename itself durable; not every system can sync a
	// directory, so a failure here is not an error.
	if d, derr := os.Open(filepath.Dir(target)); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// String returns the dtype's header name.
func (d DType) String() string { return string(d) }
