package shaders

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// Interface is what a kernel's SPIR-V says about the data the host hands
// it: the layout of its push-constant block and its specialization
// constants. The tensor backends declare the same in Go (one struct per
// block), and their tests compare the two, so a field renamed, retyped or
// reordered in GLSL fails a test instead of a GPU run.
type Interface struct {
	// Push is the push-constant block, or nil when the kernel has none.
	Push *Block
	// Spec lists the specialization constants by SpecId, ascending.
	Spec []SpecConstant
}

// Block is a push-constant block: its members in declaration order and its
// size in bytes (the end of the last member).
type Block struct {
	Members []Member
	Size    int
}

// Member is one member of a block.
type Member struct {
	Offset int    // bytes from the start of the block
	Size   int    // bytes
	Type   string // GLSL spelling: "uint", "float", "uvec4", "uint[5]", ...
}

// SpecConstant is one specialization constant.
type SpecConstant struct {
	ID      uint32
	Type    string // "uint", "int", "float" or "bool"
	Default uint32 // the default value's bits (1 or 0 for bool)
}

// Reflect returns the Interface of the named kernel.
func Reflect(name string) (*Interface, error) {
	code := Get(name)
	if code == nil {
		return nil, fmt.Errorf("shaders: no kernel %q", name)
	}
	in, err := ReflectSPIRV(code)
	if err != nil {
		return nil, fmt.Errorf("shaders: %s: %w", name, err)
	}
	return in, nil
}

// SPIR-V opcodes, decorations and storage classes Reflect reads.
const (
	opTypeBool              = 20
	opTypeInt               = 21
	opTypeFloat             = 22
	opTypeVector            = 23
	opTypeArray             = 28
	opTypeStruct            = 30
	opTypePointer           = 32
	opConstant              = 43
	opSpecConstantTrue      = 48
	opSpecConstantFalse     = 49
	opSpecConstant          = 50
	opVariable              = 59
	opDecorate              = 71
	opMemberDecorate        = 72
	decSpecID               = 1
	decArrayStride          = 6
	decOffset               = 35
	storagePushConstant     = 9
	spirvMagic          int = 0x07230203
)

// spvType is a type declared in the module.
type spvType struct {
	op      int
	width   int      // int, float: bits
	signed  bool     // int
	elem    uint32   // vector, array: element type
	count   int      // vector: components; array: length
	members []uint32 // struct
	pointee uint32   // pointer
	class   int      // pointer: storage class
}

// ReflectSPIRV parses a SPIR-V module (little-endian words) for its
// push-constant block and specialization constants.
func ReflectSPIRV(code []byte) (*Interface, error) {
	if len(code)%4 != 0 || len(code) < 20 {
		return nil, errors.New("not a SPIR-V module (size)")
	}
	words := make([]uint32, len(code)/4)
	for i := range words {
		words[i] = binary.LittleEndian.Uint32(code[4*i:])
	}
	if int(words[0]) != spirvMagic {
		return nil, errors.New("not a SPIR-V module (magic)")
	}
	types := map[uint32]*spvType{}
	constants := map[uint32]uint32{}
	specIDs := map[uint32]uint32{}      // result id -> SpecId
	offsets := map[uint32]map[int]int{} // struct -> member -> offset
	strides := map[uint32]int{}         // array -> ArrayStride
	specs := map[uint32]SpecConstant{}  // result id -> constant (without ID)
	var pushVars []uint32               // pointer types of push-constant variables
	for i := 5; i < len(words); {
		n := int(words[i] >> 16)
		op := int(words[i] & 0xffff)
		if n == 0 || i+n > len(words) {
			return nil, fmt.Errorf("malformed instruction at word %d", i)
		}
		w := words[i+1 : i+n]
		switch op {
		case opTypeBool:
			types[w[0]] = &spvType{op: op}
		case opTypeInt:
			types[w[0]] = &spvType{op: op, width: int(w[1]), signed: w[2] != 0}
		case opTypeFloat:
			types[w[0]] = &spvType{op: op, width: int(w[1])}
		case opTypeVector:
			types[w[0]] = &spvType{op: op, elem: w[1], count: int(w[2])}
		case opTypeArray:
			types[w[0]] = &spvType{op: op, elem: w[1], count: -int(w[2])} // length id, resolved below
		case opTypeStruct:
			types[w[0]] = &spvType{op: op, members: append([]uint32(nil), w[1:]...)}
		case opTypePointer:
			types[w[0]] = &spvType{op: op, class: int(w[1]), pointee: w[2]}
		case opConstant:
			constants[w[1]] = w[2]
		case opSpecConstant:
			specs[w[1]] = SpecConstant{Type: fmt.Sprint(w[0]), Default: w[2]}
		case opSpecConstantTrue, opSpecConstantFalse:
			v := uint32(0)
			if op == opSpecConstantTrue {
				v = 1
			}
			specs[w[1]] = SpecConstant{Type: "bool", Default: v}
		case opVariable:
			if int(w[2]) == storagePushConstant {
				pushVars = append(pushVars, w[0])
			}
		case opDecorate:
			switch w[1] {
			case decSpecID:
				specIDs[w[0]] = w[2]
			case decArrayStride:
				strides[w[0]] = int(w[2])
			}
		case opMemberDecorate:
			if w[2] == decOffset {
				if offsets[w[0]] == nil {
					offsets[w[0]] = map[int]int{}
				}
				offsets[w[0]][int(w[1])] = int(w[3])
			}
		}
		i += n
	}
	r := reflector{types: types, strides: strides, constants: constants}
	in := &Interface{}
	if len(pushVars) > 1 {
		return nil, fmt.Errorf("%d push-constant variables", len(pushVars))
	}
	if len(pushVars) == 1 {
		ptr := types[pushVars[0]]
		if ptr == nil || ptr.op != opTypePointer {
			return nil, errors.New("push-constant variable without a pointer type")
		}
		st := types[ptr.pointee]
		if st == nil || st.op != opTypeStruct {
			return nil, errors.New("push constants are not a block")
		}
		b := &Block{}
		for m, id := range st.members {
			off, ok := offsets[ptr.pointee][m]
			if !ok {
				return nil, fmt.Errorf("push-constant member %d has no Offset", m)
			}
			size, name, err := r.layout(id)
			if err != nil {
				return nil, fmt.Errorf("push-constant member %d: %w", m, err)
			}
			b.Members = append(b.Members, Member{Offset: off, Size: size, Type: name})
			b.Size = max(b.Size, off+size)
		}
		in.Push = b
	}
	for id, c := range specs {
		sid, ok := specIDs[id]
		if !ok {
			continue // a spec constant op result, not a settable constant
		}
		c.ID = sid
		if c.Type != "bool" {
			var typeID uint32
			fmt.Sscan(c.Type, &typeID)
			_, c.Type, _ = r.layout(typeID)
		}
		in.Spec = append(in.Spec, c)
	}
	sort.Slice(in.Spec, func(i, j int) bool { return in.Spec[i].ID < in.Spec[j].ID })
	return in, nil
}

type reflector struct {
	types     map[uint32]*spvType
	strides   map[uint32]int
	constants map[uint32]uint32
}

// layout returns the size in bytes and the GLSL name of type id.
func (r reflector) layout(id uint32) (int, string, error) {
	t := r.types[id]
	if t == nil {
		return 0, "", fmt.Errorf("unknown type %d", id)
	}
	switch t.op {
	case opTypeBool:
		return 4, "bool", nil
	case opTypeInt:
		if t.width != 32 {
			return t.width / 8, fmt.Sprintf("int%d", t.width), nil
		}
		if t.signed {
			return 4, "int", nil
		}
		return 4, "uint", nil
	case opTypeFloat:
		if t.width != 32 {
			return t.width / 8, fmt.Sprintf("float%d", t.width), nil
		}
		return 4, "float", nil
	case opTypeVector:
		size, name, err := r.layout(t.elem)
		if err != nil {
			return 0, "", err
		}
		prefix := map[string]string{"uint": "uvec", "int": "ivec", "float": "vec", "bool": "bvec"}[name]
		if prefix == "" {
			prefix = name + "vec"
		}
		return size * t.count, fmt.Sprintf("%s%d", prefix, t.count), nil
	case opTypeArray:
		length, ok := r.constants[uint32(-t.count)]
		if !ok {
			return 0, "", errors.New("array length is not a constant")
		}
		size, name, err := r.layout(t.elem)
		if err != nil {
			return 0, "", err
		}
		if s, ok := r.strides[id]; ok {
			size = s
		}
		return size * int(length), fmt.Sprintf("%s[%d]", name, length), nil
	}
	return 0, "", fmt.Errorf("type of opcode %d in a push-constant block", t.op)
}
