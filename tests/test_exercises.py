"""numnet.exercises: every exercise accepts a correct solution, names each listed mistake,
rejects an unrelated wrong answer without a key, and reports broken functions without raising.

The solutions below are written plainly from the formulas (loops where that is clearest), not
with numnet, so they are an independent check of the verified answers.
"""

import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from numnet import exercises
from numnet.exercises import MISTAKES

BOOK = Path(__file__).resolve().parents[1] / "book"

# --- Correct solutions ---------------------------------------------------------------------


def sig(x):
    return 0.5 * (1 + np.tanh(x / 2))


def sigmoid_backward(x, dy):
    s = sig(x)
    return dy * s * (1 - s)


def tanh_backward(x, dy):
    return dy * (1 - np.tanh(x) ** 2)


def stable_softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_backward(z, dy):
    p = stable_softmax(z)
    return p * (dy - (dy * p).sum(axis=1, keepdims=True))


def cross_entropy_backward(z, labels):
    p = stable_softmax(z)
    p[np.arange(len(z)), labels] -= 1
    return p / len(z)


def bce_loss(p, y):
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def mse_backward(pred, target):
    return 2 * (pred - target) / pred.size


def linear_backward(x, W, b, dy):
    return dy @ W.T, x.T @ dy, dy.sum(axis=0)


def two_layer_linear(x, W1, W2):
    return (x @ W1) @ W2


def dropout_forward(x, p, rng):
    keep = rng.random(x.shape) >= p
    return x * keep / (1 - p)


def batchnorm_backward(x, gamma, beta, dy, eps):
    n = len(x)
    mu = x.mean(axis=0)
    s = np.sqrt(((x - mu) ** 2).mean(axis=0) + eps)
    xh = (x - mu) / s
    dgamma, dbeta = (dy * xh).sum(axis=0), dy.sum(axis=0)
    dx = gamma / (n * s) * (n * dy - dbeta - xh * dgamma)
    return dx, dgamma, dbeta


def momentum_step(w, grad, velocity, lr, momentum):
    v = momentum * velocity + grad
    return w - lr * v, v


def conv_output_size(n, f, s, p):
    return (n + 2 * p - f) // s + 1


def maxpool_backward(x, dy):
    n, c, h, w = x.shape
    dx = np.zeros_like(x)
    for i in range(h // 2):
        for j in range(w // 2):
            win = x[:, :, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2].reshape(n, c, 4)
            k = win.argmax(axis=2)
            for a in range(n):
                for b in range(c):
                    dx[a, b, 2 * i + k[a, b] // 2, 2 * j + k[a, b] % 2] = dy[a, b, i, j]
    return dx


def conv2d_input_gradient(dy, K, x_shape):
    dx = np.zeros(x_shape)
    kh, kw = K.shape
    for i in range(dy.shape[0]):
        for j in range(dy.shape[1]):
            dx[i : i + kh, j : j + kw] += dy[i, j] * K
    return dx


def conv_stride2_backward(x, f, W, t, g, g_prime):
    C = np.array(
        [[(x[2 * i : 2 * i + 2, 2 * j : 2 * j + 2] * f).sum() for j in range(2)] for i in range(2)]
    )
    out = W @ g(C).ravel()
    dC = (out - t) * W.reshape(2, 2) * g_prime(C)
    df = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            df += dC[i, j] * x[2 * i : 2 * i + 2, 2 * j : 2 * j + 2]
    return df


CORRECT = {name: globals()[name] for name in exercises.names()}


# --- Mistaken solutions: each listed key, written as a student would ------------------------


def softmax_with_shift(z, shift):
    e = np.exp(z - shift)
    return e / e.sum(axis=1, keepdims=True)


def maxpool_with_rule(x, dy, rule):
    n, c, h, w = x.shape
    win = x.reshape(n, c, h // 2, 2, w // 2, 2)
    top = win.max(axis=(3, 5), keepdims=True)
    up = dy[:, :, :, None, :, None] * np.ones((1, 1, 1, 2, 1, 2))
    is_max = win == top
    if rule == "every":
        out = up
    elif rule == "all_tied":
        out = up * is_max
    elif rule == "split":
        out = up * is_max / is_max.sum(axis=(3, 5), keepdims=True)
    else:  # the last tied maximum in row-major order
        flat = is_max.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)
        last = 3 - flat[..., ::-1].argmax(axis=-1)
        one = (np.arange(4) == last[..., None]).reshape(n, c, h // 2, w // 2, 2, 2)
        out = up * one.transpose(0, 1, 2, 4, 3, 5)
    return out.reshape(n, c, h, w)


def dropout_keep_as_drop(x, p, rng):
    return x * (rng.random(x.shape) < p) / p  # report 004: p is the keep probability


def dropout_no_rescale(x, p, rng):
    return x * (rng.random(x.shape) >= p)


MISTAKEN = {
    ("sigmoid_backward", "activation_instead_of_derivative"): lambda x, dy: dy * sig(x),
    ("sigmoid_backward", "upstream_gradient_ignored"): lambda x, dy: sig(x) * (1 - sig(x)),
    ("tanh_backward", "activation_instead_of_derivative"): lambda x, dy: dy * np.tanh(x),
    ("tanh_backward", "upstream_gradient_ignored"): lambda x, dy: 1 - np.tanh(x) ** 2,
    ("softmax_backward", "diagonal_jacobian"): lambda z, dy: (
        dy * stable_softmax(z) * (1 - stable_softmax(z))
    ),
    ("softmax_backward", "no_shift"): lambda z, dy: (
        lambda p: p * (dy - (dy * p).sum(axis=1, keepdims=True))
    )(softmax_with_shift(z, 0)),
    ("stable_softmax", "subtract_min"): lambda z: softmax_with_shift(
        z, z.min(axis=1, keepdims=True)
    ),
    ("stable_softmax", "no_shift"): lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True),
    ("stable_softmax", "global_max"): lambda z: softmax_with_shift(z, np.max(z)),
    ("stable_softmax", "wrong_axis"): lambda z: (
        np.exp(z - z.max(axis=1, keepdims=True))
        / np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=0)
    ),
    ("cross_entropy_backward", "missing_batch_mean"): lambda z, labels: (
        cross_entropy_backward(z, labels) * len(z)
    ),
    ("cross_entropy_backward", "sign_flipped"): lambda z, labels: (
        -cross_entropy_backward(z, labels)
    ),
    ("cross_entropy_backward", "no_shift"): lambda z, labels: (
        (softmax_with_shift(z, 0) - np.eye(z.shape[1])[labels]) / len(z)
    ),
    ("bce_loss", "epsilon_inside_log"): lambda p, y: (
        -np.mean(y * np.log(p + 1e-7) + (1 - y) * np.log(1 - p + 1e-7))
    ),
    ("bce_loss", "missing_batch_mean"): lambda p, y: (
        -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))
    ),
    ("mse_backward", "missing_factor_two"): lambda pred, t: (pred - t) / pred.size,
    ("mse_backward", "sum_instead_of_mean"): lambda pred, t: 2 * (pred - t),
    ("mse_backward", "mean_over_samples_only"): lambda pred, t: 2 * (pred - t) / len(pred),
    ("mse_backward", "sign_flipped"): lambda pred, t: 2 * (t - pred) / pred.size,
    ("linear_backward", "transposed_weight_gradient"): lambda x, W, b, dy: (
        dy @ W.T,
        dy.T @ x,
        dy.sum(axis=0),
    ),
    ("linear_backward", "bias_mean_instead_of_sum"): lambda x, W, b, dy: (
        dy @ W.T,
        x.T @ dy,
        dy.mean(axis=0),
    ),
    ("linear_backward", "weight_not_transposed"): lambda x, W, b, dy: (
        dy @ W,
        x.T @ dy,
        dy.sum(axis=0),
    ),
    ("two_layer_linear", "wrong_order"): lambda x, W1, W2: x @ W2 @ W1,
    ("dropout_forward", "keep_probability_as_drop"): dropout_keep_as_drop,
    ("dropout_forward", "no_rescale"): dropout_no_rescale,
    ("batchnorm_backward", "statistics_treated_as_constants"): lambda x, g, b, dy, eps: (
        dy * g / np.sqrt(x.var(axis=0) + eps),
        *batchnorm_backward(x, g, b, dy, eps)[1:],
    ),
    ("batchnorm_backward", "gamma_gradient_without_normalising"): lambda x, g, b, dy, eps: (
        batchnorm_backward(x, g, b, dy, eps)[0],
        (dy * x).sum(axis=0),
        dy.sum(axis=0),
    ),
    ("momentum_step", "lr_in_velocity"): lambda w, g, v, lr, mu: (
        w + mu * v - lr * g,
        mu * v - lr * g,
    ),
    ("momentum_step", "stale_velocity"): lambda w, g, v, lr, mu: (w - lr * v, mu * v + g),
    ("momentum_step", "velocity_as_average"): lambda w, g, v, lr, mu: (
        w - lr * (mu * v + (1 - mu) * g),
        mu * v + (1 - mu) * g,
    ),
    ("maxpool_backward", "gradient_to_every_entry"): lambda x, dy: maxpool_with_rule(
        x, dy, "every"
    ),
    ("maxpool_backward", "gradient_to_all_tied_maxima"): lambda x, dy: maxpool_with_rule(
        x, dy, "all_tied"
    ),
    ("maxpool_backward", "gradient_to_last_tied_maximum"): lambda x, dy: maxpool_with_rule(
        x, dy, "last"
    ),
    ("maxpool_backward", "gradient_split_among_tied_maxima"): lambda x, dy: maxpool_with_rule(
        x, dy, "split"
    ),
    ("conv2d_input_gradient", "kernel_not_rotated"): lambda dy, K, s: conv2d_input_gradient(
        dy, K[::-1, ::-1], s
    ),
    ("conv_stride2_backward", "activation_instead_of_derivative"): lambda x, f, W, t, g, gp: (
        conv_stride2_backward(x, f, W, t, g, g)
    ),
    ("conv_stride2_backward", "activation_derivative_missing"): lambda x, f, W, t, g, gp: (
        conv_stride2_backward(x, f, W, t, g, np.ones_like)
    ),
    ("conv_output_size", "missing_plus_one"): lambda n, f, s, p: (n + 2 * p - f) // s,
    ("conv_output_size", "padding_once"): lambda n, f, s, p: (n + p - f) // s + 1,
    ("conv_output_size", "rounds_up"): lambda n, f, s, p: -(-(n + 2 * p - f) // s) + 1,
    ("conv_output_size", "no_floor"): lambda n, f, s, p: (n + 2 * p - f) / s + 1,
}

REQUIRED = {  # the issue's table: these keys at least
    "sigmoid_backward": ["activation_instead_of_derivative"],
    "softmax_backward": ["diagonal_jacobian"],
    "stable_softmax": ["subtract_min", "no_shift"],
    "cross_entropy_backward": ["missing_batch_mean"],
    "bce_loss": ["epsilon_inside_log"],
    "linear_backward": ["transposed_weight_gradient", "bias_mean_instead_of_sum"],
    "two_layer_linear": ["wrong_order"],
    "dropout_forward": ["keep_probability_as_drop", "no_rescale"],
    "maxpool_backward": ["gradient_to_every_entry", "gradient_to_all_tied_maxima"],
    "conv2d_input_gradient": ["kernel_not_rotated"],
    "conv_stride2_backward": ["activation_instead_of_derivative"],
}


def test_names_cover_the_issue_table():
    assert set(REQUIRED) <= set(exercises.names())
    for name, keys in REQUIRED.items():
        assert {(name, k) for k in keys} <= set(MISTAKEN)


@pytest.mark.parametrize("name", exercises.names())
def test_correct_solution_is_ok(name):
    result = exercises.check(name, CORRECT[name])
    assert result.ok and result and result.mistake is None, str(result)
    assert str(result).startswith(f"✔ {name}: correct on")


@pytest.mark.parametrize("name", exercises.names())
@pytest.mark.parametrize("seed", [1, 2])
def test_correct_solution_is_ok_for_other_seeds(name, seed):
    assert exercises.check(name, CORRECT[name], seed=seed).ok


@pytest.mark.parametrize(("name", "key"), list(MISTAKEN))
def test_mistake_is_recognised(name, key):
    result = exercises.check(name, MISTAKEN[(name, key)])
    assert not result.ok and not result
    assert result.mistake == key, str(result)
    short, hint, link = MISTAKES[key]
    assert short in str(result) and link in str(result)
    assert f'<a href="{link}">' in result._repr_markdown_()


def test_bce_epsilon_is_recognised_for_other_common_values():
    for eps in (1e-5, 1e-8, 1e-10, 1e-12):
        result = exercises.check(
            "bce_loss",
            lambda p, y, e=eps: -np.mean(y * np.log(p + e) + (1 - y) * np.log(1 - p + e)),
        )
        assert result.mistake == "epsilon_inside_log", (eps, str(result))


def scaled_first_output(out, factor=1.1, shift=0.01):
    """An unrelated wrong answer: the first output scaled and shifted."""
    if isinstance(out, tuple):
        return (scaled_first_output(out[0], factor, shift), *out[1:])
    if isinstance(out, (int, np.integer)):
        return out + 3
    return out * factor + shift


@pytest.mark.parametrize("name", exercises.names())
def test_unrelated_wrong_answer_has_no_key(name):
    correct = CORRECT[name]
    result = exercises.check(name, lambda *args: scaled_first_output(correct(*args)))
    assert not result.ok and result.mistake is None, str(result)
    assert "expected" in result.message


def first_output(name, transform):
    """A broken variant of the correct solution: ``transform`` applied to its first output."""
    correct = CORRECT[name]

    def broken(*args):
        out = correct(*args)
        if isinstance(out, tuple):
            return (transform(out[0]), *out[1:])
        return transform(out)

    return broken


def as_array(v):
    return np.asarray(v, dtype=float)


def wrong_dtype(v):
    if np.ndim(v) == 0:
        return str(v)  # a number as text
    return np.asarray(v, dtype=np.float32)


BROKEN = {  # kind: (make a broken function from an exercise name, words the message contains)
    "raises": (lambda name: lambda *args: 1 / 0, ["raised ZeroDivisionError"]),
    "wrong shape": (
        lambda name: first_output(name, lambda v: np.concatenate([as_array(v).ravel()] * 2)),
        ["shape"],
    ),
    "NaN": (lambda name: first_output(name, lambda v: as_array(v) * np.nan), ["nan"]),
    "wrong dtype": (lambda name: first_output(name, wrong_dtype), ["float32", "str"]),
    "None": (lambda name: lambda *args: None, ["None"]),
    "list": (lambda name: first_output(name, lambda v: np.atleast_1d(v).tolist()), ["list"]),
}


@pytest.mark.parametrize("name", exercises.names())
@pytest.mark.parametrize("kind", list(BROKEN))
def test_broken_function_gets_a_message_not_a_traceback(name, kind):
    make, phrase = BROKEN[kind]
    result = exercises.check(name, make(name))
    assert not result.ok and result.mistake is None, str(result)
    text = str(result)
    assert text.startswith(f"✘ {name}: case 1 of "), text
    assert any(p.lower() in text.lower() for p in phrase), text
    assert "Traceback" not in text


def test_report_names_case_index_expected_and_got():
    def off_by_one_entry(z, dy):
        dz = softmax_backward(z, dy)
        dz[0, 2] += 0.5
        return dz

    text = str(exercises.check("softmax_backward", off_by_one_entry))
    expected = softmax_backward(*softmax_case_one())[0, 2]
    assert "case 1 of 7 (a random batch, shape (4, 5)): dz[0, 2] expected" in text
    assert f"{expected:.6g}, got {expected + 0.5:.6g}" in text
    assert "cases tried: (1) a random batch" in text


def softmax_case_one():
    """The first case of softmax_backward with seed 0, drawn as the checker draws it."""
    rng = np.random.default_rng(0)
    z = 2 * rng.normal(size=(4, 5))
    rng.normal(size=(1, 5))  # the second case's logits are drawn before any dy
    return z, rng.normal(size=(4, 5))


def test_raise_reports_the_students_line():
    def student(x, dy):
        return dy * undefined_name  # noqa: F821

    text = str(exercises.check("sigmoid_backward", student))
    assert "NameError" in text and "line" in text and "undefined_name" in text


def test_the_checker_does_not_change_the_arguments_it_compares_with():
    def in_place(z, dy):
        z -= z.max(axis=1, keepdims=True)  # modifies the caller's array
        return softmax_backward(z, dy)

    assert exercises.check("softmax_backward", in_place).ok


def test_not_a_function_and_unknown_name():
    assert "expected a function" in exercises.check("sigmoid_backward", 3).message
    with pytest.raises(ValueError, match="unknown exercise"):
        exercises.check("no_such_exercise", sigmoid_backward)


def test_dropout_must_use_the_given_generator():
    def global_rng(x, p, rng):
        return x * (np.random.default_rng().random(x.shape) >= p) / (1 - p)

    result = exercises.check("dropout_forward", global_rng)
    assert not result.ok and "same seed" in result.message


def heading_anchor(title):
    """docutils' make_id, which Sphinx uses for section anchors (for the titles used here)."""
    ascii_title = unicodedata.normalize("NFKD", title.lower()).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in ascii_title).split()
    return "-".join(words)


def test_every_hint_links_to_a_section_of_the_book():
    for key, (_short, _hint, link) in MISTAKES.items():
        page, anchor = link.split("#")
        lines = (BOOK / page.replace(".html", ".md")).read_text(encoding="utf-8").splitlines()
        anchors = {heading_anchor(line.lstrip("#")) for line in lines if line.startswith("#")}
        assert anchor in anchors, (key, link)


def test_imports_with_numpy_alone():
    code = (
        "import sys\n"
        "for name in ('sympy', 'matplotlib', 'scipy', 'derivations'):\n"
        "    sys.modules[name] = None\n"
        "from numnet import exercises\n"
        "print(len(exercises.names()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout) == len(CORRECT)
