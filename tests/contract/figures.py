"""Print the conformance figures: recorded Auth0 traffic replayed against the emulator.

Run by hand from the repository root (not in CI; the test is test_conformance.py):

    PYTHONPATH=tests .venv/bin/python tests/contract/figures.py [-v]

One line per cassette, then the totals; `-v` also lists every interaction that differs.
"""

from __future__ import annotations

import sys

from support.replay import figures, fixtures, replay


def main(verbose: bool) -> None:
    total = [0, 0, 0]
    excused = 0
    for path in fixtures():
        outcomes = replay(path)
        n, status, shape = figures(outcomes)
        total = [total[0] + n, total[1] + status, total[2] + shape]
        known = sum(bool(o.known) for o in outcomes)
        excused += known
        skipped = sum(o.skipped is not None for o in outcomes)
        print(
            f"{path.stem:40} {n:4} interactions  status {status:4}  shape {shape:4}"
            f"  (known era differences: {known}, skipped: {skipped})"
        )
        if verbose:
            for o in outcomes:
                if o.skipped:
                    print(f"    {o.cassette}#{o.index} skipped: {o.skipped}")
                elif not (o.status_ok and o.shape_ok):
                    print(f"    {o}")
                elif o.known:
                    print(f"    {o.cassette}#{o.index} known: {'; '.join(o.known)}")
    n, status, shape = total
    print(
        f"{'total':40} {n:4} interactions  status {status / n:6.1%}  shape {shape / n:6.1%}"
        f"  ({excused} shape matches allow a known era difference)"
    )


if __name__ == "__main__":
    main("-v" in sys.argv[1:])
