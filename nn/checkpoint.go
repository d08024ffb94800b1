package nn

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/vktensor/vktensor/nn/safetensors"
	"github.com/vktensor/vktensor/tensor"
)

// A checkpoint is one safetensors file holding a model's parameters under
// their names (as Save writes them), the Adam moments of each parameter
// as "optimizer.NAME.exp_avg" and "optimizer.NAME.exp_avg_sq" (PyTorch's
// names), the Float32 master copy of each 16-bit parameter as
// "optimizer.NAME.master" (so that training resumes from the same weights
// it stopped at, not from their 16-bit rounding), and in the metadata the
// number of updates of each parameter ("optimizer.NAME.step") and the
// caller's hyper-parameters as JSON ("hparams").

const (
	metaHParams = "hparams"
	metaFormat  = "format"
	formatName  = "vktensor-checkpoint-1"
)

// adamsOf returns the Adam instances of opt: one for *Adam, every group
// for *AdamGroups.
func adamsOf(opt Optimizer) ([]*Adam, error) {
	switch o := opt.(type) {
	case nil:
		return nil, nil
	case *Adam:
		return []*Adam{o}, nil
	case *AdamGroups:
		return o.Groups, nil
	}
	return nil, fmt.Errorf("nn: the state of a %T cannot be saved (Adam and AdamGroups can)", opt)
}

// SaveCheckpoint writes m's parameters, the state of opt (an *Adam or
// *AdamGroups over m's parameters, or nil) and hparams (any value
// encoding/json encodes, or nil) to path. Every tensor is written in its
// own dtype (see SaveTensors), bit for bit.
func SaveCheckpoint(path string, m Module, opt Optimizer, hparams any) error {
	ts := map[string]safetensors.Tensor{}
	meta := map[string]string{metaFormat: formatName}
	put := func(name string, t *tensor.Tensor) error {
		if _, dup := ts[name]; dup {
			return fmt.Errorf("nn.SaveCheckpoint: two tensors are named %q", name)
		}
		st, err := fileTensor(t)
		if err != nil {
			return fmt.Errorf("nn.SaveCheckpoint: %q: %w", name, err)
		}
		ts[name] = st
		return nil
	}
	ps := m.NamedParameters()
	names := map[*tensor.Tensor]string{}
	for _, p := range ps {
		if err := put(p.Name, p.Tensor); err != nil {
			return err
		}
		names[p.Tensor] = p.Name
	}
	adams, err := adamsOf(opt)
	if err != nil {
		return err
	}
	for _, a := range adams {
		for i, p := range a.params {
			name, ok := names[p]
			if !ok {
				return fmt.Errorf("nn.SaveCheckpoint: the optimizer holds a parameter %v that is not the model's", p.Shape())
			}
			if a.m[i] == nil { // no update yet: no state
				continue
			}
			if err := put("optimizer."+name+".exp_avg", a.m[i]); err != nil {
				return err
			}
			if err := put("optimizer."+name+".exp_avg_sq", a.v[i]); err != nil {
				return err
			}
			meta["optimizer."+name+".step"] = strconv.Itoa(a.steps[i])
			if a.masters[i] != nil { // a 16-bit parameter's Float32 master copy
				if err := put("optimizer."+name+".master", a.masters[i]); err != nil {
					return err
				}
			}
		}
	}
	if hparams != nil {
		js, err := json.Marshal(hparams)
		if err != nil {
			return fmt.Errorf("nn.SaveCheckpoint: hyper-parameters: %w", err)
		}
		meta[metaHParams] = string(js)
	}
	return safetensors.WriteFile(path, ts, meta)
}

// ReadHParams decodes the hyper-parameters stored in the checkpoint at
// path into v (a pointer), so that a program can build the model before
// loading its weights.
func ReadHParams(path string, v any) error {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return err
	}
	js, ok := f.Metadata[metaHParams]
	if !ok {
		return fmt.Errorf("nn.ReadHParams: %s holds no hyper-parameters", path)
	}
	if err := json.Unmarshal([]byte(js), v); err != nil {
		return fmt.Errorf("nn.ReadHParams: %s: %w", path, err)
	}
	return nil
}

// LoadCheckpoint reads the checkpoint at path into m's parameters and, if
// opt is not nil, into opt's state (an *Adam or *AdamGroups over m's
// parameters; parameters without saved state start fresh), in place.
// Parameters load as Load loads them (a float tensor of another dtype is
// converted to the parameter's); optimizer state is restored in the dtype
// it was saved in (or the one opts convert it to), master copies as
// Float32 — and a Float32 parameter whose checkpoint holds a master copy
// (a 16-bit model loaded as Float32) takes the master's values. As Load, it fails,
// changing nothing, when a parameter is missing or has another shape, or
// when the file holds model tensors m does not have.
func LoadCheckpoint(path string, m Module, opt Optimizer, opts ...LoadOption) error {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return err
	}
	if f.Metadata[metaFormat] != formatName {
		return fmt.Errorf("nn.LoadCheckpoint: %s is not a checkpoint (no %q metadata); nn.Load reads plain weights", path, formatName)
	}
	c := newLoadConfig(opts)
	// read decodes a tensor of the given shape; into is the dtype of the
	// parameter it loads into, nil for optimizer state.
	read := func(name string, shape []int, into *tensor.DType) (decoded, error) {
		t, ok := f.Tensors[name]
		if !ok {
			return decoded{}, fmt.Errorf("nn.LoadCheckpoint: %s has no tensor %q", path, name)
		}
		if !slices.Equal(t.Shape, shape) {
			return decoded{}, fmt.Errorf("nn.LoadCheckpoint: %s: tensor %q has shape %v, the model %v", path, name, t.Shape, shape)
		}
		d, err := c.decode(path, name, t, into)
		if err != nil {
			return decoded{}, fmt.Errorf("nn.LoadCheckpoint: %w", err)
		}
		if into == nil && !d.dt.IsFloat() {
			return decoded{}, fmt.Errorf("nn.LoadCheckpoint: %s: optimizer state %q is %s; it must be a float", path, name, t.DType)
		}
		return d, nil
	}
	type pending struct {
		dst     **tensor.Tensor // optimizer state slot, or nil for a parameter
		p       *tensor.Tensor
		vals    decoded
		float32 bool // the slot holds Float32 (a master copy)
	}
	var todo []pending
	ps := m.NamedParameters()
	names := map[*tensor.Tensor]string{}
	used := map[string]bool{}
	for _, p := range ps {
		dt := p.Tensor.DType()
		vals, err := read(p.Name, p.Tensor.Shape(), &dt)
		if err != nil {
			return err
		}
		todo = append(todo, pending{p: p.Tensor, vals: vals})
		names[p.Tensor] = p.Name
		used[p.Name] = true
	}
	adams, err := adamsOf(opt)
	if err != nil {
		return err
	}
	steps := map[*int]int{}
	for _, a := range adams {
		for i, p := range a.params {
			name, ok := names[p]
			if !ok {
				return fmt.Errorf("nn.LoadCheckpoint: the optimizer holds a parameter %v that is not the model's", p.Shape())
			}
			s, ok := f.Metadata["optimizer."+name+".step"]
			if !ok {
				continue
			}
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return fmt.Errorf("nn.LoadCheckpoint: %s: step of %q is %q", path, name, s)
			}
			for _, slot := range []struct {
				dst    **tensor.Tensor
				suffix string
			}{{&a.m[i], ".exp_avg"}, {&a.v[i], ".exp_avg_sq"}} {
				vals, err := read("optimizer."+name+slot.suffix, p.Shape(), nil)
				if err != nil {
					return err
				}
				todo = append(todo, pending{dst: slot.dst, p: p, vals: vals})
				used["optimizer."+name+slot.suffix] = true
			}
			steps[&a.steps[i]] = n
			// A 16-bit parameter's master copy: the optimizer's again when
			// the parameter is 16-bit, else (a model loaded as Float32)
			// the parameter's value, which it holds more precisely than
			// the saved 16-bit copy.
			mname := "optimizer." + name + ".master"
			if _, ok := f.Tensors[mname]; ok {
				vals, err := read(mname, p.Shape(), nil)
				if err != nil {
					return err
				}
				if p.DType() == tensor.Float32 {
					for k := range todo {
						if todo[k].dst == nil && todo[k].p == p {
							todo[k].vals = vals
						}
					}
				} else {
					todo = append(todo, pending{dst: &a.masters[i], p: p, vals: vals, float32: true})
				}
				used[mname] = true
			}
		}
	}
	for _, name := range f.Names {
		if !used[name] && (opt != nil || !isOptimizerName(name)) {
			return fmt.Errorf("nn.LoadCheckpoint: %s holds tensor %q, which the model and optimizer do not have", path, name)
		}
	}
	for _, w := range todo {
		src := w.vals.on(w.p.Device())
		if w.dst == nil {
			if err := w.p.Assign(src); err != nil {
				return fmt.Errorf("nn.LoadCheckpoint: %w", err)
			}
			src.Release()
			continue
		}
		if w.float32 {
			src = src.AsType(tensor.Float32)
		}
		*w.dst = tensor.Keep(src.Contiguous())
	}
	for dst, n := range steps {
		*dst = n
	}
	return nil
}

// isOptimizerName reports whether a tensor name is optimizer state.
func isOptimizerName(name string) bool {
	return len(name) > len("optimizer.") && name[:len("optimizer.")] == "optimizer."
}
