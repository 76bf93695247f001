"""Data helpers: one-hot rows, standardisation fitted on the training split, the seeded
stratified split, minibatch iteration, class weights and oversampling."""

import numpy as np
import pytest

from numnet.data import (
    Standardizer,
    _share,
    class_weights,
    minibatches,
    one_hot,
    oversample,
    train_val_test_split,
)


# -- one_hot ---------------------------------------------------------------------------------
def test_one_hot_hand_case():
    expected = [[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]]
    np.testing.assert_array_equal(one_hot([1, 0, 2, 1]), expected)
    assert one_hot([1, 0], num_classes=5).shape == (2, 5)
    assert one_hot([1], dtype=np.float32).dtype == np.float32


def test_one_hot_bad_labels():
    with pytest.raises(ValueError, match="< num_classes = 2"):
        one_hot([0, 2], num_classes=2)
    with pytest.raises(TypeError, match="integer class indices"):
        one_hot([0.0, 1.0])
    with pytest.raises(ValueError, match=">= 0"):
        one_hot([0, -1])


# -- Standardizer ----------------------------------------------------------------------------
def test_standardizer_uses_training_statistics_only():
    train = np.array([[1.0, 10.0], [3.0, 30.0]])  # mean (2, 20), std (1, 10)
    test = np.array([[5.0, 0.0]])
    s = Standardizer().fit(train)
    np.testing.assert_allclose(s.mean, [2.0, 20.0])
    np.testing.assert_allclose(s.scale, [1.0, 10.0])
    np.testing.assert_allclose(s.transform(train), [[-1.0, -1.0], [1.0, 1.0]])
    np.testing.assert_allclose(s.transform(test), [[3.0, -2.0]])
    np.testing.assert_allclose(s.inverse_transform(s.transform(test)), test)


def test_standardized_training_data_has_mean_0_std_1(rng):
    x = rng.normal(5.0, 3.0, size=(200, 4))
    z = Standardizer().fit_transform(x)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0), 1, atol=1e-12)


def test_constant_feature_maps_to_zero_not_nan():
    x = np.array([[1.0, 7.0], [2.0, 7.0], [3.0, 7.0]])  # digits has such all-zero pixels
    z = Standardizer().fit_transform(x)
    np.testing.assert_array_equal(z[:, 1], 0.0)
    assert np.isfinite(z).all()


def test_standardizer_keeps_float32():
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    assert Standardizer().fit_transform(x).dtype == np.float32


def test_standardizer_errors():
    with pytest.raises(RuntimeError, match="call fit"):
        Standardizer().transform(np.zeros((2, 2)))
    s = Standardizer().fit(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"fitted on features of shape \(3,\)"):
        s.transform(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="shape"):
        Standardizer().fit(np.zeros(3))


# -- train_val_test_split --------------------------------------------------------------------
def _split(y, **kw):
    x = np.arange(len(y))  # each row's id, to check coverage
    return train_val_test_split(x, np.asarray(y), **kw)


def test_split_sizes_are_exact_and_the_sets_partition_the_data():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    (xt, yt), (xv, yv), (xs, ys) = _split(y, val_fraction=0.2, test_fraction=0.1, rng=0)
    assert (len(xt), len(xv), len(xs)) == (70, 20, 10)
    ids = np.concatenate([xt, xv, xs])
    np.testing.assert_array_equal(np.sort(ids), np.arange(100))
    for x_part, y_part in ((xt, yt), (xv, yv), (xs, ys)):
        np.testing.assert_array_equal(y[x_part], y_part)  # rows stay with their labels


def test_split_is_stratified():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    (_, yt), (_, yv), (_, ys) = _split(y, val_fraction=0.2, test_fraction=0.1, rng=1)
    np.testing.assert_array_equal(np.bincount(yv), [10, 6, 4])  # 20 % of each class
    np.testing.assert_array_equal(np.bincount(ys), [5, 3, 2])
    np.testing.assert_array_equal(np.bincount(yt), [35, 21, 14])


def test_stratified_shares_are_within_one_of_the_exact_proportion():
    y = np.repeat(np.arange(7), [13, 1, 40, 7, 22, 9, 3])
    (_, yt), (_, yv), (_, ys) = _split(y, val_fraction=0.17, test_fraction=0.23, rng=2)
    counts = np.bincount(y)
    assert len(yv) == round(len(y) * 0.17) and len(ys) == round(len(y) * 0.23)
    for part in (yv, ys):
        share = np.bincount(part, minlength=7)
        assert np.all(np.abs(share - counts * len(part) / len(y)) < 1)


def test_share_adds_up_exactly():
    shares = _share([13, 1, 40, 7], 11)  # 11 · count / 61
    assert shares.sum() == 11
    # exact 2.34, 0.18, 7.21, 1.26: floors 2, 0, 7, 1 and the one left over to the largest remainder
    np.testing.assert_array_equal(shares, [3, 0, 7, 1])


def test_split_is_reproducible_for_a_seed_and_changes_with_it():
    y = np.repeat([0, 1], 40)
    a, b, c = _split(y, rng=3), _split(y, rng=3), _split(y, rng=4)
    for part_a, part_b in zip(a, b, strict=True):
        np.testing.assert_array_equal(part_a[0], part_b[0])
    assert not np.array_equal(a[0][0], c[0][0])


def test_unstratified_split_for_regression_targets():
    y = np.linspace(0, 1, 20)
    (xt, yt), (xv, _), (xs, _) = train_val_test_split(
        np.arange(20), y, val_fraction=0.25, test_fraction=0.25, stratify=False, rng=0
    )
    assert (len(xt), len(xv), len(xs)) == (10, 5, 5)
    np.testing.assert_array_equal(y[xt], yt)
    with pytest.raises(TypeError, match="stratify=True needs class labels"):
        train_val_test_split(np.arange(20), y, rng=0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"val_fraction": 1.0}, r"val_fraction must be in \[0, 1\)"),
        ({"test_fraction": -0.1}, r"test_fraction must be in \[0, 1\)"),
        ({"val_fraction": 0.5, "test_fraction": 0.5}, "leaves no training samples"),
    ],
)
def test_split_bad_fractions(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _split([0, 1] * 5, **kwargs)


def test_split_mismatched_lengths():
    with pytest.raises(ValueError, match="x has 3 rows but y has 2"):
        train_val_test_split(np.zeros((3, 2)), np.array([0, 1]))


# -- minibatches -----------------------------------------------------------------------------
def test_minibatches_cover_every_row_once_with_the_last_batch_smaller():
    x, y = np.arange(10.0)[:, None], np.arange(10)
    batches = list(minibatches(x, y, batch_size=4, rng=0))
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    seen = np.concatenate([yb for _, yb in batches])
    np.testing.assert_array_equal(np.sort(seen), np.arange(10))
    assert not np.array_equal(seen, np.arange(10))  # shuffled
    for xb, yb in batches:
        np.testing.assert_array_equal(xb[:, 0], yb)


def test_minibatches_in_order_and_drop_last():
    x = np.arange(10)
    assert [b.tolist() for b in minibatches(x, batch_size=4, shuffle=False)] == [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
        [8, 9],
    ]
    assert [len(b) for b in minibatches(x, batch_size=4, drop_last=True, rng=0)] == [4, 4]


def test_minibatches_same_seed_same_batches():
    x = np.arange(30)
    a = [b.tolist() for b in minibatches(x, batch_size=8, rng=5)]
    b = [b.tolist() for b in minibatches(x, batch_size=8, rng=5)]
    assert a == b


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"batch_size": 11}, ValueError, "batch_size 11 is larger than the 10 samples"),
        ({"batch_size": 0}, ValueError, "batch_size must be a positive integer"),
        ({"batch_size": 2.5}, ValueError, "batch_size must be a positive integer"),
    ],
)
def test_minibatches_bad_batch_size(kwargs, error, match):
    with pytest.raises(error, match=match):
        next(minibatches(np.arange(10), **kwargs))


def test_minibatches_mismatched_lengths():
    with pytest.raises(ValueError, match="x has 10 rows but y has 9"):
        next(minibatches(np.arange(10), np.arange(9)))


# -- class imbalance helpers -----------------------------------------------------------------
def test_class_weights_hand_case():
    # N = 4, K = 2 classes present: 3 and 1 samples -> 4/(2·3), 4/(2·1); a missing class gets 0
    np.testing.assert_allclose(class_weights([0, 0, 0, 1]), [2 / 3, 2.0])
    np.testing.assert_allclose(class_weights([0, 0, 0, 2], num_classes=4), [2 / 3, 0, 2, 0])


def test_oversample_balances_classes_and_keeps_every_row():
    y = np.repeat([0, 1, 2], [10, 3, 1])
    x = np.arange(len(y)) * 10.0  # row id * 10
    xb, yb = oversample(x, y, rng=0)
    np.testing.assert_array_equal(np.bincount(yb), [10, 10, 10])
    np.testing.assert_array_equal(y[(xb / 10).astype(int)], yb)  # rows keep their labels
    np.testing.assert_array_equal(np.unique(xb), x)  # every original row is present
    counts = np.bincount((xb[yb == 1] / 10).astype(int))[10:13]
    assert counts.min() >= 3 and counts.max() <= 4  # 3 whole copies + 1 random extra


def test_stratified_split_shuffles_within_each_class_and_mixes_the_classes():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    chosen = []
    for seed in range(3):
        parts = _split(y, val_fraction=0.2, test_fraction=0.1, rng=seed)
        for x_part, y_part in parts:
            assert np.any(np.diff(y_part) < 0)  # not sorted by class
            assert np.any(np.diff(x_part) < 0)  # not in the original order
        (_, _), (xv, yv), (_, _) = parts
        chosen.append(set(xv[yv == 0].tolist()))
    # class 0 holds rows 0..49; its 10 validation rows are a random pick, not the first 10
    assert all(c != set(range(10)) and c != set(range(40, 50)) for c in chosen)
    assert chosen[0] != chosen[1] != chosen[2]


def test_oversample_draws_the_remainder_without_replacement():
    y = np.repeat([0, 1], [20, 11])  # class 1: 1 whole copy + 9 of its 11 rows, all distinct
    x = np.arange(len(y)) * 1.0
    for seed in range(5):
        xb, yb = oversample(x, y, rng=seed)
        counts = np.bincount(xb[yb == 1].astype(int) - 20, minlength=11)
        assert sorted(counts) == [1, 1] + [2] * 9
        assert np.any(np.diff(yb) != 0) and not np.all(np.diff(yb) >= 0)  # shuffled
