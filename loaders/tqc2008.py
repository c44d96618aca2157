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
    kind: str                     # kzcode:experience-kind slug
    text: str                     # the phrase as printed (joined)
    line: int
    in_position: str | None = None
    inner: "Experience | None" = None     # "оның ішінде …"
    alternative_group: int = 0            # requirements with the same group number are alternatives


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


@dataclass(frozen=True)
class Requirement:
    item: TextItem
    paths: tuple[EducationPath, ...]
    experience: tuple[Experience, ...]
    mid_line_label: bool = False


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
            s = physical.strip()
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
                t = join_text(t, s.strip())
        return t


@dataclass
class _RawBlock:
    section: int
    title_lines: list[tuple[int, str]]
    paras: list[_Para] = field(default_factory=list)


# --------------------------------------------------------------------------- pass 1: lines -> sections, raw blocks
class _Scanner:
    def __init__(self, path: Path, lines: list[str]) -> None:
        self.path, self.lines = path, lines
        self.sections: list[dict] = []
        self.blocks: list[_RawBlock] = []
        self.warnings: list[LoaderWarning] = []

    def err(self, line: int | None, msg: str) -> SourceError:
        return SourceError(self.path, line, msg)

    def scan(self) -> None:
        start = next((i for i, l in enumerate(self.lines, 1)
                      if SECTION_LINE.match(l) and SECTION_LINE.match(l).group(1) == "1"), None)
        if start is None:
            raise self.err(None, "no section heading «1. …» at the start of a line: "
                                 "expected the annex's first section")
        state = "body"           # body | heading
        para: _Para | None = None
        run: list[tuple[int, str]] = []   # candidate title / heading run (column-0 lines)
        blank_before = False
        self._open_section(start)
        heading: list[tuple[int, str]] = []
        run = [(start, self.lines[start - 1])]
        state = "heading-run"
        for no in range(start + 1, len(self.lines) + 1):
            line = self.lines[no - 1]
            if is_blank(line):
                blank_before = True
                if run:
                    run.append((no, ""))
                elif para is not None:
                    para.lines.append((no, ""))
                continue
            if not is_item_start(line):
                ends_sentence = para is not None and para.text().endswith(".")
                if run or (blank_before and (para is None or ends_sentence)):
                    run.append((no, line))
                elif para is not None:
                    para.lines.append((no, line))
                else:
                    raise self.err(no, "text outside any paragraph: expected a title followed "
                                       "by a duty label")
                blank_before = False
                continue
            # an indented line: a new paragraph; resolve the pending column-0 run first
            stripped = line.strip()
            opens_block = bool(DUTY_LABEL.match(stripped) or NOTE_LABEL.match(stripped))
            if run:
                state = self._resolve_run(run, state, opens_block, para)
                run = []
            elif state.startswith("heading") and not NOTE_LABEL.match(stripped):
                raise self.err(no, "section heading does not end with «Үлгі Біліктілік "
                                   "сипаттамалары» before this paragraph")
            para = _Para([(no, line)])
            if state.startswith("heading"):
                self.sections[-1]["notes"].append(para)
            else:
                self.blocks[-1].paras.append(para)
            blank_before = False
        if run:
            non_blank = [r for r in run if r[1].strip()]
            raise self.err(non_blank[0][0], "text after the last block's requirements: "
                                            "expected a duty label after a title, found the end "
                                            "of the file")
        if state.startswith("heading"):
            raise self.err(self.sections[-1]["line"], "the file ends inside a section heading")

    def _open_section(self, no: int) -> None:
        n = int(SECTION_LINE.match(self.lines[no - 1]).group(1))
        expected = len(self.sections) + 1
        if n != expected:
            raise self.err(no, f"section «{n}.» found where section «{expected}.» was expected")
        self.sections.append({"number": n, "line": no, "lines": [], "notes": [],
                              "glued": None, "end": no})

    def _resolve_run(self, run, state, opens_block, para) -> str:
        lines = [(no, l) for no, l in run if l.strip()]
        first_no, first = lines[0]
        m = SECTION_LINE.match(first)
        if state == "body" and m and int(m.group(1)) == len(self.sections) + 1 and opens_block:
            self._open_section(first_no)
            state = "heading-run"
        if state.startswith("heading"):
            sec = self.sections[-1]
            interrupted = bool(sec["notes"])
            title: list[tuple[int, str]] = []
            for no, l in lines:
                if title or sec["end"] is None:
                    title.append((no, l))
                    continue
                sec["lines"].append((no, l))
                joined = _Joined(sec["lines"], self.lines)
                hm = HEADING_END.search(joined.text)
                if hm:
                    sec["end"] = None
                    sec["last"] = no
                    own_start = joined.text.rfind(l.strip())
                    rest = joined.text[hm.end():].strip()
                    if rest and own_start <= hm.end():
                        sec["heading_text"] = joined.text[:hm.end()]
                        title.append((no, rest))
                        sec["glued"] = no
                        sec["glued_interrupted"] = interrupted
            if sec["end"] is not None:       # heading not finished: a note interrupts it
                if not opens_block:
                    raise self.err(first_no, "section heading does not end with «Үлгі "
                                             "Біліктілік сипаттамалары»")
                return "heading"
            sec.setdefault("heading_text", _Joined(sec["lines"], self.lines).text)
            if not title:
                raise self.err(sec["last"], "no position title after the section heading")
            self.blocks.append(_RawBlock(sec["number"], title))
            return "body"
        if opens_block:
            self.blocks.append(_RawBlock(self.sections[-1]["number"], lines))
        else:                                # a continuation after a page break
            para.lines.extend(run)
        return "body"
