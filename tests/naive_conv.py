"""Deliberately naive loop implementations: the readable definitions the fast layers must match.

Every output pixel is computed on its own, straight from the definition; every gradient is
accumulated window by window, exactly as the chain rule says. Slow (one Python iteration per
output pixel), and meant to be: used by the tests and by ``bench/bench_conv.py``.
"""

import numpy as np


def pad(x, ph, pw):
    """Zero-pad the last two axes of (N, C, H, W)."""
    n, c, h, w = x.shape
    out = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
    out[:, :, ph : ph + h, pw : pw + w] = x
    return out


def conv2d_forward(x, w, b, stride=(1, 1), padding=(0, 0)):
    """y[n, o, i, j] = b[o] + Σ_{c, a, b} w[o, c, a, b] · xpad[n, c, i·sh + a, j·sw + b]."""
    (sh, sw), (ph, pw) = stride, padding
    n_samples, _, h, wd = x.shape
    n_out, _, kh, kw = w.shape
    ho, wo = (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1
    xp = pad(x, ph, pw)
    y = np.zeros((n_samples, n_out, ho, wo), dtype=x.dtype)
    for n in range(n_samples):
        for o in range(n_out):
            for i in range(ho):
                for j in range(wo):
                    window = xp[n, :, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    y[n, o, i, j] = np.sum(window * w[o]) + (0 if b is None else b[o])
    return y


def conv2d_backward(x, w, dy, stride=(1, 1), padding=(0, 0)):
    """Return ``(dx, dw, db)``: each output pixel sends ``dy · w`` to its window and ``dy · window`` to w."""
    (sh, sw), (ph, pw) = stride, padding
    n_samples, _, h, wd = x.shape
    n_out, _, kh, kw = w.shape
    xp = pad(x, ph, pw)
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for n in range(n_samples):
        for o in range(n_out):
            for i in range(dy.shape[2]):
                for j in range(dy.shape[3]):
                    rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
                    dxp[n, :, rows, cols] += dy[n, o, i, j] * w[o]
                    dw[o] += dy[n, o, i, j] * xp[n, :, rows, cols]
    db = dy.sum(axis=(0, 2, 3))
    return dxp[:, :, ph : ph + h, pw : pw + wd], dw, db


def maxpool2d_forward(x, kernel_size, stride):
    """y[n, c, i, j] = max of the window at (i·sh, j·sw)."""
    (kh, kw), (sh, sw) = kernel_size, stride
    n_samples, channels, h, w = x.shape
    ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
    y = np.zeros((n_samples, channels, ho, wo), dtype=x.dtype)
    for n in range(n_samples):
        for c in range(channels):
            for i in range(ho):
                for j in range(wo):
                    y[n, c, i, j] = x[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw].max()
    return y


def maxpool2d_backward(x, dy, kernel_size, stride):
    """Each window sends its gradient to its first maximum (row-major), as PyTorch does."""
    (kh, kw), (sh, sw) = kernel_size, stride
    dx = np.zeros_like(x)
    for n in range(dy.shape[0]):
        for c in range(dy.shape[1]):
            for i in range(dy.shape[2]):
                for j in range(dy.shape[3]):
                    window = x[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    a, b = np.unravel_index(np.argmax(window), window.shape)  # first maximum
                    dx[n, c, i * sh + a, j * sw + b] += dy[n, c, i, j]
    return dx
