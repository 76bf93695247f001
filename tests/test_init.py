"""Initialisers: the statistics of what they draw, seeding, and re-initialising a model.

The expected standard deviations and bounds are written out from their definitions
(derived in derivations/initialisation.py); a sample of 60,000 draws pins a std to about 0.3 %,
so the 2 % tolerance below catches any wrong factor (√2, √3, fan_in vs fan_out, ...).
"""

import numpy as np
import pytest

import numnet
from numnet import init

SHAPE = (200, 300)  # dense weight: fan_in = 200, fan_out = 300
CONV = (16, 8, 3, 3)  # conv weight: fan_in = 8·9 = 72, fan_out = 16·9 = 144


def test_fans():
    assert init.fans(SHAPE) == (200, 300)
    assert init.fans(CONV) == (72, 144)
    with pytest.raises(ValueError, match="2-D dense or 4-D conv"):
        init.fans((5,))


@pytest.mark.parametrize(
    ("draw", "expected_std"),
    [
        (lambda s: init.normal(s, 0.1, rng=0), 0.1),
        (lambda s: init.normal(s, 0.01, rng=0), 0.01),
        (lambda s: init.xavier_normal(s, rng=0), np.sqrt(2 / (200 + 300))),
        (lambda s: init.xavier_normal(s, gain=5 / 3, rng=0), 5 / 3 * np.sqrt(2 / (200 + 300))),
        (lambda s: init.xavier_uniform(s, rng=0), np.sqrt(2 / (200 + 300))),
        (lambda s: init.he_normal(s, rng=0), np.sqrt(2 / 200)),
        (lambda s: init.he_uniform(s, rng=0), np.sqrt(2 / 200)),
        (lambda s: init.he_normal(s, rng=0, negative_slope=0.2), np.sqrt(2 / (1.04 * 200))),
        (lambda s: init.default_uniform(s, 200, rng=0), np.sqrt(1 / 3 / 200)),
    ],
)
def test_mean_and_std(draw, expected_std):
    w = draw(SHAPE)
    assert w.shape == SHAPE and w.dtype == np.float64
    assert abs(w.mean()) < 0.02 * expected_std  # the mean of 60,000 draws has std std/245
    assert abs(w.std() / expected_std - 1) < 0.02


@pytest.mark.parametrize(
    ("draw", "bound"),
    [
        (lambda s: init.xavier_uniform(s, rng=1), np.sqrt(6 / 500)),
        (lambda s: init.he_uniform(s, rng=1), np.sqrt(6 / 200)),
        (lambda s: init.he_uniform(s, rng=1, negative_slope=0.5), np.sqrt(6 / (1.25 * 200))),
        (lambda s: init.default_uniform(s, 200, rng=1), 1 / np.sqrt(200)),
    ],
)
def test_uniform_bounds(draw, bound):
    w = draw(SHAPE)
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.999 * bound  # the whole interval is used


def test_conv_shapes_use_the_receptive_field():
    w = init.he_normal(CONV, rng=0)
    assert w.shape == CONV
    assert abs(w.std() / np.sqrt(2 / 72) - 1) < 0.05  # 1,152 draws: about 2 %


def test_zeros_and_dtype():
    assert not init.zeros(SHAPE).any()
    for f in (
        init.normal,
        init.xavier_uniform,
        init.xavier_normal,
        init.he_normal,
        init.he_uniform,
    ):
        assert f(SHAPE, dtype=np.float32).dtype == np.float32


def test_seeding():
    np.testing.assert_array_equal(init.he_normal(SHAPE, rng=7), init.he_normal(SHAPE, rng=7))
    assert not np.array_equal(init.he_normal(SHAPE, rng=7), init.he_normal(SHAPE, rng=8))
    gen = np.random.default_rng(3)
    first, second = init.normal((4,), rng=gen), init.normal((4,), rng=gen)
    assert not np.array_equal(first, second)  # a Generator is advanced, not reseeded
    numnet.manual_seed(11)
    a = init.xavier_uniform(SHAPE)
    numnet.manual_seed(11)
    np.testing.assert_array_equal(a, init.xavier_uniform(SHAPE))


def test_negative_std_is_rejected():
    with pytest.raises(ValueError, match="std"):
        init.normal(SHAPE, -0.1)


def _mlp(widths, act=numnet.ReLU):
    layers = []
    for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
        layers += [numnet.Linear(n_in, n_out, rng=0), act()]
    return numnet.Sequential(*layers[:-1])


def test_initialize_sets_every_weight_and_zeroes_biases():
    model = _mlp([10, 20, 30, 5])
    model.parameters()[1].grad += 1.0
    numnet.init.initialize(model, "he_normal", rng=0)
    linears = [m for m in model if isinstance(m, numnet.Linear)]
    rng = np.random.default_rng(0)
    for layer in linears:  # one generator, used layer by layer in order
        expected = init.he_normal(layer.weight.data.shape, rng=rng)
        np.testing.assert_array_equal(layer.weight.data, expected)
        assert not layer.bias.data.any() and not layer.bias.grad.any()


def test_initialize_zeros_and_options():
    model = _mlp([4, 6, 1])
    init.initialize(model, "zeros")
    assert all(not p.data.any() for p in model.parameters())
    init.initialize(model, "normal", rng=0, std=0.5)
    np.testing.assert_array_equal(model[0].weight.data, init.normal((4, 6), 0.5, rng=0))


def test_initialize_keeps_dtype_and_rejects_bad_input():
    model = _mlp([4, 6, 1]).astype(np.float32)
    init.initialize(model, "xavier_uniform", rng=0)
    assert all(p.data.dtype == np.float32 for p in model.parameters())
    with pytest.raises(ValueError, match="unknown scheme 'kaiming'"):
        init.initialize(model, "kaiming")
    with pytest.raises(ValueError, match="no dense or conv weight"):
        init.initialize(numnet.Sequential(numnet.ReLU()), "zeros")
    with pytest.raises(TypeError):
        init.initialize(model, "he_normal", gain=2.0)  # he_normal has no gain option


def test_he_keeps_the_mean_square_of_pre_activations_through_a_deep_relu_net():
    """E[z²] stays near 1 through 10 ReLU layers with He; it collapses with std 0.01."""
    x = np.random.default_rng(0).standard_normal((1000, 256))

    def last_mean_square(scheme, **options):
        model = _mlp([256] * 11)
        init.initialize(model, scheme, rng=1, **options)
        return float((model(x) ** 2).mean())

    assert 0.6 < last_mean_square("he_normal") < 1.6
    assert last_mean_square("normal", std=0.01) < 1e-10


def test_each_scheme_is_its_base_distribution_with_the_documented_scale():
    """Exact: the same generator state through the scheme and through normal/uniform."""
    fan_in, fan_out = 200, 300
    cases = [
        (
            init.xavier_normal(SHAPE, rng=4),
            init.normal(SHAPE, np.sqrt(2 / (fan_in + fan_out)), rng=4),
        ),
        (
            init.xavier_normal(SHAPE, gain=2.0, rng=4),
            init.normal(SHAPE, 2 * np.sqrt(2 / 500), rng=4),
        ),
        (init.he_normal(SHAPE, rng=4), init.normal(SHAPE, np.sqrt(2 / fan_in), rng=4)),
    ]
    a = np.sqrt(6 / (fan_in + fan_out))
    cases.append((init.xavier_uniform(SHAPE, rng=4), init.uniform(SHAPE, -a, a, rng=4)))
    for got, expected in cases:
        np.testing.assert_allclose(got, expected, rtol=1e-15)


def test_initialize_sets_conv_weights_too():
    model = numnet.Sequential(
        numnet.Conv2d(2, 4, 3, rng=0), numnet.ReLU(), numnet.Flatten(), numnet.Linear(16, 3, rng=0),
        numnet.BatchNorm1d(3),
    )  # fmt: skip
    init.initialize(model, "he_normal", rng=0)
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(model[0].weight.data, init.he_normal((4, 2, 3, 3), rng=rng))
    np.testing.assert_array_equal(model[3].weight.data, init.he_normal((16, 3), rng=rng))
    assert not model[0].bias.data.any() and not model[3].bias.data.any()
    np.testing.assert_array_equal(model[4].weight.data, np.ones(3))  # BatchNorm's γ left alone
