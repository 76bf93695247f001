"""Momentum: the two update forms in the literature, and the step size momentum really takes.

Form A (PyTorch, ``numnet.SGD``):   v ← μ v + g,   w ← w − η v.
Form B (CS231n, many course notes): u ← μ u − η g, w ← w + u.

With a constant learning rate η they give the same weights at every step (u = −η v); when η
changes they do not. With a constant gradient, v approaches g / (1 − μ): momentum multiplies
the step by 1/(1 − μ) (2 for μ = 0.5, 10 for μ = 0.9).
"""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation

mu = sp.Symbol("mu", positive=True)
eta, eta0, eta1 = sp.symbols("eta eta_0 eta_1", positive=True)
w0 = sp.Symbol("w_0", real=True)
T_STEPS = 4
grads = sp.symbols(f"g_0:{T_STEPS}", real=True)


def _form_a(lrs, gs):
    """Weights after each step of form A (v ← μv + g, w ← w − ηv), from v = 0."""
    weight, velocity = w0, 0
    for lr, gk in zip(lrs, gs, strict=True):
        velocity = mu * velocity + gk
        weight = weight - lr * velocity
    return weight


def _form_b(lrs, gs):
    """Weights after each step of form B (u ← μu − ηg, w ← w + u), from u = 0."""
    weight, velocity = w0, 0
    for lr, gk in zip(lrs, gs, strict=True):
        velocity = mu * velocity - lr * gk
        weight = weight + velocity
    return weight


def _sgd_weight(values, n_steps, lrs=None):
    """numnet.SGD's weight after feeding it the gradients ``g_0 … g_{n-1}`` one per step."""
    w_start, lr, momentum, *gs = values
    p = numnet.Parameter(np.array([w_start]))
    opt = numnet.SGD([p], lr=lr, momentum=momentum)
    for k in range(n_steps):
        if lrs is not None:
            opt.lr = lrs[k]
        p.grad = np.array([gs[k]])
        opt.step()
    return p.data


def _sample_momentum(rng):
    return [rng.uniform(-2, 2), rng.uniform(0.01, 0.5), rng.uniform(0.0, 0.99)] + list(
        rng.uniform(-2, 2, size=T_STEPS)
    )


@derivation
def momentum_forms():
    d = Derivation(
        "momentum_forms",
        "The two momentum forms give the same weights at a constant learning rate",
        "Induction on the step: if u = −η v before a step (true at the start, u = v = 0), then "
        "after it u' = μu − ηg = −η(μv + g) = −η v', and so w + u' = w − η v'. The gradients g "
        "are then the same too, because they are taken at the same weights. Below, the weight "
        f"after {T_STEPS} steps of each form, unrolled, and the closed form of both.",
    )
    d.chain(
        (
            mu * (-eta * sp.Symbol("v_t")) - eta * sp.Symbol("g_t"),
            "form B's update, with uₜ = −η vₜ",
        ),
        (
            -eta * (mu * sp.Symbol("v_t") + sp.Symbol("g_t")),
            "factor out −η: this is −η times form A's new velocity",
        ),
        lhs=r"u_{t+1}",
    )
    closed = w0 - eta * sum(grads[k] * (1 - mu ** (T_STEPS - k)) / (1 - mu) for k in range(T_STEPS))
    claim = d.chain(
        (_form_a([eta] * T_STEPS, grads), f"form A unrolled {T_STEPS} steps from v = 0"),
        (_form_b([eta] * T_STEPS, grads), f"form B unrolled {T_STEPS} steps from u = 0"),
        (closed, "each gₖ is counted (1 − μ^(4−k))/(1 − μ) times"),
        lhs=r"w_4",
    )
    d.tie(
        claim,
        [w0, eta, mu, *grads],
        lambda values: _sgd_weight(values, T_STEPS),
        "SGD(momentum=μ).step ×4",
        sample=_sample_momentum,
    )
    return d


@derivation
def momentum_lr_change():
    d = Derivation(
        "momentum_lr_change",
        "When the learning rate changes, the two momentum forms part ways",
        "Two steps with learning rates η₀ then η₁. Form A multiplies the whole velocity, old "
        "gradients included, by the new η₁ at once; form B keeps the old gradients at the η they "
        "were taken with, so a change of η takes effect gradually. numnet.SGD and torch.optim.SGD "
        "use form A; a schedule's decay therefore acts on the full velocity immediately.",
    )
    two = grads[:2]
    claim = d.chain(
        (
            _form_a([eta0, eta1], two) - _form_b([eta0, eta1], two),
            "w₂ of form A minus w₂ of form B",
        ),
        (mu * grads[0] * (eta0 - eta1), "expand"),
        lhs=r"w_2^{A} - w_2^{B}",
    )
    d.fact(
        sp.Eq(claim.subs(eta1, eta0), 0),
        "zero exactly when η₁ = η₀ (or μ = 0, or g₀ = 0)",
        tex=r"\eta_1 = \eta_0 \implies w_2^{A} = w_2^{B}",
    )

    def sgd_minus_form_b(values):
        w_start, lr0, lr1, momentum, g0, g1 = values
        ours = _sgd_weight([w_start, lr0, momentum, g0, g1], 2, lrs=[lr0, lr1])[0]
        u = -lr0 * g0
        u = momentum * u - lr1 * g1
        form_b = w_start + (-lr0 * g0) + u
        return ours - form_b

    d.tie(
        claim,
        [w0, eta0, eta1, mu, *two],
        sgd_minus_form_b,
        "SGD.step with lr changed between steps",
    )
    return d


@derivation
def momentum_effective_step():
    T = sp.Symbol("T", integer=True, positive=True)
    g = sp.Symbol("g", real=True)
    n_steps = 6
    d = Derivation(
        "momentum_effective_step",
        "With a steady gradient, momentum's velocity grows to g/(1 − μ): the step is η/(1 − μ)",
        "Form A's velocity is a sum of past gradients with weights 1, μ, μ², …; (1 − μ)v is "
        "their exponential moving average. For a constant gradient g, induction on T gives the "
        "velocity after T steps (v₁ = g), and letting T grow gives the effective learning rate.",
    )
    v_T = g * (1 - mu**T) / (1 - mu)
    d.chain(
        (mu * v_T + g, "one more step, μ v + g, from the induction hypothesis for T"),
        (
            sp.Mul(
                g,
                sp.Add(mu, -(mu ** (T + 1)), 1, -mu, evaluate=False),
                sp.Pow(1 - mu, -1),
                evaluate=False,
            ),
            "common denominator",
        ),
        (g * (1 - mu ** (T + 1)) / (1 - mu), "μ cancels: the formula for T + 1"),
        lhs=r"v_{T+1}",
    )
    d.fact(sp.Eq(v_T.subs(T, 1), g), "the base case v₁ = g holds", tex=r"v_1 = g")
    for m, factor in ((sp.Rational(1, 2), 2), (sp.Rational(9, 10), 10)):
        d.fact(
            sp.Eq(sp.limit(v_T.subs(mu, m), T, sp.oo), factor * g),
            f"for μ = {m} the velocity tends to {factor} g",
            tex=rf"\mu = {sp.latex(m)}: \lim_{{T\to\infty}} v_T = {factor}\,g",
        )
    claim = v_T.subs(T, n_steps)

    def sgd_velocity(values):
        grad, momentum = values
        p = numnet.Parameter(np.zeros(1))
        opt = numnet.SGD([p], lr=0.1, momentum=momentum)
        for _ in range(n_steps):
            p.grad = np.array([grad])
            opt.step()
        return opt.momentum_buffers[0]

    d.tie(
        claim,
        [g, mu],
        sgd_velocity,
        f"SGD momentum buffer after {n_steps} steps",
        sample=lambda rng: [rng.uniform(-2, 2), rng.uniform(0.0, 0.99)],
    )
    return d
