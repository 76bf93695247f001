"""2-D max pooling on strided views: no window is ever copied.

For each of the ``kh · kw`` offsets ``(a, b)`` inside a window, the entries at that offset of
*all* windows form one strided view of the input, of the output's shape. The forward pass is a
running maximum over those views; the backward pass visits them in the same (row-major) order
and routes each window's gradient to the first offset that holds the maximum, as PyTorch does.
The Python loops run over the kernel offsets only, never over samples or pixels.
"""

import numpy as np

from numnet._validate import check_shape
from numnet.conv import as_pair, offset_views, output_shape
from numnet.module import Module


class MaxPool2d(Module):
    """Maximum over each ``kh × kw`` window, moved by ``stride`` (default: the kernel size).

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size`` (non-overlapping windows). Windows that would run past
        the edge are dropped, so ``Ho = ⌊(H − kh)/sh⌋ + 1``.

    Notes
    -----
    ``y[n, c, i, j] = max_{a, b} x[n, c, i·sh + a, j·sw + b]``. Its gradient with respect to
    the window's entries is 1 at the maximum and 0 elsewhere (``derivations/pooling.py``), so
    backward sends ``dy[n, c, i, j]`` to the position of the maximum; on a tie, to the first
    one in row-major order (PyTorch's rule). Where windows overlap (``stride < kernel_size``)
    a pixel that is the maximum of several windows receives the sum of their gradients.
    """

    def __init__(self, kernel_size, stride=None):
        self.kernel_size = as_pair("MaxPool2d", kernel_size, "kernel_size")
        self.stride = as_pair("MaxPool2d", self.kernel_size if stride is None else stride, "stride")

    def forward(self, x):
        """``x``: (N, C, H, W) -> ``y``: (N, C, Ho, Wo)."""
        x = self._check_input(x)
        check_shape(self.name, x, ("N", "C", "H", "W"))
        out_hw = output_shape(self.name, x.shape[2:], self.kernel_size, self.stride, (0, 0))
        views = offset_views(x, self.kernel_size, self.stride, out_hw)
        y = views[0].copy()
        for view in views[1:]:
            np.maximum(y, view, out=y)
        self._remember(x=x, y=y)
        return y

    def backward(self, dy):
        """``dy``: (N, C, Ho, Wo) -> ``dx``: (N, C, H, W), nonzero only at the maxima."""
        cache = self._recall(dy)
        x, y = cache["x"], cache["y"]
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        overlapping = sh < kh or sw < kw
        covers_all = (sh, sw) == (kh, kw) and x.shape[2] % kh == 0 and x.shape[3] % kw == 0
        # Windows that tile the input exactly write every pixel once: no need to zero first.
        dx = np.empty_like(x) if covers_all else np.zeros_like(x)
        x_views = offset_views(x, self.kernel_size, self.stride, y.shape[2:])
        dx_views = offset_views(dx, self.kernel_size, self.stride, y.shape[2:])
        is_max = np.empty(y.shape, dtype=bool)
        unclaimed = np.ones(y.shape, dtype=bool)  # windows whose maximum has not been found yet
        for x_view, dx_view in zip(x_views, dx_views, strict=True):
            np.equal(x_view, y, out=is_max)
            is_max &= unclaimed  # only the first maximum of each window
            unclaimed ^= is_max
            if overlapping:
                dx_view += dy * is_max
            else:
                np.multiply(dy, is_max, out=dx_view)
        return dx

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}"
