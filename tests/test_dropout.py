import numpy as np
import pytest

import numnet

# Within this many standard deviations of the derived mean (derivations/dropout.py):
# a correct layer fails such a check with probability below 1e-6.
Z = 5.0


def mean_bound(p, size):
    """Standard deviation of the mean of ``size`` outputs for x = 1: √(p/(1 − p)/size)."""
    return np.sqrt(p / (1 - p) / size)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_expectation_is_the_input_and_drop_share_is_p(p):
    x = np.ones((400, 500))
    y = numnet.Dropout(p, rng=1)(x)
    assert abs(y.mean() - 1.0) < Z * mean_bound(p, x.size)
    dropped = (y == 0).mean()
    assert abs(dropped - p) < Z * np.sqrt(p * (1 - p) / x.size)
    np.testing.assert_array_equal(np.unique(y), [0.0, 1 / (1 - p)])


def test_report_004_mistake_keep_with_drop_rate_has_wrong_expectation():
    """Keeping with probability p (the drop rate) but scaling by 1/(1 − p): E[y] = p x/(1 − p)."""
    p, x = 0.2, np.ones((400, 500))
    rng = np.random.default_rng(2)
    mistaken = x * (rng.random(x.shape) < p) / (1 - p)
    # Var[m/(1 − p)] = p(1 − p)/(1 − p)² = p/(1 − p): the same bound as the correct layer.
    assert abs(mistaken.mean() - p / (1 - p)) < Z * mean_bound(p, x.size)
    assert abs(mistaken.mean() - 1.0) > 100 * mean_bound(p, x.size)  # 0.25, not 1
    correct = numnet.Dropout(p, rng=2)(x)
    assert abs(correct.mean() - 1.0) < Z * mean_bound(p, x.size)


def test_p_zero_is_the_identity_in_training(rng):
    layer = numnet.Dropout(0.0)
    x, dy = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    np.testing.assert_array_equal(layer(x), x)
    np.testing.assert_array_equal(layer.backward(dy), dy)


def test_eval_mode_is_the_identity_forward_and_backward(rng):
    layer = numnet.Dropout(0.7, rng=0).eval()
    x, dy = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    np.testing.assert_array_equal(layer(x), x)
    np.testing.assert_array_equal(layer.backward(dy), dy)
    assert numnet.gradcheck(layer, x).ok


def test_backward_reuses_the_mask_of_the_last_forward(rng):
    p = 0.4
    layer = numnet.Dropout(p, rng=3)
    x = rng.uniform(0.5, 2.0, size=(20, 30))  # nonzero, so y = 0 exactly where dropped
    dy = rng.normal(size=x.shape)
    y1 = layer(x)
    np.testing.assert_allclose(layer.backward(dy), dy * (y1 != 0) / (1 - p), rtol=1e-15)
    y2 = layer(x)
    assert ((y1 != 0) != (y2 != 0)).any(), "a fresh mask on every forward"
    np.testing.assert_allclose(layer.backward(dy), dy * (y2 != 0) / (1 - p), rtol=1e-15)


def test_backward_matches_finite_differences_for_a_fixed_mask(rng):
    x = rng.normal(size=(3, 4))
    dy = rng.normal(size=x.shape)

    def loss():
        return float((numnet.Dropout(0.5, rng=9)(x) * dy).sum())  # same seed: same mask

    layer = numnet.Dropout(0.5, rng=9)
    layer(x)
    numeric = numnet.numerical_gradient(loss, x)
    assert numnet.relative_error(layer.backward(dy), numeric) < 1e-8


def test_seeded_masks_repeat_and_successive_masks_differ():
    x = np.ones((6, 8))
    a, b = numnet.Dropout(0.5, rng=11), numnet.Dropout(0.5, rng=11)
    first = [a(x) for _ in range(3)]
    second = [b(x) for _ in range(3)]
    for u, v in zip(first, second, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(first[0], first[1])


def test_manual_seed_makes_the_default_generator_repeat():
    x = np.ones((6, 8))
    numnet.manual_seed(5)
    first = numnet.Dropout(0.5)(x)
    numnet.manual_seed(5)
    np.testing.assert_array_equal(numnet.Dropout(0.5)(x), first)


def test_p_one_drops_everything_like_torch():
    layer = numnet.Dropout(1.0)
    y = layer(np.ones((3, 4)))
    assert not y.any()
    assert not layer.backward(np.ones((3, 4))).any()


def test_float32_stays_float32(rng):
    layer = numnet.Dropout(0.25, rng=0)
    x = rng.normal(size=(8, 8)).astype(np.float32)
    y = layer(x)
    assert y.dtype == np.float32
    assert layer.backward(np.ones_like(y)).dtype == np.float32
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / np.float32(0.75), rtol=1e-6)


def test_train_and_eval_through_sequential(rng):
    model = numnet.Sequential(numnet.Linear(4, 4, rng=0), numnet.Dropout(0.5, rng=0))
    x = rng.normal(size=(10, 4))
    assert (model(x) == 0).any()
    model.eval()
    np.testing.assert_allclose(model(x), model[0](x))


@pytest.mark.parametrize("p", [-0.1, 1.5, "0.5", True, None])
def test_bad_p(p):
    with pytest.raises(ValueError, match=r"Dropout: p must be a probability in \[0, 1\]"):
        numnet.Dropout(p)


def test_bad_input_and_backward_order():
    with pytest.raises(RuntimeError, match="Dropout: backward"):
        numnet.Dropout().backward(np.ones((2, 2)))
    layer = numnet.Dropout()
    layer(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"Dropout: expected upstream gradient of shape \(2, 3\)"):
        layer.backward(np.ones((3, 2)))
    with pytest.raises(TypeError, match="Dropout: input must have dtype float32 or float64"):
        layer(np.ones((2, 3), dtype=int))
