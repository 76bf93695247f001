"""Proving two expressions equal: targeted reductions first, numbers only as a fallback.

Every reduction here is valid over the reals (none of SymPy's ``force=True`` rewrites, which
prove ``log(x²) = 2 log x`` even at x = −2). When no reduction reaches zero, the expressions are
compared at random points *and* at small integers, where kinks (x = 0) and ties (x₁ = x₂)
happen, with a relative tolerance; that weaker result is reported as ``"numeric"``.
"""

import itertools
import signal
import threading

import numpy as np
import sympy as sp

#: Relative tolerance of a numeric comparison (with a tiny absolute floor for exact zeros).
RTOL, ATOL = 1e-9, 1e-12
#: Random real points, and points on the small-integer grid, of a numeric comparison.
RANDOM_POINTS, GRID_POINTS = 20, 20
#: Seconds a single comparison may spend in ``sympy.simplify`` before numbers are tried, and in
#: any one targeted reduction (a reduction that does not finish proves nothing).
SIMPLIFY_BUDGET, REDUCTION_BUDGET = 4.0, 3.0


def _skip_futile_summation():
    """Make SymPy give up at once on a symbolic sum of array entries such as Σ_n x_n.

    ``Sum.doit`` hands a sum it cannot sift to Gosper's algorithm and hypergeometric summation,
    which search for a closed form for seconds; a sum over entries x_n of an array has none. The
    wrapper answers "no closed form" for such sums only; every other sum is summed as before.
    """
    from sympy.concrete import summations

    original = summations.eval_sum_symbolic
    if getattr(original, "_skips_indexed", False):
        return

    def eval_sum_symbolic(f, limits):
        i = limits[0]
        if any(i in entry.free_symbols for entry in f.atoms(sp.Indexed)):
            return None
        return original(f, limits)

    eval_sum_symbolic._skips_indexed = True
    summations.eval_sum_symbolic = eval_sum_symbolic


_skip_futile_summation()


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
    """``e`` with the book's named functions (σ, ReLU, …) written out and derivatives evaluated.

    Functions in :mod:`derivations.functions` define ``_eval_rewrite_as_numeric``; matrix
    expressions such as ``X.T * D`` become explicit matrices.
    """
    if isinstance(e, sp.MatrixExpr) and not isinstance(e, sp.MatrixBase):
        e = e.as_explicit()
    if isinstance(e, sp.MatrixBase):
        return e.applyfunc(concrete)
    return e.rewrite("numeric").doit() if hasattr(e, "rewrite") else e


def within_ranges(e, ranges):
    """Replace each bound ``1 ≤ i`` or ``i ≤ K`` implied by an index range with ``True``.

    ``ranges`` maps an index symbol to its ``(first, last)`` values. SymPy sifts a sum such as
    ``Σ_k 𝟙[k = j] e^{z_k}`` to ``e^{z_j}`` only "if 1 ≤ j ≤ K"; the index ranges say that it is.
    """
    if not ranges:
        return e

    def implied(rel):
        if not isinstance(rel, (sp.Ge, sp.Gt, sp.Le, sp.Lt)):
            return False
        big, small = (rel.lhs, rel.rhs) if isinstance(rel, (sp.Ge, sp.Gt)) else (rel.rhs, rel.lhs)
        gap = sp.expand(big - small)
        strict = isinstance(rel, (sp.Gt, sp.Lt))
        for i, (first, last) in ranges.items():
            for known in (i - first, last - i):  # both are ≥ 0
                if sp.expand(gap - known) == 0 and not strict:
                    return True
                if strict and (sp.expand(gap - known) < 0) is sp.true:
                    return True
        return False

    relations = [r for r in e.atoms(sp.core.relational.Relational) if implied(r)]
    return e.xreplace({r: sp.true for r in relations}) if relations else e


def sift(e):
    """Sum first over an index that a Kronecker delta fixes: ``Σ_n Σ_k 𝟙[n = r] f`` → ``Σ_k f|_{n=r}``.

    SymPy sums the innermost limit first; a delta in an outer index then stays unsifted.
    """

    def first_the_delta(s):
        deltas = s.function.atoms(sp.KroneckerDelta)
        for pos, limit in enumerate(s.limits):
            if len(s.limits) > 1 and any(limit[0] in kd.free_symbols for kd in deltas):
                others = s.limits[:pos] + s.limits[pos + 1 :]
                return sp.Sum(sp.Sum(s.function, limit).doit(), *others)
        return s

    return e.replace(lambda x: isinstance(x, sp.Sum), first_the_delta)


def split_sums(e):
    """``Σ (a + b)`` as ``Σ a + Σ b``, each summed on its own (``Σ c = N c`` for a constant c)."""

    def split(s):
        variables = [limit[0] for limit in s.limits]
        total = 0
        for term in sp.Add.make_args(sp.expand(s.function)):
            constant, varying = term.as_independent(*variables, as_Add=False)
            total += constant * sp.Sum(varying, *s.limits).doit()
        return total

    return e.replace(lambda x: isinstance(x, sp.Sum), split)


def _reductions(ranges):
    """Cheap, targeted reductions of a difference ``d``; each one valid over the reals."""

    def settle(d):
        # Sift sums over Kronecker deltas, one nesting level at a time, until nothing changes.
        for _ in range(6):
            before, d = d, within_ranges(sift(d), ranges).doit()
            if d == before:
                break
        return d

    return (
        lambda d: d,
        sp.expand,
        lambda d: sp.expand(split_sums(settle(sp.expand(d)))) if d.has(sp.Sum) else d,
        lambda d: sp.expand(settle(d)) if d.has(sp.Sum, sp.KroneckerDelta) else d,
        lambda d: sp.expand(split_sums(settle(sp.expand(concrete(d))))) if d.has(sp.Sum) else d,
        lambda d: sp.cancel(sp.together(d)),
        lambda d: sp.cancel(sp.together(sp.expand(settle(concrete(d))))),
        lambda d: sp.cancel(sp.together(sp.expand(concrete(d).rewrite(sp.exp)))),
        lambda d: sp.piecewise_fold(settle(d)),
        lambda d: sp.expand(sp.expand_log(d)),  # only where the assumptions allow it
        lambda d: sp.factor_terms(sp.expand(sp.powsimp(settle(d)))),
    )


def is_zero_symbolic(d, ranges=None):
    """True when a reduction (or ``simplify``, under a time budget) takes ``d`` to exactly 0."""
    for reduce in _reductions(ranges):
        try:
            if _with_budget(lambda r=reduce: r(d) == 0, REDUCTION_BUDGET) is True:
                return True
        except Exception:  # noqa: BLE001 - a reduction that cannot apply proves nothing
            continue
    try:
        return _with_budget(lambda: sp.simplify(d) == 0, SIMPLIFY_BUDGET) is True
    except Exception:  # noqa: BLE001 - simplify can crash on sums (StopIteration, …)
        return False


def sample_points(symbols, rng):
    """Points at which to compare two expressions: random reals and a small-integer grid.

    The grid puts variables at 0 (the kink of ReLU, |x|, max) and makes them tie (x₁ = x₂), so
    a claim that is wrong only at a kink or a tie is caught.
    """
    for _ in range(RANDOM_POINTS):
        yield [
            rng.uniform(0.2, 3.0)
            if s.is_positive
            else rng.uniform(0.0, 3.0)
            if s.is_nonnegative
            else rng.uniform(-3.0, 3.0)
            for s in symbols
        ]
    for _ in range(GRID_POINTS):
        yield [
            float(rng.integers(1, 4))
            if s.is_positive
            else float(rng.integers(0, 3))
            if s.is_nonnegative
            else float(rng.integers(-2, 3))
            for s in symbols
        ]


def close(a, b):
    """Relative closeness of two arrays of values (complex allowed, NaN never close)."""
    a, b = np.asarray(a, dtype=complex), np.asarray(b, dtype=complex)
    return bool(np.all(np.abs(a - b) <= RTOL * np.maximum(np.abs(a), np.abs(b)) + ATOL))


def is_zero_numeric(a, b, rng):
    """Compare ``a`` and ``b`` at :func:`sample_points`; ``None`` if they cannot be evaluated."""
    a, b = concrete(a), concrete(b)
    a = a if isinstance(a, sp.MatrixBase) else sp.Matrix([a])
    b = b if isinstance(b, sp.MatrixBase) else sp.Matrix([b])
    if (a - b).atoms(sp.core.function.AppliedUndef, sp.Indexed, sp.Sum, sp.Derivative):
        return None  # an undefined function (g), an index or a symbolic sum has no numbers
    symbols = sorted((a.free_symbols | b.free_symbols), key=str)
    try:
        fa, fb = (sp.lambdify(symbols, m, "numpy") for m in (a, b))
    except Exception:  # noqa: BLE001 - something without numbers (a random variable, …)
        return None
    compared = 0
    with np.errstate(all="ignore"):
        for point in sample_points(symbols, rng):
            try:
                va, vb = (np.asarray(f(*point), dtype=complex) for f in (fa, fb))
            except (ZeroDivisionError, OverflowError, ValueError):
                continue  # a pole met by plain Python arithmetic (1/(1 − β) at β = 1)
            if not (np.all(np.isfinite(va)) and np.all(np.isfinite(vb))):
                if np.array_equal(np.isfinite(va), np.isfinite(vb)):
                    continue  # a pole of both sides (e.g. 1/x at a grid point x = 0)
                return False
            if not close(va, vb):
                return False
            compared += 1
    return compared >= RANDOM_POINTS // 2 or None


def prove_equal(a, b, rng=None, ranges=None):
    """``"symbolic"``, ``"numeric"`` or ``"failed"`` for the claim ``a == b``.

    ``a`` and ``b`` may be scalars or matrices (compared entry by entry; different shapes fail).
    """
    rng = rng or np.random.default_rng(0)
    if _symbolic_shape(a) or _symbolic_shape(b):
        return "symbolic" if matrix_identity(a, b) else "failed"
    a, b = _explicit(a), _explicit(b)
    if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
        if not (isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase)):
            return "failed"
        if a.shape != b.shape:
            return "failed"
        levels = [prove_equal(x, y, rng, ranges) for x, y in zip(a, b, strict=True)]
        return min(levels, key=["failed", "numeric", "symbolic"].index, default="symbolic")
    if is_zero_symbolic(sp.sympify(a - b), ranges):
        return "symbolic"
    return "numeric" if is_zero_numeric(a, b, rng) else "failed"


def _symbolic_shape(e):
    return isinstance(e, sp.MatrixExpr) and not all(
        getattr(dim, "is_Integer", isinstance(dim, int)) for dim in e.shape
    )


def matrix_identity(a, b):
    """True when matrix algebra (distribute, reverse transposed products) makes ``a − b`` zero.

    For matrix symbols of any size: the identity then holds for every size.
    """
    if a.shape != b.shape:
        return False
    difference = (a - b).doit()
    for form in (difference, difference.expand(), sp.expand(difference).doit()):
        if form == 0 or getattr(form, "is_ZeroMatrix", False):
            return True
    return False


def _random_instance(exprs, rng):
    """Each size 2 and each matrix symbol a matrix of small random integers."""
    dims = {dim for e in exprs for m in e.atoms(sp.MatrixSymbol) for dim in m.shape}
    sizes = {s: 2 for dim in dims for s in sp.sympify(dim).free_symbols}
    matrices = {
        s: sp.Matrix(rng.integers(-3, 4, size=tuple(int(d) for d in s.subs(sizes).shape)))
        for e in exprs
        for s in e.atoms(sp.MatrixSymbol)
    }
    return [
        e.subs(sizes).subs({k.subs(sizes): v for k, v in matrices.items()}).doit() for e in exprs
    ]


def _explicit(e):
    e = e.doit() if hasattr(e, "doit") else e
    return e.as_explicit() if isinstance(e, sp.MatrixExpr) else e


def counterexample(a, b, rng):
    """A point (dict) where ``a`` and ``b`` differ, or ``None``: the proof that ``a ≠ b``."""
    if _symbolic_shape(a) or _symbolic_shape(b):
        for _ in range(10):
            ea, eb = _random_instance([a, b], rng)
            if ea.shape == eb.shape and ea != eb:
                return {"sizes": 2}
        return None
    a, b = concrete(_explicit(a)), concrete(_explicit(b))
    a = a if isinstance(a, sp.MatrixBase) else sp.Matrix([a])
    b = b if isinstance(b, sp.MatrixBase) else sp.Matrix([b])
    if a.shape != b.shape:
        return {}
    symbols = sorted(a.free_symbols | b.free_symbols, key=str)
    difference = a - b
    for point in itertools.islice(sample_points(symbols, rng), RANDOM_POINTS):
        values = dict(zip(symbols, (sp.nsimplify(round(v, 2)) for v in point), strict=True))
        # entry by entry, so that the search stops at the first entry that differs
        if any(_clearly_nonzero(entry.subs(values)) for entry in difference):
            return values
    return None


def _clearly_nonzero(value):
    """True when ``value`` (no symbols left) is not zero: exactly, or by a wide margin at 30 digits."""
    value = sp.sympify(value)
    if value.is_Rational:
        return value != 0
    if value.free_symbols or value.atoms(sp.core.function.AppliedUndef):
        return sp.simplify(value) != 0  # a function left undefined (g): SymPy's verdict
    number = value.evalf(30)
    return bool(number.is_number and abs(number) > 1e-12)


def holds(relation, rng=None, ranges=None):
    """The level at which an (unevaluated) relation holds: ``symbolic``, ``numeric`` or ``failed``.

    ``=`` is :func:`prove_equal`; ``≠`` needs a point where the sides differ (a counterexample
    proves it); ``≤ < ≥ >`` need the difference of the sides to be provably non-negative
    (positive) for every value of the symbols, or exactly so when there are no symbols.
    """
    rng = rng or np.random.default_rng(0)
    lhs, rhs = relation.args
    if isinstance(relation, sp.Eq):
        return prove_equal(lhs, rhs, rng, ranges)
    if isinstance(relation, sp.Ne):
        return "symbolic" if counterexample(lhs, rhs, rng) is not None else "failed"
    if isinstance(relation, (sp.Le, sp.Lt)):
        gap, strict = concrete(_explicit(rhs - lhs)), isinstance(relation, sp.Lt)
    elif isinstance(relation, (sp.Ge, sp.Gt)):
        gap, strict = concrete(_explicit(lhs - rhs)), isinstance(relation, sp.Gt)
    else:
        raise TypeError(f"cannot check a {type(relation).__name__}")
    for form in (gap, sp.factor(gap), sp.expand(gap), sp.simplify(gap)):
        known = form.is_positive if strict else form.is_nonnegative
        if known:
            return "symbolic"
        if known is False:
            return "failed"
    return "failed"
