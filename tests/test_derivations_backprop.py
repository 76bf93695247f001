"""The matrix equations of backpropagation: proved for every size, tied to numnet, and wrong
variants (g instead of g', a forgotten g', a wrong numnet backward) fail."""

import numpy as np
import pytest
import sympy as sp

import numnet
from derivations import backprop
from derivations.printing import tex


def _built():
    """A fresh ``backprop_equations`` (not the cached one: tests change its steps) and its names."""
    d = backprop.backprop_equations()
    names = {}
    values = [value for value, _show in d.definitions.values()]
    for e in [*d.definitions, *values, *(c.steps[0].expr for c in d.chains)]:
        for s in e.atoms(sp.MatrixSymbol) | ({e} if isinstance(e, sp.MatrixSymbol) else set()):
            names[s.name] = s
    return d, names


def test_proved_for_every_size_and_tied_in_both_precisions():
    d, _ = _built()
    report = d.check()
    assert report.ok, report.problems
    assert report.level == "general" and "every N, D, H" in report.scope
    assert report.err_float32 is not None and report.err_fd is not None


def test_the_display_reads_as_the_equations():
    d, _ = _built()
    d.check()
    text = d._repr_markdown_()
    for line in [
        r"z^{(l)} = a^{(l-1)} W^{(l)} + {\mathbf{1}} b^{(l)}",
        r"a^{(l)} = g\left(z^{(l)}\right)",
        r"\delta_z^{(l)} = \delta^{(l)} \odot g'\left(z^{(l)}\right)",
        r"\frac{\partial L}{\partial W^{(l)}} = \left(a^{(l-1)}\right)^{T} \delta_z^{(l)}",
        r"\frac{\partial L}{\partial b^{(l)}} = {\mathbf{1}}^{T} \delta_z^{(l)}",
        r"\delta^{(l-1)} = \delta_z^{(l)} \left(W^{(l)}\right)^{T}",
    ]:
        assert f"$$\n{line}\n$$" in text
    raw = ["MatrixElement", "Lambda", "activation(", "activation_prime", "Entrywise", "Dummy", "xi"]
    for noise in raw:
        assert noise not in text


def _wrong(names, kind):
    A, W, up, one = (names[s] for s in ("a^{(l-1)}", "W^{(l)}", r"\delta^{(l)}", r"{\mathbf{1}}"))
    Z = names["z^{(l)}"]
    g_of_z = backprop.entrywise(backprop.activation, Z)
    return {
        # the activation where its derivative belongs
        "g instead of g'": (0, A.T * sp.HadamardProduct(up, g_of_z)),
        # the upstream gradient without the activation's local derivative
        "forgotten g' (weight)": (0, A.T * up),
        "forgotten g' (bias)": (1, one.T * up),
        "forgotten g' (recursion)": (2, up * W.T),
    }[kind]


@pytest.mark.parametrize(
    "kind",
    ["g instead of g'", "forgotten g' (weight)", "forgotten g' (bias)", "forgotten g' (recursion)"],
)
def test_a_wrong_equation_fails(kind):
    d, names = _built()
    chain, wrong = _wrong(names, kind)
    d.chains[chain].steps[0].expr = wrong
    d.ties.clear()  # the symbolic step alone must fail (numnet is tied in another test)
    report = d.check()
    assert report.level == "failed"
    assert any("does not follow" in p for p in report.problems)


def test_a_wrong_transpose_is_not_a_matrix_of_the_right_shape():
    _, names = _built()
    A, up_z = names["a^{(l-1)}"], names[r"\delta_z^{(l)}"]
    # δ_zᵀ a is H × D, the transpose of ∂L/∂W (D × H): it cannot even be stated as equal
    assert (up_z.T * A).shape != (A.T * up_z).shape


def test_numnet_with_tanh_in_place_of_its_derivative_fails_the_tie(monkeypatch):
    monkeypatch.setattr(numnet.Tanh, "_df", lambda self, x, y: y)
    d, _ = _built()
    report = d.check()
    assert report.level == "failed"
    assert any("every weight and bias gradient" in p for p in report.problems)


def test_the_four_lines_in_numpy_give_numnet_gradients_for_a_deeper_network():
    # Independent reference: the chapter's equations written out with NumPy, l = L, …, 1,
    # for a four-layer network with a different activation in each hidden layer.
    rng = np.random.default_rng(3)
    widths = [4, 5, 3, 6, 2]
    acts = [numnet.Sigmoid(), numnet.Tanh(), numnet.ReLU(), None]
    derivative = {
        numnet.Sigmoid: lambda z: 1 / (1 + np.exp(-z)) * (1 - 1 / (1 + np.exp(-z))),
        numnet.Tanh: lambda z: 1 - np.tanh(z) ** 2,
        numnet.ReLU: lambda z: (z > 0).astype(float),
    }
    forward = {
        numnet.Sigmoid: lambda z: 1 / (1 + np.exp(-z)),
        numnet.Tanh: np.tanh,
        numnet.ReLU: lambda z: np.maximum(z, 0),
    }
    linears = [numnet.Linear(i, o) for i, o in zip(widths[:-1], widths[1:], strict=True)]
    for layer in linears:
        layer.weight.data = rng.normal(size=layer.weight.data.shape)
        layer.bias.data = rng.normal(size=layer.bias.data.shape)
    modules = [m for layer, act in zip(linears, acts, strict=True) for m in (layer, act) if m]
    model, mse = numnet.Sequential(*modules), numnet.MSELoss()
    x, y = rng.normal(size=(7, widths[0])), rng.normal(size=(7, widths[-1]))
    mse(model(x), y)
    model.backward(mse.backward())

    a, zs = [x], []
    for layer, act in zip(linears, acts, strict=True):
        zs.append(a[-1] @ layer.weight.data + layer.bias.data)
        a.append(forward[type(act)](zs[-1]) if act else zs[-1])
    delta = 2 * (a[-1] - y) / y.size  # ∂L/∂ŷ of the mean squared error
    for l in range(len(linears), 0, -1):
        act, layer = acts[l - 1], linears[l - 1]
        delta_z = delta * (derivative[type(act)](zs[l - 1]) if act else 1)
        # float64 sums of at most 7 products of O(1) numbers: a few ulps of their size
        np.testing.assert_allclose(layer.weight.grad, a[l - 1].T @ delta_z, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(layer.bias.grad, delta_z.sum(axis=0), rtol=1e-12, atol=1e-14)
        delta = delta_z @ layer.weight.data.T


def test_tex_of_the_derivative_has_no_dummy_variable():
    # SymPy's own derivative of g applied entrywise carries a fresh dummy; ours prints g'(z)
    _, names = _built()
    Z = names["z^{(l)}"]
    assert tex(backprop.entrywise(backprop.activation_prime, Z)) == r"g'\left(z^{(l)}\right)"
