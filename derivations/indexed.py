"""Index notation for derivations at every size, and the explicit instances their ties need.

A general derivation works with ``IndexedBase`` arrays (``x[n, i]``) and symbolic sizes
(``N``, ``D``). To compare its claim with numnet, :func:`instance` evaluates it at concrete
sizes, with each array entry replaced by the matching entry of an explicit symbol matrix
(:func:`derivations.matrices.symbol_matrix`), so the tie can fill it with random numbers.
"""

import sympy as sp


def index(name):
    """An index symbol (a positive integer), e.g. ``index("n")``."""
    return sp.Symbol(name, integer=True, positive=True)


def size(name):
    """A size symbol such as ``N`` or ``K`` (a positive integer)."""
    return sp.Symbol(name, integer=True, positive=True)


def _entry(matrix, indices):
    if len(indices) == 2:
        return matrix[indices[0] - 1, indices[1] - 1]
    (k,) = indices
    return matrix[0, k - 1] if matrix.rows == 1 else matrix[k - 1, 0]


def instance(expr, sizes, arrays, functions=None):
    """``expr`` at concrete ``sizes``, each ``x[a, b]`` replaced by ``arrays[x][a-1, b-1]``.

    ``functions`` maps an undefined function (``g``) to a concrete one (``sp.tanh``).
    """
    e = expr.subs(sizes).doit()
    for f, concrete in (functions or {}).items():
        e = e.replace(f, concrete).doit()
    return e.replace(
        lambda a: isinstance(a, sp.Indexed) and a.base in arrays,
        lambda a: _entry(arrays[a.base], [int(i) for i in a.indices]),
    )


def instance_matrix(expr, rows, cols, sizes, arrays, functions=None):
    """The matrix whose entry (r, c) is :func:`instance` of ``expr`` at ``rows = r, cols = c``.

    ``rows`` and ``cols`` are ``(index symbol, count)`` pairs, e.g. ``((i, 3), (j, 2))``.
    """
    (r, nr), (c, nc) = rows, cols
    return sp.Matrix(
        nr, nc, lambda a, b: instance(expr.subs({r: a + 1, c: b + 1}), sizes, arrays, functions)
    )
