"""Finite-difference gradient checks for the reader's own layers, losses and functions.

Central differences ``(f(x + h) − f(x − h)) / 2h`` have error ``O(h²)``; with ``h = 1e-6`` in
float64 the relative error of a correct gradient is typically below ``1e-8``.
"""

from dataclasses import dataclass

import numpy as np

from numnet._validate import check_number
from numnet.random import get_rng


def numerical_gradient(f, x, h=1e-6, method="central"):
    """Finite-difference gradient of the scalar function ``f()`` with respect to array ``x``.

    ``x`` is perturbed in place, one entry at a time, and restored; ``f`` takes no arguments
    so that it can read ``x`` through a closure (or a layer's parameter).

    Parameters
    ----------
    f : callable () -> float
    x : ndarray, any shape, float
    h : float
        The step, ``> 0``.
    method : {"central", "forward"}
        ``(f(x + h) − f(x − h)) / 2h`` (error ``O(h²)``) or ``(f(x + h) − f(x)) / h``
        (error ``O(h)``); derived in ``derivations/finite_differences.py``.

    Returns
    -------
    ndarray of float64, shape of ``x``
    """
    if method not in ("central", "forward"):
        raise ValueError(
            f"numerical_gradient: method must be 'central' or 'forward', got {method!r}"
        )
    h = check_number("numerical_gradient", "h", h, low=0, open_low=True)
    grad = np.zeros(x.shape, dtype=np.float64)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("numerical_gradient: x must be contiguous so it can be perturbed in place")
    base = f() if method == "forward" else None
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        up = f()
        if method == "forward":
            flat[i] = old
            gflat[i] = (up - base) / h
            continue
        flat[i] = old - h
        down = f()
        flat[i] = old
        gflat[i] = (up - down) / (2 * h)
    return grad


def relative_error(a, b):
    """``max |a − b| / max(|a|, |b|, 1e-12)``: scale-free, 0 for identical arrays."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.abs(a).max(initial=0.0), np.abs(b).max(initial=0.0), 1e-12)
    return float(np.abs(a - b).max(initial=0.0) / scale)


@dataclass
class GradcheckResult:
    """Relative error of each analytic gradient against finite differences."""

    errors: dict
    tolerance: float

    @property
    def ok(self):
        return all(e <= self.tolerance for e in self.errors.values())

    def __repr__(self):
        rows = "\n".join(f"  {k:<12} {v:.2e}" for k, v in self.errors.items())
        verdict = "OK" if self.ok else "FAILED"
        return f"gradcheck {verdict} (tolerance {self.tolerance:g}):\n{rows}"


def gradcheck(module, x, *, h=1e-6, tolerance=1e-6, rng=0):
    """Compare a module's ``backward`` with central differences of its ``forward``.

    The scalar checked is ``L = sum(module(x) * dy)`` for a fixed random ``dy``, so
    ``dL/dx = module.backward(dy)`` and each parameter's ``.grad`` are its exact gradients.

    Parameters
    ----------
    module : numnet.Module
        A deterministic module (put Dropout in ``eval()`` mode). Work in float64.
    x : ndarray
        An input batch. It is copied, not modified.

    Returns
    -------
    GradcheckResult
        ``.ok`` is True when every relative error is at most ``tolerance``; its ``repr`` is a table.
    """
    x = np.array(x, dtype=np.float64)
    dy = get_rng(rng).standard_normal(np.shape(module(x)))

    def loss():
        return float(np.sum(module(x) * dy))

    module.zero_grad()
    module(x)
    analytic = {"input": module.backward(dy)}
    params = module.parameters()
    analytic.update({f"param{i}": p.grad.copy() for i, p in enumerate(params)})
    numeric = {"input": numerical_gradient(loss, x, h)}
    numeric.update({f"param{i}": numerical_gradient(loss, p.data, h) for i, p in enumerate(params)})
    errors = {k: relative_error(analytic[k], numeric[k]) for k in analytic}
    return GradcheckResult(errors, tolerance)
