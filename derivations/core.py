"""The derivation engine: a derivation is stated, checked and shown as one object.

A :class:`Derivation` holds

* **definitions** (``d.define``): named quantities such as ``z_nk = Σ_m x_nm w_mk + b_k`` or an
  explicit 2 × 3 instance of a matrix ``X``; a reader sees the name, the checker substitutes
  the value;
* **chains** ``lhs = e1 = e2 = … = en`` (``d.chain``): ``lhs`` is what is being computed, written
  with the book's functions (``σ'(x)`` is ``Derivative(sigma(x), x)``); the first line is
  checked against ``lhs`` with every definition written out, and every later line against
  the line before it;
* **facts** (``d.fact``): unevaluated relations ``a = b``, ``a ≤ b``, ``a ≠ b`` that must hold;
* **ties**: the claim compared with numnet's hand-written code at random points (in float64
  and float32), and numnet compared with central finite differences of numnet's own forward.

What a reader sees is printed from those same SymPy objects by :func:`printing.tex`: no
formula is typed. The level says honestly what was obtained, and for which sizes:

=============  ==========================================================================
``general``    every step reduced to zero symbolically, for every size (symbolic K, N, …)
``sizes``      every step reduced to zero symbolically, at the explicit sizes given in ``at``
``exact``      exact arithmetic on numbers (no symbols left)
``enumerated`` an exact check of every case of a finite enumeration
``numeric``    some step only confirmed at sample points (relative tolerance, kinks, ties)
``failed``     some step, fact or tie does not hold
=============  ==========================================================================
"""

from __future__ import annotations

import inspect
import itertools
import time
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from derivations.printing import tex
from derivations.proving import concrete, holds, prove_equal

__all__ = ["Derivation", "concrete", "prove_equal", "LEVELS"]

#: Relative tolerance of numnet (float64) against the claim.
EXACT_TOL = 1e-9
#: Relative tolerance of numnet in float32 against the claim (float32 has ε ≈ 1.2e-7).
FLOAT32_TOL = 1e-4
#: Relative tolerance of numnet against central finite differences (h = 1e-6, float64).
FD_TOL = 1e-6

#: Verification levels, weakest first: a derivation is as strong as its weakest part.
LEVELS = ["failed", "numeric", "enumerated", "exact", "sizes", "general"]


# ----------------------------------------------------------------------------------------
# The pieces of a derivation
# ----------------------------------------------------------------------------------------
@dataclass
class Step:
    """One line of a chain: an expression and why it equals the line before."""

    expr: object
    why: object
    level: str | None = None


@dataclass
class Chain:
    lhs: object  # what is computed (a SymPy expression), shown as "lhs = …"
    steps: list

    @property
    def claim(self):
        return self.steps[-1].expr


@dataclass
class Fact:
    statement: object  # an unevaluated SymPy relation, printed as it is checked
    why: object
    level: str | None = None


@dataclass
class Enumeration:
    statement: object  # a relation in the symbols of ``over``
    over: dict  # symbol -> iterable of values
    why: object
    level: str | None = None


@dataclass
class Tie:
    """Agreement of a claim with numnet (and of numnet with finite differences)."""

    claim: object
    inputs: list
    numnet: object  # callable(values[, dtype]) -> ndarray, numnet's answer
    label: str
    loss: object = None  # callable(values) -> float whose gradient wrt ``wrt`` is the claim
    wrt: list | None = None
    sample: object = None  # callable(rng) -> values
    err_numnet: float | None = None
    err_float32: float | None = None
    err_fd: float | None = None


@dataclass
class Report:
    name: str
    level: str
    err_numnet: float | None
    err_fd: float | None
    seconds: float
    problems: list = field(default_factory=list)
    scope: str = ""
    err_float32: float | None = None

    @property
    def ok(self):
        return self.level != "failed" and not self.problems


def _rel_err(a, b):
    a, b = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        return np.inf
    scale = max(1.0, np.abs(a).max(initial=0), np.abs(b).max(initial=0))
    return float(np.abs(a - b).max(initial=0) / scale)


def _central_differences(loss, values, idx, h=1e-6):
    grad = np.empty(len(idx))
    for k, i in enumerate(idx):
        up, down = values.copy(), values.copy()
        up[i] += h
        down[i] -= h
        grad[k] = (loss(up) - loss(down)) / (2 * h)
    return grad


def _takes_dtype(fn):
    try:
        return "dtype" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _sample_value(sym, rng):
    if sym.is_positive:
        return rng.uniform(0.2, 3.0)
    if sym.is_nonnegative:
        return rng.uniform(0.0, 3.0)
    return rng.uniform(-3.0, 3.0)


def text(*pieces):
    """MyST text from strings and SymPy expressions: each expression is typeset by :func:`tex`."""
    out = []
    for p in pieces:
        if isinstance(p, str):
            out.append(p)
        elif isinstance(p, (tuple, list)):
            out.append(text(*p))
        else:
            out.append(f"${tex(p)}$")
    return "".join(out)


# ----------------------------------------------------------------------------------------
# Derivation
# ----------------------------------------------------------------------------------------
class Derivation:
    """A named, checked derivation that renders itself as the book's text.

    Parameters
    ----------
    name : str
        Identifier (``softmax_jacobian``); the book links to it as ``derivation-softmax-jacobian``.
    title, intro : str or tuple
        Text; a tuple mixes strings and SymPy expressions, which are typeset (never typed).
    sizes : str, optional
        For a proof with symbolic sizes: which sizes it covers, e.g. ``"every K ≥ 1"``.
    at : str, optional
        For a proof on explicit matrices: the sizes it was done at, e.g. ``"N = 2, D = 3"``.
        Explicit matrices without ``at`` are an error: the level must say which sizes.
    ranges : dict, optional
        Index symbol -> ``(first, last)``, e.g. ``{i: (1, K)}``: lets sums over ``k`` sift.

    Examples
    --------
    >>> x = sp.Symbol("x", real=True)
    >>> d = Derivation("square", "The derivative of x²")
    >>> _ = d.chain(sp.Derivative(x**2, x), (2 * x, "power rule"))
    >>> d.check().level
    'general'
    """

    def __init__(self, name, title, intro="", *, sizes=None, at=None, ranges=None):
        if sizes and at:
            raise ValueError(
                f"{name}: give sizes= (a general proof) or at= (an instance), not both"
            )
        self.name, self.title, self.intro = name, title, intro
        self.sizes, self.at, self.ranges = sizes, at, dict(ranges or {})
        self.definitions: dict = {}  # symbol -> (value, show)
        self.chains: list[Chain] = []
        self.facts: list[Fact] = []
        self.enumerations: list[Enumeration] = []
        self.ties: list[Tie] = []
        self.number = None  # set by the registry: "Derivation 12"
        self._report = None

    # -- building ---------------------------------------------------------------------------
    def define(self, symbol, value, show=True):
        """Name ``value`` as ``symbol``: shown as ``symbol = value``, substituted when checking.

        ``symbol`` is a Symbol, a MatrixSymbol or an IndexedBase (then ``value`` is a Lambda of
        the indices, e.g. ``Lambda((n, k), Sum(x[n, m] * w[m, k], (m, 1, D)) + b[k])``).
        ``show=False`` keeps a large instance out of the text: it goes into the closed
        "instance checked" box beneath the derivation.
        """
        self.definitions[symbol] = (value, show)
        return symbol

    def chain(self, *args):
        """Add ``lhs = e1 = e2 = …``: ``chain(lhs, (e1, why), (e2, why), …)``. Returns ``en``."""
        lhs, steps = args[0], args[1:]
        if not isinstance(lhs, sp.Basic):
            raise TypeError(
                f"{self.name}: chain(lhs, (expr, why), …) starts with what is computed, a SymPy "
                f"expression (its first line is checked against it), got {type(lhs).__name__}"
            )
        if not steps or any(not isinstance(s, tuple) or len(s) != 2 for s in steps):
            raise TypeError(f"{self.name}: chain(lhs, (expr, why), …) needs (expr, why) steps")
        self.chains.append(Chain(lhs, [Step(expr, why) for expr, why in steps]))
        return self.chains[-1].claim

    def fact(self, statement, why):
        """Add an unevaluated relation that must hold, e.g. ``sp.Le(a, b, evaluate=False)``."""
        if not isinstance(statement, sp.core.relational.Relational):
            raise TypeError(
                f"{self.name}: fact {text(why)!r} must be an unevaluated SymPy relation "
                f"(sp.Eq(a, b, evaluate=False), sp.Le(…), sp.Ne(…)), got {type(statement).__name__}"
            )
        self.facts.append(Fact(statement, why))

    def enumerate(self, statement, over, why):
        """Add a relation checked exactly at every combination of values in ``over``."""
        self.enumerations.append(Enumeration(statement, dict(over), why))

    def tie(self, claim, inputs, numnet, label, *, loss=None, wrt=None, sample=None):
        """Tie ``claim`` to numnet: ``numnet(values)`` must equal ``claim`` at random ``inputs``.

        If ``numnet`` accepts a ``dtype`` keyword it is also run in float32. With ``loss`` (a
        scalar function of the same values, built from numnet's forward pass), numnet's answer
        must also equal the central finite differences of ``loss`` for the symbols ``wrt``.
        """
        self.ties.append(Tie(claim, list(inputs), numnet, label, loss, wrt, sample))

    # -- checking ---------------------------------------------------------------------------
    def unfold(self, expr):
        """``expr`` with every definition substituted (repeatedly) and evaluated."""
        cache = self.__dict__.setdefault("_unfolded", {})
        try:
            return cache[expr]
        except (KeyError, TypeError):
            pass
        result = self._unfold(expr)
        try:
            cache[expr] = result
        except TypeError:  # an unhashable (mutable) matrix
            pass
        return result

    def _unfold(self, expr):
        for _ in range(10):
            before = expr
            for symbol, (value, _show) in self.definitions.items():
                if isinstance(symbol, sp.IndexedBase):
                    expr = expr.replace(
                        lambda e, s=symbol: isinstance(e, sp.Indexed) and e.base == s,
                        lambda e, v=value: v(*e.indices),
                    )
                else:
                    expr = expr.subs(symbol, value)
            if expr == before:
                break
        expr = expr.doit() if hasattr(expr, "doit") else expr
        expr = _evaluate_variances(expr)
        if isinstance(expr, sp.MatrixExpr) and all(
            dim.is_Integer for dim in map(sp.sympify, expr.shape)
        ):
            return expr.as_explicit()
        return expr

    def _step_level(self, a, b, rng):
        level = prove_equal(self.unfold(a), self.unfold(b), rng, self.ranges)
        return self._scoped(level, a, b)

    def _scoped(self, level, *exprs):
        """``symbolic`` becomes ``exact`` (no symbols), ``sizes`` or ``general``."""
        if level != "symbolic":
            return level
        unfolded = [self.unfold(e) for e in exprs]
        if not any(getattr(sp.sympify(e), "free_symbols", True) for e in unfolded):
            return "exact"
        return "sizes" if self.at else "general"

    def check(self, points=8, seed=0):
        """Check every step, fact and tie; return (and cache) a :class:`Report`."""
        start = time.perf_counter()
        rng = np.random.default_rng(seed)
        problems, levels = [], []
        if not self.at and self._uses_explicit_matrices():
            problems.append("proved on explicit matrices: say at which sizes (at=…)")
        for c in self.chains:
            previous = c.lhs
            for step in c.steps:
                if step.expr == previous:
                    step.level = "failed"
                    problems.append(f"step {text(step.why)!r} repeats the line before")
                else:
                    step.level = self._step_level(previous, step.expr, rng)
                    if step.level == "failed":
                        problems.append(f"step {text(step.why)!r} does not follow")
                levels.append(step.level)
                previous = step.expr
        for f in self.facts:
            lhs, rhs = (self.unfold(side) for side in f.statement.args)
            level = holds(f.statement.func(lhs, rhs, evaluate=False), rng, self.ranges)
            f.level = self._scoped(level, *f.statement.args)
            levels.append(f.level)
            if f.level == "failed":
                problems.append(f"fact {text(f.why)!r} is not true")
        for e in self.enumerations:
            e.level = "enumerated" if self._enumerate(e) else "failed"
            levels.append(e.level)
            if e.level == "failed":
                problems.append(f"enumeration {text(e.why)!r} has a case that is not true")
        errs = {"n": [], "32": [], "fd": []}
        for t in self.ties:
            self._check_tie(t, rng, points)
            errs["n"].append(t.err_numnet)
            if t.err_numnet > EXACT_TOL:
                problems.append(f"{t.label} differs from the claim by {t.err_numnet:.2e}")
            if t.err_float32 is not None:
                errs["32"].append(t.err_float32)
                if t.err_float32 > FLOAT32_TOL:
                    problems.append(f"{t.label} in float32 differs by {t.err_float32:.2e}")
            if t.err_fd is not None:
                errs["fd"].append(t.err_fd)
                if t.err_fd > FD_TOL:
                    problems.append(f"{t.label} differs from finite differences by {t.err_fd:.2e}")
        # An exact check of a closed statement is a proof: it weakens no symbolic proof.
        level = min(
            [lv for lv in levels if lv != "exact"] or levels, key=LEVELS.index, default="general"
        )
        self._report = Report(
            self.name,
            "failed" if problems else level,
            max(errs["n"], default=None),
            max(errs["fd"], default=None),
            time.perf_counter() - start,
            problems,
            self.scope_text(level),
            max(errs["32"], default=None),
        )
        return self._report

    def _uses_explicit_matrices(self):
        for value, _show in self.definitions.values():
            if isinstance(value, sp.MatrixBase) and value.free_symbols and len(value) > 1:
                return True
        for c in self.chains:
            for e in [c.lhs] + [s.expr for s in c.steps]:
                if isinstance(e, sp.MatrixBase) and e.free_symbols and len(e) > 1:
                    return True
        return False

    def _enumerate(self, e):
        symbols = list(e.over)
        for values in itertools.product(*e.over.values()):
            case = e.statement.subs(dict(zip(symbols, values, strict=True)))
            if not bool(self.unfold(case.lhs).equals(self.unfold(case.rhs))) and not (
                not isinstance(case, sp.Eq)
                and bool(case.func(self.unfold(case.lhs), self.unfold(case.rhs)))
            ):
                return False
        return True

    def _check_tie(self, t, rng, points):
        claim = concrete(self.unfold(t.claim))
        claim = claim if isinstance(claim, sp.MatrixBase) else sp.Matrix([claim])
        # lambdify needs names that are Python identifiers; renaming x_{11} … first (a fast
        # structural replacement) spares it a slow substitution pass per argument. (Not Dummy
        # symbols: a single Dummy argument makes lambdify substitute every argument again.)
        plain = [sp.Symbol(f"_tie_input_{k}") for k in range(len(t.inputs))]
        f = sp.lambdify(plain, claim.xreplace(dict(zip(t.inputs, plain, strict=True))), "numpy")
        wrt_idx = [t.inputs.index(s) for s in (t.wrt or [])]
        t.err_numnet, t.err_float32, t.err_fd = 0.0, None, None
        float32 = _takes_dtype(t.numnet)
        for _ in range(points if t.inputs else 1):
            values = (
                np.asarray(t.sample(rng), dtype=np.float64)
                if t.sample
                else np.array([_sample_value(s, rng) for s in t.inputs])
            )
            expected = np.asarray(f(*values), dtype=np.float64)
            ours = np.asarray(
                t.numnet(values.copy()), dtype=np.float64
            )  # numnet may update in place
            t.err_numnet = max(t.err_numnet, _rel_err(expected, ours))
            if float32:
                ours32 = np.asarray(t.numnet(values.copy(), dtype=np.float32), dtype=np.float64)
                t.err_float32 = max(t.err_float32 or 0.0, _rel_err(expected, ours32))
            if t.loss is not None:
                fd = _central_differences(t.loss, values, wrt_idx)
                t.err_fd = max(t.err_fd or 0.0, _rel_err(ours, fd))

    @property
    def report(self):
        return self._report or self.check()

    @property
    def claims(self):
        """The last expression of each chain: what the derivation proves."""
        return [c.claim for c in self.chains]

    # -- words ------------------------------------------------------------------------------
    def scope_text(self, level=None):
        """What the level means for this derivation, in a student's words."""
        level = level or self.report.level
        if level == "general":
            return "proved symbolically" + (f", for {self.sizes}" if self.sizes else "")
        if level == "sizes":
            return f"proved symbolically at the sizes shown ({self.at})"
        if level == "exact":
            return "exact arithmetic on the numbers shown"
        if level == "enumerated":
            cases = "; ".join(_cases(e.over) for e in self.enumerations)
            return f"checked exactly for every case of {cases}"
        if level == "numeric":
            return "confirmed numerically at sample points (relative tolerance 1e-9)"
        return "failed"

    @property
    def label(self):
        return "derivation-" + self.name.replace("_", "-")

    @property
    def heading(self):
        number = f"Derivation {self.number}: " if self.number else ""
        return number + text(self.title)

    # -- rendering --------------------------------------------------------------------------
    def latex_chain(self, i=0):
        """The ``i``-th chain as LaTeX lines: ``lhs = e1``, then ``= e2``, … (for tests)."""
        c = self.chains[i]
        return [f"{tex(c.lhs)} = {tex(c.steps[0].expr)}"] + [
            f"= {tex(s.expr)}" for s in c.steps[1:]
        ]

    def verdict(self):
        """One line of Markdown saying how this derivation was verified."""
        r = self.report
        parts = [("✔ " if r.ok else "✘ ") + f"**{self.scope_text(r.level)}**"]
        for t in self.ties:
            s = f"numnet's `{t.label}` agrees to {t.err_numnet:.0e}"
            if t.err_float32 is not None:
                s += f" (float32: {t.err_float32:.0e})"
            if t.err_fd is not None:
                s += f", finite differences to {t.err_fd:.0e}"
            parts.append(s)
        return "; ".join(parts) + "."

    def _markdown_lines(self):
        out = [
            f"({self.label})=",
            "",
            f"::::{{admonition}} {self.heading}",
            ":class: derivation",
            "",
        ]
        if self.intro:
            out += [text(self.intro), ""]
        shown = [(s, v) for s, (v, show) in self.definitions.items() if show]
        for symbol, value in shown:
            out += _display(_definition_tex(symbol, value))
        for c in self.chains:
            out += _display(f"{tex(c.lhs)} = {tex(c.steps[0].expr)}")
            out += _why(c.steps[0].why)
            for s in c.steps[1:]:
                out += _display(f"= {tex(s.expr)}")
                out += _why(s.why)
        for f in self.facts:
            out += _display(tex(f.statement)) + _why(f.why)
        for e in self.enumerations:
            out += _display(tex(e.statement)) + _why((e.why, f" (every case of {_cases(e.over)})"))
        hidden = [(s, v) for s, (v, show) in self.definitions.items() if not show]
        if hidden:
            title = (
                f"The instance checked ({self.at})" if self.at else "Definitions used by the check"
            )
            out += [f":::{{dropdown}} {title}", ""]
            for symbol, value in hidden:
                for latex in _instance_tex(symbol, value):
                    out += _display(latex)
            out += [":::", ""]
        out += [f"*Verified:* {self.verdict()}", "::::"]
        return out

    def _repr_markdown_(self):
        return "\n".join(self._markdown_lines())

    def __repr__(self):
        return f"<Derivation {self.name!r}: {text(self.title)}>"


def _evaluate_variances(expr):
    """``Var(y)`` as ``E[y²] − E[y]²``, evaluated (SymPy's ``doit`` leaves a variance alone)."""
    from sympy.stats import Expectation, Variance

    if not (isinstance(expr, sp.Basic) and expr.has(Variance)):
        return expr
    return expr.replace(lambda e: isinstance(e, Variance), lambda e: e.rewrite(Expectation).doit())


def _definition_tex(symbol, value):
    if isinstance(symbol, sp.IndexedBase) and isinstance(value, sp.Lambda):
        return f"{tex(symbol[value.variables])} = {tex(value.expr)}"
    return f"{tex(symbol)} = {tex(value)}"


#: An instance matrix whose LaTeX is longer than this is shown entry by entry: one entry per
#: line can break across lines on a narrow screen, a whole matrix cannot.
LONG_MATRIX_TEX = 400


def _instance_tex(symbol, value):
    """The LaTeX lines of one definition of the checked instance (see :func:`_definition_tex`)."""
    if not isinstance(value, sp.MatrixBase):
        return [_definition_tex(symbol, value)]
    whole = tex(value)
    if len(whole) <= LONG_MATRIX_TEX:
        return [f"{tex(symbol)} = {whole}"]
    rows, cols = value.shape
    return [
        rf"\left({tex(symbol)}\right)_{{{i + 1}{j + 1}}} = {tex(value[i, j])}"
        for i in range(rows)
        for j in range(cols)
    ]


def _display(latex):
    return ["$$", latex, "$$", ""]


def _why(why):
    return [":::{container} derivation-why", text(why), ":::", ""]


def _cases(over):
    return ", ".join(
        f"{tex(s)} = {min(v)}…{max(v)}" if len(list(v)) > 2 else f"{tex(s)} ∈ {set(v)}"
        for s, v in over.items()
    )
