#!/usr/bin/env python3
"""Writes docs/tour.md from the Examples in tour/*_test.go and the prose
below: every Go block of the tour is an Example body (tour/md_test.go
checks they stay identical). Run: python3 scripts/tour-md.py"""
import re, pathlib

root = pathlib.Path(__file__).resolve().parent.parent
src = "".join((root / "tour" / f).read_text() for f in ["tour_test.go", "linalg_test.go"])
ex = {}
for m in re.finditer(r'func (Example_\w+)\(\) \{\n(.*?)\n\}\n', src, re.S):
    ex[m.group(1)] = "\n".join(l[1:] if l.startswith("\t") else l for l in m.group(2).split("\n"))

sections = [
 ("Example_a_linearity", "a. Linear and non-linear", """A map of the plane is *linear* when it sends sums to sums and multiples to
multiples: f(a + b) = f(a) + f(b) and f(c·a) = c·f(a). Everything that follows
rests on this. f(x, y) = (x + 3y, y − 2x) passes both tests; g(x, y) = (x², sin y)
fails both (squares do not add, sines do not scale). tensor has no `Sin` op
yet, so the check runs on plain Go slices."""),
 ("Example_b_matrixOfAMap", "b. The matrix of a linear map", """Every vector is x·e₁ + y·e₂, so a linear map is fixed by where it sends the
unit vectors e₁ = (1, 0) and e₂ = (0, 1): f(x, y) = x·f(e₁) + y·f(e₂). Write
f(e₁) and f(e₂) as the *columns* of a matrix and applying f becomes a matrix
product — that is where the row-times-column rule comes from."""),
 ("Example_c_composition", "c. Composition is the product", """Applying h and then f is again linear, so it has a matrix, and its columns
are f(h(e₁)) and f(h(e₂)). Working them out gives the product F·H: the
product of matrices *is* the composition of maps, which is why it is
associative and not commutative."""),
 ("Example_d_relu", "d. ReLU, and why networks need it", """ReLU(x) = max(x, 0), elementwise, is linear on each side of 0 but not
across it. Two linear layers in a row compose into one linear layer (the
product of their matrices, and a combined bias), so depth alone adds
nothing; a ReLU between them breaks the composition, and that is what lets
a network draw curved decision boundaries."""),
 ("Example_e_broadcasting", "e. Broadcasting, step by step", """Adding a bias to every row of a batch is not a matrix operation, but it is
everywhere in networks. NumPy's broadcasting rule makes it one line: align
the shapes at the right; an axis of size 1 (or a missing one) stretches to
the other operand's size. vktensor does it with a stride of 0, so nothing is
copied. A column [2, 1] times a row [3] broadcasts both ways: an outer
product."""),
 ("Example_f_derivative", "f. The derivative is the best local linear map", """Near a point p, a smooth map q is almost linear: q(p + d) ≈ q(p) + J·d,
where J, the *Jacobian*, holds the partial derivatives. Autograd computes J
one row per backward pass (the gradient of one output); central finite
differences give its columns and agree. For a composition r∘q the
Jacobians multiply, J(r∘q) = J(r)·J(q) — the chain rule, with the product of
section c. Backpropagation is this product, evaluated from the loss
backwards so that each step multiplies a row vector by a matrix."""),
 ("Example_g_regression", "g. Linear regression, three ways", """Fitting y ≈ X·w by least squares is linear algebra: the best w makes the
residual orthogonal to X's columns, Xᵀ(X·w − y) = 0 — the *normal
equations* XᵀX·w = Xᵀy, one `linalg.Solve`. `linalg.Lstsq` solves the same
problem through X = Q·R without forming XᵀX, whose condition number is the
square of X's. And gradient descent on the mean squared error, with the
autograd of section f, walks to the same w."""),
 ("Example_h_pca", "h. PCA: the eigen-digits", """The covariance matrix of MNIST's 784 pixels is symmetric, so it has an
orthonormal basis of eigenvectors (`linalg.Eigh`); those with the largest
eigenvalues are the directions in which the digits vary most — the
*principal components*. Projecting every image on the top 50 turns 784
numbers into 50 and keeps most of the variance; a linear classifier on
those 50 still reads the digits. `go run ./tour/eigendigits -o
docs/eigendigits.png` draws the top 16 (orange positive, blue negative):

![the top 16 principal components of MNIST](eigendigits.png)"""),
 ("Example_i_hessian", "i. Minimum or saddle: the Hessian's eigenvalues", """Where the gradient vanishes, the second derivatives decide: the Hessian H
(the Jacobian of the gradient) is symmetric, and along its eigenvectors the
loss curves with its eigenvalues. All of them ≥ 0: every direction goes up,
a minimum. Some negative: a *saddle*, a way down remains — in networks,
where symmetric weights make many gradients vanish, most critical points
are saddles. H·v needs no Hessian: the difference of two gradients does
it, and power iteration turns such products into the extreme eigenvalues."""),
 ("Example_j_toMNIST", "j. From here to the MNIST network", """The classifier of `cmd/mnist-gpu` is sections b–f at scale: 784 pixel
values in, a linear map to 1024, ReLU, another to 1024, ReLU, a last one to
10 class scores; cross-entropy measures how wrong the scores are, backward
computes the product of Jacobians of section f, and SGD moves every weight a
little against its gradient. Train it with `go run ./cmd/mnist-gpu`
(≥ 98% test accuracy)."""),
]

md = ["# A tour from a linear map to MNIST", "",
      "Every code block below is the body of a checked Example in `tour/`:",
      "`go test ./tour -v` runs them and compares what they print with the output shown",
      "(`scripts/tour-md.py` writes this page from them). They run on the CPU;",
      "`tensor.On(vulkanBackend)` instead of `tensor.CPU()` runs the same code on a GPU.", ""]
for name, title, prose in sections:
    code, _, out = ex[name].partition("// Output:")
    md += ["## " + title, "", prose, "", "```go", code.rstrip(), "```", "", "prints", "", "```"]
    md += [re.sub(r"^\s*// ?", "", l) for l in out.split("\n") if l.strip()]
    md += ["```", ""]
(root / "docs" / "tour.md").write_text("\n".join(md))
