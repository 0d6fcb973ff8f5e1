"""Text safety and markers: Markdown escaping of user values, and plain text from ``**bold**``."""

from __future__ import annotations

import re
from typing import Any

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=^%\"'@])")
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\u2028\u2029]+")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
WORD_JOINER = "\u2060"
"""An invisible character that :func:`md` puts inside ``http://``, ``www.`` and ``@`` so that
GitHub-flavored Markdown does not turn a URL or an e-mail address in a user value into a link
(its autolinks are found in the text after the escapes are read, so a backslash does not stop
them)."""
_AUTOLINK = re.compile(r"(?i)(https?|ftp|mailto|www)(?=[:.])|(@)(?=\w)")


def md(text: Any) -> str:
    """User-provided text (file, column or group names) made safe inside Markdown.

    Escapes the characters that would start emphasis, links, HTML, tables or LaTeX, so that a
    group called ``[click](http://...)``, ``$x$``, ``:red[x]`` or ``a\\n# HEAD`` is shown
    literally, on one line; URLs and e-mail addresses in it are not made links
    (:data:`WORD_JOINER`). Every user value placed in Markdown on a page goes through here
    (CommonMark lets any ASCII punctuation be escaped with a backslash).
    """
    one_line = _LINE_BREAKS.sub(" ", str(text))
    unlinked = _AUTOLINK.sub(lambda m: (m.group(1) or m.group(2)) + WORD_JOINER, one_line)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", unlinked)


def names(items: Any) -> str:
    """Values listed for a person: ``a``, ``a and b``, ``a, b and c`` (no brackets, no quotes)."""
    values = [str(v) for v in items]
    if len(values) <= 1:
        return "".join(values)
    return ", ".join(values[:-1]) + " and " + values[-1]


def could_not_run(name: str, message: str) -> str:
    """The sentence for an analysis that failed (the report, its page and every page that runs
    an analysis say it the same way)."""
    return f"The {name} analysis could not run: {message}"


def plain(text: str) -> str:
    """``text`` without its ``**bold**`` markers (for JSON documents and the terminal)."""
    return _BOLD.sub(r"\1", text)
