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
        ValueError,
        match=r"class labels must lie in \[0, 3\] for 4 classes \(or equal ignore_index=-100\), "
        r"got values from 0 to 4",
    ):
        numnet.CrossEntropyLoss()(z, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"got values from -1 to 2"):
        numnet.CrossEntropyLoss()(z, np.array([-1, 2, 1]))
    with pytest.raises(ValueError, match=r"ignore_index=-1\), got values from 1 to 7"):
        numnet.CrossEntropyLoss(ignore_index=-1)(z, np.array([-1, 7, 1]))
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
    with pytest.raises(
        ValueError, match=r"expected at least one class \(K >= 1\), got .* \(2, 0\)"
    ):
        ce(np.zeros((2, 0)), np.zeros(2, dtype=int))
    with pytest.raises(TypeError, match="prediction must have dtype float32 or float64"):
        ce(np.zeros((2, 3), dtype=int), np.array([0, 1]))
    with pytest.raises(ValueError, match="prediction contains NaN or infinity"):
        ce(np.array([[np.inf, 0.0]]), np.array([0]))


def test_backward_before_forward():
    with pytest.raises(RuntimeError, match="CrossEntropyLoss: backward"):
        numnet.CrossEntropyLoss().backward()


# ----------------------------------------------------------------------------------------
# Options: weight, ignore_index, label_smoothing, reduction, and backward(dloss)
# ----------------------------------------------------------------------------------------
def reference_log_softmax(row):
    total = sum(decimal.Decimal(float(v)).exp() for v in row).ln()
    return [float(decimal.Decimal(float(v)) - total) for v in row]


def torch_reference(z, target, weight=None, ignore_index=-100, smoothing=0.0, reduction="mean"):
    """torch.nn.CrossEntropyLoss as its documentation defines it, one sample at a time.

    Class index y: ℓ = −(1 − ε) w_y log p_y − (ε/K) Σ_k w_k log p_k (0 if y is ignored), and
    'mean' divides by Σ w_y over the samples that are not ignored. Probabilities q:
    ℓ = −Σ_k w_k ((1 − ε) q_k + ε/K) log p_k, and 'mean' divides by N.
    """
    n, k = np.shape(z)
    w = np.ones(k) if weight is None else np.asarray(weight, dtype=float)
    losses, divisor = [], 0.0
    for row, t in zip(z, target, strict=True):
        logp = reference_log_softmax(row)
        if np.ndim(t) == 0:
            if t == ignore_index:
                losses.append(0.0)
                continue
            label_term = (1 - smoothing) * w[t] * logp[t]
            smooth_term = smoothing / k * math.fsum(w[j] * logp[j] for j in range(k))
            losses.append(-(label_term + smooth_term))
            divisor += w[t]
        else:
            mixed = [(1 - smoothing) * t[j] + smoothing / k for j in range(k)]
            losses.append(-math.fsum(w[j] * mixed[j] * logp[j] for j in range(k)))
            divisor += 1
    if reduction == "none":
        return np.array(losses)
    return math.fsum(losses) / (divisor if reduction == "mean" else 1)


def check_backward(loss, z, target, dloss):
    """backward(dloss) against central differences of Σ dloss ⊙ forward (a fresh loss each time)."""
    options = {
        "weight": loss.weight,
        "ignore_index": loss.ignore_index,
        "reduction": loss.reduction,
        "label_smoothing": loss.label_smoothing,
    }
    loss(z, target)
    grad = loss.backward(dloss)
    assert grad.shape == z.shape
    numeric = numnet.numerical_gradient(
        lambda: float(np.sum(numnet.CrossEntropyLoss(**options)(z, target) * dloss)), z
    )
    assert numnet.relative_error(grad, numeric) < 1e-7  # central differences, h = 1e-6


WEIGHT = [0.2, 1.0, 3.0, 0.5]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weight", [None, WEIGHT])
@pytest.mark.parametrize("ignore_index", [-100, 1])
@pytest.mark.parametrize("smoothing", [0.0, 0.1, 1.0])
def test_labels_with_every_option(rng, reduction, weight, ignore_index, smoothing):
    z = rng.normal(size=(6, 4)) * 3
    labels = np.array([0, 1, 2, 3, 1, -100])  # with ignore_index=1, two more samples are ignored
    loss = numnet.CrossEntropyLoss(
        weight, ignore_index=ignore_index, reduction=reduction, label_smoothing=smoothing
    )
    if ignore_index == 1:
        labels[-1] = 2
    value = loss(z, labels)
    expected = torch_reference(z, labels, weight, ignore_index, smoothing, reduction)
    if reduction == "none":
        assert isinstance(value, np.ndarray) and value.shape == (6,)
        np.testing.assert_allclose(value, expected, rtol=1e-13, atol=1e-15)
    else:
        assert isinstance(value, float)
        assert value == pytest.approx(expected, rel=1e-13)
    dloss = rng.normal(size=6) if reduction == "none" else 0.7
    check_backward(loss, z, labels, dloss)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weight", [None, WEIGHT])
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
def test_probabilities_with_every_option(rng, reduction, weight, smoothing):
    z = rng.normal(size=(5, 4)) * 3
    y = rng.dirichlet(np.ones(4), size=5)
    y[2] = rng.uniform(0, 1, size=4)  # a row that does not sum to 1 (allowed, as in torch)
    loss = numnet.CrossEntropyLoss(weight=weight, reduction=reduction, label_smoothing=smoothing)
    value = loss(z, y)
    expected = torch_reference(z, y, weight, smoothing=smoothing, reduction=reduction)
    np.testing.assert_allclose(value, expected, rtol=1e-13)
    dloss = rng.normal(size=5) if reduction == "none" else -1.3
    check_backward(loss, z, y, dloss)


def test_many_classes_with_options_use_the_row_major_layout(rng):
    z, labels = rng.normal(size=(4, 70)), np.array([3, 69, -100, 0])
    weight = rng.uniform(0.5, 2, size=70)
    loss = numnet.CrossEntropyLoss(weight=weight, label_smoothing=0.2)
    expected = torch_reference(z, labels, weight, smoothing=0.2)
    assert loss(z, labels) == pytest.approx(expected, rel=1e-13)
    check_backward(loss, z, labels, 1.0)


def test_weighted_mean_divides_by_the_weights_of_the_kept_labels(rng):
    """'mean' = Σ_n w_{y_n} ℓ_n / Σ_n w_{y_n}, not / N: a weighted average of the ℓ_n."""
    z, labels = rng.normal(size=(4, 3)), np.array([0, 2, 2, 1])
    w = np.array([1.0, 2.0, 4.0])
    plain = numnet.CrossEntropyLoss(reduction="none")(z, labels)
    weighted = numnet.CrossEntropyLoss(weight=w)(z, labels)
    assert weighted == pytest.approx(np.average(plain, weights=w[labels]), rel=1e-14)
    labels[1] = -100
    kept = labels != -100
    assert numnet.CrossEntropyLoss(weight=w)(z, labels) == pytest.approx(
        np.average(plain[kept], weights=w[labels[kept]]), rel=1e-14
    )
    # without weights, ignored samples leave the mean over the others
    assert numnet.CrossEntropyLoss()(z, labels) == pytest.approx(plain[kept].mean(), rel=1e-14)


def test_full_smoothing_ignores_the_labels(rng):
    """ε = 1: every target is uniform, so the labels no longer matter."""
    z = rng.normal(size=(3, 5))
    loss = numnet.CrossEntropyLoss(label_smoothing=1.0)
    uniform = np.full((3, 5), 0.2)
    assert loss(z, np.array([0, 1, 2])) == pytest.approx(loss(z, np.array([4, 4, 4])), rel=1e-14)
    assert loss(z, np.array([0, 1, 2])) == pytest.approx(numnet.CrossEntropyLoss()(z, uniform))


def test_single_sample_with_none_reduction_returns_a_0d_array():
    z = np.array([1.0, 2.0, 3.0])
    loss = numnet.CrossEntropyLoss(reduction="none", label_smoothing=0.3)
    value = loss(z, np.array(2))
    assert isinstance(value, np.ndarray) and value.shape == ()
    assert float(value) == pytest.approx(
        torch_reference([z], [2], smoothing=0.3, reduction="sum"), rel=1e-14
    )
    assert loss.backward(np.array(2.0)).shape == (3,)


def test_options_with_extreme_logits_are_exact_and_silent():
    loss = numnet.CrossEntropyLoss(weight=[1.0, 2.0, 0.5], label_smoothing=0.1, ignore_index=1)
    labels = np.array([0, 2, 1, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss(EXTREME, labels)
        grad = loss.backward()
    expected = torch_reference(EXTREME, labels, [1.0, 2.0, 0.5], 1, 0.1)
    assert value == pytest.approx(expected, rel=1e-14)
    assert np.isfinite(grad).all()
    np.testing.assert_array_equal(grad[2], 0.0)  # the ignored sample


def test_all_ignored_batch_is_a_clear_error_for_the_mean():
    """torch returns nan here; 'sum' and 'none' are well defined (0)."""
    z, labels = np.zeros((3, 4)), np.full(3, -100)
    with pytest.raises(
        ValueError,
        match=r"CrossEntropyLoss: reduction='mean' divides by the total weight of the labels that "
        r"are not ignored, and it is 0 here \(3 labels, ignore_index=-100\); PyTorch returns nan",
    ):
        numnet.CrossEntropyLoss()(z, labels)
    with pytest.raises(ValueError, match="total weight .* is 0 here"):
        numnet.CrossEntropyLoss(label_smoothing=0.1)(z, labels)
    with pytest.raises(ValueError, match="total weight .* is 0 here"):  # zero class weights
        numnet.CrossEntropyLoss(weight=[0.0, 1.0, 1.0, 0.0])(z, np.array([0, 3, 0]))
    total = numnet.CrossEntropyLoss(reduction="sum")
    assert total(z, labels) == 0.0
    np.testing.assert_array_equal(total.backward(), 0.0)
    np.testing.assert_array_equal(numnet.CrossEntropyLoss(reduction="none")(z, labels), 0.0)


def test_options_other_than_weight_are_keyword_only():
    with pytest.raises(TypeError, match="positional"):
        numnet.CrossEntropyLoss(None, -1)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"reduction": "avg"}, ValueError, "reduction must be 'mean', 'sum' or 'none', got 'avg'"),
        ({"label_smoothing": 1.5}, ValueError, r"label_smoothing must be in \[0, 1\], got 1.5"),
        ({"label_smoothing": -0.1}, ValueError, r"label_smoothing must be in \[0, 1\], got -0.1"),
        ({"label_smoothing": float("nan")}, ValueError, "label_smoothing must be finite"),
        ({"label_smoothing": "0.1"}, TypeError, "label_smoothing must be a real number"),
        ({"ignore_index": 1.0}, TypeError, "ignore_index must be an int, got 1.0"),
        ({"weight": [1.0, -0.5, 1.0]}, ValueError, "weight must be >= 0, got a minimum of -0.5"),
        ({"weight": [1.0, np.nan]}, ValueError, "weight contains NaN or infinity"),
        ({"weight": [[1.0, 2.0]]}, ValueError, r"expected weight of shape \(K,\), .* \(1, 2\)"),
        ({"weight": ["a", "b"]}, TypeError, "weight must hold real numbers, got dtype <U1"),
        ({"reduction": np.array(["mean"])}, ValueError, "reduction must be 'mean', 'sum' or"),
    ],
)
def test_bad_options_are_clear_errors(kwargs, error, message):
    with pytest.raises(error, match="CrossEntropyLoss: " + message):
        numnet.CrossEntropyLoss(**kwargs)


def test_weight_of_the_wrong_length():
    loss = numnet.CrossEntropyLoss(weight=[1.0, 2.0, 3.0])
    with pytest.raises(
        ValueError,
        match=r"CrossEntropyLoss: weight has 3 entries, expected one per class: 4 "
        r"\(the prediction's last axis\)",
    ):
        loss(np.zeros((2, 4)), np.array([0, 1]))


def test_upstream_gradient_of_the_wrong_shape():
    loss = numnet.CrossEntropyLoss(reduction="none")
    loss(np.zeros((2, 3)), np.array([0, 1]))
    with pytest.raises(
        ValueError,
        match=r"CrossEntropyLoss: expected upstream gradient dloss of shape \(2,\) "
        r"\(reduction='none' returns the per-element losses\), got \(\)",
    ):
        loss.backward(1.0)
    mean = numnet.CrossEntropyLoss()
    mean(np.zeros((2, 3)), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"expected upstream gradient dloss of shape \(\)"):
        mean.backward(np.ones(2))


def test_repr_shows_the_options_that_differ_from_the_defaults():
    assert repr(numnet.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert (
        repr(numnet.CrossEntropyLoss([1, 2], ignore_index=0, reduction="sum", label_smoothing=0.1))
        == "CrossEntropyLoss(reduction='sum', weight=[1.0, 2.0], ignore_index=0, "
        "label_smoothing=0.1)"
    )
