import numpy as np
import pytest

import numnet


def weights(rng, *shapes, dtype=np.float64):
    return [numnet.Parameter(rng.normal(size=s).astype(dtype)) for s in shapes]


def reference(params, l1, l2):
    """λ₁ Σ|w| + (λ₂/2) Σ w², entry by entry, and the gradient λ₁ sign(w) + λ₂ w."""
    value, grads = 0.0, []
    for p in params:
        flat = p.data.ravel()
        g = np.zeros(flat.size)
        for k, w in enumerate(flat):
            value += l1 * abs(w) + l2 / 2 * w * w
            g[k] = l1 * (1.0 if w > 0 else -1.0 if w < 0 else 0.0) + l2 * w
        grads.append(g.reshape(p.data.shape))
    return value, grads


@pytest.mark.parametrize(
    ("penalty", "l1", "l2"),
    [
        (lambda ps: numnet.l2_penalty(ps, 0.3), 0.0, 0.3),
        (lambda ps: numnet.l1_penalty(ps, 0.7), 0.7, 0.0),
        (lambda ps: numnet.elastic_net_penalty(ps, l1=0.2, l2=0.5), 0.2, 0.5),
    ],
    ids=["l2", "l1", "elastic_net"],
)
def test_value_and_gradient_match_loops(rng, penalty, l1, l2):
    params = weights(rng, (3, 4), (5,))
    params[0].data[1, 2] = 0.0  # the kink of |w|
    value, grads = penalty(params)
    expected_value, expected_grads = reference(params, l1, l2)
    assert value == pytest.approx(expected_value, rel=1e-13)
    for g, e in zip(grads, expected_grads, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-13)
    assert grads[0][1, 2] == 0.0


@pytest.mark.parametrize(
    "penalty",
    [
        lambda ps: numnet.l2_penalty(ps, 0.3),
        lambda ps: numnet.l1_penalty(ps, 0.7),
        lambda ps: numnet.elastic_net_penalty(ps, l1=0.2, l2=0.5),
    ],
    ids=["l2", "l1", "elastic_net"],
)
def test_gradient_matches_finite_differences(rng, penalty):
    params = weights(rng, (2, 3), (4,))
    _, grads = penalty(params)
    for p, g in zip(params, grads, strict=True):
        numeric = numnet.numerical_gradient(lambda: penalty(params)[0], p.data)
        assert numnet.relative_error(g, numeric) < 1e-8


def test_elastic_net_is_the_sum_and_reduces_to_each_part(rng):
    params = weights(rng, (3, 3))
    v1, (g1,) = numnet.l1_penalty(params, 0.1)
    v2, (g2,) = numnet.l2_penalty(params, 0.4)
    v, (g,) = numnet.elastic_net_penalty(params, l1=0.1, l2=0.4)
    assert v == pytest.approx(v1 + v2, rel=1e-15)
    np.testing.assert_allclose(g, g1 + g2, rtol=1e-15)
    assert numnet.elastic_net_penalty(params, l1=0.1)[0] == pytest.approx(v1, rel=1e-15)
    assert numnet.elastic_net_penalty(params, l2=0.4)[0] == pytest.approx(v2, rel=1e-15)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_l2_penalty_gives_the_same_steps_as_sgd_weight_decay(rng, momentum):
    """Five steps of SGD(weight_decay=λ) == five steps of plain SGD on loss + l2_penalty."""
    start, grads = rng.normal(size=(3, 2)), [rng.normal(size=(3, 2)) for _ in range(5)]
    decayed, penalised = numnet.Parameter(start.copy()), numnet.Parameter(start.copy())
    sgd_decay = numnet.SGD([decayed], lr=0.1, momentum=momentum, weight_decay=0.05)
    sgd_plain = numnet.SGD([penalised], lr=0.1, momentum=momentum)
    for g in grads:
        decayed.grad = g.copy()
        sgd_decay.step()
        penalised.grad = g.copy()
        _, (penalty_grad,) = numnet.l2_penalty([penalised], 0.05)
        penalised.accumulate(penalty_grad)
        sgd_plain.step()
    np.testing.assert_allclose(decayed.data, penalised.data, rtol=1e-14)
    assert not np.allclose(decayed.data, start - 0.1 * sum(grads))  # the decay did something


def test_zero_strength_and_empty_list(rng):
    params = weights(rng, (2, 2))
    value, (g,) = numnet.l2_penalty(params, 0.0)
    assert value == 0.0 and not g.any()
    assert numnet.l1_penalty([], 1.0) == (0.0, [])


def test_float32_gradients_stay_float32(rng):
    params = weights(rng, (2, 3), dtype=np.float32)
    for penalty in (numnet.l2_penalty, numnet.l1_penalty):
        _, (g,) = penalty(params, 0.5)
        assert g.dtype == np.float32
    _, (g,) = numnet.elastic_net_penalty(params, l1=0.1, l2=0.1)
    assert g.dtype == np.float32


@pytest.mark.parametrize("strength", [-0.1, np.nan, np.inf, True, "0.1", None])
def test_bad_strength(rng, strength):
    with pytest.raises(ValueError, match="l2_penalty: strength must be a finite number ≥ 0"):
        numnet.l2_penalty(weights(rng, (2,)), strength)


def test_bad_elastic_net_strength_names_the_argument(rng):
    with pytest.raises(ValueError, match="elastic_net_penalty: l1 must be"):
        numnet.elastic_net_penalty(weights(rng, (2,)), l1=-1.0)
    with pytest.raises(ValueError, match="elastic_net_penalty: l2 must be"):
        numnet.elastic_net_penalty(weights(rng, (2,)), l2=-1.0)


def test_bad_parameters(rng):
    (p,) = weights(rng, (2,))
    with pytest.raises(TypeError, match="l1_penalty: expected a list of Parameters, got a single"):
        numnet.l1_penalty(p, 0.1)
    with pytest.raises(TypeError, match="l1_penalty: item 0 is a ndarray, not a Parameter"):
        numnet.l1_penalty([p.data], 0.1)
    with pytest.raises(TypeError, match="l2_penalty: expected a list of Parameters, got float"):
        numnet.l2_penalty(1.0, 0.1)
