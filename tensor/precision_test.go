package tensor

import (
	"math"
	"testing"

	"github.com/vktensor/vktensor/tensor/cpu"
)

// TestMatMulPrecisionSetting checks the fallback (a backend without
// reduced precisions keeps Highest), ParsePrecision, and that MatMul,
// Linear and their gradients follow the device's precision.
func TestMatMulPrecisionSetting(t *testing.T) {
	plain := On(&CountingBackend{Backend: cpu.New()})
	if got := plain.SetMatMulPrecision(PrecisionMedium); got != PrecisionHighest || plain.MatMulPrecision() != PrecisionHighest {
		t.Errorf("a backend without PreciseMatMul runs %v", got)
	}
	for _, s := range []string{"highest", "high", "medium"} {
		if p, err := ParsePrecision(s); err != nil || p.String() != s {
			t.Errorf("ParsePrecision(%q) = %v, %v", s, p, err)
		}
	}
	if _, err := ParsePrecision("tf32"); err == nil {
		t.Error("ParsePrecision of an unknown name: no error")
	}
	d := On(cpu.New())
	defer d.SetMatMulPrecision(PrecisionHighest)
	r := NewRNG(1)
	x := d.Normal(r, 0, 1, 6, 40)
	w := d.Normal(r, 0, 1, 3, 40).SetRequiresGrad(true)
	want, _ := x.MatMul(w.T()).Data()
	for _, p := range []Precision{PrecisionHigh, PrecisionMedium} {
		if got := d.SetMatMulPrecision(p); got != p {
			t.Fatalf("CPU runs %v for %v", got, p)
		}
		mm, _ := x.MatMul(w.T()).Data()
		lin, _ := Linear(x, w, nil).Data()
		worst := 0.0
		for i := range want {
			if mm[i] != lin[i] {
				t.Fatalf("%v: MatMul %v and Linear %v differ at %d", p, mm[i], lin[i], i)
			}
			worst = max(worst, math.Abs(float64(mm[i]-want[i])))
		}
		if p == PrecisionMedium && worst == 0 {
			t.Error("Medium gives Highest's numbers: the precision was not applied")
		}
		if worst > 0.05 {
			t.Errorf("%v: off by %v", p, worst)
		}
		if err := Linear(x, w, nil).Sum().Backward(); err != nil {
			t.Fatal(err)
		}
	}
}
