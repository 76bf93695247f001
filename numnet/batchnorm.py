"""Batch normalisation of dense features, ``torch.nn.BatchNorm1d`` for ``(N, C)`` input."""

import numbers

import numpy as np

from numnet._validate import check_positive_int, check_shape
from numnet.module import Module, Parameter


class BatchNorm1d(Module):
    """Normalise each feature over the batch, then scale by ``γ`` and shift by ``β``.

    Training mode uses the batch's own statistics and updates the running ones; evaluation
    mode uses the running statistics, so the layer becomes a fixed affine map.

    Parameters
    ----------
    num_features : int
        ``C``, the number of features (columns) of the input.
    eps : float, default 1e-5
        Added to the variance before the square root.
    momentum : float in [0, 1], default 0.1
        Weight of the new batch in the running statistics:
        ``running = (1 − momentum) · running + momentum · batch_statistic``.
        (PyTorch's ``momentum=None``, a cumulative average, is not supported.)

    Attributes
    ----------
    weight : Parameter, shape (C,)
        ``γ``, initialised to ones.
    bias : Parameter, shape (C,)
        ``β``, initialised to zeros.
    running_mean : ndarray, shape (C,)
        Initialised to zeros; updated with the batch mean in training mode.
    running_var : ndarray, shape (C,)
        Initialised to ones; updated with the *unbiased* batch variance
        ``Σ(x − μ)² / (N − 1)``, exactly as PyTorch does (the normalisation itself uses the
        biased variance ``Σ(x − μ)² / N``).

    Notes
    -----
    Training mode, for each feature with batch mean ``μ``, biased variance ``v`` and
    ``σ̂ = sqrt(v + eps)`` (derived in ``derivations/batchnorm.py``)::

        x̂ = (x − μ) / σ̂,    y = γ x̂ + β
        dx = γ / (N σ̂) · (N dy − Σ dy − x̂ Σ(dy · x̂))
        dγ = Σ dy · x̂,      dβ = Σ dy

    Evaluation mode uses ``σ̂ = sqrt(running_var + eps)`` and ``μ = running_mean``, which do
    not depend on ``x``: then ``dx = γ dy / σ̂``, and ``dγ``, ``dβ`` are as above.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        self.num_features = check_positive_int("BatchNorm1d", num_features, "num_features")
        self.eps = _check_number("eps", eps, 0.0, np.inf)
        self.momentum = _check_number("momentum", momentum, 0.0, 1.0)
        self.weight = Parameter(np.ones(self.num_features))
        self.bias = Parameter(np.zeros(self.num_features))
        self.running_mean = np.zeros(self.num_features)
        self.running_var = np.ones(self.num_features)

    def forward(self, x):
        """``x``: (N, C) -> ``y``: (N, C). Training mode needs N ≥ 2."""
        x = self._check_input(x, dtype=self.weight.data.dtype)
        check_shape(self.name, x, ("N", self.num_features))
        n = x.shape[0]
        if self.training:
            if n < 2:
                raise ValueError(
                    f"{self.name}: expected more than 1 sample per feature in training mode "
                    f"(batch statistics), got input of shape {x.shape}; use eval() for one sample"
                )
            mean = x.mean(axis=0)
            centred = x - mean
            var = (centred * centred).mean(axis=0)  # biased: divides by N
            m = self.momentum
            self.running_mean = (1 - m) * self.running_mean + m * mean
            self.running_var = (1 - m) * self.running_var + m * var * (n / (n - 1))
        else:
            centred = x - self.running_mean.astype(x.dtype, copy=False)
            var = self.running_var.astype(x.dtype, copy=False)
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = centred * inv_std
        y = x_hat * self.weight.data
        y += self.bias.data
        self._remember(y=y, x_hat=x_hat, inv_std=inv_std, batch_stats=self.training)
        return y

    def backward(self, dy):
        """``dy``: (N, C) -> ``dx``: (N, C); fills ``weight.grad`` and ``bias.grad`` (C,)."""
        cache = self._recall(dy)
        x_hat, inv_std = cache["x_hat"], cache["inv_std"]
        dgamma, dbeta = (dy * x_hat).sum(axis=0), dy.sum(axis=0)
        self.weight.accumulate(dgamma)
        self.bias.accumulate(dbeta)
        gamma = self.weight.data
        if not cache["batch_stats"]:
            return dy * (gamma * inv_std)
        n = dy.shape[0]
        dx = n * dy  # γ/(N σ̂) · (N dy − Σ dy − x̂ Σ dy x̂), with Σ dy = dβ and Σ dy x̂ = dγ
        dx -= dbeta
        dx -= x_hat * dgamma
        dx *= gamma * inv_std / n
        return dx

    def astype(self, dtype):
        """Convert ``weight``, ``bias`` and the running statistics to ``dtype``; returns ``self``."""
        super().astype(dtype)
        self.running_mean = self.running_mean.astype(dtype)
        self.running_var = self.running_var.astype(dtype)
        return self

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


def _check_number(name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not low <= value <= high:
        raise ValueError(f"BatchNorm1d: {name} must be a number in [{low}, {high}], got {value!r}")
    return float(value)
