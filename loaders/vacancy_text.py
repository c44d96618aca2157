"""Line-level text helpers of the vacancy parser: cleaning, joining with line provenance, items.

Joining (sources.md §3.5): blank lines are dropped (they fall inside words and sentences); a line
ending in letter + "-" joins the next with no space, one ending in " -" with a space.
"""
from __future__ import annotations

import re

from loaders.base import TextItem
from loaders.text_join import is_blank


def clean(line: str) -> str:
    """NBSP and tabs to spaces, runs of spaces collapsed, ends stripped."""
    return " ".join(line.split())  # str.split() splits on the characters \s matches (NBSP, tab, ...)


def join(text: str, nxt: str) -> str:
    """Append a cleaned line: no space after letter + "-" or "(", before , . ; ) :"""
    if not text:
        return nxt
    if not nxt:
        return text
    if re.search(r"[^\W\d_]-$", text) or text.endswith("(") or nxt[0] in ",.;):":
        return text + nxt
    return text + " " + nxt


class Joined:
    """Physical lines joined into one string, with each line's start offset (for provenance)."""

    def __init__(self, numbered: list[tuple[int, str]]) -> None:
        self.text = ""
        self.marks: list[tuple[int, int]] = []
        for no, line in numbered:
            piece = clean(line)
            if not piece:
                continue
            self.text = join(self.text, piece)
            self.marks.append((len(self.text) - len(piece), no))

    def line_at(self, offset: int) -> int:
        line = self.marks[0][1] if self.marks else 0
        for start, no in self.marks:
            if start > offset:
                break
            line = no
        return line


def split_items(lines: list[str], start: int, end: int, numbered: bool = False) -> list[TextItem]:
    """Logical items of lines start..end: an item opens at an indented line (spaces, tab, NBSP),
    a bullet "-" or an "N)" number; with ``numbered`` only at an "N)" number."""
    items: list[TextItem] = []
    cur: list[tuple[int, str]] = []

    def flush() -> None:
        if cur:
            j = Joined(cur)
            last = max(no for no, ln in cur if not is_blank(ln))
            raw = "\n".join(lines[cur[0][0] - 1:last])
            items.append(TextItem(j.text, cur[0][0], last, raw))
        cur.clear()

    for no in range(start, end + 1):
        line = lines[no - 1]
        if is_blank(line):
            if cur:
                cur.append((no, line))
            continue
        opens = re.match(r"^\s*\d{1,2}\)", line) is not None
        if not numbered:
            opens = opens or line[:1].isspace() or re.match(r"^\s*[-–•]", line) is not None
        if opens or not cur:
            flush()
        cur.append((no, line))
    flush()
    return items
