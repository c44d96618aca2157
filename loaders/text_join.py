"""Join the physical lines of a PDF-extracted source into logical items.

The layout of ``tqc-2020-ru.txt`` (see ``docs/sources.md`` §1.4, §1.8):

* a body item starts on a line indented by **6 or more spaces** (a few items and every law block
  use 7); indentation is the *only* item delimiter;
* a wrapped line continues at column 0 (a few law-block continuations start with 1–5 spaces):
  every non-blank line indented by fewer than 6 spaces continues the current item;
* page breaks are runs of 3 blank (whitespace-only) lines and may fall inside a sentence; single
  blank lines occur around headings.  All blank lines are dropped, and never end an item;
* joining: one space between physical lines, except no space when the next line starts with
  punctuation (``,`` ``.`` ``;`` ``)`` ``:``) or the text so far ends with ``(``.  No word is
  hyphenated across a line, so a trailing ``-`` is kept and followed by a space.

Headings ("Глава N.", "Параграф N.", "Раздел N.") also start at column 0.  ``join_items`` takes a
``starts_item`` predicate, by default ``HEADING_RE.match``: a column-0 line for which it is true
starts a new item (the heading plus its wrapped title lines, which are column-0 too) instead of
continuing the previous one.  Pass ``starts_item=None`` to split on indentation only.  A column-0
line that comes before any item start also opens an item.

``line_starts(item)`` / ``line_at(starts, offset)`` map a character offset of a joined item back to
its physical source line (rebuilt from ``item.raw``), for line-precise provenance of a phrase.

Usage::

    lines = read_source_lines(path)      # SourceError when not UTF-8 text
    items = join_items(lines[start - 1:end], start)      # start, end: 1-based, inclusive
"""
from __future__ import annotations

import re
from typing import Callable, Iterable, Sequence

from .base import TextItem

#: indentation that opens an item
ITEM_INDENT = 6
#: a line starting with one of these joins the previous text without a space
JOIN_NO_SPACE_LEADING = (",", ".", ";", ")", ":")
#: text ending with one of these is followed by the next line without a space
JOIN_NO_SPACE_TRAILING = ("(",)

#: column-0 structural headings of tqc-2020-ru.txt (useful as ``starts_item``)
HEADING_RE = re.compile(r"^(Раздел|Глава|Параграф)\s+\d+\.")


def is_blank(line: str) -> bool:
    """True for an empty or whitespace-only line (page-break filler, spacing)."""
    return not line.strip()


def is_item_start(line: str) -> bool:
    """True when ``line`` is indented by 6+ spaces and not blank."""
    return not is_blank(line) and len(line) - len(line.lstrip(" ")) >= ITEM_INDENT


def join_text(left: str, right: str) -> str:
    """Append one physical line (already stripped) to text, following the join rules."""
    if not left:
        return right
    if not right:
        return left
    if right.startswith(JOIN_NO_SPACE_LEADING) or left.endswith(JOIN_NO_SPACE_TRAILING):
        return left + right
    return left + " " + right


def join_lines(lines: Iterable[str]) -> str:
    """Join physical lines into one string (no item splitting; blank lines dropped)."""
    text = ""
    for line in lines:
        if is_blank(line):
            continue
        text = join_text(text, line.strip())
    return text


def join_items(
    lines: Sequence[str],
    first_line_no: int,
    starts_item: Callable[[str], object] | None = HEADING_RE.match,
) -> list[TextItem]:
    """Split physical ``lines`` into logical items and join each item's wrapped lines.

    ``lines`` are physical lines (a trailing ``\\n`` / ``\\r`` is ignored); ``first_line_no`` is the
    1-based number of ``lines[0]`` in the source.  Each returned :class:`TextItem` has
    ``line`` = its first physical line, ``end_line`` = its last non-blank physical line, and
    ``raw`` = the physical lines ``line..end_line`` exactly as printed (page-break blanks inside
    included), joined by ``\\n``.  Blank lines never produce items.
    """
    items: list[TextItem] = []
    cur_text = ""
    cur_start: int | None = None
    cur_end: int | None = None
    cur_raw: list[str] = []
    pending_blank: list[str] = []

    def flush() -> None:
        nonlocal cur_text, cur_start, cur_end, cur_raw
        if cur_start is not None and cur_end is not None:
            items.append(TextItem(text=cur_text, line=cur_start, end_line=cur_end,
                                  raw="\n".join(cur_raw)))
        cur_text, cur_start, cur_end, cur_raw = "", None, None, []

    for offset, physical in enumerate(lines):
        line = physical.rstrip("\r\n")
        no = first_line_no + offset
        if is_blank(line):
            if cur_start is not None:
                pending_blank.append(line)
            continue
        new_item = (
            cur_start is None
            or is_item_start(line)
            or (starts_item is not None and not line.startswith(" ") and starts_item(line))
        )
        if new_item:
            flush()
            pending_blank = []
            cur_start = no
        cur_raw.extend(pending_blank)
        pending_blank = []
        cur_raw.append(line)
        cur_text = join_text(cur_text, line.strip())
        cur_end = no
    flush()
    return items


def read_lines(path) -> list[str]:
    """The physical lines of a UTF-8 source (``lines[n - 1]`` is line n)."""
    with open(path, encoding="utf-8") as fh:
        return fh.read().split("\n")


def read_source_text(path) -> str:
    """The text of a source file, which must be UTF-8 text (a leading UTF-8 BOM is dropped).

    :raises SourceError: the file cannot be read, is UTF-16 or binary (NUL bytes), or is not valid
        UTF-8 (e.g. cp1251) — naming the file, the line and the byte where the problem is.
    """
    from pathlib import Path

    from .base import SourceError

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(path, None, f"cannot read the source: {exc.strerror or exc}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceError(path, None, "not UTF-8 text: a UTF-16 byte-order mark at byte 0 (expected UTF-8)")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    if nul >= 0:
        raise SourceError(path, data.count(b"\n", 0, nul) + 1,
                          f"not UTF-8 text: a NUL byte at byte {nul} (binary data, or UTF-16 without a "
                          "byte-order mark?)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(path, data.count(b"\n", 0, exc.start) + 1,
                          f"not UTF-8 text ({exc.reason} at byte {exc.start}): is the file cp1251, "
                          "UTF-16 or binary?") from None


def read_source_lines(path) -> list[str]:
    """The physical lines of a UTF-8 source (``lines[n - 1]`` is line n), via :func:`read_source_text`.

    :raises SourceError: as :func:`read_source_text`.
    """
    return read_source_text(path).split("\n")


def line_starts(item: TextItem) -> list[tuple[int, int]]:
    """``(offset in item.text, source line)`` for each physical line of ``item``.

    Rebuilt from ``item.raw`` with the same join rules; if ``raw`` is missing or does not rebuild
    ``item.text`` exactly, the whole text is attributed to ``item.line``.
    """
    if item.raw:
        starts: list[tuple[int, int]] = []
        text = ""
        for k, physical in enumerate(item.raw.split("\n")):
            if is_blank(physical):
                continue
            piece = physical.strip()
            joined = join_text(text, piece)
            starts.append((len(joined) - len(piece), item.line + k))
            text = joined
        if text == item.text and starts:
            return starts
    return [(0, item.line)]


def line_at(starts: Sequence[tuple[int, int]], offset: int) -> int:
    """The source line holding character ``offset`` (see :func:`line_starts`)."""
    line = starts[0][1]
    for start, no in starts:
        if start > offset:
            break
        line = no
    return line
