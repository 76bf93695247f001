"""``python -m derivations``: re-check every derivation and print one row each.

Options: ``--list`` (names only), ``--only NAME [NAME ...]``. Exit status 1 if any check fails.
Each row says what was obtained and for which sizes (see :mod:`derivations.core` for the
levels), the largest relative difference from numnet in float64 and float32, and from
central finite differences.
"""

import argparse
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import derivations
from derivations.core import LEVELS, Report, text


def _fmt(value):
    return "—" if value is None else f"{value:.0e}"


def row(r):
    """One report as a line of text."""
    status = "ok" if r.ok else "FAILED: " + "; ".join(r.problems)
    errors = f"{_fmt(r.err_numnet):>7} {_fmt(r.err_float32):>7} {_fmt(r.err_fd):>7}"
    return f"{r.name:<28} {r.level:<10} {errors} {r.seconds:>6.2f}s  {status}  [{r.scope}]"


def table(reports):
    """The verification table as text: a header, then one :func:`row` per report."""
    header = (
        f"{'derivation':<28} {'level':<10} {'numnet':>7} {'float32':>7} {'FD':>7} "
        f"{'time':>7}  status  [what was proved]"
    )
    return "\n".join([header, "-" * len(header)] + [row(r) for r in reports])


def markdown_table(reports):
    """The verification table as MyST Markdown, with links to each derivation and chapter."""
    lines = [
        "| derivation | chapter | what was proved | numnet (float64 / float32) "
        "| finite differences |",
        "|---|---|---|---|---|",
    ]
    for r in reports:
        d = derivations.get(r.name)
        title = text(d.title).replace("|", "\\|")
        status = "" if r.ok else " **FAILED**"
        lines.append(
            f"| {{ref}}`{d.number} <{d.label}>`: {title} | {{doc}}`{d.chapter}` "
            f"| {r.scope}{status} | {_fmt(r.err_numnet)} / {_fmt(r.err_float32)} "
            f"| {_fmt(r.err_fd)} |"
        )
    return "\n".join(lines)


def check(name):
    """Build and check one derivation; one that cannot even be built is a failed report."""
    start = time.perf_counter()
    try:
        report = derivations.get(name).check()
    except Exception as err:
        report = Report(name, "failed", None, None, 0.0, [f"{type(err).__name__}: {err}"])
    report.seconds = time.perf_counter() - start  # include the build, not only the check
    return report


def check_all(names, jobs=None):
    """Check ``names`` in ``jobs`` processes (default: one per core, at most 4); yield reports in order.

    Each derivation is independent, so the work spreads over the machine's cores; each worker
    runs a derivation in its main thread, where the engine's time budgets work.
    """
    jobs = jobs or min(4, os.cpu_count() or 1)
    if jobs == 1 or len(names) == 1:
        yield from map(check, names)
        return
    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    )
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        yield from pool.map(check, names)


def summary(reports, seconds):
    """The closing line: how many passed, at which level, in how long."""
    failed = sum(not r.ok for r in reports)
    counts = ", ".join(
        f"{n} {level}"
        for level in reversed(LEVELS[1:])
        if (n := sum(r.ok and r.level == level for r in reports))
    )
    return f"{len(reports) - failed} passed, {failed} failed ({counts}) in {seconds:.1f} s"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m derivations", description=__doc__)
    parser.add_argument("--list", action="store_true", help="list the derivations and exit")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="check only these derivations")
    parser.add_argument("--jobs", type=int, default=None, help="processes (default: one per core)")
    args = parser.parse_args(argv)
    names = derivations.names()
    if args.list:
        for name in names:
            print(f"{name:<28} {text(derivations.get(name).title)}")
        return 0
    if args.only:
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            parser.error(f"unknown derivation(s): {', '.join(unknown)}")
        names = [n for n in names if n in args.only]
    start = time.perf_counter()
    print(table([]), flush=True)
    reports = []
    for report in check_all(names, args.jobs):
        reports.append(report)
        print(row(report), flush=True)
    print("\n" + summary(reports, time.perf_counter() - start))
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
