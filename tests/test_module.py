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
    last = numnet.Linear(2, 1, rng=rng)
    model = numnet.Sequential(shared, numnet.ReLU(), shared, numnet.Sequential(last, shared))
    params = model.parameters()
    expected = [shared.weight, shared.bias, last.weight, last.bias]
    assert len(params) == 4 and all(p is q for p, q in zip(params, expected, strict=True))
    names = [name for name, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "3.0.weight", "3.0.bias"]


def test_modules_in_lists_and_tuples_are_children(rng):
    class Pair(numnet.Module):
        def __init__(self):
            self.layers = (numnet.Linear(2, 3, rng=rng), numnet.Tanh())
            self.heads = [numnet.Linear(3, 1, rng=rng)]

    pair = Pair()
    assert [name for name, _ in pair.named_children()] == ["layers.0", "layers.1", "heads.0"]
    assert [p.shape for p in pair.parameters()] == [(2, 3), (3,), (3, 1), (1,)]
    pair.eval()
    assert not pair.layers[1].training and not pair.heads[0].training


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


# -- a module used twice ------------------------------------------------------------------
def test_a_linear_used_twice_adds_the_gradients_of_both_uses(rng):
    lin = numnet.Linear(3, 3, rng=rng)
    model = numnet.Sequential(lin, numnet.Tanh(), lin)
    x = rng.normal(size=(4, 3))
    assert numnet.gradcheck(model, x).ok
    # independent reference: two separate layers holding copies of the same weights
    a, b = numnet.Linear(3, 3), numnet.Linear(3, 3)
    for layer in (a, b):
        layer.weight.data, layer.bias.data = lin.weight.data.copy(), lin.bias.data.copy()
    untied = numnet.Sequential(a, numnet.Tanh(), b)
    dy = rng.normal(size=(4, 3))
    np.testing.assert_allclose(model(x), untied(x), rtol=1e-15)
    model.zero_grad()
    np.testing.assert_allclose(model.backward(dy), untied.backward(dy), rtol=1e-13)
    np.testing.assert_allclose(lin.weight.grad, a.weight.grad + b.weight.grad, rtol=1e-13)
    np.testing.assert_allclose(lin.bias.grad, a.bias.grad + b.bias.grad, rtol=1e-13)


def test_one_relu_used_twice(rng):
    relu = numnet.ReLU()
    model = numnet.Sequential(
        numnet.Linear(3, 4, rng=rng), relu, numnet.Linear(4, 4, rng=rng), relu,
        numnet.Linear(4, 2, rng=rng),
    )  # fmt: skip
    result = numnet.gradcheck(model, rng.normal(size=(5, 3)))
    assert result.ok, result


def test_a_second_backward_without_forward_raises(rng):
    model = numnet.Sequential(numnet.Linear(3, 2, rng=rng), numnet.Sigmoid())
    y = model(rng.normal(size=(4, 3)))
    model.backward(np.ones_like(y))
    grads = [p.grad.copy() for p in model.parameters()]
    with pytest.raises(
        RuntimeError, match="Sigmoid: backward\\(\\) called again without a new forward"
    ):
        model.backward(np.ones_like(y))
    for p, g in zip(model.parameters(), grads, strict=True):
        np.testing.assert_array_equal(p.grad, g)  # nothing was added
    layer = numnet.Linear(2, 2, rng=rng)
    with pytest.raises(RuntimeError, match="Linear: backward\\(\\) called before forward"):
        layer.backward(np.ones((1, 2)))
    layer(np.ones((1, 2)))
    layer.backward(np.ones((1, 2)))
    with pytest.raises(RuntimeError, match="Linear: backward\\(\\) called again"):
        layer.backward(np.ones((1, 2)))


def test_a_new_forward_replaces_an_unused_cache(rng):
    layer = numnet.Linear(2, 2, rng=rng)
    x1, x2, dy = rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    layer(x1)
    layer(x2)  # a new pass: x1's cache is dropped, not stacked
    layer.backward(dy)
    np.testing.assert_allclose(layer.weight.grad, x2.T @ dy)
    with pytest.raises(RuntimeError, match="called again"):
        layer.backward(dy)


def test_a_conv_used_twice_in_one_pass_is_refused(rng):
    conv = numnet.Conv2d(1, 1, 3, padding=1, rng=rng)
    with pytest.raises(RuntimeError, match="Conv2d: used twice in one forward pass"):
        numnet.Sequential(conv, conv)(rng.normal(size=(2, 1, 5, 5)))


# -- checks where the data enters ---------------------------------------------------------
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input_and_upstream_gradient_are_refused(rng, bad):
    model = numnet.Sequential(numnet.Linear(2, 2, rng=rng), numnet.ReLU())
    x = rng.normal(size=(3, 2))
    x[1, 0] = bad
    with pytest.raises(ValueError, match="Linear: input contains NaN or infinity"):
        model(x)
    y = model(np.abs(x[[0, 2]]))
    dy = np.ones_like(y)
    dy[0, 1] = bad
    with pytest.raises(ValueError, match="ReLU: upstream gradient contains NaN or infinity"):
        model.backward(dy)


def test_upstream_gradient_dtype_and_shape_are_checked(rng):
    model = numnet.Sequential(numnet.Linear(2, 3, rng=rng), numnet.Tanh())
    y = model(rng.normal(size=(4, 2)))
    with pytest.raises(TypeError, match="Tanh: upstream gradient has dtype float32 but"):
        model.backward(np.ones_like(y, dtype=np.float32))
    with pytest.raises(ValueError, match="Tanh: expected upstream gradient of shape \\(4, 3\\)"):
        model.backward(np.ones((4, 2)))
    with pytest.raises(TypeError, match="Tanh: upstream gradient must be a numpy array"):
        model.backward(None)


def test_layers_inside_a_pass_still_check_dtypes(rng):
    model = numnet.Sequential(numnet.Linear(2, 3, rng=rng), numnet.Linear(3, 1, rng=rng))
    model[1].astype(np.float32)
    with pytest.raises(TypeError, match="Linear: input has dtype float64 but the parameters"):
        model(rng.normal(size=(4, 2)))


def test_nan_weights_are_reported_with_the_layer_that_produced_them(rng):
    model = numnet.Sequential(
        numnet.Linear(3, 4, rng=rng), numnet.ReLU(), numnet.Linear(4, 2, rng=rng)
    )
    model[2].weight.data[1, 0] = np.nan
    with pytest.raises(
        FloatingPointError, match="Linear \\(at '2' of Sequential\\): forward produced NaN"
    ):
        model(rng.normal(size=(5, 3)))
    with pytest.raises(FloatingPointError, match="parameters weight hold NaN or infinity"):
        model[2](rng.normal(size=(5, 4)))


def test_overflow_is_reported_with_the_first_layer_that_overflowed():
    model = numnet.Sequential(numnet.Linear(1, 1), numnet.ReLU(), numnet.Linear(1, 1))
    model[0].weight.data[:] = 1e300
    model[2].weight.data[:] = 1.0
    model[0].bias.data[:] = 0.0
    with pytest.raises(FloatingPointError, match="Linear \\(at '0' of Sequential\\).*overflowed"):
        with np.errstate(over="ignore"):
            model(np.full((1, 1), 1e300))


def test_input_grad_false_skips_only_the_input_gradient(rng):
    def make():
        r = np.random.default_rng(5)
        inner = numnet.Sequential(numnet.Linear(3, 4, rng=r), numnet.Tanh())
        return numnet.Sequential(inner, numnet.Linear(4, 2, rng=r))

    x, dy = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    full, lean = make(), make()
    full(x)
    dx = full.backward(dy)
    assert dx.shape == (6, 3)
    lean(x)
    assert lean.backward(dy, input_grad=False) is None
    for p, q in zip(full.parameters(), lean.parameters(), strict=True):
        np.testing.assert_array_equal(p.grad, q.grad)
    # the first Linear, asked directly, returns dx as usual
    layer = lean[0][0]
    layer(x)
    np.testing.assert_allclose(
        layer.backward(np.ones((6, 4))), np.ones((6, 4)) @ layer.weight.data.T
    )


def test_a_parameter_tied_between_two_layers_is_listed_once(rng):
    a, b = numnet.Linear(3, 3, rng=rng), numnet.Linear(3, 3, rng=rng)
    b.weight = a.weight  # weight tying: one Parameter in two layers
    model = numnet.Sequential(a, numnet.Tanh(), b)
    assert [p for p in model.parameters()] == [a.weight, a.bias, b.bias]
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.bias"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert numnet.gradcheck(model, rng.normal(size=(4, 3))).ok


def test_named_modules_lists_a_shared_module_once_like_pytorch(rng):
    lin = numnet.Linear(2, 2, rng=rng)
    inner = numnet.Sequential(lin, numnet.ReLU())
    model = numnet.Sequential(lin, numnet.Tanh(), inner, lin)
    names = [name for name, _ in model.named_modules()]
    assert names == ["", "0", "1", "2", "2.1"]
    assert [m for _, m in model.named_modules()][1] is lin


def test_input_grad_false_returns_none_whatever_the_first_layer_is(rng):
    model = numnet.Sequential(numnet.ReLU(), numnet.Linear(3, 2, rng=rng))
    y = model(rng.normal(size=(4, 3)))
    assert model.backward(np.ones_like(y), input_grad=False) is None


def test_huge_finite_values_are_not_mistaken_for_infinity():
    x = np.full((2, 2), 1e308)  # finite, although their sum overflows
    np.testing.assert_array_equal(numnet.ReLU()(x), x)
    with pytest.raises(ValueError, match="ReLU: input contains NaN or infinity"):
        numnet.ReLU()(np.array([[1e308, np.inf]]))
