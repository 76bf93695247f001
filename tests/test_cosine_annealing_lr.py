"""numnet.CosineAnnealingLR against torch.optim.lr_scheduler.CosineAnnealingLR.

The documentation gives the closed form lr = η_min + (lr0 − η_min)(1 + cos(π·epoch/T_max))/2
and the recursive rule PyTorch's ``step`` actually uses,

    η_{t+1} = η_min + (η_t − η_min)(1 + cos((T_cur+1)π/T_max)) / (1 + cos(T_cur π/T_max)),
    η_{t+1} = η_t + (η_max − η_min)(1 − cos(π/T_max))/2   if (T_cur + 1 − 1 − T_max) % (2 T_max) == 0,

written out here in a plain loop.
"""

import math

import numpy as np
import pytest

from numnet import SGD, Adagrad, Adam, AdamW, CosineAnnealingLR, Parameter, RMSprop

LR0 = 0.2


def lrs_seen(scheduler, epochs):
    seen = []
    for _ in range(epochs):
        seen.append(scheduler.optimizer.lr)
        scheduler.step()
    return np.array(seen)


def recursive_reference(lr0, t_max, eta_min, epochs):
    lr, seen = lr0, []
    for epoch in range(epochs):
        seen.append(lr)
        e = epoch + 1  # the epoch the step moves to
        if (e - 1 - t_max) % (2 * t_max) == 0:
            lr = lr + (lr0 - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
        else:
            num = 1 + math.cos(math.pi * e / t_max)
            den = 1 + math.cos(math.pi * (e - 1) / t_max)
            lr = num / den * (lr - eta_min) + eta_min
    return seen


def closed_form(lr0, t_max, eta_min, epochs):
    return [
        eta_min + (lr0 - eta_min) * (1 + math.cos(math.pi * e / t_max)) / 2 for e in range(epochs)
    ]


CASES = [(10, 0.0), (7, 0.01), (50, 1e-4), (1, 0.0), (3, 0.05), (4, 0.5)]


@pytest.mark.parametrize(("t_max", "eta_min"), CASES)
def test_cosine_annealing_follows_torchs_recursive_rule(t_max, eta_min):
    epochs = max(50, 3 * t_max)
    scheduler = CosineAnnealingLR(SGD([Parameter(np.ones(2))], lr=LR0), t_max, eta_min)
    # Same operations in the same order: equal to the last bit, up to reassociation.
    np.testing.assert_allclose(
        lrs_seen(scheduler, epochs),
        recursive_reference(LR0, t_max, eta_min, epochs),
        rtol=1e-15,
        atol=1e-17,
    )


@pytest.mark.parametrize(("t_max", "eta_min"), CASES)
def test_recursive_rule_stays_on_the_closed_form(t_max, eta_min):
    # Each recursive step rounds once or twice (~1e-16 relative); over 3·T_max epochs the two
    # forms differ by at most ~1e-16 · LR0 per epoch: 1e-14 absolute is ample.
    epochs = 3 * t_max
    scheduler = CosineAnnealingLR(SGD([Parameter(np.ones(2))], lr=LR0), t_max, eta_min)
    np.testing.assert_allclose(
        lrs_seen(scheduler, epochs), closed_form(LR0, t_max, eta_min, epochs), rtol=0, atol=1e-14
    )


def test_by_hand_t_max_2():
    # T_max = 2, η_min = 0, lr0 = 0.2: epoch 1: 0.2 · (1 + cos(π/2))/2 = 0.1; epoch 2:
    # 0.1 · (1 + cos π)/(1 + cos(π/2)) = 0 exactly; epoch 3 (the special case):
    # 0 + 0.2 · (1 − cos(π/2))/2 = 0.1; epoch 4: 0.1 · (1 + cos 2π)/(1 + cos(3π/2)) = 0.2.
    scheduler = CosineAnnealingLR(SGD([Parameter(np.ones(2))], lr=LR0), T_max=2)
    seen = lrs_seen(scheduler, 5)
    np.testing.assert_allclose(seen, [0.2, 0.1, 0.0, 0.1, 0.2], rtol=1e-15, atol=1e-17)
    assert seen[2] == 0.0


@pytest.mark.parametrize("make", [SGD, Adam, AdamW, RMSprop, Adagrad])
def test_every_optimiser_steps_at_lr_zero(make):
    # At epoch T_max with η_min = 0 the rate is exactly 0: every optimiser must then take a
    # zero step (and not reject lr = 0).
    p = Parameter(np.ones(2))
    optimizer = make([p], lr=0.1)
    scheduler = CosineAnnealingLR(optimizer, T_max=1)
    scheduler.step()
    assert optimizer.lr == 0.0
    p.grad = np.ones(2)
    before = p.data.copy()
    optimizer.step()
    np.testing.assert_array_equal(p.data, before)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(T_max=0), r"CosineAnnealingLR: T_max must be a positive integer, got 0"),
        (dict(T_max=2.5), "T_max"),
        (dict(T_max=10, eta_min=-0.1), r"CosineAnnealingLR: eta_min must be >= 0"),
        (dict(T_max=10, eta_min=float("nan")), "eta_min"),
    ],
)
def test_bad_arguments(options, message):
    with pytest.raises(ValueError, match=message):
        CosineAnnealingLR(SGD([Parameter(np.ones(1))], lr=0.1), **options)
