"""The training loop: it learns, it is deterministic for a seed, its history means what the
docstring says, early stopping stops and restores, bad input fails before any update,
``verbose=False`` is silent, and ``predict`` runs in eval mode and restores the mode."""

import numpy as np
import pytest

import numnet
from numnet.train import EarlyStopping, History, evaluate, fit, output_labels, predict


def blobs(n_per_class=30, seed=0):
    """Three well-separated Gaussian blobs in 2-D, labels 0, 1, 2."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    x = np.concatenate([c + 0.7 * rng.standard_normal((n_per_class, 2)) for c in centres])
    return x, np.repeat(np.arange(3), n_per_class)


def mlp(seed=0, batchnorm=False):
    layers = [numnet.Linear(2, 8, rng=seed)]
    if batchnorm:
        layers.append(numnet.BatchNorm1d(8))
    layers += [numnet.Tanh(), numnet.Linear(8, 3, rng=seed + 1)]
    return numnet.Sequential(*layers)


def params(model):
    return [p.data.copy() for p in model.parameters()]


class FrozenOptimizer:
    """Does nothing: the weights stay fixed, so every epoch sees the same function."""

    def zero_grad(self):
        pass

    def step(self):
        pass


def run(seed=0, epochs=4, **kw):
    model = mlp()
    opt = numnet.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = blobs()
    kw.setdefault("metrics", ["accuracy"])
    kw.setdefault("verbose", False)
    history = fit(model, numnet.CrossEntropyLoss(), opt, x, y, epochs=epochs, rng=seed, **kw)
    return model, history


# -- it learns, and the history has the documented shape ----------------------------------------
def test_fit_learns_separable_blobs():
    x, y = blobs(seed=1)
    model, history = run(epochs=15, validation_data=(x, y))
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["val_accuracy"][-1] > 0.95
    assert numnet.metrics.accuracy(y, predict(model, x)) == history["val_accuracy"][-1]


def test_history_keys_and_lengths():
    x, y = blobs(seed=1)
    x_val, y_val = x[::2], y[::2]
    model, history = run(epochs=3, validation_data=(x_val, y_val), metrics=["accuracy", "macro_f1"])
    assert isinstance(history, History) and history.epochs == 3
    expected = {"loss", "accuracy", "macro_f1", "val_loss", "val_accuracy", "val_macro_f1", "lr"}
    assert set(history) == expected
    assert all(len(v) == 3 for v in history.values())
    assert history.best_epoch is None and not history.stopped_early
    assert history["lr"] == [0.1, 0.1, 0.1]
    # the last epoch's validation values are those of the final model, computed independently
    out = x_val @ model[0].weight.data + model[0].bias.data
    logits = np.tanh(out) @ model[2].weight.data + model[2].bias.data
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    assert history["val_loss"][-1] == pytest.approx(-log_p[np.arange(len(y_val)), y_val].mean())
    pred = logits.argmax(axis=1)
    assert history["val_accuracy"][-1] == np.mean(pred == y_val)
    f1s = [2 * np.sum((pred == c) & (y_val == c)) / (np.sum(pred == c) + np.sum(y_val == c))
           for c in range(3)]  # fmt: skip
    assert history["val_macro_f1"][-1] == pytest.approx(np.mean(f1s))


def test_same_seed_gives_an_identical_history_and_model():
    model_a, a = run(seed=7)
    model_b, b = run(seed=7)
    assert a == b
    for pa, pb in zip(params(model_a), params(model_b), strict=True):
        np.testing.assert_array_equal(pa, pb)
    _, c = run(seed=8)
    assert a != c  # the seed drives the minibatch order


def test_training_loss_is_the_sample_weighted_mean_over_the_epoch():
    # With frozen weights every minibatch loss is a mean over its own rows, so the
    # size-weighted mean over the epoch is exactly the loss on the whole set. 90 rows in
    # batches of 16 leave a last batch of 10, which an unweighted batch mean would overcount.
    x, y = blobs()
    model, loss_fn = mlp(), numnet.CrossEntropyLoss()
    history = fit(
        model, loss_fn, FrozenOptimizer(), x, y, epochs=2, batch_size=16, metrics=["accuracy"],
        rng=0, verbose=False,
    )  # fmt: skip
    full = evaluate(model, loss_fn, x, y, metrics=["accuracy"])
    assert history["loss"] == pytest.approx([full["loss"]] * 2, rel=1e-12)
    assert history["accuracy"] == [full["accuracy"]] * 2


def test_scheduler_steps_once_per_epoch_and_lr_is_recorded():
    model = mlp()
    opt = numnet.SGD(model.parameters(), lr=0.4)
    scheduler = numnet.StepLR(opt, step_size=2, gamma=0.5)
    x, y = blobs()
    history = fit(
        model, numnet.CrossEntropyLoss(), opt, x, y, epochs=5, scheduler=scheduler, verbose=False
    )
    assert history["lr"] == [0.4, 0.4, 0.2, 0.2, 0.1]
    assert scheduler.last_epoch == 5


def test_callable_metric_gets_targets_and_raw_outputs():
    seen = []

    def mean_top_score(y, output):
        seen.append((len(y), output.shape))
        return float(output.max(axis=1).mean())

    _, history = run(epochs=2, metrics=[mean_top_score])
    assert len(history["mean_top_score"]) == 2
    assert seen == [(90, (90, 3))] * 2


def test_regression_with_rmse_and_float32():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)).astype(np.float32)
    model = numnet.Linear(3, 1, rng=0).astype(np.float32)
    opt = numnet.SGD(model.parameters(), lr=0.1)
    history = fit(
        model, numnet.MSELoss(), opt, x, y, epochs=30, batch_size=16, metrics=["rmse"],
        validation_data=(x, y), rng=0, verbose=False,
    )  # fmt: skip
    assert model.weight.data.dtype == np.float32
    assert history["val_rmse"][-1] < 0.05 * history["val_rmse"][0]
    assert history["val_rmse"][-1] == pytest.approx(np.sqrt(history["val_loss"][-1]), rel=1e-5)


# -- binary outputs ----------------------------------------------------------------------------
def test_output_labels_threshold_depends_on_the_loss():
    scores = np.array([[-0.2], [0.3], [0.7]])
    np.testing.assert_array_equal(output_labels(scores, numnet.BCEWithLogitsLoss()), [0, 1, 1])
    np.testing.assert_array_equal(output_labels(scores, numnet.BCELoss()), [0, 0, 1])
    np.testing.assert_array_equal(output_labels(np.array([[1.0, 2.0], [3.0, 3.0]])), [1, 0])


def test_binary_classification_with_bce_with_logits():
    x, y = blobs()
    y = (y == 0).astype(np.float64)[:, None]  # blob 0 against the rest, targets (N, 1)
    model = numnet.Sequential(numnet.Linear(2, 4, rng=0), numnet.Tanh(), numnet.Linear(4, 1, rng=1))
    opt = numnet.SGD(model.parameters(), lr=0.5)
    history = fit(
        model, numnet.BCEWithLogitsLoss(), opt, x, y, epochs=20, metrics=["accuracy"], rng=0,
        verbose=False,
    )  # fmt: skip
    assert history["accuracy"][-1] > 0.95
    expected = np.mean((predict(model, x)[:, 0] > 0) == (y[:, 0] == 1))
    loss_and_acc = evaluate(model, numnet.BCEWithLogitsLoss(), x, y, metrics=["accuracy"])
    assert loss_and_acc["accuracy"] == expected


# -- early stopping ----------------------------------------------------------------------------
def test_early_stopping_stops_when_the_monitored_value_stalls():
    x, y = blobs()
    history = fit(
        mlp(), numnet.CrossEntropyLoss(), FrozenOptimizer(), x, y, epochs=20, rng=0,
        early_stopping=EarlyStopping(monitor="loss", patience=3, min_delta=1e-12), verbose=False,
    )  # fmt: skip
    # frozen weights: epoch 1 sets the best loss, epochs 2, 3, 4 do not improve on it. Each
    # epoch sums the same losses in another (shuffled) order, so they differ by ~1e-16: an
    # improvement must exceed min_delta = 1e-12 to count
    assert history.epochs == 4
    assert history.stopped_early and history.best_epoch == 1


class Recorder:
    """A scheduler stand-in whose step() (called after each epoch) records the model's state."""

    def __init__(self, model):
        self.model, self.states = model, []

    def step(self):
        bn = self.model[1]
        self.states.append((params(self.model), bn.running_mean.copy()))


def scripted_score(values, n_val):
    """A metric that returns ``values`` one by one on the validation set (and 0 on training)."""
    values = list(values)

    def score(y, output):
        return values.pop(0) if len(y) == n_val else 0.0

    return score


def fit_with_script(restore_best, epochs=10):
    x, y = blobs()
    x_val, y_val = x[::3], y[::3]
    model = mlp(batchnorm=True)
    recorder = Recorder(model)
    history = fit(
        model, numnet.CrossEntropyLoss(), numnet.SGD(model.parameters(), lr=0.1), x, y,
        epochs=epochs, validation_data=(x_val, y_val), scheduler=recorder,
        metrics=[scripted_score([0.5, 0.9, 0.7, 0.8, 0.6, 0.9, 0.95, 0.99, 1, 1], len(y_val))],
        early_stopping=EarlyStopping(monitor="val_score", patience=3, restore_best=restore_best),
        rng=0, verbose=False,
    )  # fmt: skip
    return model, history, recorder.states


def test_early_stopping_restores_the_best_epoch_including_batchnorm_statistics():
    model, history, states = fit_with_script(restore_best=True)
    # val_score 0.5, 0.9 (best), 0.7, 0.8, 0.6 -> three epochs without improvement after epoch 2
    assert history["val_score"] == [0.5, 0.9, 0.7, 0.8, 0.6]
    assert history.best_epoch == 2 and history.epochs == 5 and history.stopped_early
    best_params, best_running_mean = states[history.best_epoch - 1]
    for p, q in zip(params(model), best_params, strict=True):
        np.testing.assert_array_equal(p, q)
    np.testing.assert_array_equal(model[1].running_mean, best_running_mean)
    assert not np.array_equal(states[-1][1], best_running_mean)  # it did move on after epoch 2


def test_early_stopping_without_restore_keeps_the_last_weights():
    model, history, _ = fit_with_script(restore_best=False)
    assert history.best_epoch == 2 and history.epochs == 5
    # the same run without early stopping, cut at 5 epochs, ends with the same weights
    reference, _, states = fit_with_script(restore_best=False, epochs=5)
    for p, q in zip(params(model), params(reference), strict=True):
        np.testing.assert_array_equal(p, q)
    assert not np.array_equal(params(model)[0], states[1][0][0])  # not the best epoch's


def test_early_stopping_checks_its_settings():
    with pytest.raises(ValueError, match="patience must be a positive integer"):
        EarlyStopping(patience=0)
    with pytest.raises(ValueError, match="mode must be"):
        EarlyStopping(mode="up")
    assert EarlyStopping("val_accuracy").minimise is False
    assert EarlyStopping("val_rmse").minimise is True
    stop = EarlyStopping("loss", min_delta=0.1)
    assert stop.improved(0.85, best=1.0) and not stop.improved(0.95, best=1.0)
    stop = EarlyStopping("val_accuracy", min_delta=0.1)  # max mode: must beat best + 0.1
    assert stop.improved(0.75, best=0.6) and not stop.improved(0.65, best=0.6)
    assert not stop.improved(0.55, best=0.6)
    assert EarlyStopping("loss", mode="max").improved(2.0, best=1.0)
    assert not EarlyStopping("val_accuracy", mode="min").improved(2.0, best=1.0)


# -- output ------------------------------------------------------------------------------------
def test_verbose_false_prints_nothing(capsys):
    run(epochs=2, verbose=False)
    assert capsys.readouterr().out == ""


def test_verbose_prints_one_line_per_epoch(capsys):
    x, y = blobs()
    model = mlp()
    fit(
        model, numnet.CrossEntropyLoss(), numnet.SGD(model.parameters(), lr=0.1), x, y,
        epochs=3, metrics=["accuracy"], validation_data=(x, y), rng=0,
    )  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("epoch 1/3") and " val_acc " in lines[2]
    # fits a book's code column, and shows a real timing (not "0.00s")
    assert all(len(line) <= 76 for line in lines)
    assert all(line.endswith("ms") or line.endswith("s") for line in lines)


# -- bad input fails clearly and before any update -------------------------------------------
X, Y = blobs()


@pytest.mark.parametrize(
    "x, y, kwargs, error, match",
    [
        (X, np.where(Y == 2, 3, Y), {}, ValueError, r"must be < num_classes = 3, got 3"),
        (X, Y - 1, {}, ValueError, ">= 0"),
        (X, Y[:-1], {}, ValueError, "x has 90 rows but y has 89"),
        (X, Y, {"batch_size": 91}, ValueError, "batch_size 91 is larger than the 90"),
        (X, Y, {"epochs": 0}, ValueError, "epochs must be a positive integer, got 0"),
        (X, Y, {"epochs": 2.0}, ValueError, "epochs must be a positive integer"),
        (X.astype(int), Y, {}, TypeError, "x must have dtype float32 or float64"),
        (X, Y, {"metrics": ["auc"]}, ValueError, "unknown metric 'auc'"),
        (X, Y, {"validation_data": X}, TypeError, r"pair \(x_val, y_val\)"),
        (X, Y, {"validation_data": (X, Y[:5])}, ValueError, "x_val has 90 rows but y_val has 5"),
        (X, Y, {"early_stopping": EarlyStopping("val_loss")}, ValueError, "does not measure"),
        (X, Y, {"early_stopping": 3}, TypeError, "must be an EarlyStopping"),
        (X, Y, {"scheduler": object()}, TypeError, "step"),
        (
            X[:, :1],
            Y,
            {},
            ValueError,
            r"x of shape \(90, 1\).*Linear: expected input of shape "
            r"\(N, 2\), got \(90, 1\)",
        ),
        (X, Y, {"drop_last": 1}, TypeError, "drop_last must be True or False"),
        (X, Y, {"validation_data": (X[:, :1], Y)}, ValueError, r"x_val of shape \(90, 1\)"),
    ],
)
def test_bad_input_raises_before_any_update(x, y, kwargs, error, match):
    model = mlp()
    before = params(model)
    with pytest.raises(error, match=match):
        fit(model, numnet.CrossEntropyLoss(), numnet.SGD(model.parameters(), lr=0.1), x, y,
            epochs=kwargs.pop("epochs", 2), verbose=False, **kwargs)  # fmt: skip
    for p, q in zip(params(model), before, strict=True):
        np.testing.assert_array_equal(p, q)


class NaNLoss(numnet.MSELoss):
    def forward(self, pred, target):
        super().forward(pred, target)
        return float("nan")


def test_a_diverging_loss_stops_training_with_a_clear_error():
    x, y, model = np.ones((4, 2)), np.ones((4, 1)), numnet.Linear(2, 1, rng=0)
    with pytest.raises(FloatingPointError, match="loss became nan in epoch 1; training diverged"):
        fit(model, NaNLoss(), FrozenOptimizer(), x, y, epochs=1, batch_size=2, verbose=False)


# -- predict and evaluate ----------------------------------------------------------------------
def test_predict_runs_in_eval_mode_and_restores_the_mode():
    model = numnet.Sequential(numnet.Linear(2, 16, rng=0), numnet.Dropout(0.5))
    x = np.ones((5, 2))
    eval_output = model.eval()(x)
    for mode in (True, False):
        model.train(mode)
        np.testing.assert_array_equal(predict(model, x), eval_output)  # dropout off
        assert model.training is mode and model[1].training is mode
    model.train()
    with pytest.raises(ValueError, match="expected input of shape"):
        predict(model, np.ones((5, 3)))
    assert model.training is True  # restored after the error too


def test_predict_in_chunks_equals_one_pass():
    model, x = mlp(), blobs()[0]
    np.testing.assert_allclose(predict(model, x, batch_size=7), predict(model, x), rtol=1e-14)


def test_evaluate_matches_a_direct_computation():
    x, y = blobs()
    model, loss_fn = mlp(), numnet.CrossEntropyLoss()
    logits = model(x)
    scores = evaluate(model, loss_fn, x, y, metrics=["accuracy"])
    assert scores["loss"] == pytest.approx(numnet.CrossEntropyLoss()(logits, y), rel=1e-14)
    assert scores["accuracy"] == np.mean(logits.argmax(axis=1) == y)


# -- the optimiser must be the model's; errors leave the model as it was ------------------------
def test_an_optimiser_of_another_model_is_refused_before_any_update():
    x, y = blobs()
    model, other = mlp(), mlp(seed=5)
    before = params(model)
    with pytest.raises(ValueError, match=r"updates 4 parameter\(s\) that are not the model's"):
        fit(model, numnet.CrossEntropyLoss(), numnet.SGD(other.parameters(), lr=0.1), x, y,
            epochs=1, verbose=False)  # fmt: skip
    partly = numnet.SGD(model.parameters() + other.parameters()[:1], lr=0.1)
    with pytest.raises(ValueError, match=r"1 parameter\(s\).*params\[4\], shape \(2, 8\)"):
        fit(model, numnet.CrossEntropyLoss(), partly, x, y, epochs=1, verbose=False)
    for p, q in zip(params(model), before, strict=True):
        np.testing.assert_array_equal(p, q)
    # a subset of the model's parameters (freezing the rest) is fine
    first = numnet.SGD(model[0].parameters(), lr=0.1)
    fit(model, numnet.CrossEntropyLoss(), first, x, y, epochs=1, verbose=False)
    np.testing.assert_array_equal(params(model)[2], before[2])


class FailingOptimizer(FrozenOptimizer):
    """Fails at the given step (counted from 1), after the forward and backward of that step."""

    def __init__(self, fail_at):
        self.fail_at, self.steps = fail_at, 0

    def step(self):
        self.steps += 1
        if self.steps == self.fail_at:
            raise RuntimeError("planted failure")


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_the_mode_is_restored_and_running_statistics_undone_after_an_error(mode):
    x, y = blobs()
    model = mlp(batchnorm=True)
    getattr(model, mode)()
    opt = FailingOptimizer(fail_at=3)
    statistics = []

    class Spy(FailingOptimizer):
        def step(self):
            statistics.append(model[1].running_mean.copy())
            super().step()

    opt = Spy(fail_at=3)
    with pytest.raises(RuntimeError, match="planted failure"):
        fit(model, numnet.CrossEntropyLoss(), opt, x, y, epochs=1, batch_size=10, verbose=False)
    assert model.training == (mode == "train")
    # the failed third step's forward moved the statistics; they are back where step 2 left them
    assert not np.array_equal(statistics[2], statistics[1])
    np.testing.assert_array_equal(model[1].running_mean, statistics[1])


def test_a_last_batch_of_one_row_is_refused_for_batchnorm_unless_dropped():
    x, y = blobs()  # 90 rows
    model = mlp(batchnorm=True)
    before = params(model), model[1].running_mean.copy()
    opt = numnet.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"last minibatch .* 1 sample \(90 samples, batch_size "
                       r"89\), but BatchNorm1d \('1'\) needs at least 2.*drop_last=True"):  # fmt: skip
        fit(model, numnet.CrossEntropyLoss(), opt, x, y, epochs=1, batch_size=89, verbose=False)
    for p, q in zip(params(model), before[0], strict=True):
        np.testing.assert_array_equal(p, q)
    np.testing.assert_array_equal(model[1].running_mean, before[1])
    history = fit(model, numnet.CrossEntropyLoss(), opt, x, y, epochs=1, batch_size=89,
                  drop_last=True, verbose=False)  # fmt: skip
    assert history.epochs == 1
    fit(mlp(), numnet.CrossEntropyLoss(), FrozenOptimizer(), x, y, epochs=1, batch_size=89,
        verbose=False)  # no BatchNorm: a batch of one row is fine  # fmt: skip


def test_drop_last_skips_the_remainder_and_the_loss_averages_the_rows_used():
    x, y = blobs()  # 90 rows, batches of 40: 40 + 40 (+ 10 dropped)
    seen = []

    class Recording(numnet.CrossEntropyLoss):
        def forward(self, pred, target):
            loss = super().forward(pred, target)
            seen.append((len(target), loss))
            return loss

    history = fit(mlp(), Recording(), FrozenOptimizer(), x, y, epochs=1, batch_size=40,
                  drop_last=True, rng=0, verbose=False)  # fmt: skip
    assert [n for n, _ in seen] == [40, 40]
    assert history["loss"][0] == pytest.approx((seen[0][1] + seen[1][1]) / 2, rel=1e-15)


def test_integer_regression_targets_are_not_called_class_labels():
    x = np.random.default_rng(0).normal(size=(10, 2))
    y = np.arange(10).reshape(10, 1)
    model = numnet.Linear(2, 1, rng=0)
    with pytest.raises(TypeError, match=r"MSELoss takes float targets, but y has dtype int64; "
                       r"convert with y.astype\(np.float64\)"):  # fmt: skip
        fit(model, numnet.MSELoss(), numnet.SGD(model.parameters(), lr=0.1), x, y, epochs=1,
            verbose=False)  # fmt: skip
