"""CrossEntropyLoss: logits with integer labels or class-probability rows, as in torch.

Reference: L = −mean_n Σ_k y_nk log(exp(z_nk) / Σ_j exp(z_nj)), evaluated from the definition
in 50-digit decimal arithmetic (no shift, no log-sum-exp), so logits of ±1e4 are no problem.
"""

import decimal
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numnet

decimal.getcontext().prec = 50


def reference_loss(logits, target_probs):
    total = decimal.Decimal(0)
    for row, targets in zip(logits, target_probs, strict=True):
        exps = [decimal.Decimal(float(v)).exp() for v in row]
        denominator = sum(exps)
        for e, y in zip(exps, targets, strict=True):
            if y:
                total -= decimal.Decimal(float(y)) * (e / denominator).ln()
    return float(total / len(logits))


def reference_grad(logits, target_probs):
    """(p · Σ_k y_k − y) / N, with p from the definition in decimal arithmetic."""
    grad = np.empty(np.shape(logits))
    for n, (row, targets) in enumerate(zip(logits, target_probs, strict=True)):
        exps = [decimal.Decimal(float(v)).exp() for v in row]
        denominator, mass = sum(exps), sum(targets)
        for k, (e, y) in enumerate(zip(exps, targets, strict=True)):
            grad[n, k] = (float(e / denominator) * mass - y) / len(logits)
    return grad


def one_hot(labels, classes):
    return np.eye(classes)[labels]


EXTREME = np.array([[1e4, 0.0, -1e4], [1e4, 0.0, -1e4], [-1e4, -1e4, 1e4], [1e4, 1e4, -1e4]])
EXTREME_LABELS = np.array([0, 2, 0, 1])


def test_forward_with_labels_matches_the_definition(rng):
    z, labels = rng.normal(size=(6, 4)) * 3, rng.integers(0, 4, size=6)
    expected = reference_loss(z, one_hot(labels, 4))
    assert numnet.CrossEntropyLoss()(z, labels) == pytest.approx(expected, rel=1e-13)


def test_uniform_logits_give_log_k(rng):
    """All-equal logits (e.g. a freshly initialised classifier): L = log K, as CS231n checks."""
    loss = numnet.CrossEntropyLoss()
    assert loss(np.zeros((5, 10)), rng.integers(0, 10, size=5)) == pytest.approx(
        math.log(10), rel=1e-15
    )


def test_forward_with_probabilities_matches_the_definition(rng):
    z = rng.normal(size=(5, 3)) * 2
    y = rng.dirichlet(np.ones(3), size=5)
    assert numnet.CrossEntropyLoss()(z, y) == pytest.approx(reference_loss(z, y), rel=1e-13)
    labels = rng.integers(0, 3, size=5)
    ce = numnet.CrossEntropyLoss()
    assert ce(z, one_hot(labels, 3)) == pytest.approx(ce(z, labels), rel=1e-15)


def test_backward_matches_reference_and_finite_differences(rng):
    z, labels = rng.normal(size=(5, 4)), rng.integers(0, 4, size=5)
    loss = numnet.CrossEntropyLoss()
    loss(z, labels)
    grad = loss.backward()
    np.testing.assert_allclose(grad, reference_grad(z, one_hot(labels, 4)), rtol=1e-13, atol=1e-16)
    numeric = numnet.numerical_gradient(lambda: numnet.CrossEntropyLoss()(z, labels), z)
    assert numnet.relative_error(grad, numeric) < 1e-8


def test_backward_with_probabilities_including_rows_that_do_not_sum_to_one(rng):
    """torch's semantics: dL/dz = (p · Σ y − y)/N for any target rows in [0, 1]."""
    z, y = rng.normal(size=(4, 3)), rng.uniform(0, 1, size=(4, 3))
    loss = numnet.CrossEntropyLoss()
    assert loss(z, y) == pytest.approx(reference_loss(z, y), rel=1e-13)
    grad = loss.backward()
    np.testing.assert_allclose(grad, reference_grad(z, y), rtol=1e-13, atol=1e-16)
    numeric = numnet.numerical_gradient(lambda: numnet.CrossEntropyLoss()(z, y), z)
    assert numnet.relative_error(grad, numeric) < 1e-8


@pytest.mark.parametrize("classes", [3, 64, 65, 150])
def test_both_memory_layouts(classes, rng):
    """Few classes are computed on the transposed logits, many on the rows: same results."""
    z = rng.normal(size=(7, classes)) * 3
    labels = rng.integers(0, classes, size=7)
    loss = numnet.CrossEntropyLoss()
    assert loss(z, labels) == pytest.approx(reference_loss(z, one_hot(labels, classes)), rel=1e-13)
    grad = loss.backward()
    assert grad.shape == z.shape
    np.testing.assert_allclose(
        grad, reference_grad(z, one_hot(labels, classes)), rtol=1e-12, atol=1e-17
    )
    y = rng.dirichlet(np.ones(classes), size=7)
    assert loss(z, y) == pytest.approx(reference_loss(z, y), rel=1e-13)
    np.testing.assert_allclose(loss.backward(), reference_grad(z, y), rtol=1e-12, atol=1e-17)


def test_extreme_logits_are_exact_and_silent():
    loss = numnet.CrossEntropyLoss()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss(EXTREME, EXTREME_LABELS)
        grad = loss.backward()
        value_probs = loss(EXTREME, one_hot(EXTREME_LABELS, 3))
        grad_probs = loss.backward()
    target = one_hot(EXTREME_LABELS, 3)
    assert value == pytest.approx(reference_loss(EXTREME, target), rel=1e-15)
    assert value_probs == pytest.approx(value, rel=1e-15)
    np.testing.assert_allclose(grad, reference_grad(EXTREME, target), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(grad_probs, grad, rtol=1e-13, atol=1e-300)


def test_equals_nll_of_log_softmax(rng):
    z, labels = rng.normal(size=(6, 5)) * 4, rng.integers(0, 5, size=6)
    ce, nll = numnet.CrossEntropyLoss(), numnet.NLLLoss()
    assert ce(z, labels) == pytest.approx(nll(numnet.log_softmax(z), labels), rel=1e-14)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.int32, np.int64, np.uint64])
def test_any_integer_dtype(dtype, rng):
    z, labels = rng.normal(size=(4, 3)), np.array([0, 2, 1, 2])
    expected = numnet.CrossEntropyLoss()(z, labels)
    assert numnet.CrossEntropyLoss()(z, labels.astype(dtype)) == expected
    assert numnet.CrossEntropyLoss()(z, labels.tolist()) == expected


def test_single_sample_1d_input_like_torch():
    z = np.array([1.0, 2.0, 3.0])
    loss = numnet.CrossEntropyLoss()
    value = loss(z, np.array(2))
    assert value == pytest.approx(reference_loss([z], [[0, 0, 1]]), rel=1e-15)
    grad = loss.backward()
    assert grad.shape == (3,)
    np.testing.assert_allclose(grad, reference_grad([z], [[0, 0, 1]])[0], rtol=1e-14)
    assert loss(z, np.array([0.0, 0.0, 1.0])) == pytest.approx(value, rel=1e-15)


def test_float32():
    z = np.array([[1e4, 0.0, -1e4], [0.5, -0.5, 2.0]], dtype=np.float32)
    labels = np.array([2, 0])
    loss = numnet.CrossEntropyLoss()
    value = loss(z, labels)
    grad = loss.backward()
    assert grad.dtype == np.float32
    target = one_hot(labels, 3)
    assert value == pytest.approx(reference_loss(z.astype(np.float64), target), rel=1e-6)
    np.testing.assert_allclose(
        grad, reference_grad(z.astype(np.float64), target), rtol=1e-6, atol=1e-7
    )
    loss(z, target.astype(np.float32))
    assert loss.backward().dtype == np.float32


def test_backward_is_repeatable(rng):
    z, labels = rng.normal(size=(3, 4)), np.array([1, 0, 3])
    loss = numnet.CrossEntropyLoss()
    loss(z, labels)
    first = loss.backward()
    np.testing.assert_array_equal(loss.backward(), first)


@settings(max_examples=50, deadline=None)
@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(1, 6), st.integers(2, 6)), elements=st.floats(-1e4, 1e4)
    ),
    st.data(),
)
def test_gradient_rows_sum_to_zero(z, data):
    n, k = z.shape
    labels = np.array(data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    loss = numnet.CrossEntropyLoss()
    value = loss(z, labels)
    assert np.isfinite(value) and value >= 0
    grad = loss.backward()
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-15)
    probs = numnet.Softmax()(z)
    np.testing.assert_allclose(grad, (probs - one_hot(labels, k)) / n, rtol=1e-12, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, (3, 4), elements=st.floats(-50, 50)), st.floats(-1e3, 1e3))
def test_invariant_to_a_constant_per_row(z, c):
    labels = np.array([0, 3, 1])
    shifts = c * np.array([[1.0], [-2.0], [0.5]])
    ce = numnet.CrossEntropyLoss()
    assert ce(z + shifts, labels) == pytest.approx(ce(z, labels), rel=1e-9, abs=1e-9)


def test_float_labels_are_a_type_error_with_a_hint():
    z = np.zeros((3, 4))
    with pytest.raises(
        TypeError,
        match=r"integer dtype .*int64.*got float64.*whole numbers: convert with target.astype\(np.int64\)",
    ):
        numnet.CrossEntropyLoss()(z, np.array([1.0, 0.0, 3.0]))
    with pytest.raises(TypeError, match="not whole numbers"):
        numnet.CrossEntropyLoss()(z, np.array([1.5, 0.0, 3.0]))


def test_label_errors():
    z = np.zeros((3, 4))
    with pytest.raises(
        ValueError, match=r"class labels must lie in \[0, 3\] for 4 classes, got values from 0 to 4"
    ):
        numnet.CrossEntropyLoss()(z, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"got values from -100 to 2"):
        numnet.CrossEntropyLoss()(
            z, np.array([-100, 2, 1])
        )  # torch's ignore_index is not supported
    with pytest.raises(TypeError, match="got dtype bool"):
        numnet.CrossEntropyLoss()(z, np.array([True, False, True]))


def test_probability_target_errors():
    z = np.zeros((2, 3))
    with pytest.raises(TypeError, match="must be float, got int64"):
        numnet.CrossEntropyLoss()(z, np.array([[0, 1, 0], [1, 0, 0]]))
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\], got values from -0.5 to 1.5"):
        numnet.CrossEntropyLoss()(z, np.array([[-0.5, 1.5, 0.0], [1.0, 0.0, 0.0]]))
    with pytest.raises(ValueError, match="target contains NaN"):
        numnet.CrossEntropyLoss()(z, np.array([[np.nan, 1.0, 0.0], [1.0, 0.0, 0.0]]))


def test_shape_errors():
    ce = numnet.CrossEntropyLoss()
    with pytest.raises(
        ValueError,
        match=r"expected class indices of shape \(2,\) or class probabilities of shape \(2, 3\), got target of shape \(3,\)",
    ):
        ce(np.zeros((2, 3)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"got target of shape \(3, 2\)"):
        ce(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"expected prediction of shape \(N, K\).*got \(2, 3, 4\)"):
        ce(np.zeros((2, 3, 4)), np.zeros((2, 4), dtype=int))
    with pytest.raises(ValueError, match="prediction is empty"):
        ce(np.zeros((0, 3)), np.zeros(0, dtype=int))
    with pytest.raises(TypeError, match="prediction must have dtype float32 or float64"):
        ce(np.zeros((2, 3), dtype=int), np.array([0, 1]))
    with pytest.raises(ValueError, match="prediction contains NaN or infinity"):
        ce(np.array([[np.inf, 0.0]]), np.array([0]))


def test_backward_before_forward():
    with pytest.raises(RuntimeError, match="CrossEntropyLoss: backward"):
        numnet.CrossEntropyLoss().backward()
