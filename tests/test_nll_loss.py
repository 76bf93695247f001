"""NLLLoss: −mean_n logp[n, y_n] on log-probabilities with integer labels, as in torch."""

import numpy as np
import pytest

import numnet


def reference_loss(log_probs, labels):
    return -sum(row[label] for row, label in zip(log_probs, labels, strict=True)) / len(labels)


def test_forward_picks_each_label(rng):
    logp, labels = rng.normal(size=(5, 4)), rng.integers(0, 4, size=5)
    assert numnet.NLLLoss()(logp, labels) == pytest.approx(reference_loss(logp, labels), rel=1e-15)


def test_backward_matches_reference_and_finite_differences(rng):
    logp, labels = rng.normal(size=(5, 4)), np.array([3, 0, 0, 2, 1])
    loss = numnet.NLLLoss()
    loss(logp, labels)
    grad = loss.backward()
    expected = np.zeros((5, 4))
    for n, label in enumerate(labels):
        expected[n, label] = -1 / 5
    np.testing.assert_array_equal(grad, expected)
    numeric = numnet.numerical_gradient(lambda: numnet.NLLLoss()(logp, labels), logp)
    assert numnet.relative_error(grad, numeric) < 1e-8


def test_with_log_softmax_of_extreme_logits_is_finite():
    z = np.array([[1e4, 0.0, -1e4], [1e4, 0.0, -1e4]])
    value = numnet.NLLLoss()(numnet.log_softmax(z), np.array([2, 0]))
    assert value == pytest.approx((2e4 + 0.0) / 2, rel=1e-15)


def test_single_sample_and_float32():
    loss = numnet.NLLLoss()
    assert loss(np.array([-0.1, -2.0, -3.0]), np.array(1)) == 2.0
    assert loss.backward().tolist() == [0.0, -1.0, 0.0]
    logp = np.log(np.full((2, 4), 0.25, dtype=np.float32))
    assert loss(logp, np.array([1, 3], dtype=np.int32)) == pytest.approx(np.log(4), rel=1e-6)
    assert loss.backward().dtype == np.float32


def test_errors():
    nll = numnet.NLLLoss()
    with pytest.raises(TypeError, match="NLLLoss: class-index targets must have an integer dtype"):
        nll(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"NLLLoss: class labels must lie in \[0, 2\]"):
        nll(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(
        ValueError,
        match=r"NLLLoss: expected class indices of shape \(2,\), got target of shape \(2, 3\)",
    ):
        nll(np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(
        ValueError,
        match=r"NLLLoss: expected class indices of shape \(2,\), got target of shape \(3,\)",
    ):
        nll(np.zeros((2, 3)), np.array([0, 1, 2]))
    with pytest.raises(RuntimeError, match="NLLLoss: backward"):
        numnet.NLLLoss().backward()
