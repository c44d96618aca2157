"""Parse the professional standard «Педагог» (prof-standard-pedagog-2022-kk.txt) into typed records.

Parsing only (text -> records); `loaders/prof_standard_rdf.py` turns the records into RDF.
The layout is described in ``docs/sources.md`` §4 (shared docs).  Everything here is driven by the
structure of the text (appendix headers, row labels, codes, numbered runs), never by line numbers:

* table cells are separated by ``\\t|\\t``; a row is read by the LABEL in its first non-empty cell
  (case-insensitive prefix patterns), never by cell position, because rows are shifted by empty
  cells;
* App. 1: a competence's first row has three cells, later rows two; competence titles are glued
  to their descriptions and are split at the first lower→upper case glue (or "title:Desc"); a
  competence is keyed by its criteria's prefix, whatever number it is printed with;
* App. 2: six-cell criterion rows, one-cell group rows, one merged one-cell row of criteria;
* cards: one per «КӘСІПТЕР КАРТОЧКАСЫ:» line, keyed by (appendix, СБШ level); numbered lists are
  split by the expected run 1..n even when items are glued, and faults of the run are recorded.

Anomalies found while parsing are returned as :class:`Note` records (the RDF step turns them into
``kzo:DataQualityNote``); a missing structure raises :class:`~loaders.base.SourceError`.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from loaders.base import LoaderWarning, SourceError
from loaders.text_join import read_source_lines

SOURCE_FILE = "prof-standard-pedagog-2022-kk.txt"
CELL_SEP = "\t|\t"
UPPER = "A-ZА-ЯЁӘІҢҒҮҰҚӨҺ"
LOWER = "a-zа-яёәіңғүұқөһ"

# ---------------------------------------------------------------------------------------------
# records
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """A source anomaly: `about` is a path below the standard's IRI ("" = the standard itself)."""

    line: int
    kind: str        # typo | glitch | copy-paste | broken-reference (kzcode:note-kind)
    about: str
    comment: str     # English
    quoted: str = ""


@dataclass(frozen=True)
class OrderMeta:
    number: str
    date: dt.date
    date_text: str             # as printed, spaced: "2022 жылғы 15 желтоқсандағы"
    line: int                  # the approval stamp ("…№ 500 бұйрығыменбекітілген")
    signatory: str
    signatory_line: int
    basis_article: str         # "117"
    basis_point: str           # "2-1)"
    basis_line: int
    repeals_number: str
    repeals_date: dt.date
    repeals_registration: str
    repeals_title: str
    repeals_line: int
    agreed_with: str
    agreed_line: int
    title: str                 # «"Педагог" кәсіптік стандарты»
    title_line: int


@dataclass(frozen=True)
class Chapter:
    number: int
    title: str
    line: int


@dataclass(frozen=True)
class ListedProfession:
    """One entry of §11 (the list of professions): appendix and СБШ levels as stated there."""

    number: int
    appendix: int
    title: str
    levels: str
    line: int


@dataclass(frozen=True)
class Indicator:
    code: str
    text: str                  # as printed (homoglyphs kept)
    line: int
    cefr_level: str | None = None   # normalised (Latin) CEFR level mentioned, e.g. "C1"


@dataclass(frozen=True)
class Criterion:
    code: str
    title: str
    line: int
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Competence:
    key: str                   # the criteria's prefix ("3"), not the printed number
    printed_number: str        # as printed ("1.3")
    title: str
    description: str
    raw: str
    line: int
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class GroupRow:
    key: str
    text: str
    line: int


@dataclass(frozen=True)
class MergedRow:
    """App. 2's one-cell row running several criteria together (no per-category cells)."""

    line: int
    raw: str
    items: tuple[tuple[str, str], ...]   # (code, title)


@dataclass(frozen=True)
class Descriptor:
    criterion: str
    category: str              # slug in kzcode:category
    category_label: str        # column header as printed
    text: str
    line: int


@dataclass(frozen=True)
class CriterionRow:
    code: str
    title: str
    line: int
    descriptors: tuple[Descriptor, ...]


@dataclass(frozen=True)
class CategoryTable:
    header_line: int
    categories: tuple[tuple[str, str], ...]   # (slug, label as printed)
    groups: tuple[GroupRow, ...]
    merged: tuple[MergedRow, ...]
    rows: tuple[CriterionRow, ...]


@dataclass(frozen=True)
class ListItem:
    number: int | None         # as printed (None when unnumbered)
    text: str
    line: int


@dataclass
class Task:
    number: int | None
    title: str
    line: int
    knowledge: list[ListItem] = field(default_factory=list)
    skills: list[ListItem] = field(default_factory=list)


@dataclass
class LabourFunction:
    number: int
    title: str
    raw: str
    line: int
    tasks: list[Task] = field(default_factory=list)


@dataclass(frozen=True)
class RelatedOccupation:
    code: str                  # normalised (hyphen-minus, no spaces)
    printed: str
    title: str
    line: int


@dataclass(frozen=True)
class EducationRef:
    family: str                # tvet-specialty | applied-bachelor-specialty | tvet-qualification |
    #                            applied-bachelor-qualification | higher-group | higher-specialty-legacy
    code: str                  # normalised (Latin letters, no spaces)
    printed: str
    title: str
    line: int


@dataclass
class Card:
    appendix: int
    title: str
    line: int
    end_line: int = 0
    code: str = ""             # «Код» as printed
    code_line: int = 0
    group_code: str = ""       # «Топ коды» as printed
    group_code_line: int = 0
    profession: str = ""
    profession_line: int = 0
    aliases: tuple[str, ...] = ()
    aliases_line: int = 0
    level: str = ""
    level_line: int = 0
    purpose: str = ""
    purpose_line: int = 0
    main_functions: list[ListItem] = field(default_factory=list)
    additional_functions: list[ListItem] = field(default_factory=list)
    functions: list[LabourFunction] = field(default_factory=list)
    personal: str = ""
    personal_line: int = 0
    related: list[RelatedOccupation] = field(default_factory=list)
    handbooks: str | None = None
    handbooks_line: int = 0
    education_levels: str = ""
    education_line: int = 0
    education: list[EducationRef] = field(default_factory=list)
    education_free_text: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Stable key (appendix, СБШ level), e.g. "app4-level-6-7"."""
        return f"app{self.appendix}-level-{self.level}"


@dataclass
class ProfStandard:
    order: OrderMeta
    chapters: list[Chapter]
    professions: list[ListedProfession]
    competences: list[Competence]
    categories: CategoryTable
    cards: list[Card]
    notes: list[Note] = field(default_factory=list)
    warnings: list[LoaderWarning] = field(default_factory=list)
    line_count: int = 0


# ---------------------------------------------------------------------------------------------
# patterns
# ---------------------------------------------------------------------------------------------

MONTHS = ("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз", "қыркүйек",
          "қазан", "қараша", "желтоқсан")
DATE_NO_RE = re.compile(rf"(\d{{4}})\s+жылғы\s+(\d{{1,2}})\s+([{LOWER}]+?)(?:дағы|дегі|тағы|тегі)\s*№\s*(\d+)")
APPENDIX_RE = re.compile(r"кәсіптік\s*стандартына\s*(\d+)\s*-\s*қосымша\s*$")
CHAPTER_RE = re.compile(r"^(\d+)\s*-\s*тарау\.\s*(.+)$")
PROFESSION_RE = re.compile(r"^(\d+)\)\s*.*?(\d+)\s*-\s*қосымшаға\s+сәйкес\s+(.+?)\s*[–-]\s*СБШ\s+бойынша\s*"
                           r"([\d\s–-]+?)\s*деңгей")
CARD_RE = re.compile(r"^КӘСІПТЕР\s+КАРТОЧКАСЫ\s*:\s*(.*)$")
GLUE_RE = re.compile(rf"(?<=[{LOWER}])(?=[{UPPER}])|:(?=\s*[{UPPER}])")
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
FUNCTION_RE = re.compile(r"^(\d+\.\s*)?кәсіби\s+қызмет(?:і)?\s*(\d+)\s*\.\s*(.*)$", re.IGNORECASE | re.S)
TASK_RE = re.compile(r"^(?:(\d+)\s*-\s*)?міндет\s*:\s*(.*)$", re.IGNORECASE | re.S)
SKILLS_LABEL_RE = re.compile(r"білік\s+[пм]ен\s+дағдылар(?:ы)?\s*:", re.IGNORECASE)
KNOWLEDGE_LABEL_RE = re.compile(r"^білім\s*:", re.IGNORECASE)
OCC_CODE_RE = re.compile(r"^\d[\d\s–—-]*\d$|^\d+$")
EDU_CODE_RE = re.compile(r"4S\d{8}|5[АA][ВB]\d{8}|5[ВB]\d{6}|6\s?[ВB]\s?\d{2,3}|\d{6,8}")
APPLIED_RE = re.compile(r"Қолданбалы\s+бакалавриат\s*:", re.IGNORECASE)
HOMOGLYPH_RE = re.compile(r"(?<![\w])([АВС])([12])(?![\w])")   # Cyrillic A/B/C before a CEFR digit
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
        notes.append(Note(line, "glitch", about,
                          f"{what} numbered {', '.join(map(str, numbers))} instead of 1..{len(numbers)}",
                          _quote_numbers(text, chosen)))
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
    notes.append(Note(line, "glitch", about,
                      f"{what} numbered {', '.join(map(str, numbers))} instead of 1..{len(numbers)}",
                      " … ".join(f"{n}." for n in numbers)))


# ---------------------------------------------------------------------------------------------
# the order and the chapters
# ---------------------------------------------------------------------------------------------


def _date(m: re.Match[str], path: Path, line: int) -> dt.date:
    month = next((i for i, stem in enumerate(MONTHS, 1) if m.group(3).startswith(stem)), None)
    if month is None:
        raise SourceError(path, line, f"unknown month name {m.group(3)!r}")
    return dt.date(int(m.group(1)), month, int(m.group(2)))


def _find(lines: list[str], rx: re.Pattern[str], start: int, stop: int) -> tuple[int, re.Match[str]] | None:
    for i in range(start, min(stop, len(lines))):
        m = rx.search(lines[i])
        if m:
            return i + 1, m
    return None


def parse_order(lines: list[str], path: Path, body_start: int, notes: list[Note]) -> OrderMeta:
    """The order text and the approval stamp: everything before the first chapter (``body_start``)."""
    def need(rx: str, what: str) -> tuple[int, re.Match[str]]:
        hit = _find(lines, re.compile(rx), 0, body_start)
        if hit is None:
            raise SourceError(path, body_start or None, f"expected {what} before the first chapter")
        return hit

    bl, bm = need(r"Еңбек\s+[Кк]одексінің\s+(\d+)\s*-\s*бабының\s+([\d-]+\))", "the legal basis (Еңбек кодексі)")
    if "Кодексінің" in bm.group(0):
        notes.append(Note(bl, "typo", "order", "'Кодексінің' capitalised in the order's preamble "
                          "(lower case 'кодексінің' in §1)", bm.group(0)))
    rl, _ = need(r"күші\s+жойылды", "the repealed order (күші жойылды)")
    rline = lines[rl - 1]
    rdm = DATE_NO_RE.search(rline)
    regm = re.search(r"тіркеу\s+тізілімінде\s*№\s*(\d+)", rline)
    titm = re.search(r'"([^"]+)"', rline)
    if not (rdm and regm and titm):
        raise SourceError(path, rl, "expected the repealed order's title, date, number and registration")
    al, am = need(r"(\d{4})\s+жылғы\s+(\d{1,2})\s+([а-яәіңғүұқөһ]+?)(?:дағы|дегі|тағы|тегі)\s*№\s*(\d+)\s*"
                  r"бұйрығымен\s*бекітілген", "the approval stamp (№ … бұйрығымен бекітілген)")
    sl, sm = need(r"^(.*министі?р\S*\s+м\.а\.)\t\|\t(.+)$", "the signature line")
    gl, _ = need(r'"КЕЛІСІЛДІ"', 'the "КЕЛІСІЛДІ" block')
    agreed = []
    for j in range(gl, body_start):
        t = lines[j].strip()
        if not t and agreed and not lines[j + 1].strip():
            break
        if t:
            agreed.append(t)
    tl, tm = need(r'^("Педагог"\s+кәсіптік\s+стандарты)\s*$', 'the title «"Педагог" кәсіптік стандарты»')
    return OrderMeta(
        number=am.group(4), date=_date(am, path, al), line=al,
        date_text=re.sub(r"\s*№.*$", "", am.group(0)),
        signatory=sm.group(2).strip(), signatory_line=sl,
        basis_article=bm.group(1), basis_point=bm.group(2), basis_line=bl,
        repeals_number=rdm.group(4), repeals_date=_date(rdm, path, rl),
        repeals_registration=regm.group(1), repeals_title=titm.group(1), repeals_line=rl,
        agreed_with=" ".join(agreed), agreed_line=gl, title=tm.group(1), title_line=tl,
    )


def parse_chapters(lines: list[str], path: Path) -> list[Chapter]:
    chapters = []
    for i, line in enumerate(lines, 1):
        m = CHAPTER_RE.match(line.strip())
        if m:
            chapters.append(Chapter(int(m.group(1)), m.group(2).strip(), i))
    if [c.number for c in chapters] != [1, 2, 3]:
        raise SourceError(path, chapters[-1].line if chapters else None,
                          f"expected chapters 1- тарау … 3-тарау, found {[c.number for c in chapters]}")
    return chapters


def parse_professions(lines: list[str], path: Path, start: int, stop: int) -> list[ListedProfession]:
    """§11 «Кәсіптер тізімі»: "N) Осы бұйрыққа K-қосымшаға сәйкес <title> – СБШ бойынша <levels> деңгей"."""
    out = []
    for i in range(start, stop):
        m = PROFESSION_RE.match(lines[i].strip())
        if m:
            out.append(ListedProfession(int(m.group(1)), int(m.group(2)), m.group(3).strip(),
                                        re.sub(r"\s+", "", m.group(4)), i + 1))
    if not out:
        raise SourceError(path, start + 1, "expected the list of professions (§11, 'N) Осы бұйрыққа "
                          "K-қосымшаға сәйкес … – СБШ бойынша … деңгей') in chapter 3")
    return out


# ---------------------------------------------------------------------------------------------
# App. 1: the competence framework
# ---------------------------------------------------------------------------------------------


def _split_title(rest: str) -> tuple[str, str]:
    m = GLUE_RE.search(rest)
    if not m:
        return rest.strip(), ""
    return rest[:m.start()].strip(), rest[m.end():].strip()


def _criterion(cell: str, line: int, path: Path) -> tuple[str, str]:
    m = re.match(r"^(\d+\.\d+)\.?\s*(.+)$", cell)
    if not m:
        raise SourceError(path, line, f"expected a criterion code 'N.N' at the start of {cell[:40]!r}")
    return m.group(1), m.group(2).strip()


def _indicators(cell: str, crit: str, line: int, path: Path, notes: list[Note]) -> tuple[Indicator, ...]:
    starts = list(re.finditer(rf"(?:^|;)\s*({re.escape(crit)}\.(\d+))\.?", cell))
    if not starts or starts[0].start() != 0:
        raise SourceError(path, line, f"expected indicators '{crit}.1 …' of criterion {crit}")
    out = []
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(cell)
        text = clean_item(cell[m.end():end])
        code = m.group(1)
        if not cell[m.end():end].startswith((" ", "\t")):
            notes.append(Note(line, "glitch", f"indicator/{code}", f"indicator code {code} glued to its text",
                              cell[m.start(1):m.end() + 12]))
        cefr = None
        for h in HOMOGLYPH_RE.finditer(text):
            cefr = h.group(1).translate(CYR_TO_LAT) + h.group(2)
            notes.append(Note(line, "glitch", f"indicator/{code}",
                              f"CEFR level written with a Cyrillic letter (U+{ord(h.group(1)):04X}); "
                              f"read as {cefr}", h.group(0)))
        out.append(Indicator(code, text, line, cefr))
    numbers = [int(m.group(2)) for m in starts]
    if numbers != list(range(1, len(numbers) + 1)):
        notes.append(Note(line, "glitch", f"criterion/{crit}", f"indicators numbered {numbers}"))
    return tuple(out)


def parse_framework(lines: list[str], path: Path, start: int, stop: int, notes: list[Note]) -> list[Competence]:
    hdr = _find(lines, re.compile(r"^Құзыреттер\t\|\tКритерийлер\t\|\tИндикаторлар"), start, stop)
    if hdr is None:
        raise SourceError(path, start + 1, "expected the App. 1 header row 'Құзыреттер | Критерийлер | "
                          "Индикаторлар'")
    comps: list[dict] = []
    for i in range(hdr[0], stop):
        raw = lines[i]
        if not raw.strip():
            if comps:
                break
            continue
        cs = cells(raw)
        no = i + 1
        if len(cs) == 3:
            m = re.match(r"^(\d+(?:\.\d+)*)\.\s*(.+)$", cs[0])
            if not m:
                raise SourceError(path, no, "expected a numbered competence 'N. Title…' in the first cell")
            title, desc = _split_title(m.group(2))
            comps.append(dict(printed=m.group(1), title=title, desc=desc, raw=cs[0], line=no, criteria=[]))
            cs = cs[1:]
        elif len(cs) != 2 or not comps:
            raise SourceError(path, no, f"expected 2 or 3 cells in the competence table, found {len(cs)}")
        code, ctitle = _criterion(cs[0], no, path)
        if not re.match(rf"{re.escape(code)}\s", cs[0]):
            notes.append(Note(no, "glitch", f"criterion/{code}", f"criterion code {code} glued to its title",
                              cs[0][:len(code) + 12]))
        comps[-1]["criteria"].append(Criterion(code, ctitle, no, _indicators(cs[1], code, no, path, notes)))
    out = []
    for c in comps:
        prefixes = {cr.code.split(".")[0] for cr in c["criteria"]}
        if len(prefixes) != 1:
            raise SourceError(path, c["line"], f"criteria of one competence have prefixes {sorted(prefixes)}")
        key = prefixes.pop()
        if c["printed"] != key:
            notes.append(Note(c["line"], "glitch", f"competence/{key}",
                              f"competence printed as '{c['printed']}.' but its criteria are {key}.x",
                              c["raw"][:len(c["printed"]) + 20]))
        if c["desc"]:
            glue = c["raw"][len(c["printed"]) + 1:].strip()[len(c["title"]):][:1]
            notes.append(Note(c["line"], "glitch", f"competence/{key}",
                              "competence title glued to its description"
                              + (" with ':'" if glue == ":" else ""),
                              c["raw"][len(c["printed"]) + 1:].strip()[max(0, len(c["title"]) - 10):len(c["title"]) + 12]))
        out.append(Competence(key, c["printed"], c["title"], c["desc"], c["raw"], c["line"], tuple(c["criteria"])))
    if not out:
        raise SourceError(path, hdr[0], "expected competence rows after the App. 1 header row")
    return out


# ---------------------------------------------------------------------------------------------
# App. 2: criteria by category
# ---------------------------------------------------------------------------------------------


def category_slug(label: str, rules: dict) -> str | None:
    norm = re.sub(r"\s*[–—-]\s*", "-", label.lower().replace('"', "").replace("«", "").replace("»", "")).strip()
    for rule in rules["category"]:
        if norm in rule.get("exact", ()):
            return rule["slug"]
        if any(stem in norm for stem in rule.get("stems", ())):
            return rule["slug"]
    return None


def parse_categories(lines: list[str], path: Path, start: int, stop: int, rules: dict,
                     notes: list[Note]) -> CategoryTable:
    hdr = _find(lines, re.compile(r"^Құзыреттілік\s+критерийлері\t\|\t"), start, stop)
    if hdr is None:
        raise SourceError(path, start + 1, "expected the App. 2 header row 'Құзыреттілік критерийлері | …'")
    hl = hdr[0]
    labels = cells(lines[hl - 1])[1:]
    cats = []
    for lab in labels:
        slug = category_slug(lab, rules)
        if slug is None:
            raise SourceError(path, hl, f"unknown category column {lab!r}")
        cats.append((slug, lab))
    groups, merged, rows = [], [], []
    for i in range(hl, stop):
        raw = lines[i]
        no = i + 1
        if not raw.strip():
            if rows:
                break
            continue
        cs = cells(raw)
        if len(cs) == 1 and re.match(rf"^\d\.[{UPPER}]", cs[0]):
            groups.append(GroupRow(cs[0][0], cs[0][2:].strip(), no))
        elif len(cs) == 1 and re.match(r"^\d\.\d", cs[0]):
            parts = list(re.finditer(r"(\d\.\d)\s*", cs[0]))
            items = tuple((m.group(1), cs[0][m.end():(parts[k + 1].start() if k + 1 < len(parts) else None)].strip())
                          for k, m in enumerate(parts))
            merged.append(MergedRow(no, cs[0], items))
            notes.append(Note(no, "glitch", "", "App. 2 row runs criteria " + ", ".join(c for c, _ in items)
                              + " together in one cell with no per-category descriptors (merged cell)",
                              cs[0][:60]))
        elif len(cs) == len(cats) + 1 and re.match(r"^\d\.\d", cs[0]):
            code, title = _criterion(cs[0], no, path)
            title = title.rstrip(".")
            descs = tuple(Descriptor(code, slug, lab, text, no) for (slug, lab), text in zip(cats, cs[1:]))
            for d in descs:
                if not d.text:
                    raise SourceError(path, no, f"empty descriptor for {code} / {d.category_label}")
            rows.append(CriterionRow(code, title, no, descs))
        else:
            raise SourceError(path, no, f"unexpected App. 2 row with {len(cs)} cells: {raw[:50]!r}")
    if not rows:
        raise SourceError(path, hl, "expected criterion rows after the App. 2 header row")
    return CategoryTable(hl, tuple(cats), tuple(groups), tuple(merged), tuple(rows))


# ---------------------------------------------------------------------------------------------
# profession cards
# ---------------------------------------------------------------------------------------------

REQUIRED_ROWS = {"code": "Код", "group_code": "Топ коды", "profession": "Мамандық",
                    "level": "СБШ бойынша біліктілік деңгейі", "purpose": "Қызметтің негізгі мақсаты",
                    "main_functions": "Кәсіби қызметі | Негізгі кәсіби қызметі",
                    "personal": "Жеке құзыреттерге қойылатын талаптар",
                    "related": "СБШ шеңберіндегі басқа мамандықтармен байланыс",
                    "education": "Білім беру және біліктілік жүйесімен байланыс"}
SIMPLE_ROWS = ("code", "group_code", "profession", "aliases", "level", "purpose", "personal", "handbooks")
GLUE_LU_RE = re.compile(rf"(?<=[{LOWER})])(?=[{UPPER}])")


def appendix_headers(lines: list[str]) -> list[tuple[int, int]]:
    """(appendix number, 1-based line) of every appendix header."""
    return [(int(m.group(1)), i) for i, line in enumerate(lines, 1) if (m := APPENDIX_RE.search(line))]


class _CardParser:
    """Reads the rows of one card (lines[start] is its «КӘСІПТЕР КАРТОЧКАСЫ:» line)."""

    def __init__(self, lines: list[str], path: Path, appendix: int, start: int, end: int,
                 notes: list[Note]) -> None:
        self.lines, self.path, self.notes = lines, path, notes
        self.start, self.end = start, end
        m = CARD_RE.match(lines[start].strip())
        self.card = Card(appendix, m.group(1).strip().strip('"«»') if m else "", start + 1)
        self.seen: dict[str, int] = {}
        self.mode: str | None = None
        self.segments: list[tuple[str, int]] = []
        self.fn: LabourFunction | None = None
        self.task: Task | None = None

    @property
    def base(self) -> str:
        return f"card/{self.card.key}"

    def error(self, line: int, message: str) -> SourceError:
        return SourceError(self.path, line, message)

    def run(self) -> Card:
        card = self.card
        last = card.line
        for i in range(self.start + 1, self.end):
            no = i + 1
            cs = [c for c in cells(self.lines[i]) if c]
            if not cs:
                continue
            last = no
            lab = label_of(cs[0])
            if lab is not None:
                self.flush()
            if lab in SIMPLE_ROWS:
                self.simple(lab, cs, no)
            elif lab in ("main_functions", "additional"):
                self.once(lab, no)
                rest = cs[1:]
                if lab == "main_functions":
                    if not rest or not re.match(r"^негізгі\s+кәсіби\s+қызмет", rest[0], re.IGNORECASE):
                        raise self.error(no, "expected 'Негізгі кәсіби қызметі' after 'Кәсіби қызметі'")
                    rest = rest[1:]
                    stray = re.match(r"^(\d+\.)\s*", cs[0])
                    if stray:
                        self.notes.append(Note(no, "glitch", self.base, f"stray '{stray.group(1)}' before "
                                               "the row label 'Кәсіби қызметі'", cs[0]))
                self.mode = "main" if lab == "main_functions" else "additional"
                self.segments = [(" ".join(rest), no)] if rest else []
            elif lab in ("function", "task", "knowledge", "skills"):
                self.mode = "detail"
                for c in cs:
                    self.detail(c, no)
            elif lab == "related":
                self.once(lab, no)
                self.mode = "related"
                self.related(cs[1:], no)
            elif lab == "education":
                self.once(lab, no)
                self.mode = None
                self.education(cs[1:], no)
            elif self.mode in ("main", "additional"):
                self.segments.append((" ".join(cs), no))
            elif self.mode == "related" and OCC_CODE_RE.match(cs[0]):
                self.related(cs, no)
            else:
                raise self.error(no, f"unrecognised row in the card of l.{card.line}: {cs[0][:50]!r}")
        self.flush()
        card.end_line = last
        self.finish()
        return card

    # -- rows -----------------------------------------------------------------------------------

    def once(self, lab: str, no: int) -> None:
        if lab in self.seen:
            raise self.error(no, f"row '{REQUIRED_ROWS.get(lab, lab)}' repeated (first at l.{self.seen[lab]}): "
                             "is a 'КӘСІПТЕР КАРТОЧКАСЫ:' line missing before it?")
        self.seen[lab] = no

    def simple(self, lab: str, cs: list[str], no: int) -> None:
        self.once(lab, no)
        value = " ".join(cs[1:]).strip()
        c = self.card
        if lab == "code":
            c.code, c.code_line = value, no
        elif lab == "group_code":
            c.group_code, c.group_code_line = value, no
        elif lab == "profession":
            c.profession, c.profession_line = value, no
        elif lab == "aliases":
            parts = [value] if "(" in value else re.split(r"\s*,\s*|\s+/\s+", value)
            c.aliases, c.aliases_line = tuple(p for p in parts if p), no
        elif lab == "level":
            if not re.fullmatch(r"\d+(?:\.\d+)?(?:-\d+)?", value):
                raise self.error(no, f"expected an СБШ level like '5', '6.1' or '4-5', found {value!r}")
            c.level, c.level_line = value, no
        elif lab == "purpose":
            c.purpose, c.purpose_line = value, no
        elif lab == "personal":
            c.personal, c.personal_line = value, no
        elif lab == "handbooks":
            c.handbooks, c.handbooks_line = value, no

    def flush(self) -> None:
        if self.mode not in ("main", "additional"):
            return
        what = "main function list" if self.mode == "main" else "additional function list"
        items: list[ListItem] = []
        for text, no in self.segments:
            items.extend(split_numbered(text, no, self.base, self.notes, what, check=False))
        check_run(items, self.segments[0][1] if self.segments else self.card.line, self.base, self.notes, what)
        if self.mode == "main":
            self.card.main_functions = items
        else:
            self.card.additional_functions = items
        self.segments = []
        self.mode = None

    def detail(self, cell: str, no: int) -> None:
        lab = label_of(cell)
        if lab == "function":
            m = FUNCTION_RE.match(cell)
            number = int(m.group(2))
            if m.group(1):
                self.notes.append(Note(no, "glitch", self.base, f"stray '{m.group(1).strip()}' before "
                                       "a labour function heading", cell[:30]))
            self.fn = LabourFunction(number, clean_item(m.group(3)), cell, no)
            self.card.functions.append(self.fn)
            self.task = None
        elif lab == "task":
            if self.fn is None:
                raise self.error(no, "a task ('N-міндет:') before any labour function heading "
                                 "('Кәсіби қызметі N. …')")
            m = TASK_RE.match(cell)
            number = int(m.group(1)) if m.group(1) else None
            self.task = Task(number, clean_item(m.group(2)), no)
            self.fn.tasks.append(self.task)
        elif lab in ("knowledge", "skills"):
            if self.task is None:
                raise self.error(no, f"'{cell[:12]}…' outside a task ('N-міндет:')")
            if lab == "knowledge":
                body = KNOWLEDGE_LABEL_RE.sub("", cell, count=1)
                inner = SKILLS_LABEL_RE.search(body)
                if inner:
                    self.notes.append(Note(no, "glitch", self.task_path(),
                                           "knowledge and skills printed in one cell", body[inner.start() - 12:inner.end()]))
                    self.set_list("knowledge", body[:inner.start()], no)
                    self.set_list("skills", body[inner.end():], no)
                else:
                    self.set_list("knowledge", body, no)
            else:
                m = SKILLS_LABEL_RE.match(cell)
                self.set_list("skills", cell[m.end():], no)
        else:
            raise self.error(no, f"unexpected cell in a labour function: {cell[:50]!r}")

    def task_path(self) -> str:
        fi = self.card.functions.index(self.fn) + 1
        ti = self.fn.tasks.index(self.task) + 1
        return f"{self.base}/function/{fi}/task/{ti}"

    def set_list(self, kind: str, body: str, no: int) -> None:
        target = self.task.knowledge if kind == "knowledge" else self.task.skills
        if target:
            raise self.error(no, f"a second '{kind}' list for the task of l.{self.task.line}")
        what = "knowledge list" if kind == "knowledge" else "skills list"
        target.extend(split_numbered(body, no, self.task_path(), self.notes, what))

    def related(self, cs: list[str], no: int) -> None:
        if len(cs) < 2 or not OCC_CODE_RE.match(cs[0]):
            raise self.error(no, "expected 'code | title' of a related occupation")
        printed = cs[0]
        code = re.sub(r"\s+", "", printed.replace("–", "-").replace("—", "-"))
        self.card.related.append(RelatedOccupation(code, printed, " ".join(cs[1:]), no))

    def education(self, cs: list[str], no: int) -> None:
        c = self.card
        c.education_line = no
        for cell in cs:
            if m := re.match(r"^білім\s+деңгейі\s*:\s*", cell, re.IGNORECASE):
                c.education_levels = cell[m.end():].strip()
            elif m := re.match(r"^маманды[қғ]\w*\s*:\s*", cell, re.IGNORECASE):
                body = cell[m.end():]
                q = re.search(r"біліктілік\w*\s*:\s*", body, re.IGNORECASE)
                if q:
                    self.notes.append(Note(no, "glitch", self.base, "specialty and qualification printed "
                                           "in one cell", body[max(0, q.start() - 15):q.end() + 10]))
                    self.codes(body[:q.start()], no, "specialty")
                    self.codes(body[q.end():], no, "qualification")
                else:
                    self.codes(body, no, "specialty")
            elif m := re.match(r"^біліктілік\w*\s*:\s*", cell, re.IGNORECASE):
                self.codes(cell[m.end():], no, "qualification")
            else:
                raise self.error(no, f"unexpected cell in the education row: {cell[:40]!r}")

    def codes(self, body: str, no: int, kind: str) -> None:
        parts = APPLIED_RE.split(body)
        for k, part in enumerate(parts):
            applied = k > 0
            found = list(EDU_CODE_RE.finditer(part))
            lead = part[:found[0].start()] if found else part
            if lead.strip(" ;.,"):
                self.card.education_free_text.append(lead.strip(" ;.,"))
            for j, m in enumerate(found):
                tail = part[m.end():found[j + 1].start() if j + 1 < len(found) else len(part)]
                glue = GLUE_LU_RE.search(tail)
                title = clean_item(tail[:glue.start()] if glue else tail)
                if glue and tail[glue.start():].strip(" ;.,"):
                    self.card.education_free_text.append(clean_item(tail[glue.start():]))
                printed = m.group(0)
                code = re.sub(r"\s+", "", printed).translate(CYR_TO_LAT)
                if code.startswith("4S"):
                    family = "tvet-qualification"
                elif code.startswith("5AB"):
                    family = "applied-bachelor-qualification"
                elif code.startswith("5B"):
                    family = "higher-specialty-legacy"
                    self.notes.append(Note(no, "glitch", self.base, f"pre-2018 higher-education specialty "
                                           f"code {printed} among current codes", printed))
                elif code.startswith("6B"):
                    family = "higher-group"
                else:
                    family = "applied-bachelor-specialty" if applied else "tvet-specialty"
                    if len(code) != 8:
                        self.notes.append(Note(no, "glitch", self.base, f"TVET specialty code {printed} has "
                                               f"{len(code)} digits instead of 8 (truncated)", printed))
                if " " in printed:
                    self.notes.append(Note(no, "glitch", self.base, f"education code printed with a space: "
                                           f"{printed!r}", printed))
                self.card.education.append(EducationRef(family, code, printed, title, no))

    # -- checks ---------------------------------------------------------------------------------

    def finish(self) -> None:
        c = self.card
        for lab, text in REQUIRED_ROWS.items():
            if lab not in self.seen:
                raise self.error(c.line, f"the card '{c.title}' (l.{c.line}–{c.end_line}) has no row '{text}'")
        if not c.functions:
            raise self.error(c.line, f"the card '{c.title}' (l.{c.line}) has no labour function heading "
                             "('Кәсіби қызметі N. …')")
        numbers = [f.number for f in c.functions]
        if numbers != list(range(1, len(numbers) + 1)):
            self.notes.append(Note(c.functions[0].line, "glitch", self.base,
                                   f"labour functions numbered {numbers}"))
        if len(c.main_functions) != len(c.functions):
            self.notes.append(Note(self.seen["main_functions"], "glitch", self.base,
                                   f"the main list names {len(c.main_functions)} labour functions, the card "
                                   f"details {len(c.functions)}"))
        for fi, fn in enumerate(c.functions, 1):
            if not fn.tasks:
                raise self.error(fn.line, "a labour function without tasks ('N-міндет:')")
            tnum = [t.number for t in fn.tasks]
            if None in tnum:
                self.notes.append(Note(fn.tasks[tnum.index(None)].line, "glitch", f"{self.base}/function/{fi}",
                                       "task printed as 'Міндет:' without its number", "Міндет:"))
            elif tnum != list(range(1, len(tnum) + 1)):
                self.notes.append(Note(fn.line, "glitch", f"{self.base}/function/{fi}",
                                       f"tasks numbered {tnum}"))
            for ti, t in enumerate(fn.tasks, 1):
                if not t.knowledge or not t.skills:
                    raise self.error(t.line, f"the task of l.{t.line} lacks its "
                                     f"{'knowledge (Білім:)' if not t.knowledge else 'skills (Білік пен дағдылары:)'}")


def parse_card(lines: list[str], path: Path, appendix: int, start: int, end: int, notes: list[Note]) -> Card:
    """Parse one card: ``start`` is the 0-based index of its «КӘСІПТЕР КАРТОЧКАСЫ:» line, ``end`` exclusive."""
    return _CardParser(lines, path, appendix, start, end, notes).run()


def parse(path: Path, rules: dict | None = None) -> ProfStandard:
    """Parse the whole document; raise :class:`SourceError` on a missing structure."""
    import yaml

    path = Path(path)
    lines = read_source_lines(path)
    if rules is None:
        rules = yaml.safe_load((Path(__file__).resolve().parent.parent / "data" / "reference"
                                / "category-labels.yaml").read_text(encoding="utf-8"))
    notes: list[Note] = []
    warnings: list[LoaderWarning] = []
    chapters = parse_chapters(lines, path)
    order = parse_order(lines, path, chapters[0].line - 1, notes)
    headers = appendix_headers(lines)
    numbers = [n for n, _ in headers]
    if numbers[:2] != [1, 2]:
        raise SourceError(path, headers[0][1] if headers else len(lines),
                          f"expected appendix headers 1-қосымша and 2-қосымша, found {numbers[:2]}")
    professions = parse_professions(lines, path, chapters[2].line, headers[0][1] - 1)
    for k, (n, ln) in enumerate(headers):
        expected = k + 1
        if n != expected:
            listed = next((p for p in professions if p.appendix == expected), None)
            where = f" (listed in §11 at l.{listed.line})" if listed else ""
            raise SourceError(path, ln, f"expected the header of appendix {expected}{where} before "
                              f"'{n}-қосымша'")
    listed_apps = sorted(p.appendix for p in professions)
    missing = [a for a in listed_apps if a not in numbers]
    if missing:
        p = next(p for p in professions if p.appendix == missing[0])
        raise SourceError(path, len(lines), f"appendix {missing[0]} (listed in §11 at l.{p.line}) not found: "
                          f"the text ends after appendix {numbers[-1]}")
    bounds = {n: (ln, headers[k + 1][1] - 1 if k + 1 < len(headers) else len(lines))
              for k, (n, ln) in enumerate(headers)}
    competences = parse_framework(lines, path, bounds[1][0], bounds[1][1], notes)
    categories = parse_categories(lines, path, bounds[2][0], bounds[2][1], rules, notes)
    cards: list[Card] = []
    for n in sorted(bounds):
        if n < 3:
            continue
        s, e = bounds[n]
        starts = [i for i in range(s, e) if CARD_RE.match(lines[i].strip())]
        if not starts:
            raise SourceError(path, s, f"expected 'КӘСІПТЕР КАРТОЧКАСЫ:' after the header of appendix {n}")
        for k, st in enumerate(starts):
            en = starts[k + 1] if k + 1 < len(starts) else e
            card = parse_card(lines, path, n, st, en, notes)
            if k and card.title != cards[-1].title:
                warnings.append(LoaderWarning(path.name, card.line, "card-title-changed",
                                              f"card at l.{card.line} in appendix {n} has title {card.title!r}, "
                                              f"not the appendix's {cards[-1].title!r}: is an appendix header "
                                              f"missing before it?"))
            cards.append(card)
    keys = Counter(c.key for c in cards)
    dup = [k for k, v in keys.items() if v > 1]
    if dup:
        c = [c for c in cards if c.key == dup[0]][1]
        raise SourceError(path, c.line, f"two cards with the key {dup[0]} (same appendix and СБШ level)")
    _check_professions(professions, cards, notes)
    return ProfStandard(order, chapters, professions, competences, categories, cards, notes, warnings,
                        len(lines))


def _levels(text: str) -> set[str]:
    m = re.fullmatch(r"(\d+)[–-](\d+)", text)
    if m:
        return {str(v) for v in range(int(m.group(1)), int(m.group(2)) + 1)}
    return {text}


def _check_professions(professions: list[ListedProfession], cards: list[Card], notes: list[Note]) -> None:
    for p in professions:
        mine = [c for c in cards if c.appendix == p.appendix]
        listed = _levels(p.levels)
        found = set().union(*(_levels(c.level) for c in mine)) if mine else set()
        if found != listed:
            notes.append(Note(p.line, "glitch", "",
                              f"§11 gives appendix {p.appendix} СБШ level(s) {p.levels}, its cards have "
                              f"{', '.join(c.level for c in mine)}", p.levels))
