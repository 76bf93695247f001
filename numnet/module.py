"""``Parameter``, ``Module`` and ``Sequential``: the three ideas every layer builds on.

A module has a ``forward`` that computes its output and remembers what its ``backward`` will
need, and a ``backward`` that takes the gradient of the loss with respect to the output (``dy``)
and returns the gradient with respect to the input (``dx``), adding the gradients of its
parameters to their ``.grad`` on the way (PyTorch's accumulate-until-``zero_grad`` rule).
"""

import numpy as np

from numnet._validate import check_float, check_grad


class Parameter:
    """A trainable array: ``data`` holds its value and ``grad`` the gradient of the loss.

    ``data`` may be updated in place or reassigned (e.g. to change dtype); layers always
    read the current ``data``.
    """

    def __init__(self, data):
        self.data = np.asarray(data)
        self.grad = np.zeros_like(self.data)

    @property
    def shape(self):
        return self.data.shape

    def accumulate(self, g):
        """Add ``g`` to ``grad`` (resetting ``grad`` if ``data`` changed shape or dtype)."""
        if (
            self.grad is None
            or self.grad.shape != self.data.shape
            or self.grad.dtype != self.data.dtype
        ):
            self.grad = np.zeros_like(self.data)
        self.grad += g

    def zero_grad(self):
        if (
            self.grad is None
            or self.grad.shape != self.data.shape
            or self.grad.dtype != self.data.dtype
        ):
            self.grad = np.zeros_like(self.data)
        else:
            self.grad.fill(0)  # reuse the buffer: no allocation in the training loop

    def __repr__(self):
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """Base class of every layer.

    Subclasses implement ``forward(x)`` and ``backward(dy)``. Parameters and sub-modules are
    found by looking at the attributes, so a layer only has to assign them.
    """

    training = True

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        raise NotImplementedError

    def backward(self, dy):
        raise NotImplementedError

    # -- parameters and sub-modules -------------------------------------------------------
    def children(self):
        """The sub-modules held in attributes (or in lists of them), in assignment order."""
        for value in vars(self).values():
            items = value if isinstance(value, (list, tuple)) else [value]
            yield from (m for m in items if isinstance(m, Module))

    def parameters(self):
        """Every ``Parameter`` of this module and its sub-modules, each once."""
        found = [v for v in vars(self).values() if isinstance(v, Parameter)]
        for child in self.children():
            found += child.parameters()
        unique = {id(p): p for p in found}
        return list(unique.values())

    def zero_grad(self):
        for p in self.parameters():
            p.zero_grad()

    def train(self, mode=True):
        """Switch to training mode (``mode=False`` is :meth:`eval`); returns ``self``."""
        self.training = bool(mode)
        for child in self.children():
            child.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def astype(self, dtype):
        """Convert every parameter to ``dtype`` (e.g. ``np.float32``); returns ``self``."""
        for p in self.parameters():
            p.data = p.data.astype(dtype)
            p.zero_grad()
        return self

    # -- helpers for subclasses ------------------------------------------------------------
    @property
    def name(self):
        return type(self).__name__

    def _check_input(self, x, dtype=None):
        return check_float(self.name, x, dtype=dtype)

    def _remember(self, **cache):
        """Store what ``backward`` needs; ``y`` (the output) is how :meth:`_recall` checks ``dy``."""
        self._cache = cache

    def _recall(self, dy, out_shape_key="y"):
        """Return the forward cache after checking ``dy``; fails clearly before any forward."""
        cache = getattr(self, "_cache", None)
        if cache is None:
            raise RuntimeError(f"{self.name}: backward() called before forward()")
        out = cache[out_shape_key]
        check_grad(self.name, dy, out.shape, out.dtype)
        return cache

    def extra_repr(self):
        return ""

    def __repr__(self):
        return f"{self.name}({self.extra_repr()})"


class Sequential(Module):
    """Modules applied one after another; ``backward`` runs them in reverse order.

    Examples
    --------
    >>> from numnet import Linear, ReLU, Sequential
    >>> model = Sequential(Linear(4, 8), ReLU(), Linear(8, 2))
    """

    def __init__(self, *modules):
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: item {i} is a {type(m).__name__}, not a Module")
        self.modules = list(modules)

    def forward(self, x):
        for m in self.modules:
            x = m(x)
        return x

    def backward(self, dy):
        for m in reversed(self.modules):
            dy = m.backward(dy)
        return dy

    def __getitem__(self, i):
        return self.modules[i]

    def __len__(self):
        return len(self.modules)

    def __iter__(self):
        return iter(self.modules)

    def __repr__(self):
        inner = "".join(f"\n  ({i}): {m!r}" for i, m in enumerate(self.modules))
        return f"Sequential({inner}\n)"
