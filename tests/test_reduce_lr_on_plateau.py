"""numnet.ReduceLROnPlateau against torch.optim.lr_scheduler.ReduceLROnPlateau's documented
behaviour, written out plainly here, and against sequences worked out by hand.

Each epoch: compare the metric with the best so far (rel: best·(1 ∓ threshold), abs:
best ∓ threshold); count bad epochs; bad epochs during cooldown do not count; after more than
``patience`` bad epochs multiply lr by ``factor`` (not below ``min_lr``, and only if the change
exceeds ``eps``) and start the cooldown.
"""

import math

import numpy as np
import pytest

from numnet import SGD, Adagrad, Adam, AdamW, Parameter, ReduceLROnPlateau, RMSprop


def reference(
    lr,
    metrics,
    mode="min",
    factor=0.1,
    patience=10,
    threshold=1e-4,
    threshold_mode="rel",
    cooldown=0,
    min_lr=0.0,
    eps=1e-8,
):
    """The lr after each ``step(metric)``."""
    best = math.inf if mode == "min" else -math.inf
    bad = cool = 0
    seen = []
    for x in metrics:
        if mode == "min":
            limit = best * (1 - threshold) if threshold_mode == "rel" else best - threshold
            improved = x < limit
        else:
            limit = best * (1 + threshold) if threshold_mode == "rel" else best + threshold
            improved = x > limit
        if improved:
            best, bad = x, 0
        else:
            bad += 1
        if cool > 0:
            cool, bad = cool - 1, 0
        if bad > patience:
            new = max(lr * factor, min_lr)
            if lr - new > eps:
                lr = new
            cool, bad = cooldown, 0
        seen.append(lr)
    return seen


def lrs_after_steps(metrics, lr=1.0, optimizer=SGD, **options):
    scheduler = ReduceLROnPlateau(optimizer([Parameter(np.ones(2))], lr=lr), **options)
    seen = []
    for x in metrics:
        scheduler.step(x)
        seen.append(scheduler.optimizer.lr)
    return seen


def metric_curve(mode, epochs=80):
    """A loss-like curve with noise, plateaus and exact ties (rounded to 3 decimals)."""
    t = np.arange(epochs)
    curve = np.round(1 / (1 + 0.3 * t) + 0.05 * np.sin(1.7 * t) + 0.02 * (t > 25), 3)
    return (curve if mode == "min" else 1 - curve).tolist()


CONFIGS = [
    dict(),
    dict(patience=2, factor=0.5),
    dict(patience=1, factor=0.5, threshold=0.05, cooldown=2),
    dict(patience=0, factor=0.5, threshold_mode="abs", threshold=0.01),
    dict(mode="max", patience=2, factor=0.3),
    dict(mode="max", patience=1, threshold_mode="abs", threshold=0.02),
    dict(patience=0, factor=0.5, min_lr=0.02),
    dict(patience=0, factor=0.9, eps=0.005),
    dict(patience=3, cooldown=5, factor=0.2, threshold=0.0),
]


@pytest.mark.parametrize("options", CONFIGS, ids=str)
def test_follows_the_documented_rule(options):
    metrics = metric_curve(options.get("mode", "min"))
    expected = reference(0.1, metrics, **options)
    # The lr is only ever multiplied by factor (or set to min_lr): exact products, same order.
    assert lrs_after_steps(metrics, lr=0.1, **options) == pytest.approx(expected, rel=1e-15)
    assert len(set(expected)) > 1 or options.get("patience", 10) >= 10


def test_patience_by_hand():
    # patience 2, factor 0.5, threshold 0: 1.0 and 0.9 improve; three more 0.9s are bad
    # epochs 1, 2, 3 — the third exceeds the patience: lr 1 → 0.5 at epoch 5. 0.8 improves,
    # and three 0.8s reduce again at epoch 9.
    metrics = [1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8]
    assert lrs_after_steps(metrics, patience=2, factor=0.5, threshold=0.0) == [
        1,
        1,
        1,
        1,
        0.5,
        0.5,
        0.5,
        0.5,
        0.25,
    ]


def test_cooldown_by_hand():
    # A constant metric, patience 0, cooldown 2: reduce at epoch 2; epochs 3 and 4 are in
    # cooldown (their bad epochs are forgotten); epoch 5 reduces again, and so on.
    lrs = lrs_after_steps([1.0] * 8, patience=0, cooldown=2, factor=0.5)
    assert lrs == [1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125]


def test_relative_and_absolute_thresholds_by_hand():
    # best = 1.0, threshold 0.1. rel: 0.95 is not < 0.9 (a bad epoch, lr cut with patience 0);
    # abs: 0.95 is not < 0.9 either, but 0.85 is — no cut.
    assert lrs_after_steps([1.0, 0.95], patience=0, threshold=0.1) == [1, 0.1]
    assert lrs_after_steps([1.0, 0.85], patience=0, threshold=0.1, threshold_mode="abs") == [1, 1]
    # best = −2 in min mode: rel needs < −2·0.9 = −1.8, so −1.9 is an improvement; abs needs
    # < −2.1, so −1.9 is not.
    assert lrs_after_steps([-2.0, -1.9], patience=0, threshold=0.1) == [1, 1]
    assert lrs_after_steps([-2.0, -1.9], patience=0, threshold=0.1, threshold_mode="abs") == [
        1,
        0.1,
    ]
    # max mode: 0.5 then 0.54: rel needs > 0.55 (bad epoch), abs with 0.03 needs > 0.53.
    assert lrs_after_steps([0.5, 0.54], mode="max", patience=0, threshold=0.1) == [1, 0.1]
    assert lrs_after_steps(
        [0.5, 0.54], mode="max", patience=0, threshold=0.03, threshold_mode="abs"
    ) == [1, 1]


def test_min_lr_and_eps_by_hand():
    # factor 0.5 from 1 with min_lr 0.3: 0.5, then max(0.25, 0.3) = 0.3, then it stays.
    assert lrs_after_steps([1.0] * 5, patience=0, factor=0.5, min_lr=0.3) == [
        1,
        0.5,
        0.3,
        0.3,
        0.3,
    ]
    # lr 0.1, min_lr 0.1 − 5e-9: the cut would be 5e-9 < eps = 1e-8, so it is not made.
    assert lrs_after_steps([1.0, 1.0], lr=0.1, patience=0, factor=0.5, min_lr=0.1 - 5e-9) == [
        0.1,
        0.1,
    ]


@pytest.mark.parametrize("optimizer", [SGD, Adam, AdamW, RMSprop, Adagrad])
def test_works_with_every_optimiser(optimizer):
    metrics = metric_curve("min", 40)
    assert lrs_after_steps(metrics, lr=0.1, optimizer=optimizer, patience=1) == pytest.approx(
        reference(0.1, metrics, patience=1), rel=1e-15
    )


def test_counters_and_metric_types():
    scheduler = ReduceLROnPlateau(SGD([Parameter(np.ones(1))], lr=1.0), patience=1, cooldown=3)
    scheduler.step(np.float32(2.0))
    scheduler.step(np.array(3.0))
    assert scheduler.best == 2.0 and scheduler.num_bad_epochs == 1 and scheduler.last_epoch == 2
    scheduler.step(3)
    assert scheduler.optimizer.lr == 0.1 and scheduler.cooldown_counter == 3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(mode="minimum"), r"ReduceLROnPlateau: mode must be 'min' or 'max', got 'minimum'"),
        (dict(threshold_mode="relative"), r"threshold_mode must be 'rel' or 'abs'"),
        (dict(factor=1.0), r"ReduceLROnPlateau: factor must be in \(0, 1\), got 1\.0"),
        (dict(factor=0.0), r"ReduceLROnPlateau: factor must be > 0, got 0\.0"),
        (dict(patience=-1), r"patience must be an integer >= 0, got -1"),
        (dict(cooldown=1.5), r"cooldown must be an integer >= 0, got 1\.5"),
        (dict(threshold=-1e-4), r"threshold must be >= 0"),
        (dict(min_lr=-0.1), r"min_lr must be >= 0"),
        (dict(eps=-1.0), r"eps must be >= 0"),
    ],
)
def test_bad_arguments(options, message):
    with pytest.raises(ValueError, match=message):
        ReduceLROnPlateau(SGD([Parameter(np.ones(1))], lr=0.1), **options)


def test_bad_metrics():
    scheduler = ReduceLROnPlateau(SGD([Parameter(np.ones(1))], lr=0.1))
    with pytest.raises(ValueError, match="ReduceLROnPlateau: the metric must be finite, got nan"):
        scheduler.step(float("nan"))
    with pytest.raises(TypeError, match=r"step\(metric\) needs a number, got str"):
        scheduler.step("0.5")
    with pytest.raises(TypeError, match=r"needs a number, got ndarray"):
        scheduler.step(np.array([0.5, 0.4]))
    assert scheduler.last_epoch == 0
