"""Softmax: a probability distribution, shift-invariant, its Jacobian, log-sum-exp, two classes.

The small cases use ``K = 3`` classes written out in full, so that SymPy checks every entry;
the Jacobian is also derived for general ``K`` from the quotient rule. Each result is tied to
``numnet.Softmax`` or the functions in ``numnet/softmax.py``.
"""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation
from derivations.functions import sigma
from numnet.softmax import logsumexp

K = 3
z = sp.symbols(f"z1:{K + 1}", real=True)
c, m = sp.symbols("c m", real=True)
g = sp.symbols(f"g1:{K + 1}", real=True)  # upstream gradient dL/dp


class p(sp.Function):  # noqa: N801 - printed name
    """``p(row, k, z_1, …, z_K)`` = softmax(z)_k, printed ``p_k`` (or ``p_{row k}`` if row > 0).

    ``row`` and ``k`` (0-based) only name the entry; the checker writes it out as
    ``exp(z_k) / Σ_j exp(z_j)`` through ``rewrite("numeric")``.
    """

    def _eval_rewrite_as_numeric(self, row, k, *logits, **kwargs):
        return sp.exp(logits[int(k)]) / sp.Add(*[sp.exp(v) for v in logits])

    def _latex(self, printer):
        row, k = int(self.args[0]), int(self.args[1]) + 1
        return f"p_{{{k}}}" if row == 0 else f"p_{{{row}{k}}}"


def probs(logits, row=0):
    """The softmax of ``logits`` as a column of printable ``p`` entries."""
    return sp.Matrix([p(row, k, *logits) for k in range(len(logits))])


def softmax_exprs(logits):
    """The softmax of ``logits`` written out: ``exp(z_k) / Σ_j exp(z_j)``."""
    total = sp.Add(*[sp.exp(v) for v in logits])
    return sp.Matrix([sp.exp(v) / total for v in logits])


def numnet_softmax_row(values):
    """numnet's ``Softmax`` of one row of logits (a 1-D array) -> 1-D array."""
    return numnet.Softmax()(np.asarray(values, dtype=np.float64)[None, :])[0]


def unevaluated_product(*factors):
    return sp.Mul(*factors, evaluate=False)


@derivation
def softmax_sums_to_one():
    d = Derivation(
        "softmax_sums_to_one",
        "Softmax outputs lie in (0, 1) and sum to 1",
        "Every e^(z_i) is positive, so each p_i is a positive share of a positive total. "
        "Shown for K = 3; the argument is the same for any K.",
    )
    total = sp.Add(*[sp.exp(v) for v in z])
    d.chain(
        (sp.Add(*[sp.exp(v) / total for v in z]), "definition p_i = e^(z_i) / Σ_j e^(z_j)"),
        (sp.Integer(1), "common denominator: the numerators add up to the denominator"),
        lhs=r"p_1 + p_2 + p_3",
    )
    a = sp.symbols(f"a1:{K + 1}", positive=True)  # a_i = e^{z_i} > 0
    share = a[0] / sp.Add(*a)
    d.fact(
        sp.And(share > 0, sp.cancel(sp.together(1 - share)) > 0),
        "with a_i = e^(z_i) > 0: p_1 > 0 and 1 − p_1 = (a_2 + a_3)/(a_1 + a_2 + a_3) > 0",
        tex=r"0 < p_1 = \frac{a_1}{a_1 + a_2 + a_3} < 1 \quad (a_i = e^{z_i} > 0)",
    )
    d.tie(softmax_exprs(z), list(z), numnet_softmax_row, "Softmax.forward")
    d.tie(sp.Integer(1), list(z), lambda v: numnet_softmax_row(v).sum(), "Softmax.forward row sum")
    return d


@derivation
def softmax_shift_invariance():
    d = Derivation(
        "softmax_shift_invariance",
        "softmax(z + c) = softmax(z); subtracting max(z) prevents overflow",
        "Adding the same constant c to every logit multiplies numerator and denominator by e^c. "
        "So we may choose c freely: c = −max(z) makes every exponent ≤ 0. Report 003 says "
        "'subtract its minimum': that makes every exponent ≥ 0 and overflows.",
    )
    shifted_total = sp.Add(*[sp.exp(v + c) for v in z])
    factored_total = unevaluated_product(sp.exp(c), sp.Add(*[sp.exp(v) for v in z]))
    d.chain(
        (sp.Matrix([sp.exp(v + c) / shifted_total for v in z]), "definition at z + c"),
        (
            sp.Matrix(
                [
                    unevaluated_product(
                        unevaluated_product(sp.exp(c), sp.exp(v)),
                        sp.Pow(factored_total, -1, evaluate=False),
                    )
                    for v in z
                ]
            ),
            "e^(a + b) = e^a e^b, then take e^c out of the sum",
        ),
        (softmax_exprs(z), "cancel e^c"),
        lhs=r"\operatorname{softmax}(z + c)",
    )
    x = sp.Symbol("x", real=True)
    d.fact(
        sp.And(sp.is_increasing(sp.exp(x), sp.Reals), sp.Eq(sp.exp(0), 1)),
        "exp increases and e^0 = 1: with c = −max(z) every term is ≤ 1 and the largest is 1, "
        "so no overflow and the denominator is ≥ 1",
        tex=r"z_i - \max_j z_j \le 0 \;\Rightarrow\; e^{z_i - \max_j z_j} \le e^0 = 1",
    )
    largest_float = sp.Float(float(np.finfo(np.float64).max), 30)
    d.fact(
        sp.exp(2000) > largest_float,
        "for z = (1000, 0, −1000), subtracting the minimum gives e^(2000), beyond the largest "
        "float64 (1.8e308): it overflows to inf and inf/inf is nan",
        tex=r"e^{1000 - (-1000)} = e^{2000} > 1.8 \times 10^{308}",
    )
    big = np.array([1000.0, 0.0, -1000.0])
    exact = [sp.N(e, 30) for e in softmax_exprs([sp.Integer(int(v)) for v in big])]
    ours = numnet_softmax_row(big)
    d.fact(
        sp.And(*[sp.Abs(sp.Float(o) - e) < 1e-15 for o, e in zip(ours, exact, strict=True)]),
        "numnet's Softmax at z = (1000, 0, −1000) matches SymPy's 30-digit value to 1e-15",
        tex=r"\left|\,\texttt{Softmax}(1000, 0, -1000) - \text{exact}\,\right| < 10^{-15}",
    )
    d.tie(
        softmax_exprs(z),
        [*z, c],
        lambda v: numnet_softmax_row(v[:K] + v[K]),
        "Softmax.forward(z + c)",
    )
    return d


@derivation
def softmax_jacobian():
    d = Derivation(
        "softmax_jacobian",
        "The softmax Jacobian ∂p_i/∂z_j = p_i(δ_ij − p_j)",
        "Every p_i depends on every z_j through the shared denominator, so the Jacobian is a "
        "full K × K matrix, not a diagonal one. Backward only needs Jᵀ g for the upstream "
        "gradient g, which costs O(K) without forming J.",
    )
    pe, pv = softmax_exprs(z), probs(z)
    jacobian_def = sp.Matrix(K, K, lambda i, j: sp.Derivative(pe[i], z[j]))
    jacobian = d.chain(
        (
            jacobian_def,
            "differentiate each p_i = e^(z_i)/S, S = e^(z_1) + e^(z_2) + e^(z_3), by each z_j",
            r"\left[\frac{\partial}{\partial z_j}\,"
            r"\frac{e^{z_i}}{e^{z_1} + e^{z_2} + e^{z_3}}\right]_{i,j=1}^{3}",
        ),
        (
            sp.Matrix(K, K, lambda i, j: pv[i] * (int(i == j) - pv[j])),
            "quotient rule: (δ_ij e^(z_i) S − e^(z_i) e^(z_j)) / S², split into p_i (δ_ij − p_j)",
        ),
        (
            sp.diag(*pv) - pv * pv.T,
            "as matrices",
            r"\operatorname{diag}(p) - p\,p^{\mathsf T}",
        ),
        lhs=r"J = \frac{\partial p}{\partial z}",
    )
    gv = sp.Matrix(g)
    dot = sp.Add(*[pv[j] * g[j] for j in range(K)])
    jvp = d.chain(
        (jacobian.T * gv, "backward returns Jᵀ g", r"J^{\mathsf T} g"),
        (
            sp.Matrix([pv[i] * (g[i] - dot) for i in range(K)]),
            "J is symmetric; factor p_i out of row i",
        ),
        lhs=r"\frac{\partial L}{\partial z}",
    )
    # General K: S = Σ_k e^{z_k} with ∂S/∂z_j = e^{z_j} (the K = 3 chain checks this case).
    i, j = sp.symbols("i j", integer=True)
    zi = sp.IndexedBase("z", real=True)
    big_s = sp.Symbol("S", positive=True)
    e_i, e_j, delta = sp.exp(zi[i]), sp.exp(zi[j]), sp.KroneckerDelta(i, j)
    d.chain(
        (
            (delta * e_i * big_s - e_i * e_j) / big_s**2,
            "quotient rule, with ∂e^(z_i)/∂z_j = δ_ij e^(z_i) and ∂S/∂z_j = e^(z_j)",
        ),
        (e_i / big_s * (delta - e_j / big_s), "split the fraction"),
        (
            e_i / big_s * (delta - e_j / big_s),
            "name p_i = e^(z_i)/S",
            r"p_i\,(\delta_{ij} - p_j)",
        ),
        lhs=r"\frac{\partial p_i}{\partial z_j}",
    )
    a = sp.symbols(f"a1:{K + 1}", positive=True)
    d.fact(
        (-(a[0] / sp.Add(*a)) * (a[1] / sp.Add(*a))).is_negative is True,
        "the off-diagonal entries −p_i p_j are strictly negative: dropping them (report 001) "
        "is wrong",
        tex=r"J_{12} = -p_1 p_2 < 0",
    )

    def numnet_jacobian(values):
        layer = numnet.Softmax()
        layer(values[None, :])
        return np.stack([layer.backward(np.eye(K)[i][None, :])[0] for i in range(K)])

    def numnet_backward(values):
        layer = numnet.Softmax()
        layer(values[None, :K])
        return layer.backward(values[None, K:])[0]

    def loss(values):
        return float(numnet_softmax_row(values[:K]) @ values[K:])

    d.tie(jacobian, list(z), numnet_jacobian, "Softmax.backward (rows of J)")
    d.tie(jvp, [*z, *g], numnet_backward, "Softmax.backward", loss=loss, wrt=list(z))
    return d


@derivation
def log_sum_exp_stable():
    d = Derivation(
        "log_sum_exp_stable",
        "Log-sum-exp: log Σ e^(z_j) = m + log Σ e^(z_j − m), the stable log-softmax and loss",
        "Any m may be taken out of the sum; numnet takes m = max(z), so no exponent is "
        "positive, the sum is at least 1 and its log is finite. Log-softmax and the "
        "cross-entropy of one sample follow without ever forming log(p).",
    )
    lse_claim = d.chain(
        (sp.log(sp.Add(*[sp.exp(v) for v in z])), "definition"),
        (
            sp.log(unevaluated_product(sp.exp(m), sp.Add(*[sp.exp(v - m) for v in z]))),
            "e^(z_j) = e^m e^(z_j − m), then take e^m out of the sum",
        ),
        (m + sp.log(sp.Add(*[sp.exp(v - m) for v in z])), "log(ab) = log a + log b, log e^m = m"),
        lhs=r"\log \sum_j e^{z_j}",
    )
    lse_m = sp.log(sp.Add(*[sp.exp(v - m) for v in z]))
    log_p = d.chain(
        (sp.log(softmax_exprs(z)[0]), "definition of p_1"),
        (z[0] - sp.log(sp.Add(*[sp.exp(v) for v in z])), "log of a quotient"),
        ((z[0] - m) - lse_m, "log-sum-exp above"),
        lhs=r"\log p_1",
    )
    loss_claim = d.chain(
        (-sp.log(softmax_exprs(z)[0]), "cross-entropy of a sample of class 1"),
        (m + lse_m - z[0], "minus the log-softmax above"),
        lhs=r"L = -\log p_1",
    )
    big = np.array([1e4, 0.0, -1e4])
    exact = sp.N(sp.log(sp.Add(*[sp.exp(sp.Integer(int(v))) for v in big])), 30)
    d.fact(
        sp.Abs(sp.Float(float(logsumexp(big)), 30) - exact) <= 1e-15 * exact,
        "numnet.logsumexp at z = (1e4, 0, −1e4) matches SymPy's 30-digit value to 1e-15 "
        "relative, where log(sum(exp(z))) overflows to inf",
        tex=r"\left|\,\texttt{logsumexp}(10^4, 0, -10^4) - \text{exact}\,\right|"
        r" \le 10^{-15} \cdot \text{exact}",
    )
    inputs = [*z, m]  # m is arbitrary: the claims hold for every m
    d.tie(lse_claim, inputs, lambda v: numnet.logsumexp(v[:K]), "logsumexp")
    d.tie(log_p, inputs, lambda v: numnet.log_softmax(v[:K])[0], "log_softmax")

    def cross_entropy_value(values):
        return numnet.CrossEntropyLoss()(values[None, :K], np.array([0]))

    d.tie(loss_claim, inputs, cross_entropy_value, "CrossEntropyLoss.forward")
    return d


@derivation
def two_class_softmax_is_sigmoid():
    d = Derivation(
        "two_class_softmax_is_sigmoid",
        "With two classes, softmax is the sigmoid of the logit difference",
        "Divide numerator and denominator by e^(z_1): only z_1 − z_2 matters. So a two-class "
        "softmax classifier with cross-entropy is logistic regression with BCE on z_1 − z_2.",
    )
    z1, z2 = z[:2]
    prob = d.chain(
        (sp.exp(z1) / (sp.exp(z1) + sp.exp(z2)), "softmax, first of two classes"),
        (1 / (1 + sp.exp(-(z1 - z2))), "divide numerator and denominator by e^(z_1)"),
        (sigma(z1 - z2), "recognise σ"),
        lhs=r"p_1",
    )
    d.tie(prob, [z1, z2], lambda v: numnet_softmax_row(v)[0], "Softmax.forward")
    loss_claim = -sp.log(sigma(z1 - z2))

    def bce_value(values):
        difference = np.array([values[0] - values[1]])
        return numnet.BCEWithLogitsLoss()(difference, np.array([1.0]))

    def ce_value(values):
        return numnet.CrossEntropyLoss()(values[None, :], np.array([0]))

    d.tie(loss_claim, [z1, z2], ce_value, "CrossEntropyLoss.forward, class 1")
    d.tie(loss_claim, [z1, z2], bce_value, "BCEWithLogitsLoss.forward(z_1 − z_2, 1)")
    return d
