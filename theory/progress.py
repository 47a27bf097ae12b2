"""Progress bars: tqdm on stderr, shown only when stderr is a terminal (or when asked)."""

from __future__ import annotations

import sys

from tqdm.auto import tqdm


def progress_bar(total: int, desc: str, enable: bool | None = None):
    """A tqdm bar over ``total`` items; ``enable=None`` means 'only if stderr is a TTY'."""
    if enable is None:
        enable = sys.stderr.isatty()
    return tqdm(total=total, desc=desc, disable=not enable, file=sys.stderr, leave=False,
                mininterval=0.5)
