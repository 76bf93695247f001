"""The operators of the convolution backward pass, checked against NumPy at sizes where the
stride does not divide n + 2p − k (the case the old displayed formulas got wrong)."""

import numpy as np
import pytest
import sympy as sp

import numnet
from derivations.conv_backward import input_gradient, kernel_gradient
from derivations.functions import explicit, leftover, outsize


@pytest.mark.parametrize(("n", "p", "k", "s"), [(6, 1, 3, 2), (6, 0, 3, 2), (5, 1, 2, 3)])
def test_general_formulas_match_numnet_where_s_does_not_divide(n, p, k, s):
    rng = np.random.default_rng(n + 10 * p + 100 * k + 1000 * s)
    assert (n + 2 * p - k) % s != 0
    o = int(outsize(n + 2 * p, k, s))
    x, w, dy = rng.integers(-3, 4, (n, n)), rng.integers(-3, 4, (k, k)), rng.integers(-3, 4, (o, o))
    r = leftover(n + 2 * p, k, s)
    values = {"x": x, "W": w, "d": dy}
    mats = {name: sp.ImmutableMatrix(v.tolist()) for name, v in values.items()}
    dx = np.array(explicit(input_gradient(mats["d"], mats["W"], p, s, k, r)).tolist(), float)
    dw = np.array(explicit(kernel_gradient(mats["x"], mats["d"], p, s, k, o)).tolist(), float)
    layer = numnet.Conv2d(1, 1, k, stride=s, padding=p, bias=False)
    layer.weight.data = w[None, None].astype(float)
    layer(x[None, None].astype(float))
    ours = layer.backward(dy[None, None].astype(float))
    assert dx.shape == (n, n) and dw.shape == (k, k)
    np.testing.assert_array_equal(dx, ours[0, 0])  # integers: exact in float64
    np.testing.assert_array_equal(dw, layer.weight.grad[0, 0])
