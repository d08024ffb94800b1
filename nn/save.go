package nn

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/vktensor/vktensor/nn/safetensors"
	"github.com/vktensor/vktensor/tensor"
)

// fileDTypes maps each tensor dtype to its safetensors dtype.
var fileDTypes = map[tensor.DType]safetensors.DType{
	tensor.Float32:  safetensors.F32,
	tensor.Float16:  safetensors.F16,
	tensor.BFloat16: safetensors.BF16,
	tensor.Int32:    safetensors.I32,
}

// tensorDType returns the tensor dtype of safetensors dtype d, if it has
// one.
func tensorDType(d safetensors.DType) (tensor.DType, bool) {
	for dt, fd := range fileDTypes {
		if fd == d {
			return dt, true
		}
	}
	return 0, false
}

// A LoadOption changes how LoadTensors, Load and LoadCheckpoint read a
// file.
type LoadOption func(*loadConfig)

type loadConfig struct {
	convert map[safetensors.DType]tensor.DType
}

// ConvertDType makes a load convert the file's tensors of dtype from to
// dtype to, by the rules of safetensors.Tensor.Convert, for instance
// ConvertDType(safetensors.I64, tensor.Int32) for token ids (exact, failing
// on a value beyond the int32 range) or ConvertDType(safetensors.F64,
// tensor.Float32). It may also change one of the four dtypes that load
// as they are (ConvertDType(safetensors.F32, tensor.BFloat16)).
func ConvertDType(from safetensors.DType, to tensor.DType) LoadOption {
	return func(c *loadConfig) {
		if c.convert == nil {
			c.convert = map[safetensors.DType]tensor.DType{}
		}
		c.convert[from] = to
	}
}

func newLoadConfig(opts []LoadOption) *loadConfig {
	c := &loadConfig{}
	for _, o := range opts {
		o(c)
	}
	return c
}

// hostLittle is whether the host's byte order, the one of tensor.Bytes, is
// little-endian as safetensors files are.
var hostLittle = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// swapOrder reverses the bytes of each size-byte element of b in place,
// converting between little-endian and a big-endian host's order.
func swapOrder(b []byte, size int) {
	if hostLittle || size == 1 {
		return
	}
	for i := 0; i+size <= len(b); i += size {
		slices.Reverse(b[i : i+size])
	}
}

// fileTensor returns t's elements as a safetensors tensor of its dtype.
func fileTensor(t *tensor.Tensor) (safetensors.Tensor, error) {
	fd, ok := fileDTypes[t.DType()]
	if !ok {
		return safetensors.Tensor{}, fmt.Errorf("%s tensors have no safetensors dtype", t.DType())
	}
	data, err := t.Bytes()
	if err != nil {
		return safetensors.Tensor{}, err
	}
	swapOrder(data, t.DType().Size())
	return safetensors.Tensor{DType: fd, Shape: t.Shape(), Data: data}, nil
}

// decoded is a file tensor converted for loading: its dtype and host-order
// elements.
type decoded struct {
	dt   tensor.DType
	data []byte
	dims []int
}

// decode converts st, the tensor name of the file path, to a tensor dtype:
// its own or the one c names, and then, when into is not nil, *into (the
// dtype of the parameter it loads into; only a float converts to another).
func (c *loadConfig) decode(path, name string, st safetensors.Tensor, into *tensor.DType) (decoded, error) {
	dt, ok := c.convert[st.DType]
	if !ok {
		if dt, ok = tensorDType(st.DType); !ok {
			hint := "tensor.Int32) (exact, range-checked) or tensor.Float32 (rounded)"
			if st.DType.IsFloat() {
				hint = "tensor.Float32) (rounded, range-checked)"
			}
			return decoded{}, fmt.Errorf("%s: tensor %q is %s, which has no tensor dtype; load it with a conversion such as nn.ConvertDType(safetensors.%s, %s", path, name, st.DType, goName(st.DType), hint)
		}
	}
	if !dt.Valid() {
		return decoded{}, fmt.Errorf("%s: tensor %q: ConvertDType names %v, which is not a tensor dtype", path, name, dt)
	}
	if into != nil && dt != *into {
		if !dt.IsFloat() || !into.IsFloat() {
			return decoded{}, fmt.Errorf("%s: tensor %q is %s (loading as %s), the parameter %s: only float dtypes convert into a parameter", path, name, st.DType, dt, *into)
		}
		dt = *into
	}
	conv, err := st.Convert(fileDTypes[dt])
	if err != nil {
		if ce, ok := err.(*safetensors.ConvertError); ok && ce.Index >= 0 {
			return decoded{}, fmt.Errorf("%s: tensor %q: offset %d: %w", path, name, st.Offset+int64(ce.Index*st.DType.Size()), err)
		}
		return decoded{}, fmt.Errorf("%s: tensor %q: %w", path, name, err)
	}
	data := conv.Data
	if !hostLittle {
		data = slices.Clone(data)
		swapOrder(data, dt.Size())
	}
	return decoded{dt: dt, data: data, dims: st.Shape}, nil
}

// goName is the name of d's constant in package safetensors.
func goName(d safetensors.DType) string {
	switch d {
	case safetensors.F8E5M2:
		return "F8E5M2"
	case safetensors.F8E4M3:
		return "F8E4M3"
	}
	return string(d)
}

// on makes the tensor on dev.
func (d decoded) on(dev *tensor.Device) *tensor.Tensor {
	return dev.FromBytes(d.dt, d.data, d.dims...)
}

// SaveTensors writes ts to path as a safetensors file (atomically, as
// safetensors.WriteFile), with metadata (nil: none). Each tensor is written
// in its own dtype, its elements' bits unchanged (NaN payloads too); the
// dtypes of the two packages correspond as
//
//	tensor    safetensors
//	Float32   F32
//	Float16   F16
//	BFloat16  BF16
//	Int32     I32
//
// and LoadTensors, Save, Load, SaveCheckpoint and LoadCheckpoint use the
// same table.
func SaveTensors(path string, ts map[string]*tensor.Tensor, metadata map[string]string) error {
	out := make(map[string]safetensors.Tensor, len(ts))
	for name, t := range ts {
		st, err := fileTensor(t)
		if err != nil {
			return fmt.Errorf("nn.SaveTensors: tensor %q: %w", name, err)
		}
		out[name] = st
	}
	return safetensors.WriteFile(path, out, metadata)
}

// LoadTensors reads every tensor of the safetensors file at path onto dev
// (nil: tensor.Default()) and returns them with the file's metadata (nil
// if it has none). F32, F16, BF16 and I32 tensors load as Float32,
// Float16, BFloat16 and Int32 tensors holding the file's bits. A tensor of
// another dtype (I64, F64, U8, BOOL, ...) has no tensor dtype: loading it
// fails with an error naming the file, the tensor, its dtype and the
// ConvertDType option to pass, unless opts name a conversion for its
// dtype. Conversions follow safetensors.Tensor.Convert: integers exactly
// (an I64 outside the int32 range fails, the error naming the element,
// its value and its file offset), floats rounded to nearest even in one
// rounding (a finite value beyond the target's range fails rather than
// become Inf), float to Int32 refused. Nothing is allocated on an error.
func LoadTensors(path string, dev *tensor.Device, opts ...LoadOption) (map[string]*tensor.Tensor, map[string]string, error) {
	if dev == nil {
		dev = tensor.Default()
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	c := newLoadConfig(opts)
	ds := make([]decoded, len(f.Names))
	for i, name := range f.Names {
		if ds[i], err = c.decode(path, name, f.Tensors[name], nil); err != nil {
			return nil, nil, fmt.Errorf("nn.LoadTensors: %w", err)
		}
	}
	out := make(map[string]*tensor.Tensor, len(ds))
	for i, name := range f.Names {
		out[name] = ds[i].on(dev)
	}
	return out, f.Metadata, nil
}

// Save writes the parameters of m to path as a safetensors file of tensors
// named by m.NamedParameters ("0.weight", ...), the layout PyTorch's
// safetensors.torch.save_file gives a state dict, each in the parameter's
// dtype (a BFloat16 parameter is written as BF16).
func Save(path string, m Module) error {
	ts := map[string]safetensors.Tensor{}
	for _, p := range m.NamedParameters() {
		if _, dup := ts[p.Name]; dup {
			return fmt.Errorf("nn.Save: two parameters are named %q", p.Name)
		}
		st, err := fileTensor(p.Tensor)
		if err != nil {
			return fmt.Errorf("nn.Save: parameter %q: %w", p.Name, err)
		}
		ts[p.Name] = st
	}
	return safetensors.WriteFile(path, ts, nil)
}

// Load reads the safetensors file at path into the parameters of m, in
// place (their storage, dtype and role in optimizers stay the same). A
// file tensor of the parameter's dtype loads bit for bit; one of another
// float dtype (F32, F16, BF16, or one that opts convert to a float) is
// converted to the parameter's dtype as PyTorch's load_state_dict does:
// exactly when widening, else rounded to nearest even, a value beyond the
// parameter dtype's range being an error. Integer and float do not mix.
// As PyTorch's strict load_state_dict, it fails, leaving m unchanged, when
// a parameter is missing from the file or has another shape there, or
// when the file holds tensors m does not have.
func Load(path string, m Module, opts ...LoadOption) error {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return err
	}
	c := newLoadConfig(opts)
	ps := m.NamedParameters()
	vals := make([]decoded, len(ps))
	seen := map[string]bool{}
	for i, p := range ps {
		t, ok := f.Tensors[p.Name]
		if !ok {
			return fmt.Errorf("nn.Load: %s has no tensor %q", path, p.Name)
		}
		if !slices.Equal(t.Shape, p.Tensor.Shape()) {
			return fmt.Errorf("nn.Load: %s: tensor %q has shape %v, the parameter %v", path, p.Name, t.Shape, p.Tensor.Shape())
		}
		dt := p.Tensor.DType()
		if vals[i], err = c.decode(path, p.Name, t, &dt); err != nil {
			return fmt.Errorf("nn.Load: %w", err)
		}
		seen[p.Name] = true
	}
	for _, name := range f.Names {
		if !seen[name] {
			return fmt.Errorf("nn.Load: %s holds tensor %q, which the module does not have", path, name)
		}
	}
	for i, p := range ps {
		src := vals[i].on(p.Tensor.Device())
		if err := p.Tensor.Assign(src); err != nil {
			return fmt.Errorf("nn.Load: parameter %q: %w", p.Name, err)
		}
		src.Release() // the parameter holds the values now
	}
	return nil
}
