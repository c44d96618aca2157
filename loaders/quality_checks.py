"""Data-quality checks over parsed records: the anomalies a source has, found by rules.

Each check returns `QualityNote` records; the modeller turns them into `kzo:DataQualityNote` nodes.
The text itself is never changed: a note says what is odd, where, and quotes it as printed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from loaders.tqc2020_records import CategoryLevel, Position2020

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "data" / "reference"
CATEGORY_ORDER = ("pedagog", "moderator", "expert", "researcher", "master")
DOUBLED_WORD_RE = re.compile(r"(?<!\w)(\w{1,3}) \1(?!\w)", re.IGNORECASE)
#: doubled words noted one by one on a line; more are summed up in one note
MAX_DOUBLED_PER_LINE = 5


@dataclass(frozen=True)
class QualityNote:
    """One anomaly: `about` is a position key (or "" for the document) plus an optional part."""

    line: int
    kind: str          # slug in kzcode:note-kind
    about: str         # position key, e.g. "ch3-p9"; "" = the source document
    part: str          # "" for the position itself, or e.g. "category/expert", "title"
    message: str
    quoted: str


def _next(category: str | None) -> str | None:
    if category in CATEGORY_ORDER and category != CATEGORY_ORDER[-1]:
        return CATEGORY_ORDER[CATEGORY_ORDER.index(category) + 1]
    return None


def _previous(category: str | None) -> str | None:
    if category in CATEGORY_ORDER and category != CATEGORY_ORDER[0]:
        return CATEGORY_ORDER[CATEGORY_ORDER.index(category) - 1]
    return None


@lru_cache(maxsize=1)
def known_typos() -> list[dict]:
    return yaml.safe_load((REFERENCE_DIR / "typos-ru.yaml").read_text(encoding="utf-8"))


def position_at(positions: list[Position2020], line: int) -> str:
    """Key of the position whose block holds `line` ("" before the first one)."""
    key = ""
    for pos in positions:
        if pos.title_line <= line:
            key = pos.key
        else:
            break
    return key


def text_notes(lines: list[str], positions: list[Position2020]) -> list[QualityNote]:
    """Known misspellings (reviewed list) and doubled short words ("к к квалификации")."""
    notes: list[QualityNote] = []
    for no, line in enumerate(lines, start=1):
        for typo in known_typos():
            if re.search(rf"(?<!\w){re.escape(typo['wrong'])}(?!\w)", line):
                message = typo.get("note") or f"misspelling '{typo['wrong']}' for '{typo['right']}'"
                notes.append(QualityNote(no, "typo", position_at(positions, no), "", message, typo["wrong"]))
        doubled = 0
        for m in DOUBLED_WORD_RE.finditer(line):
            doubled += 1
            if doubled <= MAX_DOUBLED_PER_LINE:
                notes.append(QualityNote(no, "typo", position_at(positions, no), "",
                                         f"doubled word '{m.group(1)}'", m.group(0)))
        if doubled > MAX_DOUBLED_PER_LINE:
            # a damaged line ("аб аб аб …" for 2 MB) would otherwise give a note per repetition
            notes.append(QualityNote(no, "typo", position_at(positions, no), "",
                                     f"{doubled - MAX_DOUBLED_PER_LINE} more doubled words on this line "
                                     "(not noted one by one: is the line damaged?)", line[:80]))
    return notes


def category_level_slug(levels: tuple[CategoryLevel, ...], index: int) -> str:
    """The IRI slug of a level: its effective category ("-2" if a category repeats)."""
    slug = effective_category(levels, index) or "unknown"
    earlier = [effective_category(levels, i) or "unknown" for i in range(index)]
    return slug if slug not in earlier else f"{slug}-{earlier.count(slug) + 1}"


def expected_category(levels: tuple[CategoryLevel, ...], index: int) -> str | None:
    """The category a level should have from the sequence: the one after the previous level's
    effective category (or, for the first level, after the category its reference names)."""
    if index == 0:
        level = levels[0]
        return _next(level.refers_to) if level.refers_to else level.category
    return _next(effective_category(levels, index - 1))


def effective_category(levels: tuple[CategoryLevel, ...], index: int) -> str | None:
    """The category a level stands for: as labelled, unless the sequence shows the label is wrong."""
    expected = expected_category(levels, index)
    label = levels[index].category
    if label is None or (expected is not None and index > 0 and label != expected):
        return expected
    return label


def level_notes(pos: Position2020) -> list[QualityNote]:
    """Mislabelled, unnumbered or misnumbered levels and broken "должен отвечать … X" references."""
    notes: list[QualityNote] = []
    levels = pos.levels

    def note(level: CategoryLevel, index: int, kind: str, message: str, quoted: str) -> None:
        part = "category/" + category_level_slug(levels, index)
        notes.append(QualityNote(level.line, kind, pos.key, part, f"{pos.notation}: {message}", quoted))

    for i, level in enumerate(levels):
        expected = expected_category(levels, i)
        if level.label is None:
            note(level, i, "glitch", f"unnumbered, unlabelled level (read as '{expected}' from its reference)",
                 level.refers_to_text or "")
        elif level.category is None:
            note(level, i, "category-mislabel", f"level label '{level.label}' names no category", level.label)
        elif i > 0 and expected and level.category != expected:
            note(level, i, "category-mislabel",
                 f"level {level.number} is labelled '{level.label}' where '{expected}' is expected "
                 "from the sequence of levels", level.label)
        if level.number is not None and i == 0 and level.number != 1:
            note(level, i, "glitch", f"levels are numbered from {level.number}, not from 1", f"{level.number})")
        if level.refers_to_text is None:
            continue
        own = effective_category(levels, i)
        if level.refers_to is None:
            note(level, i, "broken-reference",
                 f"the {own or 'level'} requirements refer to '{level.refers_to_text}', which is not a category",
                 level.refers_to_text)
        elif level.refers_to == own and own != CATEGORY_ORDER[0]:
            note(level, i, "broken-reference", f"the '{own}' level refers to itself", level.refers_to_text)
        elif _previous(own) and level.refers_to != _previous(own):
            note(level, i, "broken-reference",
                 f"the '{own}' level refers to '{level.refers_to}' instead of '{_previous(own)}'",
                 level.refers_to_text)
        if "без категории" in level.refers_to_text and level.refers_to not in (None, "pedagog"):
            note(level, i, "category-mislabel",
                 f"'{level.refers_to}' is called 'без категории' (without category)", level.refers_to_text)
    if levels and levels[-1].category not in ("master", None) and expected_category(levels, len(levels) - 1) != "master":
        last = levels[-1]
        notes.append(QualityNote(last.line, "glitch", pos.key, "",
                                 f"{pos.notation}: the competencies point defines no 'мастер' level",
                                 last.label or ""))
    return notes


def title_notes(pos: Position2020) -> list[QualityNote]:
    """Unbalanced parentheses, a word repeated in brackets, an abbreviation defined inside a title."""
    notes: list[QualityNote] = []
    title = pos.title
    if title.count("(") != title.count(")"):
        notes.append(QualityNote(pos.title_line, "glitch", pos.key, "",
                                 f"{pos.notation}: unbalanced parentheses in the title", title))
    for m in re.finditer(r"(?<![\w-])(\w+)\s+\((\w+)\)", title):
        if m.group(1).lower() == m.group(2).lower():
            notes.append(QualityNote(pos.title_line, "glitch", pos.key, "",
                                     f"{pos.notation}: '{m.group(1)}' repeated in brackets", m.group(0)))
    if re.search(r"\(далее\s*[-–]", title):
        notes.append(QualityNote(pos.title_line, "glitch", pos.key, "",
                                 f"{pos.notation}: the title defines an abbreviation '(далее - …)'", title))
    return notes


def repetition_notes(pos: Position2020) -> list[QualityNote]:
    """An item of "Должен знать" printed twice in one position (a copy-paste slip)."""
    notes: list[QualityNote] = []
    knowledge = pos.point("knowledge")
    if knowledge is None:
        return notes
    seen: dict[str, int] = {}
    for item in knowledge.items:
        for piece in (p.strip(" .;") for p in item.text.split(";")):
            key = re.sub(r"\s+", " ", piece.lower())
            if len(key) < 12:
                continue
            if key in seen:
                notes.append(QualityNote(item.line, "copy-paste", pos.key, "",
                                         f"{pos.notation}: '{piece}' is listed twice in 'Должен знать' "
                                         f"(first at line {seen[key]})", piece))
            else:
                seen[key] = item.line
    return notes


def copied_competencies(positions: list[Position2020]) -> list[QualityNote]:
    """A position whose competency statements equal another position's, word for word.

    Near-copies are not reported: the TVET positions share templated statements by design.
    """
    notes: list[QualityNote] = []
    signature: dict[tuple[str, ...], Position2020] = {}
    for pos in positions:
        statements = tuple(s.text for level in pos.levels for s in level.statements)
        if len(statements) < 5:
            continue
        if statements in signature:
            first = signature[statements]
            notes.append(QualityNote(pos.point("competencies").header_line, "copy-paste", pos.key, "",
                                     f"{pos.notation} '{pos.title}': the competencies are a word-for-word "
                                     f"copy of {first.notation} '{first.title}'", pos.title))
        else:
            signature[statements] = pos
    return notes


def document_notes(lines: list[str], positions: list[Position2020]) -> list[QualityNote]:
    """Every rule-based note of one parsed 2020-shaped document, in line order."""
    notes = text_notes(lines, positions) + copied_competencies(positions)
    for pos in positions:
        notes += level_notes(pos) + title_notes(pos) + repetition_notes(pos)
    return sorted(notes, key=lambda n: (n.line, n.kind, n.message))
