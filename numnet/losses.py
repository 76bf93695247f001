"""Loss functions, each matching its ``torch.nn`` namesake with ``reduction='mean'``.

A loss is called as ``loss(pred, target)`` and returns a Python float; ``loss.backward()``
then returns ``dL/dpred`` with the shape of ``pred``.
"""

import numpy as np

from numnet._validate import check_float, shape_str
from numnet.activations import sigmoid


class Loss:
    """Base class: ``forward(pred, target) -> float`` and ``backward() -> dpred``."""

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
        pred = check_float(self.name, pred, name="prediction")
        target = check_float(self.name, target, name="target")
        if target.shape != pred.shape:
            raise ValueError(
                f"{self.name}: target shape {shape_str(target.shape)} does not match "
                f"prediction shape {shape_str(pred.shape)}"
            )
        return pred, target.astype(pred.dtype, copy=False)

    def __repr__(self):
        return f"{self.name}()"


class MSELoss(Loss):
    """Mean squared error ``L = mean((pred − target)²)`` over all elements (no ½).

    Notes
    -----
    With ``n`` elements, ``dL/dpred = 2 (pred − target) / n``. The reports' convention
    ``½ (t − out)²`` has gradient ``out − t``; ``derivations/mse.py`` derives both.
    """

    def forward(self, pred, target):
        """``pred``, ``target``: same shape, any -> float."""
        pred, target = self._check_pair(pred, target)
        diff = pred - target
        self._cache = diff
        return float((diff * diff).mean())

    def backward(self):
        """-> ``dpred`` with the shape of ``pred``."""
        diff = self._recall()
        return diff * (2.0 / diff.size)


# ----------------------------------------------------------------------------------------
# Classification losses (derived in derivations/classification_losses.py)
# ----------------------------------------------------------------------------------------
#: PyTorch's ``BCELoss`` clamps each log to at least −100 (so ``log 0`` counts as −100).
BCE_LOG_CLAMP = -100.0
#: PyTorch's ``BCELoss`` backward divides by ``max(p (1 − p), 1e-12)``.
BCE_GRAD_FLOOR = 1e-12


def _check_nonempty(who, x, name="prediction"):
    if x.size == 0:
        raise ValueError(
            f"{who}: {name} is empty (shape {shape_str(x.shape)}); the mean is undefined"
        )


def _check_unit_interval(who, a, name):
    """Values that are probabilities must lie in [0, 1]."""
    if a.size and (a.min() < 0 or a.max() > 1):
        raise ValueError(
            f"{who}: {name} must lie in [0, 1], got values from {a.min():g} to {a.max():g}"
        )


def _class_scores_and_target(who, pred, target, probabilities_allowed):
    """Validate ``(N, K)`` (or ``(K,)``) scores and a class-index or class-probability target.

    Returns ``(scores (N, K), labels (N,) or None, probs (N, K) or None)``.
    """
    pred = check_float(who, pred, name="prediction")
    if pred.ndim not in (1, 2):
        raise ValueError(
            f"{who}: expected prediction of shape (N, K) (or (K,) for one sample), "
            f"got {shape_str(pred.shape)}"
        )
    scores = pred.reshape(-1, pred.shape[-1])
    _check_nonempty(who, scores)
    n, k = scores.shape
    target = np.asarray(target)
    label_shape = pred.shape[:-1]  # (N,), or () for one sample
    if target.dtype.kind in "iu":
        if target.shape == label_shape:
            labels = target.reshape(n)
            low, high = labels.min(), labels.max()
            if low < 0 or high >= k:
                raise ValueError(
                    f"{who}: class labels must lie in [0, {k - 1}] for {k} classes, "
                    f"got values from {low} to {high}"
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


#: Up to this many classes, CrossEntropyLoss works on the transposed, class-major ``(K, N)``
#: logits. NumPy reduces and broadcasts along a short last axis one row at a time, which made
#: the row-major version ~3-4× slower on ``(4096, 10)``; for many classes row-major is faster.
CLASS_MAJOR_MAX_CLASSES = 64


class CrossEntropyLoss(Loss):
    """Softmax cross-entropy on logits: ``L = −mean_n Σ_k y_nk log softmax(z_n)_k``.

    ``forward(logits, target)`` with ``logits`` of shape ``(N, K)`` (or ``(K,)``, one sample)
    and ``target`` either integer class indices of shape ``(N,)`` (any integer dtype) or float
    class probabilities of shape ``(N, K)`` (one-hot rows, or soft labels in [0, 1]), as in
    ``torch.nn.CrossEntropyLoss``. Not supported: ``weight``, ``ignore_index`` (a label −100
    is an error here, not ignored), ``label_smoothing``, and inputs with more than 2 axes.

    Notes
    -----
    With ``p = softmax(z)`` (``derivations/classification_losses.py``):

    * class indices: ``L_n = log Σ_j exp(z_nj) − z_n,y_n`` and ``dL/dz = (P − Y)/N``, where
      ``Y`` is one-hot; the one-hot matrix is never built (``1/N`` is subtracted in place);
    * probabilities: ``dL/dz = (P ⊙ Σ_k y_nk − Y)/N``, which is ``(P − Y)/N`` when rows sum to 1.

    Log-sum-exp with each sample's maximum subtracted keeps logits of ±1e4 (and beyond) exact.
    For speed with few classes the work is done on the transposed logits, so ``backward`` may
    return a Fortran-ordered array (same values and shape).
    """

    def forward(self, pred, target):
        """``pred``: (N, K) logits; ``target``: (N,) integers or (N, K) floats -> float."""
        scores, labels, probs = _class_scores_and_target(self.name, pred, target, True)
        n, k = scores.shape
        axis = 0 if k <= CLASS_MAJOR_MAX_CLASSES else 1  # the class axis of the working layout
        logits = np.ascontiguousarray(scores.T) if axis == 0 else scores
        shifted = logits - logits.max(axis=axis, keepdims=True)
        exp = np.exp(shifted)
        sums = exp.sum(axis=axis, keepdims=True)
        log_sums = np.log(sums).ravel()
        picked = targets = None
        if labels is not None:
            # flat positions of the entries (n, y_n) in the working layout
            picked = labels * n + np.arange(n) if axis == 0 else np.arange(n) * k + labels
            loss = (log_sums - np.take(shifted, picked)).mean()
        else:
            targets = np.ascontiguousarray(probs.T) if axis == 0 else probs
            mass = targets.sum(axis=axis)
            loss = (mass * log_sums - (targets * shifted).sum(axis=axis)).mean()
        self._cache = (axis, exp, sums, picked, targets, np.shape(pred))
        return float(loss)

    def backward(self):
        """-> ``dpred`` of the shape of ``pred``: ``(P − Y)/N``."""
        axis, exp, sums, picked, targets, shape = self._recall()
        n = exp.shape[1 - axis]
        if picked is not None:
            grad = exp / (sums * n)
            grad.reshape(-1)[picked] -= 1.0 / n
        else:
            grad = (exp * (targets.sum(axis=axis, keepdims=True) / sums) - targets) / n
        return (grad.T if axis == 0 else grad).reshape(shape)


class NLLLoss(Loss):
    """Negative log-likelihood of log-probabilities: ``L = −mean_n logp[n, y_n]``.

    ``forward(log_probs, target)``: ``log_probs`` of shape ``(N, K)`` (or ``(K,)``), e.g. from
    :func:`numnet.log_softmax`; ``target`` integer class indices of shape ``(N,)`` (or ``()``),
    as in ``torch.nn.NLLLoss``. ``NLLLoss(log_softmax(z), y)`` equals ``CrossEntropyLoss(z, y)``.

    Notes
    -----
    ``dL/dlogp[n, k] = −1/N`` where ``k = y_n`` and 0 elsewhere.
    """

    def forward(self, pred, target):
        """``pred``: (N, K) log-probabilities; ``target``: (N,) integers -> float."""
        scores, labels, _ = _class_scores_and_target(self.name, pred, target, False)
        n, k = scores.shape
        picked = np.arange(n) * k + labels  # flat positions of the entries (n, y_n)
        self._cache = (picked, scores.size, np.shape(pred), scores.dtype)
        return float(-np.take(scores, picked).mean())

    def backward(self):
        """-> ``dpred`` of the shape of ``pred``: ``−1/N`` at each sample's label, 0 elsewhere."""
        picked, size, shape, dtype = self._recall()
        grad = np.zeros(size, dtype=dtype)
        grad[picked] = -1.0 / len(picked)
        return grad.reshape(shape)


class BCELoss(Loss):
    """Binary cross-entropy of probabilities: ``L = −mean(y log p + (1 − y) log(1 − p))``.

    ``forward(pred, target)``: ``pred`` (probabilities in [0, 1]) and ``target`` (in [0, 1])
    of the same, any, shape, as in ``torch.nn.BCELoss``.

    Notes
    -----
    ``log(0) = −∞``, so like PyTorch each log is clamped to ``≥ −100`` (``BCE_LOG_CLAMP``): a
    confidently wrong prediction costs 100, not infinity. This bounds the *value* of the log; it
    is not an ε added inside it, which would shift every loss. The derivative
    ``dL/dp = (p − y) / (p (1 − p)) / n`` is computed, like PyTorch, with the denominator
    floored at ``1e-12`` (``BCE_GRAD_FLOOR``), so it stays finite at ``p = 0`` or 1.

    Prefer ``BCEWithLogitsLoss`` on logits: it needs neither clamp.
    """

    def forward(self, pred, target):
        """``pred``, ``target``: same shape, values in [0, 1] -> float."""
        pred, target = self._check_pair(pred, target)
        _check_nonempty(self.name, pred)
        _check_unit_interval(self.name, pred, "prediction (a probability)")
        _check_unit_interval(self.name, target, "target")
        with np.errstate(divide="ignore"):  # log(0) = -inf is clamped on the next line
            log_p = np.maximum(np.log(pred), BCE_LOG_CLAMP)
            log_not_p = np.maximum(np.log1p(-pred), BCE_LOG_CLAMP)
        self._cache = (pred, target)
        return float(-(target * log_p + (1 - target) * log_not_p).mean())

    def backward(self):
        """-> ``dpred`` of the shape of ``pred``: ``(p − y) / max(p (1 − p), 1e-12) / n``."""
        pred, target = self._recall()
        return (pred - target) / (np.maximum(pred * (1 - pred), BCE_GRAD_FLOOR) * pred.size)


class BCEWithLogitsLoss(Loss):
    """Sigmoid and binary cross-entropy in one: ``L = mean(BCE(σ(z), y))``, computed stably.

    ``forward(logits, target)``: same, any, shape; ``target`` in [0, 1] (PyTorch does not check
    the target's range here; numnet does). Not supported: ``weight``, ``pos_weight``.

    Notes
    -----
    ``BCE(σ(z), y) = max(z, 0) − z y + log(1 + e^{−|z|})``: no exponent is positive, so no
    overflow, and no log of 0. ``dL/dz = (σ(z) − y)/n`` (``derivations/classification_losses.py``).
    """

    def forward(self, pred, target):
        """``pred``: logits, any shape; ``target``: same shape, values in [0, 1] -> float."""
        z, target = self._check_pair(pred, target)
        _check_nonempty(self.name, z)
        _check_unit_interval(self.name, target, "target")
        self._cache = (z, target)
        return float((np.maximum(z, 0) - z * target + np.log1p(np.exp(-np.abs(z)))).mean())

    def backward(self):
        """-> ``dpred`` of the shape of ``pred``: ``(σ(z) − y)/n``."""
        z, target = self._recall()
        return (sigmoid(z) - target) / z.size
