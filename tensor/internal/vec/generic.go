package vec

// The portable kernels: the fallback, the tails of the assembly ones, and
// the reference the tests compare them to.

func binaryGo(op Op, d, a, b []float32) {
	b = b[:len(d)]
	a = a[:len(d)]
	switch op {
	case Add:
		for i := range d {
			d[i] = a[i] + b[i]
		}
	case Sub:
		for i := range d {
			d[i] = a[i] - b[i]
		}
	case Mul:
		for i := range d {
			d[i] = a[i] * b[i]
		}
	case Div:
		for i := range d {
			d[i] = a[i] / b[i]
		}
	default:
		for i := range d {
			d[i] = op.Apply(a[i], b[i])
		}
	}
}

func binaryScalarGo(op Op, d, a []float32, s float32) {
	a = a[:len(d)]
	switch op {
	case Add:
		for i := range d {
			d[i] = a[i] + s
		}
	case Sub:
		for i := range d {
			d[i] = a[i] - s
		}
	case Mul:
		for i := range d {
			d[i] = a[i] * s
		}
	case Div:
		for i := range d {
			d[i] = a[i] / s
		}
	default:
		for i := range d {
			d[i] = op.Apply(a[i], s)
		}
	}
}

func scalarBinaryGo(op Op, d []float32, s float32, b []float32) {
	b = b[:len(d)]
	switch op {
	case Sub:
		for i := range d {
			d[i] = s - b[i]
		}
	case Div:
		for i := range d {
			d[i] = s / b[i]
		}
	default:
		for i := range d {
			d[i] = op.Apply(s, b[i])
		}
	}
}
