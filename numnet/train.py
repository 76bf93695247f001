"""The training loop: :func:`fit`, :func:`predict`, :func:`evaluate`, :class:`History`, :class:`EarlyStopping`.

One training step is the same five lines for every network in the book::

    optimizer.zero_grad()                  # forget the previous step's gradients
    output = model(x_batch)                # forward, caching what backward needs
    loss = loss_fn(output, y_batch)        # a float
    model.backward(loss_fn.backward())     # dL/doutput, then back through every layer
    optimizer.step()                       # update every parameter from its .grad

:func:`fit` repeats it over shuffled minibatches for a number of epochs and keeps a
:class:`History` of the loss and metrics after each epoch.
"""

import time
from dataclasses import dataclass

import numpy as np

from numnet import metrics as metrics_module
from numnet._validate import check_float, check_positive_int, shape_str
from numnet.batchnorm import BatchNorm1d
from numnet.data import check_labels, check_same_length, minibatches
from numnet.losses import BCELoss, BCEWithLogitsLoss, MSELoss
from numnet.module import Module, Sequential
from numnet.random import get_rng


# ----------------------------------------------------------------------------------------
# Metrics by name: each takes (targets, model outputs, loss_fn) and returns a float.
# ----------------------------------------------------------------------------------------
def output_labels(output, loss_fn=None):
    """Predicted class labels ``(N,)`` from model outputs.

    ``(N, K)`` scores with ``K > 1`` (logits, log-probabilities or probabilities): the argmax.
    One score per sample, ``(N, 1)`` or ``(N,)``: class 1 where the score is above 0 (logits,
    as for ``BCEWithLogitsLoss``), or above 0.5 when ``loss_fn`` is a ``BCELoss``
    (probabilities).
    """
    output = np.asarray(output)
    if output.ndim == 2 and output.shape[1] > 1:
        return output.argmax(axis=1)
    threshold = 0.5 if isinstance(loss_fn, BCELoss) else 0.0
    return (output.reshape(len(output)) > threshold).astype(np.int64)


def target_labels(y):
    """True class labels ``(N,)`` from targets: integer labels as they are, one-hot or
    probability rows ``(N, K)`` by argmax, 0/1 float targets ``(N, 1)`` or ``(N,)`` by ``> 0.5``."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    y = y.reshape(len(y))
    if np.issubdtype(y.dtype, np.integer) or y.dtype == bool:
        return y
    return (y > 0.5).astype(np.int64)


def _accuracy(y, output, loss_fn):
    return metrics_module.accuracy(target_labels(y), output_labels(output, loss_fn))


def _macro_f1(y, output, loss_fn):
    true, pred = target_labels(y), output_labels(output, loss_fn)
    k = output.shape[1] if output.ndim == 2 and output.shape[1] > 1 else 2
    return metrics_module.precision_recall_f1(true, pred, num_classes=k, average="macro").f1


def _rmse(y, output, loss_fn):
    return metrics_module.rmse(np.asarray(y, dtype=np.float64).reshape(output.shape), output)


#: Metrics ``fit`` and ``evaluate`` know by name. A callable ``f(y, output)`` can be passed
#: instead; its history key is ``f.__name__``.
NAMED_METRICS = {"accuracy": _accuracy, "macro_f1": _macro_f1, "rmse": _rmse}


def _resolve_metrics(who, metrics):
    """``metrics`` (None, or a list of names and callables) as a list of ``(key, f(y, out, loss))``."""
    if metrics is None:
        return []
    if isinstance(metrics, str) or callable(metrics):
        metrics = [metrics]
    resolved = []
    for m in metrics:
        if isinstance(m, str):
            if m not in NAMED_METRICS:
                raise ValueError(
                    f"{who}: unknown metric {m!r}; known: {', '.join(NAMED_METRICS)} "
                    f"(or pass a function f(y_true, output))"
                )
            resolved.append((m, NAMED_METRICS[m]))
        elif callable(m):
            resolved.append((m.__name__, lambda y, out, loss_fn, f=m: float(f(y, out))))
        else:
            raise TypeError(f"{who}: a metric must be a name or a function, got {m!r}")
    keys = [k for k, _ in resolved]
    if len(set(keys)) != len(keys) or "loss" in keys:
        raise ValueError(f"{who}: metric names must be distinct and not 'loss', got {keys}")
    return resolved


# ----------------------------------------------------------------------------------------
# History and early stopping
# ----------------------------------------------------------------------------------------
class History(dict):
    """What :func:`fit` measured: a dict of per-epoch lists, plus a few attributes.

    Keys: ``"loss"`` (training loss), one key per metric (``"accuracy"``, …), and with
    validation data ``"val_loss"``, ``"val_accuracy"``, …; ``"lr"`` when the optimiser has an
    ``lr`` (the rate used in that epoch). Entry ``i`` of each list belongs to epoch ``i + 1``.
    Only measured values are kept (no timings), so two runs with the same seed compare equal.

    Attributes
    ----------
    epochs : int
        Number of epochs run.
    best_epoch : int or None
        With early stopping, the (1-based) epoch with the best monitored value.
    stopped_early : bool
        True when early stopping ended training before ``epochs``.
    """

    def __init__(self):
        super().__init__()
        self.best_epoch = None
        self.stopped_early = False

    @property
    def epochs(self):
        return len(self.get("loss", []))

    def append(self, row):
        """Add one epoch's values (a dict ``key -> float``)."""
        for key, value in row.items():
            self.setdefault(key, []).append(value)

    def last(self):
        """The values of the last epoch, as a dict."""
        return {key: values[-1] for key, values in self.items()}

    def __repr__(self):
        keys = ", ".join(self)
        return f"History(epochs={self.epochs}, keys=[{keys}], best_epoch={self.best_epoch})"


@dataclass
class EarlyStopping:
    """Stop when the monitored value has not improved for ``patience`` epochs.

    Parameters
    ----------
    monitor : str, default "val_loss"
        A key of the :class:`History`, e.g. ``"val_loss"`` or ``"val_accuracy"``.
    patience : int, default 5
        Epochs without improvement before stopping.
    min_delta : float, default 0
        An improvement must beat the best value so far by more than this.
    mode : "auto", "min" or "max"
        Whether smaller or larger is better. ``"auto"``: smaller for keys ending in ``loss``
        or ``rmse``, larger otherwise (accuracy, F1).
    restore_best : bool, default True
        At the end of :func:`fit` — stopped early or not — put back the parameters (and any
        other array state of the layers, such as BatchNorm's running statistics) of the best
        epoch. With ``False`` the model keeps its last weights. Optimiser state (momentum) is
        not restored.
    """

    monitor: str = "val_loss"
    patience: int = 5
    min_delta: float = 0.0
    mode: str = "auto"
    restore_best: bool = True

    def __post_init__(self):
        self.patience = check_positive_int("EarlyStopping", self.patience, "patience")
        if self.mode not in ("auto", "min", "max"):
            raise ValueError(
                f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {self.mode!r}"
            )
        if not self.min_delta >= 0:
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {self.min_delta!r}")

    @property
    def minimise(self):
        if self.mode != "auto":
            return self.mode == "min"
        return self.monitor.endswith(("loss", "rmse"))

    def improved(self, value, best):
        """Whether ``value`` beats ``best`` (None = nothing seen yet) by more than ``min_delta``."""
        if best is None:
            return True
        if self.minimise:
            return value < best - self.min_delta
        return value > best + self.min_delta


def _snapshot(model):
    return model.state_dict() if isinstance(model, Module) else None


def _restore(model, snapshot):
    if snapshot is not None:
        model.load_state_dict(snapshot)


# ----------------------------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------------------------
#: Losses whose targets are floats (values or probabilities), never class indices.
FLOAT_TARGET_LOSSES = (MSELoss, BCELoss, BCEWithLogitsLoss)


def _probe(who, model, x, name):
    """The model's eval-mode output for the first row of ``x``; an error the model raises is
    re-raised naming ``x``'s full shape (not the one-row probe's)."""
    probe = x[:1]
    try:
        return predict(model, probe)
    except (ValueError, TypeError) as error:
        message = str(error).replace(shape_str(probe.shape), shape_str(x.shape))
        raise type(error)(f"{who}: the model does not accept {name}: {message}") from error


def _check_data(who, model, loss_fn, x, y, names=("x", "y")):
    """Check a pair of inputs and targets before any training: same length, floats, labels
    in range of the model's output columns (learned from an eval-mode forward of one row)."""
    x = check_float(who, x, name=names[0])
    if x.ndim < 1 or len(x) == 0:
        raise ValueError(f"{who}: {names[0]} must have at least one row, got {shape_str(x.shape)}")
    y = np.asarray(y)
    check_same_length(who, x, y, names)
    output = _probe(who, model, x, f"{names[0]} of shape {shape_str(x.shape)}")
    if np.issubdtype(y.dtype, np.integer) or y.dtype == bool:
        if isinstance(loss_fn, FLOAT_TARGET_LOSSES):
            raise TypeError(
                f"{who}: {type(loss_fn).__name__} takes float targets, but {names[1]} has dtype "
                f"{y.dtype}; convert with {names[1]}.astype(np.float64)"
            )
        k = output.shape[1] if output.ndim == 2 and output.shape[1] > 1 else None
        check_labels(who, y, num_classes=k, name=f"{names[1]} (class labels)")
    else:
        y = check_float(who, y, name=names[1])
    return x, y


def _check_optimizer(who, model, optimizer):
    """Refuse an optimiser that would update parameters that are not the model's."""
    params = getattr(optimizer, "params", None)
    if params is None and hasattr(optimizer, "param_groups"):
        params = [p for group in optimizer.param_groups for p in group["params"]]
    if params is None:  # e.g. a wrapper: look one level in
        params = getattr(getattr(optimizer, "optimizer", None), "params", None)
    if params is None or not isinstance(model, Module):
        return
    own = {id(p) for p in model.parameters()}
    foreign = [i for i, p in enumerate(params) if id(p) not in own]
    if foreign:
        p = params[foreign[0]]
        raise ValueError(
            f"{who}: the optimiser updates {len(foreign)} parameter(s) that are not the model's "
            f"(first: params[{foreign[0]}], shape {shape_str(np.shape(p.data))}); build it from "
            f"this model, e.g. SGD(model.parameters(), lr=...)"
        )


def _check_batch_sizes(who, model, n, batch_size, drop_last):
    """Refuse a last minibatch of one row when a layer needs two (BatchNorm in training)."""
    if drop_last or n % batch_size != 1 or not isinstance(model, Module):
        return
    for name, module in model.named_modules():
        if isinstance(module, BatchNorm1d):
            where = f" ({name!r})" if name else ""
            raise ValueError(
                f"{who}: the last minibatch of every epoch would hold 1 sample ({n} samples, "
                f"batch_size {batch_size}), but BatchNorm1d{where} needs at least 2 in training "
                f"mode; pass drop_last=True or another batch_size"
            )


def _buffers(model):
    """Copies of the model's buffers (running statistics), to undo a step that failed."""
    if not isinstance(model, Module):
        return []
    return [
        (module, key, np.array(getattr(module, key)))
        for _, module in model.named_modules()
        for key in module.buffer_names()
    ]


def _train_step(model, loss_fn, optimizer, x_batch, y_batch, buffers_before, epoch):
    """One step; if it fails, the buffers a forward may have moved are put back first."""
    try:
        optimizer.zero_grad()
        output = model(x_batch)
        loss = loss_fn(output, y_batch)
        if not np.isfinite(loss):
            raise FloatingPointError(
                f"fit: the loss became {loss} in epoch {epoch}; training diverged "
                f"(try a smaller learning rate)"
            )
        grad = loss_fn.backward()
        if isinstance(model, Sequential):
            model.backward(grad, input_grad=False)  # nobody needs d loss / d x_batch
        else:
            model.backward(grad)
        optimizer.step()
    except Exception:
        for module, key, value in buffers_before:
            setattr(module, key, value)
        raise
    return output, loss


# ----------------------------------------------------------------------------------------
# predict, evaluate, fit
# ----------------------------------------------------------------------------------------
def predict(model, x, batch_size=1024):
    """The model's outputs for ``x``, computed in eval mode, ``batch_size`` rows at a time.

    The model's previous mode (train or eval) is restored afterwards, also after an error.
    For class labels take ``predict(model, x).argmax(axis=1)`` (see :func:`output_labels`).

    Parameters
    ----------
    model : Module
    x : float ndarray, shape (N, ...)
    batch_size : int
        Rows per forward pass (only bounds memory; the result does not depend on it except
        for layers that mix samples, which in eval mode none of numnet's do).

    Returns
    -------
    ndarray, shape (N, ...) — whatever the model outputs per row.
    """
    x = check_float("predict", x, name="x")
    batch_size = check_positive_int("predict", batch_size, "batch_size")
    if x.ndim < 1 or len(x) == 0:
        raise ValueError(f"predict: x must have at least one row, got {shape_str(x.shape)}")
    was_training = getattr(model, "training", True)
    model.eval()
    try:
        outputs = [model(x[start : start + batch_size]) for start in range(0, len(x), batch_size)]
    finally:
        model.train(was_training)
    return outputs[0] if len(outputs) == 1 else np.concatenate(outputs)


def evaluate(model, loss_fn, x, y, *, metrics=None, batch_size=1024):
    """Loss and metrics of the model on ``(x, y)``, in eval mode, on the whole set at once.

    Returns
    -------
    dict
        ``{"loss": float, "<metric>": float, ...}``.
    """
    resolved = _resolve_metrics("evaluate", metrics)
    x, y = _check_data("evaluate", model, loss_fn, x, y)
    return _evaluate(model, loss_fn, x, y, resolved, batch_size)


def _evaluate(model, loss_fn, x, y, resolved_metrics, batch_size=1024):
    output = predict(model, x, batch_size=batch_size)
    scores = {"loss": float(loss_fn(output, y))}
    scores.update((key, f(y, output, loss_fn)) for key, f in resolved_metrics)
    return scores


#: Short names for the progress line, so that it fits a book's code column (≤ 76 characters).
_SHORT = {"accuracy": "acc", "val_accuracy": "val_acc"}


def _format_epoch(epoch, epochs, row, seconds):
    parts = [f"epoch {epoch:>{len(str(epochs))}}/{epochs}"]
    parts += [
        f"{_SHORT.get(key, key)} {value:.4g}"
        if key == "lr"
        else f"{_SHORT.get(key, key)} {value:.4f}"
        for key, value in row.items()
    ]
    parts.append(f"{seconds * 1000:.0f}ms" if seconds < 1 else f"{seconds:.1f}s")
    return " ".join(parts)


def fit(
    model,
    loss_fn,
    optimizer,
    x,
    y,
    *,
    epochs,
    batch_size=32,
    validation_data=None,
    scheduler=None,
    metrics=None,
    early_stopping=None,
    rng=None,
    verbose=True,
    drop_last=False,
):
    """Train ``model`` on ``(x, y)`` with minibatch gradient descent; return a :class:`History`.

    Each epoch visits every training row once, in a fresh random order drawn from ``rng``,
    in minibatches of ``batch_size``; for each batch: ``optimizer.zero_grad()``, forward,
    loss, backward, ``optimizer.step()``. After the epoch the model is evaluated on
    ``validation_data`` (eval mode), one line is printed (unless ``verbose=False``), early
    stopping is checked, and then ``scheduler.step()`` is called.

    Parameters
    ----------
    model : Module
        Trained in train mode; it is left in the mode it had before ``fit``.
    loss_fn : Loss
        ``loss_fn(output, y_batch) -> float`` and ``loss_fn.backward() -> d output``.
    optimizer
        Has ``zero_grad()`` and ``step()`` (e.g. ``numnet.SGD(model.parameters(), lr=0.1)``).
    x : float ndarray, shape (N, ...)
    y : ndarray with N rows
        Whatever ``loss_fn`` takes: integer labels ``(N,)``, one-hot rows, regression targets.
    epochs : int
        Number of passes over the training data (``>= 1``).
    batch_size : int, default 32
        ``1 <= batch_size <= N``; the last batch of an epoch holds the remaining rows.
    drop_last : bool, default False
        Skip the last, smaller batch of each epoch (as PyTorch's ``DataLoader``). Needed when it
        would hold one row and the model has a BatchNorm layer (which then raises before
        training starts).
    validation_data : (x_val, y_val), optional
        Evaluated after every epoch: ``val_loss`` and ``val_<metric>`` in the history.
    scheduler : optional
        Its ``step()`` is called once at the end of every epoch.
    metrics : list of str or callables, optional
        Names from ``NAMED_METRICS`` (``"accuracy"``, ``"macro_f1"``, ``"rmse"``) or functions
        ``f(y_true, output) -> float`` taking the targets and the raw model outputs.
    early_stopping : EarlyStopping, optional
        Stop when ``early_stopping.monitor`` stops improving; see :class:`EarlyStopping` for
        which weights the model keeps.
    rng : None, int or numpy.random.Generator
        Source of the shuffling. With the same seed, the same initial model and a deterministic
        optimiser, two runs give identical histories.
    verbose : bool, default True
        Print one line per epoch; ``False`` prints nothing.

    Returns
    -------
    History

    Raises
    ------
    ValueError, TypeError
        Before any update, for bad data, an optimiser built on another model's parameters
        (one whose ``params`` are not all the model's), or a last batch BatchNorm cannot take.
    FloatingPointError
        When the loss or an output becomes NaN or infinite. Whatever fails, the model is left
        in the mode it had, and the failed step is undone: no update was applied and the
        running statistics are put back.

    Notes
    -----
    ``history["loss"]`` (and each training metric) is measured *during* the epoch: the mean of
    the minibatch losses weighted by batch size (= the mean over all N samples for losses that
    average over samples), each computed with the weights of the moment and in train mode
    (dropout active), so it lags the end-of-epoch weights a little; training metrics are
    computed once over the concatenated minibatch outputs of the epoch. ``history["val_loss"]``
    is a full pass over the validation data in eval mode with the end-of-epoch weights.
    """
    who = "fit"
    epochs = check_positive_int(who, epochs, "epochs")
    batch_size = check_positive_int(who, batch_size, "batch_size")
    resolved = _resolve_metrics(who, metrics)
    x, y = _check_data(who, model, loss_fn, x, y)
    if batch_size > len(x):
        raise ValueError(
            f"{who}: batch_size {batch_size} is larger than the {len(x)} training samples"
        )
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError(f"{who}: validation_data must be a pair (x_val, y_val)")
        validation_data = _check_data(
            who, model, loss_fn, *validation_data, names=("x_val", "y_val")
        )
    if scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise TypeError(f"{who}: scheduler must have a step() method, got {scheduler!r}")
    if early_stopping is not None:
        if not isinstance(early_stopping, EarlyStopping):
            raise TypeError(
                f"{who}: early_stopping must be an EarlyStopping, got {early_stopping!r}"
            )
        keys = ["loss"] + [k for k, _ in resolved]
        if validation_data is not None:
            keys += [f"val_{k}" for k in keys]
        if early_stopping.monitor not in keys:
            raise ValueError(
                f"{who}: early_stopping monitors {early_stopping.monitor!r}, which this run does "
                f"not measure; it measures {keys}"
            )
    if not isinstance(drop_last, bool):
        raise TypeError(f"{who}: drop_last must be True or False, got {drop_last!r}")
    _check_optimizer(who, model, optimizer)
    _check_batch_sizes(who, model, len(x), batch_size, drop_last)
    rng = get_rng(rng)
    was_training = getattr(model, "training", True)
    try:
        history = _fit_epochs(
            model, loss_fn, optimizer, x, y, epochs, batch_size, drop_last, rng,
            validation_data, scheduler, resolved, early_stopping, verbose,
        )  # fmt: skip
    finally:
        model.train(was_training)
    return history


def _fit_epochs(
    model, loss_fn, optimizer, x, y, epochs, batch_size, drop_last, rng,
    validation_data, scheduler, resolved, early_stopping, verbose,
):  # fmt: skip
    history = History()
    best, best_state, waited = None, None, 0
    buffers = _buffers(model)
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        model.train()
        loss_sum, count, outputs, targets = 0.0, 0, [], []
        batches = minibatches(x, y, batch_size=batch_size, rng=rng, drop_last=drop_last)
        for x_batch, y_batch in batches:
            if buffers:
                buffers = _buffers(model)
            output, loss = _train_step(model, loss_fn, optimizer, x_batch, y_batch, buffers, epoch)
            loss_sum += loss * len(x_batch)
            count += len(x_batch)
            if resolved:
                outputs.append(output)
                targets.append(y_batch)
        row = {"loss": loss_sum / count}
        if resolved:
            epoch_y, epoch_out = np.concatenate(targets), np.concatenate(outputs)
            row.update((key, f(epoch_y, epoch_out, loss_fn)) for key, f in resolved)
        if validation_data is not None:
            scores = _evaluate(model, loss_fn, *validation_data, resolved)
            row.update((f"val_{key}", value) for key, value in scores.items())
        if hasattr(optimizer, "lr"):
            row["lr"] = float(optimizer.lr)
        history.append(row)
        if verbose:
            print(_format_epoch(epoch, epochs, row, time.perf_counter() - started), flush=True)

        if early_stopping is not None:
            value = row[early_stopping.monitor]
            if early_stopping.improved(value, best):
                best, waited, history.best_epoch = value, 0, epoch
                if early_stopping.restore_best:
                    best_state = _snapshot(model)
            else:
                waited += 1
                if waited >= early_stopping.patience:
                    history.stopped_early = epoch < epochs
                    break
        if scheduler is not None:
            scheduler.step()

    if best_state is not None and history.best_epoch != history.epochs:
        _restore(model, best_state)
    if verbose and history.stopped_early:
        print(
            f"early stopping: {early_stopping.monitor} has not improved for "
            f"{early_stopping.patience} epochs; best epoch {history.best_epoch}",
            flush=True,
        )
    return history
