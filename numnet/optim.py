"""Optimisers with ``torch.optim``'s update rules: SGD, Adam, AdamW, RMSprop and Adagrad.

Every optimiser holds a list of Parameters and a public ``lr`` (schedules in
:mod:`numnet.schedules` set it). One :meth:`Optimizer.step` first checks every gradient (shape,
dtype, finite values) and only then updates the parameters, so a bad gradient never leaves the
model half-updated. Parameters whose ``grad`` is ``None`` are skipped, like PyTorch.

What they share lives in :class:`Optimizer`; each subclass writes only its update rule,
``_update(p, g, state, lr)``, for one parameter ``p`` with gradient ``g`` and its own ``state``
(a dict, like ``torch.optim.Optimizer.state[p]``, empty before the parameter's first step).
SGD's rule is derived and compared with the other common momentum form in
``derivations/momentum.py``.

On a small network most of an optimiser's time goes into the fixed cost of each NumPy call,
not into arithmetic. So after its first step an optimiser keeps every gradient in one flat
array (each ``p.grad`` is a view of it): checking the gradients for NaN is one call, and SGD
with momentum updates its buffers in one flat array too (like ``torch.optim``'s ``foreach``
implementations). The numbers are the same as one parameter at a time.
"""

import numpy as np

from numnet._validate import all_finite, shape_str
from numnet._validate import check_number as _check_number
from numnet.module import Module, Parameter


def _check_bool(who, name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{who}: {name} must be True or False, got {value!r}")
    return bool(value)


def _check_params(who, params):
    """``params`` as a list of distinct Parameters."""
    if isinstance(params, (Module, Parameter)):
        raise TypeError(
            f"{who}: params must be an iterable of Parameters (e.g. model.parameters()), "
            f"got a {type(params).__name__}"
        )
    try:
        params = list(params)
    except TypeError:
        raise TypeError(
            f"{who}: params must be an iterable of Parameters, got {type(params).__name__}"
        ) from None
    if not params:
        raise ValueError(f"{who}: got an empty list of parameters")
    for i, p in enumerate(params):
        if not isinstance(p, Parameter):
            raise TypeError(f"{who}: params[{i}] is a {type(p).__name__}, not a Parameter")
    if len({id(p) for p in params}) != len(params):
        raise ValueError(f"{who}: a Parameter appears more than once in params")
    return params


def checked_grad(who, i, p):
    """``p.grad`` as an array, or ``None``; a clear error if it cannot be used to update ``p``.

    Shared by the optimisers and the gradient clipping functions (:mod:`numnet.clip`).
    """
    if p.data.dtype.kind != "f":
        raise TypeError(f"{who}: params[{i}].data must be a float array, got {p.data.dtype}")
    g = p.grad
    if g is None:
        return None
    g = np.asarray(g)
    if g.shape != p.data.shape:
        raise ValueError(
            f"{who}: params[{i}] has data of shape {shape_str(p.data.shape)} but grad of "
            f"shape {shape_str(g.shape)}"
        )
    if g.dtype.kind != "f":
        raise TypeError(f"{who}: params[{i}].grad must be a float array, got {g.dtype}")
    if not all_finite(g):
        raise ValueError(f"{who}: params[{i}].grad contains NaN or infinity; no update made")
    return g


def _pack(arrays):
    """Copies of ``arrays`` (one dtype) in one new flat array, and a view of it shaped like each."""
    flat = np.concatenate([a.ravel() for a in arrays])
    views, start = [], 0
    for a in arrays:
        views.append(flat[start : start + a.size].reshape(a.shape))
        start += a.size
    return flat, views


class Optimizer:
    """Base class: the parameters, a public ``lr``, weight decay, per-parameter state, the
    checks made before any update, and :meth:`zero_grad`.

    Parameters
    ----------
    params : iterable of Parameter
        Usually ``model.parameters()``. Each parameter is updated in place.
    lr : float
        Learning rate, ``> 0`` (PyTorch also accepts 0, which would make the optimiser a
        no-op). A public attribute: schedules set it; a schedule may take it down to 0
        (``CosineAnnealingLR`` with ``eta_min=0`` at epoch ``T_max``), so ``step`` accepts
        ``lr >= 0``.
    weight_decay : float
        ``λ >= 0``; what it does is up to the subclass (usually ``g ← g + λ p``).

    Attributes
    ----------
    params : list of Parameter
    state : list of dict
        One dict per parameter with its buffers (``"step"``, ``"exp_avg"``, ...), empty until
        the parameter's first update; the same keys as ``torch.optim``'s ``state[p]``.
    """

    #: The hyperparameters shown by ``repr``, in order.
    _shown = ("lr", "weight_decay")

    def __init__(self, params, lr, weight_decay):
        self.params = _check_params(self.name, params)
        self.lr = _check_number(self.name, "lr", lr, low=0, open_low=True)
        self.weight_decay = _check_number(self.name, "weight_decay", weight_decay, low=0)
        self.state = [{} for _ in self.params]
        self._flat_grad, self._grad_views = None, []  # see _grads_still_packed

    @property
    def name(self):
        return type(self).__name__

    def _grads_still_packed(self, shapes=True):
        """Whether every ``p.grad`` is still the view of the flat gradient array that the last
        step made (and, with ``shapes``, every ``p.data`` still has that view's shape). A
        layer's backward adds into ``p.grad`` in place and ``zero_grad`` fills it, so this
        holds from step to step; it fails once a gradient is replaced (``p.grad = …``, as a
        change of dtype does) or a parameter is given data of another shape."""
        if self._flat_grad is None:
            return False
        for p, view in zip(self.params, self._grad_views, strict=True):
            if p.grad is not view or (shapes and p.data.shape != view.shape):
                return False
        return True

    def _pack_grads(self, grads):
        """Put the checked ``grads`` into one flat array, each ``p.grad`` a view of it, when
        every parameter has a gradient and all share one dtype; returns the gradients to use."""
        if any(g is None or g.dtype != grads[0].dtype or g is not p.grad
               for p, g in zip(self.params, grads, strict=True)):  # fmt: skip
            self._flat_grad = None
            return grads
        self._flat_grad, self._grad_views = _pack(grads)
        for p, view in zip(self.params, self._grad_views, strict=True):
            p.grad = view
        return self._grad_views

    def _checked_grads(self):
        """The current ``lr`` and every parameter's gradient (in the parameter's dtype, or
        ``None``), all validated before anything is changed."""
        lr = _check_number(self.name, "lr", self.lr, low=0)  # a schedule or a user may have set it
        if self._grads_still_packed() and all_finite(self._flat_grad):
            return lr, self._grad_views  # state checked at packing; no shape has changed since
        grads = [checked_grad(self.name, i, p) for i, p in enumerate(self.params)]
        for i, (p, g, state) in enumerate(zip(self.params, grads, self.state, strict=True)):
            if g is None:
                continue
            for key, buf in state.items():
                if isinstance(buf, np.ndarray) and buf.shape != g.shape:
                    raise ValueError(
                        f"{self.name}: params[{i}] changed shape to {shape_str(g.shape)} "
                        f"since its {key.replace('_', ' ')} was made with {shape_str(buf.shape)}"
                    )
            if g.dtype != p.data.dtype:
                grads[i] = g.astype(p.data.dtype)
        return lr, self._pack_grads(grads)

    def step(self):
        """Update every parameter once from its current ``grad``."""
        lr, grads = self._checked_grads()
        self._update_each(lr, grads)

    def _update_each(self, lr, grads):
        for p, g, state in zip(self.params, grads, self.state, strict=True):
            if g is not None:
                self._update(p, g, state, lr)

    def _update(self, p, g, state, lr):
        """Update ``p.data`` in place from the checked gradient ``g``."""
        raise NotImplementedError

    def zero_grad(self):
        """Reset every parameter's gradient to zeros."""
        if self._grads_still_packed(shapes=False):
            self._flat_grad.fill(0)
            return
        for p in self.params:
            p.zero_grad()

    def __repr__(self):
        def show(value):
            return f"{value:g}" if isinstance(value, float) else str(value)

        shown = ", ".join(f"{key}={show(getattr(self, key))}" for key in self._shown)
        return f"{self.name}({shown})"


class SGD(Optimizer):
    """Stochastic gradient descent, the same update as ``torch.optim.SGD``.

    Parameters
    ----------
    params : iterable of Parameter
        Usually ``model.parameters()``. Each parameter is updated in place.
    lr : float
        Learning rate ``η > 0``. A public attribute: schedules (:mod:`numnet.schedules`) set it.
    momentum : float, default 0.0
        Momentum coefficient ``β >= 0``.
    weight_decay : float, default 0.0
        L2 penalty ``λ >= 0``: ``λ·p`` is added to each gradient (the gradient of ``λ/2 ‖p‖²``).
    nesterov : bool, default False
        Nesterov momentum; needs ``momentum > 0`` (as in PyTorch).

    Attributes
    ----------
    params : list of Parameter
    momentum_buffers : list of ndarray or None
        The momentum buffer ``m`` of each parameter (``None`` until its first step with
        momentum).

    Notes
    -----
    For each parameter ``p`` with gradient ``g = p.grad``, one :meth:`step` does

    .. code-block:: text

        g ← g + λ p                          (if λ ≠ 0)
        m ← g  on the first step, else  m ← β m + g      (if β ≠ 0)
        g ← g + β m  if nesterov,  else  g ← m            (if β ≠ 0)
        p ← p − η g

    With a constant ``η`` this gives the same trajectory as the other common form
    ``u ← β u − η g, p ← p + u`` (``u = −η m``); the two differ once ``η`` changes
    (``derivations/momentum.py``). With a constant gradient the step approaches ``η g / (1 − β)``.

    Examples
    --------
    >>> import numpy as np, numnet
    >>> model, loss_fn = numnet.Linear(3, 1, rng=0), numnet.MSELoss()
    >>> opt = numnet.SGD(model.parameters(), lr=0.1, momentum=0.9)
    >>> x, y = np.ones((4, 3)), np.zeros((4, 1))
    >>> loss = loss_fn(model(x), y)
    >>> _ = model.backward(loss_fn.backward())
    >>> opt.step()
    >>> opt.zero_grad()
    """

    _shown = ("lr", "momentum", "weight_decay", "nesterov")

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0, nesterov=False):
        super().__init__(params, lr, weight_decay)
        self.momentum = _check_number("SGD", "momentum", momentum, low=0)
        self.nesterov = _check_bool("SGD", "nesterov", nesterov)
        if self.nesterov and self.momentum == 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0 (as in torch.optim.SGD)")

    @property
    def momentum_buffers(self):
        return [state.get("momentum_buffer") for state in self.state]

    def step(self):
        """Update every parameter once from its current ``grad``."""
        lr, grads = self._checked_grads()
        if self.momentum == 0 or self.weight_decay != 0 or grads is not self._grad_views:
            return self._update_each(lr, grads)
        # The gradients are packed in one flat array: the same rule, one NumPy call each.
        g, mu = self._flat_grad, self.momentum
        buf = self._packed_momentum()
        if buf is None:
            if any(state for state in self.state):  # some parameters have a buffer, some not
                return self._update_each(lr, grads)
            buf = self._start_momentum(grads)  # m ← g on the first step
        else:
            buf *= mu
            buf += g
        np.multiply(g + mu * buf if self.nesterov else buf, lr, out=self._flat_update)
        for p, update in zip(self.params, self._update_views, strict=True):
            p.data -= update

    def _packed_momentum(self):
        """The flat momentum array whose views the states hold (packing buffers that were made
        one parameter at a time), or ``None`` if some parameter has no buffer yet."""
        views = self.__dict__.get("_momentum_views")
        if views is not None:
            for state, view in zip(self.state, views, strict=True):
                if state.get("momentum_buffer") is not view:
                    break
            else:
                return self._flat_momentum
        buffers = self.momentum_buffers
        if any(b is None for b in buffers):
            return None
        for i, (p, b) in enumerate(zip(self.params, buffers, strict=True)):
            if b.shape != p.data.shape:  # a buffer replaced by hand: never broadcast it
                raise ValueError(
                    f"SGD: params[{i}] has shape {shape_str(p.data.shape)} but its momentum "
                    f"buffer has shape {shape_str(b.shape)}"
                )
        return self._start_momentum(buffers)

    def _start_momentum(self, buffers):
        """Make the states' momentum buffers views of one flat array holding copies of
        ``buffers`` (the first step's gradients, or buffers made one parameter at a time), and
        make a flat work array for ``lr · m``; returns the flat momentum array."""
        self._flat_momentum, self._momentum_views = _pack(buffers)
        for state, view in zip(self.state, self._momentum_views, strict=True):
            state["momentum_buffer"] = view
        self._flat_update, self._update_views = _pack(buffers)
        return self._flat_momentum

    def _update(self, p, g, state, lr):
        mu, wd = self.momentum, self.weight_decay
        if wd != 0:
            g = g + wd * p.data
        if mu != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= mu  # in place: the buffer belongs to the optimiser
                buf += g
            g = g + mu * buf if self.nesterov else buf
        p.data -= lr * g


class Adam(Optimizer):
    """Adam, the same update as ``torch.optim.Adam``.

    Parameters
    ----------
    params : iterable of Parameter
        Usually ``model.parameters()``. Each parameter is updated in place.
    lr : float, default 1e-3
        Learning rate ``γ > 0``.
    betas : (float, float), default (0.9, 0.999)
        Decay rates ``β₁, β₂`` of the running averages of ``g`` and ``g²``, each in ``[0, 1)``.
    eps : float, default 1e-8
        ``ε >= 0``, added to ``√v̂`` (after the square root and the bias correction).
    weight_decay : float, default 0
        L2 penalty ``λ >= 0``, added to the gradient as in SGD (for decoupled decay use
        :class:`AdamW`).
    amsgrad : bool, default False
        Divide by the running maximum of ``v`` instead of ``v`` itself.

    Notes
    -----
    For each parameter ``θ`` with gradient ``g``, step ``t = 1, 2, ...`` does

    .. code-block:: text

        g ← g + λ θ                                   (if λ ≠ 0)
        m ← β₁ m + (1 − β₁) g                         (m starts at 0)
        v ← β₂ v + (1 − β₂) g²                        (v starts at 0)
        v_max ← max(v_max, v);  use v_max for v        (if amsgrad)
        θ ← θ − γ / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)

    ``m / (1 − β₁ᵗ)`` and ``v / (1 − β₂ᵗ)`` are the bias-corrected averages ``m̂, v̂``: at
    ``t = 1`` they equal ``g`` and ``g²``, so the first step is ``γ g / (|g| + ε)`` — about
    ``γ`` in every coordinate whatever the gradient's scale. The arithmetic follows PyTorch's
    order (``m`` moves towards ``g`` as ``m += (1 − β₁)(g − m)``, like its ``lerp``); the state is
    kept per parameter under PyTorch's names ``step``, ``exp_avg``, ``exp_avg_sq`` and
    ``max_exp_avg_sq`` (the maximum of the *uncorrected* ``v``).
    """

    _shown = ("lr", "betas", "eps", "weight_decay", "amsgrad")
    decoupled_weight_decay = False  # AdamW: shrink θ instead of adding λθ to g

    def __init__(
        self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False
    ):
        super().__init__(params, lr, weight_decay)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{self.name}: betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = tuple(
            _check_number(self.name, f"betas[{k}]", beta, low=0, high=1, open_high=True)
            for k, beta in enumerate(betas)
        )
        self.eps = _check_number(self.name, "eps", eps, low=0)
        self.amsgrad = _check_bool(self.name, "amsgrad", amsgrad)

    def _update(self, p, g, state, lr):
        beta1, beta2 = self.betas
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.data)
            state["exp_avg_sq"] = np.zeros_like(p.data)
        state["step"] += 1
        t = state["step"]
        if self.weight_decay != 0:
            if self.decoupled_weight_decay:
                p.data *= 1 - lr * self.weight_decay
            else:
                g = g + self.weight_decay * p.data
        m, v = state["exp_avg"], state["exp_avg_sq"]
        # Two temporaries per step (scratch, update) instead of one per operation.
        scratch = g - m
        scratch *= 1 - beta1
        m += scratch  # m ← m + (1 − β1)(g − m) = β1 m + (1 − β1) g
        np.multiply(1 - beta2, g, out=scratch)
        scratch *= g
        v *= beta2
        v += scratch  # v ← β2 v + (1 − β2) g²
        if self.amsgrad:
            v_max = state.setdefault("max_exp_avg_sq", np.zeros_like(v))
            np.maximum(v_max, v, out=v_max)
            v = v_max
        step_size = lr / (1 - beta1**t)
        denom = np.sqrt(v, out=scratch)
        denom /= (1 - beta2**t) ** 0.5
        denom += self.eps
        update = step_size * m
        update /= denom
        p.data -= update


class AdamW(Adam):
    """Adam with decoupled weight decay, the same update as ``torch.optim.AdamW``.

    The parameters are those of :class:`Adam`, with ``weight_decay`` defaulting to ``1e-2``.
    Instead of adding ``λθ`` to the gradient (where Adam's division by ``√v̂`` would rescale
    it), each step first shrinks the parameter, ``θ ← θ (1 − γ λ)``, then takes the Adam step
    with the plain gradient.
    """

    decoupled_weight_decay = True

    def __init__(
        self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False
    ):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)


class RMSprop(Optimizer):
    """RMSprop, the same update as ``torch.optim.RMSprop``.

    Parameters
    ----------
    params : iterable of Parameter
    lr : float, default 1e-2
        Learning rate ``γ > 0``.
    alpha : float, default 0.99
        Decay rate ``α`` of the running average of ``g²``, in ``[0, 1)``.
    eps : float, default 1e-8
        ``ε >= 0``, added after the square root.
    weight_decay : float, default 0
        L2 penalty ``λ >= 0``, added to the gradient.
    momentum : float, default 0
        ``μ >= 0``: if positive, the scaled gradients are accumulated in a buffer.
    centered : bool, default False
        Divide by an estimate of the gradient's standard deviation, ``√(v − ḡ²)``, instead
        of its root mean square ``√v``.

    Notes
    -----
    For each parameter ``θ`` with gradient ``g``, one step does

    .. code-block:: text

        g ← g + λ θ                                   (if λ ≠ 0)
        v ← α v + (1 − α) g²                          (v starts at 0)
        ṽ ← v,   or, if centered:  ḡ ← α ḡ + (1 − α) g,  ṽ ← v − ḡ²
        if μ > 0:  b ← μ b + g / (√ṽ + ε),  θ ← θ − γ b     (b starts at 0)
        else:      θ ← θ − γ g / (√ṽ + ε)

    There is no bias correction: ``v`` starts at 0, so the first steps are large
    (``γ g / (√(1 − α) |g|) = 10 γ`` per coordinate at ``α = 0.99``). State keys as PyTorch's:
    ``step``, ``square_avg``, ``grad_avg``, ``momentum_buffer``.
    """

    _shown = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered")

    def __init__(
        self,
        params,
        lr=1e-2,
        alpha=0.99,
        eps=1e-8,
        weight_decay=0.0,
        momentum=0.0,
        centered=False,
    ):
        super().__init__(params, lr, weight_decay)
        self.alpha = _check_number("RMSprop", "alpha", alpha, low=0, high=1, open_high=True)
        self.eps = _check_number("RMSprop", "eps", eps, low=0)
        self.momentum = _check_number("RMSprop", "momentum", momentum, low=0)
        self.centered = _check_bool("RMSprop", "centered", centered)

    def _update(self, p, g, state, lr):
        alpha = self.alpha
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p.data)
        state["step"] += 1
        if self.weight_decay != 0:
            g = g + self.weight_decay * p.data
        v = state["square_avg"]
        v *= alpha
        v += (1 - alpha) * g * g
        if self.centered:
            g_avg = state.setdefault("grad_avg", np.zeros_like(v))
            g_avg += (1 - alpha) * (g - g_avg)
            avg = np.sqrt(v - g_avg * g_avg)
        else:
            avg = np.sqrt(v)
        avg += self.eps
        if self.momentum > 0:
            buf = state.setdefault("momentum_buffer", np.zeros_like(v))
            buf *= self.momentum
            buf += g / avg
            p.data -= lr * buf
        else:
            update = lr * g
            update /= avg
            p.data -= update


class Adagrad(Optimizer):
    """Adagrad, the same update as ``torch.optim.Adagrad``.

    Parameters
    ----------
    params : iterable of Parameter
    lr : float, default 1e-2
        Learning rate ``γ > 0``.
    lr_decay : float, default 0
        ``η >= 0``: step ``t`` uses ``γ / (1 + (t − 1) η)``.
    weight_decay : float, default 0
        L2 penalty ``λ >= 0``, added to the gradient.
    initial_accumulator_value : float, default 0
        ``τ >= 0``, the starting value of the running sum of squared gradients.
    eps : float, default 1e-10
        ``ε >= 0``, added after the square root.

    Notes
    -----
    For each parameter ``θ`` with gradient ``g``, step ``t = 1, 2, ...`` does

    .. code-block:: text

        γ̃ ← γ / (1 + (t − 1) η)
        g ← g + λ θ                                   (if λ ≠ 0)
        s ← s + g²                                    (s starts at τ)
        θ ← θ − γ̃ g / (√s + ε)

    The sum only grows, so every coordinate's step size shrinks like ``1/√t`` even with a
    constant ``γ``: large for rarely-seen features, small for frequent ones. State keys as
    PyTorch's: ``step``, ``sum``.
    """

    _shown = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")

    def __init__(
        self,
        params,
        lr=1e-2,
        lr_decay=0.0,
        weight_decay=0.0,
        initial_accumulator_value=0.0,
        eps=1e-10,
    ):
        super().__init__(params, lr, weight_decay)
        self.lr_decay = _check_number("Adagrad", "lr_decay", lr_decay, low=0)
        self.initial_accumulator_value = _check_number(
            "Adagrad", "initial_accumulator_value", initial_accumulator_value, low=0
        )
        self.eps = _check_number("Adagrad", "eps", eps, low=0)

    def _update(self, p, g, state, lr):
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p.data, self.initial_accumulator_value)
        state["step"] += 1
        if self.weight_decay != 0:
            g = g + self.weight_decay * p.data
        clr = lr / (1 + (state["step"] - 1) * self.lr_decay)
        s = state["sum"]
        s += g * g
        std = np.sqrt(s)
        std += self.eps
        update = clr * g
        update /= std
        p.data -= update
