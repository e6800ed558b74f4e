"""A secret value that does not show itself.

`Secret` hides its value from repr/str so that a value cannot leak through a log line, an
exception or a test snapshot by accident; code that needs the value asks for `.reveal()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Secret:
    _value: str = field(repr=False)
    source: str  # where it came from, for messages: "$PROD_TERMS_TOKEN_SECRET", "generated"

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return f"<secret from {self.source}>"

    def __len__(self) -> int:
        return len(self._value)
