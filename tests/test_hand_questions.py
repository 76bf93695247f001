"""Report 000's two hand-worked convolution questions, reproduced to the last digit by numnet
(and by the naive loops), and the report's mistake in Question 3 refuted numerically."""

import numpy as np
import pytest
import sympy as sp
from naive_conv import conv2d_forward, maxpool2d_backward, maxpool2d_forward

import numnet
from derivations.conv_backward import INPUTS, df_claim, g, g_prime, loss, numnet_pipeline
from derivations.convolution import (
    GIVEN_MAPS,
    GIVEN_POOLED,
    IMAGE,
    as_array,
    hand_question_system,
    pad,
)
from derivations.core import concrete
from derivations.functions import sigma

# The report's numbers, typed here independently of derivations/convolution.py.
IMAGE_ROWS = [[2, 1, 3, 3], [1, 6, 2, 5], [1, 4, 5, 2], [6, 6, 5, 3]]
MAPS = [
    [[2, 13, 18, 12], [11, 16, 33, 17], [23, 34, 35, 23], [15, 25, 18, 7]],
    [[8, 4, 14, 5], [6, 17, 12, 13], [13, 18, 25, 9], [10, 12, 11, 8]],
    [[10, 24, 17, 16], [22, 23, 41, 17], [28, 42, 35, 28], [14, 31, 32, 19]],
]
POOLED = [[[16, 33], [34, 35]], [[17, 14], [18, 25]], [[24, 41], [42, 35]]]
PADDED = [
    [0, 0, 0, 0, 0, 0],
    [0, 2, 1, 3, 3, 0],
    [0, 1, 6, 2, 5, 0],
    [0, 1, 4, 5, 2, 0],
    [0, 6, 6, 5, 3, 0],
    [0, 0, 0, 0, 0, 0],
]


def test_the_data_in_derivations_is_the_reports():
    assert IMAGE.tolist() == IMAGE_ROWS
    assert [m.tolist() for m in GIVEN_MAPS] == MAPS
    assert [m.tolist() for m in GIVEN_POOLED] == POOLED


def test_padding_gives_the_reports_table_5():
    assert pad(IMAGE, 1).tolist() == PADDED  # the table the book shows
    padded = numnet.conv._pad(np.array(IMAGE_ROWS, dtype=float)[None, None], (1, 1))
    np.testing.assert_array_equal(padded[0, 0], PADDED)  # what Conv2d multiplies


def test_filters_are_unique_integer_and_exact():
    a, filters = hand_question_system()
    assert a.shape == (16, 9) and a.rank() == 9
    for kern, m in zip(filters, MAPS, strict=True):
        assert all(v.is_Integer for v in kern)
        assert a * kern.reshape(9, 1) == sp.Matrix(m).reshape(16, 1)  # exact, all 16 entries


def test_the_recovered_filters():
    """The solution itself, so that a change in the solver or the data shows up here."""
    _, filters = hand_question_system()
    assert [f.tolist() for f in filters] == [
        [[0, 1, 2], [1, 0, 1], [2, 1, 0]],
        [[1, 0, 1], [0, 1, 0], [1, 0, 1]],
        [[1, 2, 0], [2, 0, 2], [0, 2, 1]],
    ]


def filter_bank():
    _, filters = hand_question_system()
    return np.stack([as_array(f) for f in filters])[:, None]  # (3, 1, 3, 3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numnet_reproduces_every_map_and_pooled_entry(dtype):
    conv = numnet.Conv2d(1, 3, 3, padding=1, bias=False)
    conv.weight.data = filter_bank().astype(dtype)
    maps = conv(np.array(IMAGE_ROWS, dtype=dtype)[None, None])
    np.testing.assert_array_equal(maps[0], MAPS)
    np.testing.assert_array_equal(numnet.MaxPool2d(2)(maps)[0], POOLED)


def test_naive_loops_agree_and_convolution_equals_correlation_here():
    x = np.array(IMAGE_ROWS, dtype=float)[None, None]
    bank = filter_bank()
    np.testing.assert_array_equal(conv2d_forward(x, bank, None, (1, 1), (1, 1))[0], MAPS)
    flipped = bank[:, :, ::-1, ::-1]  # true convolution = correlation with the flipped kernel
    np.testing.assert_array_equal(conv2d_forward(x, flipped, None, (1, 1), (1, 1))[0], MAPS)
    np.testing.assert_array_equal(
        maxpool2d_forward(np.array(MAPS, float)[None], (2, 2), (2, 2))[0], POOLED
    )


def test_pooling_backward_of_the_hand_question_marks_the_maxima():
    maps = np.array(MAPS, dtype=float)[None]
    pool = numnet.MaxPool2d(2)
    pool(maps)
    dx = pool.backward(np.ones((1, 3, 2, 2)))
    np.testing.assert_array_equal(
        dx, maxpool2d_backward(maps, np.ones((1, 3, 2, 2)), (2, 2), (2, 2))
    )
    assert dx.sum() == 12 and set(np.unique(dx)) == {0.0, 1.0}
    for k in range(3):  # the marked entries are exactly the pooled values
        assert sorted(maps[0, k][dx[0, k] == 1]) == sorted(np.ravel(POOLED[k]))


# -- Question 3 -------------------------------------------------------------------------------
POINT = np.linspace(-1.2, 1.3, len(INPUTS))  # x (16), f (4), W (4), t


@pytest.mark.parametrize(
    ("act", "act_prime", "module"),
    [
        (sigma, lambda c: sigma(c) * (1 - sigma(c)), numnet.Sigmoid),
        (sp.tanh, lambda c: 1 - sp.tanh(c) ** 2, numnet.Tanh),
    ],
)
def test_question_3_filter_gradient_numbers(act, act_prime, module):
    grad, value = numnet_pipeline(module)
    subs = dict(zip(INPUTS, POINT, strict=True))
    corrected = concrete(df_claim(act_prime, act).subs(subs)).evalf()
    np.testing.assert_allclose(grad(POINT), as_array(corrected).ravel(), rtol=1e-12)
    # the report's version (g in place of g') is far off at the same point
    report = concrete(df_claim(act, act).subs(subs)).evalf()
    assert np.abs(as_array(report).ravel() - grad(POINT)).max() > 1e-2
    # and the loss numnet differentiates is the report's L
    expected_loss = float(concrete(loss(act).subs(subs)).evalf())
    assert value(POINT) == pytest.approx(expected_loss, rel=1e-12)


def test_question_3_generic_g_uses_the_derivative():
    """With g undefined, SymPy's own chain rule gives g'(C), and the report's g(C) differs."""
    full = loss()
    f11 = INPUTS[16]
    assert sp.expand(sp.diff(full, f11) - df_claim(g_prime)[0, 0]) == 0
    assert sp.expand(sp.diff(full, f11) - df_claim(g)[0, 0]) != 0
