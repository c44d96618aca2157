"""Structural parser of the 2020 regulation (tqc-2020-ru.txt): text -> typed records.

The parser follows the document's own structure (sources.md §1.2–§1.5): column-0 headings
"Раздел N." / "Глава N." / "Параграф N.", numbered points whose header names their kind, and the
levels of the competencies point. It never consults a list of this file's positions or lines, so
it reads another edition of the same regulation. Modelling (records -> RDF) is in tqc2020_rdf.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from loaders.base import LoaderWarning, SourceError, TextItem
from loaders.text_join import join_items, join_lines, read_source_lines
from loaders.tqc2020_records import CategoryLevel, Division, Point, Position2020

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "data" / "reference"

HEADING_RE = re.compile(r"^(Раздел|Глава|Параграф)\s+(\d+)\.\s*(.*?)\s*$")
POINT_RE = re.compile(
    r"^\s{4,}(\d+)\.?\s*"
    r"(Должностные обязанности|Должен знать|"
    r"Требования к квалификации с определением профессиональных компетенци[йи]|"
    r"Требования к квалификации)\s*:\s*(.*)$"
)
POINT_KINDS = {
    "Должностные обязанности": "duties",
    "Должен знать": "knowledge",
    "Требования к квалификации": "qualification",
}
LEVEL_RE = re.compile(
    r"^(?:(\d)\)\s*)?[\"«]?\s*(педагог\b[^:]{0,60}?)\s*:\s*$", re.IGNORECASE
)
REFERENCE_RE = re.compile(
    r"^\W*(?:должен\s+)?(?:отвечать|отвечает|соответствовать|соответствует|"
    r"владеть\s+профессиональными\s+компетенциями)\b", re.IGNORECASE)
# where the named qualification starts, most specific marker first
REFERENCE_TARGET_RES = (
    re.compile(r"(?:к\s+)*квалификаци[иа]\s*:?\s*(?P<rest>.*)$", re.IGNORECASE),
    re.compile(r"квалификационной\s+категории\s*(?P<rest>.*)$", re.IGNORECASE),
    re.compile(r"предъявляем\w*\s+(?P<rest>.*)$", re.IGNORECASE),
    re.compile(r"требованиям\s+(?!к\b)(?P<rest>.*)$", re.IGNORECASE),
)
REFERENCE_END_RE = re.compile(
    r",?\s*(?:а\s+также|кроме\s+того)\b\s*:?\s*|\s*[:;]\s*|"
    r",\s+(?=(?:знать|владеть|уметь|использовать|применять)\b)", re.IGNORECASE)
DASHES = str.maketrans({"–": "-", "—": "-", "«": '"', "»": '"'})


@dataclass
class ParseResult:
    """The positions of one file and the warnings met while reading it."""

    file: str
    divisions: list[Division]
    positions: list[Position2020]
    warnings: list[LoaderWarning] = field(default_factory=list)


@lru_cache(maxsize=1)
def _org_type_rules() -> list[tuple[re.Pattern[str], str]]:
    rules = yaml.safe_load((REFERENCE_DIR / "org-types.yaml").read_text(encoding="utf-8"))
    return [(re.compile(r["pattern"], re.IGNORECASE), r["org_type"]) for r in rules]


@lru_cache(maxsize=1)
def _category_vocabulary() -> dict:
    return yaml.safe_load((REFERENCE_DIR / "category-labels.yaml").read_text(encoding="utf-8"))


def org_type_of(heading: str) -> str | None:
    """The organisation type a division heading names, by the reviewed rules in org-types.yaml."""
    for pattern, slug in _org_type_rules():
        if pattern.search(heading):
            return slug
    return None


def normalise_label(text: str) -> str:
    """Lower case, «» and straight quotes dropped, dashes unified, spaces around dashes removed."""
    text = text.translate(DASHES).replace('"', "").lower()
    text = re.sub(r"\s*-\s*", "-", text)
    return re.sub(r"\s+", " ", text).strip(" .:,;")


def category_of(label: str) -> str | None:
    """Resolve a printed category label (ru or kk) to a slug of kzcode:category, or None."""
    norm = re.sub(r"^к\s+", "", normalise_label(label))
    vocab = _category_vocabulary()
    if any(marker in norm for marker in vocab["non_category_markers"]):
        return None
    for entry in vocab["category"]:
        if any(stem in norm for stem in entry.get("stems", ())):
            return entry["slug"]
        if norm in entry.get("exact", ()):
            return entry["slug"]
    if re.fullmatch(r"педагог(?:а|у)?(?: \(?без категории\)?)?", norm):
        return "pedagog"
    return None


def join_title(lines: list[str]) -> str:
    """Join heading lines: one space, none after a trailing "(" or before a leading "," / ")"."""
    return join_lines(lines)


def parse(path: Path | str) -> ParseResult:
    """Parse tqc-2020-ru.txt (or another edition of it) into divisions and positions."""
    path = Path(path)
    lines = read_source_lines(path)
    parser = _Parser(path.name, lines)
    parser.run()
    if not parser.positions:
        raise SourceError(path, None, 'no position found: expected headings "Параграф N." with numbered points')
    return ParseResult(path.name, parser.divisions, parser.positions, parser.warnings)


class _Parser:
    def __init__(self, file: str, lines: list[str]) -> None:
        self.file = file
        self.lines = lines
        self.divisions: list[Division] = []
        self.positions: list[Position2020] = []
        self.warnings: list[LoaderWarning] = []

    def warn(self, line: int | None, code: str, message: str) -> None:
        self.warnings.append(LoaderWarning(self.file, line, code, message))

    # -- headings ---------------------------------------------------------------------------
    def _heading_extent(self, start: int) -> tuple[str, int]:
        """Join a heading with its wrapped title lines; return (title, index after the title)."""
        parts = [HEADING_RE.match(self.lines[start]).group(3)]
        i = start + 1
        while i < len(self.lines):
            line = self.lines[i]
            if line.strip() == "":
                # a title may continue after a page break (3 blank lines), never after one blank
                j = i
                while j < len(self.lines) and self.lines[j].strip() == "":
                    j += 1
                if j - i >= 3 and j < len(self.lines) and not self.lines[j].startswith(" ") \
                        and not HEADING_RE.match(self.lines[j]) and not self._is_point(j):
                    i = j
                    continue
                break
            if line.startswith(" ") or HEADING_RE.match(line):
                break
            parts.append(line.strip())
            i += 1
        return join_title(parts), i

    def _is_point(self, i: int) -> bool:
        return bool(POINT_RE.match(self.lines[i]))

    def run(self) -> None:
        current_division: Division | None = None
        i = 0
        n = len(self.lines)
        while i < n:
            m = HEADING_RE.match(self.lines[i])
            if not m:
                i += 1
                continue
            kind, number = m.group(1), int(m.group(2))
            title, after = self._heading_extent(i)
            if kind in ("Глава", "Раздел"):
                key = ("ch" if kind == "Глава" else "s") + str(number)
                current_division = Division(key, title, i + 1, org_type_of(title))
                self.divisions.append(current_division)
                i = after
                continue
            if current_division is None:
                raise SourceError(self.file, i + 1, 'a "Параграф" before any "Глава" or "Раздел" heading')
            end = self._next_heading(after)
            self.positions.append(self._position(current_division, number, title, i + 1, after, end))
            i = end
        self._check_divisions()

    def _next_heading(self, i: int) -> int:
        while i < len(self.lines) and not HEADING_RE.match(self.lines[i]):
            i += 1
        return i

    def _check_divisions(self) -> None:
        keys = [p.key for p in self.positions]
        for key in {k for k in keys if keys.count(k) > 1}:
            self.warn(None, "duplicate-paragraph", f"paragraph key {key} occurs twice")
        for pos in self.positions:
            if pos.division.org_type is None:
                self.warn(pos.division.line, "unknown-org-type",
                          f"no organisation type recognised in heading {pos.division.title!r}")

    # -- one position -----------------------------------------------------------------------
    def _position(self, division: Division, paragraph: int, title: str, title_line: int,
                  body_start: int, body_end: int) -> Position2020:
        pos = Position2020(division, paragraph, title, title_line, aliases_of(title))
        headers = [i for i in range(body_start, body_end) if self._is_point(i)]
        if not headers:
            raise SourceError(self.file, title_line,
                              f'position "{title}" has no numbered point ("N. Должностные обязанности:")')
        for k, h in enumerate(headers):
            m = POINT_RE.match(self.lines[h])
            number, label, rest = int(m.group(1)), m.group(2), m.group(3)
            kind = POINT_KINDS.get(label, "competencies")
            stop = headers[k + 1] if k + 1 < len(headers) else body_end
            body = [" " * 6 + rest] if rest.strip() else []
            items = join_items(body + self.lines[h + 1:stop], h + 1 - (1 if body else 0),
                               starts_item=None)
            if body and items:
                # the first item starts on the header line itself
                items[0] = TextItem(items[0].text, h + 1, items[0].end_line, self.lines[h] + (
                    "\n" + items[0].raw.split("\n", 1)[1] if "\n" in items[0].raw else ""))
            if kind in pos.points:
                self.warn(h + 1, "repeated-point", f"{pos.notation}: a second '{label}' point ({number})")
                continue
            pos.points[kind] = Point(number, kind, h + 1, tuple(items))
        for required in ("duties", "knowledge", "qualification"):
            if required not in pos.points:
                self.warn(title_line, "missing-point", f"{pos.notation} {title!r} has no '{required}' point")
        if "competencies" in pos.points:
            pos.levels = self._levels(pos)
        return pos

    # -- competencies levels ----------------------------------------------------------------
    def _levels(self, pos: Position2020) -> tuple[CategoryLevel, ...]:
        levels: list[CategoryLevel] = []
        cur: dict | None = None

        def close() -> None:
            if cur is not None:
                levels.append(CategoryLevel(cur["label"], cur["number"], cur["category"],
                                            cur["ref_text"], cur["ref"], tuple(cur["statements"]),
                                            cur["line"]))

        for item in pos.points["competencies"].items:
            text = item.text.strip()
            lm = LEVEL_RE.match(text.lstrip("."))
            if lm:
                close()
                label = normalise_label(lm.group(2))
                cur = {"label": label, "number": int(lm.group(1)) if lm.group(1) else None,
                       "category": category_of(label), "ref_text": None, "ref": None,
                       "statements": [], "line": item.line}
                continue
            reference = split_reference(text)
            if reference is not None and cur is not None and cur["statements"]:
                # a reference after statements opens an unlabelled level (§4.7's мастер block)
                close()
                cur = {"label": None, "number": None, "category": None, "ref_text": None,
                       "ref": None, "statements": [], "line": item.line}
            if reference is not None and cur is not None and cur["ref_text"] is None:
                target, tail = reference
                cur["ref_text"] = target
                cur["ref"] = category_of(target)
                if tail:
                    cur["statements"].append(TextItem(tail, item.line, item.end_line, item.raw))
                continue
            if cur is None:
                self.warn(item.line, "text-before-level",
                          f"{pos.notation}: competency text before any category level")
                cur = {"label": None, "number": None, "category": None, "ref_text": None,
                       "ref": None, "statements": [], "line": item.line}
            cur["statements"].append(item)
        close()
        return tuple(levels)


def split_reference(text: str) -> tuple[str, str] | None:
    """Split "должен отвечать требованиям, предъявляемым к квалификации X, а также: Y" into (X, Y).

    Returns None when the text is not such a reference to another qualification.
    """
    if not REFERENCE_RE.match(text):
        return None
    found = [m for m in (r.search(text) for r in REFERENCE_TARGET_RES) if m]
    if not found:
        return None
    rest = re.sub(r"^(?:к\s+)*квалификаци[иа]\s*:?\s*", "",
                  min(found, key=lambda m: m.start()).group("rest"), flags=re.IGNORECASE)
    end = REFERENCE_END_RE.search(rest)
    target = rest[: end.start()] if end else rest
    tail = rest[end.end():].strip() if end else ""
    return target.strip(' "«»:'), tail
    return None


_ALIAS_PIECE = re.compile(r"^[а-яё][а-яё\-]*(?:ий|ый|[бвгджзклнпрстфхцчшщ]|[^оеё]м)(?:\s+[а-яё\-]+)?$")


def aliases_of(title: str) -> tuple[str, ...]:
    """Alternative names printed in a title: "(учитель-логопед/логопед)", "(директор, заведующий)",
    comma pairs "Педагог-психолог, психолог". Scopes ("(филиала)"), specialisations ("(по плаванию)")
    and abbreviations are not names of the position and are left out.
    """
    found: list[str] = []
    for group in re.findall(r"\(([^()]*)\)", title):
        pieces = [p.strip() for p in re.split(r"[,/]", group) if p.strip()]
        if pieces and all(_ALIAS_PIECE.match(p) and not p.startswith(("по ", "далее")) for p in pieces):
            found.extend(pieces)
    head = re.sub(r"\([^()]*\)", "", title).strip()
    if "," in head and "(" not in title:
        parts = [p.strip() for p in head.split(",")]
        if len(parts) == 2 and all(len(p.split()) <= 3 for p in parts):
            found.extend(parts)
    seen: list[str] = []
    for alias in found:
        if alias not in seen and alias != title:
            seen.append(alias)
    return tuple(seen)
