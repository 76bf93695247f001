"""Layer normalisation, and BatchNorm2d as batch normalisation over N·H·W values.

LayerNorm normalises each sample over its own D features, so its backward pass is batch
normalisation's with the roles of the axes exchanged (and a scale γ_k per feature, applied
before the sums): proved for every D. BatchNorm2d normalises each channel over the N·H·W
values it takes in a batch of images; every pixel enters the statistics exactly as one sample
enters BatchNorm1d's, so its backward pass is the batch-norm formula with N·H·W in the place
of N (proved for the statistics at every N, H, W; the whole backward tied to numnet).
"""

import numpy as np
import sympy as sp

import numnet
from derivations import batchnorm as bnmod
from derivations import derivation, get
from derivations.batchnorm import batch_mean, batch_std
from derivations.core import Derivation
from derivations.indexed import index, instance, instance_matrix, size
from derivations.matrices import symbol_matrix
from derivations.printing import ordered, product
from derivations.ties import tie_module

D = size("D")
k, i, j = index("k"), index("i"), index("j")
x, xhat = sp.IndexedBase("x", real=True), sp.IndexedBase(r"\hat{x}", real=True)
delta, g = sp.IndexedBase(r"\delta", real=True), sp.IndexedBase("g", real=True)
gamma, b = sp.IndexedBase("gamma", real=True), sp.IndexedBase("b", real=True)
eps = sp.Symbol("varepsilon", positive=True)
kd = sp.KroneckerDelta
TIE_D = 3  # the features of the LayerNorm tie


def _features(d, expr, index_symbol, arrays):
    """``expr`` (an entry formula in ``index_symbol``) on one sample of TIE_D features, as a row.

    As batch normalisation's ``batch``: μ and s are written out as sums of the entries first
    (at D = TIE_D, so that no sum of symbolic length is left for SymPy to evaluate).
    """
    written_out = d.unfold(expr).subs(D, TIE_D).rewrite("numeric")
    return instance_matrix(
        written_out, (sp.Symbol("_r"), 1), (index_symbol, TIE_D), {D: TIE_D}, arrays
    )


@derivation
def layernorm_backward():
    d = Derivation(
        "layernorm_backward",
        "Layer normalisation's backward pass",
        (
            "LayerNorm normalises one sample's D features with their own mean μ and standard "
            "deviation s = √(σ² + ε), then scales and shifts each feature: ",
            sp.Eq(sp.IndexedBase("y")[k], gamma[k] * xhat[k] + b[k], evaluate=False),
            ". With the upstream gradient ",
            delta[k],
            ", the loss changes like the sum of δ times y. This is batch normalisation with the "
            "D features of a sample in the place of the N samples of a feature: μ moves by 1/D "
            "and s by the normalised input over D, as {ref}`the gradient of the batch standard "
            "deviation <derivation-batch-std-grad>` shows for any size. The scale γ now differs "
            "from feature to feature, so it stays inside the sums, in ",
            g[k],
            ".",
        ),
        sizes="every number of features D",
        ranges={k: (1, D), i: (1, D), j: (1, D)},
    )
    mean, std = batch_mean(x, D), batch_std(x, D, eps)  # printed μ and s
    d.define(xhat, sp.Lambda(k, (x[k] - mean) / std))
    d.define(g, sp.Lambda(k, gamma[k] * delta[k]))
    loss = sp.Sum(delta[k] * (gamma[k] * xhat[k] + b[k]), (k, 1, D))
    d.chain(
        sp.Derivative(xhat[k], x[i]),
        (
            product(1 / std, ordered(kd(k, i), -1 / D, -xhat[k] * xhat[i] / D)),
            "quotient rule: μ moves by 1/D and s by the normalised input over D",
        ),
    )
    dx = d.chain(
        sp.Derivative(loss, x[i]),
        (
            sp.Sum(g[k] * sp.Derivative(xhat[k], x[i]), (k, 1, D)),
            ("chain rule; ", b[k], " does not depend on x"),
        ),
        (
            product(
                1 / (D * std),
                ordered(
                    D * g[i],
                    -sp.Sum(g[k], (k, 1, D)),
                    -xhat[i] * sp.Sum(g[k] * xhat[k], (k, 1, D)),
                ),
            ),
            "the line above; only k = i keeps the indicator",
        ),
    )
    dgamma = d.chain(
        sp.Derivative(loss, gamma[j]), (delta[j] * xhat[j], ("only output j involves ", gamma[j]))
    )
    db = d.chain(sp.Derivative(loss, b[j]), (delta[j], "each output has slope 1 in its shift"))

    xs, ds, gs, bs = (symbol_matrix(name, 1, TIE_D) for name in ("x", r"\delta", r"\gamma", "b"))
    arrays = {x: xs, delta: ds, gamma: gs, b: bs}
    inputs = [*xs, *ds, *gs, *bs, eps]

    def build(values, dtype=np.float64):
        values = np.asarray(values, dtype=dtype)
        xv, dv, gv, bv = values[:-1].reshape(4, 1, TIE_D)
        layer = numnet.LayerNorm(TIE_D, eps=float(values[-1])).astype(dtype)
        layer.weight.data[:], layer.bias.data[:] = gv[0], bv[0]
        return layer, xv, dv

    tie_module(
        d,
        inputs,
        build,
        "LayerNorm",
        {
            "input": (_features(d, dx, i, arrays), xs),
            "weight": (_features(d, dgamma, j, arrays), gs),
            "bias": (_features(d, db, j, arrays), bs),
        },
    )
    return d


# ----------------------------------------------------------------------------------------
# BatchNorm2d
# ----------------------------------------------------------------------------------------
N, H, W = size("N"), size("H"), size("W")
n, h, w_ = index("n"), index("h"), index("w")
a, r, q = index("a"), index("r"), index("q")
X = sp.IndexedBase("x", real=True)  # one channel: x_{nhw}
BN_SHAPE = (2, 1, 2, 2)  # (N, C, H, W) of the tie: m = 2·2·2 = 8 values in the channel


@derivation
def batchnorm2d_as_batchnorm():
    m = sp.Symbol("m", integer=True, positive=True)
    mu_c = sp.Symbol(r"\mu_{c}", real=True)  # not batchnorm's μ: its claim is reused below
    d = Derivation(
        "batchnorm2d_as_batchnorm",
        "BatchNorm2d is batch normalisation over the N·H·W values of a channel",
        (
            "BatchNorm2d keeps one γ, one b, one mean and one variance per channel, taken "
            "over every pixel of every image: the ",
            sp.Eq(m, N * H * W, evaluate=False),
            " values ",
            X[n, h, w_],
            " of the channel. Each enters the mean with weight 1/m, exactly as a sample enters "
            "BatchNorm1d's with weight 1/N; the gradient of the training-mode layer therefore "
            "is {ref}`the batch-norm backward pass <derivation-batchnorm-backward>` with m in "
            "the place of N, which the tie checks on a batch of 2 images of one channel, "
            "2 × 2 pixels each (m = 8).",
        ),
        sizes="every N, H and W",
        ranges={n: (1, N), a: (1, N), h: (1, H), r: (1, H), w_: (1, W), q: (1, W)},
    )
    d.define(m, N * H * W)
    d.define(mu_c, product(1 / m, sp.Sum(X[n, h, w_], (n, 1, N), (h, 1, H), (w_, 1, W))))
    d.chain(
        sp.Derivative(mu_c, X[a, r, q]),
        (
            product(
                1 / m,
                sp.Sum(kd(n, a) * kd(h, r) * kd(w_, q), (n, 1, N), (h, 1, H), (w_, 1, W)),
            ),
            "differentiate each term of the sum",
        ),
        (1 / m, "exactly one term is the pixel itself"),
    )

    # The tie: numnet's BatchNorm2d backward against the batch-norm claim at N = m (the pixels
    # of the channel, in C order, are the batch of the general formula).
    bn = get("batchnorm_backward")
    size_n, channels, rows, cols = BN_SHAPE
    count = size_n * channels * rows * cols
    xs, ds = symbol_matrix("x", count, 1), symbol_matrix(r"\delta", count, 1)
    # As batchnorm's batch(): μ and s are written out as sums of the entries, here once for
    # the whole column (an entry formula with μ and s written out in each of 8 rows is slow).
    arrays = {bnmod.x: xs, bnmod.delta: ds}
    stats = [bnmod.batch_mean(bnmod.x, bnmod.N), bnmod.batch_std(bnmod.x, bnmod.N, bnmod.eps)]
    names = sp.symbols("_mu _s", positive=True)
    entry = bn.unfold(bn.claims[0]).subs(dict(zip(stats, names, strict=True)))
    claim = instance_matrix(
        entry, (bnmod.i, count), (sp.Symbol("_c"), 1), {bnmod.N: count}, arrays
    ).subs(
        {
            name: instance(stat.subs(bnmod.N, count).rewrite("numeric"), {}, arrays)
            for name, stat in zip(names, stats, strict=True)
        }
    )
    inputs = [*xs, *ds, bnmod.gamma, bnmod.b, bnmod.eps]

    def build(values, dtype=np.float64):
        values = np.asarray(values, dtype=dtype)
        layer = numnet.BatchNorm2d(channels, eps=float(values[-1])).astype(dtype)
        layer.weight.data[:], layer.bias.data[:] = values[2 * count : 2 * count + 2]
        xv = values[:count].reshape(BN_SHAPE)
        return layer, xv, values[count : 2 * count].reshape(BN_SHAPE)

    def backward(values, dtype=np.float64):
        layer, xv, dv = build(values, dtype)
        layer(xv)
        return layer.backward(dv).ravel()

    def loss_value(values):
        layer, xv, dv = build(values)
        return float((layer(xv) * dv).sum())

    d.tie(
        claim,
        inputs,
        backward,
        "BatchNorm2d.backward (train) against batch norm with N·H·W values",
        loss=loss_value,
        wrt=list(xs),
    )
    return d
