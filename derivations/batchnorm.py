"""Batch normalisation of one feature over a symbolic batch of N = 3 samples: the gradient of
the batch standard deviation, the backward pass in training mode (where the batch statistics
depend on every input), and in evaluation mode (where the running statistics are constants).

``μ``, ``σ̂`` and ``x̂_i`` are SymPy functions of the inputs that print as their names; each
carries its derivative rule, so SymPy's chain rule yields the compact formulas directly. The
rules are proved from the definitions (``batch_std_grad`` and the facts of
``batchnorm_backward``), and ``expr.rewrite("numeric")`` writes everything out for the checks.
"""

import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation, concrete, prove_equal

N = 3
XS = sp.symbols(f"x_1:{N + 1}", real=True)
DYS = sp.symbols(f"dy_1:{N + 1}", real=True)  # upstream gradient dL/dy
gamma, beta = sp.symbols("gamma beta", real=True)
eps = sp.Symbol("epsilon", positive=True)


def _power(tex, exp):
    return tex if exp is None else f"{tex}^{{{exp}}}"


class mu(sp.Function):  # noqa: N801 - printed name
    """The batch mean of the arguments, ``(x_1 + … + x_N)/N``."""

    def _eval_rewrite_as_numeric(self, *xs, **kwargs):
        return sp.Add(*xs) / len(xs)

    def fdiff(self, argindex=1):
        return sp.Rational(1, len(self.args))  # proved: a fact of batchnorm_backward

    def _latex(self, printer, exp=None):
        return _power(r"\mu", exp)


class sigma_hat(sp.Function):  # noqa: N801
    """``sqrt(v + ε)`` with the biased batch variance ``v = Σ(x_j − μ)²/N``; args ``(*xs, ε)``."""

    def _eval_rewrite_as_numeric(self, *args, **kwargs):
        *xs, epsilon = args
        mean = sp.Add(*xs) / len(xs)
        return sp.sqrt(sp.Add(*[(x - mean) ** 2 for x in xs]) / len(xs) + epsilon)

    def fdiff(self, argindex=1):
        *xs, _ = self.args
        if argindex == len(self.args):
            return 1 / (2 * self)  # d sqrt(v + ε)/dε
        return x_hat(xs[argindex - 1], mu(*xs), self) / len(xs)  # proved: batch_std_grad

    def _latex(self, printer, exp=None):
        return _power(r"\hat{\sigma}", exp)


class x_hat(sp.Function):  # noqa: N801
    """The normalised input ``(x − μ)/σ̂``; args ``(x, μ, σ̂)``, printed ``x̂_i``."""

    def _eval_rewrite_as_numeric(self, x, mean, std, **kwargs):
        return (x - mean) / std

    def fdiff(self, argindex=1):
        x, mean, std = self.args
        return [1 / std, -1 / std, -self / std][argindex - 1]  # the quotient rule

    def _latex(self, printer, exp=None):
        return _power(r"\hat{x}" + printer._print(self.args[0])[1:], exp)  # x_{1} -> \hat{x}_{1}


MU = mu(*XS)
SIGMA = sigma_hat(*XS, eps)
XHAT = [x_hat(x, MU, SIGMA) for x in XS]
Y = [gamma * xh + beta for xh in XHAT]
LOSS = sum(dy * y for dy, y in zip(DYS, Y, strict=True))  # any loss, linearised: Σ dy_i y_i
INPUTS = [*XS, *DYS, gamma, beta, eps]


def column(f):
    return sp.Matrix([f(i) for i in range(N)])


def dot(a, b):
    return sp.Add(*[u * v for u, v in zip(a, b, strict=True)])


def unevaluated_sum(terms):
    return sp.Add(*terms, evaluate=False)


def train_mode_layer(values):
    """numnet's BatchNorm1d(1) in training mode on the batch ``x_1..x_3``; returns (layer, y, dy)."""
    x, dy, (g, b, epsilon) = values[:N], values[N : 2 * N], values[2 * N :]
    layer = numnet.BatchNorm1d(1, eps=float(epsilon))
    layer.weight.data[:], layer.bias.data[:] = g, b
    return layer, layer(x.reshape(N, 1)), dy.reshape(N, 1)


def train_mode_backward(values):
    layer, _, dy = train_mode_layer(values)
    dx = layer.backward(dy)
    return {"x": dx, "gamma": layer.weight.grad, "beta": layer.bias.grad}


def train_mode_loss(values):
    _, y, dy = train_mode_layer(values)
    return float((y * dy).sum())


@derivation
def batch_std_grad():
    d = Derivation(
        "batch_std_grad",
        "The batch standard deviation: ∂σ̂/∂x_i = x̂_i / N",
        f"For a batch of N = {N} values with mean μ and biased variance v = (1/N) Σ (x_j − μ)², "
        "σ̂ = √(v + ε). Every x_i moves σ̂ both directly and through μ; the part through μ "
        "vanishes because the deviations x_j − μ sum to zero.",
    )
    variance = sp.Add(*[(x - MU) ** 2 for x in XS]) / N
    std = sp.sqrt(variance + eps)
    claim = d.chain(
        (column(lambda i: sp.Derivative(std, XS[i])), "σ̂ = √(v + ε), μ = (x_1 + x_2 + x_3)/N"),
        (
            column(
                lambda i: (
                    sp.Rational(1, N)
                    / SIGMA
                    * unevaluated_sum(
                        sp.Mul(int(i == j) - sp.Rational(1, N), x - MU, evaluate=False)
                        for j, x in enumerate(XS)
                    )
                )
            ),
            "chain rule: d√u = du/(2√u) and ∂(x_j − μ)/∂x_i = [i = j] − 1/N",
        ),
        (column(lambda i: (XS[i] - MU) / (N * SIGMA)), "the deviations x_j − μ sum to zero"),
        (column(lambda i: XHAT[i] / N), "x̂_i = (x_i − μ)/σ̂"),
        lhs=r"\frac{\partial \hat{\sigma}}{\partial x_i}",
    )
    d.fact(
        prove_equal(column(lambda i: sp.diff(SIGMA, XS[i])), claim) == "symbolic",
        "so the rule for σ̂ that batchnorm_backward uses is the one proved here",
        tex=sp.latex(sp.Eq(sp.Derivative(SIGMA, XS[0]), sp.diff(SIGMA, XS[0]))),
    )
    return d


@derivation
def batchnorm_forward():
    d = Derivation(
        "batchnorm_forward",
        "Batch normalisation forward: x̂ has mean 0 and variance v/(v + ε) ≈ 1",
        f"In training mode each feature is normalised with its own batch statistics (N = {N}), "
        "then scaled and shifted by the learned γ and β: y_i = γ x̂_i + β.",
    )
    d.chain(
        (sp.Add(*XHAT) / N, "mean of the normalised batch"),
        (0, "the deviations x_j − μ sum to zero"),
        lhs=r"\frac{1}{N}\sum_j \hat{x}_j",
    )
    d.chain(
        (sp.Add(*[xh**2 for xh in XHAT]) / N, "variance of the normalised batch (its mean is 0)"),
        (1 - eps / SIGMA**2, "Σ(x_j − μ)² = N v = N(σ̂² − ε)"),
        lhs=r"\frac{1}{N}\sum_j \hat{x}_j^2",
    )
    forward = sp.Matrix(Y)
    d.tie(
        forward,
        INPUTS,
        lambda v: train_mode_layer(v)[1],
        "BatchNorm1d forward (train)",
    )
    return d


@derivation
def batchnorm_backward():
    d = Derivation(
        "batchnorm_backward",
        "Batch normalisation backward (training): dx_i = γ/(Nσ̂) (N dy_i − Σ dy_j − x̂_i Σ dy_j x̂_j)",
        f"A batch of N = {N} values of one feature (every feature is independent), upstream "
        "gradient dy_i = ∂L/∂y_i, so the loss changes like Σ dy_i y_i. In training mode μ and σ̂ "
        "depend on every x_i, which gives the two correction terms; the rules ∂μ/∂x_i = 1/N and "
        "∂σ̂/∂x_i = x̂_i/N (batch_std_grad) carry the chain rule.",
    )
    dx = d.chain(
        (column(lambda i: sp.Derivative(LOSS, XS[i])), "L = Σ dy_j (γ x̂_j + β)"),
        (
            column(
                lambda i: (
                    gamma
                    / SIGMA
                    * unevaluated_sum(
                        dy * (int(i == j) - sp.Rational(1, N) - XHAT[i] * XHAT[j] / N)
                        for j, dy in enumerate(DYS)
                    )
                )
            ),
            "chain rule: ∂x̂_j/∂x_i = ([i = j] − 1/N − x̂_i x̂_j / N)/σ̂",
        ),
        (
            column(
                lambda i: (
                    gamma
                    / (N * SIGMA)
                    * unevaluated_sum([N * DYS[i], -sp.Add(*DYS), -XHAT[i] * dot(DYS, XHAT)])
                )
            ),
            "take γ/(Nσ̂) out",
        ),
        lhs=r"\frac{\partial L}{\partial x}",
    )
    dgamma = d.chain(
        (sp.Derivative(LOSS, gamma), "L = Σ dy_j (γ x̂_j + β)"),
        (dot(DYS, XHAT), "x̂_j does not depend on γ"),
        lhs=r"\frac{\partial L}{\partial \gamma}",
    )
    dbeta = d.chain(
        (sp.Derivative(LOSS, beta), "L = Σ dy_j (γ x̂_j + β)"),
        (sp.Add(*DYS), "each y_j has slope 1 in β"),
        lhs=r"\frac{\partial L}{\partial \beta}",
    )
    explicit_mean = sp.Add(*XS) / N
    d.fact(
        prove_equal(sp.diff(MU, XS[0]), sp.diff(explicit_mean, XS[0])) == "symbolic",
        "the rule ∂μ/∂x_i = 1/N used above, from μ = (x_1 + x_2 + x_3)/N",
        tex=sp.latex(sp.Eq(sp.Derivative(MU, XS[0]), sp.diff(MU, XS[0]))),
    )
    d.fact(
        prove_equal(sp.Add(*dx), 0) == "symbolic",
        "the gradients of a batch sum to zero: shifting every x_i by the same amount changes "
        "nothing after normalisation",
        tex=r"\sum_i \frac{\partial L}{\partial x_i} = 0",
    )
    point = {XS[0]: -1, XS[1]: 0, XS[2]: 1, eps: sp.Rational(1, 3), gamma: 1}
    point.update({DYS[0]: 1, DYS[1]: 0, DYS[2]: 0})
    exact = concrete(dx).subs(point)
    constant_stats = concrete(column(lambda i: gamma * DYS[i] / SIGMA)).subs(point)
    d.fact(
        exact != constant_stats,
        "common mistake: treating μ and σ̂ as constants in training mode (the evaluation-mode "
        "formula γ dy_i/σ̂) gives a different gradient; at x = (−1, 0, 1), ε = 1/3 (so σ̂ = 1), "
        "dy = (1, 0, 0), γ = 1",
        tex=sp.latex(exact.T) + r"\neq" + sp.latex(constant_stats.T),
    )
    for claim, key, wrt in [(dx, "x", XS), (dgamma, "gamma", [gamma]), (dbeta, "beta", [beta])]:
        d.tie(
            claim,
            INPUTS,
            lambda v, key=key: train_mode_backward(v)[key],
            f"BatchNorm1d.backward (train, d{key})",
            loss=train_mode_loss,
            wrt=list(wrt),
        )
    return d


@derivation
def batchnorm_eval_backward():
    running_mean = sp.Symbol(r"\bar{\mu}", real=True)
    running_var = sp.Symbol(r"\bar{v}", positive=True)
    d = Derivation(
        "batchnorm_eval_backward",
        "Batch normalisation backward (evaluation): dx_i = γ dy_i / √(v̄ + ε)",
        "In evaluation mode the layer uses the running mean μ̄ and running variance v̄, which "
        "do not depend on the batch: it is a fixed affine map of each input, and each dx_i only "
        "involves its own dy_i.",
    )
    std = sp.sqrt(running_var + eps)
    normalised = [(x - running_mean) / std for x in XS]
    loss = sum(dy * (gamma * xh + beta) for dy, xh in zip(DYS, normalised, strict=True))
    dx = d.chain(
        (column(lambda i: sp.Derivative(loss, XS[i])), "y_i = γ (x_i − μ̄)/√(v̄ + ε) + β"),
        (column(lambda i: gamma * DYS[i] / std), "μ̄ and v̄ are constants"),
        lhs=r"\frac{\partial L}{\partial x}",
    )
    dgamma = d.chain(
        (sp.Derivative(loss, gamma), "the same L"),
        (dot(DYS, normalised), "Σ dy_j x̂_j with the running statistics"),
        lhs=r"\frac{\partial L}{\partial \gamma}",
    )
    inputs = [*XS, *DYS, gamma, beta, eps, running_mean, running_var]

    def run(values):
        layer, _, dy = train_mode_layer(values[: 2 * N + 3])
        layer.running_mean[:], layer.running_var[:] = values[2 * N + 3 :]
        layer.eval()
        return layer, layer(values[:N].reshape(N, 1)), dy

    def backward(values):
        layer, _, dy = run(values)
        return {"x": layer.backward(dy), "gamma": layer.weight.grad}

    def loss_fn(values):
        _, y, dy = run(values)
        return float((y * dy).sum())

    for claim, key, wrt in [(dx, "x", XS), (dgamma, "gamma", [gamma])]:
        d.tie(
            claim,
            inputs,
            lambda v, key=key: backward(v)[key],
            f"BatchNorm1d.backward (eval, d{key})",
            loss=loss_fn,
            wrt=list(wrt),
        )
    return d
