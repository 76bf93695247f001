"""2-D convolution (cross-correlation, like every deep-learning library) via im2col.

``im2col`` copies every receptive field of a padded batch into one column of a matrix, so the
whole layer becomes one matrix product; ``col2im`` is its adjoint, adding each column's
gradient back onto the pixels it came from. Neither loops over pixels or samples: the only
Python loop in ``col2im`` runs over the ``kh · kw`` kernel offsets.

Padding may differ between the two sides of an axis (``padding='same'`` with an even kernel
needs it), so the helpers take it as ``((top, bottom), (left, right))`` as well as an int or
a pair ``(ph, pw)``. A dilation ``d`` spreads the kernel's taps ``d`` pixels apart, so that
``k`` taps span ``d·(k − 1) + 1`` pixels.
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


def as_padding(who, value):
    """Padding as ``((top, bottom), (left, right))``.

    ``value`` is an int (every side), a pair ``(ph, pw)`` (``ph`` above and below, ``pw``
    left and right) or already the nested form.
    """
    if isinstance(value, (tuple, list)) and all(isinstance(v, (tuple, list)) for v in value):
        if len(value) == 2:
            return tuple(as_pair(who, v, "padding", minimum=0) for v in value)
    ph, pw = as_pair(who, value, "padding", minimum=0)
    return (ph, ph), (pw, pw)


def conv_output_size(n, kernel, stride=1, padding=0, dilation=1):
    """Number of window positions along one axis: ``⌊(n + p₁ + p₂ − d·(f − 1) − 1)/s⌋ + 1``.

    ``padding`` is an int ``p`` (both sides: with ``d = 1`` this is ``⌊(n + 2p − f)/s⌋ + 1``)
    or a pair ``(p₁, p₂)`` (before, after).
    """
    before, after = padding if isinstance(padding, (tuple, list)) else (padding, padding)
    return (n + before + after - dilation * (kernel - 1) - 1) // stride + 1


def output_shape(who, in_hw, kernel_size, stride, padding, dilation=(1, 1)):
    """``(Ho, Wo)`` of a sliding window, or a ValueError naming ``who`` if it does not fit."""
    (h, w), (kh, kw), (dh, dw) = in_hw, kernel_size, dilation
    pads = as_padding(who, padding)
    padded_h, padded_w = h + sum(pads[0]), w + sum(pads[1])
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    if span_h > padded_h or span_w > padded_w:
        spans = (
            "" if (dh, dw) == (1, 1) else f" with dilation ({dh}, {dw}) spans {span_h}×{span_w}:"
        )
        raise ValueError(
            f"{who}: kernel {kh}×{kw}{spans} is larger than the padded input "
            f"{padded_h}×{padded_w} (input {h}×{w}, padding {padding_str(pads)})"
        )
    return tuple(
        conv_output_size(n, k, s, p, d)
        for n, k, s, p, d in zip((h, w), kernel_size, stride, pads, dilation, strict=True)
    )


def padding_str(pads):
    """``((1, 1), (2, 2))`` as ``1, 2``; an asymmetric padding in full."""
    (top, bottom), (left, right) = pads
    if top == bottom and left == right:
        return f"{top}, {left}"
    return f"(top, bottom) = ({top}, {bottom}), (left, right) = ({left}, {right})"


def _pad(x, padding, out=None, value=0.0):
    """Pad the last two axes of ``x`` with ``value``; writes into ``out`` if its shape fits
    (its border must already hold ``value``: a layer passes the buffer it padded last time).
    """
    (top, bottom), (left, right) = as_padding("pad", padding)
    n, c, h, w = x.shape
    shape = (n, c, top + h + bottom, left + w + right)
    if out is None or out.shape != shape or out.dtype != x.dtype:
        out = np.full(shape, value, dtype=x.dtype)
    out[:, :, top : top + h, left : left + w] = x
    return out


def offset_views(x, kernel_size, stride, out_hw, dilation=(1, 1)):
    """The ``kh · kw`` strided views ``x[:, :, a·dh::sh, b·dw::sw]``, each cut to (N, C, Ho, Wo).

    View number ``a · kw + b`` holds, for every window, its entry at offset ``(a, b)``; the
    views are writable when ``x`` is. Pooling and :func:`col2im` loop over these (``kh · kw``
    of them) instead of over pixels.
    """
    (kh, kw), (sh, sw), (ho, wo), (dh, dw) = kernel_size, stride, out_hw, dilation
    return [
        x[:, :, a * dh : a * dh + sh * (ho - 1) + 1 : sh, b * dw : b * dw + sw * (wo - 1) + 1 : sw]
        for a in range(kh)
        for b in range(kw)
    ]


def _windows(xp, kernel_size, stride, out_hw, dilation=(1, 1)):
    """View (no copy) of every window of ``xp``: shape (N, C, Ho, Wo, kh, kw)."""
    (kh, kw), (sh, sw), (ho, wo), (dh, dw) = kernel_size, stride, out_hw, dilation
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    view = sliding_window_view(xp, span, axis=(2, 3))
    return view[:, :, : sh * (ho - 1) + 1 : sh, : sw * (wo - 1) + 1 : sw, ::dh, ::dw]


def im2col(x, kernel_size, stride=1, padding=0, dilation=1, *, out=None, padded=None):
    """Every receptive field of ``x`` as a column.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel_size, stride, dilation : int or (int, int)
    padding : int, (int, int) or ((top, bottom), (left, right))
    out, padded : ndarray, optional
        Buffers to reuse (shapes ``(C·kh·kw, N·Ho·Wo)`` and the padded input's);
        a layer passes the ones it used last time so that no large array is allocated anew.

    Returns
    -------
    cols : ndarray, shape (C·kh·kw, N·Ho·Wo)
        Row ``(c, a, b)`` (in that order), column ``(n, i, j)``: the padded input at channel
        ``c``, row ``i·sh + a·dh``, column ``j·sw + b·dw`` of sample ``n``. A convolution with
        weight ``w`` of shape (O, C, kh, kw) is then ``w.reshape(O, -1) @ cols``.
    """
    check_shape("im2col", x, ("N", "C", "H", "W"))
    kernel_size = as_pair("im2col", kernel_size, "kernel_size")
    stride = as_pair("im2col", stride, "stride")
    dilation = as_pair("im2col", dilation, "dilation")
    padding = as_padding("im2col", padding)
    n, c = x.shape[:2]
    ho, wo = output_shape("im2col", x.shape[2:], kernel_size, stride, padding, dilation)
    xp = _pad(x, padding, out=padded)
    shape = (c * kernel_size[0] * kernel_size[1], n * ho * wo)
    if out is None or out.shape != shape or out.dtype != x.dtype:
        out = np.empty(shape, dtype=x.dtype)
    # (N, C, Ho, Wo, kh, kw) -> (C, kh, kw, N, Ho, Wo): one strided copy, no per-pixel loop.
    windows = _windows(xp, kernel_size, stride, (ho, wo), dilation)
    out.reshape(c, *kernel_size, n, ho, wo)[...] = windows.transpose(1, 4, 5, 0, 2, 3)
    return out


def col2im(cols, x_shape, kernel_size, stride=1, padding=0, dilation=1):
    """The adjoint of :func:`im2col`: add every column back onto the pixels it was copied from.

    Parameters
    ----------
    cols : ndarray, shape (C·kh·kw, N·Ho·Wo)
    x_shape : tuple (N, C, H, W)
    kernel_size, stride, padding, dilation : as for :func:`im2col`

    Returns
    -------
    ndarray, shape (N, C, H, W)
        A pixel that lies in several receptive fields receives the sum of their entries.
        (A view into a padded array: not contiguous when there is padding.)
    """
    kernel_size = as_pair("col2im", kernel_size, "kernel_size")
    stride = as_pair("col2im", stride, "stride")
    dilation = as_pair("col2im", dilation, "dilation")
    (top, bottom), (left, right) = padding = as_padding("col2im", padding)
    n, c, h, w = x_shape
    out_hw = output_shape("col2im", (h, w), kernel_size, stride, padding, dilation)
    # (C, kh, kw, N, Ho, Wo) -> one (N, C, Ho, Wo) block per kernel offset (a, b)
    grad = cols.reshape(c, -1, n, *out_hw).transpose(1, 2, 0, 3, 4)
    xp = np.zeros((n, c, top + h + bottom, left + w + right), dtype=cols.dtype)
    views = offset_views(xp, kernel_size, stride, out_hw, dilation)
    for view, g in zip(views, grad, strict=True):
        view += g  # the views of one offset never overlap; different offsets add up
    return xp[:, :, top : top + h, left : left + w]


def same_padding(kernel_size, dilation):
    """PyTorch's ``padding='same'``: ``d·(k − 1)`` in all per axis, the odd one on the far side.

    Returns ``((top, bottom), (left, right))`` with ``top = ⌊d·(kh − 1)/2⌋`` and
    ``bottom = d·(kh − 1) − top`` (likewise left and right); with stride 1 the output then
    has the input's size.
    """
    pads = []
    for k, d in zip(kernel_size, dilation, strict=True):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


class Conv2d(Module):
    """2-D convolution layer over a batch of multi-channel images (a cross-correlation).

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (int, int)
    stride : int or (int, int), default 1
    padding : int, (int, int), 'valid' or 'same'; default 0
        Zeros added on each side of both spatial axes. ``'valid'`` is no padding;
        ``'same'`` (stride 1 only, as in PyTorch) pads ``d·(k − 1)`` per axis in all, half on
        each side and the odd one at the bottom/right, so the output has the input's size.
    dilation : int or (int, int), default 1
        Spacing between the kernel's taps.
    bias : bool, default True
    rng : None, int or numpy.random.Generator
        Source of the initial weights: ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` with
        ``fan_in = in_channels · kh · kw``, as in PyTorch.

    Attributes
    ----------
    weight : Parameter, shape (out_channels, in_channels, kh, kw)
    bias : Parameter of shape (out_channels,), or None
    padding : (int, int) or the string given

    Notes
    -----
    Forward, for input ``x`` (N, C, H, W) and output ``y`` (N, O, Ho, Wo), with ``xpad`` the
    input padded by ``p₁`` rows above and ``p₂`` below (and likewise on the columns), and
    ``Ho = ⌊(H + p₁ + p₂ − d·(kh − 1) − 1)/s⌋ + 1`` (``= ⌊(H + 2p − kh)/s⌋ + 1`` for
    ``d = 1``, ``p₁ = p₂ = p``; ``derivations/convolution.py``)::

        y[n, o, i, j] = b[o] + Σ_{c, a, b} w[o, c, a, b] · xpad[n, c, i·s + a·d, j·s + b·d]

    Backward, for ``δ = dL/dy`` (``derivations/conv_backward.py``): ``dL/db[o] = Σ δ[:, o]``;
    ``dL/dw[o, c, a, b] = Σ_{n, i, j} δ[n, o, i, j] · xpad[n, c, i·s + a·d, j·s + b·d]``;
    ``dL/dxpad[n, c, u, v] = Σ δ[n, o, i, j] · w[o, c, a, b]`` over the ``(i, j, a, b)`` with
    ``i·s + a·d = u`` and ``j·s + b·d = v``, then cropped to the unpadded pixels. Both are
    computed as matrix products with the im2col matrix (``dw = δ · colsᵀ``,
    ``dcols = wᵀ · δ``, then ``col2im``), which is the same sum.
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        bias=True,
        *,
        rng=None,
    ):
        self.in_channels = check_positive_int("Conv2d", in_channels, "in_channels")
        self.out_channels = check_positive_int("Conv2d", out_channels, "out_channels")
        self.kernel_size = as_pair("Conv2d", kernel_size, "kernel_size")
        self.stride = as_pair("Conv2d", stride, "stride")
        self.dilation = as_pair("Conv2d", dilation, "dilation")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"Conv2d: padding must be an int, a pair of ints, 'same' or 'valid', "
                    f"got {padding!r}"
                )
            if padding == "same" and self.stride != (1, 1):
                raise ValueError(
                    f"Conv2d: padding='same' needs stride 1 (as in PyTorch), got stride {stride!r}"
                )
            self.padding = padding
            same = padding == "same"
            self._pads = same_padding(self.kernel_size, self.dilation) if same else ((0, 0),) * 2
        else:
            self.padding = as_pair("Conv2d", padding, "padding", minimum=0)
            self._pads = as_padding("Conv2d", self.padding)
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

    def _geometry(self):
        return self.kernel_size, self.stride, self._pads, self.dilation

    def forward(self, x):
        """``x``: (N, in_channels, H, W) -> ``y``: (N, out_channels, Ho, Wo)."""
        w = self.weight.data
        x = self._check_input(x, dtype=w.dtype)
        check_shape(self.name, x, ("N", self.in_channels, "H", "W"))
        n, c, h, wd = x.shape
        ho, wo = output_shape(self.name, (h, wd), *self._geometry())
        (top, bottom), (left, right) = self._pads
        o = self.out_channels
        padded = self._buffer("padded", (n, c, top + h + bottom, left + wd + right), x.dtype)
        cols = self._buffer("cols", (w[0].size, n * ho * wo), x.dtype)
        im2col(x, *self._geometry(), out=cols, padded=padded)
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
        Returns ``None`` instead of ``dx`` when this layer runs first in a
        ``Sequential.backward(dy, input_grad=False)``: nobody needs the input's gradient then.
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
        if not self._input_grad_needed():
            return None
        dcols = self._buffer("dcols", cols.shape, cols.dtype)
        np.matmul(w.reshape(o, -1).T, dy_oc, out=dcols)
        return col2im(dcols, cache["x_shape"], *self._geometry())

    def extra_repr(self):
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding!r}, dilation={self.dilation}, "
            f"bias={self.bias is not None}"
        )
