"""2-D pooling: ``MaxPool2d``, ``AvgPool2d`` and ``AdaptiveAvgPool2d``. No window is copied.

For each offset ``t`` inside a window, the entries at that offset of *all* windows form one
strided view of the input. Max and average pooling reduce over those views, first along the
width (``kw`` views), then along the height (``kh`` views): about ``kh + kw`` NumPy calls in
all, however many windows there are. The Python loops run over kernel offsets only, never
over samples or pixels.
"""

import math

import numpy as np

from numnet._validate import check_shape
from numnet.conv import _pad, as_pair, offset_views, output_shape
from numnet.module import Module


def _along(x, axis, kernel, stride, size_out):
    """The ``kernel`` views of ``x`` along ``axis``: view ``t`` holds, for every window
    position ``i < size_out``, the entry ``x[..., i·stride + t, ...]``."""
    views = []
    for t in range(kernel):
        index = [slice(None)] * x.ndim
        index[axis] = slice(t, t + stride * (size_out - 1) + 1, stride)
        views.append(x[tuple(index)])
    return views


def window_sums(x, kernel_size, stride, out_hw):
    """The sum of every ``kh × kw`` window of ``x``: (N, C, H, W) -> (N, C, Ho, Wo), new.

    A window's sum is the sum over its rows of the sums over its columns: the width is
    summed first (``kw`` views), then the height (``kh`` views).
    """
    (kh, kw), (sh, sw), (ho, wo) = kernel_size, stride, out_hw
    out = x
    for axis, kernel, step, size in ((3, kw, sw, wo), (2, kh, sh, ho)):
        views = _along(out, axis, kernel, step, size)
        out = views[0].copy() if kernel == 1 else np.add(views[0], views[1])
        for view in views[2:]:
            out += view
    return out


class _Pool2d(Module):
    """Arguments shared by MaxPool2d and AvgPool2d, checked as PyTorch checks them."""

    def __init__(self, kernel_size, stride=None, padding=0):
        who = type(self).__name__
        self.kernel_size = as_pair(who, kernel_size, "kernel_size")
        self.stride = as_pair(who, self.kernel_size if stride is None else stride, "stride")
        self.padding = as_pair(who, padding, "padding", minimum=0)
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        if ph > kh // 2 or pw > kw // 2:
            raise ValueError(
                f"{who}: padding must be at most half the kernel size (as in PyTorch), "
                f"got padding {self.padding} for kernel_size {self.kernel_size}"
            )

    def _output_hw(self, x):
        check_shape(self.name, x, ("N", "C", "H", "W"))
        return output_shape(self.name, x.shape[2:], self.kernel_size, self.stride, self.padding)

    def _crop(self, dxp):
        """The gradient of the padded input -> the gradient of the input."""
        (ph, pw), (hp, wp) = self.padding, dxp.shape[2:]
        return dxp[:, :, ph : hp - ph, pw : wp - pw]

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """Maximum over each ``kh × kw`` window, moved by ``stride`` (default: the kernel size).

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size`` (non-overlapping windows).
    padding : int or (int, int), default 0
        ``−∞`` added on each side (so a padded entry is never a window's maximum); at most
        half the kernel size, as PyTorch requires, so every window holds an input pixel.

    Notes
    -----
    With ``xpad`` the input padded by ``p`` entries ``−∞`` on each side, windows that would
    run past its edge are dropped, so ``Ho = ⌊(H + 2p − kh)/sh⌋ + 1``, and::

        y[n, c, i, j] = max_{a, b} xpad[n, c, i·sh + a, j·sw + b]

    Its gradient with respect to the window's entries is 1 at the maximum and 0 elsewhere
    (``derivations/pooling.py``), so backward sends ``dy[n, c, i, j]`` to the position of the
    maximum; on a tie, to the first one in row-major order (PyTorch's rule). Where windows
    overlap (``stride < kernel_size``) a pixel that is the maximum of several windows receives
    the sum of their gradients. The gradient of a padded entry is dropped (it is never the
    maximum anyway).

    Forward finds that first maximum as it goes: the maximum over a window's columns, row by
    row, remembers in which column ``b`` each row's first maximum lies; the maximum over the
    rows then remembers the first row ``a`` holding the window's maximum. In row-major order
    the first maximum is in that row ``a``, at that row's column ``b``. Forward keeps where
    that is, as an index into the flattened padded input (PyTorch keeps such indices too), so
    backward is one scatter.
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__(kernel_size, stride, padding)
        if max(self.kernel_size) > 256:  # offsets inside a window are kept as uint8
            raise ValueError(
                f"MaxPool2d: kernel_size must be at most 256 along each axis, "
                f"got {self.kernel_size}"
            )

    def forward(self, x):
        """``x``: (N, C, H, W) -> ``y``: (N, C, Ho, Wo)."""
        x = self._check_input(x)
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        ho, wo = self._output_hw(x)
        pad = any(self.padding)
        xp = _pad(x, self.padding, value=-np.inf) if pad else x
        # the maximum of each row of each window, then of those rows
        row_max, col = max_and_first(_along(xp, 3, kw, sw, wo))
        y, row = max_and_first(_along(row_max, 2, kh, sh, ho))
        where = _flat_index(row, col, xp.shape, (kh, kw), (sh, sw))
        self._remember(xp_shape=xp.shape, where=where, y=y)
        return y

    def backward(self, dy):
        """``dy``: (N, C, Ho, Wo) -> ``dx``: (N, C, H, W)."""
        cache = self._recall(dy)
        where, shape = cache["where"].reshape(-1), cache["xp_shape"]
        grads, size = dy.reshape(-1), math.prod(shape)
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        if sh < kh or sw < kw:  # windows overlap: add a pixel's gradients
            dxp = np.bincount(where, weights=grads, minlength=size)
            dxp = dxp.astype(dy.dtype, copy=False)
        else:  # each pixel is the maximum of one window at most
            dxp = np.zeros(size, dtype=dy.dtype)
            dxp[where] = grads
        return self._crop(dxp.reshape(shape))


def max_and_first(views):
    """The running maximum over ``views`` and, for each entry, the index
    of the first view that holds it (only a strictly greater value takes
    over, so a tie keeps the earlier view)."""
    if len(views) == 1:
        return views[0].copy(), np.zeros(views[0].shape, dtype=np.uint8)
    out = np.maximum(views[0], views[1])
    first = np.greater(views[1], views[0]).view(np.uint8)
    for t, view in enumerate(views[2:], start=2):
        greater = (view > out).view(np.uint8)
        # first < t so far, so the maximum sets it to t where view wins
        np.maximum(first, greater * np.uint8(t), out=first)
        np.maximum(out, view, out=out)
    return out, first


def _flat_index(row, col, shape, kernel_size, stride):
    """Where each window's first maximum lies in the flattened padded
    input of ``shape`` (N, C, Hp, Wp).

    ``row`` (N, C, Ho, Wo) holds the window's row ``a`` of that maximum;
    ``col`` (N, C, Hp, Wo) the column ``b`` of the first maximum of each
    row of each window. Counting from 0, window ``(i, j)`` of channel
    ``(n, c)`` starts at row ``i·sh``, column ``j·sw``, so its maximum is
    at ``((n·C + c)·Hp + i·sh + a)·Wp + j·sw + b``.
    """
    (n, c, hp, wp), (sh, sw), (ho, wo) = shape, stride, row.shape[2:]
    # cols[a]: for each window, the b of its row a
    cols = _along(col, 2, kernel_size[0], sh, ho)
    b = cols[0].copy()
    for a in range(1, len(cols)):
        # b = cols[a] where row == a (uint8 arithmetic wraps back)
        b += (row == a).view(np.uint8) * (cols[a] - b)
    index = np.multiply(row, wp, dtype=np.intp)
    index += b
    # add each window's start, through a view of index
    windows = index.reshape(n * c, ho, wo)
    windows += (np.arange(n * c) * (hp * wp))[:, None, None]
    windows += np.arange(ho)[:, None] * (sh * wp) + np.arange(wo) * sw
    return index


class AvgPool2d(_Pool2d):
    """Mean over each ``kh × kw`` window, moved by ``stride`` (default: the kernel size).

    PyTorch's ``AvgPool2d`` with its defaults ``ceil_mode=False``, ``count_include_pad=True``.

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size`` (non-overlapping windows).
    padding : int or (int, int), default 0
        Zeros added on each side, and counted in the mean; at most half the kernel size,
        as PyTorch requires.

    Notes
    -----
    With ``xpad`` the input padded with ``p`` zeros on each side and
    ``Ho = ⌊(H + 2p − kh)/sh⌋ + 1``, every window divides by its full size ``kh·kw``::

        y[n, c, i, j] = 1/(kh·kw) · Σ_{a, b} xpad[n, c, i·sh + a, j·sw + b]

    ``y`` is linear in ``x``, and ``∂y[n, c, i, j]/∂xpad[n, c, i·sh + a, j·sw + b] = 1/(kh·kw)``
    for every offset ``(a, b)`` of the window: backward spreads ``dy[n, c, i, j]/(kh·kw)``
    evenly over the window, sums where windows overlap, and drops what lands on the padding::

        dxpad[n, c, u, v] = 1/(kh·kw) · Σ dy[n, c, i, j] over the windows (i, j) holding (u, v)
    """

    def forward(self, x):
        """``x``: (N, C, H, W) -> ``y``: (N, C, Ho, Wo)."""
        x = self._check_input(x)
        out_hw = self._output_hw(x)
        xp = _pad(x, self.padding) if any(self.padding) else x
        y = window_sums(xp, self.kernel_size, self.stride, out_hw)
        y /= self.kernel_size[0] * self.kernel_size[1]
        self._remember(x_shape=x.shape, y=y)
        return y

    def backward(self, dy):
        """``dy``: (N, C, Ho, Wo) -> ``dx``: (N, C, H, W)."""
        cache = self._recall(dy)
        (n, c, h, w), (ph, pw) = cache["x_shape"], self.padding
        share = dy / (self.kernel_size[0] * self.kernel_size[1])
        dxp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=dy.dtype)
        for view in offset_views(dxp, self.kernel_size, self.stride, dy.shape[2:]):
            view += share  # one offset's views never overlap; different offsets add up
        return self._crop(dxp)


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size, whatever the input size (PyTorch's rule).

    Parameters
    ----------
    output_size : int or (int or None, int or None)
        ``(Ho, Wo)``; an int ``s`` means ``(s, s)`` and ``None`` keeps that input size.
        ``AdaptiveAvgPool2d(1)`` is global average pooling: one mean per channel.

    Notes
    -----
    Output row ``i`` averages the input rows ``[⌊i·H/Ho⌋, ⌈(i + 1)·H/Ho⌉)`` (likewise for the
    columns), so neighbouring windows may overlap by a row when ``Ho`` does not divide ``H``.
    Each window's mean is its row average of its column averages, so with the averaging
    matrices ``R`` (Ho, H) and ``C`` (Wo, W), ``R[i, h] = 1/(rows in window i)`` for the rows
    ``h`` of window ``i`` and 0 elsewhere::

        y[n, c] = R · x[n, c] · Cᵀ,        dx[n, c] = Rᵀ · dy[n, c] · C

    the backward being the transpose of this linear map. Global average pooling
    (``Ho = Wo = 1``) is ``y[n, c] = (1/(H·W)) Σ_{h, w} x[n, c, h, w]`` and
    ``dx[n, c, h, w] = dy[n, c, 0, 0]/(H·W)``.
    """

    def __init__(self, output_size):
        sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
        ok = len(sizes) == 2 and all(
            s is None or (isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 1)
            for s in sizes
        )
        if not ok:
            raise ValueError(
                "AdaptiveAvgPool2d: output_size must be a positive int or a pair of positive "
                f"ints (or None, keeping that input size), got {output_size!r}"
            )
        self.output_size = tuple(None if s is None else int(s) for s in sizes)

    def forward(self, x):
        """``x``: (N, C, H, W) -> ``y``: (N, C, Ho, Wo)."""
        x = self._check_input(x)
        check_shape(self.name, x, ("N", "C", "H", "W"))
        h, w = x.shape[2:]
        ho, wo = (n if s is None else s for n, s in zip((h, w), self.output_size, strict=True))
        rows, cols = averaging_matrix(h, ho, x.dtype), averaging_matrix(w, wo, x.dtype)
        y = rows @ x @ cols.T  # (Ho, H) @ (N, C, H, W) @ (W, Wo): one product per axis
        self._remember(rows=rows, cols=cols, y=y)
        return y

    def backward(self, dy):
        """``dy``: (N, C, Ho, Wo) -> ``dx``: (N, C, H, W)."""
        cache = self._recall(dy)
        return cache["rows"].T @ (dy @ cache["cols"])

    def extra_repr(self):
        return f"output_size={self.output_size}"


def averaging_matrix(size_in, size_out, dtype=np.float64):
    """``(size_out, size_in)``: row ``i`` averages ``[⌊i·n/m⌋, ⌈(i + 1)·n/m⌉)`` (``n`` in,
    ``m`` out), PyTorch's adaptive windows, computed in integers."""
    i = np.arange(size_out)
    start = i * size_in // size_out
    end = -((-(i + 1) * size_in) // size_out)  # ⌈(i + 1)·n/m⌉
    index = np.arange(size_in)
    inside = (start[:, None] <= index) & (index < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)
