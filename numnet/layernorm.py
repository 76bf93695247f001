"""Layer normalisation, ``torch.nn.LayerNorm``: each sample normalised over its own features."""

import math

import numpy as np

from numnet._sums import column_sums, row_means
from numnet._validate import check_number, shape_str
from numnet.module import Module, Parameter


class LayerNorm(Module):
    """Normalise over the last ``len(normalized_shape)`` axes of every sample, then scale and shift.

    Unlike BatchNorm, the statistics are those of one sample (one token, one image), so the
    layer does the same thing in training and in evaluation mode and needs no running
    statistics.

    Parameters
    ----------
    normalized_shape : int or tuple of int
        ``S``, the trailing shape normalised over: the input is ``(*, *S)``.
    eps : float, default 1e-5
        Added to the variance before the square root.
    elementwise_affine : bool, default True
        Learn ``weight`` (``γ``) and ``bias`` (``β``) of shape ``S``; if False, both are None.
    bias : bool, default True
        With ``elementwise_affine``, whether to learn ``β`` too (as in PyTorch ≥ 2.1).

    Attributes
    ----------
    weight : Parameter of shape S (ones), or None
    bias : Parameter of shape S (zeros), or None

    Notes
    -----
    For each sample, with ``D`` the number of normalised values (the product of ``S``),
    their mean ``μ``, *biased* variance ``v = Σ(x − μ)²/D`` and ``σ̂ = sqrt(v + eps)``::

        x̂ = (x − μ) / σ̂,    y = γ ⊙ x̂ + β

    Backward, with ``g = γ ⊙ dy`` (the gradient reaching ``x̂``) and the sums over the ``D``
    values of one sample::

        dx = (1/σ̂) · (g − (1/D) Σ g − x̂ · (1/D) Σ(g · x̂))
        dγ = Σ_samples dy ⊙ x̂,    dβ = Σ_samples dy

    This is BatchNorm's formula with the roles of the axes exchanged: the same derivation
    (``derivations/batchnorm.py``) over one sample's ``D`` values instead of one feature's
    ``N`` samples, with ``γ`` applied per value, before the sums.
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True):
        shape = (
            tuple(normalized_shape)
            if isinstance(normalized_shape, (tuple, list))
            else (normalized_shape,)
        )
        ok = len(shape) >= 1 and all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 1 for s in shape
        )
        if not ok:
            raise ValueError(
                "LayerNorm: normalized_shape must be a positive int or a non-empty tuple of "
                f"them, got {normalized_shape!r}"
            )
        eps = check_number("LayerNorm", "eps", eps, low=0)
        self.normalized_shape = tuple(int(s) for s in shape)
        self.eps = float(eps)
        self.elementwise_affine = bool(elementwise_affine)
        affine = self.elementwise_affine
        self.weight = Parameter(np.ones(self.normalized_shape)) if affine else None
        self.bias = Parameter(np.zeros(self.normalized_shape)) if affine and bias else None

    def forward(self, x):
        """``x``: (*, *normalized_shape) -> ``y``: same shape."""
        x = self._check_input(x, dtype=None if self.weight is None else self.weight.data.dtype)
        k = len(self.normalized_shape)
        if x.ndim < k or x.shape[x.ndim - k :] != self.normalized_shape:
            expected = shape_str(("*", *self.normalized_shape))
            raise ValueError(
                f"{self.name}: expected input of shape {expected}, got {shape_str(x.shape)}"
            )
        rows = x.reshape(-1, math.prod(self.normalized_shape))  # (M, D): one row per sample
        centred = rows - row_means(rows)[:, None]
        var = np.einsum("ij,ij->i", centred, centred) / rows.shape[1]  # biased: divides by D
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = centred
        x_hat *= inv_std[:, None]
        y = x_hat.copy() if self.weight is None else x_hat * self.weight.data.reshape(-1)
        if self.bias is not None:
            y += self.bias.data.reshape(-1)
        y = y.reshape(x.shape)  # never x_hat itself: backward overwrites x_hat
        self._remember(y=y, x_hat=x_hat, inv_std=inv_std)
        return y

    def backward(self, dy):
        """``dy``: (*, *normalized_shape) -> ``dx``: same shape; fills ``weight.grad`` and
        ``bias.grad`` (normalized_shape)."""
        cache = self._recall(dy)  # used up: its x_hat is free to overwrite below
        x_hat, inv_std = cache["x_hat"], cache["inv_std"]  # (M, D) and (M,)
        rows = dy.reshape(x_hat.shape)
        if self.bias is not None:
            self.bias.accumulate(column_sums(rows).reshape(self.normalized_shape))
        if self.weight is not None:
            dw = np.einsum("ij,ij->j", rows, x_hat)  # Σ over samples of dy ⊙ x̂, no temporary
            self.weight.accumulate(dw.reshape(self.normalized_shape))
            g = rows * self.weight.data.reshape(-1)
        else:
            g = rows.copy()
        g_x_hat = np.einsum("ij,ij->i", g, x_hat) / g.shape[1]  # (1/D) Σ g·x̂, per sample
        dx = g  # computed in place, one pass per term: (g − (1/D) Σ g − x̂ (1/D) Σ g·x̂) / σ̂
        dx -= row_means(g)[:, None]
        x_hat *= g_x_hat[:, None]
        dx -= x_hat
        dx *= inv_std[:, None]
        return dx.reshape(dy.shape)

    def extra_repr(self):
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )
