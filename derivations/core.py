"""The derivation engine: chains of checked steps, facts, and ties to numnet.

A :class:`Derivation` holds

* **chains** ``e1 = e2 = … = en``, each step with a one-line justification; every step is
  checked equal to the one before it;
* **facts**: SymPy statements that must evaluate to ``True`` (``σ(0) = 1/2``, a rank, a bound);
* **ties**: the final claim compared with numnet's hand-written code at random points, and
  numnet's code compared with central finite differences of numnet's own forward pass.

``check()`` reports the verification level truthfully: ``symbolic`` only when SymPy reduced
every step's difference to exactly zero, ``numeric`` when some step was only confirmed at random
points (the tie and finite differences are then the evidence). The same object renders its steps
as aligned LaTeX in a notebook (``_repr_markdown_``), so the book shows what was checked.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

#: Relative tolerance for "numerically equal" (claim vs numnet, step vs step).
EXACT_TOL = 1e-9
#: Relative tolerance for numnet vs central finite differences (h = 1e-6, float64).
FD_TOL = 1e-6
#: Seconds a single step may spend in ``sympy.simplify`` before we fall back to numbers.
SIMPLIFY_BUDGET = 4.0


# ----------------------------------------------------------------------------------------
# Proving two expressions equal
# ----------------------------------------------------------------------------------------
class _Timeout(Exception):
    pass


def _with_budget(fn, seconds):
    """Run ``fn()``; give up after ``seconds`` (only in the main thread, where signals work)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        return None

    def on_alarm(signum, frame):
        raise _Timeout

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn()
    except _Timeout:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def concrete(e):
    """``e`` with book-defined functions (σ, ReLU, …) written out and derivatives evaluated.

    Functions in :mod:`derivations.functions` define ``_eval_rewrite_as_numeric``; explicit
    matrices replace matrix expressions such as ``X.T * D``.
    """
    if isinstance(e, sp.MatrixExpr) and not isinstance(e, sp.MatrixBase):
        e = e.as_explicit()
    if isinstance(e, sp.MatrixBase):
        return e.applyfunc(concrete)
    return e.rewrite("numeric").doit() if hasattr(e, "rewrite") else e


# Cheap, targeted reductions first; ``simplify`` last and under a time budget.
_REDUCTIONS = (
    lambda d: d,
    sp.expand,
    lambda d: sp.cancel(sp.together(d)),
    lambda d: sp.cancel(sp.together(sp.expand(concrete(d)))),
    lambda d: sp.cancel(sp.together(sp.expand(concrete(d).rewrite(sp.exp)))),
    lambda d: sp.piecewise_fold(d),
    lambda d: sp.expand(sp.expand_log(d, force=True)),
)


def _is_zero_symbolic(d):
    for reduce in _REDUCTIONS:
        try:
            if reduce(d) == 0:
                return True
        except (TypeError, NotImplementedError, AttributeError):
            continue
    return _with_budget(lambda: sp.simplify(d) == 0, SIMPLIFY_BUDGET) is True


def _sample_value(sym, rng):
    if sym.is_positive:
        return rng.uniform(0.2, 3.0)
    if sym.is_nonnegative:
        return rng.uniform(0.0, 3.0)
    return rng.uniform(-3.0, 3.0)


def _is_zero_numeric(a, b, rng, points=20):
    """Compare ``a`` and ``b`` at random points; ``None`` if they cannot be evaluated."""
    a, b = concrete(a), concrete(b)
    d = sp.Matrix([a - b]) if not isinstance(a, sp.MatrixBase) else a - b
    syms = sorted(d.free_symbols | sp.sympify(a).free_symbols, key=str)
    if d.atoms(sp.core.function.AppliedUndef):
        return None  # an undefined function (such as g) has no numbers
    f = sp.lambdify(syms, d, "numpy")
    fa = sp.lambdify(syms, sp.Matrix([a]) if not isinstance(a, sp.MatrixBase) else a, "numpy")
    for _ in range(points):
        vals = [_sample_value(s, rng) for s in syms]
        diff = np.abs(np.asarray(f(*vals), dtype=complex)).max()
        scale = max(1.0, np.abs(np.asarray(fa(*vals), dtype=complex)).max())
        if not diff <= EXACT_TOL * scale:
            return False
    return True


#: Verification levels, weakest first: a derivation is as strong as its weakest step.
_LEVELS = ["failed", "numeric", "symbolic"]


def prove_equal(a, b, rng=None):
    """Return ``"symbolic"``, ``"numeric"`` or ``"failed"`` for the claim ``a == b``."""
    rng = rng or np.random.default_rng(0)
    a, b = _doit(a), _doit(b)
    a = a.as_explicit() if isinstance(a, sp.MatrixExpr) else a
    b = b.as_explicit() if isinstance(b, sp.MatrixExpr) else b
    if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
        if (
            not (isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase))
            or a.shape != b.shape
        ):
            return "failed"
        levels = [prove_equal(x, y, rng) for x, y in zip(a, b, strict=True)]
        return min(levels, key=_LEVELS.index, default="symbolic")
    if _is_zero_symbolic(sp.sympify(a - b)):
        return "symbolic"
    numeric = _is_zero_numeric(a, b, rng)
    return "numeric" if numeric else "failed"


def _doit(e):
    return e.doit() if hasattr(e, "doit") else e


# ----------------------------------------------------------------------------------------
# The pieces of a derivation
# ----------------------------------------------------------------------------------------
@dataclass
class Step:
    """One line of a chain: an expression, why it equals the line before, optional display TeX."""

    expr: object
    why: str
    tex: str | None = None
    level: str | None = None

    def latex(self):
        return self.tex if self.tex is not None else sp.latex(self.expr)


@dataclass
class Chain:
    steps: list
    lhs: str | None = None  # display-only name of the first expression (e.g. "\\sigma'(x)")

    @property
    def claim(self):
        return self.steps[-1].expr


@dataclass
class Fact:
    statement: object  # a SymPy boolean, or a Python bool computed from SymPy objects
    why: str
    tex: str | None = None
    level: str | None = None


@dataclass
class Tie:
    """Agreement of a claim with numnet (and of numnet with finite differences)."""

    claim: object  # SymPy expression or Matrix in ``inputs``
    inputs: list  # SymPy symbols, sampled at random (may be empty for exact examples)
    numnet: object  # callable(values: ndarray) -> ndarray, numnet's answer
    label: str  # e.g. "Sigmoid.backward"
    loss: object = None  # callable(values) -> float whose gradient wrt ``wrt`` is the claim
    wrt: list | None = None
    sample: object = None  # callable(rng) -> values
    err_numnet: float | None = None
    err_fd: float | None = None


@dataclass
class Report:
    name: str
    level: str
    err_numnet: float | None
    err_fd: float | None
    seconds: float
    problems: list = field(default_factory=list)

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


# ----------------------------------------------------------------------------------------
# Derivation
# ----------------------------------------------------------------------------------------
class Derivation:
    """A named, checked derivation that renders itself as the book's text.

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> d = Derivation("square", "The derivative of x²")
    >>> _ = d.chain((sp.Derivative(x**2, x), "definition"), (2 * x, "power rule"))
    >>> d.check().level
    'symbolic'
    """

    def __init__(self, name, title, intro=""):
        self.name, self.title, self.intro = name, title, intro
        self.chains: list[Chain] = []
        self.facts: list[Fact] = []
        self.ties: list[Tie] = []
        self._report = None

    # -- building ---------------------------------------------------------------------------
    def chain(self, *steps, lhs=None):
        """Add ``e1 = e2 = …``; each step is ``(expr, why)`` or ``(expr, why, tex)``."""
        chain = Chain([Step(*s) for s in steps], lhs)
        self.chains.append(chain)
        return chain.claim

    def fact(self, statement, why, tex=None):
        """Add a statement that SymPy must evaluate to ``True``.

        SymPy often evaluates a statement as soon as it is built (``σ(0) = 1/2`` becomes
        ``True``); then ``tex`` must say what was stated, or the book would print "True".
        """
        if tex is None and (statement is True or statement is sp.true):
            raise ValueError(f"fact {why!r}: the statement is already True; pass tex= to show it")
        self.facts.append(Fact(statement, why, tex))

    def tie(self, claim, inputs, numnet, label, *, loss=None, wrt=None, sample=None):
        """Tie ``claim`` to numnet: ``numnet(values)`` must equal ``claim`` at random ``inputs``.

        With ``loss`` (a scalar function of the same values, built from numnet's forward pass),
        numnet's answer must also equal the central finite differences of ``loss`` with respect
        to the symbols ``wrt``.
        """
        self.ties.append(Tie(claim, list(inputs), numnet, label, loss, wrt, sample))

    # -- checking ---------------------------------------------------------------------------
    def check(self, points=8, seed=0):
        """Check every step, fact and tie; return (and cache) a :class:`Report`."""
        start = time.perf_counter()
        rng = np.random.default_rng(seed)
        problems, levels = [], []
        for c in self.chains:
            for prev, step in zip(c.steps, c.steps[1:], strict=False):
                step.level = prove_equal(prev.expr, step.expr, rng)
                levels.append(step.level)
                if step.level == "failed":
                    problems.append(f"step '{step.why}' does not follow from the line before")
        for f in self.facts:
            f.level = "symbolic" if bool(_doit(f.statement) == sp.true) else "failed"
            levels.append(f.level)
            if f.level == "failed":
                problems.append(f"fact '{f.why}' is not true")
        errs_n, errs_fd = [], []
        for t in self.ties:
            t.err_numnet, t.err_fd = self._check_tie(t, rng, points)
            errs_n.append(t.err_numnet)
            if t.err_numnet > EXACT_TOL:
                problems.append(f"{t.label} differs from the claim by {t.err_numnet:.2e}")
            if t.err_fd is not None:
                errs_fd.append(t.err_fd)
                if t.err_fd > FD_TOL:
                    problems.append(f"{t.label} differs from finite differences by {t.err_fd:.2e}")
        level = min(levels, key=_LEVELS.index, default="symbolic")
        self._report = Report(
            self.name,
            level,
            max(errs_n) if errs_n else None,
            max(errs_fd) if errs_fd else None,
            time.perf_counter() - start,
            problems,
        )
        return self._report

    def _check_tie(self, t, rng, points):
        claim = concrete(t.claim)
        claim = claim if isinstance(claim, sp.MatrixBase) else sp.Matrix([claim])
        f = sp.lambdify(t.inputs, claim, "numpy")
        wrt_idx = [t.inputs.index(s) for s in (t.wrt or [])]
        err_n, err_fd = 0.0, None
        for _ in range(points if t.inputs else 1):
            values = (
                np.asarray(t.sample(rng), dtype=np.float64)
                if t.sample
                else np.array([_sample_value(s, rng) for s in t.inputs])
            )
            ours = np.asarray(t.numnet(values), dtype=np.float64)
            err_n = max(err_n, _rel_err(np.asarray(f(*values), dtype=np.float64), ours))
            if t.loss is not None:
                fd = _central_differences(t.loss, values, wrt_idx)
                err_fd = max(err_fd or 0.0, _rel_err(ours, fd))
        return err_n, err_fd

    @property
    def report(self):
        return self._report or self.check()

    @property
    def claims(self):
        """The last expression of each chain: what the derivation proves."""
        return [c.claim for c in self.chains]

    # -- rendering --------------------------------------------------------------------------
    def latex_chain(self, i=0):
        """The ``i``-th chain as an ``aligned`` LaTeX block (without ``$$``)."""
        c = self.chains[i]
        first, rest = c.steps[0], c.steps[1:]
        lines = [
            f"{c.lhs} &= {first.latex()} && \\text{{{_tex_text(first.why)}}}"
            if c.lhs
            else f"& {first.latex()} && \\text{{{_tex_text(first.why)}}}"
        ]
        lines += [f"&= {s.latex()} && \\text{{{_tex_text(s.why)}}}" for s in rest]
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"

    def verdict(self):
        """One line of Markdown saying how this derivation was verified."""
        r = self.report
        mark = "✔" if r.ok else "✘"
        parts = [
            f"{mark} **{r.level}**"
            + (" (every step reduced to zero by SymPy)" if r.level == "symbolic" else "")
        ]
        for t in self.ties:
            s = f"`{t.label}` agrees to {t.err_numnet:.1e}"
            if t.err_fd is not None:
                s += f", finite differences to {t.err_fd:.1e}"
            parts.append(s)
        return "; ".join(parts) + "."

    def _repr_markdown_(self):
        out = [f"**{self.title}**", ""] + ([self.intro, ""] if self.intro else [])
        for i in range(len(self.chains)):
            out += ["$$", self.latex_chain(i), "$$", ""]
        for f in self.facts:
            tex = f.tex if f.tex is not None else sp.latex(f.statement)
            out += [f"- ${tex}$ — {f.why}"]
        if self.facts:
            out.append("")
        out.append(f"*Verified:* {self.verdict()}")
        return "\n".join(out)

    def __repr__(self):
        return f"<Derivation {self.name!r}: {self.title}>"


_SUPERSCRIPT = re.compile(r"([^\s$(]+)\^\(([^()]*)\)|([^\s$(]+)\^(\w+)")
_SUBSCRIPT = re.compile(r"(?<!\w)([^\W\d_])_(\w{1,3})(?!\w)")


def _tex_text(s):
    """A plain-text justification, ready for ``\\text{…}``.

    Index notation typed in plain text becomes inline math, which MathJax typesets inside
    ``\\text``: ``e^(z_i)`` → ``$e^{z_{i}}$``, ``δ_nk`` → ``$δ_{nk}$``; identifiers such as
    ``l2_penalty`` are left alone.
    """
    s = s.replace("%", "\\%").replace("&", "\\&").replace("#", "\\#")

    def subscripts(text, wrap):
        return _SUBSCRIPT.sub(lambda m: f"{wrap}{m[1]}_{{{m[2]}}}{wrap}", text)

    s = _SUPERSCRIPT.sub(
        lambda m: f"${subscripts(m[1] or m[3], '')}^{{{subscripts(m[2] or m[4], '')}}}$", s
    )
    parts = re.split(r"(\$[^$]*\$)", s)
    return "".join(p if p.startswith("$") else subscripts(p, "$") for p in parts)
