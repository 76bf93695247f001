"""Batch normalisation of one feature over a batch of any size N: the gradient of the batch
standard deviation, the forward statistics, and the backward pass in training mode (where the
batch statistics depend on every input) and in evaluation mode (where they are constants).

Every feature of a BatchNorm1d layer is normalised on its own, so one feature is the whole story;
the ties run numnet's BatchNorm1d(1) on a batch of three.
"""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation
from derivations.indexed import index, instance_matrix, size
from derivations.matrices import symbol_matrix
from derivations.printing import ordered, product

N = size("N")
n, i = index("n"), index("i")
x, xhat = sp.IndexedBase("x", real=True), sp.IndexedBase(r"\hat{x}", real=True)
delta = sp.IndexedBase(r"\delta", real=True)
var = sp.Symbol(r"\sigma^{2}", nonnegative=True)
s = sp.Symbol("s", positive=True)
gamma, b = sp.symbols("gamma b", real=True)
eps = sp.Symbol("varepsilon", positive=True)
RANGES = {n: (1, N), i: (1, N)}
ROWS = 3  # the batch of the ties
XS, DELTAS = symbol_matrix("x", ROWS, 1), symbol_matrix(r"\delta", ROWS, 1)
INPUTS = [*XS, *DELTAS, gamma, b, eps]


class batch_mean(sp.Function):  # noqa: N801 - printed μ
    """μ = (1/N) Σ_n x_n of the batch ``x`` (an IndexedBase) of size N; ∂μ/∂x_i = 1/N."""

    def _eval_derivative(self, v):
        xs, size_ = self.args
        return 1 / size_ if isinstance(v, sp.Indexed) and v.base == xs else sp.S.Zero

    def _eval_rewrite_as_numeric(self, xs, size_, **kwargs):
        return product(1 / size_, sp.Sum(xs[n], (n, 1, size_))).doit()

    def _latex(self, printer, exp=None):
        return r"\mu" if exp is None else r"\mu^{%s}" % exp


class batch_std(sp.Function):  # noqa: N801 - printed s
    """s = √(σ² + ε) of the batch ``x``; ∂s/∂x_i = x̂_i/N (proved in batch_std_grad)."""

    def _eval_derivative(self, v):
        xs, size_, epsilon = self.args
        if isinstance(v, sp.Indexed) and v.base == xs:
            return (v - batch_mean(xs, size_)) / (size_ * self)
        return 1 / (2 * self) if v == epsilon else sp.S.Zero

    def _eval_rewrite_as_numeric(self, xs, size_, epsilon, **kwargs):
        mean = batch_mean(xs, size_).rewrite("numeric")
        return sp.sqrt(sp.Sum((xs[n] - mean) ** 2, (n, 1, size_)).doit() / size_ + epsilon)

    def _latex(self, printer, exp=None):
        return "s" if exp is None else "s^{%s}" % exp


mu = batch_mean(x, N)  # printed μ


def opaque_statistics(d):
    """Define x̂_n = (x_n − μ)/s with μ and s kept whole: their derivative rules are proved."""
    d.define(xhat, sp.Lambda(n, (x[n] - batch_mean(x, N)) / batch_std(x, N, eps)))


def batch_statistics(d):
    """Define σ², s = √(σ² + ε) and x̂_n = (x_n − μ)/s on ``d``, and state what μ is.

    μ is :data:`mu`, the function :class:`batch_mean` kept whole (with its rule ∂μ/∂x_i = 1/N),
    so that no check expands a sum inside a sum inside a square root; where a step needs what μ
    is, the engine writes it out. What μ is (a sum over the batch) is shown, and checked, as the
    first fact; being a function, not a symbol, it needs no definition of its own.
    """
    d.fact(
        sp.Eq(batch_mean(x, N), product(1 / N, sp.Sum(x[n], (n, 1, N))), evaluate=False),
        "the batch mean",
    )
    d.define(var, product(1 / N, sp.Sum((x[n] - mu) ** 2, (n, 1, N))))
    d.define(s, sp.sqrt(var + eps))
    d.define(xhat, sp.Lambda(n, (x[n] - mu) / s))


def batch(d, expr, index_symbol=i):
    """``expr`` (an entry formula in ``index_symbol``) on the batch of three, as a column."""
    arrays = {x: XS, delta: DELTAS}
    rows = (index_symbol, ROWS) if index_symbol is not None else (sp.Symbol("_r"), 1)
    written_out = d.unfold(expr).rewrite("numeric")  # μ and s as sums of the entries
    return instance_matrix(written_out, rows, (sp.Symbol("_c"), 1), {N: ROWS}, arrays)


def train_mode(values, dtype=np.float64):
    """numnet's BatchNorm1d(1) in training mode on the batch; returns (layer, y, δ)."""
    values = np.asarray(values, dtype=dtype)
    xv, dv, (g, shift, epsilon) = values[:ROWS], values[ROWS : 2 * ROWS], values[2 * ROWS :]
    layer = numnet.BatchNorm1d(1, eps=float(epsilon)).astype(dtype)
    layer.weight.data[:], layer.bias.data[:] = g, shift
    return layer, layer(xv.reshape(ROWS, 1)), dv.reshape(ROWS, 1)


@derivation
def batch_std_grad():
    d = Derivation(
        "batch_std_grad",
        "The gradient of the batch standard deviation",
        "A batch of N values of one feature has mean μ and (biased) variance σ², and batch "
        "normalisation divides by s = √(σ² + ε). Every x_i moves s directly and through μ; the "
        "part through μ vanishes because the deviations from the mean sum to zero.",
        sizes="every batch size N",
        ranges=RANGES,
    )
    batch_statistics(d)
    d.chain(
        sp.Derivative(s, x[i]),
        (product(1 / (2 * s), sp.Derivative(var, x[i])), "chain rule on the square root"),
        (
            product(
                1 / (2 * s),
                2 / N,
                sp.Sum(product(x[n] - mu, sp.KroneckerDelta(n, i) - 1 / N), (n, 1, N)),
            ),
            "chain rule on each square; μ moves by 1/N",
        ),
        (
            product(1 / (N * s), ordered(x[i] - mu, -product(1 / N, sp.Sum(x[n] - mu, (n, 1, N))))),
            "only n = i keeps the indicator",
        ),
        ((x[i] - mu) / (N * s), "the deviations from the mean sum to zero"),
        (xhat[i] / N, ("the normalised input ", xhat[i])),
    )
    d.fact(
        sp.Eq(sp.Derivative(product(1 / N, sp.Sum(x[n], (n, 1, N))), x[i]), 1 / N, evaluate=False),
        "the rule μ moves by 1/N used above",
    )
    return d


@derivation
def batchnorm_forward():
    d = Derivation(
        "batchnorm_forward",
        (
            "Batch normalisation's normalised inputs ",
            xhat[n],
            " have mean 0 and variance close to 1",
        ),
        (
            "In training mode each feature is normalised with its own batch statistics, then "
            "scaled and shifted by the learned γ and b: ",
            sp.Eq(sp.IndexedBase("y")[n], gamma * xhat[n] + b, evaluate=False),
            ". Over the batch, ",
            xhat[n],
            " has mean 0 and a mean square just below 1 (the chains below), so the output ",
            sp.IndexedBase("y")[n],
            " has mean b and variance γ² times that mean square, whatever the statistics of "
            "the batch: the layer learns the mean and scale of its output.",
        ),
        sizes="every batch size N",
        ranges=RANGES,
    )
    batch_statistics(d)
    d.chain(
        product(1 / N, sp.Sum(xhat[n], (n, 1, N))),
        (product(1 / (N * s), sp.Sum(x[n] - mu, (n, 1, N))), "s does not depend on n"),
        (sp.Integer(0), "the deviations from the mean sum to zero"),
    )
    d.chain(
        product(1 / N, sp.Sum(xhat[n] ** 2, (n, 1, N))),
        (var / s**2, "the mean of the squared deviations is σ²"),
        (ordered(1, -eps / s**2), ("because ", sp.Eq(s**2, var + eps, evaluate=False))),
    )
    d.tie(
        batch(d, gamma * xhat[i] + b),
        INPUTS,
        lambda v, dtype=np.float64: train_mode(v, dtype)[1],
        "BatchNorm1d forward (train)",
    )
    return d


@derivation
def batchnorm_backward():
    d = Derivation(
        "batchnorm_backward",
        "Batch normalisation's backward pass in training mode",
        (
            "With the upstream gradient ",
            delta[n],
            " of the outputs, the loss changes like the sum of δ times y. In training mode μ and "
            "s depend on every input, which gives the two correction terms below; the gradient "
            "of s is the one derived just before.",
        ),
        sizes="every batch size N",
        ranges=RANGES,
    )
    opaque_statistics(d)
    mu, s = batch_mean(x, N), batch_std(x, N, eps)  # noqa: F841 - printed μ and s
    loss = sp.Sum(delta[n] * (gamma * xhat[n] + b), (n, 1, N))
    dx = d.chain(
        sp.Derivative(loss, x[i]),
        (
            product(
                gamma / s,
                sp.Sum(
                    product(
                        delta[n], ordered(sp.KroneckerDelta(n, i), -1 / N, -xhat[n] * xhat[i] / N)
                    ),
                    (n, 1, N),
                ),
            ),
            "chain rule: μ moves by 1/N and s by the normalised input over N",
        ),
        (
            product(
                gamma / (N * s),
                ordered(
                    N * delta[i],
                    -sp.Sum(delta[n], (n, 1, N)),
                    -xhat[i] * sp.Sum(delta[n] * xhat[n], (n, 1, N)),
                ),
            ),
            "only n = i keeps the indicator; take γ/(Ns) out",
        ),
    )
    dgamma = d.chain(
        sp.Derivative(loss, gamma),
        (sp.Sum(delta[n] * xhat[n], (n, 1, N)), "x̂ does not depend on γ"),
    )
    db = d.chain(
        sp.Derivative(loss, b), (sp.Sum(delta[n], (n, 1, N)), "each output has slope 1 in b")
    )

    def backward(values, dtype=np.float64, key="x"):
        layer, _, dy = train_mode(values, dtype)
        dxv = layer.backward(dy)
        return {"x": dxv, "gamma": layer.weight.grad, "b": layer.bias.grad}[key]

    def loss_value(values):
        _, y, dy = train_mode(values)
        return float((y * dy).sum())

    for claim, key, wrt, rows in [
        (dx, "x", XS, i),
        (dgamma, "gamma", [gamma], None),
        (db, "b", [b], None),
    ]:
        d.tie(
            batch(d, claim, rows),
            INPUTS,
            lambda v, dtype=np.float64, key=key: backward(v, dtype, key),
            f"BatchNorm1d.backward (train, d{key})",
            loss=loss_value,
            wrt=list(wrt),
        )
    return d


@derivation
def batchnorm_mistake():
    d = Derivation(
        "batchnorm_mistake",
        "A common mistake: treating the batch statistics as constants in training mode",
        "The evaluation-mode gradient γδ_i/s ignores that μ and s move with every input. On the "
        "batch x = (−1, 0, 1) with ε = 1/3 (so s = 1), δ = (1, 0, 0) and γ = 1, the training-mode "
        "gradient of the previous derivation differs from it.",
        at="N = 3",
    )
    point = {XS[0]: -1, XS[1]: 0, XS[2]: 1, eps: sp.Rational(1, 3), gamma: 1}
    point.update({DELTAS[0]: 1, DELTAS[1]: 0, DELTAS[2]: 0})
    full = sp.MatrixSymbol(r"\frac{\partial L}{\partial x}", ROWS, 1)
    constant = sp.MatrixSymbol(r"\frac{\gamma \delta}{s}", ROWS, 1)
    bn = batchnorm_backward()
    d.define(full, _at_point(bn, point))
    d.define(constant, sp.Matrix([gamma * DELTAS[k] for k in range(ROWS)]).subs(point))
    d.fact(sp.Ne(full, constant, evaluate=False), "the two gradients differ")
    return d


def _at_point(bn, point):
    """The training-mode input gradient of ``bn`` on the batch of three, at ``point``."""
    claim = bn.claims[0]
    return batch(bn, claim, i).subs(point).applyfunc(sp.nsimplify)


@derivation
def batchnorm_eval_backward():
    running_mean = sp.Symbol(r"\bar{\mu}", real=True)
    running_var = sp.Symbol(r"\bar{\sigma}^{2}", positive=True)
    d = Derivation(
        "batchnorm_eval_backward",
        "Batch normalisation's backward pass in evaluation mode",
        "In evaluation mode the layer uses the running mean and variance, which do not depend on "
        "the batch: it is a fixed affine map of each input, and each input's gradient involves "
        "its own upstream gradient only.",
        sizes="every batch size N",
        ranges=RANGES,
    )
    std = sp.sqrt(running_var + eps)
    loss = sp.Sum(delta[n] * (gamma * (x[n] - running_mean) / std + b), (n, 1, N))
    dx = d.chain(
        sp.Derivative(loss, x[i]),
        (gamma * delta[i] / std, "the running statistics are constants; only n = i remains"),
    )
    inputs = [*INPUTS, running_mean, running_var]

    def run(values, dtype=np.float64):
        layer, _, dy = train_mode(values[: 2 * ROWS + 3], dtype)
        layer.running_mean[:], layer.running_var[:] = values[2 * ROWS + 3 :]
        layer.eval()
        return layer, layer(np.asarray(values[:ROWS], dtype=dtype).reshape(ROWS, 1)), dy

    def backward(values, dtype=np.float64):
        layer, _, dy = run(values, dtype)
        return layer.backward(dy)

    def loss_value(values):
        _, y, dy = run(values)
        return float((y * dy).sum())

    d.tie(
        batch(d, dx, i),
        inputs,
        backward,
        "BatchNorm1d.backward (eval, dx)",
        loss=loss_value,
        wrt=list(XS),
    )
    return d
