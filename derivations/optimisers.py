"""Adam, RMSprop and gradient clipping: bias correction, the effective step, and rescaling.

Adam keeps two running averages that start at 0, ``m ← β₁m + (1 − β₁)g`` and
``v ← β₂v + (1 − β₂)g²``. With a steady gradient g they grow as ``(1 − β₁ᵗ)g`` and
``(1 − β₂ᵗ)g²`` (induction on the step t, for every t), so dividing by ``1 − βᵗ`` — the bias
correction — gives back g and g² from the very first step, and every step moves each weight
by about η whatever the gradient's scale. RMSprop has the same average of g² but no
correction: its first steps are larger. Clipping the gradient norm multiplies every gradient
by one positive number: the direction is kept, only the length changes.
"""

import numpy as np
import sympy as sp

import numnet
from derivations import derivation
from derivations.core import Derivation
from derivations.indexed import index, size
from derivations.matrices import symbol_matrix
from derivations.printing import ordered, product

beta1, beta2 = sp.symbols("beta_1 beta_2", positive=True)
alpha = sp.Symbol("alpha", positive=True)
eta, eps = sp.Symbol("eta", positive=True), sp.Symbol("varepsilon", positive=True)
g = sp.Symbol("g", real=True)
t = size("t")
T_TIE = 5  # steps of the ties


def _sym(name, **assumptions):
    return sp.Symbol(name, **(assumptions or {"real": True}))


def _average(buffer, decay, value):
    """One step of a running average from the buffer: ``decay·buffer + (1 − decay)·value``."""
    return ordered(product(decay, buffer), product(1 - decay, value))


def _grown(decay, steps, value):
    """The average after ``steps`` steps from 0 with a steady ``value``: ``(1 − decayᵗ)·value``."""
    return product(ordered(1, -(decay**steps)), value)


def _adam(values, steps, dtype=np.float64, **options):
    """numnet.Adam on one weight with the steady gradient ``values[0]``: (parameter, optimiser)."""
    grad, *hyper = values
    names = ("betas", "eps", "lr")
    kwargs = dict(zip(names, [tuple(hyper[:2]), *hyper[2:]], strict=False))
    p = numnet.Parameter(np.zeros(1, dtype=dtype))
    opt = numnet.Adam([p], **{**kwargs, **options})
    for _ in range(steps):
        p.grad = np.array([grad], dtype=dtype)
        opt.step()
    return p, opt


@derivation
def adam_bias_correction():
    m_t, m_next = _sym("m_t"), _sym("m_{t+1}")
    v_t, v_next = _sym("v_t", nonnegative=True), _sym("v_{t+1}", nonnegative=True)
    mhat_t, vhat_t = _sym(r"\hat{m}_t"), _sym(r"\hat{v}_t", nonnegative=True)
    d = Derivation(
        "adam_bias_correction",
        "Adam's bias correction gives back the gradient at every step",
        (
            "Adam's averages start at ",
            sp.Eq(_sym("m_0"), 0),
            " and ",
            sp.Eq(_sym("v_0"), 0),
            ", so early on they are too small. Take a steady gradient g and suppose "
            "(induction on t) that ",
            sp.Eq(m_t, _grown(beta1, t, g)),
            " after t steps; it holds at t = 0. One more step gives the same formula for t + 1 "
            "(first chain), and likewise ",
            sp.Eq(v_t, _grown(beta2, t, g**2)),
            ". Dividing by ",
            ordered(1, -(beta1**t)),
            " and ",
            ordered(1, -(beta2**t)),
            " therefore gives exactly g and g² at every step t ≥ 1. The same algebra with "
            "expectations in place of g shows that for gradients of constant mean the "
            "corrected average is unbiased.",
        ),
        sizes="every step t",
    )
    d.define(m_next, _average(m_t, beta1, g))
    d.define(m_t, _grown(beta1, t, g))
    d.define(v_next, _average(v_t, beta2, g**2))
    d.define(v_t, _grown(beta2, t, g**2))
    d.define(mhat_t, m_t / ordered(1, -(beta1**t)))
    d.define(vhat_t, v_t / ordered(1, -(beta2**t)))
    t1 = ordered(t, 1)
    d.chain(
        m_next,
        (
            ordered(product(beta1, _grown(beta1, t, g)), product(1 - beta1, g)),
            "Adam's update and the induction hypothesis",
        ),
        (
            product(ordered(beta1, -(beta1**t1), 1, -beta1), g),
            "multiply out",
        ),
        (_grown(beta1, t1, g), "β₁ cancels: the formula for t + 1"),
    )
    d.chain(
        v_next,
        (
            ordered(product(beta2, _grown(beta2, t, g**2)), product(1 - beta2, g**2)),
            "the same for the average of g²",
        ),
        (_grown(beta2, t1, g**2), "β₂ cancels: the formula for t + 1"),
    )
    d.chain(mhat_t, (g, ("the bias correction divides by ", ordered(1, -(beta1**t)))))
    d.chain(vhat_t, (g**2, ("and by ", ordered(1, -(beta2**t)))))

    def buffers(values, dtype=np.float64):
        _, opt = _adam(values, T_TIE, dtype)
        state = opt.state[0]
        return np.concatenate([state["exp_avg"], state["exp_avg_sq"]])

    d.tie(
        sp.Matrix([d.unfold(m_t), d.unfold(v_t)]).subs(t, T_TIE),
        [g, beta1, beta2],
        buffers,
        f"Adam's m and v after {T_TIE} steps",
        sample=lambda rng: [rng.uniform(-2, 2), *rng.uniform(0.0, 0.999, 2)],
    )
    return d


@derivation
def adam_effective_step():
    mhat, vhat = _sym(r"\hat{m}_t"), _sym(r"\hat{v}_t", nonnegative=True)
    step = _sym(r"\Delta w")
    d = Derivation(
        "adam_effective_step",
        "With a steady gradient every Adam step has length about η",
        (
            "Adam moves each weight by ",
            sp.Eq(step, -product(eta, mhat / ordered(sp.sqrt(vhat), eps)), evaluate=False),
            ". With a steady gradient g the bias correction gives ",
            sp.Eq(mhat, g),
            " and ",
            sp.Eq(vhat, g**2),
            " at every step, so the step is η times the sign of g, shrunk slightly by ε: "
            "the gradient's scale has gone. Without the correction the first step would "
            "be more than three times longer at the default β₁ = 0.9, β₂ = 0.999.",
        ),
        sizes="every step t",
    )
    d.define(step, -product(eta, mhat / ordered(sp.sqrt(vhat), eps)))
    d.define(mhat, g)
    d.define(vhat, g**2)
    claim = d.chain(
        step,
        (-product(eta, g / ordered(sp.Abs(g), eps)), "the corrected averages are g and g²"),
    )
    d.fact(
        sp.Le(product(eta, sp.Abs(g) / ordered(sp.Abs(g), eps)), eta, evaluate=False),
        "no step is longer than η",
    )
    b1, b2 = sp.Rational(9, 10), sp.Rational(999, 1000)
    uncorrected = ordered(1, -b1) / sp.sqrt(ordered(1, -b2))
    d.fact(
        sp.Gt(uncorrected, 3, evaluate=False),
        "without the correction (and ε = 0) the first step would be this many times η",
    )

    def displacement(values, dtype=np.float64):
        grad, lr, epsilon = values
        p, _ = _adam([grad, 0.9, 0.999, epsilon, lr], 1, dtype)
        return p.data

    d.tie(
        claim,
        [g, eta, eps],
        displacement,
        "Adam's first step (default betas)",
        sample=lambda rng: [rng.uniform(-2, 2), rng.uniform(0.001, 0.1), rng.uniform(0, 0.1)],
    )

    def later(values, dtype=np.float64):
        grad, lr, epsilon = values
        before, _ = _adam([grad, 0.9, 0.999, epsilon, lr], T_TIE - 1, dtype)
        after, _ = _adam([grad, 0.9, 0.999, epsilon, lr], T_TIE, dtype)
        return after.data - before.data

    d.tie(
        claim,
        [g, eta, eps],
        later,
        f"Adam's step number {T_TIE}",
        sample=lambda rng: [rng.uniform(-2, 2), rng.uniform(0.001, 0.1), rng.uniform(0, 0.1)],
    )
    return d


@derivation
def rmsprop_scaling():
    v_t, v_next, step = _sym("v_t", nonnegative=True), _sym("v_{t+1}"), _sym(r"\Delta w")
    k = sp.Symbol("k", positive=True)  # not the clipping factor c below
    v_k = _sym(r"v_t^{(k)}", nonnegative=True)
    d = Derivation(
        "rmsprop_scaling",
        "RMSprop divides by the root mean square of the gradient",
        (
            "RMSprop keeps ",
            sp.Eq(v_next, _average(v_t, alpha, g**2), evaluate=False),
            " from ",
            sp.Eq(_sym("v_0"), 0),
            " and steps by ",
            sp.Eq(step, -product(eta, g / ordered(sp.sqrt(v_t), eps)), evaluate=False),
            ". As for Adam, a steady gradient gives ",
            sp.Eq(v_t, _grown(alpha, t, g**2)),
            " (induction on t). There is no bias correction, so the first step is ",
            1 / sp.sqrt(1 - alpha),
            " times η: 10 η at the default α = 0.99. Multiplying every gradient by a "
            "constant k > 0 gives the average ",
            v_k,
            " of the scaled gradients, and leaves the step unchanged when ε = 0 (the last chain).",
        ),
        sizes="every step t",
    )
    d.define(v_next, _average(v_t, alpha, g**2))
    d.define(v_t, _grown(alpha, t, g**2))
    t1 = ordered(t, 1)
    d.chain(
        v_next,
        (
            ordered(product(alpha, _grown(alpha, t, g**2)), product(1 - alpha, g**2)),
            "the update and the induction hypothesis",
        ),
        (_grown(alpha, t1, g**2), "α cancels: the formula for t + 1"),
    )
    claim = d.chain(
        -product(eta, g / ordered(sp.sqrt(v_t), eps)),
        (
            -product(eta, g / ordered(sp.sqrt(ordered(1, -(alpha**t))) * sp.Abs(g), eps)),
            ("the square root of ", _grown(alpha, t, g**2)),
        ),
    )
    d.fact(
        sp.Eq(
            sp.Subs(eta / sp.sqrt(ordered(1, -(alpha**t))), (t, alpha), (1, sp.Rational(99, 100))),
            10 * eta,
            evaluate=False,
        ),
        "the length of the first step at α = 0.99 (ε = 0)",
    )
    d.define(v_k, _grown(alpha, t, (k * g) ** 2))
    d.chain(
        -product(eta, k * g / sp.sqrt(v_k)),
        (
            -product(eta, g / (sp.sqrt(ordered(1, -(alpha**t))) * sp.Abs(g))),
            "k > 0 comes out of the root and cancels",
        ),
    )

    def displacement(values, dtype=np.float64):
        grad, lr, decay, epsilon = values
        p = numnet.Parameter(np.zeros(1, dtype=dtype))
        opt = numnet.RMSprop([p], lr=lr, alpha=decay, eps=epsilon)
        before = None
        for _ in range(T_TIE):
            before = p.data.copy()
            p.grad = np.array([grad], dtype=dtype)
            opt.step()
        return p.data - before

    d.tie(
        claim.subs(t, T_TIE),
        [g, eta, alpha, eps],
        displacement,
        f"RMSprop's step number {T_TIE}",
        sample=lambda rng: [
            rng.uniform(-2, 2),
            rng.uniform(0.001, 0.1),
            rng.uniform(0.5, 0.999),
            rng.uniform(0, 0.1),
        ],
    )
    return d


@derivation
def clip_as_rescaling():
    P = size("P")
    i = index("i")
    gv, clipped = sp.IndexedBase("g", real=True), sp.IndexedBase(r"\tilde{g}", real=True)
    M, r, zeta = (sp.Symbol(s, positive=True) for s in ("M", "r", "zeta"))
    c = sp.Symbol("c", positive=True)
    norm = sp.sqrt(sp.Sum(gv[i] ** 2, (i, 1, P)))
    d = Derivation(
        "clip_as_rescaling",
        "Clipping the gradient norm is a rescaling",
        (
            "Put all P gradient entries in one vector g with norm r. When r is larger than "
            "the limit M, clip_grad_norm_ multiplies every entry by ",
            sp.Eq(c, M / ordered(r, zeta), evaluate=False),
            " (ζ = 10⁻⁶ keeps the division finite): ",
            sp.Eq(clipped[i], c * gv[i], evaluate=False),
            ". A positive factor keeps the direction; the new norm is c r, just below M.",
        ),
        sizes="every number of entries P",
        ranges={i: (1, P)},
    )
    d.define(r, norm)
    d.define(c, M / ordered(r, zeta))
    d.define(clipped, sp.Lambda(i, c * gv[i]))
    d.chain(
        sp.sqrt(sp.Sum(clipped[i] ** 2, (i, 1, P))),
        (sp.sqrt(sp.Sum(c**2 * gv[i] ** 2, (i, 1, P))), "every entry is multiplied by c"),
        (c * norm, "c > 0 comes out of the sum and the root"),
        (M * r / ordered(r, zeta), "the definitions of r and c"),
    )
    d.fact(sp.Lt(M * r / ordered(r, zeta), M, evaluate=False), "so the new norm is below M")

    p_tie, limit = 3, 0.5
    grads = symbol_matrix("g", p_tie, 1)
    total = sp.sqrt(sum(e**2 for e in grads))
    claim = grads * limit / (total + sp.Float(1e-6))

    def clip(values, dtype=np.float64):
        p = numnet.Parameter(np.zeros(p_tie, dtype=dtype))
        p.grad = np.asarray(values, dtype=dtype)
        numnet.clip_grad_norm_([p], max_norm=limit)
        return p.grad

    d.tie(
        claim,
        list(grads),
        clip,
        f"clip_grad_norm_(max_norm={limit}) on {p_tie} entries",
        sample=lambda rng: rng.uniform(0.5, 3, p_tie) * rng.choice([-1, 1], p_tie),
    )
    return d
