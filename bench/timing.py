"""Timing helpers shared by the benchmarks.

PyTorch, when compared, always runs in a *separate process*: with NumPy's and PyTorch's thread
pools alive in one process on a 2-core machine, each slows the other down by 10× or more. Point
``TORCH_PYTHON`` at an interpreter that has PyTorch installed (e.g. a second venv with
``pip install torch``); without it the benchmarks time numnet only.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def median_time(step, repeats, warmup=3):
    """Median wall time of ``repeats`` calls of ``step()``, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def torch_python():
    """The interpreter named by ``$TORCH_PYTHON``, or ``None`` if unset or missing."""
    python = os.environ.get("TORCH_PYTHON")
    return python if python and Path(python).exists() else None


def run_torch(script, *args):
    """Run ``script`` (source that prints one JSON object; ``median_time`` is in scope) with
    ``$TORCH_PYTHON`` in its own process; return the parsed object, or ``None``."""
    python = torch_python()
    if python is None:
        return None
    prelude = f"import sys\nsys.path.insert(0, {str(BENCH)!r})\nfrom timing import median_time\n"
    result = subprocess.run(
        [python, "-c", prelude + script, *map(str, args)], capture_output=True, text=True
    )
    if result.returncode != 0:
        print("PyTorch run failed:", *result.stderr.strip().splitlines()[-1:], file=sys.stderr)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])
