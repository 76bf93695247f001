"""Momentum: the two update forms in the literature, and the step size momentum really takes.

Form A (PyTorch, ``numnet.SGD``):   m ← β m + g,   w ← w − η m.
Form B (CS231n, many course notes): u ← β u − η g, w ← w + u.

With a constant learning rate η they give the same weights at every step (u = −η m, by
induction on the step T); when η changes they do not. With a constant gradient g the buffer
after T steps is the geometric sum g(1 − β^T)/(1 − β) (induction on T), which tends to
g/(1 − β): momentum multiplies the step by 1/(1 − β) (2 for β = 0.5, 10 for β = 0.9).
"""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation
from derivations.indexed import size
from derivations.printing import ordered, product

beta = sp.Symbol("beta", positive=True)
eta, eta1, eta2 = sp.symbols("eta eta_1 eta_2", positive=True)
w0 = sp.Symbol("w_0", real=True)
g = sp.Symbol("g", real=True)
T = size("T")
T_TIE = 4  # steps of the tie with numnet.SGD
gs = sp.symbols(f"g_1:{T_TIE + 1}", real=True)


def _sym(name):
    return sp.Symbol(name, real=True)


def times(*factors):
    """A product printed in the order given: ``times(eta, m)`` prints η m, and its negative −η m."""
    return product(*factors)


def form_a(lrs, grads):
    """Form A from m = 0: ``m ← βm + g``, ``w ← w − ηm``; the weight after each gradient."""
    weight, m = w0, 0
    for lr, grad in zip(lrs, grads, strict=True):
        m = beta * m + grad
        weight = weight - lr * m
    return weight


def form_b(lrs, grads):
    """Form B from u = 0: ``u ← βu − ηg``, ``w ← w + u``; the weight after each gradient."""
    weight, u = w0, 0
    for lr, grad in zip(lrs, grads, strict=True):
        u = beta * u - lr * grad
        weight = weight + u
    return weight


def _sgd_weight(values, lrs, dtype=np.float64):
    """numnet.SGD's weight after one step per gradient, with learning rate ``lrs[t]`` at step t."""
    w_start, momentum, *grads = values
    p = numnet.Parameter(np.array([w_start], dtype=dtype))
    opt = numnet.SGD([p], lr=lrs[0], momentum=momentum)
    for lr, grad in zip(lrs, grads, strict=True):
        opt.lr = lr
        p.grad = np.array([grad], dtype=dtype)
        opt.step()
    return p.data


@derivation
def momentum_forms():
    m_T, m_next, u_T, u_next, w_T = (_sym(s) for s in ("m_T", "m_{T+1}", "u_T", "u_{T+1}", "w_T"))
    g_next = _sym("g_{T+1}")
    d = Derivation(
        "momentum_forms",
        "The two momentum forms give the same weights at a constant learning rate",
        (
            "Form A's buffer m and form B's buffer u both start at 0, so ",
            sp.Eq(u_T, -times(eta, m_T)),
            " holds at T = 0. Suppose it holds after T steps, with the same weights ",
            w_T,
            ", and let ",
            g_next,
            " be the next gradient (the same for both forms, since it is taken at the same "
            "weights). Below, the two update rules and the hypothesis, then one step: form B's "
            "buffer is again −η times form A's, and its weights are again form A's. By "
            "induction the two forms agree at every step.",
        ),
        sizes="every number of steps T",
    )
    d.define(m_next, ordered(times(beta, m_T), g_next))
    d.define(u_next, ordered(times(beta, u_T), -times(eta, g_next)))
    d.define(u_T, -times(eta, m_T))
    d.chain(
        u_next,
        (
            ordered(-times(beta, eta, m_T), -times(eta, g_next)),
            ("form B's update, with ", sp.Eq(u_T, -times(eta, m_T))),
        ),
        (-times(eta, ordered(times(beta, m_T), g_next)), "factor out −η"),
        (-times(eta, m_next), "form A's update"),
    )
    d.chain(
        ordered(w_T, u_next),
        (ordered(w_T, -times(eta, m_next)), "so form B's weight step is form A's"),
    )
    claim = form_b([eta] * T_TIE, gs)
    d.tie(
        claim,
        [w0, beta, eta, *gs],
        lambda v, dtype=np.float64: _sgd_weight([v[0], v[1], *v[3:]], [v[2]] * T_TIE, dtype),
        f"SGD(momentum=β).step ×{T_TIE} against form B",
        sample=_sample,
    )
    return d


def _sample(rng):
    return [rng.uniform(-2, 2), rng.uniform(0.0, 0.99), rng.uniform(0.01, 0.5)] + list(
        rng.uniform(-2, 2, size=T_TIE)
    )


@derivation
def momentum_lr_change():
    g1, g2 = gs[:2]
    wA, wB = sp.Symbol("w_2^{A}", real=True), sp.Symbol("w_2^{B}", real=True)
    d = Derivation(
        "momentum_lr_change",
        "When the learning rate changes, the two momentum forms part ways",
        (
            "Two steps with gradients ",
            g1,
            " and ",
            g2,
            " and learning rates ",
            eta1,
            " then ",
            eta2,
            ", from the same weights ",
            w0,
            ". Form A multiplies the whole buffer, old gradients included, by the new ",
            eta2,
            " at once; form B keeps each old gradient at the learning rate it was taken with, "
            "so a change of η takes effect gradually. numnet.SGD and torch.optim.SGD use form "
            "A: a schedule's decay acts on the whole buffer at once.",
        ),
    )
    d.define(wA, form_a([eta1, eta2], [g1, g2]), show=False)
    d.define(wB, form_b([eta1, eta2], [g1, g2]), show=False)
    claim = d.chain(
        wA - wB,
        (
            ordered(
                ordered(w0, -times(eta1, g1), -times(eta2, ordered(times(beta, g1), g2))),
                sp.Mul(
                    -1,
                    ordered(
                        w0,
                        -times(eta1, g1),
                        -times(beta, eta1, g1),
                        -times(eta2, g2),
                    ),
                    evaluate=False,
                ),
            ),
            "two steps of form A, minus two steps of form B",
        ),
        (product(beta, g1, ordered(eta1, -eta2)), ("everything cancels but the ", g1, " terms")),
    )
    d.fact(
        sp.Ne(wA, wB, evaluate=False),
        "so the forms differ as soon as the learning rate changes",
    )

    def sgd_minus_form_b(values, dtype=np.float64):
        w_start, lr1, lr2, momentum, grad1, grad2 = values
        ours = _sgd_weight([w_start, momentum, grad1, grad2], [lr1, lr2], dtype)[0]
        u = -lr1 * grad1
        form_b_weight = w_start + u + (momentum * u - lr2 * grad2)
        return ours - form_b_weight

    d.tie(
        claim,
        [w0, eta1, eta2, beta, g1, g2],
        sgd_minus_form_b,
        "SGD.step with lr changed between steps, minus form B",
        sample=lambda rng: [
            rng.uniform(-2, 2),
            rng.uniform(0.01, 0.5),
            rng.uniform(0.01, 0.5),
            rng.uniform(0.0, 0.99),
            rng.uniform(-2, 2),
            rng.uniform(-2, 2),
        ],
    )
    return d


@derivation
def momentum_effective_step():
    m_T, m_next = _sym("m_T"), _sym("m_{T+1}")
    n_steps = 6

    def geometric(steps, b=beta):
        return product(g, ordered(1, -(b**steps)) / ordered(1, -b))

    d = Derivation(
        "momentum_effective_step",
        "With a steady gradient, the momentum buffer grows to g/(1 − β): the step is η/(1 − β)",
        (
            "Form A's buffer is a sum of past gradients with weights 1, β, β², …. For a "
            "constant gradient g it is a geometric sum: suppose (induction on T) that ",
            sp.Eq(m_T, geometric(T)),
            " after T steps, true for T = 1 where it reads ",
            sp.Eq(_sym("m_1"), g),
            ". One more step gives the same formula for T + 1. As T grows, ",
            beta**T,
            " shrinks to 0 (for 0 ≤ β < 1), so the buffer tends to g/(1 − β) and each step "
            "to η g/(1 − β): the effective learning rate is η/(1 − β).",
        ),
        sizes="every number of steps T",
    )
    d.define(m_next, ordered(times(beta, m_T), g))
    d.define(m_T, geometric(T))
    T1 = ordered(T, 1)
    d.chain(
        m_next,
        (ordered(times(beta, geometric(T)), g), "form A's update and the induction hypothesis"),
        (
            product(g, ordered(beta, -(beta**T1), 1, -beta) / ordered(1, -beta)),
            "common denominator",
        ),
        (geometric(T1), "β cancels: the formula for T + 1"),
    )
    d.fact(
        sp.Eq(sp.Mul(g, 1 - beta, 1 / (1 - beta), evaluate=False), g, evaluate=False),
        "the base case T = 1: one step from m = 0 gives g",
    )
    for value, factor in ((sp.Rational(1, 2), 2), (sp.Rational(9, 10), 10)):
        d.fact(
            sp.Eq(sp.Limit(geometric(T, value), T, sp.oo), factor * g, evaluate=False),
            ("for ", sp.Eq(beta, value), f" the buffer tends to {factor} g"),
        )

    def sgd_buffer(values, dtype=np.float64):
        grad, momentum = values
        p = numnet.Parameter(np.zeros(1, dtype=dtype))
        opt = numnet.SGD([p], lr=0.1, momentum=momentum)
        for _ in range(n_steps):
            p.grad = np.array([grad], dtype=dtype)
            opt.step()
        return opt.momentum_buffers[0]

    d.tie(
        d.unfold(m_T).subs(T, n_steps),
        [g, beta],
        sgd_buffer,
        f"SGD momentum buffer after {n_steps} steps",
        sample=lambda rng: [rng.uniform(-2, 2), rng.uniform(0.0, 0.99)],
    )
    return d
