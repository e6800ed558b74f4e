"""The terms documents: one Markdown file per version, rendered to safe HTML."""

from __future__ import annotations

from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from .tokens import is_safe_version


def _shift_headings(state: StateCore) -> None:
    # The page's own <h1> names the terms and their version; the document's headings go below.
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"


def _markdown() -> MarkdownIt:
    # `html: False`: raw HTML in the file is shown as text, never passed through. markdown-it's
    # link validation already drops javascript:, vbscript:, file: and non-image data: URLs.
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.core.ruler.push("shift_headings", _shift_headings)
    return md


_MD = _markdown()


def terms_file(directory: Path, version: str) -> Path | None:
    """The file of `version` in `directory`, or None if there is none (or the name is unsafe)."""
    if not is_safe_version(version):
        return None
    root = directory.resolve()
    path = (root / f"{version}.md").resolve()
    # Belt and braces: the version pattern already rules out separators.
    if path.parent != root or not path.is_file():
        return None
    return path


def render_terms(path: Path) -> str:
    """The document as HTML (escaped input, no raw HTML)."""
    html: str = _MD.render(path.read_text(encoding="utf-8"))
    return html
