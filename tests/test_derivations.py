"""Every registered derivation: each step follows, each fact holds, numnet agrees with the claim
and with finite differences. Adding a derivation module adds its cases here automatically."""

import pytest
import sympy as sp

import derivations
from derivations.__main__ import main
from derivations.core import Derivation, prove_equal

NAMES = derivations.names()


@pytest.mark.parametrize("name", NAMES)
def test_derivation_checks(name):
    report = derivations.get(name).check()
    assert report.ok, report.problems
    assert report.level in {"symbolic", "numeric"}


@pytest.mark.parametrize("name", NAMES)
def test_derivation_renders_its_steps(name):
    d = derivations.get(name)
    text = d._repr_markdown_()
    assert d.title in text
    assert text.count("\\begin{aligned}") == len(d.chains)
    assert "Verified:" in text


def test_engine_rejects_a_false_step():
    x = sp.Symbol("x")
    d = Derivation("wrong", "a wrong step")
    d.chain((sp.Derivative(x**3, x), "definition"), (2 * x**2, "a wrong power rule"))
    report = d.check()
    assert not report.ok and report.level == "failed"


def test_engine_reports_numeric_only_when_sympy_cannot_reduce(monkeypatch):
    import derivations.core as core

    x = sp.Symbol("x", positive=True)
    monkeypatch.setattr(core, "_is_zero_symbolic", lambda d: False)
    assert prove_equal(sp.log(x**2), 2 * sp.log(x)) == "numeric"
    assert prove_equal(sp.log(x**2), 3 * sp.log(x)) == "failed"


def test_engine_catches_a_wrong_numnet_tie():
    x = sp.Symbol("x", real=True)
    d = Derivation("bad_tie", "numnet off by 1 %")
    claim = d.chain((sp.Derivative(x**2, x), "definition"), (2 * x, "power rule"))
    d.tie(claim, [x], lambda v: 2.02 * v, "fake.backward", loss=lambda v: float(v[0] ** 2), wrt=[x])
    report = d.check()
    assert not report.ok
    assert any("fake.backward" in p for p in report.problems)


def test_cli_list_and_only(capsys):
    assert main(["--list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in NAMES)
    assert main(["--only", NAMES[0]]) == 0
    out = capsys.readouterr().out
    assert "1 passed, 0 failed" in out


def test_cli_exits_1_on_failure(monkeypatch, capsys):
    x = sp.Symbol("x")
    bad = Derivation(NAMES[0], "broken")
    bad.chain((x, "definition"), (x + 1, "off by one"))
    monkeypatch.setattr(derivations, "get", lambda name: bad)
    assert main(["--only", NAMES[0]]) == 1
    assert "FAILED" in capsys.readouterr().out
