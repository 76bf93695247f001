"""Stochastic gradient descent with momentum, Nesterov momentum and weight decay.

The update is exactly ``torch.optim.SGD``'s (with ``dampening=0``), derived and compared with
the other common momentum form in ``derivations/momentum.py``.
"""

import numpy as np

from numnet._validate import shape_str
from numnet.module import Module, Parameter


def _check_number(name, value, *, positive=False):
    """``value`` as a float; finite, ``> 0`` if ``positive`` else ``>= 0``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"SGD: {name} must be a number, got {type(value).__name__}")
    value = float(value)
    bad = not np.isfinite(value) or (value <= 0 if positive else value < 0)
    if bad:
        expected = "> 0" if positive else ">= 0"
        raise ValueError(f"SGD: {name} must be finite and {expected}, got {value!r}")
    return value


class SGD:
    """Stochastic gradient descent, the same update as ``torch.optim.SGD``.

    Parameters
    ----------
    params : iterable of Parameter
        Usually ``model.parameters()``. Each parameter is updated in place.
    lr : float
        Learning rate ``η > 0``. A public attribute: schedules (:mod:`numnet.schedules`) set it.
    momentum : float, default 0.0
        Momentum factor ``μ >= 0``.
    weight_decay : float, default 0.0
        L2 penalty ``λ >= 0``: ``λ·p`` is added to each gradient (the gradient of ``λ/2 ‖p‖²``).
    nesterov : bool, default False
        Nesterov momentum; needs ``momentum > 0`` (as in PyTorch).

    Attributes
    ----------
    params : list of Parameter
    momentum_buffers : list of ndarray or None
        The velocity ``v`` of each parameter (``None`` until its first step with momentum).

    Notes
    -----
    For each parameter ``p`` with gradient ``g = p.grad``, one :meth:`step` does

    .. code-block:: text

        g ← g + λ p                          (if λ ≠ 0)
        v ← g  on the first step, else  v ← μ v + g      (if μ ≠ 0)
        g ← g + μ v  if nesterov,  else  g ← v            (if μ ≠ 0)
        p ← p − η g

    With a constant ``η`` this gives the same trajectory as the other common form
    ``u ← μ u − η g, p ← p + u`` (``u = −η v``); the two differ once ``η`` changes
    (``derivations/momentum.py``). With a constant gradient the step approaches ``η g / (1 − μ)``.

    Every gradient is checked (shape, finite values) before any parameter changes, so a bad
    gradient never leaves the model half-updated. Parameters whose ``grad`` is ``None`` are
    skipped, like PyTorch.

    Examples
    --------
    >>> import numpy as np, numnet
    >>> model, loss_fn = numnet.Linear(3, 1, rng=0), numnet.MSELoss()
    >>> opt = numnet.SGD(model.parameters(), lr=0.1, momentum=0.9)
    >>> x, y = np.ones((4, 3)), np.zeros((4, 1))
    >>> loss = loss_fn(model(x), y)
    >>> _ = model.backward(loss_fn.backward())
    >>> opt.step()
    >>> opt.zero_grad()
    """

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0, nesterov=False):
        if isinstance(params, (Module, Parameter)):
            raise TypeError(
                f"SGD: params must be an iterable of Parameters (e.g. model.parameters()), "
                f"got a {type(params).__name__}"
            )
        try:
            params = list(params)
        except TypeError:
            raise TypeError(
                f"SGD: params must be an iterable of Parameters, got {type(params).__name__}"
            ) from None
        if not params:
            raise ValueError("SGD: got an empty list of parameters")
        for i, p in enumerate(params):
            if not isinstance(p, Parameter):
                raise TypeError(f"SGD: params[{i}] is a {type(p).__name__}, not a Parameter")
        if len({id(p) for p in params}) != len(params):
            raise ValueError("SGD: a Parameter appears more than once in params")
        self.params = params
        self.lr = _check_number("lr", lr, positive=True)
        self.momentum = _check_number("momentum", momentum)
        self.weight_decay = _check_number("weight_decay", weight_decay)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"SGD: nesterov must be True or False, got {nesterov!r}")
        if nesterov and self.momentum == 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0 (as in torch.optim.SGD)")
        self.nesterov = bool(nesterov)
        self.momentum_buffers = [None] * len(params)

    def _checked_grads(self):
        """Every parameter's gradient, validated before anything is changed."""
        lr = _check_number("lr", self.lr, positive=True)  # a schedule or a user may have set it
        grads = []
        for i, p in enumerate(self.params):
            if p.data.dtype.kind != "f":
                raise TypeError(f"SGD: params[{i}].data must be a float array, got {p.data.dtype}")
            g = p.grad
            if g is None:
                grads.append(None)
                continue
            g = np.asarray(g)
            if g.shape != p.data.shape:
                raise ValueError(
                    f"SGD: params[{i}] has data of shape {shape_str(p.data.shape)} but grad of "
                    f"shape {shape_str(g.shape)}"
                )
            if g.dtype.kind != "f":
                raise TypeError(f"SGD: params[{i}].grad must be a float array, got {g.dtype}")
            if not np.isfinite(g).all():
                raise ValueError(f"SGD: params[{i}].grad contains NaN or infinity; no update made")
            buf = self.momentum_buffers[i]
            if buf is not None and buf.shape != g.shape:
                raise ValueError(
                    f"SGD: params[{i}] changed shape to {shape_str(g.shape)} since its momentum "
                    f"buffer was made with {shape_str(buf.shape)}"
                )
            grads.append(g.astype(p.data.dtype, copy=False))
        return lr, grads

    def step(self):
        """Update every parameter once from its current ``grad``."""
        lr, grads = self._checked_grads()
        mu, wd = self.momentum, self.weight_decay
        for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            if g is None:
                continue
            if wd != 0:
                g = g + wd * p.data
            if mu != 0:
                buf = self.momentum_buffers[i]
                if buf is None:
                    buf = self.momentum_buffers[i] = g.copy()
                else:
                    buf *= mu  # in place: the buffer belongs to the optimiser
                    buf += g
                g = g + mu * buf if self.nesterov else buf
            p.data -= lr * g

    def zero_grad(self):
        """Reset every parameter's gradient to zeros."""
        for p in self.params:
            p.zero_grad()

    def __repr__(self):
        return (
            f"SGD(lr={self.lr:g}, momentum={self.momentum:g}, "
            f"weight_decay={self.weight_decay:g}, nesterov={self.nesterov})"
        )
