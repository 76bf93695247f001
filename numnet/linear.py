"""The dense (fully connected) layer ``y = x @ W + b``."""

from numnet import init
from numnet._validate import check_positive_int, check_shape
from numnet.module import Module, Parameter


class Linear(Module):
    """Dense layer ``y = x @ W + b`` with rows as samples.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of each input and output row.
    bias : bool, default True
        Whether to add a learned bias ``b``.
    rng : None, int or numpy.random.Generator
        Source of the initial weights, ``U(-1/sqrt(in), 1/sqrt(in))`` as in PyTorch.

    Attributes
    ----------
    weight : Parameter, shape (in_features, out_features)
        Note: PyTorch stores the transpose, ``(out, in)``, and computes ``x @ W.T``.
    bias : Parameter of shape (out_features,), or None

    Notes
    -----
    For a batch ``x`` of shape ``(N, in)`` and upstream gradient ``δ = dL/dy`` of shape
    ``(N, out)`` (derived in ``derivations/dense.py``):

    .. math:: \\frac{\\partial L}{\\partial W} = x^T δ, \\quad
              \\frac{\\partial L}{\\partial b} = \\sum_n δ_n, \\quad
              \\frac{\\partial L}{\\partial x} = δ W^T
    """

    def __init__(self, in_features, out_features, bias=True, *, rng=None):
        self.in_features = check_positive_int("Linear", in_features, "in_features")
        self.out_features = check_positive_int("Linear", out_features, "out_features")
        shape = (self.in_features, self.out_features)
        self.weight = Parameter(init.default_uniform(shape, self.in_features, rng))
        self.bias = (
            Parameter(init.default_uniform((self.out_features,), self.in_features, rng))
            if bias
            else None
        )

    def forward(self, x):
        """``x``: (N, in_features) -> ``y``: (N, out_features)."""
        x = self._check_input(x, dtype=self.weight.data.dtype)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            check_shape(self.name, x, ("N", self.in_features))  # raises
        y = x @ self.weight.data
        if self.bias is not None:
            y += self.bias.data
        self._remember(x=x, y=y)
        return y

    def backward(self, dy):
        """``dy``: (N, out_features) -> ``dx``: (N, in_features); fills ``weight.grad``, ``bias.grad``.

        Returns ``None`` instead of ``dx`` when this layer runs first in a
        ``Sequential.backward(dy, input_grad=False)``: nobody needs the input's gradient then.
        """
        x = self._recall(dy)["x"]
        self.weight.accumulate(x.T @ dy)
        if self.bias is not None:
            self.bias.accumulate(dy.sum(axis=0))
        if not self._input_grad_needed():
            return None
        return dy @ self.weight.data.T

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
