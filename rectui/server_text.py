"""Text a server sent, made safe for where it goes: a terminal, JSON, a spreadsheet.

Everything that shows or prints server text (the TUI's widgets and notifications, the CLI's table,
CSV, TSV and JSON, error messages) passes it through here, so a recording field such as
`"\\x1b]0;PWNED\\x07"` is shown as `␛]0;PWNED␇`, never interpreted by a terminal.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from typing import Any

__all__ = ["csv_cell", "safe_json", "safe_text"]

# C0 controls become their visible "control picture" (ESC -> ␛), so a name like "\x1b[31mred"
# shows as "␛[31mred": it can neither colour the terminal nor silently hide what was sent.
_CONTROL_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)} | {0x7F: "\u2421"}


def safe_text(value: object) -> str:
    """Text from the server made harmless for a terminal, one visible character per char.

    Control characters (C0, DEL, C1), format characters (bidi overrides, zero-width joiners),
    line/paragraph separators and unassigned code points are replaced; other spaces become " ".
    The result is one line. Idempotent: safe text stays as it is.
    """
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():  # the fast path: nearly every value
        return text
    out: list[str] = []
    for char in text:
        if char.isprintable():
            out.append(char)
        elif (picture := _CONTROL_PICTURES.get(ord(char))) is not None:
            out.append(picture)
        elif unicodedata.category(char) == "Zs":
            out.append(" ")
        else:
            out.append("\ufffd")
    return "".join(out)


def _json_escape(char: str) -> str:
    if char == "\n" or char.isprintable():
        return char
    # Astral characters as a surrogate pair, as JSON spells them.
    data = char.encode("utf-16-be", "surrogatepass")
    return "".join(f"\\u{int.from_bytes(data[i : i + 2]):04x}" for i in range(0, len(data), 2))


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def safe_json(value: Any, **dumps: Any) -> str:
    """`json.dumps` that stays valid JSON and terminal-safe: every character that is not printable
    (C0, DEL, C1, bidi controls...) is `\\uXXXX`-escaped, and a non-finite number is null
    (JSON has no Infinity). Printable non-ASCII text stays readable."""
    text = json.dumps(_finite(value), ensure_ascii=False, allow_nan=False, **dumps)
    if text.isprintable():
        return text
    # Outside strings JSON holds only printable characters and the newlines of `indent`, so
    # whatever is escaped here is inside a string, where a \\u escape means the same character.
    return "".join(_json_escape(char) for char in text)


_FORMULA_START = ("=", "@", "+", "-", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_E164 = re.compile(r"^\+[1-9]\d{1,14}$")


def csv_cell(value: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP: prefix `'`), except for values
    that are plainly an E.164 number (`+14155550100`) or a numeral (`-3.5`)."""
    if not value.startswith(_FORMULA_START):
        return value
    if _E164.match(value) or _PLAIN_NUMBER.match(value):
        return value
    return "'" + value
