"""Structural parser of the 2008 characteristics (``tqc-2008-kk.txt``): text -> typed records.

The layout (``docs/sources.md`` §2.2–2.5), which is the only thing this parser relies on:

* a preamble (the order), then three sections, each opened by a column-0 line ``"N. …"`` (N = 1, 2,
  3 in order) whose heading runs until the phrase «Үлгі Біліктілік сипаттамалары»; an editorial
  note («Ескерту. …», indented) may interrupt a heading, and the heading's tail may share its line
  with the first title (§3, l.778);
* position blocks, unnumbered: a title of column-0 lines, then indented labelled paragraphs —
  duties («Қызметтік/Лауазымдық міндеттер(і):»), knowledge («Білуге міндетті:»), requirements
  («Біліктілікке қойылатын талаптар:», possibly in the middle of a line); unlabelled indented
  paragraphs continue the current part; a paragraph «… үшін қосымша:» / «Қосымша … үшін:» opens an
  add-on role; «Ескерту. …» paragraphs are editorial notes;
* column-0 lines continue the current paragraph, except a run of column-0 lines that follows a
  blank line after a finished sentence *and* is followed by a duty label (or a note): that run is
  the next title (or a section heading).

Nothing here knows a title or a line number of the file.  Requirement phrases are parsed by
``loaders.tqc2008_requirements``-style helpers below (education paths, degrees, experience).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .base import LoaderWarning, SourceError, TextItem
from .text_join import is_blank, is_item_start, join_text, read_lines

SOURCE_FILE = "tqc-2008-kk.txt"

# --------------------------------------------------------------------------- labels and patterns
DUTY_LABEL = re.compile(r"(?:Қызметтік|Лауазымдық)\s+міндеттер(?:і)?\s*:")
ADDON_DUTY_LABEL = re.compile(r"^(?:Қызметтік|Лауазымдық)\s+міндеттер(?:і)?\s*:?\s*")
KNOW_LABEL = re.compile(r"Білуге\s+міндетті\s*:")
REQ_LABEL = re.compile(r"Біліктілікке\s+қойылатын\s+талаптар\s*:")
NOTE_LABEL = re.compile(r"^Ескерту\s*\.")
ADDON_LABEL = re.compile(
    r"^(?:(?P<a>[^:]+?)\s+үшін\s+қосымша\s*:|Қосымша\s+(?P<b>[^:]+?)\s+үшін\s*:)\s*")
SECTION_LINE = re.compile(r"^(\d{1,2})\.\s+\S")
HEADING_END = re.compile(r"Үлгі\s+Біліктілік\s+сипаттамалары", re.I)
DUTY_GROUP = re.compile(r"^([А-ЯӘҒҚҢӨҰҮҺІЁ][\w-]*(?:\s+[\w-]+){0,2}\s+қызметі)\s*:\s*")
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[А-ЯӘҒҚҢӨҰҮҺІЁA-Z])")
GENITIVE = re.compile(r"(ның|нің|дың|дің|тың|тің)$")
ABBREVIATION = re.compile(r"^[А-ЯӘҒҚҢӨҰҮҺІЁA-Z]{2,}$")

#: organisation types named in headings and titles (kzcode:org-type slugs), first match wins
ORG_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.I), slug) for p, slug in (
        (r"жоғары\s+(?:және\s+жоғары\s+білімнен\s+кейінгі\s+)?(?:білім\s+ұйым|оқу\s+орн)", "higher"),
        (r"техникалық\s+және\s+кәсіптік|орта\s+оқу\s+орнынан\s+кейінгі", "tvet"),
        (r"біліктілікті\s+көтеретін\s+институт", "adult-training"),
        (r"мектепке\s+дейінгі", "preschool"),
        (r"консультация|ПМПК", "special"),
        (r"лагер", "camp"),
        (r"мектептен\s+тыс|қосымша\s+білім", "additional-children"),
        (r"жалпы\s+(?:орта\s+)?білім|мектеп|лицей|гимназия|интернат", "secondary"),
    ))

#: kinds of organisation only the 2008 text names; a title naming one overrides its section's type
ORG_RULES_SPECIFIC: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.I), slug) for p, slug in (
        (r"оқу-өндірістік\s+комбинат", "training-production-complex"),
        (r"лагер", "camp"),
        (r"дарынды\s+балалармен", "gifted-centre"),
        (r"спорт\s+ұйым", "sports"),
    ))

#: knowledge items that are not laws (closed dictionary; words may be interrupted by other text)
KNOWLEDGE_AREAS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("pedagogy-psychology", "педагогика және психология негіздері",
     ("педагогика", "мен|және", "психология", "негіздер")),
    ("state-standards", "мемлекеттік жалпыға бірдей міндетті білім стандарттары",
     ("мемлекеттік", "жалпыға", "бірдей", "міндетті", "білім", "стандарттар")),
)


# --------------------------------------------------------------------------- records
@dataclass(frozen=True)
class EditorialNote:
    """«Ескерту. …»: amendment metadata, never a duty."""

    item: TextItem
    amending_order: str | None   # "128"
    amending_date: str | None    # "20.03.2009" as printed
    replaced_terms: tuple[str, ...] = ()   # quoted old terms of a "… деген сөздер … ауыстырылды" note
    replacement: str | None = None


@dataclass(frozen=True)
class Section:
    number: int
    heading: str
    line: int
    end_line: int
    org_type: str | None          # None when the heading names several kinds of organisation
    notes: tuple[EditorialNote, ...] = ()
    glued_tail_line: int | None = None   # heading tail printed on the first title's line


@dataclass(frozen=True)
class Duty:
    item: TextItem
    group: str | None = None      # «Ғылыми-әдістемелік қызметі» etc.


@dataclass(frozen=True)
class KnowledgeArea:
    key: str
    text: str                     # normalised wording
    line: int


@dataclass(frozen=True)
class Experience:
    years: Decimal
    kinds: tuple[str, ...]        # kzcode:experience-kind slugs, all of which apply ("any" if none)
    text: str                     # the phrase as printed (joined)
    line: int
    group: int = 1                # experiences with the same group are alternatives ("немесе")
    in_position: str | None = None
    inner: "Experience | None" = None     # "оның ішінде …"
    education_level: str | None = None    # the education path it belongs to ("… өтілі бар … білім")

    @property
    def kind(self) -> str:
        return self.kinds[0]


@dataclass(frozen=True)
class EducationPath:
    level: str                    # kzcode:education slug: higher | tvet
    text: str
    pedagogical: bool | None = None
    profile: str | None = None    # "Дефектология", "Психология", "музыкалық", …
    degrees: tuple[str, ...] = () # any of: doctor-of-sciences, candidate-of-sciences, phd, master
    degree_field: str | None = None
    academic_title: bool = False
    additional: bool = False      # "қосымша … білім" (a second education on top of another)
    condition: str | None = None  # "бастауыш білім мұғалімдері үшін": whom the path is for
    level_inferred: bool = False  # the segment names no level; taken from the one before


@dataclass(frozen=True)
class Requirement:
    item: TextItem
    paths: tuple[EducationPath, ...]
    experience: tuple[Experience, ...]
    mid_line_label: bool = False
    review: tuple[str, ...] = ()  # why a reader should check the parse (ambiguous wording)


@dataclass(frozen=True)
class AddOn:
    role: str
    line: int
    end_line: int
    duties: tuple[Duty, ...]
    knowledge: TextItem | None


@dataclass(frozen=True)
class Anomaly:
    kind: str                     # kzcode:note-kind slug
    line: int
    quoted: str
    message: str
    block: str | None = None      # block key it concerns
    related: str | None = None    # another block key (e.g. the original of a copy)
    index: int | None = None      # which requirement of the block


@dataclass
class Block:
    section: int
    index: int                    # 1-based order within the section
    title: str
    line: int
    title_end_line: int
    titles: tuple[str, ...]       # split joint titles (one when not joint)
    aliases: tuple[str, ...]
    org_type: str
    duties: tuple[Duty, ...] = ()
    knowledge: TextItem | None = None
    areas: tuple[KnowledgeArea, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    addons: tuple[AddOn, ...] = ()
    notes: tuple[EditorialNote, ...] = ()
    end_line: int = 0

    @property
    def key(self) -> str:
        return f"s{self.section}-b{self.index}"


@dataclass
class Document2008:
    path: Path
    title: str
    order_number: str | None
    sections: list[Section]
    blocks: list[Block]
    anomalies: list[Anomaly] = field(default_factory=list)
    warnings: list[LoaderWarning] = field(default_factory=list)

    def block(self, key: str) -> Block:
        return next(b for b in self.blocks if b.key == key)


# --------------------------------------------------------------------------- joined text with a line map
class _Joined:
    """Physical lines joined into one string, remembering where each line starts."""

    def __init__(self, lines: list[tuple[int, str]], raw: list[str]) -> None:
        self.text = ""
        self._offsets: list[int] = []
        self._nos: list[int] = []
        self._raw = raw
        for no, physical in lines:
            s = " ".join(physical.split())     # internal runs of spaces collapse too
            if not s:
                continue
            new = join_text(self.text, s)
            self._offsets.append(len(new) - len(s))
            self._nos.append(no)
            self.text = new

    def line_at(self, offset: int) -> int:
        i = bisect.bisect_right(self._offsets, offset) - 1
        return self._nos[max(i, 0)]

    def item(self, start: int, end: int | None = None) -> TextItem | None:
        end = len(self.text) if end is None else end
        chunk = self.text[start:end]
        lead = len(chunk) - len(chunk.lstrip())
        text = chunk.strip()
        if not text:
            return None
        first = self.line_at(start + lead)
        last = self.line_at(start + lead + len(text) - 1)
        return TextItem(text=text, line=first, end_line=last,
                        raw="\n".join(self._raw[first - 1:last]))


@dataclass
class _Para:
    lines: list[tuple[int, str]]

    @property
    def line(self) -> int:
        return self.lines[0][0]

    def text(self) -> str:
        t = ""
        for _, s in self.lines:
            if s.strip():
                t = join_text(t, " ".join(s.split()))
        return t


@dataclass
class _RawBlock:
    section: int
    title_lines: list[tuple[int, str]]
    paras: list[_Para] = field(default_factory=list)


# --------------------------------------------------------------------------- pass 1: lines -> sections, raw blocks
@dataclass
class _RawSection:
    number: int
    line: int
    lines: list[tuple[int, str]] = field(default_factory=list)
    notes: list[_Para] = field(default_factory=list)
    heading: str | None = None          # set once «Үлгі Біліктілік сипаттамалары» is found
    end_line: int = 0
    glued_line: int | None = None


class _Scanner:
    """Pass 1: physical lines -> sections (heading, notes) and raw blocks (title lines, paragraphs)."""

    def __init__(self, path: Path, lines: list[str]) -> None:
        self.path, self.lines = path, lines
        self.sections: list[_RawSection] = []
        self.blocks: list[_RawBlock] = []
        self.in_heading = False

    def err(self, line: int | None, msg: str) -> SourceError:
        return SourceError(self.path, line, msg)

    def scan(self) -> None:
        start = next((i for i, l in enumerate(self.lines, 1)
                      if (m := SECTION_LINE.match(l)) and m.group(1) == "1"), None)
        if start is None:
            raise self.err(len(self.lines), "the file ends without a line «1. …» at column 0: "
                                            "expected the heading of the annex's first section")
        para: _Para | None = None
        run: list[tuple[int, str]] = []      # pending column-0 lines: a title, a heading or a continuation
        blank_before = False
        for no in range(start, len(self.lines) + 1):
            line = self.lines[no - 1]
            if is_blank(line):
                blank_before = True
                (run if run else para.lines if para else []).append((no, ""))
                continue
            if not is_item_start(line):
                if run or para is None or (blank_before and para.text().endswith(".")):
                    run.append((no, line))
                else:
                    para.lines.append((no, line))
                blank_before = False
                continue
            stripped = line.strip()
            if run:
                self._resolve(run, stripped, para)
                run = []
            elif self.in_heading and not NOTE_LABEL.match(stripped):
                raise self.err(no, "section heading does not end with «Үлгі Біліктілік "
                                   "сипаттамалары» before this paragraph")
            para = _Para([(no, line)])
            if self.in_heading:
                self.sections[-1].notes.append(para)
            else:
                self.blocks[-1].paras.append(para)
            blank_before = False
        if run:
            first = next(n for n, l in run if l.strip())
            raise self.err(first, "column-0 text after the last paragraph and no duty label "
                                  "after it (the file ends): expected a title followed by "
                                  "«Лауазымдық міндеттері:»")
        if self.in_heading:
            raise self.err(self.sections[-1].line, "the file ends inside this section heading")

    def _resolve(self, run: list[tuple[int, str]], nxt: str, para: _Para | None) -> None:
        """A run of column-0 lines is followed by the indented paragraph ``nxt``: decide what it is."""
        lines = [(n, l) for n, l in run if l.strip()]
        first_no, first = lines[0]
        opens_block = bool(DUTY_LABEL.match(nxt) or NOTE_LABEL.match(nxt))
        if not self.in_heading:
            m = SECTION_LINE.match(first)
            expected = len(self.sections) + 1
            if m and opens_block and int(m.group(1)) != expected:
                raise self.err(first_no, f"section «{m.group(1)}.» found where section "
                                         f"«{expected}.» was expected")
            if not m and opens_block and HEADING_END.search(_Joined(lines, self.lines).text):
                raise self.err(first_no, "a section heading («… Үлгі Біліктілік сипаттамалары») "
                                         f"without its number: expected «{expected}. …»")
            if m and opens_block:
                self._open_section(first_no)
            elif opens_block:
                self.blocks.append(_RawBlock(self.sections[-1].number, lines))
                return
            elif para is None:
                raise self.err(first_no, "expected a duty label («Лауазымдық міндеттері:» or "
                                         "«Қызметтік міндеттері:») after this title")
            else:                                  # a continuation after a page break
                para.lines.extend(run)
                return
        sec = self.sections[-1]
        title: list[tuple[int, str]] = []
        for no, l in lines:
            if sec.heading is not None:
                title.append((no, l))
                continue
            sec.lines.append((no, l))
            joined = _Joined(sec.lines, self.lines)
            hm = HEADING_END.search(joined.text)
            if hm:
                sec.heading, sec.end_line = joined.text[:hm.end()], no
                rest = joined.text[hm.end():].strip()
                if rest:
                    title.append((no, rest))
                    sec.glued_line = no
        if sec.heading is None:
            if NOTE_LABEL.match(nxt):
                self.in_heading = True           # an editorial note interrupts the heading
                return
            raise self.err(sec.line, "section heading does not end with «Үлгі Біліктілік "
                                     "сипаттамалары»")
        if not title:
            raise self.err(sec.end_line, "no position title after the section heading")
        if not opens_block:
            raise self.err(title[0][0], "expected a duty label after the first title of the section")
        self.in_heading = False
        self.blocks.append(_RawBlock(sec.number, title))

    def _open_section(self, no: int) -> None:
        self.sections.append(_RawSection(int(SECTION_LINE.match(self.lines[no - 1]).group(1)), no))


# --------------------------------------------------------------------------- pass 2: paragraphs -> parts of a block
@dataclass
class _Parts:
    duties: list[tuple[_Joined, int, str | None]] = field(default_factory=list)   # (text, start, group)
    knowledge: list[tuple[_Joined, int]] = field(default_factory=list)
    requirements: list[tuple[_Joined, int, bool]] = field(default_factory=list)
    addons: dict[str, dict] = field(default_factory=dict)
    notes: list[TextItem] = field(default_factory=list)


def _classify(raw: _RawBlock, title_line: int, scanner: _Scanner) -> _Parts:
    """Assign each paragraph of a block to duties / knowledge / requirements / add-on / note."""
    parts = _Parts()
    current: str | None = None
    addon: str | None = None
    group: str | None = None
    err = scanner.err

    def pieces(para: _Para):
        """Split a paragraph where a knowledge or requirement label stands in mid-line."""
        j = _Joined(para.lines, scanner.lines)
        cuts = [0] + sorted(m.start() for rx in (KNOW_LABEL, REQ_LABEL)
                            for m in rx.finditer(j.text) if m.start() > 0)
        return [(j, a, b, a > 0) for a, b in zip(cuts, cuts[1:] + [len(j.text)])]

    for para in raw.paras:
        for j, a, b, mid in pieces(para):
            sub = _Slice(j, a, b)             # keeps the paragraph's line map
            text = sub.text
            line = sub.line_at(0)
            if NOTE_LABEL.match(text):
                parts.notes.append(sub.item(0))
                continue
            if m := ADDON_LABEL.match(text):
                addon = re.sub(r"\s+", " ", m.group("a") or m.group("b")).strip()
                slot = parts.addons.setdefault(addon, {"line": line, "end": line, "duties": [],
                                                       "knowledge": []})
                rest = m.end()
                if dm := ADDON_DUTY_LABEL.match(text[rest:]):
                    rest += dm.end()
                current = "addon-knowledge" if parts.knowledge else "addon-duties"
                if text[rest:].strip():
                    slot["duties" if current == "addon-duties" else "knowledge"].append((sub, rest))
                continue
            if m := DUTY_LABEL.match(text):
                if parts.duties or parts.knowledge:
                    raise err(line, "a second duty label in the block that starts at "
                                    f"l.{title_line}: expected one «Лауазымдық міндеттері:»")
                current, addon = "duties", None
                gm = DUTY_GROUP.match(text[m.end():].lstrip())
                group = gm.group(1) if gm else None
                start = m.end() + (len(text[m.end():]) - len(text[m.end():].lstrip()))
                parts.duties.append((sub, start + (gm.end() if gm else 0), group))
                continue
            if m := KNOW_LABEL.match(text):
                if not parts.duties:
                    raise err(line, f"the block that starts at l.{title_line} has no duty label "
                                    "before «Білуге міндетті:» (expected «Лауазымдық міндеттері:» "
                                    "or «Қызметтік міндеттері:»)")
                if parts.knowledge:
                    raise err(line, f"a second «Білуге міндетті:» in the block that starts at "
                                    f"l.{title_line}: a title or a duty label is probably missing "
                                    "before it")
                current, addon = "knowledge", None
                parts.knowledge.append((sub, m.end()))
                continue
            if m := REQ_LABEL.match(text):
                if not parts.knowledge:
                    raise err(line, f"the block that starts at l.{title_line} has no «Білуге "
                                    "міндетті:» before its requirements")
                current, addon = "requirements", None
                parts.requirements.append((sub, m.end(), mid))
                continue
            # an unlabelled paragraph continues the current part
            if current is None:
                raise err(line, f"unlabelled paragraph in the block that starts at l.{title_line}: "
                                "expected «Лауазымдық міндеттері:» or «Қызметтік міндеттері:»")
            if current == "duties":
                gm = DUTY_GROUP.match(text)
                group = gm.group(1) if gm else group
                parts.duties.append((sub, gm.end() if gm else 0, group))
            elif current.startswith("addon"):
                slot = parts.addons[addon]
                slot["duties" if current == "addon-duties" else "knowledge"].append((sub, 0))
            elif current == "knowledge":
                parts.knowledge.append((sub, 0))
            else:
                scanner.warnings.append(LoaderWarning(
                    SOURCE_FILE, line, "unlabelled-paragraph",
                    "unlabelled paragraph after the requirements; read as part of them"))
                parts.requirements.append((sub, 0, False))
    return parts


class _Slice:
    """A part [a, b) of a joined paragraph, with the paragraph's line map."""

    def __init__(self, j: _Joined, a: int, b: int) -> None:
        self._j, self._a = j, a
        self.text = j.text[a:b]

    def line_at(self, offset: int) -> int:
        return self._j.line_at(self._a + offset)

    def item(self, start: int, end: int | None = None) -> TextItem | None:
        end = len(self.text) if end is None else end
        return self._j.item(self._a + start, self._a + end)


class _Concat:
    """Several slices (each from a start offset) joined by one space, with a line map."""

    def __init__(self, pieces: list[tuple[_Slice, int]], raw: list[str]) -> None:
        self.text = ""
        self._map: list[tuple[int, _Slice, int]] = []    # (global offset, slice, local offset)
        self._raw = raw
        for sl, start in pieces:
            chunk = sl.text[start:]
            lead = len(chunk) - len(chunk.lstrip())
            chunk = chunk.strip()
            if not chunk:
                continue
            joined = join_text(self.text, chunk)
            self._map.append((len(joined) - len(chunk), sl, start + lead))
            self.text = joined

    def line_at(self, offset: int) -> int:
        i = max(bisect.bisect_right([m[0] for m in self._map], offset) - 1, 0)
        g, sl, local = self._map[i]
        return sl.line_at(local + max(offset - g, 0))

    def item(self, start: int = 0, end: int | None = None) -> TextItem | None:
        end = len(self.text) if end is None else end
        chunk = self.text[start:end]
        text = chunk.strip()
        if not text:
            return None
        lead = len(chunk) - len(chunk.lstrip())
        first = self.line_at(start + lead)
        last = self.line_at(start + lead + len(text) - 1)
        return TextItem(text=text, line=first, end_line=last,
                        raw="\n".join(self._raw[first - 1:last]))


def _sentences(sl, start: int, group: str | None) -> list[Duty]:
    """Split a duty paragraph (from ``start``) into sentences, each with its lines."""
    text = sl.text
    out, a = [], start
    for m in SENTENCE_BREAK.finditer(text, start):
        if (it := sl.item(a, m.start())) is not None:
            out.append(Duty(it, group))
        a = m.end()
    if (it := sl.item(a)) is not None:
        out.append(Duty(it, group))
    return out


def _areas(know: _Concat) -> tuple[KnowledgeArea, ...]:
    """Knowledge items that are not laws, tolerant to act-name fragments inside them."""
    words = [(m.group(0).lower(), m.start()) for m in re.finditer(r"[\w-]+", know.text)]
    found = []
    for key, text, pattern in KNOWLEDGE_AREAS:
        for i, (w, off) in enumerate(words):
            if not re.match(pattern[0], w):
                continue
            pos, ok = i, True
            for p in pattern[1:]:
                nxt = next((k for k in range(pos + 1, min(pos + 13, len(words)))
                            if re.match(rf"(?:{p})", words[k][0])), None)
                if nxt is None:
                    ok = False
                    break
                pos = nxt
            if ok:
                found.append(KnowledgeArea(key, text, know.line_at(off)))
                break
    return tuple(found)


# --------------------------------------------------------------------------- requirements
NUMBER_WORDS = {"бір": 1, "екі": 2, "үш": 3, "төрт": 4, "бес": 5, "алты": 6, "жеті": 7,
                "сегіз": 8, "тоғыз": 9, "он": 10}
_NUM = r"\d+(?:[.,]\d+)?|" + "|".join(NUMBER_WORDS)
YEARS = re.compile(rf"кем\s+дегенде\s+(?P<a>{_NUM})\s+жыл(?:дан)?"
                   rf"|(?<![\w.,-])(?P<b>{_NUM})\s+жыл(?:дан)?\s+кем\s+(?:болмауы|емес)", re.I)
ANY_YEARS = re.compile(rf"(?<![\w-])(?:{_NUM})\s+жыл", re.I)
CLAUSE_START = re.compile(r"(?:(?<=білім)|(?<=білімі)|(?<=дәрежесі)|(?<=атағы)|(?<=\)))"
                          r"\s*(?:,|\s+және\s*,?|\s+немесе)\s+|,\s+(?:оның\s+ішінде|немесе)\s+")
CLAUSE_TAIL = re.compile(r"(?:\s+(?:жұмыс|еңбек)\s+өтілі)?(?:\s+бар)?(?:\s+бол(?:мауы|уы))?"
                         r"(?:\s+тиіс)?")
KIND_CUES = (
    ("managerial", re.compile(r"басшы\w*\s+(?:қызмет|лауазым)\w*|басқару\s+(?:лауазым|орган)\w*"
                              r"|жетекші\s+лауазым\w*")),
    ("pedagogical", re.compile(r"(?:ғылыми-)?педагогикалық\s+(?:еңбек|жұмыс|қызмет|лауазым|өтіл)\w*")),
    ("specialty", re.compile(r"мамандығы\s+бойынша|бейін\w*(?:\s+сәйкес)?|профил\w*(?:\s+сай)?")),
)
IN_POSITION = re.compile(r"^(?P<pos>.+?)\s+қызметінде\s+кем\s+дегенде")
HIGHER = re.compile(r"(?<![\w-])жоғары(?![\w-])")
TVET = re.compile(r"техникалық\s+және\s+кәсіптік|орта\s+кәсіптік|кәсіптік\s+орта|арнаулы\s+орта"
                  r"|арнайы\s+орта")
# every pattern that may run over masked text (long blanked runs) starts where a run starts:
# (?<!\s) keeps the search linear
PATH_SPLIT = re.compile(r"(?<!\s)(?:\s*,)?\s+(?:немесе|не\s+болмаса)\s+"
                        r"|(?<=білім)\s+және\s+(?=техникалық\s+және\s+кәсіптік|жоғары)")
CONDITION = re.compile(r"(?:^|,\s*)(?P<cond>[^,]{1,200}?\s+үшін)\s*-\s*")
TRAILING_WORDS = {"болуы", "тиіс", "және", "немесе"}


def _trim(seg: str) -> str:
    """A path phrase without its trailing «болуы тиіс», «және», punctuation (whitespace collapsed)."""
    words = seg.replace(",", " , ").split()
    while words and (words[-1] in TRAILING_WORDS or words[-1] in (",", ".")):
        words.pop()
    return " ".join(words).replace(" , ", ", ").strip(" ,.")


def _mask(text: str) -> str:
    """Blank out (…) and "…" contents with «·», keeping offsets, so that words and separators
    inside them are ignored (and no long whitespace run is made for a regex to backtrack over)."""
    if not any(c in text for c in '()"'):
        return text
    out, depth, quote, last = [], 0, False, 0
    for m in re.finditer(r'[()"]', text):
        seg = text[last:m.start()]
        out.append("·" * len(seg) if (depth or quote) else seg)
        ch = m.group(0)
        if ch == '"':
            quote = not quote
        elif ch == "(":
            depth += 1
        else:
            depth = max(depth - 1, 0)
        out.append(ch)
        last = m.end()
    seg = text[last:]
    out.append("·" * len(seg) if (depth or quote) else seg)
    return "".join(out)


def _years(m: re.Match[str]) -> Decimal:
    n = (m.group("a") or m.group("b")).lower()
    return Decimal(NUMBER_WORDS[n]) if n in NUMBER_WORDS else Decimal(n.replace(",", "."))


def _kinds(clause: str) -> list[tuple[str, ...]]:
    """Experience kinds named in a clause; several lists when cues are joined by «немесе»."""
    cues = sorted((m.start(), m.end(), kind) for kind, rx in KIND_CUES for m in rx.finditer(clause))
    if not cues:
        return [("any",)]
    alts: list[list[str]] = [[cues[0][2]]]
    for (_, e1, k1), (s2, _, k2) in zip(cues, cues[1:]):
        if clause[e1:s2].strip() == "немесе" and k1 != k2:
            alts.append([k2])
        elif k2 not in alts[-1]:
            alts[-1].append(k2)
    return [tuple(a) for a in alts]


def _parse_requirement(sl, start: int, mid: bool, warn) -> Requirement:
    item = sl.item(start)
    text = item.text
    base = sl.text.index(text, start)
    masked = _mask(text)
    found: list[dict] = []
    cut = list(text)
    prev_end, group = 0, 0
    for m in YEARS.finditer(masked):
        seps = [c for c in CLAUSE_START.finditer(masked, prev_end) if c.end() <= m.start()]
        sep = seps[-1] if seps else None
        a = sep.end() if sep else prev_end
        end = CLAUSE_TAIL.match(masked, m.end()).end()
        clause = text[a:end].strip()
        sep_text = sep.group(0) if sep else ""
        line = sl.line_at(base + a)
        inner = bool(found) and bool(re.search(r"оның\s+ішінде", sep_text))
        alternative = bool(found and sep and sep.start() == prev_end and "немесе" in sep_text)
        if not (inner or alternative):
            group += 1
        applies_next = clause.endswith("бар")
        for kinds in _kinds(clause):
            pos = IN_POSITION.match(clause)
            entry = dict(years=_years(m), kinds=("in-position",) if pos else kinds, text=clause,
                         line=line, group=group, in_position=pos.group("pos") if pos else None,
                         next=end if applies_next else None)
            if inner:
                found[-1]["inner"] = entry
                break
            found.append(entry)
        keep_sep = sep is not None and "," not in sep_text and "және" not in sep_text
        c0 = a if (sep is None or keep_sep) else sep.start()
        cut[c0:end] = [" "] * (end - c0)
        prev_end = end
    for m in ANY_YEARS.finditer(masked):
        if not any(e["text"] and e["text"] in text and text.index(e["text"]) <= m.start()
                   < text.index(e["text"]) + len(e["text"]) for e in found + [
                       f.get("inner", {}) for f in found] if e):
            warn(sl.line_at(base + m.start()), "unparsed-experience",
                 f"a number of years that is not read as an experience requirement: "
                 f"«{text[m.start():m.end() + 10]}…»")
    edu = "".join(cut)
    paths, review = _paths(edu, text, found)

    def build(e: dict) -> Experience:
        inner = build(e["inner"]) if e.get("inner") else None
        level = None
        if e.get("next") is not None:
            level = next((p.level for off, p in paths if off >= e["next"]), None)
        return Experience(e["years"], e["kinds"], e["text"], e["line"], e["group"],
                          e["in_position"], inner, level)

    return Requirement(item, tuple(p for _, p in paths), tuple(build(e) for e in found),
                       mid, tuple(review))


def _degrees(edu: str) -> tuple[str, list[dict]]:
    """Cut degree and academic-title items out of the education text."""
    masked = _mask(edu)
    items, cut, prev = [], list(edu), 0
    for m in re.finditer(r"дәрежесі|атағы", masked):
        seps = [s.end() for s in re.finditer(r",\s*|(?<!\s)\s+және\s+", masked[:m.start()])]
        a = max([prev] + [s for s in seps if s >= prev])
        body, mbody = edu[a:m.end()], masked[a:m.end()]
        alt = bool(re.match(r"\s*(?:немесе|не\s+болмаса)\s", mbody))
        if m.group(0) == "атағы":
            items.append({"title": True, "alt": alt})
        else:
            codes = []
            for w in re.finditer(r"докторы|кандидаты|PhD|магистр", mbody):
                code = {"докторы": "doctor-of-sciences", "кандидаты": "candidate-of-sciences",
                        "PhD": "phd", "магистр": "master"}[w.group(0)]
                codes.append(code)
            fm = re.search(r"(?<!\s)\s+ғылымдарының", mbody)
            field_words = mbody[max(0, fm.start() - 60):fm.start()].split() if fm else []
            items.append({"degrees": codes, "alt": alt,
                          "field": field_words[-1] if field_words else None,
                          "text": body.strip()})
        cut[a:m.end()] = [" "] * (m.end() - a)
        prev = m.end()
    return "".join(cut), items


def _paths(edu: str, full: str, exps: list[dict]) -> tuple[list[tuple[int, EducationPath]], list[str]]:
    """Education paths (alternatives) with the degrees and title they need."""
    review: list[str] = []
    edu, deg_items = _degrees(edu)
    degrees: list[str] = []
    field_ = None
    title_required = title_alt = False
    for it in deg_items:
        if it.get("title"):
            title_alt, title_required = (True, title_required) if it["alt"] else (title_alt, True)
        else:
            degrees += [d for d in it["degrees"] if d not in degrees]
            field_ = field_ or it["field"]
    parts: list[tuple[int, str, str | None]] = []     # (offset, text, condition)
    cm = CONDITION.search(_mask(edu))
    chunks = [(0, edu[:cm.start()] if cm else edu, None)]
    if cm:
        chunks.append((cm.end(), edu[cm.end():], re.sub(r"\s+", " ", cm.group("cond")).strip()))
    for off, chunk, cond in chunks:
        masked = _mask(chunk)
        if re.search(r"(?<=білім)\s+және\s+(?=техникалық\s+және\s+кәсіптік|жоғары)", masked) or \
                re.search(r"білімі?\s+және\s+(?=техникалық|жоғары)", masked):
            review.append("two education levels joined by «және»: both required, or either?")
        a = 0
        for m in list(PATH_SPLIT.finditer(masked)) + [None]:
            b = m.start() if m else len(chunk)
            seg = chunk[a:b]
            clean = _trim(seg)
            if clean:
                parts.append((off + a + len(seg) - len(seg.lstrip()), clean, cond))
            a = m.end() if m else b
    paths: list[tuple[int, EducationPath]] = []
    for off, seg, cond in parts:
        mseg = _mask(seg)
        hm, tm = HIGHER.search(mseg), TVET.search(mseg)
        level = None
        if hm or tm:
            level = "higher" if hm and (not tm or hm.start() < tm.start()) else "tvet"
        profile = _profile(seg)
        if level is None and not profile and paths:
            o, prev = paths[-1]
            if re.search(r"білім", prev.text):
                review.append(f"«{seg}» names no education level: read with «{prev.text}»")
            paths[-1] = (o, EducationPath(**{**prev.__dict__, "text": f"{prev.text} немесе {seg}"}))
            continue
        inferred = level is None and bool(paths)
        if inferred:
            level = paths[-1][1].level
        if level is None:
            review.append(f"no education level in «{seg}»")
            level = "higher"
        extra = dict(degrees=tuple(degrees), degree_field=field_,
                     academic_title=title_required) if level == "higher" else {}
        paths.append((off, EducationPath(
            level=level, text=seg, pedagogical=True if re.search(r"педагогикалық", mseg) else None,
            profile=profile, additional=bool(re.search(r"қосымша|қайта\s+даярлау", mseg)),
            condition=cond, level_inferred=inferred, **extra)))
    if title_alt:       # "… дәрежесі, не болмаса ғылыми атағы": a second way through the title
        for off, p in list(paths):
            if p.level == "higher" and p.degrees:
                paths.append((off, EducationPath(**{**p.__dict__, "degrees": (),
                                                    "degree_field": None, "academic_title": True})))
                break
    return paths, review


def _profile(seg: str) -> str | None:
    if m := re.search(r'"([^"]+)"\s+мамандығы', seg):
        return m.group(1).strip()
    for m in re.finditer(r"(?<!\s)\s+мамандығы\s+бойынша", seg):
        before = seg[max(0, m.start() - 60):m.start()].split()
        if before and re.fullmatch(r"[\w-]+", before[-1]):
            return before[-1]
    for m in re.finditer(r"\(([^)]*)\)|/([^/]*)/", seg):
        inner = (m.group(1) or m.group(2) or "").strip()
        if inner and not TVET.search(inner):
            return inner
    return None


# --------------------------------------------------------------------------- titles, notes, organisation types
def _org_type(text: str, rules=ORG_RULES) -> str | None:
    """The kind of organisation named first in ``text`` (None if it names none)."""
    hits = sorted((m.start(), slug) for rx, slug in rules if (m := rx.search(text)))
    return hits[0][1] if hits else None


def _split_titles(title: str, heads: set[str]) -> tuple[str, ...]:
    """Split a joint title «X-тың аға тәлімгері, тәлімгер» where a comma follows a position noun."""
    masked = _mask(title)
    parts, a = [], 0
    for m in re.finditer(r",\s*", masked):
        seg = title[a:m.start()]
        last = re.sub(r"\(.*?\)", "", seg).split()[-1:] or [""]
        if _is_head(last[0], heads):
            parts.append(seg.strip())
            a = m.end()
    parts.append(title[a:].strip())
    return tuple(p for p in parts if p)


def _is_head(word: str, heads: set[str]) -> bool:
    w = word.lower()
    for h in heads:
        short, long_ = sorted((w, h), key=len)
        if long_.startswith(short) and long_[len(short):] in ("", "ы", "і", "сы", "сі"):
            return True
    return False


def _head(title: str) -> str:
    words = re.sub(r"\([^)]*\)\s*$", "", title).split()
    return words[-1].lower().strip(",") if words else ""


def _aliases(title: str) -> tuple[str, ...]:
    m = re.search(r"\(([^()]+)\)\s*$", title)
    if not m:
        return ()
    inner = m.group(1).strip()
    last = inner.split()[-1]
    if "," in inner or GENITIVE.search(last) or ABBREVIATION.match(inner):
        return ()
    return (inner,)


def _note(item: TextItem) -> EditorialNote:
    text = item.text
    order = re.search(r"N\s*(\d+)", text)
    date = re.search(r"\d{2}\.\d{2}\.\d{4}", text)
    replaced: tuple[str, ...] = ()
    replacement = None
    if (k := text.find("деген сөздер")) > 0 and "ауыстырылды" in text:
        replaced = tuple(re.sub(r"\s+", " ", q).strip()
                         for q in re.findall(r'"([^"]+)"', text[:k]))
        rest = re.findall(r'"([^"]+)"', text[k:])
        replacement = re.sub(r"\s+", " ", rest[0]).replace("( ", "(").strip() if rest else None
    return EditorialNote(item, order.group(1) if order else None,
                         date.group(0) if date else None, replaced, replacement)


def _old_term_cores(notes: list[EditorialNote]) -> list[tuple[str, list[str]]]:
    """Word sequences of the education terms a note replaced ("орта кәсіптік (…) білім" -> орта кәсіптік)."""
    cores = []
    for n in notes:
        for term in n.replaced_terms:
            words = re.sub(r"\([^)]*\)?", " ", term).split()
            words = [w for w in words if w not in ("білім", "немесе")]
            if words:
                cores.append((term, words))
    return cores


# --------------------------------------------------------------------------- the document
def parse(path: str | Path) -> Document2008:
    """Parse ``tqc-2008-kk.txt`` into sections and position blocks.

    :raises SourceError: when the structure is missing (no section heading, a block without a
        duty, knowledge or requirement label, …), naming the file and the line.
    """
    path = Path(path)
    try:
        lines = read_lines(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(path, None, f"cannot read the source: {exc.__class__.__name__}") from None
    scanner = _Scanner(path, lines)
    warnings: list[LoaderWarning] = []
    scanner.warnings = warnings

    def warn(line: int | None, code: str, message: str) -> None:
        warnings.append(LoaderWarning(path.name, line, code, message))

    scanner.scan()
    if len(scanner.sections) != 3:
        warn(scanner.sections[-1].line, "section-count",
             f"{len(scanner.sections)} sections found where the annex has 3")
    sections: list[Section] = []
    all_notes: list[EditorialNote] = []
    for rs in scanner.sections:
        notes = tuple(_note(_Joined(p.lines, lines).item(0)) for p in rs.notes)
        all_notes += notes
        heading = re.sub(r"^\d+\.\s*", "", rs.heading or "")
        kinds = {slug for rx, slug in ORG_RULES if rx.search(heading)}
        sections.append(Section(rs.number, heading, rs.line, rs.end_line,
                                kinds.pop() if len(kinds) == 1 else None, notes, rs.glued_line))
    heads = {_head(" ".join(l.strip() for _, l in rb.title_lines)) for rb in scanner.blocks}
    blocks: list[Block] = []
    slices: dict[str, list] = {}
    for rb in scanner.blocks:
        title_line = rb.title_lines[0][0]
        parts = _classify(rb, title_line, scanner)
        title = _Joined(rb.title_lines, lines).text
        if not parts.requirements:
            raise SourceError(path, title_line, f"the block «{title}» has no «Біліктілікке "
                                                "қойылатын талаптар:» label")
        sec = sections[rb.section - 1]
        index = sum(1 for b in blocks if b.section == rb.section) + 1
        for n in parts.notes:
            all_notes.append(_note(n))
        know = _Concat([(sl, st) for sl, st in parts.knowledge], lines)
        duties = [d for sl, st, g in parts.duties for d in _sentences(sl, st, g)]
        addons = []
        for role, slot in parts.addons.items():
            ad = [d for sl, st in slot["duties"] for d in _sentences(sl, st, None)]
            ak = _Concat(slot["knowledge"], lines).item() if slot["knowledge"] else None
            ends = [d.item.end_line for d in ad] + ([ak.end_line] if ak else [])
            addons.append(AddOn(role, slot["line"], max(ends, default=slot["line"]), tuple(ad), ak))
        reqs = tuple(_parse_requirement(sl, st, mid, warn) for sl, st, mid in parts.requirements)
        for r in reqs:
            if not r.item.text.endswith("."):
                warn(r.item.end_line, "unfinished-requirement",
                     f"the requirement of «{title}» does not end with a full stop: "
                     f"is the text cut? «…{r.item.text[-40:]}»")
        end_line = max(p.lines[-1][0] for p in rb.paras)
        while not lines[end_line - 1].strip():
            end_line -= 1
        block = Block(
            section=rb.section, index=index, title=title, line=title_line,
            title_end_line=rb.title_lines[-1][0], titles=_split_titles(title, heads),
            aliases=_aliases(title), org_type=(_org_type(title, ORG_RULES_SPECIFIC) or sec.org_type
                      or _org_type(title) or "other"),
            duties=tuple(duties), knowledge=know.item(), areas=_areas(know),
            requirements=reqs, addons=tuple(addons),
            notes=tuple(_note(n) for n in parts.notes), end_line=end_line)
        blocks.append(block)
        slices[block.key] = [sl for sl, _, _ in parts.requirements]
    m = re.search(r"N\s*(\d+)\s+Бұйрығы", " ".join(lines[:15]))
    doc = Document2008(path, _Joined([(i + 1, l) for i, l in enumerate(lines[:4])], lines).text,
                       m.group(1) if m else None, sections, blocks, warnings=warnings)
    _find_anomalies(doc, all_notes, slices)
    return doc


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace('"', "")).strip().lower()


def _find_anomalies(doc: Document2008, notes: list[EditorialNote], slices: dict) -> None:
    out = doc.anomalies
    for s in doc.sections:
        if s.glued_tail_line:
            out.append(Anomaly(
                "glitch", s.glued_tail_line, "Үлгі Біліктілік сипаттамалары",
                f"the tail «Үлгі Біліктілік сипаттамалары» of the heading of section {s.number} "
                f"(l.{s.line}) is printed after an editorial note, on the line of the first "
                "position title", block=next(b.key for b in doc.blocks if b.section == s.number)))
    # a block with two requirement labels: is one of them another block's requirement?
    for b in doc.blocks:
        if len(b.requirements) < 2:
            continue
        copies = []
        for i, r in enumerate(b.requirements):
            twins = [o for o in doc.blocks if o is not b and any(
                _norm(x.item.text) == _norm(r.item.text) for x in o.requirements)]
            # a wording shared by exactly one other block is that block's own; a wording many
            # blocks share is a common formula and proves nothing
            if len(twins) == 1:
                twin = twins[0]
                copies.append(i)
                out.append(Anomaly(
                    "copy-paste", r.item.line, r.item.text,
                    f"block {b.key} has {len(b.requirements)} requirement labels; requirement "
                    f"{i + 1} (l.{r.item.line}–{r.item.end_line}) is word for word the "
                    f"requirement of block {twin.key} «{twin.title}» (l.{twin.requirements[0].item.line})",
                    block=b.key, related=twin.key, index=i))
        if not copies:
            out.append(Anomaly("glitch", b.requirements[1].item.line, b.requirements[1].item.text,
                               f"block {b.key} has {len(b.requirements)} requirement labels",
                               block=b.key, index=1))
    # a title that is another block's title plus a possessive ending
    for b in doc.blocks:
        for o in doc.blocks:
            t, u = b.title.lower(), o.title.lower()
            if t != u and t.startswith(u) and t[len(u):] in ("ы", "і", "сы", "сі"):
                out.append(Anomaly(
                    "typo", b.line, b.title,
                    f"title «{b.title}» carries a possessive ending: block {o.key} (l.{o.line}) "
                    f"spells the same title «{o.title}»", block=b.key, related=o.key))
    # education terms an amendment replaced "throughout the text" that survive in requirements
    cores = _old_term_cores(notes)
    replacement_paren = re.compile(r"\(\s*арнайы\s+орта,\s*кәсіптік\s+орта\s*\)")
    for b in doc.blocks:
        for i, (r, sl) in enumerate(zip(b.requirements, slices[b.key])):
            text = replacement_paren.sub(lambda m: " " * len(m.group(0)), r.item.text)
            text = re.sub(r"техникалық\s+және\s+кәсіптік", lambda m: " " * len(m.group(0)), text)
            base = sl.text.index(r.item.text)
            for words in {tuple(w) for _, w in cores}:
                orders = [list(words)] + ([list(words[::-1])] if len(words) == 2 else [])
                for ws in orders:
                    m = re.search(r"(?<![\w-])" + r"\s+".join(map(re.escape, ws)) + r"(?![\w-])", text)
                    if m:
                        line = sl.line_at(base + m.start())
                        order = "" if ws == list(words) else " (words in reverse order)"
                        after = set(re.findall(r"[\w-]+", text[m.end():m.end() + 50].lower()))
                        term = max((t for t, w in cores if tuple(w) == words),
                                   key=lambda t: (len(after & set(re.findall(r"[\w-]+", t))), len(t)))
                        n = next(n for n in notes if term in n.replaced_terms)
                        out.append(Anomaly(
                            "glitch", line, r.item.text[m.start():m.end() + 30].strip(),
                            f"the old education term «{term}»{order} survives in block {b.key}, "
                            f"although the note at l.{n.item.line} (Order N {n.amending_order}) "
                            f"replaced it throughout the text by «{n.replacement}»",
                            block=b.key, index=i))
                        break
                else:
                    continue
                break
