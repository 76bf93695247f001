"""Initialisation: why zero weights fail, and which scales keep a deep network's signals alive.

* ``zero_init_symmetry``: the gradients of a network with one hidden layer, for every number of
  inputs and hidden units and any activation g and loss ℓ: a hidden unit's gradients depend on
  the unit only through its own pre-activation and output weight, so units that start equal
  stay equal; with all-zero weights every hidden gradient has the factor 0 at the first step,
  and if also g(0) = 0 nothing but the output bias ever moves.
* ``preactivation_variance``: ``Var(z) = n Var(w) E[x²] + n E[w]²(E[x²] − E[x]²)`` for
  ``z = Σᵢ wᵢ xᵢ`` and every fan-in n (printed d_in), counting the n diagonal and n(n − 1)
  cross terms.
* ``init_scales``: ``E[x²]`` after a (leaky) ReLU, and the standard deviations and uniform
  bounds of He and Xavier/Glorot initialisation; tied to ``numnet.init``.
"""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation
from derivations.indexed import index, instance, size
from derivations.matrices import symbol_matrix
from derivations.printing import ordered, product

# ----------------------------------------------------------------------------------------
# Zero initialisation and symmetry
# ----------------------------------------------------------------------------------------
D, H = size("D"), size("H")
i, m, j, k = (index(s) for s in ("i", "m", "j", "k"))
x, w, b, v, z = (sp.IndexedBase(s, real=True) for s in ("x", "w", "b", "v", "z"))
c = sp.Symbol("c", real=True)
yhat = sp.Symbol(r"\hat{y}", real=True)
g, ell = sp.Function("g"), sp.Function(r"\ell")
_xi = sp.Symbol("xi")


def slope(fn, arg):
    """``fn'(arg)``: the derivative of the one-argument function ``fn``, evaluated at ``arg``."""
    return sp.Subs(sp.Derivative(fn(_xi), _xi), _xi, arg)


@derivation
def zero_init_symmetry():
    d = Derivation(
        "zero_init_symmetry",
        (
            "Equal hidden units get equal gradients; with ",
            sp.Eq(g(0), 0),
            ", zero weights train only the output bias",
        ),
        (
            "One sample x with D inputs, H hidden units ",
            g(z[k]),
            " and one output ",
            yhat,
            ", with any activation g and any loss ",
            ell(yhat),
            ". The gradients of hidden unit j involve the unit only through its own ",
            z[j],
            " and ",
            v[j],
            ". So if two units start with equal weights, they have equal z and v, get equal "
            "gradients, and stay equal after every step: the layer acts as a single unit, "
            "however wide. If all weights and biases start at 0, every v is 0, so at the first "
            "step every hidden gradient is 0. If also ",
            sp.Eq(g(0), 0),
            " (tanh, ReLU), every ",
            g(z[j]),
            " is 0, so the output weights get the gradient 0 too: nothing changes but the "
            "output bias c, at this step and every later one. With ",
            sp.Ne(g(0), 0),
            " (the sigmoid) the output weights move, all by the same amount, and from the "
            "second step on the hidden gradients are in general not 0.",
        ),
        sizes="every number of inputs D and hidden units H, any g and ℓ",
        ranges={i: (1, D), m: (1, D), j: (1, H), k: (1, H)},
    )
    d.define(z, sp.Lambda((k,), sp.Sum(w[m, k] * x[m], (m, 1, D)) + b[k]))
    d.define(yhat, sp.Sum(v[k] * g(z[k]), (k, 1, H)) + c)
    loss = ell(yhat)
    dw = d.chain(
        sp.Derivative(loss, w[i, j]),
        (
            product(
                slope(ell, yhat),
                sp.Sum(product(v[k], slope(g, z[k]), sp.Derivative(z[k], w[i, j])), (k, 1, H)),
            ),
            "chain rule through the output and each hidden unit",
        ),
        (
            product(x[i], v[j], slope(g, z[j]), slope(ell, yhat)),
            ("only unit k = j depends on ", w[i, j], ", through ", x[i]),
        ),
    )
    db = d.chain(
        sp.Derivative(loss, b[j]),
        (product(v[j], slope(g, z[j]), slope(ell, yhat)), "the same, with 1 for x"),
    )
    dv = d.chain(
        sp.Derivative(loss, v[j]),
        (product(g(z[j]), slope(ell, yhat)), "only unit j's term depends on it"),
    )
    dc = d.chain(sp.Derivative(loss, c), (slope(ell, yhat), "the output bias"))
    _tie(d, {"w": dw, "b": db, "v": dv, "c": dc})
    return d


def _tie(d, claims):
    """Tie the four gradients at D = 1 input, H = 2 units, g = tanh and ℓ = MSELoss."""
    target = sp.Symbol("y", real=True)
    arrays = {
        x: symbol_matrix("x", 1, 1),
        w: symbol_matrix("w", 1, 2),
        b: symbol_matrix("b", 1, 2),
        v: symbol_matrix("v", 2, 1),
    }
    functions = {
        g: sp.tanh,
        ell: sp.Lambda(_xi, (_xi - target) ** 2),
    }

    def at(expr, **where):
        e = d.unfold(expr).subs({i: where.get("i", 1), j: where.get("j", 1)}).doit()
        e = instance(e, {D: 1, H: 2}, arrays, functions).doit()
        return e.subs(c, sp.Symbol("c_0", real=True))

    c0 = sp.Symbol("c_0", real=True)
    claim = sp.Matrix(
        [at(claims["w"], i=1, j=jj) for jj in (1, 2)]
        + [at(claims["b"], j=jj) for jj in (1, 2)]
        + [at(claims["v"], j=jj) for jj in (1, 2)]
        + [at(claims["c"])]
    )
    inputs = [arrays[x][0], target, *arrays[w], *arrays[b], *arrays[v], c0]
    params = inputs[2:]

    def build(values, dtype=np.float64):
        xv, tv, w1, w2, b1, b2, v1, v2, cv = np.asarray(values, dtype=dtype)
        net = numnet.Sequential(numnet.Linear(1, 2), numnet.Tanh(), numnet.Linear(2, 1))
        net = net.astype(dtype)
        net[0].weight.data = np.array([[w1, w2]], dtype=dtype)
        net[0].bias.data = np.array([b1, b2], dtype=dtype)
        net[2].weight.data = np.array([[v1], [v2]], dtype=dtype)
        net[2].bias.data = np.array([cv], dtype=dtype)
        loss_fn = numnet.MSELoss()
        value = loss_fn(net(np.array([[xv]], dtype=dtype)), np.array([[tv]], dtype=dtype))
        return net, loss_fn, value

    def grads(values, dtype=np.float64):
        net, loss_fn, _ = build(values, dtype)
        net.backward(loss_fn.backward())
        return np.concatenate([p.grad.ravel() for p in net.parameters()])

    d.tie(
        claim,
        inputs,
        grads,
        "Linear(1, 2), Tanh, Linear(2, 1), MSELoss: backward",
        loss=lambda values: build(values)[2],
        wrt=params,
    )
    d.tie(
        claim,
        inputs,
        grads,
        "the same at zero weights and biases",
        sample=lambda rng: [rng.uniform(-2, 2), rng.uniform(-2, 2)] + [0.0] * 6 + [0.0],
    )


# ----------------------------------------------------------------------------------------
# Variance of a pre-activation
# ----------------------------------------------------------------------------------------
n = size(r"d_{\text{in}}")  # the fan-in
i2 = index("j")
mean_w = sp.Symbol(r"\mathbb{E}[w]", real=True)
var_w = sp.Symbol(r"\operatorname{Var}(w)", positive=True)
mean_x = sp.Symbol(r"\mathbb{E}[x]", real=True)
sq_x = sp.Symbol(r"\mathbb{E}[x^2]", positive=True)
var_z, sq_z, mean_z = (
    sp.Symbol(s, real=True)
    for s in (r"\operatorname{Var}(z)", r"\mathbb{E}[z^2]", r"\mathbb{E}[z]")
)


class _Moment(sp.Indexed):
    """``E[a_i a_j]``: the expectation of a product of two entries, printed as such."""

    def _latex(self, printer):
        name = printer._print(self.base.label)
        p, q = (printer._print(s) for s in self.indices)
        return r"\mathbb{E}[%s_{%s} %s_{%s}]" % (name, p, name, q)


class _Moments(sp.IndexedBase):
    def __getitem__(self, indices):
        return _Moment(self, *indices)


Ww, Xx = _Moments("w", real=True), _Moments("x", real=True)
wi, xi_ = sp.IndexedBase("w", real=True), sp.IndexedBase("x", real=True)


@derivation
def preactivation_variance():
    delta = sp.KroneckerDelta(i, i2)
    d = Derivation(
        "preactivation_variance",
        (
            "The variance of a pre-activation: ",
            sp.Eq(var_z, product(n, var_w, sq_x)),
            " for zero-mean weights",
        ),
        (
            "A pre-activation ",
            sp.Eq(sp.Symbol("z"), sp.Sum(wi[i] * xi_[i], (i, 1, n))),
            " sums ",
            n,
            " products, one per input of the layer (its fan-in). The weights are independent of "
            "each other and of the inputs, with the same mean and variance; the inputs are "
            "independent with the same ",
            mean_x,
            " and ",
            sq_x,
            ". So the expectation of a product of two weights (or two inputs) depends only on "
            "whether the indices are equal. Squaring z gives ",
            n**2,
            " terms: ",
            n,
            " on the diagonal (i = j) and ",
            product(n, ordered(n, -1)),
            " off it. ",
            sq_x,
            " is the mean square, not the variance: after a ReLU the inputs are not zero-mean.",
        ),
        sizes="every fan-in",
        ranges={i: (1, n), i2: (1, n)},
    )
    d.define(Ww, sp.Lambda((i, i2), ordered(mean_w**2, var_w * delta)))
    d.define(
        Xx, sp.Lambda((i, i2), ordered(mean_x**2, product(ordered(sq_x, -(mean_x**2)), delta)))
    )
    d.define(sq_z, sp.Sum(Ww[i, i2] * Xx[i, i2], (i, 1, n), (i2, 1, n)))
    d.define(mean_z, product(n, mean_w, mean_x))
    d.define(var_z, ordered(sq_z, -(mean_z**2)))
    d.chain(
        var_z,
        (
            ordered(
                product(n, ordered(var_w, mean_w**2), sq_x),
                product(n, ordered(n, -1), mean_w**2, mean_x**2),
                -product(n**2, mean_w**2, mean_x**2),
            ),
            (
                n,
                " diagonal and ",
                product(n, ordered(n, -1)),
                " off-diagonal terms, minus ",
                mean_z**2,
            ),
        ),
        (
            ordered(
                product(n, var_w, sq_x),
                product(n, mean_w**2, ordered(sq_x, -(mean_x**2))),
            ),
            "collect the terms",
        ),
    )
    d.chain(
        sp.Subs(var_z, mean_w, 0),
        (product(n, var_w, sq_x), "zero-mean weights, as every initialiser draws"),
    )
    return d


# ----------------------------------------------------------------------------------------
# The scales: He, Xavier/Glorot, uniform bounds
# ----------------------------------------------------------------------------------------
def _scale_of(draw, reference):
    """The factor ``k`` with ``draw == k · reference`` (same seed), by least squares."""

    def numnet_scale(values):
        fan_in, fan_out, slope_ = int(round(values[0])), int(round(values[1])), values[2]
        shape = (fan_in, fan_out)
        a, r = draw(shape, slope_).ravel(), reference(shape).ravel()
        return float(a @ r / (r @ r))

    return numnet_scale


def _fans(rng):
    return [rng.integers(1, 300), rng.integers(1, 300), rng.uniform(0.0, 0.5)]


class phi(sp.Function):  # noqa: N801 - printed name
    """The density of N(0, s²) at z."""

    def _eval_rewrite_as_numeric(self, z_, **kwargs):
        return _density(z_)

    def doit(self, **hints):
        return _density(self.args[0])

    def _latex(self, printer, exp=None):
        return r"\varphi\left(%s\right)" % printer._print(self.args[0])


_s = sp.Symbol("s", positive=True)


def _density(z_):
    scale = sp.Mul(_s, sp.sqrt(sp.Mul(2, sp.pi, evaluate=False), evaluate=False), evaluate=False)
    return sp.Mul(sp.exp(-(z_**2) / (2 * _s**2)), sp.Pow(scale, -1, evaluate=False), evaluate=False)


@derivation
def init_scales():
    zz = sp.Symbol("z", real=True)
    a, bound, wv = sp.Symbol("a", nonnegative=True), sp.Symbol("b", positive=True), sp.Symbol("w")
    fan_in, fan_out = sp.symbols(r"d_{\text{in}} d_{\text{out}}", positive=True)
    sq_out = sp.Symbol(r"\mathbb{E}[x^2]", positive=True)
    var_he, var_xavier = (
        sp.Symbol(r"\operatorname{Var}(w)_{\mathrm{%s}}" % s, positive=True)
        for s in ("He", "Xavier")
    )
    bound_he, bound_xavier = (
        sp.Symbol(r"b_{\mathrm{%s}}" % s, positive=True) for s in ("He", "Xavier")
    )
    d = Derivation(
        "init_scales",
        "He and Xavier/Glorot scales, as standard deviations and as uniform bounds",
        (
            "A (leaky) ReLU with slope a keeps the positive half of a zero-mean normal "
            "pre-activation z with variance ",
            _s**2,
            " and density ",
            sp.Eq(phi(zz), _density(zz), evaluate=False),
            ", and scales the negative half by a. He's variance keeps ",
            sp.Eq(var_z, product(fan_in, var_w, sq_x), evaluate=False),
            " (the pre-activation variance) equal to ",
            _s**2,
            " in every layer (a = 0 for ReLU). Xavier/Glorot keep the forward variance (which "
            "needs ",
            sp.Eq(product(fan_in, var_w), 1),
            ", for units that act like the identity near 0, as tanh does) and the backward "
            "one (which needs ",
            sp.Eq(product(fan_out, var_w), 1),
            ") as steady as one variance can: one over the average fan. Both hold exactly "
            "only when ",
            sp.Eq(fan_in, fan_out),
            ". A uniform distribution on (−b, b) turns each variance into a bound b.",
        ),
        sizes="every fan-in, fan-out and slope a ≥ 0",
    )
    d.define(
        sq_out,
        ordered(
            sp.Integral(zz**2 * phi(zz), (zz, 0, sp.oo)),
            sp.Integral(product(a**2, zz**2, phi(zz)), (zz, -sp.oo, 0)),
        ),
    )
    d.define(var_he, 2 / (fan_in * ordered(1, a**2)))
    d.define(var_xavier, 2 / ordered(fan_in, fan_out))
    d.define(bound_he, sp.sqrt(sp.Mul(3, var_he, evaluate=False), evaluate=False))
    d.define(bound_xavier, sp.sqrt(sp.Mul(3, var_xavier, evaluate=False), evaluate=False))
    d.chain(
        sq_out,
        (
            ordered(_s**2 / 2, a**2 * _s**2 / 2),
            ("each half of the symmetric normal holds half of ", _s**2),
        ),
        (product(ordered(1, a**2), _s**2 / 2), "factor"),
    )
    d.chain(
        product(fan_in, var_he, sq_out),
        (
            product(fan_in, 2 / (fan_in * ordered(1, a**2)), ordered(1, a**2) * _s**2 / 2),
            "He's variance, and the mean square above",
        ),
        (_s**2, "everything but the variance cancels: it is kept"),
    )
    uniform = d.chain(
        sp.Integral(wv**2 / (2 * bound), (wv, -bound, bound)),
        (bound**2 / 3, "the variance of U(−b, b): density 1/(2b), mean 0"),
    )
    d.chain(
        bound_he,
        (
            sp.sqrt(6 / (fan_in * ordered(1, a**2)), evaluate=False),
            ("solve ", sp.Eq(uniform, var_he)),
        ),
    )
    d.chain(
        bound_xavier,
        (
            sp.sqrt(6 / ordered(fan_in, fan_out), evaluate=False),
            ("solve ", sp.Eq(uniform, var_xavier)),
        ),
    )
    inputs = [fan_in, fan_out, a]
    seed = 12345

    def he_normal(shape, slope_):
        return numnet.init.he_normal(shape, rng=seed, negative_slope=slope_)

    def he_uniform(shape, slope_):
        return numnet.init.he_uniform(shape, rng=seed, negative_slope=slope_)

    def xavier_uniform(shape, slope_):
        return numnet.init.xavier_uniform(shape, rng=seed)

    def standard_normal(shape):
        return np.random.default_rng(seed).standard_normal(shape)

    def unit_uniform(shape):
        return np.random.default_rng(seed).uniform(-1.0, 1.0, size=shape)

    for claim, draw, reference, label in [
        (sp.sqrt(var_he), he_normal, standard_normal, "init.he_normal std"),
        (bound_he, he_uniform, unit_uniform, "init.he_uniform bound"),
        (bound_xavier, xavier_uniform, unit_uniform, "init.xavier_uniform bound"),
    ]:
        d.tie(d.unfold(claim), inputs, _scale_of(draw, reference), label, sample=_fans)
    return d
