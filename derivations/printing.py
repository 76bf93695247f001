"""How a SymPy expression is printed in the book: the book's notation, by printing, never typed.

One printer, :func:`tex`, turns every checked expression into the LaTeX a reader sees:

* terms keep the order they were written in (``order="none"``): build ``y - ŷ`` as
  :func:`ordered`\\ ``(y, -ŷ)`` and it prints ``y - \\hat{y}``, not SymPy's ``-\\hat{y} + y``;
* the Kronecker delta prints as :math:`\\mathbb{1}_{i=j}`, because δ is the book's upstream
  gradient (see the notation page);
* ``Subs(Derivative(g(ξ), ξ), ξ, z)`` prints as :math:`g'(z)`;
* the book's own functions (σ, ReLU, rot180, dilate, pad, crop, …) carry their ``_latex``.
"""

import sympy as sp
from sympy.printing.latex import LatexPrinter


class BookPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the book's notation and the author's term order."""

    def __init__(self, settings=None):
        super().__init__({"order": "none", "mul_symbol": None, **(settings or {})})

    def _print_Add(self, expr, order=None):
        # Natural order: terms with a plus sign first, then those with a minus sign; within
        # each group the order they were built in. So -1 + 2σ prints as 2σ - 1, -t + ŷ as ŷ - t.
        terms = list(expr.args)
        plus = [t for t in terms if not _negative(t)]
        minus = [t for t in terms if _negative(t)]
        if not plus or not minus:
            return super()._print_Add(expr, order="none")
        return super()._print_Add(sp.Add(*plus, *minus, evaluate=False), order="none")

    def _print_Mul(self, expr):
        # A number first, then symbols and functions, then sums in parentheses: σ(1 − σ),
        # 2(ŷ − y)/N. Only for commutative factors (matrix products keep their order).
        factors = list(expr.args) if isinstance(expr, sp.Mul) else []
        if factors and all(isinstance(f, sp.UnevaluatedExpr) for f in factors):
            # a product() kept as written: factor by factor, "·" between fractions
            inner = [f.args[0] for f in factors]
            sign = ""
            if inner[0] == -1 and len(inner) > 1:
                sign, inner = "-", inner[1:]
            parts = [
                r"\left(%s\right)" % self._print(f)
                if isinstance(f, sp.Add) or (f.is_number and f.is_negative)
                else self._print(f)
                for f in inner
            ]
            fractions = any(sp.fraction(f)[1] != 1 and not f.is_number for f in inner)
            numbers = any(f.is_number for f in inner[1:])
            return sign + (r" \cdot " if fractions or numbers else " ").join(parts)
        if (
            factors
            and all(f.is_commutative for f in factors)
            and any(isinstance(f, sp.Add) for f in factors)
        ):
            numbers = [f for f in factors if f.is_number]
            sums = [f for f in factors if isinstance(f, sp.Add) and not f.is_number]
            rest = [f for f in factors if f not in numbers and f not in sums]
            if factors != numbers + rest + sums:
                expr = sp.Mul(*numbers, *rest, *sums, evaluate=False)
        return super()._print_Mul(expr)

    def _print_MatAdd(self, expr):
        terms = sorted(expr.args, key=lambda t: t.could_extract_minus_sign())  # plus first
        out = self._print(terms[0])
        for t in terms[1:]:
            if t.could_extract_minus_sign():
                out += " - " + self.parenthesize(-t, sp.printing.precedence.PRECEDENCE["Add"])
            else:
                out += " + " + self._print(t)
        return out

    def _print_Indexed(self, expr):
        # z_{nk} for one-letter indices (as textbooks write), z_{n,k+1} otherwise
        base = self._print(expr.base.label)
        indices = [self._print(i) for i in expr.indices]
        sep = "" if all(len(i.rstrip("'")) == 1 for i in indices) else ","
        return "%s_{%s}" % (base, sep.join(indices))

    def _print_HadamardProduct(self, expr):
        # parentheses around products too: (δ₂W₂ᵀ) ⊙ σ'(Z₁)
        tight = sp.printing.precedence.PRECEDENCE["Pow"]
        return r" \odot ".join(self.parenthesize(a, tight, strict=True) for a in expr.args)

    def _print_ElementwiseApplyFunction(self, expr):
        # f applied entry by entry: printed f(Z), and f'(Z) for an entrywise derivative
        func, arg = expr.function, self._print(expr.expr)
        if isinstance(func, sp.Lambda) and len(func.variables) == 1:
            (v,), body = func.variables, func.expr
            if (
                isinstance(body, sp.Derivative)
                and body.variables == (v,)
                and body.expr.args == (v,)
            ):
                return r"%s'\left(%s\right)" % (
                    self._print(body.expr.func(sp.Symbol("@"))).split(r"\left(")[0],
                    arg,
                )
            if getattr(body, "args", None) == (v,):
                return self._print(body.func(sp.Symbol("@"))).replace("@", arg)
        if isinstance(func, sp.FunctionClass):
            return self._print(func(sp.Symbol("@"))).replace("@", arg)
        return super()._print_ElementwiseApplyFunction(expr)

    def _print_KroneckerDelta(self, expr, exp=None):
        i, j = (self._print(a) for a in expr.args)
        tex = r"\mathbb{1}_{%s = %s}" % (i, j)
        return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)

    def _print_Subs(self, subs):
        expr, old, new = subs.args
        if (
            isinstance(expr, sp.Derivative)
            and len(old) == 1
            and isinstance(expr.expr, sp.core.function.AppliedUndef)
            and expr.expr.args == old
            and len(expr.variables) == 1
        ):
            primes = "'" * len(expr.variables)
            return r"%s%s\left(%s\right)" % (expr.expr.func.__name__, primes, self._print(new[0]))
        return super()._print_Subs(subs)

    def _print_Derivative(self, expr):
        # d/dx f for a function of one plain variable; ∂ for an indexed variable (x_{ni}) or
        # several variables; ∂L/∂y_{nk} when what is differentiated is a single name.
        (var, *more), of = expr.variables, expr.expr
        mul = sp.printing.precedence.PRECEDENCE["Mul"]
        if more:
            return super()._print_Derivative(expr)
        partial = isinstance(var, sp.Indexed) or len(of.free_symbols) > 1
        d = r"\partial " if partial else "d "
        if isinstance(of, (sp.Symbol, sp.Indexed)):
            return r"\frac{%s%s}{%s%s}" % (d, self._print(of), d, self._print(var))
        return r"\frac{%s}{%s%s} %s" % (
            d.strip(),
            d,
            self._print(var),
            self.parenthesize(of, mul, False),
        )


def _negative(term):
    coefficient, _ = term.as_coeff_Mul()
    return bool(coefficient.is_extended_negative)


_PRINTER = BookPrinter()


def tex(expr):
    """The LaTeX of ``expr`` as the book prints it."""
    return _PRINTER.doprint(expr)


def ordered(*terms):
    """A sum that keeps its terms in the order given: ``ordered(y, -yhat)`` prints ``y - ŷ``."""
    return sp.Add(*terms, evaluate=False)


def product(*factors):
    """A product kept as written, factor by factor: ``product(s, 1 - s)`` prints ``σ(1 − σ)``.

    Each factor is wrapped in ``UnevaluatedExpr`` so that SymPy neither merges the factors into
    one fraction nor reorders them; ``doit()`` (which every check applies) removes the wrappers.
    """
    return sp.Mul(*(sp.UnevaluatedExpr(f) for f in factors), evaluate=False)
