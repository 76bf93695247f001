"""numnet.save / numnet.load: a .npz round trip without pickle."""

import zipfile

import numpy as np
import pytest

import numnet


def trained_model(seed):
    rng = np.random.default_rng(seed)
    model = numnet.Sequential(
        numnet.Linear(3, 5, rng=rng), numnet.BatchNorm1d(5), numnet.ReLU(),
        numnet.Linear(5, 2, rng=rng),
    )  # fmt: skip
    x, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    opt = numnet.SGD(model.parameters(), lr=0.1, momentum=0.9)
    numnet.fit(model, numnet.CrossEntropyLoss(), opt, x, y, epochs=3, batch_size=8, rng=0,
               verbose=False)  # fmt: skip
    return model, x


def test_round_trip_of_a_model_with_batchnorm_predicts_identically(tmp_path):
    model, x = trained_model(0)
    numnet.save(model.state_dict(), tmp_path / "model.npz")
    fresh, _ = trained_model(1)  # other weights and other running statistics
    assert not np.array_equal(numnet.predict(fresh, x), numnet.predict(model, x))
    fresh.load_state_dict(numnet.load(tmp_path / "model.npz"))
    np.testing.assert_array_equal(numnet.predict(fresh, x), numnet.predict(model, x))
    np.testing.assert_array_equal(fresh[1].running_var, model[1].running_var)


def test_the_file_is_plain_npy_arrays_in_order(tmp_path):
    state = {"0.weight": np.arange(6.0).reshape(2, 3), "1.running_mean": np.zeros(2)}
    numnet.save(state, tmp_path / "s")  # NumPy adds .npz; load finds it
    with zipfile.ZipFile(tmp_path / "s.npz") as archive:
        assert archive.namelist() == ["0.weight.npy", "1.running_mean.npy"]
    loaded = numnet.load(tmp_path / "s")
    assert list(loaded) == list(state)
    for key, value in state.items():
        np.testing.assert_array_equal(loaded[key], value)
        assert loaded[key].dtype == value.dtype


def test_only_numeric_arrays_are_saved(tmp_path):
    with pytest.raises(TypeError, match="save: 'w' must be a numeric array, got dtype object"):
        numnet.save({"w": np.array([{"a": 1}], dtype=object)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="pass model.state_dict\\(\\), not the model itself"):
        numnet.save(numnet.Linear(2, 2), tmp_path / "x.npz")
    with pytest.raises(TypeError, match="every name must be a non-empty str"):
        numnet.save({1: np.ones(2)}, tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


def test_a_pickled_file_is_not_loaded(tmp_path):
    np.savez(tmp_path / "evil.npz", w=np.array([object()], dtype=object))
    with pytest.raises(ValueError, match="allow_pickle"):
        numnet.load(tmp_path / "evil.npz")
