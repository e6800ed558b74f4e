"""What the terminal allows: colour (https://no-color.org) and the width tables must fit."""

from __future__ import annotations

import os
import shutil
from typing import TextIO


def no_colour_requested() -> bool:
    """NO_COLOR set to anything non-empty, or a terminal that says it cannot (TERM=dumb)."""
    return bool(os.environ.get("NO_COLOR")) or os.environ.get("TERM") == "dumb"


def colour_allowed(stream: TextIO) -> bool:
    """Colour only on a terminal, and only when nobody asked for none."""
    if no_colour_requested():
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


def columns() -> int:
    """The terminal's width (COLUMNS wins, as shutil reads it; 80 when unknown)."""
    return shutil.get_terminal_size().columns
