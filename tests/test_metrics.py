"""Metrics against hand-computed cases, the zero-division convention, bad input, and (when
scikit-learn is installed) scikit-learn on random labels."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numnet.metrics import (
    accuracy,
    classification_report,
    confusion_matrix,
    precision_recall_f1,
    rmse,
)

# Hand-worked example: 6 samples, 3 classes; class 2 is never predicted.
#   true 0 -> predicted 0, 1        true 1 -> 1, 1        true 2 -> 0, 0
Y_TRUE = np.array([0, 0, 1, 1, 2, 2])
Y_PRED = np.array([0, 1, 1, 1, 0, 0])


def test_accuracy_hand_case():
    assert accuracy(Y_TRUE, Y_PRED) == 3 / 6
    assert accuracy([1, 1, 1], [1, 1, 1]) == 1.0
    assert accuracy([0, 1], [1, 0]) == 0.0


def test_accuracy_from_scores_takes_argmax_and_breaks_ties_by_the_first_class():
    scores = np.array([[0.1, 0.7, 0.2], [2.0, 2.0, -1.0], [0.0, 3.0, 3.0]])
    # row 1 ties classes 0 and 1 -> 0; row 2 ties classes 1 and 2 -> 1
    assert accuracy([1, 0, 1], scores) == 1.0
    assert accuracy([1, 1, 2], scores) == 1 / 3


def test_confusion_matrix_hand_case():
    expected = np.array([[1, 1, 0], [0, 2, 0], [2, 0, 0]])
    cm = confusion_matrix(Y_TRUE, Y_PRED)
    np.testing.assert_array_equal(cm, expected)
    assert cm.sum() == len(Y_TRUE)
    np.testing.assert_array_equal(cm.sum(axis=1), np.bincount(Y_TRUE))


def test_confusion_matrix_with_more_classes_than_seen():
    cm = confusion_matrix([0, 1], [1, 1], num_classes=4)
    assert cm.shape == (4, 4)
    assert cm[0, 1] == 1 and cm[1, 1] == 1 and cm.sum() == 2


def test_per_class_scores_hand_case_with_a_class_never_predicted():
    # class 0: TP 1, predicted 3, support 2;  class 1: TP 2, 3, 2;  class 2: TP 0, 0, 2
    p, r, f1, support = precision_recall_f1(Y_TRUE, Y_PRED)  # no RuntimeWarning (it is an error)
    np.testing.assert_allclose(p, [1 / 3, 2 / 3, 0.0])
    np.testing.assert_allclose(r, [1 / 2, 1.0, 0.0])
    np.testing.assert_allclose(f1, [2 / 5, 4 / 5, 0.0])
    np.testing.assert_array_equal(support, [2, 2, 2])


def test_macro_and_weighted_averages_hand_case():
    # supports 1, 3: class 0 (TP 1, predicted 2) and class 1 (TP 2, predicted 2)
    y_true, y_pred = [0, 1, 1, 1], [0, 0, 1, 1]
    per = precision_recall_f1(y_true, y_pred)
    np.testing.assert_allclose(per.precision, [1 / 2, 1.0])
    np.testing.assert_allclose(per.recall, [1.0, 2 / 3])
    np.testing.assert_allclose(per.f1, [2 / 3, 4 / 5])
    macro = precision_recall_f1(y_true, y_pred, average="macro")
    assert macro.precision == pytest.approx(3 / 4)
    assert macro.recall == pytest.approx(5 / 6)
    assert macro.f1 == pytest.approx((2 / 3 + 4 / 5) / 2)
    assert macro.support == 4
    weighted = precision_recall_f1(y_true, y_pred, average="weighted")
    assert weighted.precision == pytest.approx((1 / 2 + 3 * 1.0) / 4)
    assert weighted.recall == pytest.approx((1.0 + 3 * 2 / 3) / 4)  # = accuracy
    assert weighted.recall == pytest.approx(accuracy(y_true, y_pred))
    assert weighted.f1 == pytest.approx((2 / 3 + 3 * 4 / 5) / 4)


def test_absent_classes_score_zero_division_and_stay_out_of_the_averages():
    # class 2 is predicted but never true; class 3 neither occurs nor is predicted
    y_true, y_pred = [0, 1], [0, 2]
    p, r, f1, support = precision_recall_f1(y_true, y_pred, num_classes=4)
    np.testing.assert_allclose(p, [1, 0, 0, 0])
    np.testing.assert_allclose(r, [1, 0, 0, 0])
    np.testing.assert_array_equal(support, [1, 1, 0, 0])
    # classes 0, 1, 2 occur in y_true or y_pred; class 3 is not part of the evaluation
    assert precision_recall_f1(y_true, y_pred, num_classes=4, average="macro").f1 == 1 / 3
    assert precision_recall_f1(y_true, y_pred, average="macro").f1 == 1 / 3
    p, r, f1, _ = precision_recall_f1(y_true, y_pred, num_classes=4, zero_division=1.0)
    np.testing.assert_allclose(p, [1, 1, 0, 1])  # class 1 never predicted: 0/0 -> 1
    np.testing.assert_allclose(r, [1, 0, 1, 1])  # class 2 never true: 0/0 -> 1
    np.testing.assert_allclose(f1, [1, 0, 0, 1])


def test_macro_f1_ignores_a_label_absent_from_both_arrays():
    # the case: labels 0 and 2, perfectly predicted; label 1 occurs nowhere
    assert precision_recall_f1([0, 2, 2], [0, 2, 2], average="macro").f1 == 1.0
    assert precision_recall_f1([0, 2, 2], [0, 2, 2], average="weighted").f1 == 1.0
    assert precision_recall_f1([0, 0, 2], [0, 2, 2], average="macro").f1 == pytest.approx(
        (2 / 3 + 2 / 3) / 2
    )


def test_bad_zero_division_and_average():
    with pytest.raises(ValueError, match="zero_division must be 0.0 or 1.0, got 0.5"):
        precision_recall_f1([0, 1], [0, 1], zero_division=0.5)
    with pytest.raises(ValueError, match="average must be None, 'macro' or 'weighted'"):
        precision_recall_f1([0, 1], [0, 1], average="samples")


def test_f1_is_the_harmonic_mean_where_defined():
    p, r, f1, _ = precision_recall_f1([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0])
    np.testing.assert_allclose(f1, 2 * p * r / (p + r))


def test_classification_report_lists_every_class_and_the_averages():
    text = classification_report(Y_TRUE, Y_PRED, class_names=["cat", "dog", "eel"])
    lines = text.splitlines()
    assert lines[0].split() == ["precision", "recall", "f1", "support"]
    assert lines[1].split() == ["cat", "0.333", "0.500", "0.400", "2"]
    assert lines[3].split() == ["eel", "0.000", "0.000", "0.000", "2"]
    assert "accuracy" in text and "macro avg" in text and "weighted avg" in text
    with pytest.raises(ValueError, match="2 class_names for 3 classes"):
        classification_report(Y_TRUE, Y_PRED, class_names=["a", "b"])


def test_rmse_hand_case():
    assert rmse(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 5.0])) == pytest.approx(
        np.sqrt(4 / 3)
    )
    assert rmse(np.zeros((2, 2)), np.full((2, 2), 3.0)) == pytest.approx(3.0)


def test_rmse_refuses_to_broadcast():
    with pytest.raises(ValueError, match=r"shape \(3,\) but y_pred has \(3, 1\)"):
        rmse(np.zeros(3), np.zeros((3, 1)))


@pytest.mark.parametrize(
    "y_true, y_pred, error, match",
    [
        ([0, 1, 2], [0, 1], ValueError, "y_true has 3 rows but y_pred has 2"),
        ([0.0, 1.0], [0, 1], TypeError, "integer class indices"),
        ([0, -1], [0, 1], ValueError, ">= 0"),
        ([[0, 1]], [0], ValueError, "1-D"),
        ([], [], ValueError, "no samples"),
        ([0, 1], np.array([[0.2], [0.9]]), ValueError, "threshold it"),
    ],
)
def test_bad_input_raises_a_clear_error(y_true, y_pred, error, match):
    with pytest.raises(error, match=match):
        accuracy(y_true, y_pred)


def test_labels_out_of_range_for_num_classes():
    with pytest.raises(ValueError, match="< num_classes = 3"):
        confusion_matrix([0, 3], [0, 1], num_classes=3)
    with pytest.raises(ValueError, match="3 score columns but num_classes = 4"):
        confusion_matrix([0, 1], np.zeros((2, 3)), num_classes=4)
    with pytest.raises(ValueError, match="average must be"):
        precision_recall_f1([0, 1], [0, 1], average="micro")


labels = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=60)


@settings(max_examples=80, deadline=None)
@given(pairs=labels, zero_division=st.sampled_from([0.0, 1.0]))
def test_agrees_with_scikit_learn(pairs, zero_division):
    """scikit-learn is the independent reference: per class with every label 0..4, and the
    averages over the labels present in either array (its default, like ``f1_score``)."""
    skm = pytest.importorskip("sklearn.metrics")
    y_true, y_pred = map(np.array, zip(*pairs, strict=True))
    ks = list(range(5))
    np.testing.assert_array_equal(
        confusion_matrix(y_true, y_pred, num_classes=5),
        skm.confusion_matrix(y_true, y_pred, labels=ks),
    )
    assert accuracy(y_true, y_pred) == pytest.approx(skm.accuracy_score(y_true, y_pred))
    ours = precision_recall_f1(y_true, y_pred, num_classes=5, zero_division=zero_division)
    theirs = skm.precision_recall_fscore_support(
        y_true, y_pred, labels=ks, zero_division=zero_division
    )
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-12)
    for average in ("macro", "weighted"):
        for k in (None, 5):
            ours = precision_recall_f1(y_true, y_pred, k, average, zero_division=zero_division)
            theirs = skm.precision_recall_fscore_support(
                y_true, y_pred, average=average, zero_division=zero_division
            )
            np.testing.assert_allclose(ours[:3], theirs[:3], atol=1e-12)
            f1 = skm.f1_score(y_true, y_pred, average=average, zero_division=zero_division)
            assert ours.f1 == pytest.approx(f1, abs=1e-12)
