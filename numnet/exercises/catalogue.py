"""The exercises: one function each, yielding cases with the verified and the mistaken answers.

Every verified answer comes from numnet's own layers (which the derivations and the tests tie
to SymPy and to finite differences); every mistaken answer is written out plainly below. The
cases are chosen so that the correct answer and each mistake differ clearly on at least one of
them: large logits, exact ties, a batch of one, non-square shapes.
"""

import math

import numpy as np

from numnet.activations import Sigmoid, Tanh
from numnet.batchnorm import BatchNorm1d
from numnet.conv import Conv2d
from numnet.dropout import Dropout
from numnet.exercises.checker import (
    Case,
    Result,
    Variants,
    _describe,
    _Raised,
    _shape,
    call,
    exercise,
)
from numnet.flatten import Flatten
from numnet.linear import Linear
from numnet.losses import BCELoss, CrossEntropyLoss, MSELoss
from numnet.module import Parameter, Sequential
from numnet.optim import SGD
from numnet.pool import MaxPool2d
from numnet.softmax import Softmax


def _forward_backward(layer, x, dy):
    """``(layer(x), layer.backward(dy))`` on a fresh layer."""
    y = layer(x)
    return y, layer.backward(dy)


def _sigma(x):
    return Sigmoid()(x)


# --- Activations ---------------------------------------------------------------------------


def _elementwise_cases(rng, layer_class):
    inputs = [
        ("a random batch, shape (4, 5)", 3 * rng.normal(size=(4, 5))),
        ("a batch of one, shape (1, 6)", rng.normal(size=(1, 6))),
        (
            "large inputs and 0: x = (−1000, −40, −1, 0, 1, 40, 1000)",
            np.array([[-1000.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1000.0]]),
        ),
        ("a 3-D array, shape (2, 3, 4)", rng.normal(size=(2, 3, 4))),
    ]
    for label, x in inputs:
        dy = rng.normal(size=x.shape)
        y, dx = _forward_backward(layer_class(), x, dy)
        local = _forward_backward(layer_class(), x, np.ones_like(x))[1]
        yield Case(
            label,
            (x, dy),
            dx,
            {
                "activation_instead_of_derivative": lambda dy=dy, y=y: dy * y,
                "upstream_gradient_ignored": lambda local=local: local,
            },
        )


@exercise("fn(x, dy) -> dx", ["dx"])
def sigmoid_backward(rng):
    """dx = dy · σ'(x) for the logistic sigmoid, element by element, any shape."""
    yield from _elementwise_cases(rng, Sigmoid)


@exercise("fn(x, dy) -> dx", ["dx"])
def tanh_backward(rng):
    """dx = dy · tanh'(x), element by element, any shape."""
    yield from _elementwise_cases(rng, Tanh)


# --- Dense layers ----------------------------------------------------------------------------


@exercise("fn(x, W, b, dy) -> (dx, dW, db)", ["dx", "dW", "db"])
def linear_backward(rng):
    """The three gradients of y = x @ W + b, x (N, in), W (in, out), b (out,)."""
    shapes = [
        ("a random batch, 5 samples, 3 → 4", 5, 3, 4),
        ("a batch of one, 3 → 2", 1, 3, 2),
        ("a square layer, 6 samples, 4 → 4", 6, 4, 4),
        ("a wide layer, 2 samples, 6 → 2", 2, 6, 2),
    ]
    for label, n, d_in, d_out in shapes:
        x, W = rng.normal(size=(n, d_in)), rng.normal(size=(d_in, d_out))
        b, dy = rng.normal(size=d_out), rng.normal(size=(n, d_out))
        layer = Linear(d_in, d_out, rng=0)
        layer.weight.data, layer.bias.data = W.copy(), b.copy()
        dx = _forward_backward(layer, x, dy)[1]
        dW, db = layer.weight.grad.copy(), layer.bias.grad.copy()
        yield Case(
            label,
            (x, W, b, dy),
            (dx, dW, db),
            {
                "transposed_weight_gradient": lambda dx=dx, dW=dW, db=db: (dx, dW.T, db),
                "bias_mean_instead_of_sum": lambda dx=dx, dW=dW, dy=dy: (dx, dW, dy.mean(axis=0)),
                "weight_not_transposed": lambda dy=dy, W=W, dW=dW, db=db: (dy @ W, dW, db),
            },
        )


@exercise("fn(x, W1, W2) -> y", ["y"])
def two_layer_linear(rng):
    """Two dense layers without bias, first W1 then W2; rows are samples."""
    shapes = [
        ("square weights, x (4, 3), W1 (3, 3), W2 (3, 3)", 4, 3, 3, 3),
        ("x (5, 3), W1 (3, 4), W2 (4, 2)", 5, 3, 4, 2),
        ("a batch of one, x (1, 2), W1 (2, 5), W2 (5, 3)", 1, 2, 5, 3),
        ("square weights, x (2, 4), W1 (4, 4), W2 (4, 4)", 2, 4, 4, 4),
    ]
    for label, n, d, h, m in shapes:
        x, W1, W2 = rng.normal(size=(n, d)), rng.normal(size=(d, h)), rng.normal(size=(h, m))
        net = Sequential(Linear(d, h, bias=False, rng=0), Linear(h, m, bias=False, rng=0))
        net[0].weight.data, net[1].weight.data = W1.copy(), W2.copy()
        yield Case(
            label, (x, W1, W2), net(x), {"wrong_order": lambda x=x, W1=W1, W2=W2: x @ W2 @ W1}
        )


# --- Softmax ---------------------------------------------------------------------------------


def _naive_softmax(z, shift):
    e = np.exp(z - shift)
    return e / e.sum(axis=1, keepdims=True)


def _softmax_inputs(rng):
    return [
        ("a random batch, shape (4, 5)", 2 * rng.normal(size=(4, 5))),
        ("a batch of one, shape (1, 5)", rng.normal(size=(1, 5))),
        (
            "large logits close together, 1000 + (0, 0.5, −1, −2)",
            np.array([[1000.0, 1000.5, 999.0, 998.0]]),
        ),
        ("a large spread, (400, −400, 0)", np.array([[400.0, -400.0, 0.0]])),
        ("very negative logits, (−1000, −1001, −1002)", np.array([[-1000.0, -1001.0, -1002.0]])),
        (
            "rows on different scales, shape (2, 3)",
            np.array([[1000.0, 999.0, 998.0], [0.0, 1.0, -1.0]]),
        ),
        ("exact ties, shape (2, 4)", np.array([[2.0, 2.0, 2.0, 2.0], [0.0, 0.0, 1.0, 1.0]])),
    ]


@exercise("fn(z) -> p", ["p"])
def stable_softmax(rng):
    """Softmax of each row of z (N, K), finite for any finite logits."""
    for label, z in _softmax_inputs(rng):
        row_max = z.max(axis=1, keepdims=True)
        yield Case(
            label,
            (z,),
            Softmax()(z),
            {
                "subtract_min": lambda z=z: _naive_softmax(z, z.min(axis=1, keepdims=True)),
                "no_shift": lambda z=z: _naive_softmax(z, 0.0),
                "global_max": lambda z=z: _naive_softmax(z, z.max()),
                "wrong_axis": lambda z=z, m=row_max: Variants(
                    [
                        np.exp(z - m) / np.exp(z - m).sum(),
                        np.exp(z - m) / np.exp(z - m).sum(axis=0, keepdims=True),
                    ]
                ),
            },
        )


@exercise("fn(z, dy) -> dz", ["dz"])
def softmax_backward(rng):
    """dz = J(z)ᵀ dy for p = softmax of each row of z (N, K)."""
    for label, z in _softmax_inputs(rng):
        dy = rng.normal(size=z.shape)
        p, dz = _forward_backward(Softmax(), z, dy)
        yield Case(
            label,
            (z, dy),
            dz,
            {
                "diagonal_jacobian": lambda p=p, dy=dy: dy * p * (1 - p),
                "no_shift": lambda z=z, dy=dy: _softmax_vjp(_naive_softmax(z, 0.0), dy),
            },
        )


def _softmax_vjp(p, dy):
    return p * (dy - (dy * p).sum(axis=1, keepdims=True))


@exercise("fn(z, labels) -> dz", ["dz"])
def cross_entropy_backward(rng):
    """dz of the batch-mean cross-entropy of logits z (N, K) with integer labels (N,)."""
    cases = [
        ("a random batch, shape (4, 5)", 2 * rng.normal(size=(4, 5)), np.array([0, 3, 1, 4])),
        ("a batch of one, shape (1, 5)", rng.normal(size=(1, 5)), np.array([2])),
        (
            "large logits, right and confidently wrong, ±1e4",
            np.array([[1e4, 0.0, -1e4], [1e4, 0.0, -1e4]]),
            np.array([0, 2]),
        ),
        (
            "exact ties, shape (3, 3)",
            np.array([[1.0, 1.0, 1.0], [0.0, 5.0, 5.0], [2.0, 2.0, 0.0]]),
            np.array([1, 2, 0]),
        ),
    ]
    for label, z, labels in cases:
        loss = CrossEntropyLoss()
        loss(z, labels)
        dz = loss.backward()
        n, k = z.shape
        onehot = np.eye(k)[labels]
        yield Case(
            label,
            (z, labels),
            dz,
            {
                "missing_batch_mean": lambda dz=dz, n=n: dz * n,
                "sign_flipped": lambda dz=dz: -dz,
                "no_shift": lambda z=z, y=onehot, n=n: (_naive_softmax(z, 0.0) - y) / n,
            },
        )


# --- Losses ----------------------------------------------------------------------------------

COMMON_EPSILONS = [10.0**-k for k in range(1, 17)]


def _bce_with_eps(p, y, eps):
    return float(-np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)))


@exercise("fn(p, y) -> loss", ["loss"])
def bce_loss(rng):
    """Mean binary cross-entropy of probabilities p and targets y of the same shape."""
    cases = [
        ("a random batch of 8", rng.uniform(0.05, 0.95, size=8), rng.integers(0, 2, 8) * 1.0),
        ("a batch of one, p = 0.3, y = 1", np.array([0.3]), np.array([1.0])),
        ("a confident right prediction, p = 1e-9, y = 0", np.array([1e-9]), np.array([0.0])),
        (
            "confident wrong predictions, p = (1e-6, 1e-12), y = 1",
            np.array([1e-6, 1e-12]),
            np.array([1.0, 1.0]),
        ),
        ("soft targets, y = (0.1, 0.9)", np.array([0.2, 0.7]), np.array([0.1, 0.9])),
        (
            "a column, shape (3, 1)",
            np.array([[0.9], [0.4], [0.6]]),
            np.array([[1.0], [0.0], [1.0]]),
        ),
    ]
    for label, p, y in cases:
        yield Case(
            label,
            (p, y),
            BCELoss()(p, y),
            {
                "epsilon_inside_log": lambda p=p, y=y: Variants(
                    [_bce_with_eps(p, y, eps) for eps in COMMON_EPSILONS]
                ),
                "missing_batch_mean": lambda p=p, y=y: BCELoss()(p, y) * p.size,
            },
        )


@exercise("fn(pred, target) -> dpred", ["dpred"])
def mse_backward(rng):
    """dpred of MSELoss: the mean of (pred − target)² over all elements, no ½."""
    shapes = [
        ("a random batch, shape (4, 3)", (4, 3)),
        ("a batch of one, shape (1, 3)", (1, 3)),
        ("a vector, shape (5,)", (5,)),
        ("one number, shape (1, 1)", (1, 1)),
    ]
    for label, shape in shapes:
        pred, target = rng.normal(size=shape), rng.normal(size=shape)
        loss = MSELoss()
        loss(pred, target)
        d = loss.backward()
        yield Case(
            label,
            (pred, target),
            d,
            {
                "missing_factor_two": lambda d=d: d / 2,
                "sum_instead_of_mean": lambda d=d: d * d.size,
                "mean_over_samples_only": lambda d=d: d * d.size / d.shape[0],
                "sign_flipped": lambda d=d: -d,
            },
        )


# --- Optimisation ----------------------------------------------------------------------------


def _sgd_momentum_step(w, grad, velocity, lr, momentum):
    """One numnet.SGD step from velocity ``velocity``: returns (new weights, new velocity)."""
    p = Parameter(w.copy())
    opt = SGD([p], lr=lr, momentum=momentum)
    p.grad = velocity.copy()
    opt.step()  # the first step sets the velocity to the gradient: v = velocity
    p.data = w.copy()
    p.grad = grad.copy()
    opt.step()  # v ← μ v + g, w ← w − η v
    return p.data, (w - p.data) / lr


@exercise("fn(w, grad, velocity, lr, momentum) -> (w, velocity)", ["w", "velocity"])
def momentum_step(rng):
    """One step of SGD with momentum as numnet.SGD and torch.optim.SGD take it (form A)."""
    cases = [
        ("random weights (3, 4), lr 0.1, momentum 0.9", (3, 4), 0.1, 0.9, True),
        ("the first step: velocity 0, lr 0.05, momentum 0.5", (5,), 0.05, 0.5, False),
        ("a single weight (1, 1), lr 0.5, momentum 0.99", (1, 1), 0.5, 0.99, True),
    ]
    for label, shape, lr, mu, moving in cases:
        w, g = rng.normal(size=shape), rng.normal(size=shape)
        v = rng.normal(size=shape) if moving else np.zeros(shape)
        yield Case(
            label,
            (w, g, v, lr, mu),
            _sgd_momentum_step(w, g, v, lr, mu),
            {
                "lr_in_velocity": lambda w=w, g=g, v=v, lr=lr, mu=mu: (
                    w + (mu * v - lr * g),
                    mu * v - lr * g,
                ),
                "stale_velocity": lambda w=w, g=g, v=v, lr=lr, mu=mu: (w - lr * v, mu * v + g),
                "velocity_as_average": lambda w=w, g=g, v=v, lr=lr, mu=mu: (
                    w - lr * (mu * v + (1 - mu) * g),
                    mu * v + (1 - mu) * g,
                ),
            },
        )


# --- Regularisation --------------------------------------------------------------------------


@exercise("fn(x, p, rng) -> y", ["y"], custom=True)
def dropout_forward(fn, rng):
    """Inverted dropout in training mode; p is the drop probability; use the rng given.

    The mask is random, so the checker looks at what any correct mask must give: each entry
    is 0 or x / (1 − p), and the kept fraction is 1 − p (within 0.01 on 100,000 units, where
    its standard deviation is below 0.0015; within 0.05 on 2,000).
    """
    name = "dropout_forward"
    seeds = [int(s) for s in rng.integers(0, 2**31, size=5)]
    ones = np.ones((200, 500))
    cases = [  # label, x, p, seed, tolerance of the kept fraction (None: not checked)
        ("x = ones (200, 500), p = 0.2", ones, 0.2, seeds[0], 0.01),
        ("x = ones (200, 500), p = 0.7", ones, 0.7, seeds[1], 0.01),
        ("random x (50, 40), p = 0.3", rng.normal(size=(50, 40)) + 3.0, 0.3, seeds[2], 0.05),
        ("a batch of one (1, 8), p = 0.25", rng.normal(size=(1, 8)) + 3.0, 0.25, seeds[3], None),
        ("p = 0: the identity", rng.normal(size=(3, 4)) + 3.0, 0.0, seeds[4], 1e-12),
    ]
    labels = [c[0] for c in cases] + ["the same seed twice gives the same mask"]
    tried = ["cases tried: " + "; ".join(f"({i + 1}) {lab}" for i, lab in enumerate(labels))]
    kinds, problems = [], []
    for _label, x, p, seed, tol in cases:
        y = call(fn, (x, p, np.random.default_rng(seed)))
        problem = _dropout_structure(y, x)
        kind, problem = (None, problem) if problem else _dropout_kind(x, y, p, tol)
        kinds.append(kind)
        problems.append(problem)
    # The two large cases decide a mistake: p = 0.2 and p = 0.7 tell p from 1 − p.
    mistake = kinds[0] if kinds[0] == kinds[1] and kinds[0] not in ("ok", None) else None
    for i, problem in enumerate(problems):
        if problem is not None:
            where = f"case {i + 1} of {len(labels)} ({labels[i]})"
            return Result(name, False, f"{where}: {problem}", mistake, tried)
    x, p, seed = np.ones((20, 30)), 0.5, seeds[0]
    first = call(fn, (x, p, np.random.default_rng(seed)))
    again = call(fn, (x, p, np.random.default_rng(seed)))
    if not (isinstance(again, np.ndarray) and np.array_equal(first, again)):
        return Result(
            name,
            False,
            f"case {len(labels)} of {len(labels)} ({labels[-1]}): two "
            "calls with generators of the same seed gave different masks; draw the "
            "mask from the rng you are given (e.g. rng.random(x.shape)).",
            None,
            tried,
        )
    return Result(name, True, f"correct on {len(labels)} cases: " + "; ".join(labels) + ".")


def _dropout_structure(y, x):
    if isinstance(y, _Raised):
        return str(y)
    if not isinstance(y, np.ndarray):
        return f"y should be a NumPy array of shape {_shape(x.shape)}, got {_describe(y)}."
    if y.shape != x.shape:
        return f"y has shape {_shape(y.shape)}, expected {_shape(x.shape)}."
    if y.dtype != x.dtype:
        return f"y has dtype {y.dtype}, expected {x.dtype}."
    if not np.isfinite(y).all():
        return "y contains NaN or infinity."
    return None


def _dropout_kind(x, y, p, tol):
    """('ok', None), (a mistake key, a sentence) or (None, a sentence) for another error."""
    scale = float(Dropout(p, rng=0)(np.ones(1000)).max())  # numnet's 1/(1 − p)
    kept = y != 0
    ratios = y[kept] / x[kept]
    if ratios.size and np.ptp(ratios) > 1e-6 * np.abs(ratios).max():
        i = tuple(int(j) for j in np.argwhere(kept & ~np.isclose(y, ratios[0] * x))[0])
        return None, (
            f"expected every entry to be 0 or x / (1 − p) = {scale:.6g} x, but "
            f"y[{i[0]}, {i[1]}] / "
            f"x[{i[0]}, {i[1]}] = {y[i] / x[i]:.6g}, but the first kept entry has "
            f"{ratios[0]:.6g}."
        )
    fraction = float(kept.mean())
    if tol is not None and abs(fraction - (1 - p)) > tol:
        sentence = f"kept {fraction:.3f} of the units, expected 1 − p = {1 - p:.3f}."
        return ("keep_probability_as_drop" if abs(fraction - p) <= tol else None), sentence
    factor = float(ratios[0]) if ratios.size else scale
    if not math.isclose(factor, scale, rel_tol=1e-6):
        if math.isclose(factor, 1.0, rel_tol=1e-6):
            return "no_rescale", f"the kept entries equal x, expected x / (1 − p) = {scale:.6g} x."
        return None, f"the kept entries are {factor:.6g} x, expected x / (1 − p) = {scale:.6g} x."
    return "ok", None


@exercise("fn(x, gamma, beta, dy, eps) -> (dx, dgamma, dbeta)", ["dx", "dgamma", "dbeta"])
def batchnorm_backward(rng):
    """Training-mode BatchNorm1d backward for x (N, C), with the batch's own statistics."""
    cases = [
        ("a random batch, shape (6, 4)", rng.normal(2.0, 3.0, size=(6, 4)), 1e-5),
        ("the smallest batch, two samples, shape (2, 3)", rng.normal(size=(2, 3)), 1e-5),
        (
            "a tiny spread (variance ~ eps) around 10, shape (5, 2)",
            10 + 3e-3 * rng.normal(size=(5, 2)),
            1e-5,
        ),
        ("eps = 0.1, shape (4, 3)", rng.normal(size=(4, 3)), 0.1),
    ]
    for label, x, eps in cases:
        c = x.shape[1]
        gamma, beta, dy = rng.normal(size=c), rng.normal(size=c), rng.normal(size=x.shape)
        bn = BatchNorm1d(c, eps=eps)
        bn.weight.data, bn.bias.data = gamma.copy(), beta.copy()
        dx = _forward_backward(bn, x, dy)[1]
        dgamma, dbeta = bn.weight.grad.copy(), bn.bias.grad.copy()
        inv_std = 1 / np.sqrt(x.var(axis=0) + eps)
        yield Case(
            label,
            (x, gamma, beta, dy, eps),
            (dx, dgamma, dbeta),
            {
                "statistics_treated_as_constants": lambda dy=dy, g=gamma, s=inv_std, dg=dgamma, db=dbeta: (
                    dy * g * s,
                    dg,
                    db,
                ),
                "gamma_gradient_without_normalising": lambda dx=dx, x=x, dy=dy, db=dbeta: (
                    dx,
                    (dy * x).sum(axis=0),
                    db,
                ),
            },
        )


# --- Convolution and pooling -----------------------------------------------------------------


def _windows(a):
    """(N, C, H, W) -> (N, C, H/2, W/2, 4): each 2×2 window in row-major order."""
    n, c, h, w = a.shape
    return (
        a.reshape(n, c, h // 2, 2, w // 2, 2)
        .transpose(0, 1, 2, 4, 3, 5)
        .reshape(n, c, h // 2, w // 2, 4)
    )


def _unwindow(a):
    n, c, ho, wo, _ = a.shape
    return a.reshape(n, c, ho, wo, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, 2 * ho, 2 * wo)


def _to_one_maximum(x, dy, last):
    win = _windows(x)
    index = 3 - _windows(x)[..., ::-1].argmax(axis=-1) if last else win.argmax(axis=-1)
    return _unwindow((np.arange(4) == index[..., None]) * dy[..., None])


@exercise("fn(x, dy) -> dx", ["dx"])
def maxpool_backward(rng):
    """dx of a 2×2 max pool with stride 2, x (N, C, H, W) with H and W even."""
    ties = np.array(
        [
            [5.0, 5.0, 0.0, 3.0, 1.0, 1.0],
            [5.0, 1.0, 3.0, 0.0, 1.0, 1.0],
            [-2.0, 7.0, 4.0, 4.0, 0.0, 0.0],
            [7.0, 7.0, 1.0, 2.0, 0.0, -1.0],
        ]
    )
    inputs = [
        ("a random batch, shape (2, 3, 4, 6)", rng.normal(size=(2, 3, 4, 6))),
        ("a batch of one, shape (1, 1, 4, 4)", rng.normal(size=(1, 1, 4, 4))),
        ("exact ties in every window, shape (1, 1, 4, 6)", ties[None, None]),
        ("all negative, shape (1, 2, 2, 2)", -1 - rng.random(size=(1, 2, 2, 2))),
        ("integers with ties, shape (2, 2, 6, 4)", 1.0 * rng.integers(0, 3, (2, 2, 6, 4))),
    ]
    for label, x in inputs:
        dy = rng.normal(size=(*x.shape[:2], x.shape[2] // 2, x.shape[3] // 2))
        dx = _forward_backward(MaxPool2d(2), x, dy)[1]
        up = dy.repeat(2, axis=2).repeat(2, axis=3)
        is_max = x == MaxPool2d(2)(x).repeat(2, axis=2).repeat(2, axis=3)
        count = _windows(is_max).sum(axis=-1).repeat(2, axis=2).repeat(2, axis=3)
        yield Case(
            label,
            (x, dy),
            dx,
            {
                "gradient_to_every_entry": lambda up=up: up,
                "gradient_to_all_tied_maxima": lambda up=up, m=is_max: up * m,
                "gradient_to_last_tied_maximum": lambda x=x, dy=dy: _to_one_maximum(
                    x, dy, last=True
                ),
                "gradient_split_among_tied_maxima": lambda up=up, m=is_max, c=count: up * m / c,
            },
        )


def _conv_input_gradient(dy, K, x_shape):
    layer = Conv2d(1, 1, K.shape, bias=False, rng=0)
    layer.weight.data = K[None, None].copy()
    return _forward_backward(layer, np.zeros((1, 1, *x_shape)), dy[None, None])[1][0, 0]


@exercise("fn(dy, K, x_shape) -> dx", ["dx"])
def conv2d_input_gradient(rng):
    """dx of y = x ⋆ K (cross-correlation), one channel, stride 1, no padding; 2-D arrays."""
    shapes = [
        ("x (5, 5), K (3, 3)", (5, 5), (3, 3)),
        ("x (4, 6), K (2, 3)", (4, 6), (2, 3)),
        ("a kernel as large as x, x (3, 2), K (3, 2)", (3, 2), (3, 2)),
        ("a 1×1 kernel, x (2, 3)", (2, 3), (1, 1)),
        ("x (6, 5), K (3, 3)", (6, 5), (3, 3)),
    ]
    for label, x_shape, k_shape in shapes:
        K = rng.normal(size=k_shape)
        dy = rng.normal(size=(x_shape[0] - k_shape[0] + 1, x_shape[1] - k_shape[1] + 1))
        yield Case(
            label,
            (dy, K, x_shape),
            _conv_input_gradient(dy, K, x_shape),
            {
                "kernel_not_rotated": lambda dy=dy, K=K, s=x_shape: _conv_input_gradient(
                    dy, K[::-1, ::-1].copy(), s
                ),
            },
        )


def _stride2_question(x, f, W, t, g, g_prime, slope):
    """Report 000, Question 3, through numnet's layers; ``slope(C)`` replaces g'(C)."""
    conv = Conv2d(1, 1, 2, stride=2, bias=False, rng=0)
    conv.weight.data = f[None, None].copy()
    flat, dense = Flatten(), Linear(4, 1, bias=False, rng=0)
    dense.weight.data = W[:, None].copy()
    C = conv(x[None, None])
    out = dense(flat(g(C)))
    dY = flat.backward(dense.backward(out - t))  # dL/dout = out − t for L = ½(t − out)²
    conv.backward(dY * slope(C))
    return conv.weight.grad[0, 0].copy()


def _relu(c):
    return np.maximum(c, 0.0)


def _relu_prime(c):
    return (c > 0) * 1.0


def _tanh_prime(c):
    return 1 - np.tanh(c) ** 2


def _sigmoid_prime(c):
    return _sigma(c) * (1 - _sigma(c))


@exercise("fn(x, f, W, t, g, g_prime) -> df", ["df"])
def conv_stride2_backward(rng):
    """df of report 000's Question 3: 4×4 x, 2×2 f with stride 2, g, W·vec(Y), ½(t − out)²."""
    book_x = np.array([[2, 0, 1, 3], [1, 1, 0, 2], [0, 3, 2, 1], [1, 0, 1, 0]], dtype=float)
    cases = [
        ("g = tanh, random x, f, W, t", rng.normal(size=(4, 4)), np.tanh, _tanh_prime),
        ("g = σ, the book's integer example", book_x, _sigma, _sigmoid_prime),
        ("g = ReLU, random x (both signs)", rng.normal(size=(4, 4)), _relu, _relu_prime),
        ("g = tanh, large x", 5 * rng.normal(size=(4, 4)), np.tanh, _tanh_prime),
    ]
    for label, x, g, g_prime in cases:
        if x is book_x:
            f, W, t = np.array([[1.0, -1.0], [2.0, 0.0]]), np.array([0.5, -1.0, 2.0, 1.0]), 1.0
        else:
            f, W, t = rng.normal(size=(2, 2)), rng.normal(size=4), float(rng.normal())
        args = (x, f, W, t, g, g_prime)
        yield Case(
            label,
            args,
            _stride2_question(*args, g_prime),
            {
                "activation_instead_of_derivative": lambda a=args: _stride2_question(*a, a[4]),
                "activation_derivative_missing": lambda a=args: _stride2_question(*a, np.ones_like),
            },
        )


@exercise("fn(n, f, s, p) -> size", ["size"])
def conv_output_size(rng):
    """Output length of a convolution: input n, kernel f, stride s, padding p (ints)."""
    cases = [
        (32, 5, 2, 1),
        (28, 3, 1, 1),
        (7, 3, 2, 0),
        (6, 3, 2, 0),
        (5, 5, 1, 0),
        (4, 2, 2, 0),
        (64, 7, 2, 3),
        (10, 4, 3, 2),
    ]
    for n, f, s, p in cases:
        size = Conv2d(1, 1, f, stride=s, padding=p, rng=0)(np.zeros((1, 1, n, 1 + 2 * f))).shape[2]
        yield Case(
            f"n = {n}, f = {f}, s = {s}, p = {p}",
            (n, f, s, p),
            int(size),
            {
                "missing_plus_one": lambda n=n, f=f, s=s, p=p: (n + 2 * p - f) // s,
                "padding_once": lambda n=n, f=f, s=s, p=p: (n + p - f) // s + 1,
                "rounds_up": lambda n=n, f=f, s=s, p=p: -(-(n + 2 * p - f) // s) + 1,
                "no_floor": lambda n=n, f=f, s=s, p=p: (n + 2 * p - f) / s + 1,
            },
        )
