"""Small adapters that turn numnet modules into the callables a :meth:`Derivation.tie` needs.

A tie evaluates numnet at a vector of random ``values`` (one per SymPy input symbol); these
helpers build that vector into arrays, run numnet's forward and its hand-written backward,
and return numnet's gradient (for the comparison with the claim) or its forward value (for
finite differences).
"""

import inspect

import numpy as np


def elementwise_grad(make_module):
    """``(numnet, loss)`` for an element-wise module of one input ``x``: ``f'(x)`` and ``f(x)``."""

    def numnet(values, dtype=np.float64):
        m = make_module()
        y = m(np.asarray(values, dtype=dtype))
        return m.backward(np.ones_like(y))

    def loss(values):
        return float(make_module()(np.asarray(values, dtype=np.float64)).sum())

    return numnet, loss


def tie_module(d, inputs, build, label, claims):
    """Tie every gradient of one module to its derived claim, and to finite differences.

    ``build(values[, dtype]) -> (module, x, dy)`` makes the module from the random ``values`` (its
    parameters set from them), its input and an upstream gradient. For the scalar
    ``L = Σ y ⊙ dy`` the exact gradients are ``module.backward(dy)`` and the parameters'
    ``.grad``. ``claims`` maps ``"input"`` or a parameter's attribute name (``"weight"``,
    ``"bias"``) to ``(claim, wrt)``: the derived gradient and the symbols it is taken for.
    """

    def run(values, dtype=np.float64):
        module, x, dy = build(values, dtype) if takes_dtype else build(values)
        y = module(x)
        grads = {"input": module.backward(dy)}
        grads.update({name: getattr(module, name).grad for name in claims if name != "input"})
        return grads, float(np.sum(y * dy))

    takes_dtype = "dtype" in inspect.signature(build).parameters
    for key, (claim, wrt) in claims.items():
        numnet = (
            (lambda v, dtype=np.float64, key=key: run(v, dtype)[0][key])
            if takes_dtype
            else (lambda v, key=key: run(v)[0][key])
        )
        d.tie(
            claim,
            inputs,
            numnet,
            f"{label}.backward: d{key}",
            loss=lambda v: run(v)[1],
            wrt=list(wrt),
        )
