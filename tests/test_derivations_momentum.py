"""The momentum derivations: checked for every T, tied to numnet.SGD, and wrong variants fail."""

import numpy as np
import sympy as sp

import numnet
from derivations import momentum


def test_each_momentum_derivation_is_general():
    for build in (momentum.momentum_forms, momentum.momentum_lr_change):
        d = build()
        report = d.check()
        assert report.ok, report.problems
        assert report.level == "general"
    d = momentum.momentum_effective_step()
    report = d.check()
    assert report.ok and report.level == "general" and "every number of steps T" in report.scope


def test_buffer_closed_form_matches_sgd_after_many_steps():
    # Independent reference: the geometric sum g(1 − β^T)/(1 − β), evaluated with NumPy.
    g, beta, steps = 0.7, 0.9, 40
    p = numnet.Parameter(np.zeros(1))
    opt = numnet.SGD([p], lr=0.01, momentum=beta)
    for _ in range(steps):
        p.grad = np.array([g])
        opt.step()
    expected = g * (1 - beta**steps) / (1 - beta)
    # 40 multiply-adds in float64: rounding stays within a few ulps of the buffer's size.
    np.testing.assert_allclose(opt.momentum_buffers[0][0], expected, rtol=1e-13)


def test_a_wrong_induction_step_fails():
    d = momentum.momentum_forms()
    eta = momentum.eta
    first = d.chains[0]
    # u_{T+1} = +η m_{T+1} is the sign slip of reading form B's u as the buffer itself.
    first.steps[-1].expr = eta * first.steps[-1].expr.args[-1]
    assert d.check().level == "failed"


def test_a_wrong_geometric_sum_fails():
    d = momentum.momentum_effective_step()
    chain = d.chains[0]
    chain.steps[-1].expr = (
        momentum.g * (1 - momentum.beta ** (momentum.T + 2)) / (1 - momentum.beta)
    )
    assert d.check().level == "failed"


def test_lr_change_difference_is_zero_only_without_change():
    d = momentum.momentum_lr_change()
    claim = d.chains[0].claim.doit()
    assert claim.subs(momentum.eta2, momentum.eta1) == 0
    assert sp.simplify(claim.subs(momentum.eta2, 2 * momentum.eta1)) != 0
