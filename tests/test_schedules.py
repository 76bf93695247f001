"""Learning-rate schedules against torch.optim.lr_scheduler's closed forms, written out here.

StepLR: lr = lr0 · gamma^(epoch // step_size); ExponentialLR: lr = lr0 · gamma^epoch;
ConstantLR: lr = lr0 · factor for epoch < total_iters, then lr0. ``scheduler.step()`` is called
once per epoch, after the optimiser's steps; ``epoch`` counts those calls.
"""

import numpy as np
import pytest

from numnet import (
    SGD,
    Adagrad,
    Adam,
    AdamW,
    ConstantLR,
    CosineAnnealingLR,
    ExponentialLR,
    MultiStepLR,
    Parameter,
    RMSprop,
    StepLR,
)

EPOCHS = 50
LR0 = 0.2


def make_optimizer(lr=LR0, **options):
    return SGD([Parameter(np.ones(3))], lr=lr, **options)


def lrs_seen(scheduler, epochs=EPOCHS):
    """The lr used in each epoch: read it, then step the schedule at the end of the epoch."""
    seen = []
    for _ in range(epochs):
        seen.append(scheduler.optimizer.lr)
        scheduler.step()
    return np.array(seen)


@pytest.mark.parametrize(("step_size", "gamma"), [(1, 0.5), (7, 0.1), (10, 0.9), (3, 1.5)])
def test_step_lr(step_size, gamma):
    expected = [LR0 * gamma ** (epoch // step_size) for epoch in range(EPOCHS)]
    np.testing.assert_allclose(
        lrs_seen(StepLR(make_optimizer(), step_size, gamma)), expected, rtol=1e-13
    )


def test_step_lr_default_gamma_is_one_tenth():
    scheduler = StepLR(make_optimizer(), step_size=2)
    np.testing.assert_allclose(
        lrs_seen(scheduler, 6), [0.2, 0.2, 0.02, 0.02, 0.002, 0.002], rtol=1e-13
    )


@pytest.mark.parametrize("gamma", [0.5, 0.93, 0.999, 1.02])
def test_exponential_lr(gamma):
    expected = [LR0 * gamma**epoch for epoch in range(EPOCHS)]
    np.testing.assert_allclose(
        lrs_seen(ExponentialLR(make_optimizer(), gamma)), expected, rtol=1e-13
    )


@pytest.mark.parametrize(("factor", "total_iters"), [(1 / 3, 5), (0.25, 1), (0.5, 12), (1.0, 3)])
def test_constant_lr(factor, total_iters):
    expected = [LR0 * (factor if epoch < total_iters else 1.0) for epoch in range(EPOCHS)]
    np.testing.assert_allclose(
        lrs_seen(ConstantLR(make_optimizer(), factor, total_iters)), expected, rtol=1e-13
    )


def test_constant_lr_defaults():
    scheduler = ConstantLR(make_optimizer())
    np.testing.assert_allclose(lrs_seen(scheduler, 7), [LR0 / 3] * 5 + [LR0] * 2, rtol=1e-13)


def test_get_last_lr_and_counters():
    optimizer = make_optimizer()
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    assert scheduler.get_last_lr() == [LR0] and scheduler.last_epoch == 0
    for _ in range(5):
        scheduler.step()
    assert scheduler.last_epoch == 5
    assert scheduler.get_last_lr() == [optimizer.lr]
    np.testing.assert_allclose(optimizer.lr, LR0 * 0.5**2, rtol=1e-13)
    assert scheduler.base_lr == LR0


def test_schedule_drives_sgd_updates():
    """With a constant unit gradient and no momentum, each epoch moves p by exactly the lr."""
    p = Parameter(np.zeros(1))
    optimizer = SGD([p], lr=LR0)
    scheduler = ExponentialLR(optimizer, gamma=0.8)
    steps_per_epoch = 3
    for epoch in range(6):
        before = p.data.copy()
        for _ in range(steps_per_epoch):
            p.grad = np.ones(1)
            optimizer.step()
        np.testing.assert_allclose(before - p.data, steps_per_epoch * LR0 * 0.8**epoch, rtol=1e-12)
        scheduler.step()


def test_schedules_compose_with_a_user_changing_lr():
    """Like PyTorch, a decay multiplies the *current* lr."""
    optimizer = make_optimizer()
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    scheduler.step()
    optimizer.lr = 1.0
    scheduler.step()
    assert optimizer.lr == 0.5


SCHEDULES = {
    "StepLR": lambda opt: StepLR(opt, step_size=3, gamma=0.5),
    "ExponentialLR": lambda opt: ExponentialLR(opt, gamma=0.9),
    "ConstantLR": lambda opt: ConstantLR(opt, factor=0.5, total_iters=4),
    "MultiStepLR": lambda opt: MultiStepLR(opt, milestones=[2, 5], gamma=0.5),
    "CosineAnnealingLR": lambda opt: CosineAnnealingLR(opt, T_max=4),
}


@pytest.mark.parametrize("optimizer", [Adam, AdamW, RMSprop, Adagrad])
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_every_schedule_drives_every_optimiser(schedule, optimizer):
    """The same lr sequence as with SGD, and each epoch's steps use the lr set for it."""
    expected = lrs_seen(SCHEDULES[schedule](make_optimizer()), 12)
    p = Parameter(np.zeros(1))
    scheduler = SCHEDULES[schedule](optimizer([p], lr=LR0))
    seen = []
    for _ in range(12):
        seen.append(scheduler.optimizer.lr)
        p.grad = np.ones(1)
        before = p.data.copy()
        scheduler.optimizer.step()
        assert (before - p.data)[0] > 0 or seen[-1] == 0.0
        scheduler.step()
    np.testing.assert_array_equal(seen, expected)


@pytest.mark.parametrize(
    "make",
    [
        lambda opt: StepLR(opt, step_size=0),
        lambda opt: StepLR(opt, step_size=2.5),
        lambda opt: StepLR(opt, step_size=2, gamma=0.0),
        lambda opt: StepLR(opt, step_size=2, gamma=-0.5),
        lambda opt: ExponentialLR(opt, gamma=float("inf")),
        lambda opt: ExponentialLR(opt, gamma=0.0),
        lambda opt: ConstantLR(opt, factor=1.5),
        lambda opt: ConstantLR(opt, factor=0.0),
        lambda opt: ConstantLR(opt, factor=0.5, total_iters=0),
    ],
)
def test_bad_schedule_arguments_raise_value_error(make):
    with pytest.raises(ValueError, match="LR"):
        make(make_optimizer())


def test_schedule_needs_an_optimizer_with_lr():
    with pytest.raises(TypeError, match="optimiser with a numeric attribute lr"):
        StepLR(object(), step_size=2)
    with pytest.raises(TypeError, match="gamma must be a real number"):
        ExponentialLR(make_optimizer(), gamma="0.9")
