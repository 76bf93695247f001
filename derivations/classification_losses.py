"""Cross-entropy after softmax, NLL, the softmax classifier, and binary cross-entropy.

The multi-class results use ``K = 3`` classes (and ``N = 2`` samples for batch results),
written out entry by entry so that SymPy checks every one. Each claim is tied to the numnet
loss whose ``backward`` uses it, and that backward to finite differences of its forward.
"""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation, prove_equal
from derivations.functions import sigma
from derivations.matrices import symbol_matrix
from derivations.softmax import K, probs, softmax_exprs, unevaluated_product, z

y = sp.symbols(f"y1:{K + 1}", real=True)
N = 2  # samples in the batch derivations
LABELS = (0, 2)  # their classes (0-based): sample 1 is class 1, sample 2 is class 3


#: The stable BCE-with-logits form, as printed (SymPy evaluates max and |z| once z has a sign).
STABLE_TEX = r"\max(z, 0) - z y + \log\left(1 + e^{-|z|}\right)"


def one_hot(labels):
    return sp.Matrix(len(labels), K, lambda n, k: int(k == labels[n]))


def batch_probs(logits):
    """``P`` for an ``N × K`` logit matrix, as printable ``p_{nk}`` entries."""
    return sp.Matrix.vstack(*[probs(list(logits.row(n)), row=n + 1).T for n in range(N)])


def batch_cross_entropy(logits, labels):
    """``J = (1/N) Σ_n −log p_{n, y_n}`` written out with exponentials."""
    rows = [softmax_exprs(list(logits.row(n))) for n in range(len(labels))]
    return -sp.Add(*[sp.log(rows[n][labels[n]]) for n in range(len(labels))]) / len(labels)


def numnet_loss_grad(make_loss, to_pred, to_target):
    """``(numnet_fn, loss_fn)`` for a tie: numnet's ``backward`` and its ``forward`` value."""

    def numnet_fn(values):
        loss = make_loss()
        loss(to_pred(values), to_target(values))
        return loss.backward()

    def loss_fn(values):
        return make_loss()(to_pred(values), to_target(values))

    return numnet_fn, loss_fn


def dirichlet_target(rng):
    """Random logits and a random class distribution (y_1, y_2; y_3 = 1 − y_1 − y_2)."""
    return [*rng.uniform(-3, 3, K), *rng.dirichlet(np.ones(K))[:2]]


@derivation
def nll_after_softmax():
    d = Derivation(
        "nll_after_softmax",
        "Cross-entropy after softmax: ∂L/∂z = p − y",
        "L = −Σ_i y_i log p_i with p = softmax(z). Each log p_i = z_i − log Σ_j e^(z_j) "
        "differentiates to δ_ik − p_k, so the softmax Jacobian collapses to p − y whenever the "
        "target sums to 1: for a one-hot label, and for any class distribution.",
    )
    pe, pv, yv = softmax_exprs(z), probs(z), sp.Matrix(y)
    loss = -sp.Add(*[y[i] * sp.log(pe[i]) for i in range(K)])
    general = d.chain(
        (
            sp.Matrix([sp.Derivative(loss, v) for v in z]),
            "L = −Σ_i y_i log p_i, p = softmax(z)",
            r"\left[\frac{\partial}{\partial z_k}"
            r"\left(-\sum_{i=1}^{3} y_i \log \frac{e^{z_i}}{e^{z_1} + e^{z_2} + e^{z_3}}\right)"
            r"\right]_{k=1}^{3}",
        ),
        (
            sp.Matrix(
                [-sp.Add(*[y[i] * (int(i == k) - pv[k]) for i in range(K)]) for k in range(K)]
            ),
            "∂ log p_i / ∂z_k = δ_ik − p_k",
        ),
        (pv * sp.Add(*y) - yv, "collect: p_k Σ_i y_i − y_k"),
        lhs=r"\frac{\partial L}{\partial z}",
    )
    on_simplex = {y[2]: 1 - y[0] - y[1]}
    d.fact(
        prove_equal(general.subs(on_simplex), (pv - yv).subs(on_simplex)) == "symbolic",
        "for a target distribution (Σ y_i = 1) this is p − y",
        tex=r"\sum_i y_i = 1 \;\Rightarrow\; \frac{\partial L}{\partial z} = p - y",
    )
    one_hot_claim = d.chain(
        (sp.Matrix([sp.Derivative(-sp.log(pe[0]), v) for v in z]), "one-hot y = (1, 0, 0)"),
        (
            sp.Matrix(
                [sp.Derivative(sp.log(sp.Add(*[sp.exp(u) for u in z])) - z[0], v) for v in z]
            ),
            "−log p_1 = log Σ_j e^(z_j) − z_1",
        ),
        (pv - sp.Matrix([1, 0, 0]), "∂/∂z_k log Σ_j e^(z_j) = p_k"),
        lhs=r"\frac{\partial (-\log p_1)}{\partial z}",
    )
    ce = numnet.CrossEntropyLoss
    row = lambda v: v[None, :K]  # noqa: E731
    fn, loss_fn = numnet_loss_grad(ce, row, lambda v: np.array([0]))
    d.tie(one_hot_claim, list(z), fn, "CrossEntropyLoss.backward, label", loss=loss_fn, wrt=list(z))
    dist = lambda v: np.array([[v[K], v[K + 1], 1 - v[K] - v[K + 1]]])  # noqa: E731
    fn, loss_fn = numnet_loss_grad(ce, row, dist)
    d.tie(
        (pv - yv).subs(on_simplex),
        [*z, y[0], y[1]],
        fn,
        "CrossEntropyLoss.backward, distribution",
        loss=loss_fn,
        wrt=list(z),
        sample=dirichlet_target,
    )
    soft = lambda rng: [*rng.uniform(-3, 3, K), *rng.uniform(0, 1, K)]  # noqa: E731
    fn, loss_fn = numnet_loss_grad(ce, row, lambda v: v[None, K:])
    d.tie(
        general,
        [*z, *y],
        fn,
        "CrossEntropyLoss.backward, any y in [0, 1]",
        loss=loss_fn,
        wrt=list(z),
        sample=soft,
    )
    return d


@derivation
def cross_entropy_batch_mean():
    d = Derivation(
        "cross_entropy_batch_mean",
        "The batch mean of cross-entropy has gradient (P − Y)/N",
        "J = (1/N) Σ_n L_n and sample n's loss depends only on row n of the logits, so each "
        "row of ∂J/∂Z is that sample's p − y, divided by N. Shown for N = 2, K = 3, "
        "labels (1, 3).",
    )
    logits = symbol_matrix("z", N, K)
    cost = batch_cross_entropy(logits, LABELS)
    claim = d.chain(
        (
            logits.applyfunc(lambda v: sp.Derivative(cost, v)),
            "J = −½ (log p_11 + log p_23)",
            r"\left[\frac{\partial J}{\partial z_{nk}}\right]_{2 \times 3}",
        ),
        (
            (batch_probs(logits) - one_hot(LABELS)) / N,
            "each row: ∂L_n/∂z_n = p_n − y_n (nll_after_softmax), times 1/N",
        ),
        lhs=r"\frac{\partial J}{\partial Z}",
    )
    syms = list(logits)
    fn, loss_fn = numnet_loss_grad(
        numnet.CrossEntropyLoss, lambda v: v.reshape(N, K), lambda v: np.array(LABELS)
    )
    d.tie(claim, syms, fn, "CrossEntropyLoss.backward", loss=loss_fn, wrt=syms)
    one_hot_rows = np.eye(K)[list(LABELS)]
    fn, loss_fn = numnet_loss_grad(
        numnet.CrossEntropyLoss, lambda v: v.reshape(N, K), lambda v: one_hot_rows
    )
    d.tie(claim, syms, fn, "CrossEntropyLoss.backward, one-hot rows", loss=loss_fn, wrt=syms)
    return d


@derivation
def nll_loss_grad():
    d = Derivation(
        "nll_loss_grad",
        "NLLLoss: ∂L/∂ℓ = −Y/N for log-probabilities ℓ",
        "NLLLoss only picks each sample's log-probability of its label and averages; its "
        "gradient is −1/N at those entries and 0 elsewhere. Fed with log_softmax(z), it is "
        "cross-entropy.",
    )
    logp = symbol_matrix(r"\ell", N, K)
    cost = -sp.Add(*[logp[n, LABELS[n]] for n in range(N)]) / N
    claim = d.chain(
        (
            logp.applyfunc(lambda v: sp.Derivative(cost, v)),
            "L = −½ (ℓ_11 + ℓ_23)",
            r"\left[\frac{\partial}{\partial \ell_{nk}}\left(-\tfrac12"
            r"(\ell_{11} + \ell_{23})\right)\right]_{2 \times 3}",
        ),
        (-one_hot(LABELS) / N, "1 where k is the label of sample n, else 0"),
        lhs=r"\frac{\partial L}{\partial \ell}",
    )
    syms = list(logp)
    fn, loss_fn = numnet_loss_grad(
        numnet.NLLLoss, lambda v: v.reshape(N, K), lambda v: np.array(LABELS)
    )
    d.tie(claim, syms, fn, "NLLLoss.backward", loss=loss_fn, wrt=syms)
    return d


@derivation
def softmax_classifier_grads():
    d = Derivation(
        "softmax_classifier_grads",
        "Softmax classifier Z = XW + b: ∂J/∂W = Xᵀ(P − Y)/N and ∂J/∂b = column sums of (P − Y)/N",
        "The chain rule through Z = XW + b (rows are samples, W is in × out as in numnet's "
        "Linear): ∂z_nk/∂w_dk = x_nd and ∂z_nk/∂b_k = 1. Reports 001 and 002 write the same "
        "result with samples as columns, z = Wx + b, where it reads (P − Y)Xᵀ/N. "
        "Shown for N = 2 samples, D = 2 features, K = 3 classes, labels (1, 3).",
    )
    dims = 2
    x = sp.Matrix(N, dims, lambda n, j: sp.Symbol(f"x_{n + 1}{j + 1}", real=True))
    w = sp.Matrix(dims, K, lambda j, k: sp.Symbol(f"w_{j + 1}{k + 1}", real=True))
    b = sp.Matrix(1, K, lambda _, k: sp.Symbol(f"b_{k + 1}", real=True))
    logits = x * w + sp.ones(N, 1) * b
    cost = batch_cross_entropy(logits, LABELS)
    # Written out with exponentials (not printable p's): it is displayed as X^T (P − Y)/N, and
    # SymPy's cancel() proves it without the slow expand of exp(x·w + b).
    explicit_probs = sp.Matrix.vstack(*[softmax_exprs(list(logits.row(n))).T for n in range(N)])
    residual = (explicit_probs - one_hot(LABELS)) / N
    grad_w = d.chain(
        (
            w.applyfunc(lambda v: sp.Derivative(cost, v)),
            "J = −½ (log p_11 + log p_23), Z = XW + b",
            r"\left[\frac{\partial J}{\partial w_{dk}}\right]_{2 \times 3}",
        ),
        (
            x.T * residual,
            "chain rule: Σ_n (∂J/∂z_nk) x_nd, with ∂J/∂Z = (P − Y)/N",
            r"X^{\mathsf T}\,\frac{P - Y}{N}",
        ),
        (
            x.T * (batch_probs(logits) - one_hot(LABELS)) / N,
            "entry by entry, p_nk = softmax(z_n)_k",
        ),
        lhs=r"\frac{\partial J}{\partial W}",
    )
    grad_b = d.chain(
        (
            b.applyfunc(lambda v: sp.Derivative(cost, v)),
            "the same J",
            r"\left[\frac{\partial J}{\partial b_{k}}\right]_{1 \times 3}",
        ),
        (
            sp.ones(1, N) * residual,
            "∂z_nk/∂b_k = 1: sum the rows",
            r"\mathbf 1^{\mathsf T} \frac{P - Y}{N}",
        ),
        lhs=r"\frac{\partial J}{\partial b}",
    )
    inputs = [*x, *w, *b]
    n_x, n_w = N * dims, dims * K

    def forward(values):
        layer = numnet.Linear(dims, K)
        layer.weight.data = values[n_x : n_x + n_w].reshape(dims, K)
        layer.bias.data = values[n_x + n_w :]
        loss = numnet.CrossEntropyLoss()
        value = loss(layer(values[:n_x].reshape(N, dims)), np.array(LABELS))
        return layer, loss, value

    def grads(values):
        layer, loss, _ = forward(values)
        layer.backward(loss.backward())
        return layer.weight.grad, layer.bias.grad

    loss_fn = lambda v: forward(v)[2]  # noqa: E731
    d.tie(
        grad_w,
        inputs,
        lambda v: grads(v)[0],
        "Linear + CrossEntropyLoss: weight.grad",
        loss=loss_fn,
        wrt=list(w),
    )
    d.tie(
        grad_b,
        inputs,
        lambda v: grads(v)[1],
        "Linear + CrossEntropyLoss: bias.grad",
        loss=loss_fn,
        wrt=list(b),
    )
    return d


@derivation
def bce_sigmoid_grad():
    pr = sp.Symbol("p", positive=True)
    t, u = sp.Symbol("y", real=True), sp.Symbol("z", real=True)
    d = Derivation(
        "bce_sigmoid_grad",
        "Binary cross-entropy with a sigmoid: ∂L/∂z = σ(z) − y",
        "L = −(y log p + (1 − y) log(1 − p)). Its derivative in p has p(1 − p) in the "
        "denominator, and σ' = σ(1 − σ) cancels it exactly: the same 'prediction minus target' "
        "as softmax with cross-entropy.",
    )
    dldp = d.chain(
        (sp.Derivative(-(t * sp.log(pr) + (1 - t) * sp.log(1 - pr)), pr), "definition of BCE"),
        (-t / pr + (1 - t) / (1 - pr), "d log p / dp = 1/p, d log(1 − p)/dp = −1/(1 − p)"),
        ((pr - t) / (pr * (1 - pr)), "common denominator"),
        lhs=r"\frac{\partial L}{\partial p}",
    )
    s = sigma(u)
    dldz = d.chain(
        (sp.Derivative(-(t * sp.log(s) + (1 - t) * sp.log(1 - s)), u), "p = σ(z)"),
        (
            unevaluated_product((s - t) * sp.Pow(s * (1 - s), -1, evaluate=False), s * (1 - s)),
            "chain rule: ∂L/∂p at p = σ(z), times σ'(z) = σ(z)(1 − σ(z))",
            r"\frac{\sigma(z) - y}{\sigma(z)\,(1 - \sigma(z))}\cdot \sigma(z)\,(1 - \sigma(z))",
        ),
        (s - t, "cancel σ(z)(1 − σ(z))"),
        lhs=r"\frac{\partial L}{\partial z}",
    )
    prob_target = lambda rng: [rng.uniform(0.02, 0.98), rng.uniform(0, 1)]  # noqa: E731
    logit_target = lambda rng: [rng.uniform(-4, 4), rng.uniform(0, 1)]  # noqa: E731
    one = lambda i: lambda v: np.array([v[i]])  # noqa: E731
    fn, loss_fn = numnet_loss_grad(numnet.BCELoss, one(0), one(1))
    d.tie(dldp, [pr, t], fn, "BCELoss.backward", loss=loss_fn, wrt=[pr], sample=prob_target)
    fn, loss_fn = numnet_loss_grad(numnet.BCEWithLogitsLoss, one(0), one(1))
    d.tie(
        dldz, [u, t], fn, "BCEWithLogitsLoss.backward", loss=loss_fn, wrt=[u], sample=logit_target
    )

    def through_sigmoid(values):
        act, loss = numnet.Sigmoid(), numnet.BCELoss()
        loss(act(np.array([values[0]])), np.array([values[1]]))
        return act.backward(loss.backward())

    d.tie(dldz, [u, t], through_sigmoid, "Sigmoid.backward ∘ BCELoss.backward", sample=logit_target)
    return d


@derivation
def bce_logits_stable():
    t = sp.Symbol("y", real=True)
    d = Derivation(
        "bce_logits_stable",
        "BCE on logits: −(y log σ(z) + (1 − y) log(1 − σ(z))) = max(z, 0) − zy + log(1 + e^(−|z|))",
        "log σ(z) = −log(1 + e^(−z)) and log(1 − σ(z)) = −z − log(1 + e^(−z)). For z ≥ 0 this is "
        "already safe; for z < 0 take e^(−z) out of the log. Either way no exponent is positive "
        "and no log of 0 is taken, so logits of ±1e4 give exact, finite losses.",
    )
    stable = lambda v: sp.Max(v, 0) - v * t + sp.log(1 + sp.exp(-sp.Abs(v)))  # noqa: E731
    bce = lambda v: -(t * sp.log(1 / (1 + sp.exp(-v))) + (1 - t) * sp.log(1 - 1 / (1 + sp.exp(-v))))  # noqa: E731
    zp, zn = sp.Symbol("z", positive=True), sp.Symbol("z", negative=True)
    d.chain(
        (bce(zp), "definition, z > 0"),
        (
            zp - zp * t + sp.log(1 + sp.exp(-zp)),
            "log σ(z) = −log(1 + e^(−z)), log(1 − σ(z)) = −z + log σ(z)",
        ),
        (stable(zp), "max(z, 0) = z and |z| = z", STABLE_TEX),
        lhs=r"L\,(z > 0)",
    )
    d.chain(
        (bce(zn), "definition, z < 0"),
        (-zn * t + sp.log(1 + sp.exp(zn)), "multiply inside the logs by e^z / e^z"),
        (stable(zn), "max(z, 0) = 0 and |z| = −z", STABLE_TEX),
        lhs=r"L\,(z < 0)",
    )
    u = sp.Symbol("z", real=True)
    exact = sp.Integer(
        10000
    )  # max(1e4, 0) − 1e4·0 + log(1 + e^(−1e4)) = 1e4 + (a number < 1e-4000)
    ours = numnet.BCEWithLogitsLoss()(np.array([1e4, -1e4]), np.array([0.0, 1.0]))
    d.fact(
        sp.Abs(sp.Float(ours) - exact) <= 1e-15 * exact,
        "numnet's BCEWithLogitsLoss at z = ±1e4 with the wrong label is 1e4, as exact arithmetic "
        "says (it differs by less than e^(−10000)); log(σ(z)) in floats gives log(0) = −inf",
        tex=r"\texttt{BCEWithLogitsLoss}((10^4, -10^4), (0, 1)) = 10^4",
    )
    logit_target = lambda rng: [rng.uniform(-6, 6), rng.uniform(0, 1)]  # noqa: E731

    def numnet_value(values):
        return numnet.BCEWithLogitsLoss()(np.array([values[0]]), np.array([values[1]]))

    d.tie(stable(u), [u, t], numnet_value, "BCEWithLogitsLoss.forward", sample=logit_target)
    d.tie(
        bce(u), [u, t], numnet_value, "BCEWithLogitsLoss.forward vs definition", sample=logit_target
    )
    return d
