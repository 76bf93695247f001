"""Module.state_dict / load_state_dict: PyTorch's dotted names, buffers, and strict checks."""

import numpy as np
import pytest

import numnet


def model(seed=0):
    rng = np.random.default_rng(seed)
    return numnet.Sequential(
        numnet.Linear(3, 4, rng=rng),
        numnet.BatchNorm1d(4),
        numnet.ReLU(),
        numnet.Sequential(numnet.Linear(4, 2, rng=rng, bias=False)),
    )


def test_names_follow_pytorch():
    assert list(model().state_dict()) == [
        "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
        "3.0.weight",
    ]  # fmt: skip


def test_values_are_copies_of_parameters_and_buffers(rng):
    m = model()
    m(rng.normal(size=(8, 3)))  # moves the running statistics
    state = m.state_dict()
    np.testing.assert_array_equal(state["0.weight"], m[0].weight.data)
    np.testing.assert_array_equal(state["1.running_mean"], m[1].running_mean)
    assert state["1.running_mean"].any()
    state["0.weight"][0, 0] += 1.0
    assert state["0.weight"][0, 0] != m[0].weight.data[0, 0]  # a snapshot, not a reference


def test_load_puts_every_array_back_and_the_predictions_agree(rng):
    source, target = model(0), model(1)
    x = rng.normal(size=(8, 3))
    source(x)
    source.eval()
    assert target.load_state_dict(source.state_dict()) == ([], [])
    np.testing.assert_array_equal(target.eval()(x), source(x))


def test_a_shared_layer_appears_under_each_name_like_pytorch():
    lin = numnet.Linear(2, 2, rng=0)
    shared = numnet.Sequential(lin, numnet.Tanh(), lin)
    state = shared.state_dict()
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    state["0.weight"] = state["2.weight"] = np.eye(2)
    shared.load_state_dict(state)
    np.testing.assert_array_equal(lin.weight.data, np.eye(2))


def test_strict_names_missing_and_unexpected_keys_and_changes_nothing():
    m = model()
    before = m.state_dict()
    state = m.state_dict()
    del state["1.running_var"]
    state["2.weight"] = np.ones(4)
    with pytest.raises(
        ValueError, match=r"missing keys \['1.running_var'\], unexpected keys \['2.weight'\]"
    ):
        m.load_state_dict(state)
    for key, value in m.state_dict().items():
        np.testing.assert_array_equal(value, before[key])
    state["0.bias"] = np.full(4, 7.0)
    result = m.load_state_dict(state, strict=False)
    assert result.missing_keys == ["1.running_var"] and result.unexpected_keys == ["2.weight"]
    np.testing.assert_array_equal(m[0].bias.data, np.full(4, 7.0))


def test_a_wrong_shape_raises_even_when_not_strict_and_nothing_is_loaded():
    m = model()
    state = m.state_dict()
    state["0.bias"] = np.full(4, 3.0)
    state["3.0.weight"] = np.ones((2, 4))  # transposed
    with pytest.raises(
        ValueError, match=r"'3.0.weight' has shape \(2, 4\) in the state but \(4, 2\)"
    ):
        m.load_state_dict(state, strict=False)
    assert not (m[0].bias.data == 3.0).any()  # checked before anything changed


def test_non_numeric_values_and_non_dicts_are_refused():
    m = model()
    state = m.state_dict()
    state["0.bias"] = np.array(["a", "b", "c", "d"])
    with pytest.raises(TypeError, match="'0.bias' must be a numeric array, got dtype <U1"):
        m.load_state_dict(state)
    with pytest.raises(TypeError, match="expected a dict of arrays"):
        m.load_state_dict([np.ones(3)])


def test_values_take_the_dtype_the_model_holds():
    m = model().astype(np.float32)
    m.load_state_dict(model(3).state_dict())  # float64 values
    assert all(v.dtype == np.float32 for k, v in m.state_dict().items() if "running" not in k)
    np.testing.assert_allclose(m[0].weight.data, model(3)[0].weight.data, rtol=1e-7)


def test_buffers_can_be_declared_explicitly():
    class Scale(numnet.Module):
        _buffer_names = ("factor",)

        def __init__(self):
            self.factor = np.array([2.0])
            self.scratch = np.zeros(3)  # a public array that is not state

    assert list(Scale().state_dict()) == ["factor"]
    assert numnet.Sequential(numnet.Tanh(), Scale()).state_dict().keys() == {"1.factor"}
