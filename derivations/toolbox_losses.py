"""Cross-entropy with label smoothing and with class weights, for every number of classes K.

Both start from the softmax's one definition (:class:`derivations.functions.softmax`), as the
plain cross-entropy does in ``classification_losses.py``. Smoothing mixes the one-hot target
with the uniform distribution; since the mixture still sums to 1, the gradient is still the
prediction minus the (smoothed) target. Class weights multiply each sample's loss by the
weight of its class, and the mean divides by the sum of those weights, not by N.
"""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.classification_losses import LABELS, SOFTMAX_ROWS, TIE_N
from derivations.core import Derivation
from derivations.functions import SOFTMAX_INDEX
from derivations.indexed import index, instance_matrix, size
from derivations.matrices import symbol_matrix
from derivations.printing import ordered, product
from derivations.softmax import TIE_K, Z_ROW, K, define_softmax, entries, yhat, z

N = size("N")
i, j, c_ = index("i"), index("j"), index("c")
n, n2 = index("n"), index("n'")
k = SOFTMAX_INDEX
kd = sp.KroneckerDelta
alpha = sp.Symbol("alpha", nonnegative=True)  # the smoothing
ell, L, Wsum = (
    sp.Symbol(r"\ell", real=True),
    sp.Symbol("L", real=True),
    sp.Symbol(r"S_{\omega}", positive=True),
)
y_s = sp.IndexedBase(r"\tilde{y}", real=True)  # the smoothed target
y = sp.IndexedBase("y", real=True)
w = sp.IndexedBase(r"\omega", positive=True)  # class weights (not the weights w_mk)
c = sp.IndexedBase("c", integer=True, positive=True)  # c_n: the class of sample n


@derivation
def label_smoothing_grad():
    d = Derivation(
        "label_smoothing_grad",
        "Label smoothing: the gradient is the prediction minus the smoothed target",
        (
            "With smoothing α, a sample of class c gets the target ",
            sp.Eq(y_s[i], ordered(product(1 - alpha, kd(i, c_)), alpha / K), evaluate=False),
            ": most of the mass on its class, α/K on every class. Its loss is ",
            sp.Eq(ell, -sp.Sum(y_s[i] * sp.log(yhat[i]), (i, 1, K)), evaluate=False),
            ". The target still sums to 1, so the gradient is the prediction minus the smoothed "
            "target: the model is never "
            "pushed towards a probability of exactly 1, and the logits stay bounded.",
        ),
        sizes="every K ≥ 1 and every α",
        ranges={i: (1, K), j: (1, K), k: (1, K), c_: (1, K)},
    )
    define_softmax(d)
    d.define(y_s, sp.Lambda(i, ordered(product(1 - alpha, kd(i, c_)), alpha / K)))
    d.define(ell, -sp.Sum(y_s[i] * sp.log(yhat[i]), (i, 1, K)))
    claim = d.chain(
        sp.Derivative(ell, z[j]),
        (
            -sp.Sum(product(y_s[i], ordered(kd(i, j), -yhat[j])), (i, 1, K)),
            ("the softmax Jacobian divided by ", yhat[i]),
        ),
        (
            ordered(product(yhat[j], sp.Sum(y_s[i], (i, 1, K))), -y_s[j]),
            ("the term with ", sp.Eq(i, j), " comes out of the sum"),
        ),
        (ordered(yhat[j], -y_s[j]), "the smoothed target sums to 1"),
        (
            ordered(yhat[j], -product(1 - alpha, kd(j, c_)), -alpha / K),
            "definition of the smoothed target",
        ),
    )
    d.fact(
        sp.Eq(sp.Sum(y_s[i], (i, 1, K)), 1, evaluate=False),
        ("because ", sp.Eq(ordered(1 - alpha, K * (alpha / K)), 1, evaluate=False)),
    )

    def smoothed(make):
        def numnet_fn(values, dtype=np.float64):
            loss = make(values[TIE_K])
            loss(np.asarray(values[None, :TIE_K], dtype=dtype), np.array([0]))
            return loss.backward()

        def value(values):
            return make(values[TIE_K])(values[None, :TIE_K], np.array([0]))

        return numnet_fn, value

    fn, loss_fn = smoothed(lambda e: numnet.CrossEntropyLoss(label_smoothing=float(e)))
    d.tie(
        entries(d, claim.subs(c_, 1), j),
        [*Z_ROW, alpha],
        fn,
        "CrossEntropyLoss(label_smoothing=α).backward",
        loss=loss_fn,
        wrt=list(Z_ROW),
        sample=lambda rng: [*rng.uniform(-3, 3, TIE_K), rng.uniform(0, 1)],
    )
    return d


@derivation
def weighted_ce_grad():
    d = Derivation(
        "weighted_ce_grad",
        "Class weights: the mean divides by the total weight, not by N",
        (
            "With a weight ",
            w[k],
            " per class, sample n (of class ",
            c[n],
            ") counts ",
            w[c[n]],
            " times, and PyTorch's mean divides by the total weight ",
            sp.Eq(Wsum, sp.Sum(w[c[n2]], (n2, 1, N)), evaluate=False),
            " of the batch, so that the loss stays a weighted average of the samples' losses. ",
            Wsum,
            " does not depend on the logits: row n of the gradient is sample n's plain "
            "gradient scaled by its share of the total weight.",
        ),
        sizes="every N ≥ 1 and K ≥ 1",
        ranges={n: (1, N), n2: (1, N), i: (1, K), j: (1, K), k: (1, K)},
    )
    d.define(yhat, SOFTMAX_ROWS)
    d.define(y, sp.Lambda((n, i), kd(i, c[n])))
    d.define(Wsum, sp.Sum(w[c[n2]], (n2, 1, N)))
    d.define(L, sp.Sum(-product(w[c[n2]], sp.log(yhat[n2, c[n2]])), (n2, 1, N)) / Wsum)
    claim = d.chain(
        sp.Derivative(L, z[n, j]),
        (
            product(w[c[n]] / Wsum, ordered(yhat[n, j], -y[n, j])),
            "sample n's gradient, times its weight, over the total weight",
        ),
    )
    d.fact(
        sp.Eq(sp.Sum(1, (n2, 1, N)), N, evaluate=False),
        "with every weight 1 the total weight is N: the plain mean",
    )
    # Ties at N = 2 (classes 1 and 3), K = 3, with random positive class weights.
    weights = symbol_matrix("w", 1, TIE_K)
    logits = symbol_matrix("z", TIE_N, TIE_K)
    classes = sp.Matrix([[label + 1 for label in LABELS]])
    sizes = {N: TIE_N, K: TIE_K}
    unfolded = d.unfold(claim)
    grad = instance_matrix(
        unfolded, (n, TIE_N), (j, TIE_K), sizes, {z: logits, c: classes, w: weights}
    )
    n_z = TIE_N * TIE_K

    def make(values, dtype=np.float64):
        return numnet.CrossEntropyLoss(weight=np.asarray(values[n_z:], dtype=dtype))

    def numnet_fn(values, dtype=np.float64):
        loss = make(values, dtype)
        loss(np.asarray(values[:n_z], dtype=dtype).reshape(TIE_N, TIE_K), np.array(LABELS))
        return loss.backward()

    def loss_fn(values):
        return make(values)(values[:n_z].reshape(TIE_N, TIE_K), np.array(LABELS))

    d.tie(
        grad,
        [*logits, *weights],
        numnet_fn,
        "CrossEntropyLoss(weight=ω).backward",
        loss=loss_fn,
        wrt=list(logits),
        sample=lambda rng: [*rng.uniform(-3, 3, n_z), *rng.uniform(0.2, 3, TIE_K)],
    )
    return d
