package nn

import (
	"fmt"
	"slices"

	"github.com/vktensor/vktensor/nn/safetensors"
)

// Save writes the parameters of m to path as a safetensors file of F32
// tensors named by m.NamedParameters ("0.weight", ...), the layout PyTorch's
// safetensors.torch.save_file gives a state dict.
func Save(path string, m Module) error {
	ts := map[string]safetensors.Tensor{}
	for _, p := range m.NamedParameters() {
		if _, dup := ts[p.Name]; dup {
			return fmt.Errorf("nn.Save: two parameters are named %q", p.Name)
		}
		data, err := p.Tensor.Data()
		if err != nil {
			return fmt.Errorf("nn.Save: parameter %q: %w", p.Name, err)
		}
		ts[p.Name] = safetensors.FromFloat32(p.Tensor.Shape(), data)
	}
	return safetensors.WriteFile(path, ts, nil)
}

// Load reads the safetensors file at path into the parameters of m, in
// place (their storage and role in optimizers stay the same). F32, F16 and
// BF16 tensors are accepted. As PyTorch's strict load_state_dict, it fails,
// leaving m unchanged, when a parameter is missing from the file or has
// another shape there, or when the file holds tensors m does not have.
func Load(path string, m Module) error {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return err
	}
	ps := m.NamedParameters()
	vals := make([][]float32, len(ps))
	seen := map[string]bool{}
	for i, p := range ps {
		t, ok := f.Tensors[p.Name]
		if !ok {
			return fmt.Errorf("nn.Load: %s has no tensor %q", path, p.Name)
		}
		if !slices.Equal(t.Shape, p.Tensor.Shape()) {
			return fmt.Errorf("nn.Load: %s: tensor %q has shape %v, the parameter %v", path, p.Name, t.Shape, p.Tensor.Shape())
		}
		if vals[i], err = t.Float32(); err != nil {
			return fmt.Errorf("nn.Load: %s: tensor %q: %w", path, p.Name, err)
		}
		seen[p.Name] = true
	}
	for _, name := range f.Names {
		if !seen[name] {
			return fmt.Errorf("nn.Load: %s holds tensor %q, which the module does not have", path, name)
		}
	}
	for i, p := range ps {
		src := p.Tensor.Device().FromSlice(vals[i], len(vals[i]))
		if err := p.Tensor.Assign(src.Reshape(p.Tensor.Shape()...)); err != nil {
			return fmt.Errorf("nn.Load: parameter %q: %w", p.Name, err)
		}
		src.Release() // the parameter holds the values now
	}
	return nil
}
