"""Parser of vacancy announcements for teacher posts (text -> typed records).

An announcement of the open competition for a post in a state education organisation (sources.md
§3, §5) is laid out as blocks in a fixed order, each opened by a heading in Kazakh or Russian:
employer and title, salary, duties, knowledge ("Должен знать" / "Білуге міндетті", possibly
unlabelled), requirements, per-category competencies, legal basis of the competition, the list of
required documents, the deadline, the return rule, the address and contacts.  A file may hold the
same announcement twice, in Kazakh and in Russian, in either order and with no heading between:
the halves are told apart by script (the Kazakh-specific letters ә ғ қ ң ө ұ ү һ і).

Nothing here knows the two seed files: blocks are found by their headings, lists by their
``N)`` numbers, amounts and dates by their shapes.  Modelling is in ``vacancy_rdf.py``, the
comparison with the regulation in ``vacancy_audit.py``.

Joining (sources.md §3.5): blank lines are dropped (they fall inside words and sentences); a line
ending in letter + "-" joins the next with no space, one ending in " -" with a space.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from loaders.base import LoaderWarning, SourceError, TextItem

KK_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
CYRILLIC = re.compile(r"[а-яёА-ЯЁәғқңөұүһіӘҒҚҢӨҰҮҺІ]")

# --------------------------------------------------------------------------------------------
# records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A passage of the source: its joined text, first and last line, the lines as printed."""

    text: str
    line: int
    end_line: int
    raw: str = ""


@dataclass(frozen=True)
class Employer:
    name: str                    # the name inside the quotes, as printed (spaces collapsed)
    legal_form: str | None       # "КГУ", "КММ", ... as printed
    org_type: str | None         # slug in kzcode:org-type, inferred from the name; None if unsure
    parents: tuple[str, ...]     # the bodies the name nests in, outermost first (as printed)
    span: Span


@dataclass(frozen=True)
class Address:
    postcode: str | None
    region: str | None
    locality: str | None
    street: str | None
    span: Span


@dataclass(frozen=True)
class Contacts:
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    span: Span


@dataclass(frozen=True)
class Salary:
    min_value: Decimal | None
    max_value: Decimal | None
    currency: str                # "KZT"
    basis: str | None            # "length-of-service" | "category-and-service" | None
    education: str | None        # the education the amounts apply to, as printed ("жоғары білім")
    span: Span


@dataclass(frozen=True)
class EducationClaim:
    """One alternative education path of the requirements, as the announcement states it."""

    text: str
    line: int
    levels: tuple[str, ...]                 # kzcode:education slugs
    profile: str | None                     # "Специальное образование", "Арнаулы білім", ...
    pedagogical: bool | None                # True "по педагогическим", False "не по педагогическим"
    grants_category_rights: bool | None     # False "не претендует на категории"
    assigned_category: str | None           # kk "бұл ретте үміткер біліктілік санаты педагог"
    experience_required: bool | None        # False "без предъявления требований к стажу"


@dataclass(frozen=True)
class ExperienceClaim:
    """A minimum length of service the announcement asks (per category or as a base)."""

    min_years: Decimal
    category: str | None          # kzcode:category slug; None for the base requirement
    kind: str | None              # kzcode:experience-kind slug: pedagogical | specialty | any
    education_levels: tuple[str, ...]   # the qualification level(s) the clause applies to
    text: str
    line: int


@dataclass(frozen=True)
class LevelClaim:
    """One level of the per-category competencies ("2) педагог-модератор:")."""

    number: int | None
    label: str
    category: str | None
    refers_to_text: str | None
    refers_to: str | None
    statements: tuple[TextItem, ...]
    line: int


@dataclass(frozen=True)
class ActRef:
    """An order cited by number and date (legal basis, document forms)."""

    number: str
    date: date | None
    issuer: str | None
    role: str                    # basis | amended | form
    registration: str | None
    title: str | None
    line: int
    raw: str


@dataclass(frozen=True)
class RequiredDocument:
    number: int
    text: str
    line: int
    end_line: int
    conditional: bool
    condition: str | None         # if-available | applies-to | exemption
    condition_text: str | None
    partial_condition: str | None  # a "при наличии" qualifying only part of the item
    form_annex: str | None         # "10" for "по форме согласно приложению 10"
    acts: tuple[ActRef, ...]
    raw: str


@dataclass(frozen=True)
class Deadline:
    kind: str                     # relative | absolute
    text: str
    line: int
    end_line: int
    working_days: int | None = None
    start_event: str | None = None      # publication
    start: date | None = None
    end: date | None = None
    raw: str = ""
    repeated_at: tuple[int, ...] = ()


@dataclass
class Point:
    """A numbered (or unnumbered) block of the regulation copied into the announcement."""

    number: int | None
    header_line: int
    items: list[TextItem]


@dataclass
class VacancyVersion:
    """One language version of an announcement."""

    lang: str
    line: int
    end_line: int
    employer: Employer | None = None
    title: Span | None = None
    salary: Salary | None = None
    duties: Point | None = None
    knowledge: Point | None = None
    qualification: Point | None = None
    competencies: Point | None = None
    education: list[EducationClaim] = field(default_factory=list)
    experience: list[ExperienceClaim] = field(default_factory=list)
    levels: list[LevelClaim] = field(default_factory=list)
    legal_basis: Span | None = None
    legal_acts: list[ActRef] = field(default_factory=list)
    submission: Span | None = None
    documents: list[RequiredDocument] = field(default_factory=list)
    deadline: Deadline | None = None
    return_rule: Span | None = None
    extra_info: Span | None = None
    address: Address | None = None
    contacts: Contacts | None = None
    form: Span | None = None

    @property
    def point_numbers(self) -> dict[str, int]:
        found = {}
        for kind in ("duties", "knowledge", "qualification", "competencies"):
            point = getattr(self, kind)
            if point is not None and point.number is not None:
                found[kind] = point.number
        return found


@dataclass
class VacancyDoc:
    file: str
    stem: str
    line_count: int
    versions: list[VacancyVersion]
    warnings: list[LoaderWarning] = field(default_factory=list)

    def version(self, lang: str) -> VacancyVersion | None:
        return next((v for v in self.versions if v.lang == lang), None)


# --------------------------------------------------------------------------------------------
# text helpers
# --------------------------------------------------------------------------------------------

def clean(line: str) -> str:
    """NBSP and tabs to spaces, runs of spaces collapsed, ends stripped."""
    return re.sub(r"\s+", " ", line.replace("\xa0", " ").replace("\t", " ")).strip()


def is_blank(line: str) -> bool:
    return not clean(line)


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


def _span(lines: list[str], start: int, end: int) -> Span:
    """Span of physical lines start..end (1-based, inclusive), trailing blanks trimmed."""
    while end > start and is_blank(lines[end - 1]):
        end -= 1
    while start < end and is_blank(lines[start - 1]):
        start += 1
    numbered = [(no, lines[no - 1]) for no in range(start, end + 1)]
    return Span(Joined(numbered).text, start, end, "\n".join(lines[start - 1:end]))


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


# --------------------------------------------------------------------------------------------
# language halves
# --------------------------------------------------------------------------------------------

def split_languages(lines: list[str]) -> list[tuple[str, int, int]]:
    """[(lang, first_line, last_line)]: one or two halves, told apart by Kazakh-specific letters.

    A change point is accepted when both sides are long (10+ text lines) and mostly pure (80%).
    The first half runs from line 1 to the line before the second half's first text line.
    """
    flags = [(i + 1, any(c in KK_LETTERS for c in ln)) for i, ln in enumerate(lines)
             if len(CYRILLIC.findall(ln)) >= 3]
    n_lines = len(lines)
    if not flags:
        return [("ru", 1, n_lines)]
    kk_total = sum(f for _, f in flags)
    whole = "kk" if kk_total / len(flags) >= 0.25 else "ru"
    best = None
    for b in range(10, len(flags) - 9):
        before, after = flags[:b], flags[b:]
        kk_before = sum(f for _, f in before)
        kk_after = sum(f for _, f in after)
        for first, p1, p2 in (("kk", kk_before / len(before), 1 - kk_after / len(after)),
                              ("ru", 1 - kk_before / len(before), kk_after / len(after))):
            score = p1 * len(before) + p2 * len(after)
            if p1 >= 0.8 and p2 >= 0.8 and (best is None or score > best[0]):
                best = (score, first, flags[b][0])
    if best is None:
        return [(whole, 1, n_lines)]
    _, first, boundary = best
    second = "ru" if first == "kk" else "kk"
    return [(first, 1, boundary - 1), (second, boundary, n_lines)]


# --------------------------------------------------------------------------------------------
# headings
# --------------------------------------------------------------------------------------------

_NUM = r"^(?:(?P<num>\d{1,3})\.?\s+)?"
HEADINGS: list[tuple[str, re.Pattern[str]]] = [(k, re.compile(p, re.IGNORECASE)) for k, p in [
    ("form", r"^\S+\s+\d{1,2}-қосымша$|^(?:Нысан|Форма)$|^Приложение\s+\d+$"),
    ("salary", r"^(?:Лауазымдық жалақы|Должностной оклад|еңбекке ақы төлеу|Заработная плата|"
               r"Размер и условия оплаты)"),
    ("duties", _NUM + r"(?:Должностные обязанности|Функциональные обязанности|Лауазымдық міндеттері|"
                      r"(?:негізгі\s+)?функционалдық міндеттері)"),
    ("knowledge", _NUM + r"(?:Должен знать|Білуге міндетті)"),
    ("competencies", _NUM + r"(?:Требования к квалификации с определением|"
                            r"Кәсіби құзыреттілікті анықтай)"),
    ("qualification", _NUM + r"(?:Требования к квалификации|Квалификационные требования|"
                             r"Біліктілікке қойылатын талаптар|"
                             r"Педагогтердің үлгілік біліктілік сипаттамаларымен бекітілген кандидатқа)"),
    ("legal_basis", r"^Конкурс\s+(?:проводится|[\"«])"),
    ("submission", r"ниет білдірген адам|изъявивш\w*\s+желание"),
    ("documents", r"^(?:Документы,?\s+необходимые|Необходимые документы|Перечень\s+(?:необходимых\s+)?"
                  r"документов|Қажетті құжаттар тізбесі)"),
    ("deadline", r"^(?:При[её]м документов|Срок при[её]ма|Құжаттарды қабылдау мерзімі|"
                 r"Конкурсқа қатысуға құжаттарды қабылдау|Необходимые для участия в конкурсе документы|"
                 r"Конкурсқа қатысу үшін қажетті құжаттарды)"),
    ("return_rule", r"^(?:Отсутствие одного из документов|Құжаттардың біреуінің болмауы)"),
    ("extra_info", r"^Кандидат\s+(?:при наличии|болған жағдайда)"),
    ("address", r"^\d{6}\b"),
]]

ROW_NUMBER = re.compile(r"^\s*\d{1,2}\s*$")


def _heading_of(lines: list[str], no: int) -> tuple[str, re.Match[str]] | None:
    line = lines[no - 1]
    text = clean(line)
    if not text:
        return None
    prev = next((clean(lines[k - 1]) for k in range(no - 1, 0, -1) if not is_blank(lines[k - 1])), "")
    at_start = (line[:1].isspace() or no == 1 or is_blank(lines[no - 2]) or not prev
                or prev[-1] in ".;:!?»\"" or ROW_NUMBER.match(lines[no - 2]) is not None)
    if not at_start:
        return None
    for kind, pattern in HEADINGS:
        m = pattern.search(text)
        if m:
            return kind, m
    return None


# --------------------------------------------------------------------------------------------
# the parser
# --------------------------------------------------------------------------------------------

def parse(path: Path | str) -> VacancyDoc:
    """Parse one announcement file into its language versions."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(path, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    return parse_text(text, path.name)


def parse_text(text: str, file: str) -> VacancyDoc:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    doc = VacancyDoc(file, Path(file).stem, len(lines), [])
    for lang, start, end in split_languages(lines):
        version = VacancyVersion(lang, start, end)
        _fill(version, lines, _blocks(lines, start, end), doc)
        doc.versions.append(version)
    if not any(v.duties for v in doc.versions):
        raise SourceError(file, None, "no duties block found: expected a heading such as "
                                      "\"Должностные обязанности\" or \"Лауазымдық міндеттері\"")
    return doc


def _blocks(lines: list[str], start: int, end: int) -> list[tuple[str, int, int, re.Match | None]]:
    """[(kind, first_line, last_line, heading match)] in order; the first block is "header"."""
    marks: list[tuple[str, int, re.Match | None]] = [("header", start, None)]
    in_form = False
    for no in range(start, end + 1):
        if in_form:
            break
        found = _heading_of(lines, no)
        if not found:
            continue
        kind, m = found
        if kind == "form":
            # the form's title is the run of short lines just above "N-қосымша" / "Нысан"
            first = no
            while first - 1 > start and not is_blank(lines[first - 2]) \
                    and clean(lines[first - 2])[-1:] not in ".;:":
                first -= 1
            marks.append(("form", first, m))
            in_form = True
            continue
        if kind == marks[-1][0] and kind in ("deadline",):
            marks.append((kind, no, m))
            continue
        if kind == marks[-1][0]:
            continue
        marks.append((kind, no, m))
    blocks = []
    for k, (kind, first, m) in enumerate(marks):
        last = (marks[k + 1][1] - 1) if k + 1 < len(marks) else end
        if last >= first:
            blocks.append((kind, first, last, m))
    return blocks
