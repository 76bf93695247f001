import numpy as np
import pytest

import numnet


def test_sequential_chains_forward_and_backward(rng):
    model = numnet.Sequential(
        numnet.Linear(3, 4, rng=rng), numnet.Tanh(), numnet.Linear(4, 2, rng=rng)
    )
    x = rng.normal(size=(5, 3))
    h = np.tanh(x @ model[0].weight.data + model[0].bias.data)
    np.testing.assert_allclose(model(x), h @ model[2].weight.data + model[2].bias.data, rtol=1e-13)
    assert numnet.gradcheck(model, x).ok


def test_parameters_are_found_once_and_in_order(rng):
    shared = numnet.Linear(2, 2, rng=rng)
    model = numnet.Sequential(shared, numnet.ReLU(), numnet.Linear(2, 1, rng=rng))
    params = model.parameters()
    assert [p.shape for p in params] == [(2, 2), (2,), (2, 1), (1,)]


def test_train_eval_propagate():
    model = numnet.Sequential(numnet.Linear(2, 2), numnet.Sequential(numnet.ReLU()))
    model.eval()
    assert not model.training and not model[1][0].training
    model.train()
    assert model[1][0].training


def test_astype_and_zero_grad(rng):
    model = numnet.Sequential(numnet.Linear(2, 3, rng=rng), numnet.Sigmoid()).astype(np.float32)
    y = model(rng.normal(size=(4, 2)).astype(np.float32))
    model.backward(np.ones_like(y))
    assert all(p.grad.dtype == np.float32 and p.grad.any() for p in model.parameters())
    model.zero_grad()
    assert not any(p.grad.any() for p in model.parameters())


def test_sequential_rejects_non_modules():
    with pytest.raises(TypeError, match="Sequential: item 1 is a builtin_function_or_method"):
        numnet.Sequential(numnet.ReLU(), len)


def test_repr_is_readable():
    text = repr(numnet.Sequential(numnet.Linear(2, 3), numnet.LeakyReLU(0.2)))
    assert "Linear(in_features=2, out_features=3, bias=True)" in text
    assert "LeakyReLU(negative_slope=0.2)" in text


def test_manual_seed_makes_default_init_reproducible():
    numnet.manual_seed(7)
    a = numnet.Linear(3, 3).weight.data
    numnet.manual_seed(7)
    np.testing.assert_array_equal(a, numnet.Linear(3, 3).weight.data)
