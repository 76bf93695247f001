"""The initialisation derivations: general in the sizes, and the n² miscount is caught."""

import sympy as sp

from derivations import initialisation as init


def test_initialisation_derivations_are_general():
    for build in (init.zero_init_symmetry, init.preactivation_variance, init.init_scales):
        d = build()
        report = d.check()
        assert report.ok, report.problems
        assert report.level == "general"


def test_counting_n_squared_cross_terms_fails():
    """The old display's first line was never checked: with n² off-diagonal terms it must fail."""
    d = init.preactivation_variance()
    first = d.chains[0].steps[0]
    n = init.n
    first.expr = first.expr.xreplace({n * (n - 1): n**2}).subs(n - 1, n)
    assert d.check().level == "failed"


def test_unit_gradient_depends_on_the_unit_only_through_z_and_v():
    d = init.zero_init_symmetry()
    weight_grad = d.chains[0].claim.doit()
    j = init.j
    units = {a for a in weight_grad.atoms(sp.Indexed) if j in a.indices}
    assert units == {init.v[j], init.z[j]}
