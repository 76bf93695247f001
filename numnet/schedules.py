"""Learning-rate schedules with ``torch.optim.lr_scheduler``'s semantics.

A schedule holds an optimiser and sets its ``lr``. Call :meth:`LRScheduler.step` once per
epoch, after the epoch's optimiser steps::

    scheduler = StepLR(optimizer, step_size=10, gamma=0.5)
    for epoch in range(epochs):
        ...                      # optimizer.step() for every batch
        scheduler.step()

Like PyTorch, each schedule computes the next ``lr`` from the optimiser's *current* one (most
multiply it by a factor at the epochs where it changes, so they compose with a user who also
sets ``lr``); with nothing else touching ``lr`` this is the closed form given in each class.
:class:`ReduceLROnPlateau` is the exception: it watches a metric, ``scheduler.step(val_loss)``.
Every schedule works with every optimiser of :mod:`numnet.optim` (anything with a float ``lr``).
"""

import math
from collections import Counter

import numpy as np

from numnet._validate import check_number, check_positive_int


def _check_count(who, name, value):
    """``value`` as an int ``>= 0``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{who}: {name} must be an integer >= 0, got {value!r}")
    return int(value)


def _check_factor(who, name, value, *, upper=None):
    """``value`` as a float in ``(0, upper]`` (``> 0`` if no ``upper``)."""
    return check_number(who, name, value, low=0, open_low=True, high=upper)


class LRScheduler:
    """Base class: remembers the initial ``lr`` and counts epochs in ``last_epoch``.

    Subclasses implement ``_factor(epoch)``: the number the current ``lr`` is multiplied by
    when ``last_epoch`` becomes ``epoch`` (``epoch >= 1``), or, for a rule that is not a
    factor, ``_next_lr(epoch, lr)``: the new ``lr`` from the current one.

    Attributes
    ----------
    optimizer : object with a float attribute ``lr`` (e.g. :class:`numnet.SGD`)
    base_lr : float
        The optimiser's ``lr`` when the schedule was made (PyTorch's ``initial_lr``).
    last_epoch : int
        How many times :meth:`step` has been called.
    """

    def __init__(self, optimizer):
        lr = getattr(optimizer, "lr", None)
        if isinstance(lr, bool) or not isinstance(lr, (int, float, np.integer, np.floating)):
            raise TypeError(
                f"{self.name}: expected an optimiser with a numeric attribute lr "
                f"(e.g. numnet.SGD), got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.base_lr = float(lr)
        self.last_epoch = 0

    @property
    def name(self):
        return type(self).__name__

    def step(self):
        """Advance one epoch and set the optimiser's ``lr``."""
        self.last_epoch += 1
        self.optimizer.lr = self._next_lr(self.last_epoch, self.optimizer.lr)

    def _next_lr(self, epoch, lr):
        return lr * self._factor(epoch)

    def get_last_lr(self):
        """The learning rate set by the last :meth:`step`, as a one-item list (like PyTorch)."""
        return [self.optimizer.lr]

    def _factor(self, epoch):
        raise NotImplementedError

    def __repr__(self):
        return f"{self.name}(base_lr={self.base_lr:g}, last_epoch={self.last_epoch})"


class StepLR(LRScheduler):
    """Multiply ``lr`` by ``gamma`` every ``step_size`` epochs: ``lr = lr₀ · γ^⌊epoch / step_size⌋``.

    Parameters
    ----------
    optimizer : numnet.SGD
    step_size : int
        Epochs between two decays.
    gamma : float, default 0.1
        Decay factor, ``0 < gamma``.
    """

    def __init__(self, optimizer, step_size, gamma=0.1):
        self.step_size = check_positive_int("StepLR", step_size, "step_size")
        self.gamma = _check_factor("StepLR", "gamma", gamma)
        super().__init__(optimizer)

    def _factor(self, epoch):
        return self.gamma if epoch % self.step_size == 0 else 1.0


class ExponentialLR(LRScheduler):
    """Multiply ``lr`` by ``gamma`` every epoch: ``lr = lr₀ · γ^epoch``.

    Parameters
    ----------
    optimizer : numnet.SGD
    gamma : float
        Decay factor, ``0 < gamma``.
    """

    def __init__(self, optimizer, gamma):
        self.gamma = _check_factor("ExponentialLR", "gamma", gamma)
        super().__init__(optimizer)

    def _factor(self, epoch):
        return self.gamma


class ConstantLR(LRScheduler):
    """``lr = lr₀ · factor`` for the first ``total_iters`` epochs, then ``lr₀`` (PyTorch's ``ConstantLR``).

    Note: a *constant* learning rate needs no schedule at all; this is PyTorch's short
    warm-up at a reduced rate. The factor is applied as soon as the schedule is made.

    Parameters
    ----------
    optimizer : numnet.SGD
    factor : float, default 1/3
        ``0 < factor <= 1``.
    total_iters : int, default 5
        Number of epochs at the reduced rate.
    """

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5):
        self.factor = _check_factor("ConstantLR", "factor", factor, upper=1.0)
        self.total_iters = check_positive_int("ConstantLR", total_iters, "total_iters")
        super().__init__(optimizer)
        self.optimizer.lr = self.optimizer.lr * self.factor

    def _factor(self, epoch):
        return 1.0 / self.factor if epoch == self.total_iters else 1.0


class MultiStepLR(LRScheduler):
    """Multiply ``lr`` by ``gamma`` at each milestone epoch: ``lr = lr₀ · γ^(number of
    milestones <= epoch)``, like ``torch.optim.lr_scheduler.MultiStepLR``.

    Parameters
    ----------
    optimizer : numnet.SGD, numnet.Adam, ...
    milestones : iterable of int
        Epochs (``>= 1``) at which to decay, in any order. As in PyTorch, a milestone listed
        ``n`` times multiplies ``lr`` by ``γⁿ`` at that epoch.
    gamma : float, default 0.1
        Decay factor, ``0 < gamma``.
    """

    def __init__(self, optimizer, milestones, gamma=0.1):
        try:
            milestones = list(milestones)
        except TypeError:
            raise TypeError(
                f"MultiStepLR: milestones must be a list of epochs, got {type(milestones).__name__}"
            ) from None
        for m in milestones:
            check_positive_int("MultiStepLR", m, "each milestone")
        self.milestones = Counter(int(m) for m in milestones)
        self.gamma = _check_factor("MultiStepLR", "gamma", gamma)
        super().__init__(optimizer)

    def _factor(self, epoch):
        return self.gamma ** self.milestones[epoch] if epoch in self.milestones else 1.0


class CosineAnnealingLR(LRScheduler):
    """Anneal ``lr`` from ``lr₀`` to ``eta_min`` along half a cosine over ``T_max`` epochs,
    computed exactly as ``torch.optim.lr_scheduler.CosineAnnealingLR`` does.

    With nothing else touching ``lr`` the value is the closed form

    .. code-block:: text

        lr(epoch) = eta_min + (lr₀ − eta_min) · (1 + cos(π · epoch / T_max)) / 2

    which goes on as a cosine of period ``2 T_max`` after ``T_max`` (back up to ``lr₀`` at
    ``2 T_max``; this is not a restart). PyTorch, and so numnet, computes it *recursively*
    from the current ``lr`` (so that it follows a user who changes ``lr``):

    .. code-block:: text

        lr ← eta_min + (lr − eta_min) · (1 + cos(π e / T_max)) / (1 + cos(π (e − 1) / T_max))
        lr ← lr + (lr₀ − eta_min) · (1 − cos(π / T_max)) / 2     when (e − 1 − T_max) % (2 T_max) == 0

    for ``e = last_epoch`` (the second line where the first would divide by zero). The two
    forms agree to rounding error (about 1e-16 relative over ``3 T_max`` epochs).

    Parameters
    ----------
    optimizer : numnet.SGD, numnet.Adam, ...
    T_max : int
        Epochs from ``lr₀`` down to ``eta_min`` (half a period).
    eta_min : float, default 0
        The lowest learning rate, ``>= 0``. With ``eta_min = 0`` the rate is exactly 0 at
        epoch ``T_max``.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0):  # T_max: PyTorch's name
        self.T_max = check_positive_int("CosineAnnealingLR", T_max, "T_max")
        self.eta_min = check_number("CosineAnnealingLR", "eta_min", eta_min, low=0)
        super().__init__(optimizer)

    def _next_lr(self, epoch, lr):
        t_max, eta_min = self.T_max, self.eta_min
        if (epoch - 1 - t_max) % (2 * t_max) == 0:
            return lr + (self.base_lr - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
        ratio = (1 + math.cos(math.pi * epoch / t_max)) / (
            1 + math.cos(math.pi * (epoch - 1) / t_max)
        )
        return ratio * (lr - eta_min) + eta_min


class ReduceLROnPlateau(LRScheduler):
    """Multiply ``lr`` by ``factor`` when a metric has stopped improving, like
    ``torch.optim.lr_scheduler.ReduceLROnPlateau``. Call ``step(metric)`` once per epoch
    with the epoch's metric (e.g. the validation loss).

    Parameters
    ----------
    optimizer : numnet.SGD, numnet.Adam, ...
    mode : {"min", "max"}, default "min"
        Whether the metric should go down (a loss) or up (an accuracy).
    factor : float, default 0.1
        ``0 < factor < 1``: ``lr ← max(lr · factor, min_lr)`` at a reduction.
    patience : int, default 10
        Number of epochs without improvement that are tolerated: the reduction happens at
        the ``patience + 1``-th bad epoch in a row.
    threshold : float, default 1e-4
        How much better than the best so far a metric must be to count as an improvement.
    threshold_mode : {"rel", "abs"}, default "rel"
        ``"rel"``: better than ``best · (1 − threshold)`` in min mode, ``best · (1 + threshold)``
        in max mode; ``"abs"``: better than ``best − threshold``, ``best + threshold``.
    cooldown : int, default 0
        Epochs after a reduction during which bad epochs are not counted.
    min_lr : float, default 0
        The rate is never reduced below this.
    eps : float, default 1e-8
        A reduction smaller than ``eps`` (``old lr − new lr <= eps``) is not made.

    Attributes
    ----------
    best : float
        The best metric so far (``inf`` in min mode, ``-inf`` in max mode before the first).
    num_bad_epochs : int
        Epochs in a row without improvement (reset by a reduction and during cooldown).
    cooldown_counter : int
        Cooldown epochs left.

    Notes
    -----
    One ``step(metric)``, exactly as PyTorch orders it: (1) an improvement sets ``best`` and
    resets the bad-epoch count, anything else adds one bad epoch; (2) during cooldown the
    counter ticks down and the bad-epoch count is reset to 0; (3) more than ``patience`` bad
    epochs reduce ``lr``, start the cooldown and reset the count.
    """

    def __init__(
        self,
        optimizer,
        mode="min",
        factor=0.1,
        patience=10,
        threshold=1e-4,
        threshold_mode="rel",
        cooldown=0,
        min_lr=0.0,
        eps=1e-8,
    ):
        who = "ReduceLROnPlateau"
        if mode not in ("min", "max"):
            raise ValueError(f"{who}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"{who}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}"
            )
        self.mode, self.threshold_mode = mode, threshold_mode
        self.factor = _check_factor(who, "factor", factor)
        if self.factor >= 1:
            raise ValueError(f"{who}: factor must be in (0, 1), got {self.factor!r}")
        self.patience = _check_count(who, "patience", patience)
        self.threshold = check_number(who, "threshold", threshold, low=0)
        self.cooldown = _check_count(who, "cooldown", cooldown)
        self.min_lr = check_number(who, "min_lr", min_lr, low=0)
        self.eps = check_number(who, "eps", eps, low=0)
        super().__init__(optimizer)
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    def step(self, metric):
        """Record this epoch's ``metric`` (a finite number) and reduce ``lr`` if it is time."""
        metric = self._check_metric(metric)
        self.last_epoch += 1
        if self.is_better(metric, self.best):
            self.best = metric
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during cooldown do not count
        if self.num_bad_epochs > self.patience:
            old_lr = self.optimizer.lr
            new_lr = max(old_lr * self.factor, self.min_lr)
            if old_lr - new_lr > self.eps:
                self.optimizer.lr = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0

    def is_better(self, metric, best):
        """Whether ``metric`` improves on ``best`` by more than the threshold."""
        if self.mode == "min" and self.threshold_mode == "rel":
            return metric < best * (1.0 - self.threshold)
        if self.mode == "min":
            return metric < best - self.threshold
        if self.threshold_mode == "rel":
            return metric > best * (self.threshold + 1.0)
        return metric > best + self.threshold

    def _check_metric(self, metric):
        if isinstance(metric, np.ndarray) and metric.shape == ():
            metric = metric[()]
        if isinstance(metric, bool) or not isinstance(
            metric, (int, float, np.integer, np.floating)
        ):
            raise TypeError(
                f"ReduceLROnPlateau: step(metric) needs a number, got {type(metric).__name__}"
            )
        if not np.isfinite(metric):
            raise ValueError(f"ReduceLROnPlateau: the metric must be finite, got {metric!r}")
        return float(metric)
