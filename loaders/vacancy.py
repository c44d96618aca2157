"""Parser of vacancy announcements for teacher posts (text -> typed records).

An announcement of the open competition for a post in a state education organisation (sources.md
§3, §5) is laid out as blocks in a fixed order, each opened by a heading in Kazakh or Russian:
employer and title, salary, duties, knowledge ("Должен знать" / "Білуге міндетті", possibly
unlabelled), requirements, per-category competencies, legal basis of the competition, the list of
required documents, the deadline, the return rule, the address and contacts.  A file may hold the
same announcement twice, in Kazakh and in Russian, in either order and with no heading between:
the halves are told apart by script (the Kazakh-specific letters ә ғ қ ң ө ұ ү һ і).

Nothing here knows the two seed files: blocks are found by their headings, lists by their
``N)`` numbers, amounts and dates by their shapes.  This module finds the halves and the blocks;
the blocks are read by ``vacancy_blocks.py`` and ``vacancy_requirements.py`` into the records of
``vacancy_records.py``.  Modelling is in ``vacancy_rdf.py``, the comparison with the regulation in
``vacancy_audit.py``.
"""
from __future__ import annotations

import re
from pathlib import Path

from loaders.base import LoaderWarning, SourceError, TextItem
from loaders.text_join import is_blank, read_source_text
from loaders.vacancy_blocks import find_acts, parse_address, parse_amount, parse_deadline, parse_document, \
    parse_salary, read_header
from loaders.vacancy_records import Deadline, Point, Span, VacancyDoc, VacancyVersion
from loaders.vacancy_requirements import education_claims, parse_experience, parse_levels
from loaders.vacancy_text import Joined, clean, split_items

#: what callers import from here besides the parser (the tests; parse_amount reads salary amounts)
__all__ = ["HEADINGS", "parse", "parse_amount", "parse_text", "split_languages"]

KK_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
CYRILLIC = re.compile(r"[а-яёА-ЯЁәғқңөұүһіӘҒҚҢӨҰҮҺІ]")


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
            read_header(v, lines, first, last)
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
        v.education = education_claims(v.qualification.items, v.lang)
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


def _span(lines: list[str], start: int, end: int) -> Span:
    """Span of physical lines start..end (1-based, inclusive), trailing blanks trimmed."""
    while end > start and is_blank(lines[end - 1]):
        end -= 1
    while start < end and is_blank(lines[start - 1]):
        start += 1
    numbered = [(no, lines[no - 1]) for no in range(start, end + 1)]
    return Span(Joined(numbered).text, start, end, "\n".join(lines[start - 1:end]))
