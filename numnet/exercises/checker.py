"""The generic checker: run a student's function on seeded cases and explain the first error.

An exercise is a function ``cases(rng)`` that yields :class:`Case` objects: the arguments, the
verified answer (computed with numnet's layers) and, for each recognised mistake, the answer
that mistake gives on the same arguments. The checker calls the student's function on every
case and compares. A mistake is recognised when the student's outputs equal that mistake's
answers on *every* case (and the student's function raises exactly where the mistake cannot be
computed, e.g. a matrix product with mismatched shapes) — it is decided from the outputs alone.

"Equal" means ``|got − expected| ≤ RTOL · (|expected| + max |expected|)`` entry by entry, the
maximum taken over the whole output: float64 rounding from a different order of summation is
relative to the size of the terms, far below ``RTOL``.
"""

import copy
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np

from numnet.exercises.mistakes import MISTAKES

RTOL = 1e-6

EXERCISES = {}


class _Raises:
    """Stands for the answer of a mistake that cannot be computed on a case (it raises)."""

    def __repr__(self):
        return "RAISES"


RAISES = _Raises()


class Variants(tuple):
    """Several answers for one mistake (e.g. one per common ε), each consistent across cases."""


@dataclass
class Case:
    """One call of the student's function: ``fn(*args)`` should return ``expected``.

    ``mistakes`` maps a mistake key to a function of no arguments that computes the mistaken
    answer (it may raise, or return :class:`Variants`).
    """

    label: str
    args: tuple
    expected: object
    mistakes: dict = field(default_factory=dict)


@dataclass
class Exercise:
    name: str
    signature: str
    outputs: tuple  # names of the returned values, e.g. ("dx",) or ("dx", "dW", "db")
    cases: object  # rng -> iterable of Case
    custom: object = None  # (fn, rng) -> Result, for exercises that need statistics


def exercise(signature, outputs, custom=False):
    """Register ``cases(rng)`` (or a custom checker) under its function name."""

    def register(function):
        name = function.__name__
        EXERCISES[name] = Exercise(
            name,
            signature,
            tuple(outputs),
            None if custom else function,
            function if custom else None,
        )
        return function

    return register


class Result:
    """What :func:`check` found: ``ok``, the key of a recognised ``mistake`` (or None), ``message``.

    ``bool(result)`` is ``result.ok``. It prints as a short report in a terminal and renders as
    Markdown in a notebook.
    """

    def __init__(self, name, ok, message, mistake=None, details=()):
        self.name, self.ok, self.mistake, self.details = name, bool(ok), mistake, tuple(details)
        self.message = message

    def __bool__(self):
        return self.ok

    def _lines(self, markdown):
        mark = "✔" if self.ok else "✘"
        head = f"**{mark} {self.name}**" if markdown else f"{mark} {self.name}"
        lines = [f"{head}: {self.message}"]
        lines += [f"- {d}" if markdown else f"  {d}" for d in self.details]
        if self.mistake is not None:
            short, hint, link = MISTAKES[self.mistake]
            # raw HTML: a Markdown link to a page of the built book is not a cross-reference
            # that Sphinx could resolve from a notebook's output
            see = f'<a href="{link}">see the book</a>' if markdown else f"(see {link})"
            lines.append(
                f"This looks like **{short}** (`{self.mistake}`): {hint} {see}"
                if markdown
                else f"This looks like {short} ({self.mistake}): {hint} {see}"
            )
        return lines

    def __str__(self):
        return "\n".join(self._lines(markdown=False))

    __repr__ = __str__

    def _repr_markdown_(self):
        return "\n\n".join(self._lines(markdown=True))


def names():
    """The names of the exercises, in the order of the book."""
    return list(EXERCISES)


def check(name, fn, *, seed=0):
    """Call ``fn`` on several seeded cases of exercise ``name`` and report the first error.

    Parameters
    ----------
    name : str
        One of :func:`names`.
    fn : callable
        The student's function, with the exercise's signature.
    seed : int
        Seeds the random cases, so that a report can be reproduced.

    Returns
    -------
    Result
        ``.ok``, ``.mistake`` (a key of ``MISTAKES`` or None) and ``.message``. The checker
        never raises because of ``fn``: an exception, a wrong type, shape or dtype, or NaN
        in its output is reported in the message.
    """
    if name not in EXERCISES:
        raise ValueError(f"exercises.check: unknown exercise {name!r}; choose one of {names()}")
    ex = EXERCISES[name]
    if not callable(fn):
        return Result(name, False, f"expected a function {ex.signature}, got {_describe(fn)}.")
    rng = np.random.default_rng(seed)
    if ex.custom is not None:
        return ex.custom(fn, rng)
    cases = list(ex.cases(rng))
    got = [call(fn, case.args) for case in cases]
    mistake = _recognise(cases, got, ex.outputs)
    for i, (case, out) in enumerate(zip(cases, got, strict=True)):
        problem = _problem(out, case.expected, ex.outputs)
        if problem is not None:
            where = f"case {i + 1} of {len(cases)} ({case.label})"
            return Result(name, False, f"{where}: {problem}", mistake, _tried(cases))
    return Result(name, True, f"correct on {len(cases)} cases: " + _summary(cases) + ".")


def call(fn, args):
    """``fn(*copies of args)``, with floating-point warnings silenced; an exception is returned."""
    args = tuple(
        a if callable(a) or isinstance(a, np.random.Generator) else copy.deepcopy(a) for a in args
    )
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return fn(*args)
        except Exception as err:  # the student's error becomes part of the report
            return _Raised(err)


class _Raised:
    def __init__(self, err):
        self.err = err

    def __str__(self):
        frames = traceback.extract_tb(self.err.__traceback__)
        where = ""
        if len(frames) > 1:  # the last frame below call(): the student's code, or NumPy's
            f = frames[-1]
            where = f" (line {f.lineno}: `{f.line}`)" if f.line else f" (line {f.lineno})"
        return f"your function raised {type(self.err).__name__}: {self.err}{where}"


def _evaluate(thunk):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return thunk()
        except Exception:
            return RAISES


def _recognise(cases, got, outputs):
    """The first mistake key whose answers the student's outputs equal on every case."""
    keys = dict.fromkeys(k for case in cases for k in case.mistakes)
    for key in keys:
        answers = [
            _evaluate(case.mistakes[key]) if key in case.mistakes else case.expected
            for case in cases
        ]
        n = max((len(a) for a in answers if isinstance(a, Variants)), default=1)
        for v in range(n):
            chosen = [a[v] if isinstance(a, Variants) else a for a in answers]
            if all(_matches(g, a, outputs) for g, a in zip(got, chosen, strict=True)):
                return key
    return None


def _matches(got, answer, outputs):
    if answer is RAISES or isinstance(got, _Raised):
        return answer is RAISES and isinstance(got, _Raised)
    return _problem(got, answer, outputs, nan_matches=True) is None


def _problem(got, want, outputs, nan_matches=False):
    """None if ``got`` equals ``want``, else a sentence describing the first difference."""
    if isinstance(got, _Raised):
        return str(got)
    if isinstance(want, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return (
                f"expected a tuple of {len(want)} values ({', '.join(outputs)}), "
                f"got {_describe(got)}."
            )
        for g, w, name in zip(got, want, outputs, strict=True):
            problem = _problem_one(g, w, name, nan_matches)
            if problem is not None:
                return problem
        return None
    return _problem_one(got, want, outputs[0], nan_matches)


def _problem_one(got, want, name, nan_matches):
    if isinstance(want, (int, float)):
        return _problem_number(got, want, name, nan_matches)
    if not isinstance(got, np.ndarray):
        return (
            f"{name} should be a NumPy array of shape {_shape(want.shape)}, got {_describe(got)}."
        )
    if got.shape != want.shape:
        return f"{name} has shape {_shape(got.shape)}, expected {_shape(want.shape)}."
    if got.dtype != want.dtype:
        return f"{name} has dtype {got.dtype}, expected {want.dtype}."
    bad = ~_close(got, want, nan_matches)
    if not bad.any():
        return None
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    g, w = got[index], want[index]
    return f"{name}[{', '.join(map(str, index))}] expected {_pair(w, g)}."


def _problem_number(got, want, name, nan_matches):
    if isinstance(got, np.ndarray) and got.shape == ():
        got = got[()]
    if isinstance(want, int) and not isinstance(want, bool):
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
            return f"{name} should be an int, got {_describe(got)}" + (
                " (use // for a whole number)." if isinstance(got, (float, np.floating)) else "."
            )
        return None if got == want else f"{name} expected {want}, got {got}."
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, float, np.number)):
        return f"{name} should be a single number, got {_describe(got)}."
    if _close(np.float64(got), np.float64(want), nan_matches):
        return None
    return f"{name} expected {_pair(want, got)}."


def _close(got, want, nan_matches):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    finite = np.isfinite(want)
    scale = np.abs(want[finite]).max() if finite.any() else 0.0
    with np.errstate(invalid="ignore"):
        close = np.abs(got - want) <= RTOL * (np.abs(want) + scale)
        close |= np.isinf(want) & (got == want)
    if nan_matches:  # a mistake that overflows: any non-finite result counts as the same
        close |= np.isnan(want) & ~np.isfinite(got)
    return close


def _pair(want, got):
    """'0.1234, got 0.5678' with enough digits to tell the two apart."""
    for digits in (6, 10, 17):
        w, g = f"{float(want):.{digits}g}", f"{float(got):.{digits}g}"
        if w != g:
            break
    return f"{w}, got {g}"


def _describe(value):
    if value is None:
        return "None (is a `return` missing?)"
    if isinstance(value, np.ndarray):
        return f"an array of shape {_shape(value.shape)} and dtype {value.dtype}"
    if isinstance(value, list):
        return "a list (convert it with np.array(...))"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)} values"
    if isinstance(value, (int, float, np.number)):
        return f"{value!r} (a {type(value).__name__})"
    return f"a {type(value).__name__}"


def _shape(shape):
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _summary(cases):
    return "; ".join(case.label for case in cases)


def _tried(cases):
    return ["cases tried: " + "; ".join(f"({i + 1}) {c.label}" for i, c in enumerate(cases))]
