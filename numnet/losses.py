"""Loss functions, each matching its ``torch.nn`` namesake, options included.

A loss is called as ``loss(pred, target)``. With ``reduction='mean'`` (the default) or
``'sum'`` it returns a Python float; with ``reduction='none'`` it returns the array of
per-sample (or per-element) losses. ``loss.backward()`` then returns ``dL/dpred`` with the
shape of ``pred``; ``loss.backward(dloss)`` takes the upstream gradient of the returned loss
(a scalar, or an array of the ``'none'`` shape), exactly like ``out.backward(dloss)`` in
PyTorch.
"""

import numbers

import numpy as np

from numnet._validate import check_float, check_number, shape_str
from numnet.activations import sigmoid
from numnet.module import check_prediction, trusted

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(who, reduction):
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"{who}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


def _check_nonempty(who, x, name="prediction"):
    if x.size == 0:
        raise ValueError(
            f"{who}: {name} is empty (shape {shape_str(x.shape)}); reduction='mean' needs at "
            f"least one element (the mean of nothing is undefined; 'sum' gives 0)"
        )


def _check_weights(who, weight, name):
    """``None``, or a non-negative finite float array (a list is converted)."""
    if weight is None:
        return None
    array = np.asarray(weight)
    if array.dtype.kind not in "iuf" or array.dtype == bool:
        raise TypeError(f"{who}: {name} must hold real numbers, got dtype {array.dtype}")
    array = array.astype(np.float64)
    if array.size and not np.isfinite(array).all():
        raise ValueError(f"{who}: {name} contains NaN or infinity")
    if array.size and array.min() < 0:
        raise ValueError(f"{who}: {name} must be >= 0, got a minimum of {array.min():g}")
    return array


class Loss:
    """Base class: ``forward(pred, target)`` and ``backward(dloss=None) -> dpred``.

    Options are keyword-only (except the class ``weight`` of CrossEntropyLoss and NLLLoss, as
    in PyTorch, whose other positional arguments are deprecated ones numnet does not have).

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        How the per-element losses ``ℓ_i`` become the returned value: their mean (a float),
        their sum (a float), or the array of them.
    """

    reduction = "mean"  # also the default of subclasses that do not call __init__

    def __init__(self, *, reduction="mean"):
        self.reduction = _check_reduction(self.name, reduction)

    def __call__(self, pred, target):
        return self.forward(pred, target)

    @property
    def name(self):
        return type(self).__name__

    def _recall(self):
        cache = getattr(self, "_cache", None)
        if cache is None:
            raise RuntimeError(f"{self.name}: backward() called before forward()")
        return cache

    def _check_pair(self, pred, target):
        """Float ``pred``; float ``target`` of exactly the same shape (no broadcasting)."""
        pred = check_prediction(self.name, pred)
        target = check_float(self.name, target, name="target")
        if target.shape != pred.shape:
            raise ValueError(
                f"{self.name}: target shape {shape_str(target.shape)} does not match "
                f"prediction shape {shape_str(pred.shape)}"
            )
        return pred, target.astype(pred.dtype, copy=False)

    def _reduce(self, losses, count):
        """Per-element ``losses`` -> the returned value; ``'mean'`` divides the sum by ``count``."""
        if self.reduction == "none":
            return losses
        total = losses.sum()
        return float(total / count if self.reduction == "mean" else total)

    def _rate(self, dloss, shape, count, dtype):
        """``∂(returned loss)/∂ℓ_i`` times the upstream gradient ``dloss``.

        ``'mean'``: ``dloss / count``; ``'sum'``: ``dloss`` (both scalars, default 1);
        ``'none'``: ``dloss`` itself, an array of the per-element ``shape`` (default ones).
        """
        expected = tuple(shape) if self.reduction == "none" else ()
        if dloss is None:
            dloss = np.ones(expected, dtype=dtype) if expected else 1.0
        else:
            if isinstance(dloss, np.generic):
                dloss = np.asarray(dloss)
            what = "upstream gradient dloss"
            dloss = check_float(self.name, dloss, name=what).astype(dtype, copy=False)
            if dloss.shape != expected:
                kind = "the per-element losses" if expected else "a scalar loss"
                raise ValueError(
                    f"{self.name}: expected {what} of shape {shape_str(expected)} (reduction="
                    f"{self.reduction!r} returns {kind}), got {shape_str(dloss.shape)}"
                )
            if not expected:
                dloss = float(dloss)
        return dloss / count if self.reduction == "mean" else dloss

    def _options(self):
        """``key=value`` strings of the options that differ from their defaults, for ``repr``."""
        return [] if self.reduction == "mean" else [f"reduction={self.reduction!r}"]

    def __repr__(self):
        return f"{self.name}({', '.join(self._options())})"


class MSELoss(Loss):
    """Mean squared error ``L = mean((pred − target)²)`` over all elements (no ½).

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        ``'none'`` returns the element-wise ``(pred − target)²`` (the shape of ``pred``).

    Notes
    -----
    With ``n`` elements, ``dL/dpred = 2 (pred − target) / n`` (``'mean'``), ``2 (pred −
    target)`` (``'sum'``), or ``2 (pred − target) ⊙ dloss`` (``'none'``). The reports'
    convention ``½ (t − out)²`` has gradient ``out − t``; ``derivations/mse.py`` derives both.
    """

    def forward(self, pred, target):
        """``pred``, ``target``: same shape, any -> float (or the element-wise array)."""
        pred, target = self._check_pair(pred, target)
        if self.reduction == "mean":
            _check_nonempty(self.name, pred)
        diff = pred - target
        self._cache = diff
        return self._reduce(diff * diff, diff.size)

    def backward(self, dloss=None):
        """``dloss``: scalar (or the ``'none'`` shape), default 1 -> ``dpred``: shape of ``pred``."""
        diff = self._recall()
        return diff * (2 * self._rate(dloss, diff.shape, diff.size, diff.dtype))


# ----------------------------------------------------------------------------------------
# Classification losses (derived in derivations/classification_losses.py)
# ----------------------------------------------------------------------------------------
#: PyTorch's ``BCELoss`` clamps each log to at least −100 (so ``log 0`` counts as −100).
BCE_LOG_CLAMP = -100.0
#: PyTorch's ``BCELoss`` backward divides by ``max(p (1 − p), 1e-12)``, its 1e-12 being a
#: float32 constant: 9.99999996e-13 (so ``p = 0`` gives PyTorch's gradient to the last digit).
BCE_GRAD_FLOOR = float(np.float32(1e-12))


def _check_unit_interval(who, a, name):
    """Values that are probabilities must lie in [0, 1]."""
    if a.size and (a.min() < 0 or a.max() > 1):
        raise ValueError(
            f"{who}: {name} must lie in [0, 1], got values from {a.min():g} to {a.max():g}"
        )


def _check_ignore_index(who, ignore_index):
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, numbers.Integral):
        raise TypeError(f"{who}: ignore_index must be an int, got {ignore_index!r}")
    return int(ignore_index)


def _class_scores_and_target(who, pred, target, probabilities_allowed, ignore_index, reduction):
    """Validate ``(N, K)`` (or ``(K,)``) scores and a class-index or class-probability target.

    Returns ``(scores (N, K), labels (N,) or None, probs (N, K) or None)``. Labels equal to
    ``ignore_index`` are allowed (they are ignored); every other label must lie in ``[0, K)``.
    """
    pred = check_prediction(who, pred)
    if pred.ndim not in (1, 2):
        raise ValueError(
            f"{who}: expected prediction of shape (N, K) (or (K,) for one sample), "
            f"got {shape_str(pred.shape)}"
        )
    if pred.shape[-1] == 0:
        raise ValueError(
            f"{who}: expected at least one class (K >= 1), got prediction of shape "
            f"{shape_str(pred.shape)}"
        )
    scores = pred.reshape(-1, pred.shape[-1])
    if reduction == "mean":
        _check_nonempty(who, scores)
    n, k = scores.shape
    target = np.asarray(target)
    label_shape = pred.shape[:-1]  # (N,), or () for one sample
    if target.dtype.kind in "iu":
        if target.shape == label_shape:
            labels = target.reshape(n)
            if n and (labels.min() < 0 or labels.max() >= k):
                classes = labels[labels != ignore_index]  # those that must be class indices
                if classes.size and (classes.min() < 0 or classes.max() >= k):
                    raise ValueError(
                        f"{who}: class labels must lie in [0, {k - 1}] for {k} classes (or equal "
                        f"ignore_index={ignore_index}), got values from {classes.min()} to "
                        f"{classes.max()}"
                    )
            return scores, labels.astype(np.intp, copy=False), None
        if target.shape == pred.shape and probabilities_allowed:
            raise TypeError(
                f"{who}: a target of the prediction's shape {shape_str(pred.shape)} holds class "
                f"probabilities and must be float, got {target.dtype} "
                f"(use target.astype(np.{pred.dtype}), or pass class indices of shape "
                f"{shape_str(label_shape)})"
            )
    elif target.dtype.kind == "f":
        if target.shape == pred.shape and probabilities_allowed:
            probs = check_float(who, target, name="target").astype(pred.dtype, copy=False)
            _check_unit_interval(who, probs, "class probabilities in the target")
            return scores, None, probs.reshape(n, k)
        if target.shape == label_shape:
            whole = bool(np.all(target == np.round(target)))
            hint = (
                "they are whole numbers: convert with target.astype(np.int64)"
                if whole
                else "they are not whole numbers, so they are not class indices"
            )
            raise TypeError(
                f"{who}: class-index targets must have an integer dtype (PyTorch requires "
                f"int64), got {target.dtype}; {hint}"
            )
    else:
        raise TypeError(
            f"{who}: target must hold integer class indices or float class probabilities, "
            f"got dtype {target.dtype}"
        )
    expected = f"class indices of shape {shape_str(label_shape)}"
    if probabilities_allowed:
        expected += f" or class probabilities of shape {shape_str(pred.shape)}"
    raise ValueError(f"{who}: expected {expected}, got target of shape {shape_str(target.shape)}")


class _ClassIndexLoss(Loss):
    """Shared by CrossEntropyLoss and NLLLoss: ``weight``, ``ignore_index`` and their mean."""

    def __init__(self, weight=None, *, ignore_index=-100, reduction="mean"):
        super().__init__(reduction=reduction)
        self.weight = _check_weights(self.name, weight, "weight")
        if self.weight is not None and self.weight.ndim != 1:
            raise ValueError(
                f"{self.name}: expected weight of shape (K,), one per class, got "
                f"{shape_str(self.weight.shape)}"
            )
        self.ignore_index = _check_ignore_index(self.name, ignore_index)

    def _class_weights(self, k, dtype):
        """``weight`` as ``dtype``, after checking that it has one entry per class."""
        if self.weight is None:
            return None
        if self.weight.size != k:
            raise ValueError(
                f"{self.name}: weight has {self.weight.size} entries, expected one per class: "
                f"{k} (the prediction's last axis)"
            )
        return self.weight.astype(dtype)

    def _sample_weights(self, labels, weight, dtype):
        """``(w, picked_labels)``: each sample's weight ``w_n = weight[y_n]`` (0 if ignored).

        ``w`` is ``None`` when every weight is 1 (no ``weight``, nothing ignored); ignored
        labels are replaced by 0 in ``picked_labels`` so they can index safely.
        """
        ignored = labels == self.ignore_index
        if not ignored.any():
            return (None if weight is None else weight[labels]), labels
        picked = np.where(ignored, 0, labels)
        w = np.ones(len(labels), dtype=dtype) if weight is None else weight[picked]
        w[ignored] = 0
        return w, picked

    def _mean_count(self, w, n):
        """The divisor of ``'mean'``: ``Σ_n w_n`` over non-ignored samples (``N`` if all 1)."""
        count = n if w is None else w.sum()
        if self.reduction == "mean" and count == 0:
            raise ValueError(
                f"{self.name}: reduction='mean' divides by the total weight of the labels that "
                f"are not ignored, and it is 0 here ({n} labels, ignore_index="
                f"{self.ignore_index}); PyTorch returns nan. Expected at least one label other "
                f"than ignore_index (with a positive class weight), or use reduction='sum'"
            )
        return count

    def _options(self):
        shown = super()._options()
        if self.weight is not None:
            shown.append(f"weight={self.weight.tolist()}")
        if self.ignore_index != -100:
            shown.append(f"ignore_index={self.ignore_index}")
        return shown


def _flat_positions(labels, n, k, axis):
    """Flat indices of the entries ``(n, y_n)`` in an ``(N, K)`` (axis 1) or ``(K, N)`` array."""
    return labels * n + np.arange(n) if axis == 0 else np.arange(n) * k + labels


#: Up to this many classes, CrossEntropyLoss works on the transposed, class-major ``(K, N)``
#: logits. NumPy reduces and broadcasts along a short last axis one row at a time, which made
#: the row-major version ~3-4× slower on ``(4096, 10)``; for many classes row-major is faster.
CLASS_MAJOR_MAX_CLASSES = 64


class CrossEntropyLoss(_ClassIndexLoss):
    """Softmax cross-entropy on logits, as ``torch.nn.CrossEntropyLoss``, options included.

    ``forward(logits, target)`` with ``logits`` of shape ``(N, K)`` (or ``(K,)``, one sample)
    and ``target`` either integer class indices of shape ``(N,)`` (any integer dtype) or float
    class probabilities of shape ``(N, K)`` (one-hot rows, or soft labels in [0, 1]).
    Inputs with more than 2 axes are not supported.

    Parameters
    ----------
    weight : array_like of shape (K,), optional
        A non-negative weight per class: sample ``n`` counts ``weight[y_n]`` times.
    ignore_index : int, default -100
        Samples whose label equals it contribute nothing, to the loss or to the mean's divisor
        (class-index targets only).
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        ``'none'`` returns the per-sample losses, shape ``(N,)`` (``()`` for one sample).
    label_smoothing : float in [0, 1], default 0.0
        Mixes each target with the uniform distribution: ``(1 − α) y + α/K``.

    Notes
    -----
    With ``ℓ_nk = log softmax(z_n)_k``, ``p_n = softmax(z_n)``, ``w = weight`` (all 1 if not
    given) and ``α = label_smoothing``, each sample's loss is ``L_n = −Σ_k T_nk ℓ_nk`` for a
    target matrix ``T``, exactly as PyTorch defines it:

    * class indices: ``T_nk = (1 − α) w_{y_n} [k = y_n] + (α/K) w_k``, and ``T_n = 0`` for an
      ignored sample; ``'mean'`` divides ``Σ_n L_n`` by ``Σ_n w_{y_n}`` over the samples not
      ignored (both the label term and the smoothing term, as PyTorch does), not by ``N``;
    * probabilities: ``T_nk = w_k ((1 − α) y_nk + α/K)``; ``'mean'`` divides by ``N``.

    Since ``∂ℓ_nk/∂z_nj = δ_kj − p_nj``, the gradient of one sample is
    ``∂L_n/∂z_n = p_n Σ_k T_nk − T_n`` — ``w_{y_n}(p_n − e_{y_n})`` for a plain label
    (``derivations/classification_losses.py``). With class indices and ``α = 0`` the matrix
    ``T`` is never built: ``w_{y_n}`` is subtracted at each label in place.

    Log-sum-exp with each sample's maximum subtracted keeps logits of ±1e4 (and beyond) exact.
    For speed with few classes the work is done on the transposed logits, so ``backward`` may
    return a Fortran-ordered array (same values and shape).
    """

    def __init__(self, weight=None, *, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(weight, ignore_index=ignore_index, reduction=reduction)
        self.label_smoothing = check_number(
            self.name, "label_smoothing", label_smoothing, low=0, high=1
        )

    def forward(self, pred, target):
        """``pred``: (N, K) logits; ``target``: (N,) integers or (N, K) floats -> float.

        With ``reduction='none'``: the per-sample losses, shape ``(N,)`` (``()`` for ``(K,)``).
        """
        scores, labels, probs = _class_scores_and_target(
            self.name, pred, target, True, self.ignore_index, self.reduction
        )
        n, k = scores.shape
        weight = self._class_weights(k, scores.dtype)
        axis = 0 if k <= CLASS_MAJOR_MAX_CLASSES else 1  # the class axis of the working layout
        logits = np.ascontiguousarray(scores.T) if axis == 0 else scores
        shifted = logits - logits.max(axis=axis, keepdims=True)
        exp = np.exp(shifted)
        sums = exp.sum(axis=axis, keepdims=True)  # (1, N) or (N, 1): one per sample
        log_sums = np.log(sums).ravel()
        picked = targets = w = None
        if labels is not None and self.label_smoothing == 0:
            w, labels = self._sample_weights(labels, weight, scores.dtype)
            count = self._mean_count(w, n)
            picked = _flat_positions(labels, n, k, axis)
            losses = log_sums - np.take(shifted, picked)
            if w is not None:
                losses *= w
        else:
            if labels is not None:
                targets, count = self._smoothed_label_targets(
                    labels, weight, n, k, axis, scores.dtype
                )
            else:
                targets, count = self._probability_targets(probs, weight, axis), n
            mass = targets.sum(axis=axis)
            losses = mass * log_sums - (targets * shifted).sum(axis=axis)
        shape = np.shape(pred)
        self._cache = (axis, exp, sums, picked, w, targets, count, shape)
        return self._reduce(losses.reshape(shape[:-1]), count)

    def _options(self):
        shown = super()._options()
        if self.label_smoothing:
            shown.append(f"label_smoothing={self.label_smoothing}")
        return shown

    def _smoothed_label_targets(self, labels, weight, n, k, axis, dtype):
        """``T`` (working layout) for class indices with smoothing, and the mean's divisor.

        ``T_nk = (1 − ε) w_{y_n} [k = y_n] + (ε/K) weight_k`` for kept samples, 0 for ignored.
        """
        eps = self.label_smoothing
        kept = (labels != self.ignore_index).astype(dtype)
        w, labels = self._sample_weights(labels, weight, dtype)
        count = self._mean_count(w, n)
        uniform = np.full(k, eps / k, dtype) if weight is None else weight * (eps / k)
        targets = np.outer(uniform, kept) if axis == 0 else np.outer(kept, uniform)
        label_part = (1 - eps) * (kept if w is None else w)
        targets.reshape(-1)[_flat_positions(labels, n, k, axis)] += label_part
        return targets, count

    def _probability_targets(self, probs, weight, axis):
        """``T = w ⊙ ((1 − ε) y + ε/K)`` in the working layout (``w`` along the class axis)."""
        eps, k = self.label_smoothing, probs.shape[1]
        targets = probs if eps == 0 else probs * (1 - eps) + eps / k
        if weight is not None:
            targets = targets * weight
        return np.ascontiguousarray(targets.T) if axis == 0 else targets

    def backward(self, dloss=None):
        """``dloss``: scalar (or the ``'none'`` shape) -> ``dpred``: the shape of ``pred``.

        ``dL/dz_n = rate_n (p_n Σ_k T_nk − T_n)``, with ``rate = 1/count`` for ``'mean'``.
        """
        axis, exp, sums, picked, w, targets, count, shape = self._recall()
        rate = self._rate(dloss, shape[:-1], count, exp.dtype)
        if isinstance(rate, np.ndarray):  # reduction='none': one rate per sample
            rate = rate.reshape(sums.shape)  # along the sample axis
        if picked is not None:
            if w is not None:
                rate = rate * w.reshape(sums.shape)
            grad = exp * (rate / sums)
            per_sample = isinstance(rate, np.ndarray)  # 'none', or a weight per sample
            grad.reshape(-1)[picked] -= rate.ravel() if per_sample else rate
        else:
            grad = (exp * (targets.sum(axis=axis, keepdims=True) / sums) - targets) * rate
        # |entries| <= rate * max weight: finite, so the layer below need not scan them again
        return trusted((grad.T if axis == 0 else grad).reshape(shape))


class NLLLoss(_ClassIndexLoss):
    """Negative log-likelihood of log-probabilities, as ``torch.nn.NLLLoss``.

    ``forward(log_probs, target)``: ``log_probs`` of shape ``(N, K)`` (or ``(K,)``), e.g. from
    :class:`numnet.LogSoftmax`; ``target`` integer class indices of shape ``(N,)`` (or ``()``).
    ``NLLLoss()(log_softmax(z), y)`` equals ``CrossEntropyLoss()(z, y)``, options included
    (except ``label_smoothing``, which only CrossEntropyLoss has).

    Parameters
    ----------
    weight : array_like of shape (K,), optional
        A non-negative weight per class.
    ignore_index : int, default -100
        Samples with this label contribute nothing (to the loss or the mean's divisor).
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        ``'none'`` returns the per-sample losses, shape ``(N,)`` (``()`` for one sample).

    Notes
    -----
    ``L_n = −w_{y_n} logp[n, y_n]`` (0 if ignored); ``'mean'`` is ``Σ_n L_n / Σ_n w_{y_n}``
    over the samples not ignored. ``∂L_n/∂logp[n, k] = −w_{y_n}`` where ``k = y_n`` and 0
    elsewhere (times ``1/Σ w`` for ``'mean'``).
    """

    def forward(self, pred, target):
        """``pred``: (N, K) log-probabilities; ``target``: (N,) integers -> float.

        With ``reduction='none'``: the per-sample losses, shape ``(N,)`` (``()`` for ``(K,)``).
        """
        scores, labels, _ = _class_scores_and_target(
            self.name, pred, target, False, self.ignore_index, self.reduction
        )
        n, k = scores.shape
        weight = self._class_weights(k, scores.dtype)
        w, labels = self._sample_weights(labels, weight, scores.dtype)
        count = self._mean_count(w, n)
        picked = _flat_positions(labels, n, k, axis=1)
        losses = -np.take(scores, picked)
        if w is not None:
            losses *= w
        self._cache = (picked, w, count, np.shape(pred), scores.dtype)
        return self._reduce(losses.reshape(np.shape(pred)[:-1]), count)

    def backward(self, dloss=None):
        """``dloss``: scalar (or the ``'none'`` shape) -> ``dpred``: shape of ``pred``.

        ``−w_{y_n}`` times the rate (``1/Σ w`` for ``'mean'``) at each sample's label, 0 elsewhere.
        """
        picked, w, count, shape, dtype = self._recall()
        rate = np.ravel(self._rate(dloss, shape[:-1], count, dtype))
        if w is not None:
            rate = w * rate
        grad = np.zeros(int(np.prod(shape)), dtype=dtype)
        grad[picked] = -rate
        return grad.reshape(shape)


class BCELoss(Loss):
    """Binary cross-entropy of probabilities: ``L = −mean(y log p + (1 − y) log(1 − p))``.

    ``forward(pred, target)``: ``pred`` (probabilities in [0, 1]) and ``target`` (in [0, 1])
    of the same, any, shape, as in ``torch.nn.BCELoss``.

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        ``'none'`` returns the element-wise losses (the shape of ``pred``).

    Notes
    -----
    ``log(0) = −∞``, so like PyTorch each log is clamped to ``≥ −100`` (``BCE_LOG_CLAMP``): a
    confidently wrong prediction costs 100, not infinity. This bounds the *value* of the log; it
    is not an ε added inside it, which would shift every loss. The derivative of one element,
    ``∂ℓ/∂p = (p − y) / (p (1 − p))``, is computed, like PyTorch, with the denominator floored
    at ``1e-12`` (``BCE_GRAD_FLOOR``), so it stays finite at ``p = 0`` or 1; ``'mean'`` divides
    it by the number of elements ``n``.

    Prefer ``BCEWithLogitsLoss`` on logits: it needs neither clamp.
    """

    def forward(self, pred, target):
        """``pred``, ``target``: same shape, values in [0, 1] -> float (or element-wise losses)."""
        pred, target = self._check_pair(pred, target)
        if self.reduction == "mean":
            _check_nonempty(self.name, pred)
        _check_unit_interval(self.name, pred, "prediction (a probability)")
        _check_unit_interval(self.name, target, "target")
        with np.errstate(divide="ignore"):  # log(0) = -inf is clamped on the next line
            log_p = np.maximum(np.log(pred), BCE_LOG_CLAMP)
            log_not_p = np.maximum(np.log1p(-pred), BCE_LOG_CLAMP)
        self._cache = (pred, target)
        return self._reduce(-(target * log_p + (1 - target) * log_not_p), pred.size)

    def backward(self, dloss=None):
        """``dloss``: scalar (or ``pred``'s shape) -> ``dpred``: shape of ``pred``.

        ``(p − y) / max(p (1 − p), 1e-12)`` times the rate (``1/n`` for ``'mean'``).
        """
        pred, target = self._recall()
        rate = self._rate(dloss, pred.shape, pred.size, pred.dtype)
        return (pred - target) / np.maximum(pred * (1 - pred), BCE_GRAD_FLOOR) * rate


class BCEWithLogitsLoss(Loss):
    """Sigmoid and binary cross-entropy in one: ``L = mean(BCE(σ(z), y))``, computed stably.

    ``forward(logits, target)``: same, any, shape; ``target`` in [0, 1] (PyTorch does not check
    the target's range here; numnet does), as in ``torch.nn.BCEWithLogitsLoss``. Not supported:
    ``weight``.

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        ``'none'`` returns the element-wise losses (the shape of ``pred``).
    pos_weight : array_like, optional
        A non-negative weight ``c`` of the positive term, broadcast against the target without
        changing its shape (usually one per class: shape ``(K,)`` for targets ``(N, K)``).

    Notes
    -----
    ``ℓ = −(c y log σ(z) + (1 − y) log(1 − σ(z)))``, with ``c = 1`` without ``pos_weight``.
    Since ``−log σ(z) = max(−z, 0) + log(1 + e^{−|z|})`` and ``log(1 − σ(z)) = log σ(z) − z``,

    ``ℓ = (1 − y) z + (1 + (c − 1) y) (max(−z, 0) + log(1 + e^{−|z|}))``,

    which is ``max(z, 0) − z y + log(1 + e^{−|z|})`` when ``c = 1``: no exponent is positive,
    so no overflow, and no log of 0. ``∂ℓ/∂z = (1 + (c − 1) y) σ(z) − c y``, which is
    ``σ(z) − y`` when ``c = 1`` (``derivations/classification_losses.py``); ``'mean'`` divides
    by the number of elements ``n``.
    """

    def __init__(self, *, reduction="mean", pos_weight=None):
        super().__init__(reduction=reduction)
        self.pos_weight = _check_weights(self.name, pos_weight, "pos_weight")

    def _positive_weights(self, target):
        """``pos_weight`` as the target's dtype, after checking that it broadcasts to it."""
        c = self.pos_weight
        try:
            fits = np.broadcast_shapes(c.shape, target.shape) == target.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(
                f"{self.name}: pos_weight of shape {shape_str(c.shape)} does not broadcast to "
                f"the target shape {shape_str(target.shape)} (expected e.g. one weight per "
                f"class along the last axis: shape {shape_str(target.shape[-1:])})"
            )
        return c.astype(target.dtype)

    def forward(self, pred, target):
        """``pred``: logits, any shape; ``target``: same shape, values in [0, 1] -> float.

        With ``reduction='none'``: the element-wise losses, the shape of ``pred``.
        """
        z, target = self._check_pair(pred, target)
        if self.reduction == "mean":
            _check_nonempty(self.name, z)
        _check_unit_interval(self.name, target, "target")
        softplus_neg = np.log1p(np.exp(-np.abs(z)))  # log(1 + e^{−|z|})
        if self.pos_weight is None:
            c = None
            losses = np.maximum(z, 0) - z * target + softplus_neg
        else:
            c = self._positive_weights(target)
            log_weight = 1 + (c - 1) * target
            losses = (1 - target) * z + log_weight * (np.maximum(-z, 0) + softplus_neg)
        self._cache = (z, target, c)
        return self._reduce(losses, z.size)

    def backward(self, dloss=None):
        """``dloss``: scalar (or ``pred``'s shape) -> ``dpred``: shape of ``pred``.

        ``(1 + (c − 1) y) σ(z) − c y`` (``σ(z) − y`` without ``pos_weight``) times the rate.
        """
        z, target, c = self._recall()
        rate = self._rate(dloss, z.shape, z.size, z.dtype)
        if c is None:
            return (sigmoid(z) - target) * rate
        return ((1 + (c - 1) * target) * sigmoid(z) - c * target) * rate

    def _options(self):
        shown = super()._options()
        if self.pos_weight is not None:
            shown.append(f"pos_weight={self.pos_weight.tolist()}")
        return shown
