"""The book's diagrams draw, stay readable, and print numnet's numbers.

Each diagram function must return a matplotlib Figure no wider than the book's column allows,
with no text smaller than ``diagrams.style.SMALL``; the numbers written on a figure are
checked against an independent computation written here (NumPy formulas, not numnet).
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from diagrams import activation, conv, dense, graph, pool, regularisation, softmax, training  # noqa: E402
from diagrams.style import SMALL, WIDTH, number  # noqa: E402

ALL = [
    graph.two_layer_graph,
    graph.one_node,
    dense.dense_forward,
    dense.dense_backward,
    activation.elementwise,
    softmax.softmax_jacobian,
    softmax.cross_entropy_gradient,
    training.finite_differences,
    training.symmetry,
    training.momentum_step,
    training.training_loop,
    regularisation.dropout_mask,
    regularisation.batchnorm_steps,
    conv.conv_window,
    conv.im2col_figure,
    conv.conv_backward_figure,
    pool.maxpool_routing,
]

# Values are printed with 2–3 decimals; the references below agree with numnet to ~1e-15,
# far inside the rounding, so equal strings are expected.
TOL = 1e-12


def texts(fig):
    """Every non-empty string drawn on ``fig``."""
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


@pytest.mark.parametrize("draw", ALL, ids=lambda f: f"{f.__module__}.{f.__name__}")
def test_draws_a_readable_figure(draw):
    fig = draw()
    assert isinstance(fig, Figure)
    assert fig.get_figwidth() <= WIDTH + 1e-9
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_text()]
    assert sizes and min(sizes) >= SMALL
    assert fig._repr_png_().startswith(b"\x89PNG")


def test_two_layer_graph_numbers_are_numnets_backward():
    v = graph.two_layer_example()
    x, w1, b1, w2, b2, y = 2.0, 0.5, -0.5, 2.0, -0.5, 1.0
    z1 = w1 * x + b1
    a1 = sigmoid(z1)
    y_hat = w2 * a1 + b2
    dy_hat = 2 * (y_hat - y)  # MSELoss of one element: (ŷ − y)², no ½
    da1 = w2 * dy_hat
    dz1 = a1 * (1 - a1) * da1
    expected = {
        "z1": z1,
        "a1": a1,
        "y_hat": y_hat,
        "L": (y_hat - y) ** 2,
        "dy_hat": dy_hat,
        "da1": da1,
        "dz1": dz1,
        "dx": w1 * dz1,
        "dW1": x * dz1,
        "db1": dz1,
        "dW2": a1 * dy_hat,
        "db2": dy_hat,
        "dsigma": a1 * (1 - a1),
    }
    for name, value in expected.items():
        assert v[name] == pytest.approx(value, abs=TOL), name
    written = " ".join(texts(graph.two_layer_graph()))
    for name in ("z1", "a1", "y_hat", "L", "dx", "dz1", "da1", "dy_hat", "dW1", "db1", "dW2"):
        assert number(v[name], 3) in written, name


def test_dense_shapes():
    s = dense.dense_shapes(n=5, d=3, h=2)
    assert s["X"] == (5, 3) and s["W"] == (3, 2) and s["Y"] == (5, 2)
    assert s["dW"] == s["W"] and s["dX"] == s["X"] and s["db"] == (1, 2)


def test_activation_jacobian_is_diagonal_sigma_prime():
    z = activation.Z
    jac = activation.jacobian(__import__("numnet").Sigmoid(), z)
    np.testing.assert_allclose(jac, np.diag(sigmoid(z) * (1 - sigmoid(z))), atol=TOL)
    written = texts(activation.elementwise())
    for value in sigmoid(z) * (1 - sigmoid(z)):
        assert number(value, 2) in written


def test_softmax_jacobian_and_cross_entropy_gradient():
    z = softmax.Z
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    jac = np.diag(p) - np.outer(p, p)
    written = texts(softmax.softmax_jacobian())
    for value in jac.ravel():
        assert number(value, 2) in written
    y_hat, y, grad = softmax.cross_entropy_example(z, label=0)
    np.testing.assert_allclose(y_hat, p, atol=TOL)
    np.testing.assert_allclose(grad, p - np.eye(3)[0], atol=TOL)
    written = texts(softmax.cross_entropy_gradient())
    for value in p - np.eye(3)[0]:
        assert number(value, 2) in written


def test_finite_difference_slopes():
    x, h = 0.3, 0.7
    values, exact = training.finite_difference_example(x, h)
    np.testing.assert_allclose(values, np.tanh([x - h, x, x + h]), atol=TOL)
    assert exact == pytest.approx(1 - np.tanh(x) ** 2, abs=TOL)
    written = " ".join(texts(training.finite_differences(x, h)))
    central = (np.tanh(x + h) - np.tanh(x - h)) / (2 * h)
    forward = (np.tanh(x + h) - np.tanh(x)) / h
    for value in (exact, central, forward):
        assert number(value, 3) in written


def test_symmetry_gradients_have_equal_columns():
    hidden, dw1 = training.symmetry_example(0.5, x=(1.0, 2.0), y=1.0)
    x = np.array([1.0, 2.0])
    a = sigmoid(0.5 * x.sum())
    y_hat = 0.5 * 2 * a
    dz = 2 * (y_hat - 1.0) * 0.5 * a * (1 - a)  # the same for both hidden units
    np.testing.assert_allclose(hidden, [a, a], atol=TOL)
    np.testing.assert_allclose(dw1, np.outer(x, [dz, dz]), atol=TOL)
    written = texts(training.symmetry())
    assert written.count(number(x[0] * dz, 3)) == 2


def test_momentum_step_is_sgds():
    m_before, g_now, step = training.momentum_example(lr=0.1, beta=0.9)
    np.testing.assert_allclose(m_before, [-5.0, 0.0])  # the first buffer is the gradient
    np.testing.assert_allclose(step, -0.1 * (0.9 * m_before + g_now), atol=TOL)


def test_dropout_mask_scales_survivors():
    a, y = regularisation.dropout_example(p=0.5, seed=2)
    kept = y != 0
    assert 0 < kept.sum() < a.size
    np.testing.assert_allclose(y[kept], a[kept] / 0.5, atol=TOL)
    written = texts(regularisation.dropout_mask(p=0.5, seed=2))
    for value in y[kept]:
        assert number(value, 1) in written


def test_batchnorm_normalise_scale_shift():
    x, x_hat, y = regularisation.batchnorm_example(gamma=0.6, shift=4.0)
    eps = 1e-5  # BatchNorm1d's default
    reference = (x - x.mean()) / np.sqrt(x.var() + eps)
    np.testing.assert_allclose(x_hat, reference, atol=1e-12)
    np.testing.assert_allclose(y, 0.6 * reference + 4.0, atol=1e-12)


def test_conv_window_formula_has_the_numbers():
    written = " ".join(texts(conv.conv_window(n=5, k=3, p=1, s=2)))
    assert "(5 + 2\\cdot1 - 3)/2" in written and "= 3$" in written
    assert "output 3×3" in written


def test_im2col_columns_are_the_patches():
    x, cols = conv.im2col_example(n=3, k=2)
    patches = [x[i : i + 2, j : j + 2].ravel() for i in range(2) for j in range(2)]
    np.testing.assert_array_equal(cols, np.array(patches).T)


def test_conv_backward_matches_scatter_and_the_drawn_recipe():
    n, k, s = 5, 3, 2
    delta, weight, dx = conv.conv_backward_example(n, k, s)
    scatter = np.zeros((n, n))  # each output pixel sends δ·W back onto its window
    for i in range(delta.shape[0]):
        for j in range(delta.shape[1]):
            scatter[i * s : i * s + k, j * s : j * s + k] += delta[i, j] * weight
    np.testing.assert_allclose(dx, scatter, atol=TOL)
    padded = np.pad(conv.dilate(delta, s), k - 1)
    rotated = weight[::-1, ::-1]
    recipe = np.array(
        [[(padded[i : i + k, j : j + k] * rotated).sum() for j in range(n)] for i in range(n)]
    )
    np.testing.assert_allclose(dx, recipe, atol=TOL)
    written = texts(conv.conv_backward_figure(n, k, s))
    for value in dx.ravel():
        assert number(value, 0) in written


def test_maxpool_routes_delta_to_the_first_maximum():
    x, delta = pool.X, pool.DELTA
    y, dx = pool.maxpool_example(x, delta)
    expected = np.zeros_like(x)
    for i in range(2):
        for j in range(2):
            window = x[2 * i : 2 * i + 2, 2 * j : 2 * j + 2]
            a, b = divmod(int(np.argmax(window)), 2)  # argmax: first maximum, row-major
            expected[2 * i + a, 2 * j + b] = delta[i, j]
            assert y[i, j] == window.max()
    assert (x[:2, 2:] == x[:2, 2:].max()).sum() == 2  # the example holds a tie
    np.testing.assert_array_equal(dx, expected)
