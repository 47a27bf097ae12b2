"""``python -m derivations [--check]``: regenerate theory/_generated and derivations/equations."""

from __future__ import annotations

import argparse
import sys
import time

from .build import outputs, stale, write


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m derivations", description=__doc__)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the committed generated files are stale (write nothing)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    files = outputs()
    if args.check:
        bad = stale(files)
        if bad:
            print("stale generated files (run `python -m derivations`):", *bad, sep="\n  ", file=sys.stderr)
            return 1
        print(f"generated files up to date ({len(files)} files, {time.perf_counter() - start:.1f} s)", file=sys.stderr)
        return 0
    changed = write(files)
    print(f"wrote {len(changed)} of {len(files)} files in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    for p in changed:
        print("  " + p, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
