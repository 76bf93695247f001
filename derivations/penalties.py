"""Weight penalties: the gradients of L2, L1 and their elastic-net mix, for any number of
weights, and why SGD's ``weight_decay`` is the L2 penalty in disguise.

Every penalty is a sum over the entries of a parameter array, so the gradient with respect to
one entry ``w_j`` involves that entry only; the ties use three weights.
"""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation
from derivations.indexed import index, instance_matrix, size
from derivations.matrices import symbol_matrix
from derivations.printing import ordered, product

D = size("D")
i, j = index("i"), index("j")
w, g = sp.IndexedBase("w", real=True), sp.IndexedBase("g", real=True)
lam, lam1, lam2, eta = sp.symbols(r"lambda lambda_1 lambda_2 eta", positive=True)
RANGES = {i: (1, D), j: (1, D)}
COUNT = 3  # weights in the ties
WEIGHTS = symbol_matrix("w", 1, COUNT)
GRADS = symbol_matrix("g", 1, COUNT)

L2 = product(lam / 2, sp.Sum(w[i] ** 2, (i, 1, D)))
L1 = product(lam, sp.Sum(sp.Abs(w[i]), (i, 1, D)))
MIX = ordered(
    product(lam1, sp.Sum(sp.Abs(w[i]), (i, 1, D))), product(lam2 / 2, sp.Sum(w[i] ** 2, (i, 1, D)))
)


def entries(d, claim, extra=None):
    """The claim for weights j = 1…3, as an explicit 1 × 3 row."""
    arrays = {w: WEIGHTS, g: GRADS, **(extra or {})}
    return instance_matrix(
        d.unfold(claim), (sp.Symbol("_"), 1), (j, COUNT), sizes={D: COUNT}, arrays=arrays
    )


def penalty_tie(d, claim, penalty, strengths, label, kink=False):
    """Tie ``claim`` (an entry formula) to ``penalty([Parameter(w)], *strengths)`` and its value."""

    def run(values, dtype=np.float64):
        weight = numnet.Parameter(np.asarray(values[:COUNT], dtype=dtype))
        return penalty([weight], *values[COUNT:])

    inputs = [*WEIGHTS, *strengths]
    grad = lambda v, dtype=np.float64: run(v, dtype)[1][0]  # noqa: E731
    d.tie(entries(d, claim), inputs, grad, label, loss=lambda v: run(v)[0], wrt=list(WEIGHTS))
    if kink:  # w = (0, w₂, 0): the kink of |w| at 0, where numnet takes the subgradient 0
        sample = lambda rng: [0.0, rng.uniform(-3, 3), 0.0, *rng.uniform(0.2, 3.0, len(strengths))]  # noqa: E731
        d.tie(entries(d, claim), inputs, grad, f"{label} at w = 0", sample=sample)


@derivation
def l2_penalty_grad():
    d = Derivation(
        "l2_penalty_grad",
        "The gradient of the L2 penalty",
        "Adding the L2 penalty to the loss pulls every weight towards 0 in proportion to its "
        "size. The ½ is a convention that cancels the 2 of the power rule (Keras' l2(λ) leaves "
        "it out, and its gradient is 2λw).",
        sizes="every number of weights D",
        ranges=RANGES,
    )
    claim = d.chain(
        sp.Derivative(L2, w[j]),
        (lam * w[j], ("only the term i = j depends on ", w[j], "; the ½ cancels the 2")),
    )
    penalty_tie(d, claim, numnet.l2_penalty, [lam], "l2_penalty")
    return d


@derivation
def weight_decay_is_l2():
    d = Derivation(
        "weight_decay_is_l2",
        "SGD's weight decay is the L2 penalty in disguise",
        (
            "Let ",
            g[j],
            " be the gradient of the unpenalised loss. A step of size η on the penalised loss "
            "and a step of SGD(weight_decay=λ) on the plain loss both use the gradient g + λw, "
            "so they agree, with or without momentum. For plain SGD the step also reads: shrink "
            "the weight by the factor 1 − ηλ, then take the usual step.",
        ),
        sizes="every number of weights D",
        ranges=RANGES,
    )
    step = ordered(w[j], -product(eta, ordered(g[j], sp.Derivative(L2, w[j]))))
    claim = d.chain(
        step,
        (ordered(w[j], -product(eta, ordered(g[j], lam * w[j]))), "the gradient of the L2 penalty"),
        (ordered(product(ordered(1, -eta * lam), w[j]), -eta * g[j]), "collect the terms in w"),
    )
    inputs = [*WEIGHTS, *GRADS, lam, eta]

    def weights_and_grads(values, dtype):
        weight = numnet.Parameter(np.asarray(values[:COUNT], dtype=dtype))
        weight.grad = np.asarray(values[COUNT : 2 * COUNT], dtype=dtype)
        return weight, values[-2], values[-1]

    def sgd_weight_decay(values, dtype=np.float64):
        weight, strength, rate = weights_and_grads(values, dtype)
        numnet.SGD([weight], lr=rate, weight_decay=strength).step()
        return weight.data

    def penalty_then_sgd(values, dtype=np.float64):
        weight, strength, rate = weights_and_grads(values, dtype)
        _, (penalty_grad,) = numnet.l2_penalty([weight], strength)
        weight.accumulate(penalty_grad)
        numnet.SGD([weight], lr=rate).step()
        return weight.data

    d.tie(entries(d, claim), inputs, sgd_weight_decay, "SGD(weight_decay=λ).step")
    d.tie(entries(d, claim), inputs, penalty_then_sgd, "l2_penalty + SGD.step")
    return d


@derivation
def l1_penalty_grad():
    d = Derivation(
        "l1_penalty_grad",
        "The subgradient of the L1 penalty",
        "|w| has a kink at 0, where every slope in [−λ, λ] is a subgradient; numnet, like "
        "PyTorch's sign, uses 0. Unlike L2, the pull towards 0 does not weaken as the weight "
        "shrinks, which is why L1 drives small weights to exactly zero.",
        sizes="every number of weights D",
        ranges=RANGES,
    )
    claim = d.chain(
        sp.Derivative(L1, w[j]),
        (
            lam * sp.sign(w[j]),
            ("only the term i = j depends on ", w[j], "; the slope of |w| is its sign"),
        ),
    )
    penalty_tie(d, claim, numnet.l1_penalty, [lam], "l1_penalty", kink=True)
    return d


@derivation
def elastic_net_grad():
    d = Derivation(
        "elastic_net_grad",
        "The gradient of the elastic net (L1 plus L2)",
        "The mix of the two penalties {cite}`report004`; its gradient is the sum of theirs.",
        sizes="every number of weights D",
        ranges=RANGES,
    )
    claim = d.chain(
        sp.Derivative(MIX, w[j]),
        (ordered(lam1 * sp.sign(w[j]), lam2 * w[j]), "the L1 and the L2 gradients, added"),
    )
    penalty_tie(
        d, claim, numnet.elastic_net_penalty, [lam1, lam2], "elastic_net_penalty", kink=True
    )
    return d
