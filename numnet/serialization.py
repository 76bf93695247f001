"""Save and load a model's state (parameters and buffers) as a ``.npz`` file, without pickle.

    numnet.save(model.state_dict(), "model.npz")
    model.load_state_dict(numnet.load("model.npz"))

A ``.npz`` file is a zip of ``.npy`` arrays, one per dotted name (``"0.weight"``,
``"1.running_mean"``, …). Only numeric arrays are written and the file is read with
``allow_pickle=False``, so loading a file never runs code. The forward caches of the last pass
are not state and are never saved.
"""

from pathlib import Path

import numpy as np

from numnet.module import Module


def save(state, path):
    """Write ``state`` (a dict ``name -> array``, e.g. ``model.state_dict()``) to ``path``.

    Parameters
    ----------
    state : dict of str -> ndarray
        Numeric arrays (bool, int, float); names are kept as they are.
    path : str or pathlib.Path
        The file to write. NumPy adds ``.npz`` to a name that lacks it; :func:`load` too.
    """
    if isinstance(state, Module):
        raise TypeError("save: pass model.state_dict(), not the model itself")
    if not hasattr(state, "items"):
        raise TypeError(f"save: state must be a dict of arrays, got {type(state).__name__}")
    arrays = {}
    for name, value in state.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"save: every name must be a non-empty str, got {name!r}")
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"save: {name!r} must be a numeric array, got dtype {array.dtype}")
        arrays[name] = array
    np.savez(path, **arrays)


def load(path):
    """Read a state written by :func:`save`: a dict ``name -> ndarray``, in the saved order.

    Feed it to ``model.load_state_dict``, which checks every name and shape.
    """
    path = Path(path)
    if not path.exists() and path.suffix != ".npz" and path.with_name(path.name + ".npz").exists():
        path = path.with_name(path.name + ".npz")
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}
