"""2-D convolution (cross-correlation, like every deep-learning library) via im2col.

``im2col`` copies every receptive field of a padded batch into one column of a matrix, so the
whole layer becomes one matrix product; ``col2im`` is its adjoint, adding each column's
gradient back onto the pixels it came from. Neither loops over pixels or samples: the only
Python loop in ``col2im`` runs over the ``kh · kw`` kernel offsets.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from numnet import init
from numnet._validate import check_positive_int, check_shape
from numnet.module import Module, Parameter


def as_pair(who, value, name, minimum=1):
    """``value`` (an int or a pair of ints, each ``>= minimum``) as a tuple ``(h, w)``."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    ok = len(values) == 2 and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= minimum
        for v in values
    )
    if not ok:
        kind = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{who}: {name} must be a {kind} int or a pair of them, got {value!r}")
    return int(values[0]), int(values[1])


def conv_output_size(n, kernel, stride=1, padding=0):
    """Number of window positions along one axis: ``⌊(n + 2p − f) / s⌋ + 1``."""
    return (n + 2 * padding - kernel) // stride + 1


def output_shape(who, in_hw, kernel_size, stride, padding):
    """``(Ho, Wo)`` of a sliding window, or a ValueError naming ``who`` if it does not fit."""
    (h, w), (kh, kw), (ph, pw) = in_hw, kernel_size, padding
    if kh > h + 2 * ph or kw > w + 2 * pw:
        raise ValueError(
            f"{who}: kernel {kh}×{kw} is larger than the padded input "
            f"{h + 2 * ph}×{w + 2 * pw} (input {h}×{w}, padding {ph}, {pw})"
        )
    return conv_output_size(h, kh, stride[0], ph), conv_output_size(w, kw, stride[1], pw)


def _pad(x, padding, out=None):
    """Zero-pad the last two axes of ``x``; writes into ``out`` (whose border must be zero)."""
    ph, pw = padding
    n, c, h, w = x.shape
    shape = (n, c, h + 2 * ph, w + 2 * pw)
    if out is None or out.shape != shape or out.dtype != x.dtype:
        out = np.zeros(shape, dtype=x.dtype)
    out[:, :, ph : ph + h, pw : pw + w] = x
    return out


def offset_views(x, kernel_size, stride, out_hw):
    """The ``kh · kw`` strided views ``x[:, :, a::sh, b::sw]``, each cut to (N, C, Ho, Wo).

    View number ``a · kw + b`` holds, for every window, its entry at offset ``(a, b)``; the
    views are writable when ``x`` is. ``MaxPool2d`` and :func:`col2im` loop over these
    (``kh · kw`` of them) instead of over pixels.
    """
    (kh, kw), (sh, sw), (ho, wo) = kernel_size, stride, out_hw
    return [
        x[:, :, a : a + sh * (ho - 1) + 1 : sh, b : b + sw * (wo - 1) + 1 : sw]
        for a in range(kh)
        for b in range(kw)
    ]


def _windows(xp, kernel_size, stride, out_hw):
    """View (no copy) of every window of ``xp``: shape (N, C, Ho, Wo, kh, kw)."""
    (sh, sw), (ho, wo) = stride, out_hw
    view = sliding_window_view(xp, kernel_size, axis=(2, 3))
    return view[:, :, : sh * (ho - 1) + 1 : sh, : sw * (wo - 1) + 1 : sw]


def im2col(x, kernel_size, stride=1, padding=0, *, out=None, padded=None):
    """Every receptive field of ``x`` as a column.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel_size, stride, padding : int or (int, int)
    out, padded : ndarray, optional
        Buffers to reuse (shapes ``(C·kh·kw, N·Ho·Wo)`` and ``(N, C, H + 2ph, W + 2pw)``);
        a layer passes the ones it used last time so that no large array is allocated anew.

    Returns
    -------
    cols : ndarray, shape (C·kh·kw, N·Ho·Wo)
        Row ``(c, a, b)`` (in that order), column ``(n, i, j)``: the padded input at channel
        ``c``, row ``i·sh + a``, column ``j·sw + b`` of sample ``n``. A convolution with weight
        ``w`` of shape (O, C, kh, kw) is then ``w.reshape(O, -1) @ cols``.
    """
    check_shape("im2col", x, ("N", "C", "H", "W"))
    kernel_size = as_pair("im2col", kernel_size, "kernel_size")
    stride = as_pair("im2col", stride, "stride")
    padding = as_pair("im2col", padding, "padding", minimum=0)
    n, c = x.shape[:2]
    ho, wo = output_shape("im2col", x.shape[2:], kernel_size, stride, padding)
    xp = _pad(x, padding, out=padded)
    shape = (c * kernel_size[0] * kernel_size[1], n * ho * wo)
    if out is None or out.shape != shape or out.dtype != x.dtype:
        out = np.empty(shape, dtype=x.dtype)
    # (N, C, Ho, Wo, kh, kw) -> (C, kh, kw, N, Ho, Wo): one strided copy, no per-pixel loop.
    windows = _windows(xp, kernel_size, stride, (ho, wo))
    out.reshape(c, *kernel_size, n, ho, wo)[...] = windows.transpose(1, 4, 5, 0, 2, 3)
    return out


def col2im(cols, x_shape, kernel_size, stride=1, padding=0):
    """The adjoint of :func:`im2col`: add every column back onto the pixels it was copied from.

    Parameters
    ----------
    cols : ndarray, shape (C·kh·kw, N·Ho·Wo)
    x_shape : tuple (N, C, H, W)

    Returns
    -------
    ndarray, shape (N, C, H, W)
        A pixel that lies in several receptive fields receives the sum of their entries.
        (A view into a padded array: not contiguous when there is padding.)
    """
    kernel_size = as_pair("col2im", kernel_size, "kernel_size")
    stride = as_pair("col2im", stride, "stride")
    (ph, pw) = padding = as_pair("col2im", padding, "padding", minimum=0)
    n, c, h, w = x_shape
    out_hw = output_shape("col2im", (h, w), kernel_size, stride, padding)
    # (C, kh, kw, N, Ho, Wo) -> one (N, C, Ho, Wo) block per kernel offset (a, b)
    grad = cols.reshape(c, -1, n, *out_hw).transpose(1, 2, 0, 3, 4)
    xp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for view, g in zip(offset_views(xp, kernel_size, stride, out_hw), grad, strict=True):
        view += g  # the views of one offset never overlap; different offsets add up
    return xp[:, :, ph : ph + h, pw : pw + w]


class Conv2d(Module):
    """2-D convolution layer over a batch of multi-channel images (a cross-correlation).

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (int, int)
    stride : int or (int, int), default 1
    padding : int or (int, int), default 0
        Zeros added on each side of both spatial axes.
    bias : bool, default True
    rng : None, int or numpy.random.Generator
        Source of the initial weights: ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` with
        ``fan_in = in_channels · kh · kw``, as in PyTorch.

    Attributes
    ----------
    weight : Parameter, shape (out_channels, in_channels, kh, kw)
    bias : Parameter of shape (out_channels,), or None

    Notes
    -----
    Forward, for input ``x`` (N, C, H, W) and output ``y`` (N, O, Ho, Wo) with
    ``Ho = ⌊(H + 2p − kh)/s⌋ + 1`` (``derivations/convolution.py``)::

        y[n, o, i, j] = b[o] + Σ_{c, a, b} w[o, c, a, b] · xpad[n, c, i·s + a, j·s + b]

    Backward, for ``δ = dL/dy`` (``derivations/conv_backward.py``): ``dL/db[o] = Σ δ[:, o]``;
    ``dL/dw`` is the correlation of the padded input with ``δ`` (dilated by the stride);
    ``dL/dx`` is the full correlation of the dilated ``δ`` with the 180°-rotated kernel,
    cropped by the padding. Both are computed here as matrix products with the im2col matrix
    (``dw = δ · colsᵀ``, ``dcols = wᵀ · δ``, then ``col2im``), which is the same sum.
    """

    def __init__(
        self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True, *, rng=None
    ):
        self.in_channels = check_positive_int("Conv2d", in_channels, "in_channels")
        self.out_channels = check_positive_int("Conv2d", out_channels, "out_channels")
        self.kernel_size = as_pair("Conv2d", kernel_size, "kernel_size")
        self.stride = as_pair("Conv2d", stride, "stride")
        self.padding = as_pair("Conv2d", padding, "padding", minimum=0)
        fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        self.weight = Parameter(init.default_uniform(shape, fan_in, rng))
        self.bias = (
            Parameter(init.default_uniform((self.out_channels,), fan_in, rng)) if bias else None
        )
        self._buffers = {}  # reused work arrays (padded input, im2col matrix, …), never returned

    def _buffer(self, key, shape, dtype):
        buf = self._buffers.get(key)
        if buf is None or buf.shape != shape or buf.dtype != dtype:
            buf = self._buffers[key] = np.zeros(shape, dtype=dtype)
        return buf

    def forward(self, x):
        """``x``: (N, in_channels, H, W) -> ``y``: (N, out_channels, Ho, Wo)."""
        w = self.weight.data
        x = self._check_input(x, dtype=w.dtype)
        check_shape(self.name, x, ("N", self.in_channels, "H", "W"))
        n, c, h, wd = x.shape
        ho, wo = output_shape(self.name, (h, wd), self.kernel_size, self.stride, self.padding)
        ph, pw = self.padding
        o = self.out_channels
        padded = self._buffer("padded", (n, c, h + 2 * ph, wd + 2 * pw), x.dtype)
        cols = self._buffer("cols", (w[0].size, n * ho * wo), x.dtype)
        im2col(x, self.kernel_size, self.stride, self.padding, out=cols, padded=padded)
        y_oc = self._buffer("y_oc", (o, n * ho * wo), x.dtype)  # (O, N·Ho·Wo)
        np.matmul(w.reshape(o, -1), cols, out=y_oc)
        y_oc = y_oc.reshape(o, n, ho, wo).transpose(1, 0, 2, 3)  # a view, (N, O, Ho, Wo)
        y = np.empty((n, o, ho, wo), dtype=x.dtype)
        if self.bias is not None:  # one pass: copy to (N, O, Ho, Wo) order and add the bias
            np.add(y_oc, self.bias.data[:, None, None], out=y)
        else:
            y[...] = y_oc
        self._remember(x_shape=x.shape, cols=cols, y=y)
        return y

    def backward(self, dy):
        """``dy``: (N, out_channels, Ho, Wo) -> ``dx``: (N, in_channels, H, W).

        Adds ``dL/dw`` (out, in, kh, kw) to ``weight.grad`` and ``dL/db`` (out,) to ``bias.grad``.
        """
        cache = self._recall(dy)
        cols, w, o = cache["cols"], self.weight.data, self.out_channels
        n, _, ho, wo = dy.shape
        dy_oc = self._buffer("dy_oc", (o, n * ho * wo), dy.dtype)  # (O, N·Ho·Wo)
        dy_oc.reshape(o, n, ho, wo)[...] = dy.transpose(1, 0, 2, 3)
        # dw = dy_oc · colsᵀ, computed as (cols · dy_ocᵀ)ᵀ: BLAS is faster with the long
        # reduction (over every window of the batch) in this orientation.
        self.weight.accumulate((cols @ dy_oc.T).T.reshape(w.shape))
        if self.bias is not None:
            self.bias.accumulate(dy.sum(axis=(0, 2, 3)))
        dcols = self._buffer("dcols", cols.shape, cols.dtype)
        np.matmul(w.reshape(o, -1).T, dy_oc, out=dcols)
        return col2im(dcols, cache["x_shape"], self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}"
        )
