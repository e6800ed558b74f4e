"""The bytes of a JSON answer: exactly `json.dumps(payload, separators=(",", ":"))`, faster.

An answer about an action carries its code (up to 100 kB) two or three times: the draft, the
current version and the deployed one. Escaping that text again for every copy of every read was
most of what the emulator spent on a read, so the escaped form of a long string is remembered;
everything else is json's own C encoder with json.dumps's settings.
"""

from __future__ import annotations

import functools
import json
import json.encoder
from collections.abc import Callable
from typing import Any

# Strings at least this long have their escaped form remembered (an action's code, not its
# ids, names or dates), the least recently used forgotten first: the draft and its versions
# mostly share one text, and each tenant has its own, for a run of up to 256 tenants at once.
LONG_STRING = 1024
LONG_STRINGS = 256

_escape: Callable[[str], str] = json.encoder.encode_basestring_ascii
# json's C encoder (json.JSONEncoder.iterencode's, not in the typing stubs); None without it.
_make_encoder: Callable[..., Callable[[Any, int], list[str]]] | None = getattr(
    json.encoder, "c_make_encoder", None
)


@functools.lru_cache(maxsize=LONG_STRINGS)
def _escaped_long(text: str) -> str:
    return _escape(text)


def _escaped(text: str) -> str:
    return _escaped_long(text) if len(text) >= LONG_STRING else _escape(text)


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps(payload: Any) -> bytes:
    """`json.dumps(payload, separators=(",", ":")).encode()`, byte for byte."""
    if _make_encoder is None:
        return json.dumps(payload, separators=(",", ":")).encode()
    # The arguments json.JSONEncoder.iterencode gives it for dumps's defaults: a cycle check
    # (markers), no indent, unsorted keys, no skipped keys, NaN allowed.
    encode = _make_encoder({}, _refuse, _escaped, None, ":", ",", False, False, True)
    return "".join(encode(payload, 0)).encode()
