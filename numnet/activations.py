"""Element-wise activation functions.

Each ``backward`` multiplies the upstream gradient by the derivative derived in
``derivations/activations.py``; the derivative is written in terms of the saved output
where that is cheaper (``σ' = σ(1 − σ)``, ``tanh' = 1 − tanh²``).

Every layer here is finite and silent (no overflow warning) for any finite input: each
formula is arranged so that ``exp`` only ever sees a non-positive argument.
"""

import math

import numpy as np

from numnet._validate import check_number
from numnet.module import Module


def sigmoid(x):
    """``1 / (1 + exp(-x))`` without overflow: only ``exp(-|x|) ≤ 1`` is ever computed."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


# W. J. Cody's rational approximations of erf/erfc (Math. Comp. 23, 1969; netlib specfun
# CALERF), accurate to about 1e-16 relative in double precision. NumPy has no erf.
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
          3.20937758913846947e03, 1.85777706184603153e-1)  # fmt: skip
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
          2.84423683343917062e03)  # fmt: skip
_ERF_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
          2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
          2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)  # fmt: skip
_ERF_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
          1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
          3.43936767414372164e03, 1.23033935480374942e03)  # fmt: skip
_ERF_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
          1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)  # fmt: skip
_ERF_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
          6.05183413124413191e-2, 2.33520497626869185e-3)  # fmt: skip


def _ratio(t, num, den):
    """Cody's rational function of ``t``, by Horner's rule, with ``m = len(den)``:

    ``(num[m] tᵐ + num[0] tᵐ⁻¹ + … + num[m−2] t + num[m−1]) / (tᵐ + den[0] tᵐ⁻¹ + … + den[m−1])``
    (his coefficient order: the leading numerator coefficient is stored last).
    """
    top, bottom = num[-1] * t, t
    for a, b in zip(num[:-2], den[:-1], strict=True):
        top, bottom = (top + a) * t, (bottom + b) * t
    return (top + num[-2]) / (bottom + den[-1])


def _exp_minus_square(v):
    """``exp(−v²)`` as ``exp(−r²) · exp(−(v − r)(v + r))`` with ``r`` = ``v`` rounded down to 1/16.

    ``r²`` has no rounding error (Cody's trick), so the relative accuracy survives large ``v``.
    """
    r = np.trunc(v * 16) / 16
    return np.exp(-r * r) * np.exp(-(v - r) * (v + r))


def erfc(x):
    """The complementary error function ``erfc(x) = 1 − erf(x)``, float64, same shape as ``x``.

    Computed directly (not as ``1 − erf``), so it keeps its relative accuracy in the tail,
    where ``erfc(x)`` is tiny; it is exactly 0 beyond ``x ≈ 26.54`` (below the smallest double).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.abs(x)
    out = np.zeros_like(y)
    small = y <= 0.46875  # erf(y) = y · R(y²)
    middle = ~small & (y <= 4.0)  # erfc(y) = exp(−y²) · R(y)
    large = (y > 4.0) & (y < 26.543)  # erfc(y) = exp(−y²)/y · (1/√π − R(1/y²)/y²)
    v = y[small]
    out[small] = 1.0 - v * _ratio(v * v, _ERF_A, _ERF_B)
    v = y[middle]
    out[middle] = _exp_minus_square(v) * _ratio(v, _ERF_C, _ERF_D)
    v = y[large]
    inv_sq = 1.0 / (v * v)
    series = 1.0 / math.sqrt(math.pi) - inv_sq * _ratio(inv_sq, _ERF_P, _ERF_Q)
    out[large] = _exp_minus_square(v) * series / v
    return np.where(x < 0, 2.0 - out, out)


def normal_cdf(x):
    """``Φ(x) = P(Z ≤ x)`` for a standard normal ``Z``: ``½ erfc(−x/√2)``, float64."""
    return 0.5 * erfc(-np.asarray(x, dtype=np.float64) / math.sqrt(2))


class _Elementwise(Module):
    """Shared plumbing: check input, keep what backward needs, check ``dy``. Shapes are unchanged."""

    def forward(self, x):
        """``x``: any shape -> ``y``: same shape."""
        x = self._check_input(x)
        y = self._f(x)
        self._remember(x=x, y=y)
        return y

    def backward(self, dy):
        """``dy``: shape of ``y`` -> ``dx``: same shape."""
        cache = self._recall(dy)
        return dy * self._df(cache["x"], cache["y"])


class Sigmoid(_Elementwise):
    """``σ(x) = 1 / (1 + e^{-x})``, with ``σ'(x) = σ(x)(1 − σ(x)) ≤ 1/4``."""

    def _f(self, x):
        return sigmoid(x)

    def _df(self, x, y):
        return y * (1 - y)


class Tanh(_Elementwise):
    """``tanh(x) = 2σ(2x) − 1``, with ``tanh'(x) = 1 − tanh(x)² ≤ 1``."""

    def _f(self, x):
        return np.tanh(x)

    def _df(self, x, y):
        return 1 - y * y


class ReLU(_Elementwise):
    """``max(0, x)``; its derivative is 1 for ``x > 0`` and 0 otherwise (0 at ``x = 0``, as in PyTorch)."""

    def _f(self, x):
        return np.maximum(x, 0)

    def _df(self, x, y):
        return x > 0  # a boolean mask; dy * mask keeps dy's dtype


class LeakyReLU(_Elementwise):
    """``x`` for ``x > 0`` and ``negative_slope · x`` otherwise.

    The derivative is 1 for ``x > 0`` and ``negative_slope`` for ``x ≤ 0`` (as in PyTorch).

    Parameters
    ----------
    negative_slope : float, default 0.01
        Any finite real number (PyTorch also accepts negative slopes).
    """

    def __init__(self, negative_slope=0.01):
        self.negative_slope = check_number("LeakyReLU", "negative_slope", negative_slope)

    def _f(self, x):
        return np.where(x > 0, x, x * self.negative_slope)

    def _df(self, x, y):
        return np.where(x > 0, 1, self.negative_slope).astype(x.dtype)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


#: √(2/π), the constant of GELU's tanh approximation.
SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
#: The cubic coefficient of GELU's tanh approximation.
GELU_KAPPA = 0.044715


class GELU(_Elementwise):
    """Gaussian error linear unit ``GELU(x) = x Φ(x)``, as ``torch.nn.GELU``.

    ``Φ`` is the standard normal CDF, ``Φ(x) = ½ (1 + erf(x/√2))``: the input is scaled by the
    probability that a standard normal variable lies below it.

    Parameters
    ----------
    approximate : {'none', 'tanh'}, default 'none'
        ``'none'``: the exact ``x Φ(x)``. ``'tanh'``: ``½ x (1 + tanh(u))`` with
        ``u = √(2/π) (x + 0.044715 x³)``, the approximation of Hendrycks and Gimpel.

    Notes
    -----
    With ``φ(x) = e^{−x²/2}/√(2π)`` the standard normal density (``Φ' = φ``):

    * exact: ``GELU'(x) = Φ(x) + x φ(x)``;
    * tanh: ``GELU'(x) = ½ (1 + tanh u) + ½ x (1 − tanh² u) · √(2/π) (1 + 3 · 0.044715 x²)``.

    ``Φ`` is computed as ``½ erfc(−x/√2)`` (NumPy has no erf; ``erfc`` here is Cody's rational
    approximation), which stays accurate where ``Φ(x)`` is tiny (``x ≪ 0``); inputs of ±1e4
    give ``0`` and ``1e4`` without a warning. For ``|x| > 100`` the tanh is saturated, so ``u``
    is computed from ``x`` clipped to ±100 (the result is the same; ``x³`` cannot overflow).
    """

    def __init__(self, approximate="none"):
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def _tanh_u(self, x):
        x = np.clip(x, -100, 100)
        return np.tanh(SQRT_2_OVER_PI * (x + GELU_KAPPA * x**3))

    def _f(self, x):
        if self.approximate == "tanh":
            return 0.5 * x * (1 + self._tanh_u(x))
        return (x * normal_cdf(x)).astype(x.dtype, copy=False)

    def _df(self, x, y):
        if self.approximate == "tanh":
            t = self._tanh_u(x)
            x_sq = np.clip(x, -100, 100) ** 2
            du = SQRT_2_OVER_PI * (1 + 3 * GELU_KAPPA * x_sq)
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du
        xc = np.clip(x.astype(np.float64), -40, 40)  # φ(±40) = 0 in float64: no x² overflow
        density = np.exp(-0.5 * xc * xc) / math.sqrt(2 * math.pi)
        return (normal_cdf(x) + x * density).astype(x.dtype, copy=False)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class ELU(_Elementwise):
    """Exponential linear unit: ``x`` for ``x > 0``, ``α (eˣ − 1)`` otherwise (``torch.nn.ELU``).

    Parameters
    ----------
    alpha : float, default 1.0
        The value ``−α`` that the output approaches for ``x → −∞``; any finite real number.

    Notes
    -----
    ``ELU'(x) = 1`` for ``x > 0`` and ``α eˣ`` for ``x ≤ 0`` (``α`` at 0, as in PyTorch); for
    ``x ≤ 0`` that is also ``ELU(x) + α``. ``eˣ − 1`` is computed with ``expm1`` on
    ``min(x, 0)``, exact near 0 and never overflowing.
    """

    def __init__(self, alpha=1.0):
        self.alpha = check_number("ELU", "alpha", alpha)

    def _f(self, x):
        return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0)))

    def _df(self, x, y):
        return np.where(x > 0, 1, self.alpha * np.exp(np.minimum(x, 0))).astype(x.dtype)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class Softplus(_Elementwise):
    """``Softplus(x) = log(1 + e^{βx}) / β``, a smooth ReLU, as ``torch.nn.Softplus``.

    Parameters
    ----------
    beta : float > 0, default 1.0
        Sharpness: larger ``β`` is closer to ``max(0, x)``.
    threshold : float, default 20.0
        Where ``βx > threshold`` the output is ``x`` itself (linear), as in PyTorch; there
        ``log(1 + e^{βx})/β`` differs from ``x`` by less than ``e^{−20}/β``.

    Notes
    -----
    ``Softplus'(x) = e^{βx}/(1 + e^{βx}) = σ(βx)`` (the logistic sigmoid), and 1 where
    ``βx > threshold``. ``log(1 + e^{z})`` is computed as ``max(z, 0) + log(1 + e^{−|z|})``,
    which never overflows.
    """

    def __init__(self, beta=1.0, threshold=20.0):
        self.beta = check_number("Softplus", "beta", beta, low=0, open_low=True)
        self.threshold = check_number("Softplus", "threshold", threshold)

    def _f(self, x):
        z = x * self.beta
        smooth = (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))) / self.beta
        return np.where(z > self.threshold, x, smooth).astype(x.dtype, copy=False)

    def _df(self, x, y):
        z = x * self.beta
        return np.where(z > self.threshold, 1, sigmoid(z)).astype(x.dtype, copy=False)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"
