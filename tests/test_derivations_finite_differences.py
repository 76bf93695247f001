"""The finite-difference derivations: error orders for every h, and the best step h*."""

import numpy as np
import sympy as sp

from derivations import finite_differences as fd


def test_finite_difference_derivations_are_general():
    for build in (
        fd.forward_difference_error,
        fd.central_difference_error,
        fd.gradcheck_relative_error,
    ):
        d = build()
        report = d.check()
        assert report.ok, report.problems
        assert report.level == "general"


def test_claiming_second_order_for_the_forward_difference_fails():
    d = fd.forward_difference_error()
    h = fd.h
    d.chains[0].steps[-1].expr = h**2 / 6 * fd.d3 + fd.r_plus * h**3
    assert d.check().level == "failed"


def test_best_step_is_where_the_error_bound_is_smallest():
    # E(h) = M h²/6 + ε/h on a fine grid, with float64's unit round-off and M = 1.
    eps, bound = np.finfo(float).eps / 2, 1.0
    steps = np.logspace(-8, -3, 20001)
    total = bound * steps**2 / 6 + eps / steps
    h_star = float(sp.Pow(3 * eps / bound, sp.Rational(1, 3)))
    # The grid spacing is 5/20000 decades: the minimiser lies within one grid step of h*.
    assert abs(np.log10(steps[total.argmin()]) - np.log10(h_star)) <= 5 / 20000
