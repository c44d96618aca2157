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
from loaders.text_join import read_source_text

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
    return " ".join(line.split())  # str.split() splits on the characters \s matches (NBSP, tab, ...)


def is_blank(line: str) -> bool:
    return not line.strip()  # == not clean(line), without cleaning a 2 MB line for every neighbour


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
    for kind, pattern in HEADINGS[:1]:
        m = pattern.search(text)
        if m:
            return kind, m
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
    return parse_text(read_source_text(path), path.name)


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


# --------------------------------------------------------------------------------------------
# block interpreters
# --------------------------------------------------------------------------------------------

def _fill(v: VacancyVersion, lines: list[str], blocks, doc: VacancyDoc) -> None:
    deadlines: list[Deadline] = []
    for kind, first, last, m in blocks:
        first, last = _trim(lines, first, last)
        if last < first:
            continue
        if kind == "header":
            _header(v, lines, first, last)
        elif kind == "salary":
            v.salary = parse_salary(_span(lines, first, last))
        elif kind in ("duties", "knowledge", "qualification", "competencies"):
            setattr(v, kind, _point(lines, first, last, m))
        elif kind == "legal_basis":
            v.legal_basis = _span(lines, first, last)
            v.legal_acts = find_acts(v.legal_basis, default_role="basis")
        elif kind in ("submission", "documents"):
            items = split_items(lines, first, last, numbered=True)
            if items and not re.match(r"^\d{1,2}\)", items[0].text):
                head = items.pop(0)
                if kind == "submission":
                    v.submission = Span(head.text, head.line, head.end_line, head.raw)
            v.documents.extend(parse_document(it) for it in items)
        elif kind == "deadline":
            found = parse_deadline(_span(lines, first, last))
            if found is not None:
                deadlines.append(found)
        elif kind == "return_rule":
            v.return_rule = _span(lines, first, last)
        elif kind == "extra_info":
            v.extra_info = _span(lines, first, last)
        elif kind == "address":
            v.address, v.contacts = parse_address(_span(lines, first, last))
        elif kind == "form":
            v.form = Span(clean(lines[first - 1]), first, last, "")
    if v.knowledge is None and v.duties is not None:
        _split_unlabelled_knowledge(v)
    if deadlines:
        main = deadlines[0]
        repeats = tuple(d.line for d in deadlines[1:] if d.kind == main.kind
                        and d.working_days == main.working_days and d.end == main.end)
        for d in deadlines[1:]:
            if d.line not in repeats:
                doc.warnings.append(LoaderWarning(doc.file, d.line, "second-deadline",
                                                  f"a second, different deadline: {d.text!r}"))
        v.deadline = Deadline(**{**main.__dict__, "repeated_at": repeats})
    if v.qualification is not None:
        v.education = (_education_via_requirements_ru(v.qualification.items) if v.lang == "ru" else None) \
            or parse_education(v.qualification.items)
        v.experience = parse_experience(v.qualification.items, v.lang)
    if v.competencies is not None:
        v.levels = parse_levels(v.competencies.items)
    numbers = [d.number for d in v.documents]
    if numbers and numbers != list(range(1, len(numbers) + 1)):
        doc.warnings.append(LoaderWarning(doc.file, v.documents[0].line, "document-numbering",
                                          f"documents numbered {numbers}"))


def _trim(lines: list[str], first: int, last: int) -> tuple[int, int]:
    """Drop trailing blank lines and a trailing table row number ("\\t3")."""
    while last >= first and (is_blank(lines[last - 1]) or ROW_NUMBER.match(lines[last - 1])):
        last -= 1
    return first, last


def _point(lines: list[str], first: int, last: int, m: re.Match | None) -> Point:
    items = split_items(lines, first, last)
    number = int(m.group("num")) if m is not None and "num" in m.re.groupindex and m.group("num") else None
    head = items.pop(0)
    if ":" in head.text:
        rest = head.text.split(":", 1)[1].strip()
        if rest:
            items.insert(0, TextItem(rest, head.line, head.end_line, head.raw))
    return Point(number, first, items)


def _split_unlabelled_knowledge(v: VacancyVersion) -> None:
    """A knowledge list printed without its label follows the duties: it opens with the
    Constitution (the first act of every "Должен знать" list)."""
    items = v.duties.items
    for k, item in enumerate(items):
        if k and re.search(r"Конституци", item.text):
            v.knowledge = Point(None, item.line, items[k:])
            v.duties = Point(v.duties.number, v.duties.header_line, items[:k])
            return


# -- header: employer and title ---------------------------------------------------------------

LEGAL_FORMS = r"КГУ|КММ|ГККП|КГКП|МКҚК|ҚМКК|РГКП|РМҚК|ГУ|ММ|ТОО|ЖШС|АО|АҚ|НАО|КеАҚ"
ORG_TYPE_BY_NAME = [
    ("preschool", r"детск\w* сад|ясли|балабақша|мектепке дейінгі|дошкольн"),
    ("special", r"специальн\w* (?:школ|организац)|коррекцион|арнайы (?:мектеп|білім беру ұйым)"),
    ("orphans", r"детск\w* дом|балалар үйі|без попечения|қамқорлығынсыз"),
    ("additional-children", r"дополнительного образования|қосымша білім|школьник|оқушылар үйі|"
                            r"оқушылар сарайы|дворец"),
    ("tvet", r"колледж|училищ|техникум"),
    ("methodological", r"методическ\w* (?:кабинет|центр)|әдістемелік (?:кабинет|орталық)"),
    ("secondary", r"школ|гимнази|лице|мектеп"),
]


def org_type_of_name(name: str) -> str | None:
    for slug, pattern in ORG_TYPE_BY_NAME:
        if re.search(pattern, name, re.IGNORECASE):
            return slug
    return None


def _quoted(text: str) -> tuple[int, int] | None:
    """(start, end) of the outermost quoted run, whichever opens first: «…» (nesting counted) or
    "…" (inner «…» skipped)."""
    opens = [i for i in (text.find("«"), text.find('"'), text.find("“")) if i >= 0]
    if not opens:
        return None
    start = min(opens)
    if text[start] == "«":
        depth = 0
        for i in range(start, len(text)):
            if text[i] == "«":
                depth += 1
            elif text[i] == "»":
                depth -= 1
                if depth == 0:
                    return start, i + 1
        return start, len(text)  # an unclosed «
    close = re.compile(r'["”]').search(text, start + 1)
    return (start, close.end()) if close else (start, len(text))


def _header(v: VacancyVersion, lines: list[str], first: int, last: int) -> None:
    joined = Joined([(no, lines[no - 1]) for no in range(first, last + 1)])
    text = joined.text
    q = _quoted(text)
    if q is None:
        return
    name = text[q[0] + 1:q[1] - 1].strip()
    before = re.search(rf"(?<!\w)({LEGAL_FORMS})(?!\w)\s*$", text[:q[0]])
    after = re.match(rf"\s*({LEGAL_FORMS})(?!\w)", text[q[1]:])
    form_m = before or after
    emp_start = before.start() if before else q[0]
    emp_end = q[1] + (after.end() if after else 0)
    parents: tuple[str, ...] = ()
    m = re.search(r"(отдела образования .+?)\s+(управления образования .+)$", name)
    if m:
        parents = (m.group(2), m.group(1))
    m = re.match(r"(.+?білім басқармасының)\s+(.+?білім бөлімінің)\s+", name)
    if m:
        parents = (m.group(1), m.group(2))
    emp_line, emp_end_line = joined.line_at(emp_start), joined.line_at(max(emp_end - 1, 0))
    v.employer = Employer(name, form_m.group(1) if form_m else None, org_type_of_name(name), parents,
                          Span(text[emp_start:emp_end].strip(), emp_line, emp_end_line,
                               "\n".join(lines[emp_line - 1:emp_end_line])))
    rest = text[emp_end:]
    tm = re.search(r"должност\w*\s+(.+?)\s*$", rest) or re.search(r"^\s*(.+?)\s+бос\s+лауазым", rest)
    if tm:
        off = emp_end + tm.start(1)
        v.title = Span(tm.group(1).strip(" ."), joined.line_at(off), joined.line_at(off), "")


# -- salary -----------------------------------------------------------------------------------

AMOUNT = re.compile(r"(?<![\d,.])(\d{1,3}(?:[ \u00a0]\d{3})+|\d{4,})(?:,(\d{1,2}))?(?!\d)")
_LATIN = str.maketrans("минахсМИНАХС", "minaxcMINAXC")


def parse_amount(text: str) -> Decimal:
    """ "135 322" -> 135322; "124586,88" -> 124586.88"""
    return Decimal(re.sub(r"[ \u00a0]", "", text).replace(",", "."))


def parse_salary(span: Span) -> Salary:
    text = span.text
    lo = hi = None
    values = []
    for m in AMOUNT.finditer(text):
        value = parse_amount(m.group(1) + ("," + m.group(2) if m.group(2) else ""))
        label = re.search(r"\(\s*([a-zA-Zа-яА-Я]{3,4})\s*\)\s*:?\s*$", text[max(0, m.start() - 12):m.start()])
        tag = label.group(1).translate(_LATIN).lower() if label else None
        if tag == "min":
            lo = value
        elif tag == "max":
            hi = value
        values.append(value)
    if lo is None and values:
        lo = min(values)
    if hi is None and len(values) > 1:
        hi = max(values)
    low = text.lower()
    basis = None
    if re.search(r"категори|санат", low):
        basis = "category-and-service"
    elif re.search(r"выслуг|стаж|еңбек сіңірген|өтіл", low):
        basis = "length-of-service"
    edu = re.search(r"(жоғары білім|орта білім|высшее образование|среднее образование)", low)
    return Salary(lo, hi, "KZT", basis, edu.group(1) if edu else None, span)


# -- requirements -----------------------------------------------------------------------------

CATEGORY_RE = re.compile(
    r"педагог\w{0,2}\s*[-–]\s*(модератор|эксперт|исследовател|мастер|сарапшы|зерттеуші|шебер)\w*",
    re.IGNORECASE)
CATEGORY_SLUG = {"модератор": "moderator", "эксперт": "expert", "сарапшы": "expert",
                 "исследовател": "researcher", "зерттеуші": "researcher", "мастер": "master",
                 "шебер": "master"}
NUMBER_WORDS = {"одного": 1, "один": 1, "двух": 2, "трех": 3, "трёх": 3, "четырех": 4, "пяти": 5,
                "шести": 6, "семи": 7, "восьми": 8, "десяти": 10, "бір": 1, "екі": 2, "үш": 3,
                "төрт": 4, "бес": 5, "алты": 6, "жеті": 7, "сегіз": 8, "он": 10}
YEARS_RE = re.compile(
    r"(?<![\w.])(\d{1,2}(?:[.,]\d)?|" + "|".join(NUMBER_WORDS) + r")\s*(?:[-–]\s*(\d{1,2})\s*)?"
    r"(?:лет|года?|жыл)(?!\w*\s*(?:\d|ғы|жылғы))", re.IGNORECASE)
NO_EXPERIENCE_RE = re.compile(
    r"без\s+пред[ъь]явления\s+требований\s+к\s+стажу|өтіліне\s+талап\s+етілмейді|"
    r"(?:стажына|өтіліне)\s+талаптар\s+қойылмай", re.IGNORECASE)


def _levels_of(clause: str) -> tuple[str, ...]:
    low = clause.lower()
    mid = re.search(r"средн\w+\s+(?:и\s+высш\w+\s+|или\s+высш\w+\s+)?уровн|орта(?:ша)?\s+(?:немесе\s+"
                    r"жоғары\s+)?(?:біліктілік\s+)?деңгей|біліктілігінің\s+орта", low)
    high = re.search(r"высш\w+\s+(?:и\s+средн\w+\s+)?уровн|жоғары\s+деңгей|(?:и|или)\s+высш\w+\s+уровн",
                     low)
    levels = []
    if high:
        levels.append("higher")
    if mid:
        levels.append("tvet")
    return tuple(levels)


def _kind_of(clause: str) -> str | None:
    low = clause.lower()
    if re.search(r"стаж\w*\s+педагогическ|педагогическ\w+\s+стаж|педагогикалық\s+(?:жұмыс\s+)?өтіл", low):
        return "pedagogical"
    if re.search(r"по\s+специальности|мамандығы\s+бойынша\s+жұмыс\s+өтіл", low):
        return "specialty"
    if re.search(r"стаж|өтіл", low):
        return "any"
    return None


def parse_experience(items: list[TextItem], lang: str = "kk") -> list[ExperienceClaim]:
    """Experience claims of a requirements block: per-category minimums and the base rule.

    Years are paired with the category names printed before them ("для педагога-модератора и
    педагога-эксперта не менее 2 лет" gives both 2); years with no category are the base rule.
    For the Russian text the shared parser ``requirements_ru`` is used when it is installed.
    """
    if lang == "ru":
        shared = _experience_via_requirements_ru(items)
        if shared is not None:
            return shared
    claims: list[ExperienceClaim] = []
    no_requirement = None
    for item in items:
        for clause in re.split(r";\s*", item.text):
            if not clause.strip():
                continue
            if NO_EXPERIENCE_RE.search(clause) and no_requirement is None:
                no_requirement = ExperienceClaim(Decimal(0), None, None, (), clause.strip(), item.line)
            kind, levels = _kind_of(clause), _levels_of(clause)
            events = sorted([(m.start(), "cat", m) for m in CATEGORY_RE.finditer(clause)]
                            + [(m.start(), "years", m) for m in YEARS_RE.finditer(clause)],
                            key=lambda e: e[0])
            pending: list[str] = []
            for _, what, m in events:
                if what == "cat":
                    pending.append(CATEGORY_SLUG[m.group(1).lower()[:12].rstrip("аеиоуыяьй")
                                   if m.group(1).lower() not in CATEGORY_SLUG else m.group(1).lower()])
                    continue
                raw = m.group(1).lower()
                years = Decimal(NUMBER_WORDS[raw]) if raw in NUMBER_WORDS else Decimal(raw.replace(",", "."))
                for cat in pending or [None]:
                    claims.append(ExperienceClaim(years, cat, kind, levels, clause.strip(), item.line))
                pending = []
    if no_requirement is not None and not any(c.category is None for c in claims):
        claims.insert(0, no_requirement)
    return claims


def _experience_via_requirements_ru(items: list[TextItem]) -> list[ExperienceClaim] | None:
    try:
        from loaders.requirements_ru import parse_qualification  # noqa: PLC0415
    except ImportError:
        return None
    parsed = parse_qualification(items)
    claims = []
    for rule in parsed.experience:
        if rule.min_years is None:
            continue
        levels = tuple(rule.education_levels) or ((rule.education_level,) if rule.education_level else ())
        claims.append(ExperienceClaim(Decimal(rule.min_years), rule.category, rule.kind, levels,
                                      rule.raw, rule.line))
    if parsed.no_experience_required and not any(c.category is None for c in claims):
        item = next((i for i in items if NO_EXPERIENCE_RE.search(i.text)), items[0])
        claims.insert(0, ExperienceClaim(Decimal(0), None, None, (), item.text, item.line))
    return claims


def _education_via_requirements_ru(items: list[TextItem]) -> list[EducationClaim] | None:
    try:
        from loaders.requirements_ru import parse_qualification  # noqa: PLC0415
    except ImportError:
        return None
    return [EducationClaim(p.raw, p.line, (p.level,), p.profile, p.pedagogical,
                           None if p.grants_category_rights else False, None,
                           False if NO_EXPERIENCE_RE.search(p.raw) else None)
            for p in parse_qualification(items).education] or None


EDU_LEVELS = [
    ("postgraduate", r"послевузовск|жоғары оқу орнынан кейінгі"),
    ("higher", r"высшее|иное профессиональн|өзге де кәсіптік|(?<!\w)жоғары(?!\s+(?:оқу орнынан кейінгі|деңгей))"),
    ("tvet", r"техническое и профессиональное|техникалық және кәсі(?:п|би)"),
    ("pedagogical-retraining", r"переподготовк|қайта даярла"),
    ("course-certificate", r"сертификат\w*\s+курсов|сертификаты болған|біліктілікті арттыру"),
]


def parse_education(items: list[TextItem]) -> list[EducationClaim]:
    """The alternative education paths ("или" / "немесе") of the requirement items."""
    claims: list[EducationClaim] = []
    for item in items:
        if CATEGORY_RE.search(item.text) and YEARS_RE.search(item.text):
            continue  # an experience clause
        pieces = re.split(r"(?<!\()\s(?:или|немесе)\s(?!\))", item.text)
        merged: list[str] = []
        carry = ""
        for piece in pieces:
            piece = (carry + " " + piece).strip() if carry else piece
            if any(re.search(p, piece, re.IGNORECASE) for _, p in EDU_LEVELS):
                merged.append(piece)
                carry = ""
            else:
                carry = piece
        if carry and merged:
            merged[-1] += " " + carry
        for piece in merged:
            piece = piece.lstrip("-–• ").strip()
            low = piece.lower()
            levels = tuple(s for s, p in EDU_LEVELS if re.search(p, piece, re.IGNORECASE))
            prof = re.search(r"[\"«]([^\"»]+)[\"»]", piece)
            pedagogical = None
            if re.search(r"не\s+по\s+педагогическ|педагогикалық\s+емес|иное профессиональн|өзге де кәсіптік",
                         low):
                pedagogical = False
            elif re.search(r"педагогическ\w*\s+(?:образован|специальност)|педагогикалық\s+(?:білім|мамандық)",
                           low):
                pedagogical = True
            rights = False if re.search(r"не\s+претендует|санат\w*\s+(?:үміткер\s+болмайды|үміттенбейді)",
                                        low) else None
            assigned = None
            am = re.search(r"үміткер\s+біліктілік\s+санаты\s+(педагог[\w-]*)", low)
            if am:
                assigned = "pedagog" if am.group(1) == "педагог" else am.group(1)
            exp = False if NO_EXPERIENCE_RE.search(piece) else None
            claims.append(EducationClaim(piece, item.line, levels, prof.group(1) if prof else None,
                                         pedagogical, rights, assigned, exp))
    return claims


# -- competencies levels ----------------------------------------------------------------------

LEVEL_HEAD = re.compile(r"^(\d)\)\s*(.*?педагог.*?)\s*:\s*(.*)$", re.IGNORECASE)
REF_RU = re.compile(r"предъявляемы\w*\s+к\s+(?:к\s+)?квалификации\s+[\"«]?\s*(?P<t>.+?)\s*[\"»]?"
                    r"(?:\s*,\s*а\s+также|,|:|$)", re.IGNORECASE)
REF_KK = re.compile(r"^(?P<t>[\"«]?педагог[\w\s–-]*?)[\"»]?\s+қойылатын", re.IGNORECASE)


def _category_of(label: str) -> str | None:
    try:
        from loaders.tqc2020 import category_of  # noqa: PLC0415  (the reviewed vocabulary)
        return category_of(label)
    except Exception:  # noqa: BLE001 - the vocabulary file may be missing in a stripped checkout
        norm = re.sub(r"[\"«»]", "", label).lower()
        if "ассистент" in norm:
            return None
        for stem, slug in CATEGORY_SLUG.items():
            if stem in norm:
                return slug
        return "pedagog" if re.fullmatch(r"\s*педагог\w?\s*(?:\(.*\))?\s*", norm) else None


def normalise_label(text: str) -> str:
    text = text.replace("«", "").replace("»", "").replace('"', "").replace("–", "-").lower()
    return re.sub(r"\s+", " ", re.sub(r"\s*-\s*", "-", text)).strip(" .:,;")


def parse_levels(items: list[TextItem]) -> list[LevelClaim]:
    levels: list[LevelClaim] = []
    cur: dict | None = None

    def close() -> None:
        if cur is not None:
            levels.append(LevelClaim(cur["n"], cur["label"], cur["cat"], cur["ref_t"], cur["ref"],
                                     tuple(cur["st"]), cur["line"]))

    for item in items:
        m = LEVEL_HEAD.match(item.text)
        if m:
            close()
            label = normalise_label(m.group(2))
            cur = {"n": int(m.group(1)), "label": label, "cat": _category_of(label), "ref_t": None,
                   "ref": None, "st": [], "line": item.line}
            if m.group(3).strip():
                cur["st"].append(TextItem(m.group(3).strip(), item.line, item.end_line, item.raw))
            continue
        if cur is None:
            continue
        ref = REF_RU.search(item.text) or REF_KK.match(item.text)
        if ref and cur["ref_t"] is None and not cur["st"]:
            target = ref.group("t").strip(' "«»')
            if '"' in target or "»" in target:  # "педагог-ассистент" первой категории
                target = '"' + target
            cur["ref_t"] = target
            cur["ref"] = _category_of(target) if "первой категории" not in target else None
            tail = re.split(r"а\s+также\s*:|меңгеруі,", item.text, maxsplit=1)
            if len(tail) == 2 and tail[1].strip():
                cur["st"].append(TextItem(tail[1].strip(), item.line, item.end_line, item.raw))
            elif ref.re is REF_RU and not re.search(r"а\s+также\s*:\s*$", item.text):
                rest = item.text[ref.end():].strip(" ,")
                if rest:
                    cur["st"].append(TextItem(rest, item.line, item.end_line, item.raw))
            continue
        cur["st"].append(item)
    close()
    return levels


# -- acts cited by number and date ------------------------------------------------------------

MONTHS = {"января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6, "июля": 7,
          "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
          "қаңтар": 1, "ақпан": 2, "наурыз": 3, "сәуір": 4, "мамыр": 5, "маусым": 6, "шілде": 7,
          "тамыз": 8, "қыркүйек": 9, "қазан": 10, "қараша": 11, "желтоқсан": 12}
_MONTH_ALT = "|".join(MONTHS)
ACT_NUMBER = r"№\s*(?P<num>(?:[A-ZА-ЯӘҒҚҢӨҰҮҺІ]{1,4}\s)*[A-ZА-ЯӘҒҚҢӨҰҮҺІ]*-?\d+(?:/\d+)?)"
DATE_RU = rf"от\s+(?P<d>\d{{1,2}})\s+(?P<m>{_MONTH_ALT})\s+(?P<y>\d{{4}})\s+года"
DATE_KK = rf"(?P<y>\d{{4}})\s+жылғы\s+(?P<d>\d{{1,2}})\s+(?P<m>{_MONTH_ALT})\w*"
DATE_NUM = r"от\s+(?P<d>\d{2})\.(?P<m>\d{2})\.(?P<y>\d{4})"

def _compile_act_re() -> re.Pattern[str]:
    parts = []
    for k, p in enumerate((DATE_RU, DATE_KK, DATE_NUM)):
        parts.append(p.replace("(?P<d>", f"(?P<d{k}>").replace("(?P<m>", f"(?P<m{k}>")
                     .replace("(?P<y>", f"(?P<y{k}>"))
    return re.compile(rf"(?:{'|'.join(parts)})\s+{ACT_NUMBER}", re.IGNORECASE)


ACT_RE = _compile_act_re()
REG_RE = re.compile(r"(?:под|тізілімінде)\s*№\s*(\d+)", re.IGNORECASE)


def find_acts(span: Span | TextItem, default_role: str = "basis") -> list[ActRef]:
    """Orders cited "от 19 ноября 2021 года № 568" / "2021 жылғы 19 қарашадағы № 568"."""
    numbered = [(span.line + k, ln) for k, ln in enumerate(span.raw.split("\n"))] if span.raw else []
    joined = Joined(numbered) if numbered else None
    text = joined.text if joined else span.text
    acts: list[ActRef] = []
    for m in ACT_RE.finditer(text):
        k = next(i for i in range(3) if m.group(f"y{i}"))
        month = m.group(f"m{k}").lower()
        month_no = int(month) if month.isdigit() else next(v for s, v in MONTHS.items() if month.startswith(s))
        when = date(int(m.group(f"y{k}")), month_no, int(m.group(f"d{k}")))
        before = text[max(0, m.start() - 160):m.start()]
        after = text[m.end():m.end() + 60]
        role = default_role
        if re.search(r"изменений\s+в\s+приказ[^№]*$", before) or re.match(r"\s*бұйрығына\s+өзгеріс", after):
            role = "amended"
        issuer = _issuer(before)
        reg = REG_RE.search(text[m.end():m.end() + 260])
        num = re.sub(r"\s+", " ", m.group("num"))
        line = joined.line_at(m.start()) if joined else span.line
        title = re.match(r"\s*[\"«]([^\"»]+)", after + text[m.end() + 60:m.end() + 400])
        if title is None:
            title = re.search(r"[\"«]([^\"«»]+)[\"»][^\"«»]*$", before)
        acts.append(ActRef(num, when, issuer, role, reg.group(1) if reg else None,
                           title.group(1).strip(' "') if title else None, line,
                           m.group(0)))
    return acts


def _issuer(before: str) -> str | None:
    """The minister named just before a date: "Министра … Казахстан" / "Қазақстан Республикасы …
    министрінің" (the text between them and the date holds no digit, № or quote)."""
    ru = re.search(r"(Министр\w*\s+[^\d№«\"]*?)\s*$", before)
    if ru:
        return ru.group(1).strip()
    for m in reversed(list(re.finditer(r"Қазақстан\s+Республикасы(?:ның)?\s", before))):
        rest = before[m.start():]
        if re.fullmatch(r"[^\d№«\"]*?министр\w*(?:\s+міндетін\s+атқарушының)?\s*", rest, re.IGNORECASE):
            return rest.strip()
    return None


# -- documents --------------------------------------------------------------------------------

IF_AVAILABLE = r"при\s+наличии|бар\s+болса|болған\s*жағдайда"


def parse_document(item: TextItem) -> RequiredDocument:
    m = re.match(r"^(\d{1,2})\)\s*(.*)$", item.text)
    number, text = int(m.group(1)), m.group(2).strip()
    condition = condition_text = partial = None
    tail = re.search(rf"\(\s*({IF_AVAILABLE})\s*\)\s*[;.]*\s*$", text, re.IGNORECASE)
    if tail:
        condition, condition_text = "if-available", tail.group(1)
    else:
        inner = re.search(rf"\([^()]*?[–-]\s*({IF_AVAILABLE})\s*\)|\(\s*({IF_AVAILABLE})\s*\)", text,
                          re.IGNORECASE)
        if inner:
            partial = inner.group(1) or inner.group(2)
        applies = re.search(r"^(.{0,160}?\s(?:үміткерлер|кандидат|кандидатов)\s+(?:үшін|для))|"
                            r"^((?:для|для кандидатов)\s.{0,120}?)(?:,|:)", text, re.IGNORECASE)
        if applies:
            condition, condition_text = "applies-to", (applies.group(1) or applies.group(2)).strip()
        elif re.search(r"босатылады|освобождаются", text, re.IGNORECASE):
            condition, condition_text = "exemption", text.rstrip(";.")
    annex = re.search(r"приложени\w*\s+(\d+)|(\d+)-қосымша", text, re.IGNORECASE)
    acts = tuple(find_acts(item, default_role="form"))
    return RequiredDocument(number, text, item.line, item.end_line, condition is not None, condition,
                            condition_text, partial, (annex.group(1) or annex.group(2)) if annex else None,
                            acts, item.raw)


# -- deadline ---------------------------------------------------------------------------------

DAYS_RE = re.compile(r"в\s+течение\s+(\w+)\s+рабочих\s+дней|(\w+)\s+жұмыс\s+күні\s+ішінде", re.IGNORECASE)
WINDOW_RE = re.compile(r"(\d{1,2})\.(\d{1,2})\.+(\d{4})\s*(?:г\.?|ж\.?)?\s*[–—-]\s*(\d{1,2})\.+(\d{1,2})\.+"
                       r"(\d{4})")


def parse_deadline(span: Span) -> Deadline | None:
    text = span.text
    w = WINDOW_RE.search(text)
    if w:
        d1 = date(int(w.group(3)), int(w.group(2)), int(w.group(1)))
        d2 = date(int(w.group(6)), int(w.group(5)), int(w.group(4)))
        raw_window = text[w.start():].split(";")[0].strip()
        joined = Joined([(span.line + k, ln) for k, ln in enumerate(span.raw.split("\n"))])
        at = joined.line_at(joined.text.find(raw_window)) if raw_window in joined.text else span.line
        return Deadline("absolute", raw_window, at, span.end_line, start=d1, end=d2, raw=span.raw)
    m = DAYS_RE.search(text)
    if m:
        word = (m.group(1) or m.group(2)).lower()
        days = NUMBER_WORDS.get(word) or (int(word) if word.isdigit() else None)
        start = "publication" if re.search(r"опубликован|выхода объявлен|жарияланған|шыққан", text,
                                           re.IGNORECASE) else None
        sentence = re.search(r"[^.]*(?:" + DAYS_RE.pattern + r")[^.]*\.?", text, re.IGNORECASE)
        return Deadline("relative", sentence.group(0).strip() if sentence else text, span.line,
                        span.end_line, working_days=days, start_event=start, raw=span.raw)
    return None


# -- address and contacts ---------------------------------------------------------------------

def parse_address(span: Span) -> tuple[Address, Contacts]:
    text = span.text
    cut = re.search(r"[,.]?\s*(?:Телефон|тел\.|анықтама телефоны|телефон)", text, re.IGNORECASE)
    addr = text[:cut.start()] if cut else text
    m = re.match(r"^\s*(\d{6})[.,]?\s*(.*)$", addr)
    postcode, rest = (m.group(1), m.group(2)) if m else (None, addr)
    parts = [p.strip() for p in rest.split(",") if p.strip()]
    region = next((p for p in parts if re.search(r"облыс|област", p, re.IGNORECASE)), None)
    locality = next((p for p in parts if re.search(r"қаласы|город|г\.|ауыл|село|поселок|кент", p,
                                                     re.IGNORECASE)), None)
    street = next((p for p in parts if re.search(r"көшесі|ул\.|улица|даңғыл|проспект|пр\.|шағын|мкр",
                                                 p, re.IGNORECASE)), None)
    phones = tuple(re.sub(r"\s+", "", p) for p in
                   re.findall(r"(?<![\w@.])(\+?\d[\d\s()-]{4,}\d)(?![\w@])", text[cut.start():] if cut else ""))
    # the lookbehind starts a match only at the start of a run: linear on a 2 MB line of letters
    emails = tuple(re.findall(r"(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.]+", text))
    addr_line = span.line
    return (Address(postcode, region, locality, street,
                    Span(addr.strip(" ,."), addr_line, addr_line, span.raw.split("\n")[0])),
            Contacts(phones, emails, span))
