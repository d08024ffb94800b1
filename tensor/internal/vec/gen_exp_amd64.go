//go:build ignore

// gen_exp_amd64 writes exp_amd64.s: go run gen_exp_amd64.go > exp_amd64.s
//
// The exponential-based kernels evaluate in float64 lanes: four per Y
// register (AVX2) or eight per Z register (AVX-512). Their long chains of
// dependent FMAs would leave the cores waiting on latency, so each loop
// iteration interleaves several independent vectors (two with AVX2's 16
// registers, four with AVX-512's 32), instruction by instruction; the
// generator writes that interleaving out.
package main

import (
	"fmt"
	"math"
	"os"
	"strings"
)

type width struct {
	suffix     string
	wide       string // register prefix of the float64 vectors: Y or Z
	narrow     string // of the float32 half: X or Y
	lanes      int    // float64 lanes
	sets       int    // vectors interleaved per iteration
	and, or    string // bitwise instructions on float64 lanes
	acc, m, ls int    // registers: accumulators from acc, scalars m and ls
}

var widths = []width{
	{"AVX2", "Y", "X", 4, 2, "VANDPD", "VORPD", 12, 14, 15},
	{"AVX512", "Z", "Y", 8, 4, "VPANDQ", "VPORQ", 24, 30, 31},
}

// Templates: {T} {S} {R} {P} {K} {X} are one set's float64 registers,
// {NT} {NP} the float32 halves of T and P, {A} the set's accumulator,
// {M} the float32 scalar m, {LS} the float64 scalar.

// exp(T) → P for T clamped to [−120, 120]: k = round(T·log2 e) by the
// 1.5·2⁵² shifter, r = T − k·ln 2 (ln 2 in two parts, |r| ≤ 0.35), the
// Taylor polynomial of exp(r) of degree 12 (truncation below 2⁻⁵²), times
// 2ᵏ built in the exponent field (S). exppoly leaves (exp(r)−1)/r in P.
var exppoly = []string{
	"VMOVUPD ·shifter(SB), {S}",
	"VFMADD231PD ·log2e(SB), {T}, {S}",
	"VSUBPD ·shifter(SB), {S}, {P}",
	"VMOVAPD {T}, {R}",
	"VFNMADD231PD ·ln2hi(SB), {P}, {R}",
	"VFNMADD231PD ·ln2lo(SB), {P}, {R}",
	"VMOVUPD ·c12(SB), {P}",
	"VFMADD213PD ·c11(SB), {R}, {P}",
	"VFMADD213PD ·c10(SB), {R}, {P}",
	"VFMADD213PD ·c9(SB), {R}, {P}",
	"VFMADD213PD ·c8(SB), {R}, {P}",
	"VFMADD213PD ·c7(SB), {R}, {P}",
	"VFMADD213PD ·c6(SB), {R}, {P}",
	"VFMADD213PD ·c5(SB), {R}, {P}",
	"VFMADD213PD ·c4(SB), {R}, {P}",
	"VFMADD213PD ·c3(SB), {R}, {P}",
	"VFMADD213PD ·c2(SB), {R}, {P}",
	"VFMADD213PD ·one(SB), {R}, {P}",
	"VPADDQ ·bias(SB), {S}, {S}",
	"VPSLLQ $52, {S}, {S}",
}

var exp = cat(exppoly, []string{
	"VFMADD213PD ·one(SB), {R}, {P}",
	"VMULPD {S}, {P}, {P}",
})

// exp(T) − 1, accurate near 0: 2ᵏ·(exp(r) − 1) + (2ᵏ − 1), the second
// term exact.
var expm1 = cat(exppoly, []string{
	"VMULPD {R}, {P}, {P}",
	"VSUBPD ·one(SB), {S}, {R}",
	"VFMADD213PD {R}, {S}, {P}",
})

// clamp T to [lo, hi]; a NaN stays NaN (MAXPD and MINPD return their
// second source operand, here T, when either is NaN).
func clamp(lo, hi string) []string {
	return []string{
		"VMOVUPD ·" + lo + "(SB), {K}",
		"VMAXPD {T}, {K}, {T}",
		"VMOVUPD ·" + hi + "(SB), {K}",
		"VMINPD {T}, {K}, {T}",
	}
}

func cat(parts ...[]string) []string {
	var s []string
	for _, p := range parts {
		s = append(s, p...)
	}
	return s
}

// loadT converts the float32 vector at element AX+off to float64 in T.
func loadT(off string) []string { return []string{"VCVTPS2PD " + off + "(SI)(AX*4), {T}"} }

func storeP(off string) []string {
	return []string{"VCVTPD2PS{SFX} {P}, {NP}", "VMOVUPS {NP}, " + off + "(DI)(AX*4)"}
}

type kernel struct {
	name, doc, args string
	frame           string
	head            []string
	body            func(off, off8 string) []string
	tail            []string
}

var kernels = []kernel{
	{
		name: "exp", doc: "d[i] = float32(exp(float64(a[i])))", args: "(d, a *float32, n int)", frame: "$0-24",
		head: []string{"MOVQ d+0(FP), DI", "MOVQ a+8(FP), SI", "MOVQ n+16(FP), CX"},
		body: func(off, _ string) []string {
			return cat(loadT(off), clamp("expLo", "expHi"), exp, storeP(off))
		},
	},
	{
		name: "sigmoid", doc: "d[i] = float32(1/(1+exp(−float64(a[i]))))", args: "(d, a *float32, n int)", frame: "$0-24",
		head: []string{"MOVQ d+0(FP), DI", "MOVQ a+8(FP), SI", "MOVQ n+16(FP), CX"},
		body: func(off, _ string) []string {
			return cat(loadT(off), []string{"VMULPD ·mone(SB), {T}, {T}"}, clamp("expLo", "expHi"), exp,
				[]string{"VADDPD ·one(SB), {P}, {P}", "VMOVUPD ·one(SB), {K}", "VDIVPD {P}, {K}, {P}"}, storeP(off))
		},
	},
	{
		name: "tanh", doc: "d[i] = float32(tanh(float64(a[i]))), as e/(e+2) with e = exp(2x)−1,\n// the sign of x restored (for −0)", args: "(d, a *float32, n int)", frame: "$0-24",
		head: []string{"MOVQ d+0(FP), DI", "MOVQ a+8(FP), SI", "MOVQ n+16(FP), CX"},
		body: func(off, _ string) []string {
			return cat([]string{"VCVTPS2PD " + off + "(SI)(AX*4), {X}", "VADDPD {X}, {X}, {T}"}, clamp("tanhLo", "tanhHi"), expm1,
				[]string{"VADDPD ·two(SB), {P}, {K}", "VDIVPD {K}, {P}, {P}", "{AND} ·sign(SB), {X}, {K}", "{OR} {K}, {P}, {P}"}, storeP(off))
		},
	},
	{
		name: "expSum", doc: "e[i] = exp(float64(x[i] − m)), returning their sum", args: "(e *float64, x *float32, m float32, n int) float64", frame: "$0-40",
		head: []string{"MOVQ e+0(FP), DI", "MOVQ x+8(FP), SI", "VBROADCASTSS m+16(FP), {M}", "MOVQ n+24(FP), CX", "ZEROACC"},
		body: func(off, off8 string) []string {
			return cat([]string{"VMOVUPS " + off + "(SI)(AX*4), {NT}", "VSUBPS {M}, {NT}, {NT}", "VCVTPS2PD {NT}, {T}"},
				clamp("expLo", "expHi"), exp, []string{"VMOVUPD {P}, " + off8 + "(DI)(AX*8)", "VADDPD {P}, {A}, {A}"})
		},
		tail: []string{"SUMACC", "VMOVSD X0, ret+32(FP)"},
	},
	{
		name: "scaleCvt", doc: "d[i] = float32(e[i]·s)", args: "(d *float32, e *float64, s float64, n int)", frame: "$0-32",
		head: []string{"MOVQ d+0(FP), DI", "MOVQ e+8(FP), SI", "VBROADCASTSD s+16(FP), {LS}", "MOVQ n+24(FP), CX"},
		body: func(off, off8 string) []string {
			return cat([]string{"VMULPD " + off8 + "(SI)(AX*8), {LS}, {P}"}, storeP(off))
		},
	},
	{
		name: "shiftCvt", doc: "d[i] = float32(float64(x[i] − m) − ls)", args: "(d, x *float32, m float32, ls float64, n int)", frame: "$0-40",
		head: []string{"MOVQ d+0(FP), DI", "MOVQ x+8(FP), SI", "VBROADCASTSS m+16(FP), {M}", "VBROADCASTSD ls+24(FP), {LS}", "MOVQ n+32(FP), CX"},
		body: func(off, _ string) []string {
			return cat([]string{"VMOVUPS " + off + "(SI)(AX*4), {NT}", "VSUBPS {M}, {NT}, {NT}", "VCVTPS2PD {NT}, {P}", "VSUBPD {LS}, {P}, {P}"}, storeP(off))
		},
	},
}

var out strings.Builder

func p(format string, args ...any) { fmt.Fprintf(&out, format+"\n", args...) }

// subst fills a template for register set i.
func subst(w width, line string, i int) string {
	reg := func(prefix string, n int) string { return fmt.Sprintf("%s%d", prefix, n) }
	b := 6 * i
	sfx := ""
	if w.wide == "Y" {
		sfx = "Y" // VCVTPD2PSY: the assembler's name for the 256-bit source form
	}
	return strings.NewReplacer(
		"{T}", reg(w.wide, b), "{S}", reg(w.wide, b+1), "{R}", reg(w.wide, b+2),
		"{P}", reg(w.wide, b+3), "{K}", reg(w.wide, b+4), "{X}", reg(w.wide, b+5),
		"{NT}", reg(w.narrow, b), "{NP}", reg(w.narrow, b+3),
		"{A}", reg(w.wide, w.acc+i), "{M}", reg(w.narrow, w.m), "{LS}", reg(w.wide, w.ls),
		"{AND}", w.and, "{OR}", w.or, "{SFX}", sfx,
	).Replace(line)
}

// emit writes the instructions of sets vectors, interleaved line by line.
func emit(w width, k kernel, sets int) {
	lines := make([][]string, sets)
	for i := range lines {
		off := fmt.Sprintf("%d", i*w.lanes*4)
		off8 := fmt.Sprintf("%d", i*w.lanes*8)
		lines[i] = k.body(off, off8)
	}
	for j := range lines[0] {
		for i := 0; i < sets; i++ {
			p("\t%s", subst(w, lines[i][j], i))
		}
	}
}

func special(w width, line string) bool {
	switch line {
	case "ZEROACC":
		for i := 0; i < w.sets; i++ {
			r := fmt.Sprintf("%s%d", w.wide, w.acc+i)
			if w.wide == "Y" {
				p("\tVXORPD %s, %s, %s", r, r, r)
			} else {
				p("\tVPXORQ %s, %s, %s", r, r, r)
			}
		}
		return true
	case "SUMACC":
		for i := 1; i < w.sets; i++ {
			p("\tVADDPD %s%d, %s%d, %s%d", w.wide, w.acc+i, w.wide, w.acc, w.wide, w.acc)
		}
		p("\tVMOVAPD %s%d, %s0", w.wide, w.acc, w.wide)
		if w.wide == "Z" {
			p("\tVEXTRACTF64X4 $1, Z0, Y1")
			p("\tVADDPD Y1, Y0, Y0")
		}
		p("\tVEXTRACTF128 $1, Y0, X1")
		p("\tVADDPD X1, X0, X0")
		p("\tVUNPCKHPD X0, X0, X1")
		p("\tVADDSD X1, X0, X0")
		return true
	}
	return false
}

func main() {
	p("// Code generated by gen_exp_amd64.go; DO NOT EDIT.")
	p("")
	p("//go:build !purego")
	p("")
	p("#include \"textflag.h\"")
	p("")
	for _, w := range widths {
		for _, k := range kernels {
			name := k.name + w.suffix
			p("// func %s%s", name, k.args)
			p("// %s; n is a multiple of 8.", k.doc)
			p("TEXT ·%s(SB), NOSPLIT, %s", name, k.frame)
			for _, l := range k.head {
				if !special(w, l) {
					p("\t%s", subst(w, l, 0))
				}
			}
			step := w.sets * w.lanes
			p("\tXORQ AX, AX")
			p("\tMOVQ CX, BX")
			p("\tSUBQ $%d, BX", step)
			p("%sloopN:", name)
			p("\tCMPQ AX, BX")
			p("\tJGT %sloop1", name)
			emit(w, k, w.sets)
			p("\tADDQ $%d, AX", step)
			p("\tJMP %sloopN", name)
			p("%sloop1:", name)
			p("\tCMPQ AX, CX")
			p("\tJGE %sdone", name)
			emit(w, k, 1)
			p("\tADDQ $%d, AX", w.lanes)
			p("\tJMP %sloop1", name)
			p("%sdone:", name)
			for _, l := range k.tail {
				if !special(w, l) {
					p("\t%s", subst(w, l, 0))
				}
			}
			p("\tVZEROUPPER")
			p("\tRET")
			p("")
		}
	}
	p("// Constants, each repeated for eight float64 lanes.")
	p("")
	consts := []struct {
		name string
		v    float64
	}{
		{"expLo", -120}, {"expHi", 120}, {"tanhLo", -40}, {"tanhHi", 40},
		{"log2e", 1 / math.Ln2}, {"shifter", 0x1.8p52},
		{"ln2hi", math.Float64frombits(0x3FE62E42FEE00000)},
		{"ln2lo", math.Float64frombits(0x3DEA39EF35793C76)},
		{"one", 1}, {"two", 2}, {"mone", -1},
	}
	fact := 1.0
	for k := 2; k <= 12; k++ {
		fact *= float64(k)
		consts = append(consts, struct {
			name string
			v    float64
		}{fmt.Sprintf("c%d", k), 1 / fact})
	}
	word := func(name string, bits uint64) {
		for i := 0; i < 8; i++ {
			p("DATA ·%s+%d(SB)/8, $0x%016x", name, 8*i, bits)
		}
		p("GLOBL ·%s(SB), RODATA|NOPTR, $64", name)
		p("")
	}
	for _, c := range consts {
		word(c.name, math.Float64bits(c.v))
	}
	word("bias", 1023)
	word("sign", 1<<63)
	os.Stdout.WriteString(out.String())
}
