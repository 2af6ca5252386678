"""Show text with its invisible characters escaped, so that a message never hides them.

A key typed with a zero-width space (`batch\u200b_size`), a bidi override or an
escape sequence must appear in an error as what it is, not as a key that looks
right, and must never reach the terminal raw (ESC could rewrite the screen).
"""

from __future__ import annotations

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def escape_char(ch: str) -> str:
    """One character as Python writes it in a string literal: \\x1b, \\u200b, \\U000e0001."""
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, as surrogateescape carries it
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def is_invisible(ch: str) -> bool:
    """Control, format (zero-width, bidi), separator other than a plain space, or unassigned."""
    return ch != " " and not ch.isprintable()


def visible(text: str) -> str:
    """`text` with every invisible character escaped (printable text, accents included, unchanged)."""
    if text.isprintable():
        return text
    return "".join(escape_char(ch) if is_invisible(ch) else ch for ch in text)


def invisible_chars(text: str) -> list[str]:
    """The distinct invisible characters in `text`, escaped, in order of appearance."""
    out: list[str] = []
    for ch in text:
        if is_invisible(ch) and escape_char(ch) not in out:
            out.append(escape_char(ch))
    return out


def without_invisible(text: str) -> str:
    return "".join(ch for ch in text if not is_invisible(ch))
