"""NLLLoss: −mean_n logp[n, y_n] on log-probabilities with integer labels, as in torch."""

import math

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


# ----------------------------------------------------------------------------------------
# Options: weight, ignore_index, reduction, and backward(dloss)
# ----------------------------------------------------------------------------------------
def torch_reference(logp, labels, weight=None, ignore_index=-100, reduction="mean"):
    """torch.nn.NLLLoss as documented: ℓ_n = −w_{y_n} logp[n, y_n] (0 if ignored);
    'mean' divides Σ ℓ_n by Σ w_{y_n} over the samples that are not ignored."""
    k = np.shape(logp)[1]
    w = np.ones(k) if weight is None else np.asarray(weight, dtype=float)
    losses, divisor = [], 0.0
    for row, label in zip(logp, labels, strict=True):
        if label == ignore_index:
            losses.append(0.0)
            continue
        losses.append(-w[label] * row[label])
        divisor += w[label]
    if reduction == "none":
        return np.array(losses)
    return math.fsum(losses) / (divisor if reduction == "mean" else 1)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weight", [None, [0.5, 2.0, 0.0, 1.5]])
@pytest.mark.parametrize("ignore_index", [-100, 3])
def test_every_option_forward_and_backward(rng, reduction, weight, ignore_index):
    logp, labels = rng.normal(size=(6, 4)), np.array([0, 3, 1, 2, 3, 1])
    labels[-1] = ignore_index if ignore_index == -100 else labels[-1]
    loss = numnet.NLLLoss(weight=weight, ignore_index=ignore_index, reduction=reduction)
    value = loss(logp, labels)
    expected = torch_reference(logp, labels, weight, ignore_index, reduction)
    np.testing.assert_allclose(value, expected, rtol=1e-14)
    if reduction == "none":
        assert value.shape == (6,)
    dloss = rng.normal(size=6) if reduction == "none" else 2.5
    grad = loss.backward(dloss)
    options = {"weight": weight, "ignore_index": ignore_index, "reduction": reduction}
    numeric = numnet.numerical_gradient(
        lambda: float(np.sum(numnet.NLLLoss(**options)(logp, labels) * dloss)), logp
    )
    assert numnet.relative_error(grad, numeric) < 1e-8


def test_weighted_mean_of_a_hand_example():
    """Labels (0, 2, 2) with weights (1, ·, 3): (1·0.5 + 3·1 + 3·2) / (1 + 3 + 3)."""
    logp = np.array([[-0.5, -1.0, -2.0], [-1.0, -1.0, -1.0], [-3.0, -1.0, -2.0]])
    loss = numnet.NLLLoss(weight=[1.0, 10.0, 3.0])
    assert loss(logp, np.array([0, 2, 2])) == pytest.approx(9.5 / 7, rel=1e-15)
    expected = np.zeros((3, 3))
    expected[0, 0], expected[1, 2], expected[2, 2] = -1 / 7, -3 / 7, -3 / 7
    np.testing.assert_allclose(loss.backward(), expected, rtol=1e-15)


def test_log_softmax_then_nll_matches_cross_entropy_with_options(rng):
    z, labels = rng.normal(size=(5, 4)) * 2, np.array([0, -100, 3, 3, 1])
    w = [1.0, 0.5, 2.0, 4.0]
    for reduction in ("mean", "sum", "none"):
        nll = numnet.NLLLoss(weight=w, reduction=reduction)
        ce = numnet.CrossEntropyLoss(weight=w, reduction=reduction)
        np.testing.assert_allclose(
            nll(numnet.log_softmax(z), labels), ce(z, labels), rtol=1e-13, atol=1e-15
        )


def test_all_ignored_and_option_errors():
    logp, labels = np.zeros((2, 3)), np.array([-100, -100])
    with pytest.raises(
        ValueError,
        match=r"NLLLoss: reduction='mean' divides by the total weight .* is 0 here "
        r"\(2 labels, ignore_index=-100\); PyTorch returns nan",
    ):
        numnet.NLLLoss()(logp, labels)
    assert numnet.NLLLoss(reduction="sum")(logp, labels) == 0.0
    with pytest.raises(
        ValueError, match=r"NLLLoss: weight has 2 entries, expected one per class: 3"
    ):
        numnet.NLLLoss(weight=[1.0, 2.0])(logp, np.array([0, 1]))
    with pytest.raises(ValueError, match="NLLLoss: weight must be >= 0"):
        numnet.NLLLoss(weight=[1.0, -2.0, 1.0])
    with pytest.raises(ValueError, match="NLLLoss: reduction must be 'mean', 'sum' or 'none'"):
        numnet.NLLLoss(reduction=None)
    with pytest.raises(TypeError, match="NLLLoss: ignore_index must be an int, got True"):
        numnet.NLLLoss(ignore_index=True)
    loss = numnet.NLLLoss(reduction="none")
    loss(logp, np.array([0, 1]))
    with pytest.raises(
        ValueError, match=r"NLLLoss: expected upstream gradient dloss of shape \(2,\)"
    ):
        loss.backward(np.ones(3))
    assert repr(numnet.NLLLoss(ignore_index=0)) == "NLLLoss(ignore_index=0)"
