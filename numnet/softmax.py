"""Softmax, log-softmax and log-sum-exp, computed without overflow.

All three shift the logits by their maximum first: ``softmax(z − m) = softmax(z)`` for any
constant ``m`` (``derivations/softmax.py::softmax_shift_invariance``), and with ``m = max(z)``
every exponent is ``≤ 0``, so ``exp`` never overflows and the largest term is exactly 1, so the
sum is never 0 and its log is never ``−inf``. Logits of ±1e4 (or ±1e300) give finite results
without a warning.
"""

import numpy as np

from numnet._validate import shape_str
from numnet.module import Module


def _shifted(z, axis):
    """``z − max(z)`` along ``axis`` (every entry ``≤ 0``, the largest exactly 0)."""
    return z - z.max(axis=axis, keepdims=True)


def logsumexp(z, axis=-1, keepdims=False):
    """``log Σ_j exp(z_j)`` along ``axis``, as ``m + log Σ_j exp(z_j − m)`` with ``m = max z``.

    Parameters
    ----------
    z : ndarray, shape (..., K, ...)
        Finite float values (not validated here; the layers and losses validate their inputs).
    axis : int, default -1
    keepdims : bool, default False

    Returns
    -------
    ndarray
        ``z``'s shape without ``axis`` (or with size 1 there if ``keepdims``).

    Notes
    -----
    Derived in ``derivations/softmax.py::log_sum_exp_stable``.
    """
    z = np.asarray(z)
    m = z.max(axis=axis, keepdims=True)
    out = m + np.log(np.exp(z - m).sum(axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def log_softmax(z, axis=-1):
    """``log softmax(z) = (z − m) − log Σ_j exp(z_j − m)`` with ``m = max z``; same shape as ``z``.

    Never ``−inf`` for finite ``z``: a logit 2e4 below the largest gives ``−2e4``, where
    ``log(softmax(z))`` would give ``log(0) = −inf``.
    """
    shifted = _shifted(np.asarray(z), axis)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(z, axis=-1):
    """``exp(z_i − m) / Σ_j exp(z_j − m)`` with ``m = max z``; same shape as ``z``.

    Each entry lies in ``[0, 1]`` and each slice along ``axis`` sums to 1 (an entry is exactly
    0 only when its logit is ~745 or more below the largest, where ``exp`` underflows).
    """
    e = np.exp(_shifted(np.asarray(z), axis))
    return e / e.sum(axis=axis, keepdims=True)


def _resolve_dim(who, dim, axis):
    """The class axis from ``dim`` (PyTorch's name) or ``axis`` (numnet's older name)."""
    if dim is not None and axis is not None and dim != axis:
        raise ValueError(f"{who}: got dim={dim!r} and axis={axis!r}; pass only one of them")
    dim = -1 if dim is None and axis is None else (dim if dim is not None else axis)
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{who}: dim must be an int, got {dim!r}")
    return int(dim)


class _AlongDim(Module):
    """Shared by Softmax and LogSoftmax: the ``dim`` argument and the input checks."""

    def __init__(self, dim=None, *, axis=None):
        self.dim = _resolve_dim(self.name, dim, axis)

    @property
    def axis(self):
        """The same as ``dim`` (numnet's first name for it)."""
        return self.dim

    def _check_along_dim(self, x):
        x = self._check_input(x)
        if not -x.ndim <= self.dim < x.ndim:
            raise ValueError(
                f"{self.name}: dim={self.dim} is out of range for an input with {x.ndim} "
                f"dimensions (shape {shape_str(x.shape)})"
            )
        if x.shape[self.dim] == 0:
            raise ValueError(
                f"{self.name}: expected at least one entry along dim={self.dim}, got an input "
                f"of shape {shape_str(x.shape)}"
            )
        return x

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    """``p = softmax(z)`` along ``dim`` (default: the last, one row of class scores per sample).

    Parameters
    ----------
    dim : int, default -1
        The axis that sums to 1, as in ``torch.nn.Softmax(dim)``. ``axis=`` is accepted as
        another name for it (``Softmax(axis=0)``).

    Notes
    -----
    The Jacobian of one slice is ``∂p_i/∂z_j = p_i (δ_ij − p_j)``, i.e. ``diag(p) − p pᵀ``
    (``derivations/softmax.py::softmax_jacobian``). ``backward`` never forms this ``K × K``
    matrix: it is symmetric, so ``dz = Jᵀ dy = J dy = p ⊙ (dy − Σ_j p_j dy_j)``, which costs
    ``O(K)`` per sample instead of ``O(K²)``.

    Before a loss, prefer ``CrossEntropyLoss`` on the logits: it fuses softmax and the log
    (``dL/dz = p − y``) and stays exact where ``log(p)`` would underflow.
    """

    def forward(self, x):
        """``x``: any shape with at least one axis -> ``p``: same shape, summing to 1 along ``dim``."""
        x = self._check_along_dim(x)
        y = softmax(x, self.dim)
        self._remember(y=y)
        return y

    def backward(self, dy):
        """``dy``: shape of ``p`` -> ``dx = p ⊙ (dy − Σ p ⊙ dy)``: same shape."""
        p = self._recall(dy)["y"]
        return p * (dy - (p * dy).sum(axis=self.dim, keepdims=True))


class LogSoftmax(_AlongDim):
    """``log softmax(z)`` along ``dim``, as ``torch.nn.LogSoftmax(dim)``; feeds ``NLLLoss``.

    Parameters
    ----------
    dim : int, default -1
        The class axis (``axis=`` is accepted too). PyTorch has no default here; numnet uses
        the last axis, like ``Softmax``.

    Notes
    -----
    ``y_i = z_i − log Σ_j e^{z_j}``, computed as ``(z_i − m) − log Σ_j e^{z_j − m}`` with
    ``m = max z``: finite for any finite logits (``−2e4`` where ``log(softmax)`` gives ``−inf``).
    Its Jacobian is ``∂y_i/∂z_j = δ_ij − p_j`` with ``p = softmax(z) = e^{y}``, so
    ``dz_j = Σ_i dy_i (δ_ij − p_j) = dy_j − p_j Σ_i dy_i``: ``O(K)`` per sample, and ``p``
    comes from the saved output as ``e^{y} ≤ 1`` (no overflow).
    """

    def forward(self, x):
        """``x``: any shape with at least one axis -> ``log p``: same shape."""
        x = self._check_along_dim(x)
        y = log_softmax(x, self.dim)
        self._remember(y=y)
        return y

    def backward(self, dy):
        """``dy``: shape of ``y`` -> ``dx = dy − softmax(x) Σ dy``: same shape."""
        y = self._recall(dy)["y"]
        return dy - np.exp(y) * dy.sum(axis=self.dim, keepdims=True)
