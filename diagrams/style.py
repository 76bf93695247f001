"""One style for every diagram: a palette, font sizes, and a few drawing helpers.

Each diagram is drawn on a single axes whose data units are **inches** (origin bottom left), so
boxes, grids and text are placed with plain coordinates and font sizes stay readable when the
figure is shown 412 px wide: figures are at most :data:`WIDTH` inches wide and no text is
smaller than :data:`SMALL` points.
"""

import functools
import io

import matplotlib.patches as mpatches
from matplotlib.figure import Figure

WIDTH = 6.4  # inches: the widest a diagram may be
DPI = 110  # the dots per inch of the book's other figures
SIZE = 13  # points: ordinary text
SMALL = 12  # points: the smallest text on any diagram
TITLE = 14  # points: panel titles

FORWARD = "#1f5fa8"  # blue: forward values
BACKWARD = "#c8540a"  # orange: gradients
INK = "#222222"  # text and outlines
MUTED = "#8a8a8a"  # secondary outlines
PAD = "#dcdcdc"  # zero padding, dropped units
FILL = "#f4f4f4"  # neutral box fill
HIGHLIGHT = "#f7c948"  # the one thing to look at (a maximum, a selected cell)
ACCENTS = ("#1f5fa8", "#c8540a", "#2a9d5b", "#8e44ad")  # colours that tell items apart


class Diagram(Figure):
    """A matplotlib Figure that shows itself as a PNG in a notebook (no pyplot needed)."""

    def _repr_png_(self):
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.05)
        return buffer.getvalue()


def canvas(width, height):
    """A figure ``width × height`` inches with one axes in inch coordinates, axis hidden."""
    if width > WIDTH + 1e-9:
        raise ValueError(f"canvas: width {width} in is wider than the book's {WIDTH} in")
    fig = Diagram(figsize=(width, height), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def text(ax, x, y, s, size=SIZE, color=INK, **kw):
    """Text centred at ``(x, y)`` unless ``ha``/``va`` say otherwise."""
    kw.setdefault("ha", "center")
    kw.setdefault("va", "center")
    return ax.text(x, y, s, fontsize=size, color=color, **kw)


def box(ax, x, y, w, h, label="", color=INK, fill=FILL, size=SIZE, lw=1.5):
    """A rounded box centred at ``(x, y)`` with ``label`` inside."""
    patch = mpatches.FancyBboxPatch(
        (x - w / 2, y - h / 2),
        w,
        h,
        boxstyle="round,pad=0,rounding_size=0.08",
        facecolor=fill,
        edgecolor=color,
        linewidth=lw,
    )
    ax.add_patch(patch)
    if label:
        text(ax, x, y, label, size=size, color=color)
    return patch


def arrow(ax, start, end, color=INK, lw=1.8, style="-|>", dashed=False, rad=0.0):
    """An arrow from ``start`` to ``end`` (points in inches)."""
    patch = mpatches.FancyArrowPatch(
        start,
        end,
        arrowstyle=style,
        mutation_scale=14,
        color=color,
        linewidth=lw,
        linestyle="--" if dashed else "-",
        connectionstyle=f"arc3,rad={rad}",
        shrinkA=0,
        shrinkB=0,
    )
    ax.add_patch(patch)
    return patch


def number(value, digits=2):
    """A number as the diagrams print it: ``digits`` decimals, a true minus sign, no ``-0``."""
    s = f"{value:.{digits}f}"
    if float(s) == 0:
        s = f"{0:.{digits}f}"
    return s.replace("-", "−")


def integer(value):
    """An integer-valued float as a short label (``3``, ``−2``)."""
    return number(value, 0)


def grid(
    ax,
    values,
    x0,
    y0,
    cell,
    fill=None,
    edge=INK,
    fmt=integer,
    size=SIZE,
    color=INK,
    lw=1.0,
    title=None,
    title_size=TITLE,
    title_color=None,
):
    """Draw a matrix as a grid of square cells; ``(x0, y0)`` is its top-left corner.

    ``values`` is a 2-D array (``None`` entries or ``fmt=None`` leave cells empty); ``fill`` is
    one colour or a list of rows of colours (``None`` for white); ``title``, if given, is
    centred above the grid (in ``title_color``, by default the numbers' ``color``). Returns a
    function ``centre(i, j)`` giving the centre of cell ``(i, j)`` (row ``i`` counted downwards).
    """
    rows, cols = len(values), len(values[0])
    if title is not None:
        colour = color if title_color is None else title_color
        text(ax, x0 + cell * cols / 2, y0 + 0.25, title, size=title_size, color=colour)

    def centre(i, j):
        return x0 + (j + 0.5) * cell, y0 - (i + 0.5) * cell

    for i in range(rows):
        for j in range(cols):
            face = fill[i][j] if isinstance(fill, list) else fill
            ax.add_patch(
                mpatches.Rectangle(
                    (x0 + j * cell, y0 - (i + 1) * cell),
                    cell,
                    cell,
                    facecolor=face if face is not None else "white",
                    edgecolor=edge,
                    linewidth=lw,
                )
            )
            value = values[i][j]
            if fmt is not None and value is not None:
                text(ax, *centre(i, j), fmt(value), size=size, color=color)
    return centre


def column(ax, values, x0, y0, cell, title, digits):
    """A vector as a column of cells in the forward colour, ``title`` above it."""
    fmt = functools.partial(number, digits=digits)
    return grid(ax, values[:, None], x0, y0, cell, fmt=fmt, size=SMALL, color=FORWARD, title=title)


def outline(ax, x0, y0, w, h, color, lw=3.0, dashed=False):
    """A rectangle outline with top-left corner ``(x0, y0)``, ``w`` wide and ``h`` high."""
    ax.add_patch(
        mpatches.Rectangle(
            (x0, y0 - h),
            w,
            h,
            fill=False,
            edgecolor=color,
            linewidth=lw,
            linestyle="--" if dashed else "-",
            zorder=5,
        )
    )
