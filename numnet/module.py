"""``Parameter``, ``Module`` and ``Sequential``: the three ideas every layer builds on.

A module has a ``forward`` that computes its output and remembers what its ``backward`` will
need, and a ``backward`` that takes the gradient of the loss with respect to the output (``dy``)
and returns the gradient with respect to the input (``dx``), adding the gradients of its
parameters to their ``.grad`` on the way (PyTorch's accumulate-until-``zero_grad`` rule).

Three rules keep the hand-written backward passes honest:

- **One cache per use.** Every call of a module inside one forward pass pushes its own cache
  (:meth:`Module._remember`); every ``backward`` takes the most recent one and uses it up
  (:meth:`Module._recall`).
  So a module used twice, such as ``Sequential(lin, Tanh(), lin)``, adds the gradients of both
  uses, as in PyTorch — provided the backward calls come in the reverse order of the forward
  calls, as they do in a ``Sequential`` and in any reverse-mode backward pass. A second
  ``backward`` with no forward left to match raises.
- **Check where the data enters.** An array that a layer checks is checked in full (float dtype,
  finite values); an array that the previous layer of the same pass just produced gets only the
  cheap checks (dtype, shape). The output of the outermost call is checked for NaN/infinity, and
  an error names the layer that first produced one.
- **Skip work nobody asked for.** ``Sequential.backward(dy, input_grad=False)`` does not compute
  the gradient with respect to the model's input (PyTorch skips it for an input that does not
  require grad); a training step never needs it.
"""

from collections import namedtuple

import numpy as np

from numnet._validate import all_finite, check_float, check_float_dtype, check_grad, shape_str


class _Pass:
    """Book-keeping of the forward/backward pass in progress (one per process)."""

    depth = 0  # module calls running now: inside a Sequential its layers run at depth 2
    number = 0  # counts outermost calls; a cache from an earlier pass is forgotten
    calls = []  # (module, output) of every inner call of this pass, in the order they returned
    produced = None  # the output of the previous inner call: its values need no second scan
    checked_output = None  # the last outermost call's output, scanned for NaN/infinity
    trusted_grad = None  # a gradient numnet just returned (a layer's dx or a loss's dpred)
    no_input_grad = None  # the module whose input gradient nobody needs


_state = _Pass()


def check_prediction(who, pred):
    """A loss's prediction as a float array with finite values; the output that the outermost
    module call has just checked (the usual ``loss(model(x), y)``) is not scanned again."""
    if pred is _state.checked_output:
        return check_float_dtype(who, pred, name="prediction")
    return check_float(who, pred, name="prediction")


def trusted(grad):
    """Mark a gradient that a loss computed from checked values: the layer it is passed to
    checks only its shape and dtype, not its values again. Returns ``grad``."""
    _state.trusted_grad = grad
    return grad


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


#: What :meth:`Module.load_state_dict` returns (empty lists when every name matched).
LoadResult = namedtuple("LoadResult", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of every layer.

    Subclasses implement ``forward(x)`` and ``backward(dy)``. Parameters and sub-modules are
    found by looking at the attributes (a list or tuple of modules counts too), so a layer only
    has to assign them.

    Buffers are arrays that define the module's function without being trained, such as
    BatchNorm's running statistics; :meth:`state_dict` saves them with the parameters. A class
    lists their attribute names in ``_buffer_names`` (e.g. ``("running_mean", "running_var")``);
    if it lists none (``None``, the default), every public ndarray attribute is a buffer.
    """

    training = True
    _buffer_names = None

    def __call__(self, x):
        state = _state
        outermost = state.depth == 0
        if outermost:
            state.number += 1
            state.calls = []
            state.produced = None
        state.depth += 1
        try:
            y = self.forward(x)
        finally:
            state.depth -= 1
            if outermost:
                state.produced = None
        if not outermost:
            state.calls.append((self, y))
            state.produced = y
        elif isinstance(y, np.ndarray) and y.dtype.kind == "f":
            if not all_finite(y):
                self._report_non_finite(y)
            state.checked_output = y  # a loss given this array need not scan it again
        return y

    def forward(self, x):
        raise NotImplementedError

    def backward(self, dy):
        raise NotImplementedError

    # -- parameters, buffers and sub-modules --------------------------------------------------
    def named_children(self):
        """``(attribute name, module)`` for each sub-module; in a list ``items``: ``items.0``, …"""
        for key, value in vars(self).items():
            if isinstance(value, Module):
                yield key, value
            elif isinstance(value, (list, tuple)):
                for i, m in enumerate(value):
                    if isinstance(m, Module):
                        yield f"{key}.{i}", m

    def children(self):
        """The sub-modules held in attributes (or in lists or tuples of them), in assignment order."""
        return (m for _, m in self.named_children())

    def named_modules(self, prefix=""):
        """This module (name ``prefix``) and every sub-module, each once, with dotted names."""
        seen = set()

        def walk(module, name):
            if id(module) in seen:
                return
            seen.add(id(module))
            yield name, module
            for key, child in module.named_children():
                yield from walk(child, f"{name}.{key}" if name else key)

        yield from walk(self, prefix)

    def named_parameters(self):
        """``(dotted name, Parameter)`` for every parameter, each once (a shared one by its first name)."""
        seen = set()
        for prefix, module in self.named_modules():
            for key, value in vars(module).items():
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))
                    yield (f"{prefix}.{key}" if prefix else key), value

    def parameters(self):
        """Every ``Parameter`` of this module and its sub-modules, each once, in order."""
        return [p for _, p in self.named_parameters()]

    def buffer_names(self):
        """Names of this module's own buffers (not its sub-modules')."""
        if self._buffer_names is not None:
            return list(self._buffer_names)
        return [
            k for k, v in vars(self).items() if not k.startswith("_") and isinstance(v, np.ndarray)
        ]

    def _state_entries(self, prefix=""):
        """``(dotted name, owner, attribute)`` of every parameter and buffer, PyTorch's order:
        a module's own parameters, then its buffers, then each child's (a shared child again)."""
        for key, value in vars(self).items():
            if isinstance(value, Parameter):
                yield prefix + key, value, "data"
        for key in self.buffer_names():
            yield prefix + key, self, key
        for key, child in self.named_children():
            yield from child._state_entries(f"{prefix}{key}.")

    def state_dict(self):
        """Copies of every parameter and buffer, by dotted name as in PyTorch.

        A ``Sequential``'s layers are ``"0"``, ``"1"``, …; a layer's parameters ``"weight"`` and
        ``"bias"``; BatchNorm's buffers ``"running_mean"`` and ``"running_var"``. So
        ``Sequential(Linear(2, 3), BatchNorm1d(3))`` gives ``0.weight``, ``0.bias``,
        ``1.weight``, ``1.bias``, ``1.running_mean``, ``1.running_var``. The arrays are
        copies (a snapshot; PyTorch returns references). Save them with :func:`numnet.save`.
        """
        return {name: np.array(getattr(owner, key)) for name, owner, key in self._state_entries()}

    def load_state_dict(self, state, strict=True):
        """Put the arrays of ``state`` (from :meth:`state_dict`) into this model.

        Every entry is checked before anything changes: a wrong shape or a non-numeric array
        always raises; with ``strict=True`` (the default) a missing or unexpected name raises
        too. Values are converted to the dtype the model holds now.

        Returns
        -------
        LoadResult(missing_keys, unexpected_keys)
            The names that did not match (only non-empty with ``strict=False``).
        """
        if not hasattr(state, "keys"):
            raise TypeError(
                f"{self.name}.load_state_dict: expected a dict of arrays (from state_dict() or "
                f"numnet.load), got {type(state).__name__}"
            )
        entries = list(self._state_entries())
        names = [name for name, _, _ in entries]
        missing = [n for n in names if n not in state]
        unexpected = [n for n in state if n not in set(names)]
        if strict and (missing or unexpected):
            raise ValueError(
                f"{self.name}.load_state_dict: missing keys {missing}, unexpected keys "
                f"{unexpected} (pass strict=False to load the matching ones only)"
            )
        updates = []
        for name, owner, key in entries:
            if name not in state:
                continue
            current, value = getattr(owner, key), np.asarray(state[name])
            if value.dtype.kind not in "biuf":
                raise TypeError(
                    f"{self.name}.load_state_dict: {name!r} must be a numeric array, "
                    f"got dtype {value.dtype}"
                )
            if value.shape != current.shape:
                raise ValueError(
                    f"{self.name}.load_state_dict: {name!r} has shape {shape_str(value.shape)} "
                    f"in the state but {shape_str(current.shape)} in the model"
                )
            updates.append((owner, key, value.astype(current.dtype)))
        for owner, key, value in updates:
            setattr(owner, key, value)
        return LoadResult(missing, unexpected)

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
        """``x`` checked as a float array (of ``dtype``, if given) with finite values.

        An array that the previous layer of this forward pass produced is a float array already
        and its values are checked at the end of the pass: only its dtype is checked here.
        """
        if x is _state.produced and x is not None:
            return check_float_dtype(self.name, x, dtype=dtype)
        return check_float(self.name, x, dtype=dtype)

    def _remember(self, **cache):
        """Store what ``backward`` needs; ``y`` (the output) is how :meth:`_recall` checks ``dy``.

        Each call inside one forward pass adds a cache (a module used twice has two); a new
        pass starts afresh, so caches that no backward used are dropped.
        """
        state = _state
        caches = self.__dict__.get("_caches")
        if caches is None or state.depth == 0 or self._pass != state.number:
            self._caches, self._pass = [cache], state.number
            return
        self._check_no_shared_buffers(cache, caches)
        caches.append(cache)

    def _check_no_shared_buffers(self, cache, caches):
        """Refuse a second use in one pass when the cache holds the module's own work buffer,
        which the second forward has just overwritten (e.g. Conv2d's im2col matrix)."""
        owned = [v for v in vars(self).values() if isinstance(v, np.ndarray)]
        for v in vars(self).values():
            if isinstance(v, dict):
                owned += [a for a in v.values() if isinstance(a, np.ndarray)]
        earlier = [a for c in caches for a in c.values() if isinstance(a, np.ndarray)]
        for value in cache.values():
            if any(value is a for a in owned) and any(value is a for a in earlier):
                raise RuntimeError(
                    f"{self.name}: used twice in one forward pass, but it keeps its forward "
                    f"results in a reused work buffer that the second use overwrites; use a "
                    f"separate {self.name} for each place"
                )

    def _recall(self, dy, out_shape_key="y"):
        """Use up the latest forward cache, after checking ``dy`` against its output ``y``.

        A layer's ``backward`` calls this once. It fails clearly before any forward, and when
        every forward's cache has been used by a backward already (a second ``backward`` would
        double the gradients).
        """
        caches = self.__dict__.get("_caches")
        if not caches:
            if caches is None:
                raise RuntimeError(f"{self.name}: backward() called before forward()")
            raise RuntimeError(
                f"{self.name}: backward() called again without a new forward(); each forward "
                f"pass serves one backward (PyTorch raises here too). Run forward again."
            )
        out = caches[-1][out_shape_key]
        trusted = dy is _state.trusted_grad and dy is not None
        if not trusted or dy.shape != out.shape or dy.dtype != out.dtype:
            check_grad(self.name, dy, out.shape, out.dtype)
        return caches.pop()

    def _input_grad_needed(self):
        """False when a ``Sequential.backward(..., input_grad=False)`` runs this module first:
        then ``backward`` may return ``None`` instead of computing ``dx``."""
        return _state.no_input_grad is not self

    def _report_non_finite(self, y):
        """Raise for a non-finite output, naming the first layer of this pass that made one."""
        culprit = self
        for module, out in [*_state.calls, (self, y)]:
            if isinstance(out, np.ndarray) and out.dtype.kind == "f" and not all_finite(out):
                culprit = module
                break
        where = ""
        if culprit is not self:
            path = next((n for n, m in self.named_modules() if m is culprit), None)
            where = f" (at {path!r} of {self.name})" if path else f" (inside {self.name})"
        bad = [n for n, p in culprit.named_parameters() if not all_finite(np.asarray(p.data))]
        if bad:
            hint = (
                f"its parameters {', '.join(bad)} hold NaN or infinity: the model has diverged "
                f"(try a smaller learning rate)"
            )
        else:
            hint = "its input was finite and so are its parameters: the values overflowed"
        raise FloatingPointError(f"{culprit.name}{where}: forward produced NaN or infinity; {hint}")

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

    def named_children(self):
        """The layers, named ``"0"``, ``"1"``, … as in PyTorch."""
        return ((str(i), m) for i, m in enumerate(self.modules))

    def forward(self, x):
        """``x``: the first layer's input -> the last layer's output."""
        for m in self.modules:
            x = m(x)
        return x

    def backward(self, dy, input_grad=True):
        """``dy``: shape of the output -> ``dx``: shape of the input.

        ``input_grad=False`` returns ``None`` and lets the first layer skip computing ``dx``
        (which a training step does not use); the parameters' gradients are the same.
        """
        state = _state
        input_grad = input_grad and state.no_input_grad is not self
        trusted = dy if dy is state.trusted_grad else None
        try:
            for i in range(len(self.modules) - 1, -1, -1):
                m = self.modules[i]
                state.trusted_grad = trusted
                state.no_input_grad = None if i or input_grad else m
                dy = trusted = m.backward(dy)
        finally:
            state.trusted_grad = state.no_input_grad = None
        return dy if input_grad else None

    def __getitem__(self, i):
        return self.modules[i]

    def __len__(self):
        return len(self.modules)

    def __iter__(self):
        return iter(self.modules)

    def __repr__(self):
        inner = "".join(f"\n  ({i}): {m!r}" for i, m in enumerate(self.modules))
        return f"Sequential({inner}\n)"
