"""Small adapters that turn numnet modules into the callables a :meth:`Derivation.tie` needs.

A tie evaluates numnet at a vector of random ``values`` (one per SymPy input symbol); these
helpers build that vector into arrays, run numnet's forward and its hand-written backward,
and return numnet's gradient (for the comparison with the claim) or its forward value (for
finite differences).
"""

import numpy as np


def elementwise_grad(make_module):
    """``(numnet, loss)`` for an element-wise module of one input ``x``: ``f'(x)`` and ``f(x)``."""

    def numnet(values):
        m = make_module()
        y = m(np.asarray(values, dtype=np.float64))
        return m.backward(np.ones_like(y))

    def loss(values):
        return float(make_module()(np.asarray(values, dtype=np.float64)).sum())

    return numnet, loss
