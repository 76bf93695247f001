"""Loss functions, each matching its ``torch.nn`` namesake with ``reduction='mean'``.

A loss is called as ``loss(pred, target)`` and returns a Python float; ``loss.backward()``
then returns ``dL/dpred`` with the shape of ``pred``.
"""

from numnet._validate import check_float, shape_str


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
