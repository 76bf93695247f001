"""Cross-entropy after softmax, NLL, the softmax classifier, and binary cross-entropy.

The multi-class results are proved for every number of classes K and every batch size N (and
every input width D for the classifier), starting from the softmax's one definition
(:class:`derivations.functions.softmax`). Each claim is tied, at small sizes, to the numnet
loss whose ``backward`` uses it, and that backward to finite differences of its forward.
"""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation
from derivations.functions import SOFTMAX_INDEX, sigma, softmax
from derivations.indexed import index, instance_matrix, size
from derivations.matrices import symbol_matrix
from derivations.printing import ordered, product
from derivations.softmax import TIE_K, Z_ROW, K, define_softmax, entries, yhat, z

N, D = size("N"), size("D")
i, j, c_ = index("i"), index("j"), index("c")
n, n2, m = index("n"), index("n'"), index("m")
k = SOFTMAX_INDEX
y = sp.IndexedBase("y", real=True)
c = sp.IndexedBase("c", integer=True, positive=True)  # c_n: the class of sample n
s = sp.IndexedBase("s", real=True)  # log-probabilities, NLLLoss's input
x, w, b = (sp.IndexedBase(name, real=True) for name in "xwb")
delta = sp.IndexedBase(r"\delta", real=True)
L, ell = sp.Symbol("L", real=True), sp.Symbol(r"\ell", real=True)
kd = sp.KroneckerDelta

#: The batch of the ties: N = 2 samples of classes 1 and 3 (0-based labels 0 and 2), K = 3.
TIE_N, LABELS = 2, (0, 2)
CLASS_ROW = sp.Matrix([[label + 1 for label in LABELS]])


#: Row n of the softmax, ``ŷ_{ni} = softmax(z_n)_i`` written out, and the one-hot target.
SOFTMAX_ROWS = sp.Lambda((n, i), softmax(sp.Lambda(k, z[n, k]), i, K).rewrite("numeric"))
ONE_HOT = sp.Lambda((n, i), kd(i, c[n]))


def define_batch(d):
    """Show the row-wise softmax ``ŷ_{ni}``, the one-hot target ``y_{ni}`` and the mean loss L."""
    d.define(yhat, SOFTMAX_ROWS)
    d.define(y, ONE_HOT)
    d.define(L, sp.Sum(-sp.log(yhat[n2, c[n2]]), (n2, 1, N)) / N)


def numnet_loss_grad(make_loss, to_pred, to_target):
    """``(numnet_fn, loss_fn)`` for a tie: numnet's ``backward`` and its ``forward`` value."""

    def numnet_fn(values, dtype=np.float64):
        loss = make_loss()
        values = np.asarray(values, dtype=dtype)
        target = to_target(values)
        loss(to_pred(values), target.astype(dtype) if target.dtype.kind == "f" else target)
        return loss.backward()

    def loss_fn(values):
        return make_loss()(to_pred(values), to_target(values))

    return numnet_fn, loss_fn


def labels(values):
    return np.array(LABELS)


@derivation
def nll_after_softmax():
    d = Derivation(
        "nll_after_softmax",
        "Cross-entropy after softmax: prediction minus target",
        (
            "The loss of one sample with logits z and target y is ",
            sp.Eq(ell, -sp.Sum(y[i] * sp.log(yhat[i]), (i, 1, K))),
            ". When the target sums to 1 (a one-hot row, or any class distribution such as a "
            "smoothed label) the factor ",
            sp.Sum(y[i], (i, 1, K)),
            " in the first result is 1, and the gradient is the prediction minus the target. "
            "The second chain is the hard label c.",
        ),
        sizes="every K ≥ 1",
        ranges={i: (1, K), j: (1, K), k: (1, K), c_: (1, K)},
    )
    define_softmax(d)
    d.define(ell, -sp.Sum(y[i] * sp.log(yhat[i]), (i, 1, K)))
    general = d.chain(
        sp.Derivative(ell, z[j]),
        (
            -sp.Sum(product(y[i], sp.Derivative(sp.log(yhat[i]), z[j])), (i, 1, K)),
            "definition of ℓ",
        ),
        (
            -sp.Sum(product(y[i], ordered(kd(i, j), -yhat[j])), (i, 1, K)),
            ("the softmax Jacobian divided by ", yhat[i]),
        ),
        (
            ordered(product(yhat[j], sp.Sum(y[i], (i, 1, K))), -y[j]),
            ("the term with ", sp.Eq(i, j), " comes out of the sum"),
        ),
    )
    S = sp.Symbol("S", positive=True)
    hard = d.chain(
        sp.Derivative(-sp.log(yhat[c_]), z[j]),
        (sp.Derivative(ordered(sp.log(S), -z[c_]), z[j]), "definition of softmax"),
        (
            ordered(yhat[j], -kd(j, c_)),
            ("because ", sp.Eq(sp.Derivative(sp.log(S), z[j]), yhat[j], evaluate=False)),
        ),
    )
    y_row = symbol_matrix("y", 1, TIE_K)
    ce = numnet.CrossEntropyLoss
    logits = lambda v: v[None, :TIE_K]  # noqa: E731
    fn, loss_fn = numnet_loss_grad(ce, logits, lambda v: np.array([0]))
    label_claim = entries(d, hard.subs(c_, 1), j)
    wrt = list(Z_ROW)
    d.tie(label_claim, wrt, fn, "CrossEntropyLoss.backward, label", loss=loss_fn, wrt=wrt)
    claim = entries(d, general, j, {y: y_row})
    fn, loss_fn = numnet_loss_grad(ce, logits, lambda v: v[None, TIE_K:])

    def distribution(rng):
        return [*rng.uniform(-3, 3, TIE_K), *rng.dirichlet(np.ones(TIE_K))]

    def anything(rng):
        return [*rng.uniform(-3, 3, TIE_K), *rng.uniform(0, 1, TIE_K)]

    for label, sample in [("distribution", distribution), ("any y in [0, 1]", anything)]:
        d.tie(
            claim,
            [*Z_ROW, *y_row],
            fn,
            f"CrossEntropyLoss.backward, {label}",
            loss=loss_fn,
            wrt=wrt,
            sample=sample,
        )
    return d


def batch_arrays():
    return {z: symbol_matrix("z", TIE_N, TIE_K), c: CLASS_ROW}


@derivation
def cross_entropy_batch_mean():
    d = Derivation(
        "cross_entropy_batch_mean",
        "The batch mean of cross-entropy: each row divided by N",
        (
            "Row n of the N × K logits is sample n, of class ",
            c[n],
            "; its one-hot target is row n of y, and the loss L is the mean of the samples' "
            "losses. Only sample n's loss depends on row n, so row n of the gradient is that "
            "sample's prediction minus target, divided by N.",
        ),
        sizes="every N ≥ 1 and K ≥ 1",
        ranges={n: (1, N), n2: (1, N), i: (1, K), j: (1, K), k: (1, K)},
    )
    define_batch(d)
    claim = d.chain(
        sp.Derivative(L, z[n, j]),
        (
            ordered(yhat[n, j], -y[n, j]) / N,
            "sample n's gradient, the only one that depends on row n",
        ),
    )
    arrays = batch_arrays()
    sizes = {N: TIE_N, K: TIE_K}
    grad = instance_matrix(d.unfold(claim), (n, TIE_N), (j, TIE_K), sizes, arrays)
    syms = list(arrays[z])
    rows = lambda v: v.reshape(TIE_N, TIE_K)  # noqa: E731
    one_hot = np.eye(TIE_K)[list(LABELS)]
    for label, target in [("", labels), (", one-hot rows", lambda v: one_hot)]:
        fn, loss_fn = numnet_loss_grad(numnet.CrossEntropyLoss, rows, target)
        d.tie(grad, syms, fn, f"CrossEntropyLoss.backward{label}", loss=loss_fn, wrt=syms)
    return d


@derivation
def nll_loss_grad():
    d = Derivation(
        "nll_loss_grad",
        "NLLLoss: minus the one-hot target over N",
        (
            "NLLLoss receives log-probabilities ",
            s[n, i],
            " and averages minus each sample's entry at its class ",
            c[n],
            ": its gradient is −1/N at those entries and 0 elsewhere. Fed with the "
            "log-softmax of the logits, it is cross-entropy.",
        ),
        sizes="every N ≥ 1 and K ≥ 1",
        ranges={n: (1, N), n2: (1, N), j: (1, K)},
    )
    d.define(y, ONE_HOT)
    d.define(L, -sp.Sum(s[n2, c[n2]], (n2, 1, N)) / N)
    claim = d.chain(
        sp.Derivative(L, s[n, j]),
        (-y[n, j] / N, ("only the entry of sample n at its class ", c[n], " counts")),
    )
    logp = symbol_matrix("s", TIE_N, TIE_K)
    arrays = {s: logp, c: CLASS_ROW}
    grad = instance_matrix(d.unfold(claim), (n, TIE_N), (j, TIE_K), {N: TIE_N}, arrays)
    syms = list(logp)
    fn, loss_fn = numnet_loss_grad(numnet.NLLLoss, lambda v: v.reshape(TIE_N, TIE_K), labels)
    d.tie(grad, syms, fn, "NLLLoss.backward", loss=loss_fn, wrt=syms)
    return d


def logit(row, col):
    """``z_{nk} = Σ_m x_{nm} w_{mk} + b_k``: the logits of the dense layer, written out."""
    return sp.Sum(x[row, m] * w[m, col], (m, 1, D)) + b[col]


@derivation
def softmax_classifier_grads():
    d = Derivation(
        "softmax_classifier_grads",
        "The softmax classifier's weight and bias gradients",
        (
            "The logits ",
            sp.Eq(z[n, k], logit(n, k)),
            " come from N inputs x with D features (rows are samples, W is D × K as in "
            "numnet's Linear). L depends on W and b only through z, and its gradient there "
            "is δ, from the batch mean of cross-entropy (ŷ and y as there). By the chain "
            "rule L changes with each weight as the sum of δ times z does, with δ held "
            "fixed. Texts that keep samples as columns get the same sums, transposed.",
        ),
        sizes="every N, D ≥ 1 and K ≥ 1",
        ranges={n: (1, N), n2: (1, N), i: (1, D), m: (1, D), j: (1, K), k: (1, K)},
    )
    d.define(delta, sp.Lambda((n, k), ordered(yhat[n, k], -y[n, k]) / N))
    dW = d.chain(
        sp.Sum(product(delta[n2, k], sp.Derivative(logit(n2, k), w[i, j])), (k, 1, K), (n2, 1, N)),
        (
            sp.Sum(product(x[n2, i], delta[n2, j]), (n2, 1, N)),
            ("only ", sp.Eq(k, j), " and ", sp.Eq(m, i), " involve ", w[i, j]),
        ),
        (
            sp.Sum(product(x[n2, i], ordered(yhat[n2, j], -y[n2, j])), (n2, 1, N)) / N,
            "definition of δ",
        ),
    )
    db = d.chain(
        sp.Sum(product(delta[n2, k], sp.Derivative(logit(n2, k), b[j])), (k, 1, K), (n2, 1, N)),
        (sp.Sum(delta[n2, j], (n2, 1, N)), (b[j], " adds to column j in every row")),
        (sp.Sum(ordered(yhat[n2, j], -y[n2, j]), (n2, 1, N)) / N, "definition of δ"),
    )
    # Ties at N = 2, D = 2, K = 3: z is the dense layer's output, in the same symbols.
    width = 2
    X, W = symbol_matrix("x", TIE_N, width), symbol_matrix("w", width, TIE_K)
    B = symbol_matrix("b", 1, TIE_K)
    sizes = {N: TIE_N, D: width, K: TIE_K}
    batch = {z: X * W + sp.ones(TIE_N, 1) * B, c: CLASS_ROW}
    predicted, target = (
        instance_matrix(rows(n, i), (n, TIE_N), (i, TIE_K), sizes, batch)
        for rows in (SOFTMAX_ROWS, ONE_HOT)
    )
    arrays = {x: X, yhat: predicted, y: target}
    grad_w = instance_matrix(d.unfold(dW), (i, width), (j, TIE_K), sizes, arrays)
    grad_b = instance_matrix(d.unfold(db), (k, 1), (j, TIE_K), sizes, arrays)
    inputs = [*X, *W, *B]
    n_x, n_w = TIE_N * width, width * TIE_K

    def forward(values, dtype=np.float64):
        values = np.asarray(values, dtype=dtype)
        layer = numnet.Linear(width, TIE_K).astype(dtype)
        layer.weight.data = values[n_x : n_x + n_w].reshape(width, TIE_K)
        layer.bias.data = values[n_x + n_w :]
        loss = numnet.CrossEntropyLoss()
        value = loss(layer(values[:n_x].reshape(TIE_N, width)), np.array(LABELS))
        return layer, loss, value

    def grads(values, dtype=np.float64):
        layer, loss, _ = forward(values, dtype)
        layer.backward(loss.backward())
        return layer.weight.grad, layer.bias.grad

    loss_fn = lambda v: forward(v)[2]  # noqa: E731
    for which, (claim, label, wrt) in enumerate(
        [(grad_w, "weight", list(W)), (grad_b, "bias", list(B))]
    ):
        d.tie(
            claim,
            inputs,
            lambda v, dtype=np.float64, which=which: grads(v, dtype)[which],
            f"Linear + CrossEntropyLoss: {label}.grad",
            loss=loss_fn,
            wrt=wrt,
        )
    return d


def bce(p, t):
    """Binary cross-entropy of a probability ``p`` for a target ``t``."""
    # (1 − y) is kept first by wrapping it alone: a product() around log(1 − p) would stop
    # SymPy from differentiating through it once p is written out as σ(z).
    return -ordered(t * sp.log(p), sp.Mul(sp.UnevaluatedExpr(1 - t), sp.log(1 - p), evaluate=False))


@derivation
def bce_sigmoid_grad():
    t, u = sp.Symbol("y", real=True), sp.Symbol("z", real=True)
    p = sp.Symbol(r"\hat{y}", real=True)
    d = Derivation(
        "bce_sigmoid_grad",
        "Binary cross-entropy after a sigmoid: prediction minus target",
        (
            "The derivative of the loss in ",
            p,
            " has ",
            product(p, 1 - p),
            " in its denominator, and the sigmoid's derivative cancels it exactly: the same "
            "prediction minus target as softmax with cross-entropy.",
        ),
        sizes="every logit z and target y",
    )
    d.define(ell, bce(p, t))
    d.define(p, sigma(u))  # after ℓ, so that ℓ is written out first and then ŷ in it
    dldp = d.chain(
        sp.Derivative(ell, p),
        (ordered(-t / p, (1 - t) / (1 - p)), "definition of ℓ, differentiated"),
        (ordered(p, -t) / (p * (1 - p)), "common denominator"),
    )
    dldz = d.chain(
        sp.Derivative(ell, u),
        (product(sp.Derivative(ell, p), sp.Derivative(p, u)), "chain rule"),
        (
            product(ordered(p, -t) / (p * (1 - p)), product(p, 1 - p)),
            ("the derivative of the sigmoid: ", product(p, 1 - p)),
        ),
        (ordered(p, -t), ("cancel ", product(p, 1 - p))),
    )
    logit_target = lambda rng: [rng.uniform(-4, 4), rng.uniform(0, 1)]  # noqa: E731

    def through_probability(values, dtype=np.float64):
        """BCELoss.backward at the probability σ(z): ∂ℓ/∂ŷ."""
        loss = numnet.BCELoss()
        prob = 1 / (1 + np.exp(-np.asarray(values[:1], dtype=dtype)))
        loss(prob, np.asarray(values[1:], dtype=dtype))
        return loss.backward()

    d.tie(dldp, [u, t], through_probability, "BCELoss.backward", sample=logit_target)
    one = lambda col: lambda v: np.asarray(v[col : col + 1])  # noqa: E731
    fn, loss_fn = numnet_loss_grad(numnet.BCEWithLogitsLoss, one(0), one(1))
    d.tie(
        dldz, [u, t], fn, "BCEWithLogitsLoss.backward", loss=loss_fn, wrt=[u], sample=logit_target
    )

    def through_sigmoid(values, dtype=np.float64):
        values = np.asarray(values, dtype=dtype)
        act, loss = numnet.Sigmoid(), numnet.BCELoss()
        loss(act(values[:1]), values[1:])
        return act.backward(loss.backward())

    d.tie(dldz, [u, t], through_sigmoid, "Sigmoid.backward ∘ BCELoss.backward", sample=logit_target)
    return d


@derivation
def bce_logits_stable():
    t = sp.Symbol("y", real=True)
    d = Derivation(
        "bce_logits_stable",
        "Binary cross-entropy on logits, without overflow",
        (
            "Write the logs of ",
            sigma(sp.Symbol("z")),
            " and its complement with exponentials. For z > 0 the result is already safe; "
            "for z < 0 take the exponential out of the log. Both cases are one formula in "
            "which no exponent is positive and no log of 0 is taken, so logits of ±1e4 give "
            "exact, finite losses.",
        ),
        sizes="every z > 0 and z < 0, and every target y",
    )

    def stable(v):
        return ordered(
            sp.Max(v, 0, evaluate=False),
            -v * t,
            sp.log(1 + sp.exp(-sp.Abs(v, evaluate=False))),
        )

    zp, zn = sp.Symbol("z", positive=True), sp.Symbol("z", negative=True)
    d.chain(
        bce(sigma(zp), t),
        (bce(sigma(zp).rewrite("numeric"), t), "definition of σ"),
        (
            ordered(zp, -zp * t, sp.log(1 + sp.exp(-zp))),
            ("for z > 0: ", sp.Eq(sp.log(sigma(zp)), -sp.log(1 + sp.exp(-zp)))),
        ),
        (stable(zp), "max(z, 0) = z and |z| = z"),
    )
    d.chain(
        bce(sigma(zn), t),
        (bce(sigma(zn).rewrite("numeric"), t), "definition of σ"),
        (
            ordered(-zn * t, sp.log(1 + sp.exp(zn))),
            ("for z < 0: multiply inside each log by ", sp.exp(zn), " and divide by it"),
        ),
        (stable(zn), "max(z, 0) = 0 and |z| = −z"),
    )
    u = sp.Symbol("z", real=True)
    logit_target = lambda rng: [rng.uniform(-6, 6), rng.uniform(0, 1)]  # noqa: E731

    def numnet_value(values, dtype=np.float64):
        values = np.asarray(values, dtype=dtype)
        return numnet.BCEWithLogitsLoss()(values[:1], values[1:])

    d.tie(stable(u), [u, t], numnet_value, "BCEWithLogitsLoss.forward", sample=logit_target)
    d.tie(
        bce(sigma(u), t),
        [u, t],
        numnet_value,
        "BCEWithLogitsLoss.forward vs definition",
        sample=logit_target,
    )
    return d
