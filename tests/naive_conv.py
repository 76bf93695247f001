"""Deliberately naive loop implementations: the readable definitions the fast layers must match.

Every output pixel is computed on its own, straight from the definition; every gradient is
accumulated window by window, exactly as the chain rule says. Slow (one Python iteration per
output pixel), and meant to be: used by the tests and by ``bench/bench_conv.py``.

Padding is ``(ph, pw)`` (the same on both sides) or ``((top, bottom), (left, right))``.
"""

import math

import numpy as np


def sides(padding):
    """``(ph, pw)`` or ``((top, bottom), (left, right))`` -> ``(top, bottom, left, right)``."""
    ph, pw = padding
    top, bottom = ph if isinstance(ph, tuple) else (ph, ph)
    left, right = pw if isinstance(pw, tuple) else (pw, pw)
    return top, bottom, left, right


def pad(x, padding, value=0.0):
    """Pad the last two axes of (N, C, H, W) with ``value``."""
    top, bottom, left, right = sides(padding)
    n, c, h, w = x.shape
    out = np.full((n, c, top + h + bottom, left + w + right), value, dtype=x.dtype)
    out[:, :, top : top + h, left : left + w] = x
    return out


def crop(xp, padding):
    """Undo :func:`pad`."""
    top, bottom, left, right = sides(padding)
    return xp[:, :, top : xp.shape[2] - bottom, left : xp.shape[3] - right]


def conv2d_forward(x, w, b, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
    """y[n, o, i, j] = b[o] + Σ_{c, a, b} w[o, c, a, b] · xpad[n, c, i·sh + a·dh, j·sw + b·dw]."""
    (sh, sw), (dh, dw) = stride, dilation
    xp = pad(x, padding)
    n_samples, _, hp, wp = xp.shape
    n_out, _, kh, kw = w.shape
    ho, wo = (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((n_samples, n_out, ho, wo), dtype=x.dtype)
    for n in range(n_samples):
        for o in range(n_out):
            for i in range(ho):
                for j in range(wo):
                    rows = slice(i * sh, i * sh + dh * (kh - 1) + 1, dh)
                    cols = slice(j * sw, j * sw + dw * (kw - 1) + 1, dw)
                    window = xp[n, :, rows, cols]
                    y[n, o, i, j] = np.sum(window * w[o]) + (0 if b is None else b[o])
    return y


def conv2d_backward(x, w, dy, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
    """Return ``(dx, dw, db)``: each output pixel sends ``dy · w`` to its window and ``dy · window`` to w."""
    (sh, sw), (dh, dw_) = stride, dilation
    _, _, kh, kw = w.shape
    xp = pad(x, padding)
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for n in range(dy.shape[0]):
        for o in range(dy.shape[1]):
            for i in range(dy.shape[2]):
                for j in range(dy.shape[3]):
                    rows = slice(i * sh, i * sh + dh * (kh - 1) + 1, dh)
                    cols = slice(j * sw, j * sw + dw_ * (kw - 1) + 1, dw_)
                    dxp[n, :, rows, cols] += dy[n, o, i, j] * w[o]
                    dw[o] += dy[n, o, i, j] * xp[n, :, rows, cols]
    db = dy.sum(axis=(0, 2, 3))
    return crop(dxp, padding), dw, db


def maxpool2d_forward(x, kernel_size, stride, padding=(0, 0)):
    """y[n, c, i, j] = max of the window at (i·sh, j·sw) of the input padded with −∞."""
    (kh, kw), (sh, sw) = kernel_size, stride
    xp = pad(x, padding, value=-np.inf)
    n_samples, channels, hp, wp = xp.shape
    ho, wo = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    y = np.zeros((n_samples, channels, ho, wo), dtype=x.dtype)
    for n in range(n_samples):
        for c in range(channels):
            for i in range(ho):
                for j in range(wo):
                    y[n, c, i, j] = xp[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw].max()
    return y


def maxpool2d_backward(x, dy, kernel_size, stride, padding=(0, 0)):
    """Each window sends its gradient to its first maximum (row-major), as PyTorch does."""
    (kh, kw), (sh, sw) = kernel_size, stride
    xp = pad(x, padding, value=-np.inf)
    dxp = np.zeros_like(xp)
    for n in range(dy.shape[0]):
        for c in range(dy.shape[1]):
            for i in range(dy.shape[2]):
                for j in range(dy.shape[3]):
                    window = xp[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    a, b = np.unravel_index(np.argmax(window), window.shape)  # first maximum
                    dxp[n, c, i * sh + a, j * sw + b] += dy[n, c, i, j]
    return crop(dxp, padding)


def avgpool2d_forward(x, kernel_size, stride, padding=(0, 0)):
    """y[n, c, i, j] = sum of the zero-padded window at (i·sh, j·sw) / (kh·kw)."""
    (kh, kw), (sh, sw) = kernel_size, stride
    xp = pad(x, padding)
    n_samples, channels, hp, wp = xp.shape
    ho, wo = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    y = np.zeros((n_samples, channels, ho, wo), dtype=x.dtype)
    for n in range(n_samples):
        for c in range(channels):
            for i in range(ho):
                for j in range(wo):
                    window = xp[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    y[n, c, i, j] = window.sum() / (kh * kw)
    return y


def avgpool2d_backward(x, dy, kernel_size, stride, padding=(0, 0)):
    """Each window spreads ``dy / (kh·kw)`` evenly over its pixels (padding included)."""
    (kh, kw), (sh, sw) = kernel_size, stride
    dxp = np.zeros_like(pad(x, padding))
    for n in range(dy.shape[0]):
        for c in range(dy.shape[1]):
            for i in range(dy.shape[2]):
                for j in range(dy.shape[3]):
                    window = dxp[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    window += dy[n, c, i, j] / (kh * kw)
    return crop(dxp, padding)


def adaptive_bounds(size_in, size_out):
    """PyTorch's windows: output ``i`` averages ``[⌊i·n/m⌋, ⌈(i + 1)·n/m⌉)``."""
    return [
        (math.floor(i * size_in / size_out), math.ceil((i + 1) * size_in / size_out))
        for i in range(size_out)
    ]


def adaptive_avgpool2d_forward(x, output_size):
    n_samples, channels, h, w = x.shape
    rows, cols = adaptive_bounds(h, output_size[0]), adaptive_bounds(w, output_size[1])
    y = np.zeros((n_samples, channels, *output_size), dtype=x.dtype)
    for n in range(n_samples):
        for c in range(channels):
            for i, (r0, r1) in enumerate(rows):
                for j, (c0, c1) in enumerate(cols):
                    y[n, c, i, j] = x[n, c, r0:r1, c0:c1].mean()
    return y


def adaptive_avgpool2d_backward(x, dy):
    _, _, h, w = x.shape
    rows, cols = adaptive_bounds(h, dy.shape[2]), adaptive_bounds(w, dy.shape[3])
    dx = np.zeros_like(x)
    for n in range(dy.shape[0]):
        for c in range(dy.shape[1]):
            for i, (r0, r1) in enumerate(rows):
                for j, (c0, c1) in enumerate(cols):
                    dx[n, c, r0:r1, c0:c1] += dy[n, c, i, j] / ((r1 - r0) * (c1 - c0))
    return dx
