"""Explicit symbolic matrices for derivations that work entry by entry."""

import sympy as sp


def symbol_matrix(name, rows, cols, start=1):
    """A ``rows × cols`` matrix of real symbols ``name_{ij}`` (indices from ``start``)."""
    return sp.Matrix(
        rows, cols, lambda i, j: sp.Symbol(f"{name}_{{{i + start}{j + start}}}", real=True)
    )


def gradient(scalar, matrix):
    """The matrix of partial derivatives ``∂scalar/∂matrix_ij``, computed entry by entry."""
    return matrix.applyfunc(lambda m: sp.diff(scalar, m))
