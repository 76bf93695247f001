"""Inverted dropout: zero each activation with probability ``p`` while training, scale the rest."""

import numbers

from numnet.module import Module
from numnet.random import get_rng


class Dropout(Module):
    """Inverted dropout, as ``torch.nn.Dropout``: ``p`` is the probability of *dropping* a unit.

    In training mode every forward draws a fresh mask ``m`` with ``m = 1`` (keep) with
    probability ``q = 1 − p`` and ``m = 0`` (drop) otherwise, and returns ``x · m / q``. The
    scaling by ``1/q`` happens now, during training, so that the expected output equals the
    input and evaluation mode is simply the identity.

    Parameters
    ----------
    p : float in [0, 1], default 0.5
        Drop probability. ``p = 0`` never drops; ``p = 1`` drops everything and returns zeros
        (and zero gradients), as PyTorch does.
    rng : None, int or numpy.random.Generator
        Source of the masks. ``None`` uses the library's default generator at each forward
        (so :func:`numnet.manual_seed` applies); an ``int`` seeds a generator once, here, so
        successive forwards still get fresh masks.

    Notes
    -----
    With ``m ~ Bernoulli(q)`` (derived in ``derivations/dropout.py``):

    .. math:: E[m x / q] = x, \\qquad \\frac{\\partial y}{\\partial x} = \\frac{m}{q},

    so ``backward(dy) = dy · m / q`` with the *same* mask as the forward it follows. The common
    mistake of keeping units with probability ``p`` (the drop rate) while scaling by
    ``1/(1 − p)`` gives ``E[y] = p x/(1 − p)``, which is only right at ``p = 1/2``.

    Examples
    --------
    >>> import numpy as np
    >>> from numnet import Dropout
    >>> layer = Dropout(p=0.5, rng=0)
    >>> y = layer(np.ones((2, 4)))      # entries are 0 or 2
    >>> layer.eval()(np.ones((2, 4)))   # identity in evaluation mode
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.]])
    """

    def __init__(self, p=0.5, *, rng=None):
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p!r}")
        self.p = float(p)
        self.rng = None if rng is None else get_rng(rng)

    def forward(self, x):
        """``x``: any shape -> ``y``: same shape (``x`` itself in eval mode or when ``p = 0``)."""
        x = self._check_input(x)
        if not self.training or self.p == 0.0:
            self._remember(y=x, scaled_mask=None)
            return x
        keep = 1.0 - self.p
        kept = get_rng(self.rng).random(x.shape) < keep  # True with probability q = 1 − p
        scaled_mask = kept * x.dtype.type(1.0 / keep if keep > 0 else 0.0)  # m / q
        y = x * scaled_mask
        self._remember(y=y, scaled_mask=scaled_mask)
        return y

    def backward(self, dy):
        """``dy``: shape of ``y`` -> ``dx = dy · m / q``: same shape (``dy`` in eval mode)."""
        scaled_mask = self._recall(dy)["scaled_mask"]
        return dy if scaled_mask is None else dy * scaled_mask

    def extra_repr(self):
        return f"p={self.p}"
