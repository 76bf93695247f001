"""Softmax: a probability distribution, shift-invariant, its Jacobian, log-sum-exp, two classes.

Every derivation here is proved for every number of classes K: the logits are an
``IndexedBase`` ``z``, and the softmax is :class:`derivations.functions.softmax`, whose
definition ``ŷ_i = e^{z_i} / S`` with ``S = Σ_k e^{z_k}`` is written once there; each chain
starts from it. The ties compare the claims at K = 3 with ``numnet.Softmax`` and the functions
in ``numnet/softmax.py``, in float64 and float32.
"""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation
from derivations.functions import SOFTMAX_INDEX, sigma, softmax
from derivations.indexed import index, instance, instance_matrix, size
from derivations.matrices import symbol_matrix
from derivations.printing import ordered, product

K = size("K")
i, j, c_ = index("i"), index("j"), index("c")
k = SOFTMAX_INDEX  # the summation index of the definition
z = sp.IndexedBase("z", real=True)
yhat = sp.IndexedBase(r"\hat{y}", real=True)
delta = sp.IndexedBase(r"\delta", real=True)  # upstream gradient ∂L/∂ŷ
S = sp.Symbol("S", positive=True)
m = sp.Symbol("m", real=True)  # a number subtracted from every logit
RANGES = {i: (1, K), j: (1, K), k: (1, K), c_: (1, K)}

#: The sizes and symbols at which the claims are compared with numnet.
TIE_K = 3
Z_ROW = symbol_matrix("z", 1, TIE_K)


def define_softmax(d):
    """Show ``S = Σ_k e^{z_k}`` and ``ŷ_i = e^{z_i} / S``, both taken from the one definition."""
    written_out = softmax(z, i, K).rewrite("numeric")
    d.define(S, sp.fraction(written_out)[1])
    d.define(yhat, sp.Lambda(i, written_out.subs(d.definitions[S][0], S)))


def at_tie_size(d, expr, arrays=None):
    """``expr`` with its definitions written out, at K = 3, each ``z_k`` a plain symbol."""
    return instance(d.unfold(expr), {K: TIE_K}, {z: Z_ROW, **(arrays or {})})


def entries(d, expr, index_symbol, arrays=None):
    """The column of :func:`at_tie_size` of ``expr`` for ``index_symbol = 1, …, K``."""
    e = d.unfold(expr)
    return sp.Matrix(
        [
            instance(e.subs(index_symbol, r), {K: TIE_K}, {z: Z_ROW, **(arrays or {})})
            for r in range(1, TIE_K + 1)
        ]
    )


def softmax_row(values, dtype=np.float64):
    """numnet's ``Softmax`` of one row of logits (a 1-D array) -> 1-D array."""
    return numnet.Softmax()(np.asarray(values, dtype=dtype)[None, :])[0]


@derivation
def softmax_sums_to_one():
    d = Derivation(
        "softmax_sums_to_one",
        "Softmax outputs are positive and sum to 1",
        (
            "Each ",
            sp.exp(z[i]),
            " is positive, so each ",
            yhat[i],
            " is a positive share of the positive total S, and the shares add up to the "
            "whole. So every output also lies below 1 as soon as there are two classes.",
        ),
        sizes="every K ≥ 1",
        ranges=RANGES,
    )
    define_softmax(d)
    total = sp.Sum(sp.exp(z[k]), (k, 1, K))
    d.chain(
        sp.Sum(yhat[k], (k, 1, K)),
        (sp.Sum(sp.exp(z[k]) / S, (k, 1, K)), "definition of softmax"),
        (total / S, "S does not depend on k"),
        (sp.Integer(1), ("because ", sp.Eq(total, S, evaluate=False))),
    )
    d.fact(sp.Gt(yhat[i], 0, evaluate=False), "a positive share of a positive total")
    claim = entries(d, yhat[i], i)
    d.tie(claim, list(Z_ROW), softmax_row, "Softmax.forward")
    d.tie(
        sp.Integer(1),
        list(Z_ROW),
        lambda v, dtype=np.float64: softmax_row(v, dtype).sum(),
        "Softmax.forward row sum",
    )
    return d


@derivation
def softmax_shift_invariance():
    d = Derivation(
        "softmax_shift_invariance",
        ("Subtracting the same ", m, " from every logit leaves the softmax unchanged"),
        (
            "Subtracting ",
            m,
            " from every logit divides the numerator and every term of the sum by ",
            sp.exp(m),
            ". So any constant may be subtracted. numnet subtracts the largest logit: every "
            "exponent is then at most 0, every term at most 1 and the largest exactly 1. "
            "Subtracting the smallest makes every exponent at least 0 instead, and the largest "
            "is the whole spread of the logits, which overflows float64 beyond about 709.8.",
        ),
        sizes="every K ≥ 1",
        ranges=RANGES,
    )
    define_softmax(d)
    shifted = ordered(z[k], -m)
    d.chain(
        softmax(sp.Lambda(k, shifted), i, K),
        (
            sp.exp(ordered(z[i], -m)) / sp.Sum(sp.exp(shifted), (k, 1, K)),
            ("definition of softmax, at the logits z − ", m),
        ),
        (
            sp.Mul(  # e^{-m} e^{z_i} / (e^{-m} S), before e^{-m} cancels
                sp.exp(-m),
                sp.exp(z[i]),
                sp.Pow(sp.Mul(sp.exp(-m), S, evaluate=False), -1, evaluate=False),
                evaluate=False,
            ),
            ("split each exponential and take ", sp.exp(-m), " out of the sum"),
        ),
        (yhat[i], ("cancel ", sp.exp(-m))),
    )
    d.fact(
        sp.Lt(1024 * sp.log(2), 710, evaluate=False),
        "float64 stops below 2¹⁰²⁴, so an exponent of 710 overflows",
    )
    claim = entries(d, yhat[i], i)

    def shifted_softmax(values, dtype=np.float64):
        return softmax_row(values[:TIE_K] - values[TIE_K], dtype)

    d.tie(claim, [*Z_ROW, m], shifted_softmax, "Softmax.forward(z − m)")
    return d


@derivation
def softmax_jacobian():
    d = Derivation(
        "softmax_jacobian",
        "The softmax Jacobian",
        (
            "Every ",
            yhat[i],
            " depends on every ",
            z[j],
            " through the shared denominator S, so the Jacobian ",
            sp.Symbol("J"),
            " is a full K × K matrix. 𝟙 is 1 when its condition holds and 0 otherwise. "
            "Backward receives the upstream gradient ",
            sp.Eq(delta[i], sp.Derivative(sp.Symbol("L"), yhat[i]), evaluate=False),
            " and returns the chain rule's sum over i, which costs O(K) without forming J.",
        ),
        sizes="every K ≥ 2",
        ranges=RANGES,
    )
    define_softmax(d)
    kd = sp.KroneckerDelta(i, j)
    e_i, e_j = sp.exp(z[i]), sp.exp(z[j])
    entry = product(yhat[i], ordered(kd, -yhat[j]))
    jacobian = d.chain(
        sp.Derivative(yhat[i], z[j]),
        (sp.Derivative(e_i / S, z[j]), "definition of softmax"),
        (
            ordered(product(kd, e_i, S), -product(e_i, e_j)) / S**2,
            ("quotient rule, with ", sp.Eq(sp.Derivative(S, z[j]), e_j, evaluate=False)),
        ),
        (product(e_i / S, ordered(kd, -e_j / S)), "split the fraction"),
        (entry, ("recognise ", yhat[i], " and ", yhat[j])),
    )
    vjp = d.chain(
        sp.Sum(product(delta[i], sp.Derivative(yhat[i], z[j])), (i, 1, K)),
        (sp.Sum(product(delta[i], entry), (i, 1, K)), "the Jacobian above"),
        (
            product(yhat[j], ordered(delta[j], -sp.Sum(delta[i] * yhat[i], (i, 1, K)))),
            ("the term with ", sp.Eq(i, j), " comes out of the sum"),
        ),
    )
    d.fact(
        sp.Ne(sp.Derivative(softmax(z, 1, 2), z[2]), 0, evaluate=False),
        "common mistake: the off-diagonal entries are not 0 (K = 2)",
    )
    # Ties at K = 3: J, one unit vector at a time (backward of e_i is Jᵀe_i = row i of J;
    # one fresh forward per backward), and backward.
    jac = instance_matrix(d.unfold(jacobian), (i, TIE_K), (j, TIE_K), {K: TIE_K}, {z: Z_ROW})
    g_row = symbol_matrix(r"\delta", 1, TIE_K)
    grad = entries(d, vjp, j, {delta: g_row})

    def numnet_jacobian(values, dtype=np.float64):
        rows = []
        for row in np.eye(TIE_K, dtype=dtype):
            layer = numnet.Softmax()
            layer(np.asarray(values, dtype=dtype)[None, :])
            rows.append(layer.backward(row[None, :])[0])
        return np.stack(rows)

    def numnet_backward(values, dtype=np.float64):
        values = np.asarray(values, dtype=dtype)
        layer = numnet.Softmax()
        layer(values[None, :TIE_K])
        return layer.backward(values[None, TIE_K:])[0]

    def loss(values):
        return float(softmax_row(values[:TIE_K]) @ values[TIE_K:])

    d.tie(jac, list(Z_ROW), numnet_jacobian, "Softmax.backward of each unit vector (the rows of J)")
    inputs = [*Z_ROW, *g_row]
    d.tie(grad, inputs, numnet_backward, "Softmax.backward", loss=loss, wrt=list(Z_ROW))
    return d


@derivation
def log_sum_exp_stable():
    d = Derivation(
        "log_sum_exp_stable",
        "Log-sum-exp: the stable log-softmax and cross-entropy",
        (
            "Any number ",
            m,
            " may be taken out of the sum S. numnet takes the largest logit, so no exponent "
            "is positive, the remaining sum is at least 1 and its log is finite. The "
            "log-softmax and the cross-entropy of a sample of class c follow without ever "
            "taking the log of a probability that may have underflowed to 0.",
        ),
        sizes="every K ≥ 1",
        ranges=RANGES,
    )
    define_softmax(d)
    rest = sp.Sum(sp.exp(ordered(z[k], -m)), (k, 1, K))
    lse = d.chain(
        sp.log(S),
        (
            sp.log(sp.Sum(product(sp.exp(m), sp.exp(ordered(z[k], -m))), (k, 1, K))),
            ("definition of S, with ", sp.Eq(sp.exp(z[k]), product(sp.exp(m), sp.exp(z[k] - m)))),
        ),
        (sp.log(product(sp.exp(m), rest)), ("take ", sp.exp(m), " out of the sum")),
        (ordered(m, sp.log(rest)), "the log of a product"),
    )
    log_p = d.chain(
        sp.log(yhat[c_]),
        (sp.log(sp.exp(z[c_]) / S), "definition of softmax"),
        (ordered(z[c_], -sp.log(S)), "the log of a quotient"),
        (ordered(z[c_], -m, -sp.log(rest)), "log-sum-exp above"),
    )
    loss = d.chain(
        -sp.log(yhat[c_]),
        (ordered(m, sp.log(rest), -z[c_]), "minus the log-softmax above"),
    )
    inputs = [*Z_ROW, m]  # m is arbitrary: the claims hold for every m
    first = lambda e: at_tie_size(d, e.subs(c_, 1))  # noqa: E731 - a sample of class 1

    def cross_entropy(values, dtype=np.float64):
        logits = np.asarray(values[:TIE_K], dtype=dtype)[None, :]
        return numnet.CrossEntropyLoss()(logits, np.array([0]))

    d.tie(
        at_tie_size(d, lse),
        inputs,
        lambda v, dtype=np.float64: numnet.logsumexp(np.asarray(v[:TIE_K], dtype=dtype)),
        "logsumexp",
    )
    d.tie(
        first(log_p),
        inputs,
        lambda v, dtype=np.float64: numnet.log_softmax(np.asarray(v[:TIE_K], dtype=dtype))[0],
        "log_softmax",
    )
    d.tie(first(loss), inputs, cross_entropy, "CrossEntropyLoss.forward")
    return d


@derivation
def two_class_softmax_is_sigmoid():
    d = Derivation(
        "two_class_softmax_is_sigmoid",
        "With two classes, softmax is the sigmoid of the logit difference",
        (
            "Divide the numerator and the denominator by ",
            sp.exp(z[1]),
            ": only the difference of the logits matters. So a two-class softmax classifier "
            "with cross-entropy is logistic regression with binary cross-entropy on that "
            "difference.",
        ),
        sizes="K = 2",
    )
    z1, z2 = z[1], z[2]
    prob = d.chain(
        softmax(z, 1, 2),
        (sp.exp(z1) / ordered(sp.exp(z1), sp.exp(z2)), "definition of softmax, K = 2"),
        (1 / (1 + sp.exp(-ordered(z1, -z2))), ("divide by ", sp.exp(z1))),
        (sigma(ordered(z1, -z2)), "recognise σ"),
    )
    two = symbol_matrix("z", 1, 2)
    arrays = {z: two}
    claim = instance(d.unfold(prob), {}, arrays)
    d.tie(claim, list(two), lambda v, dtype=np.float64: softmax_row(v, dtype)[0], "Softmax.forward")
    loss_claim = -sp.log(claim)

    def bce_value(values, dtype=np.float64):
        difference = np.array([values[0] - values[1]], dtype=dtype)
        return numnet.BCEWithLogitsLoss()(difference, np.array([1.0], dtype=dtype))

    def ce_value(values, dtype=np.float64):
        return numnet.CrossEntropyLoss()(np.asarray(values, dtype=dtype)[None, :], np.array([0]))

    d.tie(loss_claim, list(two), ce_value, "CrossEntropyLoss.forward, class 1")
    d.tie(loss_claim, list(two), bce_value, "BCEWithLogitsLoss.forward(z₁ − z₂, 1)")
    return d
