"""Initialisation: why zero weights fail, and which scales keep a deep network's signals alive.

* ``zero_init_symmetry``: in a network with two hidden units, equal initial weights give
  equal gradients (so the units stay copies of each other forever); all-zero weights give a
  zero gradient to every hidden weight, so only the output bias learns.
* ``preactivation_variance``: ``Var(z) = fan_in · Var(w) · E[x²]`` for ``z = Σ wᵢ xᵢ``.
* ``init_scales``: ``E[x²]`` after a (leaky) ReLU, and the standard deviations and uniform
  bounds of He and Xavier/Glorot initialisation; tied to ``numnet.init``.
"""

import numpy as np
import sympy as sp
from sympy import stats

import numnet
from derivations import derivation
from derivations.core import Derivation, concrete


# ----------------------------------------------------------------------------------------
# Zero initialisation
# ----------------------------------------------------------------------------------------
class g(sp.Function):  # noqa: N801 - printed name
    """A generic activation ``g``; its derivative prints as ``g'``."""

    def fdiff(self, argindex=1):
        return g_prime(self.args[0])


class g_prime(sp.Function):  # noqa: N801
    def _latex(self, printer):
        return r"g'\left(%s\right)" % printer._print(self.args[0])


x, t = sp.symbols("x t", real=True)
w1, w2, b1, b2, v1, v2, c = sp.symbols("w_1 w_2 b_1 b_2 v_1 v_2 c", real=True)
w, b, v = sp.symbols("w b v", real=True)
NET_PARAMS = [w1, w2, b1, b2, v1, v2, c]


class yhat(sp.Function):  # noqa: N801 - printed name
    """The output ``v₁ g(w₁x + b₁) + v₂ g(w₂x + b₂) + c``, printed as ``ŷ``."""

    nargs = 8  # w1, w2, b1, b2, v1, v2, c, x

    def _eval_rewrite_as_numeric(self, *args, **kwargs):
        return _output(*args)

    def fdiff(self, argindex=1):
        return sp.diff(_output(*self.args), self.args[argindex - 1])

    def _latex(self, printer):
        return r"\hat{y}"


def _output(w1_, w2_, b1_, b2_, v1_, v2_, c_, x_):
    return v1_ * g(w1_ * x_ + b1_) + v2_ * g(w2_ * x_ + b2_) + c_


def _two_unit_loss():
    """``(ŷ − t)²``: one sample, MSELoss."""
    return (yhat(*NET_PARAMS, x) - t) ** 2


def _numnet_two_unit():
    """``(numnet gradients, numnet loss)`` of ``Linear(1, 2) → Tanh → Linear(2, 1)`` + MSELoss."""

    def build(values):
        xv, tv, a1, a2, c1, c2, d1, d2, e = values
        net = numnet.Sequential(numnet.Linear(1, 2), numnet.Tanh(), numnet.Linear(2, 1))
        net[0].weight.data[...] = [[a1, a2]]
        net[0].bias.data[...] = [c1, c2]
        net[2].weight.data[...] = [[d1], [d2]]
        net[2].bias.data[...] = [e]
        loss_fn = numnet.MSELoss()
        loss = loss_fn(net(np.array([[xv]])), np.array([[tv]]))
        return net, loss_fn, loss

    def grads(values):
        net, loss_fn, _ = build(values)
        net.backward(loss_fn.backward())
        (wg, bg), (vg, cg) = (
            (net[0].weight.grad, net[0].bias.grad),
            (net[2].weight.grad, net[2].bias.grad),
        )
        return np.concatenate([wg.ravel(), bg, vg.ravel(), cg])

    return grads, lambda values: build(values)[2]


@derivation
def zero_init_symmetry():
    d = Derivation(
        "zero_init_symmetry",
        "Equal initial weights give equal gradients, and all-zero weights train only the output bias",
        "A network with one input x, two hidden units h_j = g(w_j x + b_j) and output "
        "ŷ = v₁h₁ + v₂h₂ + c, with the squared error of one sample. If the two units start "
        "equal, their gradients are equal, so one SGD step keeps them equal — and so does every "
        "step after it: the layer behaves as a single unit, however wide it is. The same "
        "argument holds for any number of units and layers.",
    )
    loss = _two_unit_loss()
    grads = [sp.Derivative(loss, p) for p in NET_PARAMS]
    claim = d.chain(
        (sp.Matrix(grads), "L = (ŷ − t)², gradient with respect to (w₁, w₂, b₁, b₂, v₁, v₂, c)"),
        (
            sp.Matrix([sp.diff(loss, p) for p in NET_PARAMS]),
            "chain rule, g' is the activation's slope",
        ),
        lhs=r"\nabla L",
    )
    symmetric = {w1: w, w2: w, b1: b, b2: b, v1: v, v2: v}
    d.chain(
        (
            sp.Subs(
                sp.Matrix([grads[0] - grads[1], grads[4] - grads[5]]),
                list(symmetric),
                list(symmetric.values()),
            ),
            "start both units equal: w₁ = w₂ = w, b₁ = b₂ = b, v₁ = v₂ = v",
        ),
        (sp.Matrix([0, 0]), "the two units' gradients are the same expression"),
        lhs=r"\begin{bmatrix}\partial L/\partial w_1 - \partial L/\partial w_2 \\ \partial L/\partial v_1 - \partial L/\partial v_2\end{bmatrix}",
    )
    zero = {p: 0 for p in NET_PARAMS if p is not c}
    at_zero = d.chain(
        (
            sp.Subs(sp.Matrix(grads), list(zero), list(zero.values())),
            "all weights and hidden biases 0",
        ),
        (
            sp.Matrix([0, 0, 0, 0, 2 * (c - t) * g(0), 2 * (c - t) * g(0), 2 * (c - t)]),
            "ŷ = c, and every hidden gradient has a factor v₁ = v₂ = 0",
        ),
        lhs=r"\left.\nabla L\right|_{0}",
    )
    d.fact(
        sp.Eq(at_zero.subs(g(0), sp.tanh(0)), sp.Matrix([0, 0, 0, 0, 0, 0, 2 * (c - t)])),
        "for tanh, ReLU or Leaky ReLU g(0) = 0: only the output bias c gets a gradient, the "
        "hidden weights stay 0 for ever, and the network is a constant (it learns the mean of t) "
        "— not a linear regression",
        tex=r"g(0) = 0 \implies \left.\nabla L\right|_{0} = (0, 0, 0, 0, 0, 0, 2(c - t))",
    )
    numnet_grads, numnet_loss = _numnet_two_unit()
    tanh_claim = concrete(claim).replace(g_prime, lambda z: 1 - sp.tanh(z) ** 2).replace(g, sp.tanh)
    inputs = [x, t, *NET_PARAMS]
    d.tie(
        tanh_claim,
        inputs,
        numnet_grads,
        "Linear/Tanh/MSELoss backward",
        loss=numnet_loss,
        wrt=NET_PARAMS,
    )
    return d


# ----------------------------------------------------------------------------------------
# Variance of a pre-activation
# ----------------------------------------------------------------------------------------
n = sp.Symbol("n", positive=True, integer=True)
var_w = sp.Symbol(r"\operatorname{Var}(w)", positive=True)
mean_w = sp.Symbol(r"\mathbb{E}[w]", real=True)
mean_x = sp.Symbol(r"\mathbb{E}[x]", real=True)
sq_x = sp.Symbol(r"\mathbb{E}[x^2]", positive=True)


@derivation
def preactivation_variance():
    d = Derivation(
        "preactivation_variance",
        "A pre-activation z = w₁x₁ + … + wₙxₙ has Var(z) = n · Var(w) · E[x²] (n = fan_in)",
        "The weights wᵢ are independent of each other and of the inputs, with the same mean and "
        "variance; the inputs xᵢ are independent with the same E[x] and E[x²]. Expanding "
        "E[z²] = Σᵢ Σⱼ E[wᵢwⱼ]E[xᵢxⱼ] gives n diagonal terms E[w²]E[x²] and n(n − 1) "
        "off-diagonal terms E[w]²E[x]². E[x²] is the mean *square*, not the variance: after a "
        "ReLU the inputs are not zero-mean.",
    )
    sq_w = var_w + mean_w**2
    general = d.chain(
        (
            n * sq_w * sq_x + n * (n - 1) * mean_w**2 * mean_x**2 - (n * mean_w * mean_x) ** 2,
            "Var(z) = E[z²] − E[z]², expanded as above, E[w²] = Var(w) + E[w]²",
        ),
        (n * var_w * sq_x + n * mean_w**2 * (sq_x - mean_x**2), "collect terms"),
        lhs=r"\operatorname{Var}(z)",
    )
    d.chain(
        (sp.Subs(general, mean_w, 0), "zero-mean weights, as every initialiser draws"),
        (n * var_w * sq_x, "the second term vanishes"),
        lhs=r"\operatorname{Var}(z)",
    )
    sigma, s, mu = sp.symbols("sigma s mu", positive=True)
    pair = [stats.Normal(f"w{i}", 0, sigma) * stats.Normal(f"x{i}", mu, s) for i in (1, 2)]
    d.fact(
        sp.expand(stats.variance(pair[0] + pair[1]) - 2 * sigma**2 * (mu**2 + s**2)) == 0,
        "SymPy's statistics module agrees for n = 2, w ~ N(0, σ²), x ~ N(μ, s²), E[x²] = μ² + s²",
        tex=r"\operatorname{Var}(w_1x_1 + w_2x_2) = 2\sigma^2(\mu^2 + s^2)",
    )
    return d


# ----------------------------------------------------------------------------------------
# The scales: He, Xavier/Glorot, uniform bounds
# ----------------------------------------------------------------------------------------
def _scale_of(draw, reference):
    """The factor ``k`` with ``draw == k · reference`` (same seed), by least squares."""

    def numnet_scale(values):
        fan_in, fan_out, slope = int(round(values[0])), int(round(values[1])), values[2]
        shape = (fan_in, fan_out)
        a, r = draw(shape, slope).ravel(), reference(shape).ravel()
        return float(a @ r / (r @ r))

    return numnet_scale


def _fans(rng):
    return [rng.integers(1, 300), rng.integers(1, 300), rng.uniform(0.0, 0.5)]


@derivation
def init_scales():
    z = sp.Symbol("z", real=True)
    s, a, bound = sp.symbols("s a b", positive=True)
    fan_in, fan_out = sp.symbols(r"n_{\mathrm{in}} n_{\mathrm{out}}", positive=True)
    d = Derivation(
        "init_scales",
        "He and Xavier/Glorot scales: Var(w) = 2/((1 + a²) n_in) and 2/(n_in + n_out)",
        "A (leaky) ReLU keeps the positive half of a zero-mean normal z ~ N(0, s²) and scales the "
        "negative half by a, so E[x²] = (1 + a²)s²/2. Putting that into Var(z) = n Var(w) E[x²] "
        "(preactivation_variance) with Var(z) = s² in every layer gives He's scale (a = 0 for "
        "ReLU). Xavier/Glorot keep both the forward Var(z) (needs n_in Var(w) = 1, for linear or "
        "tanh units near 0) and the backward gradient variance (needs n_out Var(w) = 1) steady "
        "as well as they can with one compromise: one over the average fan, 2/(n_in + n_out). A uniform U(−b, b) "
        "has variance b²/3, which converts each std into a uniform bound.",
    )
    density = sp.exp(-(z**2) / (2 * s**2)) / (s * sp.sqrt(2 * sp.pi))
    second_moment = d.chain(
        (
            sp.Integral(z**2 * density, (z, 0, sp.oo))
            + sp.Integral((a * z) ** 2 * density, (z, -sp.oo, 0)),
            "E[LeakyReLU_a(z)²]: z on the positive half, a·z on the negative half",
        ),
        (s**2 / 2 + a**2 * s**2 / 2, "each half of a symmetric normal holds half of E[z²] = s²"),
        ((1 + a**2) * s**2 / 2, "factor"),
        lhs=r"\mathbb{E}[x^2]",
    )
    he_var = d.chain(
        (
            sp.Mul(s**2, sp.Pow(sp.Mul(fan_in, second_moment, evaluate=False), -1), evaluate=False),
            "solve s² = n Var(w) E[x²] for Var(w), n = fan-in",
        ),
        (2 / ((1 + a**2) * fan_in), "cancel s²"),
        lhs=r"\operatorname{Var}(w)_{\mathrm{He}}",
    )
    w_ = sp.Symbol("w", real=True)
    uniform_var = d.chain(
        (sp.Integral(w_**2 / (2 * bound), (w_, -bound, bound)), "U(−b, b) has density 1/(2b)"),
        (bound**2 / 3, "integrate"),
        lhs=r"\operatorname{Var}(U(-b, b))",
    )
    xavier_var = 2 / (fan_in + fan_out)
    xavier_bound = d.chain(
        (
            sp.sqrt(sp.Mul(3, xavier_var, evaluate=False), evaluate=False),
            "b²/3 = Var(w) with the Xavier/Glorot variance",
        ),
        (sp.sqrt(6 / (fan_in + fan_out)), "simplify"),
        lhs=r"b_{\mathrm{Xavier}}",
    )
    d.fact(
        sp.Eq(uniform_var.subs(bound, sp.sqrt(3 * xavier_var)), xavier_var),
        "the bound gives exactly the Xavier/Glorot variance",
        tex=r"\tfrac13\, b_{\mathrm{Xavier}}^2 = \frac{2}{n_{\mathrm{in}} + n_{\mathrm{out}}}",
    )
    inputs = [fan_in, fan_out, a]
    seed = 12345

    def he_normal(shape, slope):
        return numnet.init.he_normal(shape, rng=seed, negative_slope=slope)

    def he_uniform(shape, slope):
        return numnet.init.he_uniform(shape, rng=seed, negative_slope=slope)

    def xavier_uniform(shape, slope):
        return numnet.init.xavier_uniform(shape, rng=seed)

    def standard_normal(shape):
        return np.random.default_rng(seed).standard_normal(shape)

    def unit_uniform(shape):
        return np.random.default_rng(seed).uniform(-1.0, 1.0, size=shape)

    d.tie(
        sp.sqrt(he_var),
        inputs,
        _scale_of(he_normal, standard_normal),
        "init.he_normal std",
        sample=_fans,
    )
    d.tie(
        sp.sqrt(3 * he_var),
        inputs,
        _scale_of(he_uniform, unit_uniform),
        "init.he_uniform bound",
        sample=_fans,
    )
    d.tie(
        xavier_bound,
        inputs,
        _scale_of(xavier_uniform, unit_uniform),
        "init.xavier_uniform bound",
        sample=_fans,
    )
    return d
