"""Reading the text of the professional standard: table cells, row labels, numbered lists.

A row is read by the LABEL in its first non-empty cell (cells are separated by ``\\t|\\t``); a
numbered list is split by the expected run 1..n even when its items are glued, and the faults of
the run are recorded as notes.
"""
from __future__ import annotations

import re

from loaders.prof_standard_records import ListItem, Note

CELL_SEP = "\t|\t"
UPPER = "A-ZА-ЯЁӘІҢҒҮҰҚӨҺ"
LOWER = "a-zа-яёәіңғүұқөһ"
# a list marker "n." (optionally doubled "n.n." / "n. n."), followed by the item's first letter
MARK_RE = re.compile(rf"(?<!\d)(\d{{1,2}})\.(?:\s*(\1)\.)?\s*(?=[{UPPER}«\"(])")

LABELS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(rx, re.IGNORECASE)) for name, rx in (
        ("code", r"^код\s*:?\s*$"),
        ("group_code", r"^топ\s+коды\s*:?\s*$"),
        ("aliases", r"^мамандықтың\s+басқа"),
        ("profession", r"^маманды(?:қ|қтар|ғы)\s*:?\s*$"),
        ("level", r"^сбш\s+бойынша\s+біліктілік\s+деңгейі"),
        ("purpose", r"^қызметтің\s+негізгі\s+мақсаты"),
        ("main_functions", r"^(?:\d+\.\s*)?кәсіби\s+қызмет(?:і)?\s*$"),
        ("additional", r"^қосымша\s+кәсіби\s+қызмет"),
        ("function", r"^(?:\d+\.\s*)?кәсіби\s+қызмет(?:і)?\s*\d+\s*\."),
        ("task", r"^(?:\d+\s*-\s*)?міндет\s*:"),
        ("knowledge", r"^білім\s*:"),
        ("skills", r"^білік\s+[пм]ен\s+дағдылар"),
        ("personal", r"^жеке\s+құзыреттерге"),
        ("related", r"^сбш\s+шеңберіндегі"),
        ("handbooks", r"^бтба"),
        ("education", r"^білім\s+беру\s+және\s+біліктілік\s+жүйесімен"),
    )
)
CYR_TO_LAT = str.maketrans("АВСЕ", "ABCE")


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.split(CELL_SEP)]


def label_of(cell: str) -> str | None:
    for name, rx in LABELS:
        if rx.match(cell):
            return name
    return None


def clean_item(text: str) -> str:
    text = text.strip()
    text = re.sub(r"[;,\s]+$", "", text)
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1].rstrip()
    return text


def find_line(lines: list[str], rx: re.Pattern[str], start: int, stop: int) -> tuple[int, re.Match[str]] | None:
    """(1-based line, match) of the first of ``lines[start:stop]`` that ``rx`` finds."""
    for i in range(start, min(stop, len(lines))):
        m = rx.search(lines[i])
        if m:
            return i + 1, m
    return None


# ---------------------------------------------------------------------------------------------
# numbered lists
# ---------------------------------------------------------------------------------------------


def split_numbered(text: str, line: int, about: str, notes: list[Note],
                   what: str = "list", check: bool = True) -> list[ListItem]:
    """Split "1. A;2. B…" (items possibly glued) following the expected run 1..n.

    A marker for the expected number is taken wherever it occurs; another number is accepted only
    after ";" (a duplicate or a gap), and recorded as a numbering fault (unless ``check`` is false:
    one line of a list printed over several lines, checked as a whole by :func:`check_run`).
    Doubled markers ("1.1.", "8. 8.") and items glued to the previous one with no punctuation
    ("…әдістері2. Озық…") are recorded too.  A text that does not start with a number is one
    unnumbered item.
    """
    text = text.strip()
    marks = list(MARK_RE.finditer(text))
    if not marks or marks[0].start() != 0:
        return [ListItem(None, clean_item(text), line)] if clean_item(text) else []
    chosen = [marks[0]]
    while True:
        expected = int(chosen[-1].group(1)) + 1
        nxt = None
        for m in marks:
            if m.start() < chosen[-1].end():
                continue
            before = text[:m.start()].rstrip()
            if int(m.group(1)) == expected or before.endswith(";"):
                nxt = m
                break
        if nxt is None:
            break
        chosen.append(nxt)
    items: list[ListItem] = []
    numbers: list[int] = []
    doubled: list[int] = []
    for i, m in enumerate(chosen):
        end = chosen[i + 1].start() if i + 1 < len(chosen) else len(text)
        n = int(m.group(1))
        numbers.append(n)
        if m.group(2):
            doubled.append(n)
        items.append(ListItem(n, clean_item(text[m.end():end]), line))
    if check and numbers != list(range(1, len(numbers) + 1)):
        notes.append(_numbering_fault(numbers, line, about, what, _quote_numbers(text, chosen)))
    glued = [m for m in chosen[1:] if re.search(rf"[{LOWER}{UPPER})]$", text[:m.start()])]
    for m in glued:
        notes.append(Note(line, "glitch", about, f"{what}: item {m.group(1)} glued to the previous item "
                          "with no separator", text[max(0, m.start() - 12):m.end() + 8]))
    if doubled:
        notes.append(Note(line, "glitch", about,
                          f"{what}: doubled item numbers ({', '.join(f'{n}.{n}.' for n in doubled)})",
                          _quote_numbers(text, chosen)))
    return items


def _quote_numbers(text: str, marks: list[re.Match[str]]) -> str:
    return " … ".join(text[m.start():m.end()].strip() for m in marks)


def check_run(items: list[ListItem], line: int, about: str, notes: list[Note], what: str) -> None:
    numbers = [it.number for it in items]
    if None in numbers or numbers == list(range(1, len(numbers) + 1)):
        return
    notes.append(_numbering_fault(numbers, line, about, what, " … ".join(f"{n}." for n in numbers)))


def _numbering_fault(numbers: list[int], line: int, about: str, what: str, quoted: str) -> Note:
    return Note(line, "glitch", about,
                f"{what} numbered {', '.join(map(str, numbers))} instead of 1..{len(numbers)}", quoted)
