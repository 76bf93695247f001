"""Flatten every sample to a row, so that convolutional features can feed a ``Linear`` layer."""

import math

from numnet._validate import shape_str
from numnet.module import Module


class Flatten(Module):
    """Reshape ``(N, d1, d2, ...)`` to ``(N, d1 · d2 · ...)``; backward reshapes back.

    The order is NumPy's row-major order (for images: channel, then row, then column), the
    same as ``torch.nn.Flatten``.
    """

    def forward(self, x):
        """``x``: (N, d1, d2, ...) -> ``y``: (N, d1 · d2 · ...); ``N = 0`` gives ``(0, d1 · d2 · ...)``."""
        x = self._check_input(x)
        if x.ndim < 2:
            raise ValueError(
                f"{self.name}: expected input of shape (N, ...) with at least 2 axes, "
                f"got {shape_str(x.shape)}"
            )
        y = x.reshape(x.shape[0], math.prod(x.shape[1:]))  # not -1: that fails when N = 0
        self._remember(x_shape=x.shape, y=y)
        return y

    def backward(self, dy):
        """``dy``: (N, d1 · d2 · ...) -> ``dx``: (N, d1, d2, ...)."""
        x_shape = self._recall(dy)["x_shape"]  # checks dy (type, dtype, shape) first
        return dy.reshape(x_shape)
