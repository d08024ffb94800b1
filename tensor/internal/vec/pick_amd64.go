//go:build !purego

package vec

import (
	"os"

	"golang.org/x/sys/cpu"
)

//go:generate sh -c "go run gen_amd64.go > vec_amd64.s && go run gen_exp_amd64.go > exp_amd64.s"

// pick returns the AVX-512 kernels when the CPU (and the OS, which cpu
// checks) supports AVX-512F, else the AVX2/FMA ones, else the portable
// ones.
func pick() *kernelSet {
	switch {
	case cpu.X86.HasAVX512F && os.Getenv("VKT_NO_AVX512") == "":
		return avx512Set()
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return avx2Set()
	}
	return &kernelSet{name: "go", lanes: 1}
}

func avx2Set() *kernelSet {
	return &kernelSet{name: "avx2", lanes: 8,
		vv:    [numOps]func(d, a, b *float32, n int){addVVAVX2, subVVAVX2, mulVVAVX2, divVVAVX2, maxVVAVX2, minVVAVX2},
		vs:    [numOps]func(d, a *float32, s float32, n int){addVSAVX2, subVSAVX2, mulVSAVX2, divVSAVX2, maxVSAVX2, minVSAVX2},
		sv:    [numOps]func(d *float32, s float32, a *float32, n int){addSVAVX2, subSVAVX2, mulSVAVX2, divSVAVX2, maxSVAVX2, minSVAVX2},
		sum64: sum64AVX2, acc64: acc64AVX2, acc64x4: acc64AVX2, acc4Rows: acc4RowsAVX2, extreme: extremeAVX2,
		exp: expAVX2, sigmoid: sigmoidAVX2, tanh: tanhAVX2,
		expSum: expSumAVX2, scaleCvt: scaleCvtAVX2, shiftCvt: shiftCvtAVX2, expSum32: expSum32AVX2,
		transpose8: transpose8AVX2,
		gtScalar:   gtScalarAVX2, pairsEq: pairsEqAVX2, pairsMul: pairsMulAVX2,
	}
}

func avx512Set() *kernelSet {
	return &kernelSet{name: "avx512", lanes: 16,
		vv:    [numOps]func(d, a, b *float32, n int){addVVAVX512, subVVAVX512, mulVVAVX512, divVVAVX512, maxVVAVX512, minVVAVX512},
		vs:    [numOps]func(d, a *float32, s float32, n int){addVSAVX512, subVSAVX512, mulVSAVX512, divVSAVX512, maxVSAVX512, minVSAVX512},
		sv:    [numOps]func(d *float32, s float32, a *float32, n int){addSVAVX512, subSVAVX512, mulSVAVX512, divSVAVX512, maxSVAVX512, minSVAVX512},
		sum64: sum64AVX512, acc64: acc64AVX512, acc64x4: acc64AVX2, acc4Rows: acc4RowsAVX512, extreme: extremeAVX2,
		exp: expAVX512, sigmoid: sigmoidAVX512, tanh: tanhAVX512,
		expSum: expSumAVX512, scaleCvt: scaleCvtAVX512, shiftCvt: shiftCvtAVX512, expSum32: expSum32AVX512,
		transpose8: transpose8AVX2,
		gtScalar:   gtScalarAVX2, pairsEq: pairsEqAVX2, pairsMul: pairsMulAVX2,
	}
}

// available lists every kernel set this CPU can run, for the tests.
func available() []*kernelSet {
	var s []*kernelSet
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		s = append(s, avx2Set())
	}
	if cpu.X86.HasAVX512F {
		s = append(s, avx512Set())
	}
	return s
}
