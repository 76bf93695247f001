"""``python -m derivations``: re-check every derivation and print one row each.

Options: ``--list`` (names only), ``--only NAME [NAME ...]``. Exit status 1 if any check fails.
"""

import argparse
import sys
import time

import derivations
from derivations.core import Report


def table(reports):
    """Rows of the verification table as text (also shown in the book's appendix)."""
    header = f"{'derivation':<28} {'level':<9} {'vs numnet':>10} {'vs FD':>10} {'time':>7}  status"
    lines = [header, "-" * len(header)]
    for r in reports:
        fmt = lambda v: "—" if v is None else f"{v:.1e}"  # noqa: E731
        status = "ok" if r.ok else "FAILED: " + "; ".join(r.problems)
        lines.append(
            f"{r.name:<28} {r.level:<9} {fmt(r.err_numnet):>10} {fmt(r.err_fd):>10} "
            f"{r.seconds:>6.2f}s  {status}"
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


def summary(reports, seconds):
    """The closing line: how many passed, at which level, in how long."""
    failed = sum(not r.ok for r in reports)
    levels = {lvl: sum(r.ok and r.level == lvl for r in reports) for lvl in ("symbolic", "numeric")}
    return (
        f"{len(reports) - failed} passed, {failed} failed "
        f"({levels['symbolic']} symbolic, {levels['numeric']} numeric) in {seconds:.1f} s"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m derivations", description=__doc__)
    parser.add_argument("--list", action="store_true", help="list the derivations and exit")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="check only these derivations")
    args = parser.parse_args(argv)
    names = derivations.names()
    if args.list:
        for name in names:
            print(f"{name:<28} {derivations.get(name).title}")
        return 0
    if args.only:
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            parser.error(f"unknown derivation(s): {', '.join(unknown)}")
        names = [n for n in names if n in args.only]
    start = time.perf_counter()
    reports = []
    for name in names:
        reports.append(check(name))
        print(table(reports[-1:]).splitlines()[-1] if reports[1:] else table(reports), flush=True)
    print("\n" + summary(reports, time.perf_counter() - start))
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
