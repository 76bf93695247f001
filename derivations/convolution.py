"""Convolution: output size, the hand-worked question of report 000, convolution vs
cross-correlation, and the convolution as a matrix product (report 003) and im2col.

The small helpers at the top (``pad``, ``correlate``, ``rot180``, ``dilate``, ``patches``)
build exact SymPy matrices straight from the definitions; ``conv_backward.py`` and
``pooling.py`` reuse them, and the book uses the data of the hand-worked question.
"""

import functools

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations import functions as ops
from derivations.core import Derivation
from derivations.functions import explicit
from derivations.matrices import symbol_matrix
from derivations.printing import ordered, product
from numnet.conv import im2col

# ----------------------------------------------------------------------------------------
# Exact building blocks (single channel, SymPy matrices)
# ----------------------------------------------------------------------------------------


def pad(x, p):
    """``x`` with ``p`` rows/columns of zeros on every side (an explicit matrix)."""
    return sp.Matrix(explicit(ops.pad(sp.ImmutableMatrix(x), p)))


def correlate(x, k, stride=1):
    """Valid cross-correlation ``x ⋆_s k`` of explicit matrices."""
    return sp.Matrix(explicit(ops.correlate(sp.ImmutableMatrix(x), sp.ImmutableMatrix(k), stride)))


def rot180(k):
    """``k`` turned by 180°: both axes reversed."""
    return sp.Matrix(explicit(ops.rot180(sp.ImmutableMatrix(k))))


def patches(x, kh, kw, stride=1):
    """The im2col matrix of one channel (shape ``(kh·kw, Ho·Wo)``)."""
    return sp.Matrix(explicit(ops.im2col(sp.ImmutableMatrix(x), (kh, kw), stride)))


def tex_matrix(m):
    return sp.latex(m)


def as_array(m):
    """A SymPy matrix of numbers as a float64 NumPy array."""
    return np.array(m.tolist(), dtype=np.float64)


class Tables:
    """Small matrices shown side by side as HTML tables, each with a caption (for the book).

    ``Tables([m1, m2], ["caption 1", "caption 2"])`` in a notebook cell; every number is
    formatted from the arrays given (``digits`` significant digits), never typed.
    """

    def __init__(self, matrices, captions, digits=4):
        self.matrices, self.captions, self.digits = matrices, captions, digits

    def _cell(self, v):
        v = float(v)
        return str(int(v)) if v.is_integer() else f"{v:.{self.digits}g}"

    def _repr_html_(self):
        blocks = []
        for m, caption in zip(self.matrices, self.captions, strict=True):
            rows = "".join(
                "<tr>"
                + "".join(
                    f'<td style="text-align:right;padding:2px 8px">{self._cell(v)}</td>'
                    for v in row
                )
                + "</tr>"
                for row in np.atleast_2d(np.asarray(m, dtype=np.float64))
            )
            blocks.append(
                '<table style="width:auto;border-collapse:collapse;margin:0">'
                f'<caption style="caption-side:top;font-weight:bold;white-space:nowrap">{caption}</caption>'
                f"<tbody>{rows}</tbody></table>"
            )
        return (
            '<div style="display:flex;flex-wrap:wrap;align-items:flex-start;gap:2em;margin:1em 0">'
            + "".join(blocks)
            + "</div>"
        )


# ----------------------------------------------------------------------------------------
# Report 000, Question 2: data (from the report's text)
# ----------------------------------------------------------------------------------------

#: The 4×4 image (report 000, Table 5 without its zero border).
IMAGE = sp.Matrix([[2, 1, 3, 3], [1, 6, 2, 5], [1, 4, 5, 2], [6, 6, 5, 3]])
#: The three 4×4 maps the question gives (the report's "Table 2 - Convolved images"; stride 1,
#: padding 1).
GIVEN_MAPS = (
    sp.Matrix([[2, 13, 18, 12], [11, 16, 33, 17], [23, 34, 35, 23], [15, 25, 18, 7]]),
    sp.Matrix([[8, 4, 14, 5], [6, 17, 12, 13], [13, 18, 25, 9], [10, 12, 11, 8]]),
    sp.Matrix([[10, 24, 17, 16], [22, 23, 41, 17], [28, 42, 35, 28], [14, 31, 32, 19]]),
)
#: The pooled maps the question gives (the report's "Table 3 - Images after max pooling";
#: 2×2 windows, stride 2).
GIVEN_POOLED = (
    sp.Matrix([[16, 33], [34, 35]]),
    sp.Matrix([[17, 14], [18, 25]]),
    sp.Matrix([[24, 41], [42, 35]]),
)


@functools.cache
def hand_question_system():
    """``(A, filters)``: the 16×9 system ``A · vec(K) = vec(map)`` and its exact solutions.

    Row ``(i, j)`` of ``A`` is the 3×3 window of the padded image at ``(i, j)``, read row by
    row, so ``A = patches(pad(IMAGE, 1), 3, 3)ᵀ``. Each filter is solved by Gauss–Jordan
    elimination over the rationals; a ValueError from SymPy would mean the map is inconsistent.
    """
    a = patches(pad(IMAGE, 1), 3, 3).T
    filters = []
    for m in GIVEN_MAPS:
        solution, free = a.gauss_jordan_solve(m.reshape(16, 1))
        if free.shape[0]:
            raise ValueError("the map does not determine its filter uniquely")
        filters.append(solution.reshape(3, 3))
    return a, tuple(filters)


# ----------------------------------------------------------------------------------------
# Derivations
# ----------------------------------------------------------------------------------------
n, k, s, dil = (sp.Symbol(v, integer=True, positive=True) for v in ("n", "k", "s", "d"))
p = sp.Symbol("p", integer=True, nonnegative=True)
m, o = sp.Symbol("m", integer=True), sp.Symbol("o", integer=True)  # o: the output size


@derivation
def conv_output_size():
    d = Derivation(
        "conv_output_size",
        ("Output size of a convolution: ", sp.Eq(o, ordered(sp.floor(m / s), 1))),
        (
            "Along one axis the input has n entries, padded by p on each side; a kernel of k "
            "taps spread d apart (dilation d, usually 1) spans d(k − 1) + 1 entries. Measured "
            "as an offset from the first padded entry, a window may start at 0, s, 2s, … up to "
            "the last start m that leaves room for it. The claim: o windows fit, that is the "
            "last start (o − 1)s is at most m and the next one, os, is past it. The proof "
            "uses only floor's defining inequalities ",
            sp.Le(sp.floor(sp.Symbol("x")), sp.Symbol("x")),
            " and ",
            sp.Lt(sp.Symbol("x"), sp.floor(sp.Symbol("x")) + 1),
            ", through the fractional part {x} = x − ⌊x⌋.",
        ),
        sizes="every n, k, d, s ≥ 1 and p ≥ 0 for which the kernel fits, d(k − 1) + 1 ≤ n + 2p",
    )
    d.define(m, ordered(n, 2 * p, -dil * (k - 1), -1))
    d.define(o, ordered(sp.floor(m / s), 1))
    d.chain(
        ordered(m, -product(o - 1, s)),
        (s * ops.frac(m / s), "o − 1 = ⌊m/s⌋ and m/s − ⌊m/s⌋ = {m/s}"),
    )
    d.fact(sp.Ge(s * ops.frac(m / s), 0, evaluate=False), "⌊x⌋ ≤ x: the last start fits")
    d.chain(
        ordered(product(o, s), -m),
        (s * ops.frac_complement(m / s), "os − m = s(⌊m/s⌋ + 1 − m/s)"),
    )
    d.fact(
        sp.Gt(s * ops.frac_complement(m / s), 0, evaluate=False),
        "x < ⌊x⌋ + 1: the next start is past m",
    )
    size = sp.floor((n + 2 * p - dil * (k - 1) - 1) / s) + 1

    def sample(rng):
        nn, pp, dd = rng.integers(1, 12), rng.integers(0, 3), rng.integers(1, 3)
        kk = rng.integers(1, (nn + 2 * pp - 1) // dd + 2)
        return [nn, pp, kk, rng.integers(1, 4), dd]

    def numnet_size(values):
        nn, pp, kk, ss, dd = (int(v) for v in values)
        layer = numnet.Conv2d(1, 1, kk, stride=ss, padding=pp, dilation=dd)
        return layer(np.zeros((1, 1, nn, nn))).shape[2]

    def numnet_same(values):
        nn, kk, dd = (int(v) for v in values)
        layer = numnet.Conv2d(1, 1, kk, padding="same", dilation=dd)
        return layer(np.zeros((1, 1, nn, nn))).shape[2]

    d.tie(size, [n, p, k, s, dil], numnet_size, "Conv2d output size (random sizes)", sample=sample)
    d.tie(
        n,
        [n, k, dil],
        numnet_same,
        "Conv2d(padding='same'): o = n",
        sample=lambda rng: [rng.integers(3, 12), rng.integers(1, 6), rng.integers(1, 3)],
    )
    d.tie(
        sp.Matrix([64, 56, 56]),
        [],
        lambda v: numnet.Conv2d(3, 64, 5, stride=4)(np.zeros((1, 3, 225, 225))).shape[1:],
        "Conv2d(3, 64, 5, stride=4) on 225×225",
    )
    return d


@derivation
def conv_hand_question():
    d = Derivation(
        "conv_hand_question",
        "The hand-worked convolution question: the three filters, recovered exactly",
        "The question gives the image x and the three maps, not the filters. Each map "
        "entry is one linear equation in the 9 filter entries: the 3×3 window of the padded "
        "image at that position, dotted with the filter. The 16 windows, read row by row, "
        "are the rows of a 16×9 matrix A (in the box below), and A vec(W_k) = vec(M_k). "
        "Exact arithmetic throughout: no rounding, no least squares.",
    )
    a, filters = hand_question_system()
    x = sp.MatrixSymbol("x", 4, 4)
    big_a = sp.MatrixSymbol("A", 16, 9)
    d.define(x, sp.ImmutableMatrix(IMAGE))
    d.define(big_a, sp.ImmutableMatrix(a), show=False)
    d.fact(
        sp.Ne(sp.Determinant(big_a.T * big_a), 0, evaluate=False),
        "A has rank 9: at most one filter fits each map",
    )
    kernels = []
    for i, (given, kern) in enumerate(zip(GIVEN_MAPS, filters, strict=True), 1):
        w = sp.MatrixSymbol(f"W_{i}", 3, 3)
        kernels.append(w)
        d.define(w, sp.ImmutableMatrix(kern))
        d.chain(
            ops.correlate(ops.pad(x, 1), w),
            (sp.ImmutableMatrix(given), f"the question's map {i}, all 16 entries"),
        )
    for w in kernels:
        d.fact(sp.Eq(ops.rot180(w), w, evaluate=False), "unchanged by a half turn")

    def numnet_maps(values):
        layer = numnet.Conv2d(1, 3, 3, padding=1, bias=False)
        layer.weight.data = np.stack([as_array(kern) for kern in filters])[:, None]
        return layer(as_array(IMAGE)[None, None])[0]

    d.tie(
        sp.Matrix([list(given) for given in GIVEN_MAPS]),
        [],
        numnet_maps,
        "Conv2d(1, 3, 3, padding=1) with the recovered filters",
    )
    return d


@derivation
def conv_vs_correlation():
    d = Derivation(
        "conv_vs_correlation",
        "Convolution is cross-correlation with the kernel turned by 180°",
        "Deep-learning libraries compute the cross-correlation x ⋆ W, out_ij = Σ_ab W_ab "
        "x_{i+a−1, j+b−1}, and call it convolution. The convolution x * W of signal processing "
        "runs the kernel index against the image index: out_ij = Σ_uv W_uv x_{i+2−u, j+2−v} "
        "for a 2×2 kernel. Here for a 3×3 image x and a 2×2 kernel W (indices from 1).",
        at="a 3×3 image, a 2×2 kernel",
    )
    x, w = sp.MatrixSymbol("x", 3, 3), sp.MatrixSymbol("W", 2, 2)
    claim = d.chain(
        ops.convolve(x, w),
        (ops.correlate(x, ops.rot180(w)), "put a = 3 − u, b = 3 − v"),
    )
    d.fact(
        sp.Ne(ops.convolve(x, w), ops.correlate(x, w), evaluate=False),
        "for a general kernel the two differ",
    )
    a_, c_ = sp.symbols("a c", real=True)
    sym = sp.MatrixSymbol("S", 2, 2)
    d.define(sym, sp.ImmutableMatrix([[a_, c_], [c_, a_]]))
    d.fact(sp.Eq(ops.rot180(sym), sym, evaluate=False), "S is unchanged by a half turn")
    d.fact(
        sp.Eq(ops.convolve(x, sym), ops.correlate(x, sym), evaluate=False),
        "so for S the two agree, as for every filter of the hand-worked question",
    )
    xs, ws = symbol_matrix("x", 3, 3), symbol_matrix("W", 2, 2)

    def numnet_conv(values, dtype=np.float64):
        values = np.asarray(values, dtype=dtype)
        layer = numnet.Conv2d(1, 1, 2, bias=False).astype(dtype)
        layer.weight.data = np.rot90(values[9:].reshape(2, 2), 2).copy()[None, None]
        return layer(values[:9].reshape(1, 1, 3, 3))

    d.tie(d.unfold(claim), list(xs) + list(ws), numnet_conv, "Conv2d with the turned kernel")
    return d


@derivation
def conv_as_matrix_product():
    d = Derivation(
        "conv_as_matrix_product",
        "A 3×3 convolution with padding 1 on a 3×3 image is one matrix product",
        "Pad the image x₀ … x₈ to 5×5 {cite}`report003`; each of the 9 outputs is the kernel "
        "w₀ … w₈, read row by row, times one 3×3 patch read the same way. cols(·) puts "
        "those patches side by side as the columns of a 9×9 matrix (im2col). Grouping the "
        "same sums by pixel instead gives a 9×9 matrix T built from the kernel.",
        at="a 3×3 image, a 3×3 kernel, padding 1",
    )
    xs, ws = sp.symbols("x_0:9", real=True), sp.symbols("w_0:9", real=True)
    x, w = sp.MatrixSymbol("x", 3, 3), sp.MatrixSymbol("w", 3, 3)
    d.define(x, sp.ImmutableMatrix(3, 3, xs), show=False)
    d.define(w, sp.ImmutableMatrix(3, 3, ws), show=False)
    out = ops.correlate(ops.pad(x, 1), w)
    cols = ops.im2col(ops.pad(x, 1), 3)
    claim = d.chain(
        sp.Transpose(ops.vec(out)),
        (sp.MatMul(sp.Transpose(ops.vec(w)), cols), "each output: the kernel row times its patch"),
    )
    x0, x1, x2, x3, x4, x5, x6, x7, x8 = xs
    report_p = sp.ImmutableMatrix(
        [
            [0, 0, 0, 0, x0, x1, 0, x3, x4],
            [0, 0, 0, x0, x1, x2, x3, x4, x5],
            [0, 0, 0, x1, x2, 0, x4, x5, 0],
            [0, x0, x1, 0, x3, x4, 0, x6, x7],
            [x0, x1, x2, x3, x4, x5, x6, x7, x8],
            [x1, x2, 0, x4, x5, 0, x7, x8, 0],
            [0, x3, x4, 0, x6, x7, 0, 0, 0],
            [x3, x4, x5, x6, x7, x8, 0, 0, 0],
            [x4, x5, 0, x7, x8, 0, 0, 0, 0],
        ]
    )
    d.fact(
        sp.Eq(cols, report_p, evaluate=False),
        "the 9×9 matrix as written out by hand in {cite}`report003`",
    )
    d.fact(
        sp.Eq(cols, sp.Transpose(cols), evaluate=False),
        "symmetric: entry (k, q) is the pixel at offset(k) + position(q) − 1",
    )
    t_mat = sp.MatrixSymbol("T", 9, 9)
    written = explicit(
        ops.vec(
            ops.correlate(ops.pad(sp.ImmutableMatrix(3, 3, xs), 1), sp.ImmutableMatrix(3, 3, ws))
        )
    )
    d.define(t_mat, sp.ImmutableMatrix(written.jacobian(xs)), show=False)
    d.chain(ops.vec(out), (sp.MatMul(t_mat, ops.vec(x)), "collect each pixel's coefficient"))

    def numnet_im2col(values):
        return im2col(np.asarray(values[:9]).reshape(1, 1, 3, 3), 3, 1, 1)

    def numnet_out(values, dtype=np.float64):
        values = np.asarray(values, dtype=dtype)
        layer = numnet.Conv2d(1, 1, 3, padding=1, bias=False).astype(dtype)
        layer.weight.data = values[9:].reshape(1, 1, 3, 3).copy()
        return layer(values[:9].reshape(1, 1, 3, 3))

    d.tie(report_p, list(xs), numnet_im2col, "numnet.conv.im2col (3×3, padding 1)")
    d.tie(d.unfold(claim), list(xs) + list(ws), numnet_out, "Conv2d(1, 1, 3, padding=1).forward")
    return d


@derivation
def im2col_general():
    c_in, c_out, h, w, kh, kw, stride, padding = 2, 2, 3, 4, 2, 2, 2, 1
    ho = (h + 2 * padding - kh) // stride + 1
    wo = (w + 2 * padding - kw) // stride + 1
    d = Derivation(
        "im2col_general",
        "im2col in general: channels, stride and padding in one matrix product",
        f"{c_in} input channels x^(c) of {h}×{w}, {c_out} filters of {kh}×{kw} (W^(c′,c) "
        f"links input channel c to output channel c′, written W^(11), W^(12), … in the box "
        f"below), stride {stride}, padding {padding}, bias b. Row c′ of Y is the output map "
        "c′, vec(b_c′ 𝟙 + Σ_c pad(x^(c)) ⋆ W^(c′,c))ᵀ. cols(x) stacks, for "
        f"every window, its {c_in}·{kh}·{kw} entries (channel, row, column) as one column; "
        f"W_mat holds each filter as one row of {c_in * kh * kw}. With several samples, "
        "their columns sit side by side.",
        at=f"{c_in} channels of {h}×{w}, {c_out} filters of {kh}×{kw}, stride 2, padding 1",
    )
    xs = [sp.MatrixSymbol(f"x^{{({c + 1})}}", h, w) for c in range(c_in)]
    ws = [
        [sp.MatrixSymbol(f"W^{{({o_ + 1}{c + 1})}}", kh, kw) for c in range(c_in)]
        for o_ in range(c_out)
    ]
    bs = sp.Matrix(sp.symbols(f"b_1:{c_out + 1}", real=True))
    ex = {m_: explicit(m_) for m_ in xs + [v for row in ws for v in row]}
    maps = [
        explicit(
            sum(
                (ops.correlate(ops.pad(xs[c], padding), ws[o_][c], stride) for c in range(c_in)),
                sp.ZeroMatrix(ho, wo),
            )
        )
        + bs[o_] * sp.ones(ho, wo)
        for o_ in range(c_out)
    ]
    y = sp.MatrixSymbol("Y", c_out, ho * wo)
    d.define(y, sp.ImmutableMatrix([list(mp.reshape(1, ho * wo)) for mp in maps]), show=False)
    cols = sp.MatrixSymbol(r"\operatorname{cols}(x)", c_in * kh * kw, ho * wo)
    cols_value = sp.Matrix.vstack(
        *(explicit(ops.im2col(ops.pad(xs[c], padding), (kh, kw), stride)) for c in range(c_in))
    )
    d.define(cols, sp.ImmutableMatrix(cols_value), show=False)
    w_mat = sp.MatrixSymbol(r"W_{\text{mat}}", c_out, c_in * kh * kw)
    d.define(
        w_mat,
        sp.ImmutableMatrix(
            [[v for c in range(c_in) for v in ex[ws[o_][c]]] for o_ in range(c_out)]
        ),
        show=False,
    )
    b = sp.MatrixSymbol("b", c_out, 1)
    d.define(b, sp.ImmutableMatrix(bs), show=False)
    ones = sp.OneMatrix(1, ho * wo)
    claim = d.chain(
        y,
        (sp.MatAdd(sp.MatMul(w_mat, cols), sp.MatMul(b, ones)), "im2col: one matrix product"),
    )
    x_syms = [v for x_ in xs for v in ex[x_]]
    w_syms = [v for o_ in range(c_out) for c in range(c_in) for v in ex[ws[o_][c]]]

    def numnet_cols(values):
        return im2col(np.asarray(values).reshape(1, c_in, h, w), (kh, kw), stride, padding)

    def numnet_forward(values, dtype=np.float64):
        values = np.asarray(values, dtype=dtype)
        n_x, n_w = len(x_syms), len(w_syms)
        layer = numnet.Conv2d(c_in, c_out, (kh, kw), stride, padding).astype(dtype)
        layer.weight.data = values[n_x : n_x + n_w].reshape(c_out, c_in, kh, kw).copy()
        layer.bias.data = values[n_x + n_w :].copy()
        return layer(values[:n_x].reshape(1, c_in, h, w))[0].reshape(c_out, -1)

    d.tie(d.unfold(cols), x_syms, numnet_cols, "numnet.conv.im2col")
    d.tie(d.unfold(claim), x_syms + w_syms + list(bs), numnet_forward, "Conv2d.forward")
    return d
