"""Every registered derivation: each step follows, each fact holds, numnet agrees with the claim
and with finite differences. Adding a derivation module adds its cases here automatically.

The engine itself is tested below, with faults planted one at a time: each must make
``python -m derivations`` exit with status 1.
"""

import numpy as np
import pytest
import sympy as sp

import derivations
import numnet
from derivations.__main__ import main
from derivations.core import LEVELS, Derivation
from derivations.printing import tex
from derivations.proving import prove_equal

NAMES = derivations.names()
x = sp.Symbol("x", real=True)


@pytest.mark.parametrize("name", NAMES)
def test_derivation_checks(name):
    report = derivations.get(name).check()
    assert report.ok, report.problems
    assert report.level in LEVELS[1:]


@pytest.mark.parametrize("name", NAMES)
def test_derivation_displays_only_what_was_checked(name):
    """No typed TeX: every displayed line is printed from the checked expression."""
    d = derivations.get(name)
    text = d._repr_markdown_()
    assert f"({d.label})=" in text and f"Derivation {d.number}:" in text
    for chain in d.chains:
        assert f"{tex(chain.lhs)} = {tex(chain.steps[0].expr)}" in text
        for step in chain.steps[1:]:
            assert f"= {tex(step.expr)}" in text
    for fact in d.facts:
        assert tex(fact.statement) in text
    assert "Verified:" in text


def _exits_1(monkeypatch, capsys, planted):
    """``python -m derivations`` on the single derivation ``planted``."""
    monkeypatch.setattr(derivations, "get", lambda name: planted)
    status = main(["--only", NAMES[0]])
    out = capsys.readouterr().out
    return status == 1 and "FAILED" in out


def test_planted_wrong_first_line(monkeypatch, capsys):
    d = Derivation(NAMES[0], "a wrong first line")
    d.chain(
        sp.Derivative(x**3, x), (3 * x**3, "wrong: not the derivative"), (3 * x**3 + 0 * x, "same")
    )
    assert _exits_1(monkeypatch, capsys, d)


def test_planted_wrong_displayed_formula(monkeypatch, capsys):
    # What is displayed is what is checked, so changing the display changes the check.
    d = Derivation(NAMES[0], "σ' displayed as σ")
    from derivations.functions import sigma

    d.chain(sp.Derivative(sigma(x), x), (sigma(x), "wrong display"))
    assert _exits_1(monkeypatch, capsys, d)


def test_planted_false_fact(monkeypatch, capsys):
    d = Derivation(NAMES[0], "a false bound")
    d.fact(sp.Le(sp.Rational(1, 4) ** 3, sp.Rational(1, 65), evaluate=False), "false: 1/64 > 1/65")
    assert _exits_1(monkeypatch, capsys, d)


def test_no_typed_tex_can_be_given():
    d = Derivation("t", "t")
    with pytest.raises(TypeError):
        d.chain((x**2, "an old-style first step", r"x^2"), (x**2, "typed TeX"))
    with pytest.raises(TypeError):
        d.fact(sp.Eq(x, x, evaluate=False), "why", tex=r"x = x")


def test_a_fact_must_be_a_statement_not_a_boolean():
    d = Derivation("t", "t")
    with pytest.raises(TypeError, match="unevaluated SymPy relation"):
        d.fact(sp.Eq(sp.Rational(1, 4) ** 3, sp.Rational(1, 64)), "already True")


def test_planted_step_equal_to_the_one_before(monkeypatch, capsys):
    d = Derivation(NAMES[0], "a vacuous step")
    d.chain(sp.Derivative(x**2, x), (2 * x, "power rule"), (2 * x, "rearrange"))
    assert _exits_1(monkeypatch, capsys, d)


def test_planted_reduction_false_for_negative_reals(monkeypatch, capsys):
    # log(x²) = 2 log x holds for x > 0 only; SymPy's expand_log(force=True) would "prove" it.
    d = Derivation(NAMES[0], "log x² = 2 log x for every real x")
    d.chain(sp.log(x**2), (2 * sp.log(x), "false at x = −2"))
    assert _exits_1(monkeypatch, capsys, d)
    positive = sp.Symbol("x", positive=True)
    assert prove_equal(sp.log(positive**2), 2 * sp.log(positive)) == "symbolic"


def test_planted_maxpool_that_sends_dy_to_every_tied_maximum(monkeypatch, capsys):
    forward = numnet.MaxPool2d.forward

    def remembering_forward(self, x):
        self._planted_input = x
        return forward(self, x)

    def to_every_tied_maximum(self, dy):
        # dy to every entry that equals its window's maximum: wrong at ties (tiling windows)
        x = self._planted_input
        (kh, kw) = self.kernel_size
        n, c, h, w = dy.shape
        windows = x[:, :, : h * kh, : w * kw].reshape(n, c, h, kh, w, kw)
        is_max = windows == windows.max(axis=(3, 5), keepdims=True)
        dx = np.zeros_like(x)
        dx[:, :, : h * kh, : w * kw] = (is_max * dy[:, :, :, None, :, None]).reshape(
            n, c, h * kh, w * kw
        )
        return dx

    monkeypatch.setattr(numnet.MaxPool2d, "forward", remembering_forward)
    monkeypatch.setattr(numnet.MaxPool2d, "backward", to_every_tied_maximum)
    names = [n for n in NAMES if "pool" in n]
    assert names, "a derivation must tie max-pool's backward"
    derivations.get.cache_clear()
    try:
        statuses = [main(["--only", name]) for name in names]
    finally:
        derivations.get.cache_clear()
    capsys.readouterr()
    assert 1 in statuses


def test_numeric_fallback_samples_kinks_and_ties():
    # Equal away from 0, different at the kink x = 0: random reals alone would miss it.
    a = sp.Piecewise((0, x <= 0), (1, True))
    b = sp.Piecewise((0, x < 0), (1, True))
    assert prove_equal(a, b) == "failed"
    y = sp.Symbol("y", real=True)
    # max(x, y) ≠ x·[x ≥ y] + y·[y > x] … equal; but the "both" rule is wrong at ties x = y
    both = sp.Piecewise((x + y, sp.Eq(x, y)), (sp.Max(x, y), True))
    assert prove_equal(sp.Max(x, y), both) == "failed"


def test_numeric_fallback_is_relative():
    big = sp.Symbol("b", positive=True)
    # a relative error of 1e-6 on numbers ~1e3 is 1e-3 absolute: must fail (it is not equal)
    assert prove_equal(1000 * big, 1000 * big * (1 + sp.Rational(1, 10**6))) == "failed"


def test_levels_say_which_sizes():
    d = Derivation("t", "t", at="2 × 2")
    X = sp.Matrix(2, 2, sp.symbols("a b c d", real=True))
    d.chain(
        sp.Transpose(sp.Transpose(sp.MatrixSymbol("A", 2, 2))),
        (sp.MatrixSymbol("A", 2, 2), "twice"),
    )
    d.define(sp.MatrixSymbol("A", 2, 2), X, show=False)
    report = d.check()
    assert report.level == "sizes" and "2 × 2" in report.scope
    unsized = Derivation("u", "explicit matrices without at=")
    unsized.define(sp.MatrixSymbol("A", 2, 2), X, show=False)
    unsized.chain(sp.MatrixSymbol("A", 2, 2).T.T, (X, "substitute"))
    assert not unsized.check().ok


def test_engine_catches_a_wrong_numnet_tie():
    d = Derivation("bad_tie", "numnet off by 1 %")
    claim = d.chain(sp.Derivative(x**2, x), (2 * x, "power rule"))
    d.tie(claim, [x], lambda v: 2.02 * v, "fake.backward", loss=lambda v: float(v[0] ** 2), wrt=[x])
    report = d.check()
    assert not report.ok
    assert any("fake.backward" in p for p in report.problems)


def test_engine_runs_numnet_in_float32_too():
    d = Derivation("f32", "float32 tie")
    claim = d.chain(sp.Derivative(x**2, x), (2 * x, "power rule"))
    seen = []

    def numnet_grad(values, dtype=np.float64):
        seen.append(dtype)
        return 2 * np.asarray(values, dtype=dtype)

    d.tie(claim, [x], numnet_grad, "square.backward")
    report = d.check()
    assert report.ok and np.float32 in seen and report.err_float32 is not None


def test_cli_list_and_only(capsys):
    assert main(["--list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in NAMES)
    assert main(["--only", NAMES[0]]) == 0
    out = capsys.readouterr().out
    assert "1 passed, 0 failed" in out


@pytest.mark.parametrize("name", NAMES)
def test_each_derivation_is_shown_in_its_chapter(name):
    """The number, the label and the appendix's chapter link all assume this."""
    from pathlib import Path

    chapter = Path(__file__).resolve().parents[1] / "book" / f"{derivations.chapter(name)}.md"
    assert f'derivations.get("{name}")' in chapter.read_text(), f"{name} is not in {chapter.name}"


def test_derivations_are_numbered_in_the_order_each_chapter_shows_them():
    """A reader meets Derivation 4 before Derivation 5, whatever order the module defines them in."""
    import re

    for chapter in derivations.CHAPTER_ORDER:
        text = (derivations.BOOK / f"{chapter}.md").read_text()
        shown = re.findall(r'derivations\.get\("(\w+)"\)', text)
        numbers = [NAMES.index(name) for name in dict.fromkeys(shown)]
        assert numbers == sorted(numbers), f"{chapter}: derivations numbered out of order"
