"""Evaluation metrics: accuracy, confusion matrix, per-class precision/recall/F1, RMSE.

Classification metrics take integer labels ``y_true`` of shape ``(N,)`` and predictions
``y_pred``: labels ``(N,)`` or class scores ``(N, K)`` (logits, probabilities), which are
turned into labels with ``argmax`` along axis 1.

A ratio whose denominator is 0 — the precision of a class that is never predicted, the recall
of a class that never occurs — is ``zero_division`` (default 0), without a warning, as in
scikit-learn.
"""

from collections import namedtuple

import numpy as np

from numnet._validate import check_float, shape_str
from numnet.data import check_labels, check_same_length

#: Per-class arrays (``average=None``) or averaged floats, with the number of true samples.
Scores = namedtuple("Scores", ["precision", "recall", "f1", "support"])


def _label_pair(who, y_true, y_pred, num_classes=None):
    """Check and return ``(y_true, y_pred, K)``; scores ``(N, K)`` in ``y_pred`` become argmax labels."""
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 2:
        if y_pred.shape[1] < 2:
            raise ValueError(
                f"{who}: y_pred of shape {shape_str(y_pred.shape)} is one score per sample; "
                f"threshold it into labels first (e.g. (scores > 0).astype(int).ravel() for logits)"
            )
        if num_classes is not None and y_pred.shape[1] != num_classes:
            raise ValueError(
                f"{who}: y_pred has {y_pred.shape[1]} score columns but num_classes = {num_classes}"
            )
        num_classes = num_classes or y_pred.shape[1]
        y_pred = y_pred.argmax(axis=1)
    y_true = check_labels(who, y_true, num_classes, name="y_true")
    y_pred = check_labels(who, y_pred, num_classes, name="y_pred")
    check_same_length(who, y_true, y_pred, names=("y_true", "y_pred"))
    if y_true.size == 0:
        raise ValueError(f"{who}: got no samples")
    if num_classes is None:
        num_classes = int(max(y_true.max(), y_pred.max())) + 1
    return y_true, y_pred, num_classes


def _ratio(numerator, denominator, zero_division=0.0):
    """``numerator / denominator`` element-wise, ``zero_division`` where the denominator is 0."""
    numerator = np.asarray(numerator, dtype=np.float64)
    out = np.full_like(numerator, zero_division)
    return np.divide(numerator, denominator, out=out, where=np.asarray(denominator) != 0)


def accuracy(y_true, y_pred):
    """Fraction of samples whose predicted label equals the true label.

    Parameters
    ----------
    y_true : int array, shape (N,)
    y_pred : int array, shape (N,), or scores, shape (N, K)

    Returns
    -------
    float in [0, 1]
    """
    y_true, y_pred, _ = _label_pair("accuracy", y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Counts ``C[i, j]`` = number of samples of true class ``i`` predicted as class ``j``.

    Rows are true classes and columns predicted ones (scikit-learn's layout), so the diagonal
    holds the correct predictions, row sums are the class sizes (support) and column sums the
    number of times each class was predicted.

    Parameters
    ----------
    y_true : int array, shape (N,)
    y_pred : int array, shape (N,), or scores, shape (N, K)
    num_classes : int, optional
        ``K``; defaults to the number of score columns, else to the largest label + 1.

    Returns
    -------
    int64 array, shape (K, K)
    """
    y_true, y_pred, k = _label_pair("confusion_matrix", y_true, y_pred, num_classes)
    return np.bincount(k * y_true + y_pred, minlength=k * k).reshape(k, k)


def precision_recall_f1(y_true, y_pred, num_classes=None, average=None, zero_division=0.0):
    """Per-class precision, recall and F1, or their macro / weighted averages.

    For class ``c`` with ``TP`` true positives, ``FP`` false positives and ``FN`` false negatives:
    precision ``TP / (TP + FP)``, recall ``TP / (TP + FN)``, F1 (their harmonic mean)
    ``2 TP / (2 TP + FP + FN)``; each is ``zero_division`` when its denominator is 0.

    Parameters
    ----------
    y_true : int array, shape (N,)
    y_pred : int array, shape (N,), or scores, shape (N, K)
    num_classes : int, optional
        ``K``, the length of the per-class arrays: classes absent from both arrays get
        ``zero_division`` in every score and support 0. It does not change the averages.
    average : None, "macro" or "weighted"
        ``None``: per-class arrays of shape ``(K,)``. ``"macro"``: plain mean over the classes
        that occur in ``y_true`` or ``y_pred`` (a class absent from both is not part of the
        evaluation). ``"weighted"``: mean weighted by each class's support. Both agree with
        scikit-learn's ``precision_recall_fscore_support`` and ``f1_score``.
    zero_division : 0.0 or 1.0, default 0.0
        The value of a ratio whose denominator is 0 (scikit-learn's ``zero_division``): the
        precision of a class never predicted, the recall of a class that never occurs.

    Returns
    -------
    Scores(precision, recall, f1, support)
        ``support`` is the number of true samples per class (``average=None``) or in total.
    """
    who = "precision_recall_f1"
    if zero_division not in (0, 1) or isinstance(zero_division, bool):
        raise ValueError(f"{who}: zero_division must be 0.0 or 1.0, got {zero_division!r}")
    if average not in (None, "macro", "weighted"):
        raise ValueError(f"{who}: average must be None, 'macro' or 'weighted', got {average!r}")
    y_true, y_pred, k = _label_pair(who, y_true, y_pred, num_classes)
    cm = np.bincount(k * y_true + y_pred, minlength=k * k).reshape(k, k)
    tp = np.diag(cm)
    predicted, support = cm.sum(axis=0), cm.sum(axis=1)
    per_class = (
        _ratio(tp, predicted, zero_division),
        _ratio(tp, support, zero_division),
        _ratio(2 * tp, predicted + support, zero_division),  # 2TP + FP + FN = predicted + support
    )
    if average is None:
        return Scores(*per_class, support)
    present = (predicted + support) > 0  # the classes that occur in y_true or y_pred
    if average == "macro":
        weights = present / present.sum()
    else:
        weights = support / support.sum()
    return Scores(*(float(weights @ s) for s in per_class), int(support.sum()))


def classification_report(y_true, y_pred, class_names=None, num_classes=None, digits=3):
    """A text table of per-class precision, recall, F1 and support, with accuracy and averages."""
    scores = precision_recall_f1(y_true, y_pred, num_classes)
    k = len(scores.support)
    names = [str(c) for c in (class_names if class_names is not None else range(k))]
    if len(names) != k:
        raise ValueError(f"classification_report: {len(names)} class_names for {k} classes")
    width = max(12, *(len(n) for n in names))
    head = f"{'':>{width}} {'precision':>9} {'recall':>9} {'f1':>9} {'support':>9}"
    lines = [head]
    for i, name in enumerate(names):
        p, r, f, s = (v[i] for v in scores)
        lines.append(f"{name:>{width}} {p:9.{digits}f} {r:9.{digits}f} {f:9.{digits}f} {s:9d}")
    n = int(scores.support.sum())
    lines.append("")
    acc = accuracy(y_true, y_pred)
    lines.append(f"{'accuracy':>{width}} {'':9} {'':9} {acc:9.{digits}f} {n:9d}")
    for average in ("macro", "weighted"):
        p, r, f, s = precision_recall_f1(y_true, y_pred, num_classes, average=average)
        label = f"{average} avg"
        lines.append(f"{label:>{width}} {p:9.{digits}f} {r:9.{digits}f} {f:9.{digits}f} {s:9d}")
    return "\n".join(lines)


def rmse(y_true, y_pred):
    """Root mean squared error ``sqrt(mean((y_pred − y_true)²))`` over all elements.

    Both arrays must have the same shape (no broadcasting: ``(N,)`` against ``(N, 1)`` is an
    error, not an ``(N, N)`` matrix).
    """
    y_true = check_float("rmse", y_true, name="y_true")
    y_pred = check_float("rmse", y_pred, name="y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"rmse: y_true has shape {shape_str(y_true.shape)} but y_pred has "
            f"{shape_str(y_pred.shape)}; reshape one of them"
        )
    if y_true.size == 0:
        raise ValueError("rmse: got no samples")
    diff = y_pred.astype(np.float64) - y_true
    return float(np.sqrt(np.mean(diff * diff)))
