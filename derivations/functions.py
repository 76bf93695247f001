"""The book's named functions as SymPy objects that print as their names.

``sigma(x)`` prints as ``σ(x)`` in every rendered step, yet the checker sees its definition:
``expr.rewrite("numeric")`` (used by :func:`derivations.core.concrete`) writes each one out.
Only ``sigma`` carries a derivative rule, σ' = σ(1 − σ), so that deep compositions stay
small; the ``sigmoid`` derivation proves that rule from the definition (its last fact).
"""

import functools

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction


class sigma(sp.Function):  # noqa: N801 - printed name
    """The logistic sigmoid ``1 / (1 + e^{-x})``."""

    def _eval_rewrite_as_numeric(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))

    _eval_rewrite_as_exp = _eval_rewrite_as_numeric

    def fdiff(self, argindex=1):
        s = sigma(self.args[0])
        return s * (1 - s)  # proved in derivations/activations.py::sigmoid

    def _latex(self, printer, exp=None):
        return _power(r"\sigma\left(%s\right)" % printer._print(self.args[0]), exp)


class relu(sp.Function):  # noqa: N801
    """``max(0, x)``, written as a piecewise function whose boundary ``x = 0`` is explicit."""

    def _eval_rewrite_as_numeric(self, x, **kwargs):
        return sp.Piecewise((0, x <= 0), (x, True))

    def _latex(self, printer, exp=None):
        return _power(r"\operatorname{ReLU}\left(%s\right)" % printer._print(self.args[0]), exp)


class leaky_relu(sp.Function):  # noqa: N801
    """``x`` for ``x > 0`` and ``a x`` otherwise (``a`` is the negative slope)."""

    def _eval_rewrite_as_numeric(self, x, a, **kwargs):
        return sp.Piecewise((a * x, x <= 0), (x, True))

    def _latex(self, printer, exp=None):
        x, a = (printer._print(arg) for arg in self.args)
        return _power(r"\operatorname{LeakyReLU}_{%s}\left(%s\right)" % (a, x), exp)


def _power(tex, exp):
    """``f(x)`` raised to ``exp`` (SymPy's printer passes the exponent of ``f(x)**2``)."""
    return tex if exp is None else r"%s^{%s}" % (tex, exp)


class sigma_prime(sp.Function):  # noqa: N801
    """The sigmoid's derivative ``σ'(x) = σ(x)(1 − σ(x))`` (proved in the sigmoid's derivation)."""

    def _eval_rewrite_as_numeric(self, x, **kwargs):
        s = 1 / (1 + sp.exp(-x))
        return s * (1 - s)

    def _latex(self, printer, exp=None):
        return _power(r"\sigma'\left(%s\right)" % printer._print(self.args[0]), exp)


#: The summation index of the softmax's denominator ``Σ_k e^{z_k}`` (a positive integer).
SOFTMAX_INDEX = sp.Symbol("k", integer=True, positive=True)


class softmax(sp.Function):  # noqa: N801
    """Entry ``i`` of the softmax of the logits ``z`` over ``K`` classes: ``e^{z_i} / Σ_k e^{z_k}``.

    ``softmax(z, i, K)``: ``z`` is an ``IndexedBase`` (or a ``Lambda`` of one index for
    transformed logits, e.g. ``Lambda(k, z[k] + c)`` for ``z + c``); printed
    ``softmax(z)_i``. The rewrite below is *the* definition: every derivation that uses the
    softmax (``derivations/softmax.py``, ``classification_losses.py``) starts from it. Its
    derivative is the derivative of that definition (never a chain rule through the argument
    ``z_i`` alone: every entry depends on every logit through the denominator).
    """

    nargs = 3

    def _eval_rewrite_as_numeric(self, z, i, K, **kwargs):
        k = SOFTMAX_INDEX
        return sp.exp(_logit(z, i)) / sp.Sum(sp.exp(_logit(z, k)), (k, 1, K))

    def _eval_derivative(self, s):
        return self.rewrite("numeric").diff(s)

    def _latex(self, printer, exp=None):
        z, i, _ = self.args
        if isinstance(z, sp.Lambda):
            (v,), body = z.variables, z.expr
            z = body.replace(  # z[n, k] -> z_n, z[k] + c -> z + c
                lambda e: isinstance(e, sp.Indexed) and v in e.indices,
                lambda e: (
                    e.base[tuple(a for a in e.indices if a != v)] if len(e.indices) > 1 else e.base
                ),
            )
        tex = r"\operatorname{softmax}\left(%s\right)_{%s}" % (printer._print(z), printer._print(i))
        return _power(tex, exp)


def _logit(z, i):
    """Logit ``i`` of ``z``: ``z[i]`` for an ``IndexedBase``, ``z(i)`` for a ``Lambda``."""
    return z[i] if isinstance(z, sp.IndexedBase) else z(i)


# ----------------------------------------------------------------------------------------
# Convolution and pooling operators (derivations/convolution.py, pooling.py, conv_backward.py)
# ----------------------------------------------------------------------------------------
# Matrix-valued functions with the book's names: unevaluated they print as rot180(W),
# dilate_s(δ), pad_p(x), crop_p(…), first_m(…), x ⋆_s W; ``doit()`` on matrices of known size
# gives the explicit matrix, built straight from the definition. A ``MatrixSymbol`` becomes
# the matrix of real symbols ``name_{ij}`` (as ``derivations.matrices.symbol_matrix`` names
# them), so a tie can fill the same symbols with numbers. Every size parameter is a number,
# a symbol, or a pair (height, width) for non-square cases.


def _pair(v):
    v = v.doit() if isinstance(v, sp.Basic) else v
    return (v[0], v[1]) if isinstance(v, (tuple, sp.Tuple)) else (v, v)


def _known(*values):
    return all(sp.sympify(v).is_Integer for value in values for v in _pair(value))


def explicit(a):
    """``a`` as an explicit matrix (MatrixSymbols become symbol matrices), or ``None``."""
    if isinstance(a, sp.MatrixBase):
        return sp.ImmutableMatrix(a)
    if not isinstance(a, sp.MatrixExpr) or not _known(*a.shape):
        return None
    symbols = {
        m: sp.ImmutableMatrix(
            *map(int, m.shape),
            lambda i, j, m=m: sp.Symbol(f"{m.name}_{{{i + 1}{j + 1}}}", real=True),
        )
        for m in a.atoms(sp.MatrixSymbol)
        if _known(*m.shape)
    }
    a = a.xreplace(symbols).doit()
    if isinstance(a, sp.MatrixExpr) and not isinstance(a, sp.MatrixBase):
        if not _known(*a.shape):
            return None
        a = a.as_explicit()
    return sp.ImmutableMatrix(a)


def _sub(value):
    """A size parameter as a subscript: ``p`` for ``(p, p)``, ``(1, 0)`` for a pair."""
    h, w = _pair(value)
    from derivations.printing import tex

    return tex(h) if h == w else r"(%s, %s)" % (tex(h), tex(w))


class _MatrixOp(sp.MatrixExpr):
    """A named matrix function: args ``(A, *parameters)``, explicit once sizes are known."""

    name = ""

    def __new__(cls, *args):
        return sp.Basic.__new__(cls, *(sp.sympify(a) for a in args))

    @property
    def arg(self):
        return self.args[0]

    def doit(self, **hints):
        args = [a.doit(**hints) if isinstance(a, sp.Basic) else a for a in self.args]
        matrices = [explicit(a) if isinstance(a, sp.MatrixExpr) else a for a in args]
        if any(m is None for m in matrices) or not _known(*args[len(self._matrices()) :]):
            return type(self)(*args)
        return sp.ImmutableMatrix(self._compute(*matrices)).doit()

    def _matrices(self):
        return [a for a in self.args if isinstance(a, sp.MatrixExpr)]

    def _entry(self, i, j, **kwargs):
        return self.doit()[i, j]

    def _latex(self, printer, exp=None):
        params = self.args[len(self._matrices()) :]
        sub = ",\\,".join(_sub(p) for p in params)
        sub = "_{%s}" % sub if sub else ""
        return r"\operatorname{%s}%s\left(%s\right)" % (self.name, sub, printer._print(self.arg))


class rot180(_MatrixOp):  # noqa: N801
    """``A`` turned by 180°: both axes reversed."""

    name = "rot180"

    @property
    def shape(self):
        return self.arg.shape

    def _compute(self, a):
        return sp.Matrix(a.rows, a.cols, lambda i, j: a[a.rows - 1 - i, a.cols - 1 - j])


class dilate(_MatrixOp):  # noqa: N801
    """``dilate_s(A)``: ``s − 1`` zeros between neighbouring entries (a stride undone)."""

    name = "dilate"

    @property
    def shape(self):
        (sh, sw), (r, c) = _pair(self.args[1]), self.arg.shape
        return (sh * (r - 1) + 1, sw * (c - 1) + 1)

    def _compute(self, a, s):
        sh, sw = (int(v) for v in _pair(s))
        out = sp.zeros(sh * (a.rows - 1) + 1, sw * (a.cols - 1) + 1)
        for i in range(a.rows):
            for j in range(a.cols):
                out[sh * i, sw * j] = a[i, j]
        return out


class pad(_MatrixOp):  # noqa: N801
    """``pad_{a,b}(A)``: ``a`` rows (columns) of zeros before and ``b`` after; ``pad_p = pad_{p,p}``."""

    name = "pad"

    def __new__(cls, a, before, after=None):
        return super().__new__(cls, a, before, before if after is None else after)

    @property
    def shape(self):
        (bh, bw), (ah, aw), (r, c) = _pair(self.args[1]), _pair(self.args[2]), self.arg.shape
        return (r + bh + ah, c + bw + aw)

    def _compute(self, a, before, after):
        (bh, bw), (ah, aw) = ([int(v) for v in _pair(x)] for x in (before, after))
        out = sp.zeros(a.rows + bh + ah, a.cols + bw + aw)
        out[bh : bh + a.rows, bw : bw + a.cols] = a
        return out

    def _latex(self, printer, exp=None):
        before, after = self.args[1:]
        sub = _sub(before) if before == after else r"%s,\,%s" % (_sub(before), _sub(after))
        return r"\operatorname{pad}_{%s}\left(%s\right)" % (sub, printer._print(self.arg))


class crop(_MatrixOp):  # noqa: N801
    """``crop_p(A)``: ``A`` without its first and last ``p`` rows and columns (undoes ``pad_p``)."""

    name = "crop"

    @property
    def shape(self):
        (ph, pw), (r, c) = _pair(self.args[1]), self.arg.shape
        return (r - 2 * ph, c - 2 * pw)

    def _compute(self, a, p):
        ph, pw = (int(v) for v in _pair(p))
        return a[ph : a.rows - ph, pw : a.cols - pw]


class first(_MatrixOp):  # noqa: N801
    """``first_m(A)``: the first ``m`` rows and columns of ``A``."""

    name = "first"

    @property
    def shape(self):
        return _pair(self.args[1])

    def _compute(self, a, m):
        mh, mw = (int(v) for v in _pair(m))
        if mh > a.rows or mw > a.cols:
            raise ValueError(f"first_{m}: the matrix is only {a.rows}×{a.cols}")
        return a[:mh, :mw]


class outsize(sp.Function):  # noqa: N801
    """``o``: the number of window positions, ``⌊(m − k)/s⌋ + 1`` along a padded length ``m``."""

    nargs = 3
    is_integer = True
    is_positive = True

    @classmethod
    def eval(cls, m, k, s):
        if all(sp.sympify(v).is_Integer for v in (m, k, s)):
            return sp.floor(sp.Rational(m - k, s)) + 1

    def _eval_rewrite_as_numeric(self, m, k, s, **kwargs):
        return sp.floor((m - k) / s) + 1

    def _latex(self, printer, exp=None):
        return _power("o", exp)


class leftover(sp.Function):  # noqa: N801
    """``r``: the rows of a padded length ``m`` that no window reaches, ``m − k − (o − 1)s``."""

    nargs = 3
    is_integer = True
    is_nonnegative = True

    @classmethod
    def eval(cls, m, k, s):
        if all(sp.sympify(v).is_Integer for v in (m, k, s)):
            return (m - k) % s

    def _eval_rewrite_as_numeric(self, m, k, s, **kwargs):
        return m - k - s * sp.floor((m - k) / s)

    def _latex(self, printer, exp=None):
        return _power("r", exp)


class correlate(_MatrixOp):  # noqa: N801
    """``A ⋆_s B``: valid cross-correlation, ``out[i, j] = Σ_{a,b} B[a, b] A[i·s + a, j·s + b]``."""

    def __new__(cls, a, b, s=1):
        return super().__new__(cls, a, b, s)

    @property
    def shape(self):
        (sh, sw), (ar, ac), (br, bc) = _pair(self.args[2]), self.args[0].shape, self.args[1].shape
        return (outsize(ar, br, sh), outsize(ac, bc, sw))

    def _compute(self, a, b, s):
        sh, sw = (int(v) for v in _pair(s))
        ho, wo = (a.rows - b.rows) // sh + 1, (a.cols - b.cols) // sw + 1
        return sp.Matrix(
            ho,
            wo,
            lambda i, j: sp.Add(
                *(b[u, v] * a[i * sh + u, j * sw + v] for u in range(b.rows) for v in range(b.cols))
            ),
        )

    def _latex(self, printer, exp=None):
        a, b, s = self.args
        star = r"\star" if _pair(s) == (1, 1) else r"\star_{%s}" % _sub(s)
        prec = sp.printing.precedence.PRECEDENCE["Mul"]
        return r"%s %s %s" % (printer.parenthesize(a, prec), star, printer.parenthesize(b, prec))


class convolve(_MatrixOp):  # noqa: N801
    """``A * B``: valid convolution, the kernel index running against the image index."""

    def __new__(cls, a, b):
        return sp.Basic.__new__(cls, a, b)

    @property
    def shape(self):
        (ar, ac), (br, bc) = self.args[0].shape, self.args[1].shape
        return (ar - br + 1, ac - bc + 1)

    def _compute(self, a, b):
        kh, kw = b.shape
        return sp.Matrix(
            a.rows - kh + 1,
            a.cols - kw + 1,
            lambda i, j: sp.Add(
                *(b[u, v] * a[i + kh - 1 - u, j + kw - 1 - v] for u in range(kh) for v in range(kw))
            ),
        )

    def _latex(self, printer, exp=None):
        prec = sp.printing.precedence.PRECEDENCE["Mul"]
        return r"%s * %s" % tuple(printer.parenthesize(a, prec) for a in self.args)


class im2col(_MatrixOp):  # noqa: N801
    """``cols_{k}(A)``: column ``(i, j)`` is the ``k_h × k_w`` window at ``(i·s, j·s)``, read row by row."""

    name = "cols"

    def __new__(cls, a, k, s=1):
        return super().__new__(cls, a, k, s)

    @property
    def shape(self):
        (kh, kw), (sh, sw), (r, c) = _pair(self.args[1]), _pair(self.args[2]), self.arg.shape
        return (kh * kw, outsize(r, kh, sh) * outsize(c, kw, sw))

    def _compute(self, a, k, s):
        (kh, kw), (sh, sw) = ([int(v) for v in _pair(x)] for x in (k, s))
        ho, wo = (a.rows - kh) // sh + 1, (a.cols - kw) // sw + 1
        return sp.Matrix(
            kh * kw, ho * wo, lambda r, q: a[(q // wo) * sh + r // kw, (q % wo) * sw + r % kw]
        )

    def _latex(self, printer, exp=None):
        return r"\operatorname{cols}\left(%s\right)" % printer._print(self.arg)


class vec(_MatrixOp):  # noqa: N801
    """``vec(A)``: the rows of ``A`` stacked into one column (row-major, NumPy's ``ravel``)."""

    name = "vec"

    @property
    def shape(self):
        r, c = self.arg.shape
        return (r * c, 1)

    def _compute(self, a):
        return a.reshape(a.rows * a.cols, 1)


class maxpool(_MatrixOp):  # noqa: N801
    """``maxpool_k(A)``: the maximum of each ``k × k`` block (stride ``k``)."""

    name = "maxpool"

    @property
    def shape(self):
        k, (r, c) = self.args[1], self.arg.shape
        return (sp.floor(r / k), sp.floor(c / k))

    def _compute(self, a, k):
        k = int(k)
        return sp.Matrix(
            a.rows // k,
            a.cols // k,
            lambda i, j: sp.Max(*a[k * i : k * i + k, k * j : k * j + k]),
        )


class grad(sp.MatrixExpr):  # noqa: N801
    """``∂L/∂A``: the matrix of partial derivatives of the scalar ``loss`` by each entry of ``A``.

    ``grad(loss, A, L)`` prints as ``∂L/∂A`` (``L`` names ``loss``, defined in the text).
    """

    def __new__(cls, loss, a, name=None):
        return sp.Basic.__new__(cls, loss, a, loss if name is None else name)

    @property
    def shape(self):
        return self.args[1].shape

    def doit(self, **hints):
        loss, a, name = self.args
        entries, value = explicit(a), _evaluated(loss)
        if entries is None or value.has(sp.MatrixSymbol, inner, total):
            return self
        # an entry that is an expression (C_ij = Σ x f, Y_ij = g(C_ij)): L as a function of it
        names = {e: sp.Dummy() for e in entries if not e.is_Symbol}
        found = partials(value.xreplace(names), [names.get(e, e) for e in entries])
        back = {v: k for k, v in names.items()}
        return sp.ImmutableMatrix(*entries.shape, [e.subs(back) if back else e for e in found])

    def _entry(self, i, j, **kwargs):
        return self.doit()[i, j]

    def _latex(self, printer, exp=None):
        return r"\frac{\partial %s}{\partial %s}" % tuple(
            printer._print(v) for v in (self.args[2], self.args[1])
        )


@functools.lru_cache(maxsize=64)
def _evaluated(loss):
    """``loss.doit()``, once for the several gradients taken of the same loss."""
    return loss.doit()


def partials(value, variables):
    """``[∂value/∂v for v in variables]``, by the power rule term by term for a polynomial.

    A polynomial (as every loss here is in the entries of x, W and δ) is expanded once and
    each monomial ``c·v^e·rest`` gives ``e·c·v^(e−1)·rest`` to ``v``: the same derivative
    ``sympy.diff`` computes, without re-walking the whole sum for every variable.
    """
    targets = set(variables)
    terms = sp.Add.make_args(value)
    if any(isinstance(f, sp.Add) or f.is_Pow for t in terms for f in sp.Mul.make_args(t)):
        terms = sp.Add.make_args(sp.expand(value))
    polynomial = all(
        f.as_base_exp()[0] in targets and f.as_base_exp()[1].is_Integer
        for t in terms
        for f in sp.Mul.make_args(t)
        if f.free_symbols & targets
    )
    if not polynomial:
        return [sp.diff(value, v) for v in variables]
    found = {v: [] for v in variables}
    for t in terms:
        for f in sp.Mul.make_args(t):
            base, e = f.as_base_exp()
            if base in found:
                found[base].append(e * t / base)
    return [sp.Add(*found[v]) for v in variables]


class inner(sp.Expr):  # noqa: N801
    """``Σ_{i,j} A_ij B_ij``: the sum of the entry-by-entry products (``A`` named by a symbol)."""

    is_commutative = True

    def __new__(cls, a, b):
        return sp.Basic.__new__(cls, a, b)

    def doit(self, **hints):
        a, b = self.args
        if isinstance(b, sp.MatAdd):  # Σ A ⊙ (B₁ + B₂) = Σ A ⊙ B₁ + Σ A ⊙ B₂
            return sp.Add(*(inner(a, term).doit(**hints) for term in b.args))
        if isinstance(b, sp.MatMul) and len(b.args) == 2 and isinstance(b.args[1], sp.OneMatrix):
            return b.args[0] * total(a).doit(**hints)  # Σ A ⊙ (b𝟙) = b Σ A
        a, b = (explicit(m.doit(**hints)) for m in self.args)
        if a is None or b is None:
            return self
        # distribute each product over the sum in B's entry: a flat sum of monomials
        return sp.Add(*(u * t for u, v in zip(a, b, strict=True) for t in sp.Add.make_args(v)))

    def _latex(self, printer, exp=None):
        a, b = self.args
        if isinstance(b, ElementwiseApplyFunction):
            entry = printer._print(b.function(sp.Symbol("%s_{ij}" % printer._print(b.expr))))
        else:
            entry = "%s_{ij}" % printer._print(b)
        return r"\sum_{i,j} %s_{ij}\, %s" % (printer._print(a), entry)


class total(sp.Expr):  # noqa: N801
    """``Σ_{i,j} A_ij``: the sum of every entry of ``A``."""

    is_commutative = True

    def __new__(cls, a):
        return sp.Basic.__new__(cls, a)

    def doit(self, **hints):
        a = explicit(self.args[0].doit(**hints))
        return self if a is None else sp.Add(*a)

    def _latex(self, printer, exp=None):
        return r"\sum_{i,j} %s_{ij}" % printer._print(self.args[0])


class frac(sp.Function):  # noqa: N801
    """``{x} = x − ⌊x⌋``, the fractional part, non-negative by floor's definition ``⌊x⌋ ≤ x``.

    The checker's ``rewrite(exp)`` reduction writes out the definition; ``rewrite("numeric")``
    keeps the function, so that its sign (the defining inequality) is known in a fact.
    """

    def _eval_is_nonnegative(self):
        if self.args[0].is_real:
            return True

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return x - sp.floor(x)

    def _latex(self, printer, exp=None):
        return _power(r"\left\{%s\right\}" % printer._print(self.args[0]), exp)


class frac_complement(sp.Function):  # noqa: N801
    """``1 − {x} = ⌊x⌋ + 1 − x``, positive by floor's definition ``x < ⌊x⌋ + 1``."""

    def _eval_is_positive(self):
        if self.args[0].is_real:
            return True

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return sp.floor(x) + 1 - x

    def _latex(self, printer, exp=None):
        return r"\left(1 - \left\{%s\right\}\right)" % printer._print(self.args[0])


class tanh_prime(sp.Function):  # noqa: N801
    """``tanh'(x) = 1 − tanh²(x)`` (``doit`` writes it out, as ``sympy.diff`` gives it)."""

    def _eval_rewrite_as_numeric(self, x, **kwargs):
        return 1 - sp.tanh(x) ** 2

    def doit(self, **hints):
        return 1 - sp.tanh(self.args[0].doit(**hints)) ** 2

    def _latex(self, printer, exp=None):
        return _power(r"\tanh'\left(%s\right)" % printer._print(self.args[0]), exp)


class relu_prime(sp.Function):  # noqa: N801
    """``ReLU'(x)``: 1 for ``x > 0``, else 0 (numnet's and PyTorch's value at the kink x = 0)."""

    def _eval_rewrite_as_numeric(self, x, **kwargs):
        return sp.Piecewise((0, x <= 0), (1, True))

    def doit(self, **hints):
        # the derivative of ReLU at x, as sympy.diff writes it; written out (rewrite) it is
        # the step above
        xi = sp.Dummy("xi")
        return sp.Subs(sp.Derivative(relu(xi), xi), xi, self.args[0].doit(**hints))

    def _latex(self, printer, exp=None):
        return _power(r"\operatorname{ReLU}'\left(%s\right)" % printer._print(self.args[0]), exp)


class same(sp.Equality):  # noqa: N801
    """``a = b`` that stays unevaluated after ``subs`` (a statement checked case by case)."""

    def __new__(cls, lhs, rhs, **kwargs):
        return sp.Equality.__new__(cls, lhs, rhs, evaluate=False)
