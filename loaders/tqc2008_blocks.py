"""Splitting ``tqc-2008-kk.txt`` into sections and position blocks, and a block into its parts.

Pass 1 (:class:`Scanner`) reads physical lines into sections and raw blocks (title lines,
paragraphs); pass 2 (:func:`classify`) cuts a block's paragraphs at their labels into duties,
knowledge, requirements, add-on roles and notes.  The layout rules are in :mod:`loaders.tqc2008`.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

from .base import LoaderWarning, SourceError, TextItem
from .tqc2008_records import SOURCE_FILE, Duty, KnowledgeArea
from .text_join import is_blank, is_item_start, join_text

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

#: knowledge items that are not laws (closed dictionary; words may be interrupted by other text)
KNOWLEDGE_AREAS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("pedagogy-psychology", "педагогика және психология негіздері",
     ("педагогика", "мен|және", "психология", "негіздер")),
    ("state-standards", "мемлекеттік жалпыға бірдей міндетті білім стандарттары",
     ("мемлекеттік", "жалпыға", "бірдей", "міндетті", "білім", "стандарттар")),
)


# --------------------------------------------------------------------------- joined text with a line map
def _item(text: str, start: int, end: int | None, line_at, raw: list[str]) -> TextItem | None:
    """``text[start:end]`` stripped, as an item whose lines ``line_at`` finds (None if blank)."""
    end = len(text) if end is None else end
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped:
        return None
    lead = len(chunk) - len(chunk.lstrip())
    first = line_at(start + lead)
    last = line_at(start + lead + len(stripped) - 1)
    return TextItem(text=stripped, line=first, end_line=last, raw="\n".join(raw[first - 1:last]))


class JoinedLines:
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
        return _item(self.text, start, end, self.line_at, self._raw)


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


class Scanner:
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
            if not m and opens_block and HEADING_END.search(JoinedLines(lines, self.lines).text):
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
            joined = JoinedLines(sec.lines, self.lines)
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
    duties: list[tuple[JoinedLines, int, str | None]] = field(default_factory=list)   # (text, start, group)
    knowledge: list[tuple[JoinedLines, int]] = field(default_factory=list)
    requirements: list[tuple[JoinedLines, int, bool]] = field(default_factory=list)
    addons: dict[str, dict] = field(default_factory=dict)
    notes: list[TextItem] = field(default_factory=list)


def classify(raw: _RawBlock, title_line: int, scanner: Scanner) -> _Parts:
    """Assign each paragraph of a block to duties / knowledge / requirements / add-on / note."""
    parts = _Parts()
    current: str | None = None
    addon: str | None = None
    group: str | None = None
    err = scanner.err

    def pieces(para: _Para):
        """Split a paragraph where a knowledge or requirement label stands in mid-line."""
        j = JoinedLines(para.lines, scanner.lines)
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

    def __init__(self, j: JoinedLines, a: int, b: int) -> None:
        self._j, self._a = j, a
        self.text = j.text[a:b]

    def line_at(self, offset: int) -> int:
        return self._j.line_at(self._a + offset)

    def item(self, start: int, end: int | None = None) -> TextItem | None:
        end = len(self.text) if end is None else end
        return self._j.item(self._a + start, self._a + end)


class Concat:
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
        return _item(self.text, start, end, self.line_at, self._raw)


def duty_sentences(sl, start: int, group: str | None) -> list[Duty]:
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


def knowledge_areas(know: Concat) -> tuple[KnowledgeArea, ...]:
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
