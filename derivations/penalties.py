"""Weight penalties: the gradients of L2, L1 and their elastic-net mix, and why SGD's
``weight_decay`` is the L2 penalty in disguise.

A weight vector of three entries stands for any parameter array: every penalty is a sum over
entries, so each entry's gradient only involves that entry.
"""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation

W = sp.Matrix(sp.symbols("w_1:4", real=True))
G = sp.Matrix(sp.symbols("g_1:4", real=True))  # gradient of the unpenalised loss
lam, lam1, lam2, lr = sp.symbols("lambda lambda_1 lambda_2 eta", positive=True)

L2 = lam / 2 * sum(w**2 for w in W)
L1 = lam * sum(sp.Abs(w) for w in W)
MIX = lam1 * sum(sp.Abs(w) for w in W) + lam2 / 2 * sum(w**2 for w in W)


def partials(scalar):
    """The column of unevaluated ``∂scalar/∂w_k``."""
    return W.applyfunc(lambda w: sp.Derivative(scalar, w))


def penalty_tie(penalty, strengths):
    """``(numnet, loss)`` for a tie on ``[w_1, w_2, w_3, *strengths]``: grads and value."""

    def run(values):
        weight = numnet.Parameter(np.array(values[:3]))
        return penalty([weight], *values[3:])

    return (lambda v: run(v)[1][0]), (lambda v: run(v)[0])


def with_zeros(rng):
    """``w = (0, w_2, 0)`` and random strengths: the kink of |w| at 0."""
    return [0.0, rng.uniform(-3, 3), 0.0, *rng.uniform(0.2, 3.0, size=2)]


@derivation
def l2_penalty_grad():
    d = Derivation(
        "l2_penalty_grad",
        "L2 penalty: the gradient of (λ/2)‖w‖² is λw",
        "Adding (λ/2)‖w‖² to the loss pulls every weight towards 0 in proportion to its size. "
        "The ½ is a convention that makes the gradient λw (Keras' l2(λ) leaves it out and gets 2λw).",
    )
    claim = d.chain(
        (partials(L2), "differentiate (λ/2)(w₁² + w₂² + w₃²) entry by entry"),
        (lam * W, "the power rule; the ½ cancels the 2"),
        lhs=r"\nabla_w \tfrac{\lambda}{2}\lVert w\rVert^2",
    )
    grad, value = penalty_tie(numnet.l2_penalty, [lam])
    d.tie(claim, [*W, lam], grad, "l2_penalty", loss=value, wrt=list(W))
    return d


@derivation
def weight_decay_is_l2():
    d = Derivation(
        "weight_decay_is_l2",
        "SGD's weight_decay λ is the L2 penalty (λ/2)‖w‖²: the same step, w ← (1 − ηλ)w − ηg",
        "Let g be the gradient of the unpenalised loss. A step on the penalised loss and a step "
        "of SGD(weight_decay=λ) on the plain loss both use the gradient g + λw, so they agree "
        "with or without momentum. For plain SGD (below) the step also reads as: shrink the "
        "weights by the factor 1 − ηλ, then take the usual step.",
    )
    claim = d.chain(
        (W - lr * (G + partials(L2)), "SGD on L + (λ/2)‖w‖², with g = ∇L"),
        (W - lr * (G + lam * W), "l2_penalty_grad: SGD(weight_decay=λ) adds λw to the gradient"),
        (
            (1 - lr * lam) * W - lr * G,
            "collect w: the weights decay by 1 − ηλ, then the usual step",
        ),
        lhs=r"w_{\text{new}}",
    )
    inputs = [*W, *G, lam, lr]

    def sgd_weight_decay(values):
        w, g, strength, step = values[:3], values[3:6], values[6], values[7]
        weight = numnet.Parameter(w.copy())
        weight.grad = g.copy()
        numnet.SGD([weight], lr=step, weight_decay=strength).step()
        return weight.data

    def penalty_then_sgd(values):
        w, g, strength, step = values[:3], values[3:6], values[6], values[7]
        weight = numnet.Parameter(w.copy())
        weight.grad = g.copy()
        _, (penalty_grad,) = numnet.l2_penalty([weight], strength)
        weight.accumulate(penalty_grad)
        numnet.SGD([weight], lr=step).step()
        return weight.data

    d.tie(claim, inputs, sgd_weight_decay, "SGD(weight_decay=λ).step")
    d.tie(claim, inputs, penalty_then_sgd, "l2_penalty + SGD.step")
    return d


@derivation
def l1_penalty_grad():
    d = Derivation(
        "l1_penalty_grad",
        "L1 penalty: the subgradient of λ‖w‖₁ is λ·sign(w), with 0 at w = 0",
        "|w| has a kink at 0; any value in [−λ, λ] is a subgradient there, and numnet (like "
        "PyTorch's sign) uses 0. Unlike L2, the pull towards 0 does not shrink as the weight "
        "shrinks, which is why L1 drives small weights to (nearly) zero.",
    )
    claim = d.chain(
        (partials(L1), "differentiate λ(|w₁| + |w₂| + |w₃|) entry by entry"),
        (lam * W.applyfunc(sp.sign), "d|w|/dw = sign(w) for w ≠ 0; take 0 at w = 0"),
        lhs=r"\nabla_w \lambda\lVert w\rVert_1",
    )
    grad, value = penalty_tie(numnet.l1_penalty, [lam])
    d.tie(claim, [*W, lam], grad, "l1_penalty", loss=value, wrt=list(W))
    d.tie(claim, [*W, lam], grad, "l1_penalty at w = 0", sample=lambda rng: with_zeros(rng)[:4])
    return d


@derivation
def elastic_net_grad():
    d = Derivation(
        "elastic_net_grad",
        "Elastic net (“LASSO + L2”, report 004): gradient λ₁ sign(w) + λ₂ w",
        "The mix of the two penalties; each term's gradient is one of the derivations above.",
    )
    claim = d.chain(
        (partials(MIX), "λ₁‖w‖₁ + (λ₂/2)‖w‖², entry by entry"),
        (lam1 * W.applyfunc(sp.sign) + lam2 * W, "l1_penalty_grad plus l2_penalty_grad"),
        lhs=r"\nabla_w\left(\lambda_1\lVert w\rVert_1 + \tfrac{\lambda_2}{2}\lVert w\rVert^2\right)",
    )
    grad, value = penalty_tie(numnet.elastic_net_penalty, [lam1, lam2])
    inputs = [*W, lam1, lam2]
    d.tie(claim, inputs, grad, "elastic_net_penalty", loss=value, wrt=list(W))
    d.tie(claim, inputs, grad, "elastic_net_penalty at w = 0", sample=with_zeros)
    return d
