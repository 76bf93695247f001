"""numnet.MultiStepLR against torch.optim.lr_scheduler.MultiStepLR's closed form.

lr(epoch) = lr0 · gamma^(number of milestones m with m <= epoch), a milestone listed n times
counting n times. ``scheduler.step()`` is called once per epoch, after the optimiser's steps.
"""

import numpy as np
import pytest

from numnet import SGD, Adam, MultiStepLR, Parameter

EPOCHS = 50
LR0 = 0.2


def lrs_seen(scheduler, epochs=EPOCHS):
    """The lr used in each epoch: read it, then step the schedule at the end of the epoch."""
    seen = []
    for _ in range(epochs):
        seen.append(scheduler.optimizer.lr)
        scheduler.step()
    return np.array(seen)


def closed_form(milestones, gamma, epochs=EPOCHS):
    return [LR0 * gamma ** sum(1 for m in milestones if m <= e) for e in range(epochs)]


@pytest.mark.parametrize(
    ("milestones", "gamma"),
    [
        ([5, 12, 30], 0.1),
        ([1], 0.5),
        ([30, 5, 12], 0.5),
        ([5, 12, 12, 30], 0.5),
        ([60], 0.1),
        ((3, 6, 9), 1.5),
    ],
)
def test_multistep_lr(milestones, gamma):
    optimizer = SGD([Parameter(np.ones(3))], lr=LR0)
    np.testing.assert_allclose(
        lrs_seen(MultiStepLR(optimizer, milestones, gamma)),
        closed_form(milestones, gamma),
        rtol=1e-13,
    )


def test_by_hand_with_default_gamma():
    # Milestones 2 and 4: epochs 0-1 at 0.2, epochs 2-3 at 0.02, from epoch 4 at 0.002.
    optimizer = SGD([Parameter(np.ones(3))], lr=LR0)
    np.testing.assert_allclose(
        lrs_seen(MultiStepLR(optimizer, [2, 4]), 6),
        [0.2, 0.2, 0.02, 0.02, 0.002, 0.002],
        rtol=1e-13,
    )


def test_works_with_adam_and_drives_its_steps():
    # Adam's first step is lr · g/(|g| + ε): the milestone's decay shows in the parameter.
    p = Parameter(np.zeros(1))
    optimizer = Adam([p], lr=0.1, betas=(0.0, 0.0), eps=0.0)
    scheduler = MultiStepLR(optimizer, milestones=[1], gamma=0.5)
    for expected_step in (0.1, 0.05, 0.05):
        before = p.data.copy()
        p.grad = np.ones(1)
        optimizer.step()
        np.testing.assert_allclose(before - p.data, expected_step, rtol=1e-15)
        scheduler.step()


@pytest.mark.parametrize(
    ("milestones", "error", "message"),
    [
        ([0, 5], ValueError, r"MultiStepLR: each milestone must be a positive integer, got 0"),
        ([5, -1], ValueError, "got -1"),
        ([2.5], ValueError, "got 2.5"),
        (5, TypeError, "MultiStepLR: milestones must be a list of epochs, got int"),
    ],
)
def test_bad_milestones(milestones, error, message):
    with pytest.raises(error, match=message):
        MultiStepLR(SGD([Parameter(np.ones(1))], lr=0.1), milestones)


def test_bad_gamma():
    with pytest.raises(ValueError, match=r"MultiStepLR: gamma must be > 0, got 0\.0"):
        MultiStepLR(SGD([Parameter(np.ones(1))], lr=0.1), [2], gamma=0.0)
