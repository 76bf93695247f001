"""numnet.gradcheck: finite differences (forward and central), relative error, module checks."""

import numpy as np
import pytest

import numnet
from numnet import gradcheck, numerical_gradient, relative_error


def test_central_and_forward_differences_of_a_known_function():
    x = np.array([0.3, -1.2, 2.0])

    def f():
        return float(np.sum(np.sin(x) * x**2))

    exact = np.cos(x) * x**2 + 2 * x * np.sin(x)
    assert relative_error(numerical_gradient(f, x), exact) < 1e-9
    assert relative_error(numerical_gradient(f, x, h=1e-7, method="forward"), exact) < 1e-6
    np.testing.assert_array_equal(x, [0.3, -1.2, 2.0])  # restored exactly


@pytest.mark.parametrize(("method", "order"), [("forward", 1), ("central", 2)])
def test_error_order_when_h_is_halved(method, order):
    """Halving h divides the error by 2 (forward) or 4 (central), at h where rounding is negligible."""
    x = np.array([0.7])

    def f():
        return float(np.exp(x[0]) * np.sin(x[0]))

    exact = np.exp(0.7) * (np.sin(0.7) + np.cos(0.7))
    errors = [abs(numerical_gradient(f, x, h=h, method=method)[0] - exact) for h in (1e-2, 5e-3)]
    assert errors[0] / errors[1] == pytest.approx(2**order, rel=0.05)


def test_numerical_gradient_works_on_matrices():
    w = np.arange(6.0).reshape(2, 3) / 10
    grad = numerical_gradient(lambda: float((w**2).sum()), w)
    np.testing.assert_allclose(grad, 2 * w, rtol=1e-8)


def test_numerical_gradient_rejects_bad_arguments():
    x = np.ones(3)
    with pytest.raises(ValueError, match="method"):
        numerical_gradient(lambda: 0.0, x, method="backward")
    with pytest.raises(ValueError, match="h must"):
        numerical_gradient(lambda: 0.0, x, h=0.0)
    with pytest.raises(ValueError, match="contiguous"):
        numerical_gradient(lambda: 0.0, np.ones((4, 4))[:, :3])


def test_relative_error_formula():
    a, b = np.array([1.0, -2.0, 4.0]), np.array([1.0, -2.5, 4.0])
    assert relative_error(a, b) == pytest.approx(0.5 / 4.0)
    assert relative_error(a, b) == relative_error(b, a)
    assert relative_error(1e6 * a, 1e6 * b) == pytest.approx(relative_error(a, b))  # scale-free
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_gradcheck_passes_a_correct_network():
    rng = np.random.default_rng(0)
    model = numnet.Sequential(numnet.Linear(4, 5, rng=1), numnet.Tanh(), numnet.Linear(5, 2, rng=2))
    x = rng.standard_normal((3, 4))
    result = gradcheck(model, x)
    assert result.ok, result
    assert set(result.errors) == {"input", "param0", "param1", "param2", "param3"}
    assert max(result.errors.values()) < 1e-8
    assert "OK" in repr(result)


class _WrongTanh(numnet.Tanh):
    """A planted bug: the derivative 1 − y is used instead of 1 − y²."""

    def _df(self, x, y):
        return 1 - y


class _WrongLinear(numnet.Linear):
    """A planted bug: the weight gradient is scaled by 1.01."""

    def backward(self, dy):
        dx = super().backward(dy)
        self.weight.grad *= 1.01
        return dx


def test_gradcheck_catches_planted_bugs():
    x = np.random.default_rng(0).standard_normal((3, 4))
    result = gradcheck(numnet.Sequential(numnet.Linear(4, 3, rng=1), _WrongTanh()), x)
    assert not result.ok and result.errors["input"] > 1e-2
    result = gradcheck(_WrongLinear(4, 2, rng=1), x)
    assert not result.ok
    assert result.errors["param0"] > 1e-3 and result.errors["input"] < 1e-8
    assert "FAILED" in repr(result)


def test_gradcheck_does_not_modify_the_input():
    x = np.random.default_rng(0).standard_normal((2, 3))
    before = x.copy()
    gradcheck(numnet.Linear(3, 2, rng=0), x)
    np.testing.assert_array_equal(x, before)


class _Scaled(numnet.Module):
    """``y = 3x`` with a backward off by the factor ``1 + slip``."""

    def __init__(self, slip):
        self.slip = slip

    def forward(self, x):
        x = self._check_input(x)
        self._remember(y=3 * x)
        return 3 * x

    def backward(self, dy):
        self._recall(dy)
        return 3 * (1 + self.slip) * dy


def test_default_tolerance_catches_a_relative_slip_of_1e_4(rng):
    x = rng.normal(size=(2, 3))
    assert numnet.gradcheck(_Scaled(0.0), x).ok
    slipped = numnet.gradcheck(_Scaled(1e-4), x)
    assert not slipped.ok and slipped.errors["input"] == pytest.approx(1e-4, rel=1e-3)
    assert numnet.gradcheck(_Scaled(1e-4), x, tolerance=1e-3).ok


def test_relative_error_is_symmetric_and_scaled_by_the_larger_array():
    assert relative_error([1e-3], [1.0]) == pytest.approx(0.999)
    assert relative_error([1.0], [1e-3]) == pytest.approx(0.999)
    assert relative_error([-2.0, 0.0], [2.0, 0.0]) == pytest.approx(2.0)


def test_gradcheck_ignores_gradients_left_from_before(rng):
    model = numnet.Sequential(numnet.Linear(3, 2, rng=rng), numnet.Tanh())
    for p in model.parameters():
        p.grad += 5.0  # stale gradients from an earlier backward
    result = numnet.gradcheck(model, rng.normal(size=(4, 3)))
    assert result.ok, result
