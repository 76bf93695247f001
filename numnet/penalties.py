"""Weight penalties added to a loss: L2 (weight decay), L1 (LASSO) and their elastic-net mix.

Each function takes a list of parameters and a strength and returns ``(value, grads)``: the
penalty, to add to the loss, and one gradient array per parameter, to add to its ``.grad``::

    value, grads = numnet.l2_penalty(weights, 1e-3)
    for p, g in zip(weights, grads):
        p.accumulate(g)

Usually only the weights are penalised, not the biases (a bias does not make a layer more
sensitive to its input). ``SGD(..., weight_decay=λ)`` instead decays *every* parameter it
holds; for the weights it gives it the same step as ``l2_penalty(weights, λ)`` (derived in
``derivations/penalties.py``).
"""

import numbers

import numpy as np

from numnet.module import Parameter


def l2_penalty(parameters, strength):
    """``(λ/2) Σ‖w‖²`` and its gradient ``λ w`` for each parameter.

    Parameters
    ----------
    parameters : list of Parameter
        The arrays to penalise, usually the layers' ``weight``.
    strength : float ≥ 0
        ``λ``. The ½ makes the gradient ``λ w``, the same as ``SGD(weight_decay=λ)``
        (Keras' ``l2(λ)`` has no ½, so its gradient is ``2 λ w``).

    Returns
    -------
    value : float
    grads : list of ndarray, one per parameter, each with that parameter's shape and dtype
    """
    arrays = _arrays("l2_penalty", parameters)
    strength = _check_strength("l2_penalty", "strength", strength)
    value = 0.5 * strength * sum(float(np.sum(w * w)) for w in arrays)
    return value, [w * w.dtype.type(strength) for w in arrays]


def l1_penalty(parameters, strength):
    """``λ Σ‖w‖₁`` and its subgradient ``λ sign(w)`` (0 where ``w = 0``) for each parameter.

    Parameters
    ----------
    parameters : list of Parameter
    strength : float ≥ 0
        ``λ``.

    Returns
    -------
    value : float
    grads : list of ndarray, one per parameter

    Notes
    -----
    ``|w|`` has no derivative at 0; every value in ``[−λ, λ]`` is a subgradient there and,
    like PyTorch's ``sign``, this returns 0.  A plain (sub)gradient step moves weights
    towards 0 by a constant ``lr · λ`` but rarely lands exactly on 0.
    """
    arrays = _arrays("l1_penalty", parameters)
    strength = _check_strength("l1_penalty", "strength", strength)
    value = strength * sum(float(np.sum(np.abs(w))) for w in arrays)
    return value, [np.sign(w) * w.dtype.type(strength) for w in arrays]


def elastic_net_penalty(parameters, l1=0.0, l2=0.0):
    """The "LASSO + L2" mix ``λ₁ Σ‖w‖₁ + (λ₂/2) Σ‖w‖²`` and its gradient ``λ₁ sign(w) + λ₂ w``.

    Parameters
    ----------
    parameters : list of Parameter
    l1, l2 : float ≥ 0
        ``λ₁`` and ``λ₂``; with ``l2 = 0`` this is :func:`l1_penalty`, with ``l1 = 0``
        :func:`l2_penalty`.

    Returns
    -------
    value : float
    grads : list of ndarray, one per parameter
    """
    l1 = _check_strength("elastic_net_penalty", "l1", l1)
    l2 = _check_strength("elastic_net_penalty", "l2", l2)
    value1, grads1 = l1_penalty(parameters, l1)
    value2, grads2 = l2_penalty(parameters, l2)
    return value1 + value2, [g1 + g2 for g1, g2 in zip(grads1, grads2, strict=True)]


def _arrays(who, parameters):
    if isinstance(parameters, Parameter):
        raise TypeError(f"{who}: expected a list of Parameters, got a single Parameter (wrap it)")
    try:
        items = list(parameters)
    except TypeError:
        raise TypeError(
            f"{who}: expected a list of Parameters, got {type(parameters).__name__}"
        ) from None
    for i, p in enumerate(items):
        if not isinstance(p, Parameter):
            raise TypeError(f"{who}: item {i} is a {type(p).__name__}, not a Parameter")
    return [p.data for p in items]


def _check_strength(who, name, value):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not np.isfinite(value)
        or value < 0
    ):
        raise ValueError(f"{who}: {name} must be a finite number ≥ 0, got {value!r}")
    return float(value)
