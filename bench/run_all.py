"""Run every benchmark and write their output to ``bench/RESULTS.md``.

    TORCH_PYTHON=/path/to/python-with-torch .venv/bin/python bench/run_all.py

Without ``TORCH_PYTHON`` only numnet (and the naive/lean NumPy references) are timed.
Nothing is asserted: these are measurements, read them as such.
"""

import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
SCRIPTS = ["bench_cross_entropy.py", "bench_conv.py", "bench_mlp.py"]


def main():
    parts = [
        "# Benchmark results",
        "",
        f"Measured {datetime.date.today()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, NumPy {np.__version__}; "
        f"PyTorch from `{os.environ.get('TORCH_PYTHON', '(not compared)')}`.",
        "Each script says how it times; PyTorch always runs in its own process.",
    ]
    for script in SCRIPTS:
        print(f"running {script} ...", flush=True)
        out = subprocess.run(
            [sys.executable, str(BENCH / script)], capture_output=True, text=True, check=True
        ).stdout
        print(out)
        parts += ["", f"## {script}", "", "```text", out.rstrip(), "```"]
    (BENCH / "RESULTS.md").write_text("\n".join(parts) + "\n")
    print(f"wrote {BENCH / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
