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
from derivations.core import Derivation
from derivations.matrices import symbol_matrix
from numnet.conv import im2col

# ----------------------------------------------------------------------------------------
# Exact building blocks (single channel, SymPy matrices)
# ----------------------------------------------------------------------------------------


def pad(x, p):
    """``x`` with ``p`` rows/columns of zeros on every side."""
    out = sp.zeros(x.rows + 2 * p, x.cols + 2 * p)
    out[p : p + x.rows, p : p + x.cols] = x
    return out


def correlate(x, k, stride=1):
    """Valid cross-correlation: ``out[i, j] = Σ_{a,b} k[a, b] · x[i·s + a, j·s + b]``."""
    ho, wo = (x.rows - k.rows) // stride + 1, (x.cols - k.cols) // stride + 1
    return sp.Matrix(
        ho,
        wo,
        lambda i, j: sum(
            k[a, b] * x[i * stride + a, j * stride + b]
            for a in range(k.rows)
            for b in range(k.cols)
        ),
    )


def convolve(x, k):
    """Valid convolution in the mathematical sense: the kernel index runs against the image's.

    ``out[i, j] = Σ_{u,v} k[u, v] · x[i + kh − 1 − u, j + kw − 1 − v]``.
    """
    kh, kw = k.shape
    return sp.Matrix(
        x.rows - kh + 1,
        x.cols - kw + 1,
        lambda i, j: sum(
            k[u, v] * x[i + kh - 1 - u, j + kw - 1 - v] for u in range(kh) for v in range(kw)
        ),
    )


def rot180(k):
    """``k`` turned by 180°: both axes reversed."""
    return sp.Matrix(k.rows, k.cols, lambda a, b: k[k.rows - 1 - a, k.cols - 1 - b])


def dilate(m, s):
    """``m`` with ``s − 1`` zeros inserted between neighbouring entries (stride ``s`` undone)."""
    out = sp.zeros(s * (m.rows - 1) + 1, s * (m.cols - 1) + 1)
    for i in range(m.rows):
        for j in range(m.cols):
            out[s * i, s * j] = m[i, j]
    return out


def patches(x, kh, kw, stride=1):
    """The im2col matrix of one channel: column ``(i, j)`` is the window at ``(i·s, j·s)``,
    read row by row (shape ``(kh·kw, Ho·Wo)``)."""
    ho, wo = (x.rows - kh) // stride + 1, (x.cols - kw) // stride + 1
    return sp.Matrix(
        kh * kw,
        ho * wo,
        lambda r, q: x[(q // wo) * stride + r // kw, (q % wo) * stride + r % kw],
    )


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
#: The three 4×4 maps of the report's "Table 2 - Convolved images" (stride 1, padding 1).
REPORT_MAPS = (
    sp.Matrix([[2, 13, 18, 12], [11, 16, 33, 17], [23, 34, 35, 23], [15, 25, 18, 7]]),
    sp.Matrix([[8, 4, 14, 5], [6, 17, 12, 13], [13, 18, 25, 9], [10, 12, 11, 8]]),
    sp.Matrix([[10, 24, 17, 16], [22, 23, 41, 17], [28, 42, 35, 28], [14, 31, 32, 19]]),
)
#: The report's "Table 3 - Images after max pooling" (2×2 windows, stride 2).
REPORT_POOLED = (
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
    for m in REPORT_MAPS:
        solution, free = a.gauss_jordan_solve(m.reshape(16, 1))
        if free.shape[0]:
            raise ValueError("the map does not determine its filter uniquely")
        filters.append(solution.reshape(3, 3))
    return a, tuple(filters)


# ----------------------------------------------------------------------------------------
# Derivations
# ----------------------------------------------------------------------------------------
n, p, f, s = (sp.Symbol(v, integer=True, nonnegative=True) for v in "npfs")


@derivation
def conv_output_size():
    d = Derivation(
        "conv_output_size",
        "Output size of a convolution: ⌊(n + 2p − f)/s⌋ + 1",
        "A window of size f slides over the padded length n + 2p in steps of s. Its start "
        "positions are 0, s, 2s, …, and the last one must leave room for the window: "
        "k·s + f ≤ n + 2p, so k runs from 0 to ⌊(n + 2p − f)/s⌋. Below: the formula checked "
        "against a direct count of the start positions, and the reports' example.",
    )
    size = sp.floor((n + 2 * p - f) / s) + 1
    d.fact(
        all(
            size.subs({n: nn, p: pp, f: ff, s: ss}) == len(range(0, nn + 2 * pp - ff + 1, ss))
            for nn in range(1, 10)
            for pp in range(3)
            for ff in range(1, nn + 2 * pp + 1)
            for ss in range(1, 5)
        ),
        "equals the number of start positions 0, s, 2s, … ≤ n + 2p − f, counted one by one, "
        "for every n ≤ 9, p ≤ 2, f ≤ n + 2p, s ≤ 4",
        tex=r"\left\lfloor \frac{n + 2p - f}{s} \right\rfloor + 1 = "
        r"\#\{k \ge 0 : ks + f \le n + 2p\}",
    )
    example = size.subs({n: 225, p: 0, f: 5, s: 4})
    d.chain(
        (
            example,
            "n = 225, p = 0, f = 5, s = 4 (report 003)",
            r"\left\lfloor \frac{225 + 2\cdot 0 - 5}{4} \right\rfloor + 1",
        ),
        (sp.floor(sp.Rational(220, 4)) + 1, "220 / 4 = 55 exactly"),
        (sp.Integer(56), "so the map is 56 × 56"),
        lhs=r"H_{\text{out}}",
    )
    d.chain(
        (
            sp.Matrix([[64, example, example]]),
            "64 filters give 64 maps",
            r"\left[64,\ H_{\text{out}},\ H_{\text{out}}\right]",
        ),
        (sp.Matrix([[64, 56, 56]]), "the output volume 56 × 56 × 64"),
        lhs=r"\text{output shape}",
    )

    def sample(rng):
        nn, pp = rng.integers(1, 12), rng.integers(0, 3)
        return [nn, pp, rng.integers(1, nn + 2 * pp + 1), rng.integers(1, 4)]

    def numnet_size(values):
        nn, pp, ff, ss = (int(v) for v in values)
        layer = numnet.Conv2d(1, 1, ff, stride=ss, padding=pp)
        return layer(np.zeros((1, 1, nn, nn))).shape[2]

    d.tie(size, [n, p, f, s], numnet_size, "Conv2d output size (random n, p, f, s)", sample=sample)
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
        "Report 000, Question 2: the three filters, recovered exactly from the image and the maps",
        "The report gives the image and the three maps but not the filters. Each map entry is "
        "one linear equation in the 9 unknown filter entries: the 3×3 window of the padded "
        "image at that position, dotted with the filter. Stacking the 16 windows row by row "
        "gives a 16×9 matrix A, and A·vec(K) = vec(map).",
    )
    a, filters = hand_question_system()
    padded = pad(IMAGE, 1)
    d.fact(
        a.rank() == 9,
        "the 16 equations have rank 9: a filter that fits a map is unique",
        tex=r"\operatorname{rank} A = 9",
    )
    for k, (m, kern) in enumerate(zip(REPORT_MAPS, filters, strict=True), 1):
        d.fact(
            a.row_join(m.reshape(16, 1)).rank() == 9,
            f"map {k} is consistent: appending it as a 10th column keeps the rank at 9, "
            "so an exact solution exists (no least squares)",
            tex=rf"\operatorname{{rank}}\,[A \mid \operatorname{{vec}} M_{k}] = 9",
        )
        d.fact(
            all(v.is_integer for v in kern),
            f"the solution K_{k} (Gauss–Jordan elimination over the rationals) is an integer matrix",
            tex=rf"K_{k} = {tex_matrix(kern)} \in \mathbb{{Z}}^{{3\times 3}}",
        )
        d.chain(
            (
                correlate(padded, kern),
                f"slide K_{k} over the zero-padded image, stride 1",
                rf"{tex_matrix(padded)} \star {tex_matrix(kern)}",
            ),
            (m, f"the report's map {k}, all 16 entries"),
            lhs=rf"M_{k}",
        )
    d.chain(
        (sp.Matrix.hstack(*filters), "the three recovered filters side by side"),
        (
            sp.Matrix.hstack(*(rot180(kern) for kern in filters)),
            "each equals its own 180° rotation, so convolution and cross-correlation "
            "give the same maps here (see conv_vs_correlation)",
            r"\left[\operatorname{rot}_{180} K_1 \;\; \operatorname{rot}_{180} K_2 \;\; "
            r"\operatorname{rot}_{180} K_3\right]",
        ),
        lhs=r"\left[K_1 \;\; K_2 \;\; K_3\right]",
    )

    def numnet_maps(values):
        layer = numnet.Conv2d(1, 3, 3, padding=1, bias=False)
        layer.weight.data = np.stack([as_array(kern) for kern in filters])[:, None]
        return layer(as_array(IMAGE)[None, None])[0]

    d.tie(
        sp.Matrix([list(m) for m in REPORT_MAPS]),
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
        "Deep-learning libraries (PyTorch, numnet) compute a cross-correlation and call it "
        "convolution: out[i, j] = Σ K[a, b]·x[i + a, j + b]. The convolution of signal "
        "processing runs the kernel index against the image index. Here for a generic 3×3 "
        "image and 2×2 kernel.",
    )
    x, kern = symbol_matrix("x", 3, 3), symbol_matrix("k", 2, 2)
    claim = d.chain(
        (convolve(x, kern), "convolution: out[i, j] = Σ k[u, v] x[i + 1 − u, j + 1 − v]", r"x * K"),
        (
            correlate(x, rot180(kern)),
            "put a = 1 − u, b = 1 − v: a cross-correlation with the rotated kernel",
            r"x \star \operatorname{rot}_{180} K",
        ),
        lhs=r"x * K",
    )
    d.fact(
        sp.expand(convolve(x, kern) - correlate(x, kern)) != sp.zeros(2, 2),
        "for a general kernel the two differ",
        tex=r"x * K \ne x \star K",
    )
    pa, qa = sp.symbols("p q", real=True)
    symmetric = sp.Matrix([[pa, qa], [qa, pa]])  # the general 2×2 kernel with K = rot180(K)
    d.fact(
        symmetric == rot180(symmetric)
        and sp.expand(convolve(x, symmetric) - correlate(x, symmetric)) == sp.zeros(2, 2),
        "they agree whenever K = rot180(K) (for a 2×2 kernel: K = [[p, q], [q, p]]), as for "
        "every filter of report 000, Question 2",
        tex=r"K = \operatorname{rot}_{180} K \implies x * K = x \star K",
    )
    inputs = list(x) + list(kern)

    def numnet_conv(values):
        layer = numnet.Conv2d(1, 1, 2, bias=False)
        layer.weight.data = np.rot90(values[9:].reshape(2, 2), 2).copy()[None, None]
        return layer(values[:9].reshape(1, 1, 3, 3))

    d.tie(claim, inputs, numnet_conv, "Conv2d with the rotated kernel")
    return d


@derivation
def conv_as_matrix_product():
    d = Derivation(
        "conv_as_matrix_product",
        "A 3×3 convolution with padding 1 on a 3×3 image is a product with a 9×9 matrix",
        "Report 003: pad the image x0 … x8 to 5×5; each of the 9 outputs is the kernel row "
        "(w0 … w8) times one 3×3 patch read row by row. Writing the patches as columns gives "
        "a 9×9 matrix P (im2col), and the whole output row is w·P. Grouping the same sums by "
        "pixel instead gives a 9×9 matrix T built from the kernel, with vec(out) = T·vec(x).",
    )
    xs = sp.symbols("x0:9", real=True)
    ws = sp.symbols("w0:9", real=True)
    x, kern = sp.Matrix(3, 3, xs), sp.Matrix(3, 3, ws)
    out = correlate(pad(x, 1), kern).reshape(1, 9)
    pm = patches(pad(x, 1), 3, 3)
    w_row = sp.Matrix([ws])
    claim = d.chain(
        (
            out,
            "slide the kernel over the zero-padded 5×5 image",
            r"\operatorname{vec}(\operatorname{pad}_1(x) \star w)^T",
        ),
        (sp.MatMul(w_row, pm, evaluate=False), "each output is the kernel row times its patch"),
        lhs=r"\text{out}",
    )
    x0, x1, x2, x3, x4, x5, x6, x7, x8 = xs
    report_p = sp.Matrix(
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
        pm == report_p,
        "P is exactly the 9×9 matrix of report 003 (its step iii writes x for x5 in one patch; "
        "the final matrix is right)",
        tex=r"P = P_{\text{report 003}}",
    )
    d.fact(
        pm == pm.T,
        "and P happens to be symmetric: entry (k, q) is x at offset(k) + position(q) − 1, symmetric in k and q",
        tex="P = P^T",
    )
    t = out.T.jacobian(sp.Matrix(xs))
    d.chain(
        (out.T, "the same nine sums as a column", r"\operatorname{vec}(\text{out})"),
        (
            sp.MatMul(t, sp.Matrix(xs), evaluate=False),
            "collect the coefficient of each pixel: T = ∂ out / ∂ x",
        ),
        lhs=r"\operatorname{vec}(\text{out})",
    )

    def numnet_im2col(values):
        return im2col(values[:9].reshape(1, 1, 3, 3), 3, 1, 1)

    def numnet_out(values):
        layer = numnet.Conv2d(1, 1, 3, padding=1, bias=False)
        layer.weight.data = values[9:].reshape(1, 1, 3, 3).copy()
        return layer(values[:9].reshape(1, 1, 3, 3))

    d.tie(pm, list(xs), numnet_im2col, "numnet.conv.im2col (3×3, padding 1)")
    d.tie(claim, list(xs) + list(ws), numnet_out, "Conv2d(1, 1, 3, padding=1).forward")
    return d


@derivation
def im2col_general():
    c_in, c_out, h, w, kh, kw, stride, padding = 2, 2, 3, 4, 2, 3, 2, 1
    ho = (h + 2 * padding - kh) // stride + 1
    wo = (w + 2 * padding - kw) // stride + 1
    d = Derivation(
        "im2col_general",
        "im2col in general: a multi-channel convolution with stride and padding is one matrix product",
        f"Example: {c_in} input channels of {h}×{w}, {c_out} filters of {kh}×{kw}, stride "
        f"{stride}, padding {padding}, bias. Stack, for every window, its {c_in}·{kh}·{kw} "
        f"entries (channel, then row, then column) as one column of cols; reshape the weights "
        f"to a {c_out}×{c_in * kh * kw} matrix. With several samples, their columns sit side "
        "by side.",
    )
    xs = [symbol_matrix(f"x^{{({c})}}", h, w) for c in range(c_in)]
    ws = [[symbol_matrix(f"w^{{({o}{c})}}", kh, kw) for c in range(c_in)] for o in range(c_out)]
    bs = sp.Matrix(sp.symbols(f"b0:{c_out}", real=True))
    xps = [pad(x, padding) for x in xs]
    definition = sp.Matrix(
        [
            list(
                (
                    bs[o] * sp.ones(ho, wo)
                    + sum(
                        (correlate(xps[c], ws[o][c], stride) for c in range(c_in)), sp.zeros(ho, wo)
                    )
                ).reshape(1, ho * wo)
            )
            for o in range(c_out)
        ]
    )
    cols = sp.Matrix.vstack(*(patches(xp, kh, kw, stride) for xp in xps))
    w_mat = sp.Matrix([[v for c in range(c_in) for v in ws[o][c]] for o in range(c_out)])
    claim = d.chain(
        (
            definition,
            "y[o, i, j] = b[o] + Σ_{c,a,b} w[o, c, a, b] · xpad[c, i·s + a, j·s + b]",
            r"\left[y_{o,(i,j)}\right]",
        ),
        (
            sp.MatAdd(
                sp.MatMul(w_mat, cols, evaluate=False), bs * sp.ones(1, ho * wo), evaluate=False
            ),
            "im2col: W (out × in·kh·kw) times cols (in·kh·kw × windows), plus the bias",
            r"W_{\text{mat}}\,\operatorname{cols}(x) + b\,\mathbf{1}^T",
        ),
        lhs=r"Y",
    )
    x_syms = [v for x in xs for v in x]
    w_syms = [v for o in range(c_out) for c in range(c_in) for v in ws[o][c]]

    def numnet_cols(values):
        return im2col(values.reshape(1, c_in, h, w), (kh, kw), stride, padding)

    def numnet_forward(values):
        n_x, n_w = len(x_syms), len(w_syms)
        layer = numnet.Conv2d(c_in, c_out, (kh, kw), stride, padding)
        layer.weight.data = values[n_x : n_x + n_w].reshape(c_out, c_in, kh, kw).copy()
        layer.bias.data = values[n_x + n_w :].copy()
        return layer(values[:n_x].reshape(1, c_in, h, w))[0].reshape(c_out, -1)

    d.tie(cols, x_syms, numnet_cols, "numnet.conv.im2col")
    d.tie(claim, x_syms + w_syms + list(bs), numnet_forward, "Conv2d.forward")
    return d
