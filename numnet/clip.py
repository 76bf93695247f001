"""Gradient clipping with ``torch.nn.utils``' semantics: call between backward and ``step``.

    loss_fn(model(x), y)
    model.backward(loss_fn.backward())
    clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()

Both functions change the parameters' ``.grad`` in place (the trailing ``_``, as in PyTorch),
skip parameters whose ``grad`` is ``None``, and check every gradient before changing any.
"""

import math

import numpy as np

from numnet._validate import check_number as _check_number
from numnet.module import Parameter
from numnet.optim import checked_grad


def _grads(who, params):
    """The parameters' validated gradients (``None`` ones left out); a single Parameter is
    accepted too, as PyTorch accepts a single tensor."""
    if isinstance(params, Parameter):
        params = [params]
    try:
        params = list(params)
    except TypeError:
        raise TypeError(
            f"{who}: params must be a Parameter or an iterable of Parameters, "
            f"got {type(params).__name__}"
        ) from None
    for i, p in enumerate(params):
        if not isinstance(p, Parameter):
            raise TypeError(f"{who}: params[{i}] is a {type(p).__name__}, not a Parameter")
    grads = [(p, checked_grad(who, i, p)) for i, p in enumerate(params)]
    return [(p, g) for p, g in grads if g is not None]


def clip_grad_norm_(params, max_norm, norm_type=2.0):
    """Scale all gradients together so that their total norm is at most ``max_norm``.

    Parameters
    ----------
    params : Parameter or iterable of Parameter
        Usually ``model.parameters()``.
    max_norm : float
        The largest total norm allowed, ``>= 0``.
    norm_type : float, default 2.0
        ``p >= 1`` of the p-norm, or ``float('inf')`` for the largest absolute value.

    Returns
    -------
    float
        The total norm of the gradients *before* clipping: the ``p``-norm of all gradients
        seen as one long vector (0.0 if no parameter has a gradient).

    Notes
    -----
    As ``torch.nn.utils.clip_grad_norm_``: the total norm is the ``p``-norm of the vector of
    each gradient's ``p``-norm (the same number as the norm of everything concatenated), and
    every gradient is multiplied by ``min(max_norm / (total + 1e-6), 1)``. The ``1e-6`` keeps
    the division finite when all gradients are zero; it also means a clipped gradient ends
    up with a norm slightly *below* ``max_norm``. Clipping never changes a gradient's
    direction, only the length of the whole update.
    """
    who = "clip_grad_norm_"
    max_norm = _check_number(who, "max_norm", max_norm, low=0)
    if isinstance(norm_type, bool) or not isinstance(
        norm_type, (int, float, np.integer, np.floating)
    ):
        raise TypeError(
            f"{who}: norm_type must be a real number, got {norm_type!r} ({type(norm_type).__name__})"
        )
    norm_type = float(norm_type)
    if not norm_type >= 1:  # also rejects NaN
        raise ValueError(f"{who}: norm_type must be >= 1 or float('inf'), got {norm_type!r}")
    grads = _grads(who, params)
    if not grads:
        return 0.0
    norms = [np.linalg.norm(g.ravel(), ord=norm_type) for _, g in grads]
    total = float(np.linalg.norm(np.array(norms, dtype=np.float64), ord=norm_type))
    if not math.isfinite(total):
        raise ValueError(f"{who}: the total norm of the gradients overflowed to {total}")
    scale = min(max_norm / (total + 1e-6), 1.0)
    if scale < 1.0:
        for p, g in grads:
            g *= scale
            p.grad = g
    return total


def clip_grad_value_(params, clip_value):
    """Clip every gradient element to ``[-clip_value, clip_value]``, as
    ``torch.nn.utils.clip_grad_value_``.

    Parameters
    ----------
    params : Parameter or iterable of Parameter
    clip_value : float
        ``>= 0``.

    Notes
    -----
    Unlike :func:`clip_grad_norm_` this changes the gradient's direction (each coordinate is
    clipped on its own); it returns ``None``.
    """
    who = "clip_grad_value_"
    clip_value = _check_number(who, "clip_value", clip_value, low=0)
    for p, g in _grads(who, params):
        np.clip(g, -clip_value, clip_value, out=g)
        p.grad = g
