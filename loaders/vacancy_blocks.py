"""Readers of the other blocks of a vacancy announcement: employer and title, salary, cited acts,
required documents, deadline, address and contacts."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from loaders.base import TextItem
from loaders.vacancy_records import (ActRef, Address, Contacts, Deadline, Employer, RequiredDocument, Salary, Span,
                                     VacancyVersion)
from loaders.vacancy_requirements import NUMBER_WORDS
from loaders.vacancy_text import Joined


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


def read_header(v: VacancyVersion, lines: list[str], first: int, last: int) -> None:
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
