"""Element-wise activation functions.

Each ``backward`` multiplies the upstream gradient by the derivative derived in
``derivations/activations.py``; the derivative is written in terms of the saved output
where that is cheaper (``σ' = σ(1 − σ)``, ``tanh' = 1 − tanh²``).
"""

import numpy as np

from numnet.module import Module


def sigmoid(x):
    """``1 / (1 + exp(-x))`` without overflow: only ``exp(-|x|) ≤ 1`` is ever computed."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


class _Elementwise(Module):
    """Shared plumbing: check input, keep what backward needs, check ``dy``. Shapes are unchanged."""

    def forward(self, x):
        """``x``: any shape -> ``y``: same shape."""
        x = self._check_input(x)
        y = self._f(x)
        self._remember(x=x, y=y)
        return y

    def backward(self, dy):
        """``dy``: shape of ``y`` -> ``dx``: same shape."""
        cache = self._recall(dy)
        return dy * self._df(cache["x"], cache["y"])


class Sigmoid(_Elementwise):
    """``σ(x) = 1 / (1 + e^{-x})``, with ``σ'(x) = σ(x)(1 − σ(x)) ≤ 1/4``."""

    def _f(self, x):
        return sigmoid(x)

    def _df(self, x, y):
        return y * (1 - y)


class Tanh(_Elementwise):
    """``tanh(x) = 2σ(2x) − 1``, with ``tanh'(x) = 1 − tanh(x)² ≤ 1``."""

    def _f(self, x):
        return np.tanh(x)

    def _df(self, x, y):
        return 1 - y * y


class ReLU(_Elementwise):
    """``max(0, x)``; its derivative is 1 for ``x > 0`` and 0 otherwise (0 at ``x = 0``, as in PyTorch)."""

    def _f(self, x):
        return np.maximum(x, 0)

    def _df(self, x, y):
        return x > 0  # a boolean mask; dy * mask keeps dy's dtype


class LeakyReLU(_Elementwise):
    """``x`` for ``x > 0`` and ``negative_slope · x`` otherwise.

    The derivative is 1 for ``x > 0`` and ``negative_slope`` for ``x ≤ 0`` (as in PyTorch).
    """

    def __init__(self, negative_slope=0.01):
        self.negative_slope = float(negative_slope)

    def _f(self, x):
        return np.where(x > 0, x, x * self.negative_slope)

    def _df(self, x, y):
        return np.where(x > 0, 1, self.negative_slope).astype(x.dtype)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"
