"""Learning-rate schedules with ``torch.optim.lr_scheduler``'s semantics.

A schedule holds an optimiser and sets its ``lr``. Call :meth:`LRScheduler.step` once per
epoch, after the epoch's optimiser steps::

    scheduler = StepLR(optimizer, step_size=10, gamma=0.5)
    for epoch in range(epochs):
        ...                      # optimizer.step() for every batch
        scheduler.step()

Like PyTorch, each schedule multiplies the optimiser's *current* ``lr`` by a factor at the
epochs where it changes (so it composes with a user who also sets ``lr``); with nothing else
touching ``lr`` this is the closed form given in each class.
"""

import numpy as np

from numnet._validate import check_positive_int


def _check_factor(who, name, value, *, upper=None):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{who}: {name} must be a number, got {type(value).__name__}")
    value = float(value)
    if not (np.isfinite(value) and value > 0) or (upper is not None and value > upper):
        limit = f"in (0, {upper}]" if upper is not None else "finite and > 0"
        raise ValueError(f"{who}: {name} must be {limit}, got {value!r}")
    return value


class LRScheduler:
    """Base class: remembers the initial ``lr`` and counts epochs in ``last_epoch``.

    Subclasses implement ``_factor(epoch)``: the number the current ``lr`` is multiplied by
    when ``last_epoch`` becomes ``epoch`` (``epoch >= 1``).

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
        self.optimizer.lr = self.optimizer.lr * self._factor(self.last_epoch)

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
