"""Exercises that check themselves: ``names()`` lists them, ``check(name, fn)`` checks yours.

>>> from numnet import exercises
>>> def sigmoid_backward(x, dy):
...     s = 1 / (1 + np.exp(-x))
...     return dy * s * (1 - s)
>>> exercises.check("sigmoid_backward", sigmoid_backward)      # doctest: +SKIP
✔ sigmoid_backward: correct on 4 cases: ...

The checker calls your function on several seeded cases (random batches, a batch of one, large
logits, exact ties, ...), compares with numnet's own layers, and reports the first wrong entry
(index, expected, got), a wrong shape or dtype, or the exception your function raised. When
your answer equals a known mistake on every case it says which, with a link to the book section
that explains it. Equal means within a relative 1e-6 (float64 rounding is far smaller).
NumPy only.
"""

from numnet.exercises import catalogue  # noqa: F401  (registers the exercises)
from numnet.exercises.checker import EXERCISES, RTOL, Result, check, names
from numnet.exercises.mistakes import MISTAKES

__all__ = ["EXERCISES", "MISTAKES", "RTOL", "Result", "check", "names"]
