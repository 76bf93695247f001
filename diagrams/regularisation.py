"""Regularisation: a dropout mask, and batch normalisation's normalise → scale → shift.

The mask and the scaled values come from ``numnet.Dropout``; the normalised and the scaled and
shifted features from ``numnet.BatchNorm1d``.
"""

import matplotlib.patches as mpatches
import numpy as np

import numnet
from diagrams.style import (
    BACKWARD,
    DPI,
    FORWARD,
    INK,
    MUTED,
    PAD,
    SIZE,
    SMALL,
    TITLE,
    Diagram,
    arrow,
    canvas,
    number,
    text,
)


def dropout_example(p=0.5, seed=2):
    """``(a, y)``: eight activations and numnet's Dropout(p) output (one training forward)."""
    a = np.array([[0.8, 0.3, 1.2, 0.5, 0.9, 0.2, 0.6, 1.1]])
    layer = numnet.Dropout(p, rng=seed)
    return a[0], layer(a)[0]


def _unit(ax, xc, yc, r, label, colour, dropped=False):
    """A unit as a circle with its value inside, or crossed out if dropped."""
    ax.add_patch(
        mpatches.Circle(
            (xc, yc),
            r,
            facecolor=PAD if dropped else "white",
            edgecolor=MUTED if dropped else colour,
            linewidth=1.8,
        )
    )
    if dropped:
        d = 0.7 * r
        ax.plot([xc - d, xc + d], [yc - d, yc + d], color=BACKWARD, lw=2.5)
        ax.plot([xc - d, xc + d], [yc + d, yc - d], color=BACKWARD, lw=2.5)
    else:
        text(ax, xc, yc, label, size=SMALL, color=colour)


def dropout_mask(p=0.5, seed=2):
    """A layer's units before and after dropout: dropped ones crossed out, survivors × 1/(1 − p)."""
    a, y = dropout_example(p, seed)
    keep = 1 - p
    fig, ax = canvas(6.4, 3.3)
    step, r = 0.64, 0.27
    xs = 1.35 + step * np.arange(len(a))
    top, low = 2.75, 1.25
    text(ax, 0.55, top, "$a$", size=SIZE + 2, color=FORWARD)
    text(ax, 0.55, low, "$y$", size=SIZE + 2, color=INK)
    for xc, before, after in zip(xs, a, y, strict=True):
        kept = after != 0
        _unit(ax, xc, top, r, number(before, 1), FORWARD)
        _unit(ax, xc, low, r, number(after, 1), INK, dropped=not kept)
        arrow(ax, (xc, top - r - 0.05), (xc, low + r + 0.05), color=INK if kept else MUTED, lw=1.3)
        label = f"×{number(1 / keep, 0)}" if kept else "×0"
        text(
            ax,
            xc + 0.05,
            (top + low) / 2,
            label,
            size=SMALL,
            ha="left",
            color=INK if kept else MUTED,
        )
    text(
        ax,
        3.2,
        0.35,
        f"$p_\\mathrm{{drop}}$ = {number(p, 1)}: dropped units give 0,\nthe others are multiplied by "
        f"1/(1 − $p_\\mathrm{{drop}}$) = {number(1 / keep, 0)}",
        size=SMALL,
    )
    return fig


def batchnorm_example(gamma=0.6, shift=4.0, n=400, seed=0):
    """One feature of a batch: ``(x, x_hat, y)`` from numnet's BatchNorm1d (train mode).

    ``x_hat`` uses γ = 1, b = 0; ``y`` uses ``weight`` γ = ``gamma`` and ``bias`` b = ``shift``.
    """
    x = np.random.default_rng(seed).gamma(2.0, 1.2, size=(n, 1)) - 4.0  # skewed, off centre
    normalise = numnet.BatchNorm1d(1)
    x_hat = normalise(x)
    layer = numnet.BatchNorm1d(1)
    layer.weight.data[...], layer.bias.data[...] = gamma, shift
    return x[:, 0], x_hat[:, 0], layer(x)[:, 0]


def batchnorm_steps(gamma=0.6, shift=4.0):
    """Histograms of one feature: as it comes, normalised (x̂), then γ·x̂ + b."""
    x, x_hat, y = batchnorm_example(gamma, shift)
    fig = Diagram(figsize=(6.4, 5.2), dpi=DPI)
    axes = fig.subplots(3, 1, sharex=True)
    bins = np.linspace(-4.5, 7, 47)
    rows = (
        (x, "input $x$", MUTED),
        (x_hat, r"normalised $\hat{x} = (x - \mu)/\sqrt{\sigma^2 + \varepsilon}$", FORWARD),
        (y, rf"$\gamma \hat{{x}} + b$ with $\gamma$ = {gamma:g}, $b$ = {shift:g}", BACKWARD),
    )
    for ax, (values, title, colour) in zip(axes, rows, strict=True):
        ax.hist(values, bins=bins, color=colour, alpha=0.8)
        mean, std = values.mean(), values.std()
        ax.axvline(mean, color=INK, lw=1.5)
        top = ax.get_ylim()[1]
        ax.annotate(
            "",
            (mean - std, 0.55 * top),
            (mean + std, 0.55 * top),
            arrowprops={"arrowstyle": "<->", "color": INK, "lw": 1.5},
        )
        ax.set_title(title, fontsize=SIZE, loc="left", color=colour)
        ax.text(
            0.99,
            0.9,
            f"mean {number(mean)}\nstd {number(std)}",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=SMALL,
        )
        ax.set_yticks([])
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        ax.tick_params(labelsize=SMALL)
    axes[-1].set_xlabel("value of the feature", fontsize=SIZE)
    fig.suptitle("normalise → scale → shift", fontsize=TITLE, x=0.5, y=0.995)
    fig.tight_layout()
    return fig
