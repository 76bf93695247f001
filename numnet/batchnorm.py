"""Batch normalisation: ``BatchNorm1d`` for dense features ``(N, C)`` and ``BatchNorm2d`` for
images ``(N, C, H, W)``, as ``torch.nn.BatchNorm1d`` / ``BatchNorm2d``.

Both normalise each channel over every value it takes in the batch: the ``N`` samples of a
dense feature, or the ``N·H·W`` pixels of an image channel. ``BatchNorm2d`` *is* BatchNorm
over ``m = N·H·W`` values per channel, so the two share all their code (``_BatchNorm``) and
differ only in the shape they accept.
"""

import numpy as np

from numnet._validate import check_number, check_positive_int, check_shape
from numnet.module import Module, Parameter


def _channel_dot(a, b):
    """``Σ a ⊙ b`` over every axis but the channels (axis 1): ``(N, C, …) -> (C,)``, with no
    temporary ``a ⊙ b``."""
    n, c = a.shape[:2]
    return np.einsum("nci,nci->c", a.reshape(n, c, -1), b.reshape(n, c, -1))


class _BatchNorm(Module):
    """Normalise each channel over the batch, then scale by ``γ`` and shift by ``β``.

    Subclasses set ``_input_shape`` (the expected input shape, the channel axis being 1);
    the statistics are taken over every other axis.
    """

    _input_shape = ("N", "C")

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        self.num_features = check_positive_int(self.name, num_features, "num_features")
        self.eps = check_number(self.name, "eps", eps, low=0)
        self.momentum = check_number(self.name, "momentum", momentum, low=0, high=1)
        self.weight = Parameter(np.ones(self.num_features))
        self.bias = Parameter(np.zeros(self.num_features))
        self.running_mean = np.zeros(self.num_features)
        self.running_var = np.ones(self.num_features)

    def forward(self, x):
        x = self._check_input(x, dtype=self.weight.data.dtype)
        shape = tuple(self.num_features if s == "C" else s for s in self._input_shape)
        check_shape(self.name, x, shape)
        axes = (0, *range(2, x.ndim))  # every axis but the channels
        per_channel = (-1,) + (1,) * (x.ndim - 2)  # (C,) or (C, 1, 1): broadcasts over x
        if self.training:
            m = x.size // self.num_features  # values per channel: N, or N·H·W
            if m < 2:
                raise ValueError(
                    f"{self.name}: expected more than 1 value per channel in training mode "
                    f"(batch statistics), got input of shape {x.shape}; use eval() for one sample"
                )
            mean = x.mean(axis=axes)
            centred = x - mean.reshape(per_channel)
            var = _channel_dot(centred, centred) / m  # biased: divides by m
            mo = self.momentum
            self.running_mean = (1 - mo) * self.running_mean + mo * mean
            self.running_var = (1 - mo) * self.running_var + mo * var * (m / (m - 1))
        else:
            centred = x - self.running_mean.astype(x.dtype, copy=False).reshape(per_channel)
            var = self.running_var.astype(x.dtype, copy=False)
        inv_std = (1.0 / np.sqrt(var + self.eps)).reshape(per_channel)
        x_hat = centred
        x_hat *= inv_std  # in place: centred is this layer's own array
        y = x_hat * self.weight.data.reshape(per_channel)
        y += self.bias.data.reshape(per_channel)
        self._remember(y=y, x_hat=x_hat, inv_std=inv_std, batch_stats=self.training)
        return y

    def backward(self, dy):
        cache = self._recall(dy)  # used up: its x_hat is free to overwrite below
        x_hat, inv_std = cache["x_hat"], cache["inv_std"]
        axes, per_channel = (0, *range(2, dy.ndim)), inv_std.shape
        dgamma, dbeta = _channel_dot(dy, x_hat), dy.sum(axis=axes)
        self.weight.accumulate(dgamma)
        self.bias.accumulate(dbeta)
        gamma = self.weight.data.reshape(per_channel)
        if not cache["batch_stats"]:
            return dy * (gamma * inv_std)
        m = dy.size // self.num_features
        # γ/(m σ̂) · (m dy − Σ dy − x̂ Σ dy x̂), with Σ dy = dβ and Σ dy x̂ = dγ
        dx = m * dy
        dx -= dbeta.reshape(per_channel)
        x_hat *= dgamma.reshape(per_channel)
        dx -= x_hat
        dx *= gamma * inv_std / m
        return dx

    def astype(self, dtype):
        """Convert ``weight``, ``bias`` and the running statistics to ``dtype``; returns ``self``."""
        super().astype(dtype)
        self.running_mean = self.running_mean.astype(dtype)
        self.running_var = self.running_var.astype(dtype)
        return self

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class BatchNorm1d(_BatchNorm):
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

    _input_shape = ("N", "C")

    def forward(self, x):
        """``x``: (N, C) -> ``y``: (N, C). Training mode needs N ≥ 2."""
        return super().forward(x)

    def backward(self, dy):
        """``dy``: (N, C) -> ``dx``: (N, C); fills ``weight.grad`` and ``bias.grad`` (C,)."""
        return super().backward(dy)


class BatchNorm2d(_BatchNorm):
    """Normalise each channel of a batch of images over its ``N·H·W`` values.

    The same layer as :class:`BatchNorm1d` with the ``N·H·W`` pixels of a channel in the
    place of the ``N`` samples of a feature: one ``γ``, ``β``, mean and variance per channel.

    Parameters
    ----------
    num_features : int
        ``C``, the number of channels of the input.
    eps : float, default 1e-5
    momentum : float in [0, 1], default 0.1
        As for :class:`BatchNorm1d`.

    Attributes
    ----------
    weight, bias : Parameter, shape (C,)
        ``γ`` (ones) and ``β`` (zeros).
    running_mean, running_var : ndarray, shape (C,)
        Updated in training mode with the batch mean and the *unbiased* variance
        ``Σ(x − μ)² / (m − 1)``, ``m = N·H·W``, as PyTorch does.

    Notes
    -----
    Reshaping ``x`` to ``x.transpose(1, 0, 2, 3).reshape(C, m)`` makes each channel one row
    of ``m = N·H·W`` values, and BatchNorm2d is BatchNorm1d of the transposed ``(m, C)``
    matrix: for a channel with mean ``μ``, biased variance ``v`` over its ``m`` values and
    ``σ̂ = sqrt(v + eps)``::

        x̂ = (x − μ) / σ̂,    y = γ x̂ + β
        dx = γ / (m σ̂) · (m dy − Σ dy − x̂ Σ(dy · x̂))      (sums over n, h, w)
        dγ = Σ dy · x̂,      dβ = Σ dy

    In evaluation mode ``dx = γ dy / σ̂`` with the running statistics.
    """

    _input_shape = ("N", "C", "H", "W")

    def forward(self, x):
        """``x``: (N, C, H, W) -> ``y``: (N, C, H, W). Training mode needs N·H·W ≥ 2."""
        return super().forward(x)

    def backward(self, dy):
        """``dy``: (N, C, H, W) -> ``dx``: (N, C, H, W); fills ``weight.grad``, ``bias.grad`` (C,)."""
        return super().backward(dy)
