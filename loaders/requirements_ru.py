"""Parse the "Требования к квалификации" point of ``tqc-2020-ru.txt`` into typed records.

Pure text → dataclasses; no RDF.  The parser is driven by the language patterns of the document
(``docs/sources.md`` §1.6), never by a list of its positions or lines.

Input: the logical items of one point (:func:`loaders.text_join.join_items`), the header item
included or not.  Output: :class:`QualificationParse` with

* ``education`` — the education paths (:class:`EducationPath`).  Paths are *alternatives* unless
  ``additional`` is true: then the path is an extra requirement on top of the others ("наличие
  ученой или академической степени", "при наличии сертификата курсов …", "наличие профессиональной
  переподготовки").  "высшее и (или) послевузовское" gives one path per level (higher,
  postgraduate); "педагогическое или иное профессиональное образование" gives a pedagogical and a
  non-pedagogical path.
* ``experience`` — the experience rules (:class:`ExperienceRule`), one per threshold: a ladder
  "для педагога-модератора не менее 2 лет, …" gives one rule per category; urban/rural gives one
  rule per settlement; "… или …" alternatives share ``alternative_group``; "в том числе …" /
  "из них последние …" are nested in ``includes``.
* ``notes`` — source anomalies (:class:`RequirementNote`): suspicious ladders, ambiguous
  attachments, typos and glitches, each with its line and the quoted text.

Item shapes recognised:

1. a *base* item: education alternatives split on "или", some exempted by "без предъявления
   требований к стажу работы", then "стаж … не менее N лет" (possibly urban/rural, "в том числе",
   "или" alternatives, a number shared by alternatives: "X или Y не менее трех лет");
2. a *ladder* item: "и (или) [для педагога-X] при наличии высшего [и среднего] уровня квалификации
   стаж <kind>: для педагога-модератора … лет, …";
3. a *teaching add-on*: "при осуществлении преподавательской деятельности – дополнительно …"
   (its years get ``condition="teaching-activity"``);
4. a *level header*: "на уровне области, …:" / "на уровне районов/городов:" sets ``admin_level``
   for the items that follow;
5. anything else (the manager scheme "и (или) наличие квалификации "руководитель"…", sub-variant
   headers, law lines) yields nothing.

``education_level`` on a rule: the single level family the rule is stated for ("higher" covers
higher + postgraduate, "tvet", "pedagogical-retraining", …), ``None`` when the rule applies to all
paths or to several families; ``education_levels`` lists every level it names.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Iterable, Sequence

from .base import TextItem
from .text_join import line_at, line_starts

# --------------------------------------------------------------------------------------------
# records

EDUCATION_LEVELS = ("higher", "postgraduate", "tvet", "pedagogical-retraining", "academic-degree",
                    "reserve-officer", "course-certificate")
EXPERIENCE_KINDS = ("pedagogical", "specialty", "in-position", "managerial", "enterprise", "any")
CATEGORIES = ("pedagog", "moderator", "expert", "researcher", "master")
CATEGORY_RANK = {c: i for i, c in enumerate(CATEGORIES)}
NOTE_KINDS = ("suspicious-rule", "ambiguous-rule", "typo", "glitch")


@dataclass(frozen=True, kw_only=True)
class EducationPath:
    """One accepted education path (or, with ``additional``, an extra education requirement)."""

    level: str                       # one of EDUCATION_LEVELS
    profile: str | None = None       # "Специальное образование", "по соответствующему профилю", …
    pedagogical: bool | None = None  # True "педагогическое", False "иное"/"не по педагогическим"
    grants_category_rights: bool = True   # False: "не претендует на квалификационные категории"
    desirable: bool = False          # "желательно наличие …", "(при наличии)"
    raw: str
    line: int
    additional: bool = False         # a requirement on top of the other paths, not an alternative
    admin_level: str | None = None   # oblast|district, from "на уровне области/районов"
    for_categories: tuple[str, ...] = ()  # degree asked only for these categories (ladders)


@dataclass(frozen=True, kw_only=True)
class ExperienceRule:
    """One experience threshold."""

    min_years: Decimal | None
    max_years: Decimal | None = None      # ranges "3-4 лет"
    settlement: str | None = None         # urban|rural
    education_level: str | None = None    # the path family it applies to, when stated
    admin_level: str | None = None        # oblast|district
    kind: str = "any"                     # one of EXPERIENCE_KINDS
    in_position: str | None = None        # the "в должности X" text
    recent_years: Decimal | None = None   # "из них последние 2 года"
    category: str | None = None           # per-category ladders
    alternative_group: int | None = None  # rules joined by "или" share it
    includes: tuple["ExperienceRule", ...] = ()   # "в том числе …", "из них последние …"
    needs_review: bool = False
    review_reason: str | None = None
    raw: str
    line: int
    education_levels: tuple[str, ...] = ()   # every level named for this rule
    setting: str | None = None            # "в дошкольных организациях", "в сфере образования", …
    condition: str | None = None          # "teaching-activity" for the teaching add-on


@dataclass(frozen=True)
class RequirementNote:
    line: int
    kind: str       # one of NOTE_KINDS
    message: str
    quoted: str


@dataclass(frozen=True)
class QualificationParse:
    education: tuple[EducationPath, ...]
    experience: tuple[ExperienceRule, ...]
    notes: tuple[RequirementNote, ...]
    no_experience_required: bool   # "без предъявления требований к стажу" somewhere in the point


# --------------------------------------------------------------------------------------------
# patterns

#: length-preserving normalisation: dashes, ё, NBSP
_NORM = str.maketrans({"–": "-", "—": "-", "‑": "-", "ё": "е", "Ё": "Е", "\u00a0": " ",
                       "«": '"', "»": '"', "“": '"', "”": '"'})

#: "N. Требования к квалификации:" header (not the competencies point)
QUAL_HEADER_RE = re.compile(r"^\s*(?:\d+\s*\.?\s*)?Требования\s+к\s+квалификации\s*:\s*")

NUMBER_WORDS = {
    "одного": 1, "один": 1, "одна": 1, "одной": 1, "двух": 2, "два": 2, "трех": 3, "три": 3,
    "четырех": 4, "четыре": 4, "пяти": 5, "пять": 5, "шести": 6, "шесть": 6, "семи": 7,
    "семь": 7, "восьми": 8, "восемь": 8, "девяти": 9, "девять": 9, "десяти": 10, "десять": 10,
}
_NUM = r"(?:\d+(?:[.,]\d+)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
YEARS_RE = re.compile(
    rf"(?<!\w)(?P<a>{_NUM})(?:\s*-\s*(?P<b>{_NUM}))?\s+(?:лет|года|год)(?!\w)", re.I)
RECENT_RE = re.compile(
    rf"последн(?:ие|ий|их|его)\s+(?:(?P<n>{_NUM})\s+)?(?:лет|года|год)(?!\w)", re.I)
CATEGORY_RE = re.compile(
    r"педагог\w*\s*-\s*(?P<c>модератор|эксперт|исследовател|мастер)\w*"
    r"|педагог\w*\s*\(\s*без\s+категории\s*\)", re.I)
_CAT_CODE = {"модератор": "moderator", "эксперт": "expert", "исследовател": "researcher",
             "мастер": "master"}
SETTLEMENT_RE = re.compile(r"(?:для|в)\s+(?P<s>городск|сельск)\w*\s+местност\w*", re.I)
STAZH_RE = re.compile(r"(?:педагогическ\w+\s+)?стаж\w*", re.I)
IN_TOTAL_RE = re.compile(r"(?:,\s*)?(?:в\s+том\s+числе|из\s+них)\b", re.I)
OR_RE = re.compile(r"(?<!\w)или(?!\w)", re.I)
#: what may follow a top-level "или" that opens an alternative (else "или" joins words:
#: "областных или республиканских, или международных олимпиад")
ALT_START_RE = re.compile(
    r"\s*,?\s*(?:ин\w+\s|документ|наличи\w*\s+документ|техническ|высш|послевуз|профессиональн"
    r"|дополнительн|стаж|на\s+руководящ|на\s+должност|предприяти|по\s|в\s+должности"
    r"|педагогическ\w*\s+образовани|\"|\ue000)", re.I)
TEACHING_ADDON_RE = re.compile(r"^\s*при\s+осуществлении\s+преподавательск", re.I)
ADMIN_HEADER_RE = re.compile(r"^\s*на\s+уровне\s+(?P<lvl>област|район)", re.I)
MANAGER_SCHEME_RE = re.compile(r"наличие\s+квалификации\s+\"?\s*руководител", re.I)
LEAD_AND_OR_RE = re.compile(r"^\s*и\s*\(\s*или\s*\)\s*", re.I)
# ladder condition: "при наличии высшего и среднего уровня квалификации", "при среднего уровня",
# "при наличии технического и профессионального образования …"
CONDITION_RE = re.compile(r"\bпри\s+(?P<nal>наличии\s+)?(?P<what>.*?)(?=\s+стаж|$)", re.I)
# education words, looked for in the part of a piece before "стаж"
EDU_KW_RE = re.compile(
    r"высш|послевузовск|техническ\w*\s+и\s+профессиональн\w*\s*(?:\(|педагогическ|образован)"
    r"|профессиональн\w*\s+образован|переподготовк|документ|дополнительн\w+\s+образовани", re.I)

# special spans, found on the normalised text and masked before splitting on "или"
NOEXP_RE = re.compile(
    r"без\s+(?:(?:пред[ъь]?явлени\w*|требовани\w*)\s+){1,2}к\s+стажу(?:\s+работы)?"
    r"(?:\s+в\s+должности\s+[^,;:.]*)?", re.I)
DEGREE_RE = re.compile(
    r"(?P<des>желательно\s+)?наличи\w*\s+(?:ученой|академической)(?:\s+или\s+академической)?"
    r"\s+степени(?:\s+кандидата\s+наук)?(?:\s+по\s+профилю)?"
    r"(?:\s+или\s+ученой\s+степени\s+доктора\s+наук)?(?P<ifany>\s*\(\s*при\s+наличии\s*\))?", re.I)
RETRAIN_ADD_RE = re.compile(
    r"(?:с\s+наличием|наличие|наличии)\s+профессиональной\s+(?:педагогической\s+)?переподготовки",
    re.I)
CERT_RE = re.compile(r"при\s+наличии\s+сертификат\w*[^,;]*", re.I)
NORIGHTS_RE = re.compile(
    r"(?:при\s+этом\s+)?не\s+претендует\s+на\s+квалификационн\w+\s+категори\w*(?:\s+педагога)?",
    re.I)
OFFICER_RE = re.compile(
    r"офицер\w*\s+запаса.*?(?=\s*,?\s*без\s+(?:пред|треб)|\s*,\s*стаж|;|$)", re.I)
PROFILE_QUOTED_RE = re.compile(
    r"(?:по\s+(?:направлению|специальности|профилю)|дополнительн\w+\s+образовани\w*)"
    r"\s*\"\s*(?P<p>[^\"]+?)\s*\"", re.I)
PROFILE_PHRASE_RE = re.compile(
    r"по\s+соответствующ\w*\s+(?:профил\w*|специальност\w*)|по\s+профилю"
    r"|по\s+педагогическ\w+\s+специальност\w*", re.I)
PROFILE_ADJ_RE = re.compile(r"\b(музыкальн|медицинск)\w*", re.I)

_MASK = "\ue000"

# tolerant spellings → the canonical word (typo notes)
_TYPOS = [
    (re.compile(r"предьявлени\w*", re.I), "предъявления"),
    (re.compile(r"предъявлений(?=\s+требований)", re.I), "предъявления"),
    (re.compile(r"среденего", re.I), "среднего"),
    (re.compile(r"соответствующе(?=\s)", re.I), "соответствующей"),
]


# --------------------------------------------------------------------------------------------
# helpers

def _num(s: str | None) -> Decimal | None:
    if s is None:
        return None
    low = s.lower()
    if low in NUMBER_WORDS:
        return Decimal(NUMBER_WORDS[low])
    return Decimal(s.replace(",", "."))


def _paren_depth(text: str, pos: int) -> int:
    return text.count("(", 0, pos) - text.count(")", 0, pos)


def _in_quotes(text: str, pos: int) -> bool:
    return text.count('"', 0, pos) % 2 == 1


def _family(level: str) -> str:
    return "higher" if level in ("higher", "postgraduate") else level


def _levels_from_condition(what: str) -> tuple[str, ...]:
    """Levels named by a ladder condition ("высшего и среднего уровня квалификации", …)."""
    levels: list[str] = []
    w = what.lower()
    if re.search(r"высш", w):
        levels.append("higher")
    if re.search(r"послевуз", w):
        levels.append("postgraduate")
    if re.search(r"\bсред\w*н|техническ", w):
        levels.append("tvet")
    return tuple(levels)


def _single_level(levels: Iterable[str]) -> str | None:
    fams = {_family(lv) for lv in levels}
    return fams.pop() if len(fams) == 1 else None


@dataclass
class _Span:
    start: int
    end: int
    kind: str            # noexp|degree|retrain|cert|norights|officer
    match: re.Match


@dataclass
class _Draft:
    """A mutable experience rule while the item is being read."""

    min_years: Decimal | None
    max_years: Decimal | None
    raw: str
    line: int
    kind: str = "any"
    in_position: str | None = None
    setting: str | None = None
    settlement: str | None = None
    recent_years: Decimal | None = None
    category: str | None = None
    includes: list["_Draft"] = field(default_factory=list)
    group: int | None = None
    levels: tuple[str, ...] = ()
    level_stated: bool = False
    review: list[str] = field(default_factory=list)
    condition: str | None = None

    def freeze(self, admin: str | None) -> ExperienceRule:
        levels = tuple(dict.fromkeys(self.levels)) if self.level_stated else ()
        return ExperienceRule(
            min_years=self.min_years, max_years=self.max_years, settlement=self.settlement,
            education_level=_single_level(levels) if levels else None, admin_level=admin,
            kind=self.kind, in_position=self.in_position, recent_years=self.recent_years,
            category=self.category, alternative_group=self.group,
            includes=tuple(d.freeze(admin) for d in self.includes),
            needs_review=bool(self.review), review_reason="; ".join(self.review) or None,
            raw=self.raw, line=self.line, education_levels=levels, setting=self.setting,
            condition=self.condition)


# --------------------------------------------------------------------------------------------
# kind of experience

_SETTING_RE = re.compile(
    r"\b(?:в|на)\s+(?P<s>(?:системе|сфере|дошкольн\w+|организаци\w*|предприяти\w*)\b.*?)"
    r"(?=\s+не\s+менее|\s+для\s|\s*:|;|$|\s+или\s|\s*,\s*(?:в\s+том|из\s+них|стаж|для)"
    r"|\s+\d|\s+(?:" + "|".join(NUMBER_WORDS) + r")\s)", re.I)
_POSITION_RE = re.compile(
    r"\b(?:в|на)\s+должности\s+(?P<p>.*?)(?=\s*:|\s+для\s|\s+не\s+менее|;|$|\s+-\s)", re.I)


def _kind(desc: str) -> tuple[str, str | None, str | None]:
    """(kind, in_position, setting) of an experience phrase."""
    setting = None
    for m in _SETTING_RE.finditer(desc):
        if _paren_depth(desc, m.start()) > 0:
            continue
        setting = m.group("s").strip(" ,") or None
        break
    low = desc.lower()
    if re.search(r"руководящ", low):
        return "managerial", None, setting
    pm = _POSITION_RE.search(desc)
    if pm:
        return "in-position", pm.group("p").strip(" ,") or None, setting
    if re.search(r"предприяти|организаци\w*,?\s+соответствующ\w+\s+профил"
                 r"|соответствующ\w+\s+профилю\s+организации", low):
        return "enterprise", None, setting
    if re.search(r"педагогическ", low):
        return "pedagogical", None, setting
    if re.search(r"по\s+специальности|по\s+соответствующ\w*\s+профил", low):
        return "specialty", None, setting
    return "any", None, setting


# --------------------------------------------------------------------------------------------
# the parser

class _ItemParser:
    def __init__(self, item: TextItem, state: "_PointState") -> None:
        self.item = item
        self.state = state
        self.t = item.text.translate(_NORM)
        hm = QUAL_HEADER_RE.match(self.t)
        self.begin = hm.end() if hm else 0
        self.starts = line_starts(item)

    # ---- positions
    def line(self, offset: int) -> int:
        return line_at(self.starts, offset)

    def raw(self, a: int, b: int) -> str:
        return self.item.text[a:b].strip(" ,;.")

    def note(self, offset: int, kind: str, message: str, quoted: str) -> None:
        self.state.note(self.line(offset), kind, message, quoted)

    # ---- entry
    def parse(self) -> None:
        t, b = self.t, self.begin
        body = t[b:]
        if not body.strip():
            return
        self.typo_notes()
        am = ADMIN_HEADER_RE.match(body)
        if am and len(body.strip()) < 80 and not YEARS_RE.search(body):
            self.state.admin = "oblast" if am.group("lvl").lower().startswith("област") \
                else "district"
            return
        if TEACHING_ADDON_RE.match(body):
            self.parse_addon()
            return
        lead = LEAD_AND_OR_RE.match(body)
        rest = b + (lead.end() if lead else 0)
        if MANAGER_SCHEME_RE.search(body) and not STAZH_RE.search(body):
            return
        if CATEGORY_RE.search(t, rest) and (YEARS_RE.search(t, rest) or STAZH_RE.search(t, rest)):
            self.parse_ladder(rest)
        else:
            self.parse_base(rest)

    def typo_notes(self) -> None:
        t = self.t
        for rx, canon in _TYPOS:
            for m in rx.finditer(t, self.begin):
                self.note(m.start(), "typo", f"'{m.group(0)}' printed for '{canon}'",
                          self.item.text[m.start():m.end()])
        for m in re.finditer(r"\bпри\s+(?=(?:высш|сред)\w*\s+(?:и\s+\S+\s+)?уровн)", t):
            self.note(m.start(), "typo", "'при' without 'наличии' before a qualification level",
                      self.item.text[m.start():m.start() + 40].strip())
        if t.count('"', self.begin) % 2:
            pos = t.rfind('"')
            self.note(pos, "glitch", "unbalanced quotation mark",
                      self.item.text[max(self.begin, pos - 30):pos + 1].strip())

    # ---- special spans
    def spans(self, start: int) -> list[_Span]:
        t = self.t
        found: list[_Span] = []
        for kind, rx in (("noexp", NOEXP_RE), ("officer", OFFICER_RE), ("degree", DEGREE_RE),
                         ("retrain", RETRAIN_ADD_RE), ("cert", CERT_RE),
                         ("norights", NORIGHTS_RE)):
            for m in rx.finditer(t, start):
                if m.end() == m.start():
                    continue
                if any(m.start() < s.end and s.start < m.end() for s in found):
                    continue
                found.append(_Span(m.start(), m.end(), kind, m))
        found.sort(key=lambda s: s.start)
        return found

    def masked(self, spans: Sequence[_Span]) -> str:
        chars = list(self.t)
        for s in spans:
            for k in range(s.start, s.end):
                chars[k] = _MASK
        return "".join(chars)

    def additional_path(self, s: _Span) -> EducationPath | None:
        raw = self.item.text[s.start:s.end].strip()
        line = self.line(s.start)
        if s.kind == "degree":
            desirable = bool(s.match.group("des")) or bool(s.match.group("ifany"))
            if s.match.group("ifany"):
                self.note(s.start, "ambiguous-rule",
                          "degree required '(при наличии)' (if any); read as desirable", raw)
            return EducationPath(level="academic-degree", desirable=desirable, raw=raw, line=line,
                                 additional=True, admin_level=self.state.admin)
        if s.kind == "retrain":
            return EducationPath(level="pedagogical-retraining",
                                 pedagogical=True if re.search(r"педагогическ", raw, re.I)
                                 else None, raw=raw, line=line, additional=True,
                                 admin_level=self.state.admin)
        if s.kind == "cert":
            return EducationPath(level="course-certificate", raw=raw, line=line, additional=True,
                                 admin_level=self.state.admin)
        return None

    # ---- teaching add-on
    def parse_addon(self) -> None:
        t = self.t
        for m in YEARS_RE.finditer(t, self.begin):
            st = STAZH_RE.search(t, self.begin, m.start())
            desc_start = st.start() if st else m.start()
            kind, pos, setting = _kind(t[desc_start:m.start()])
            d = _Draft(_num(m.group("a")), _num(m.group("b")), self.raw(desc_start, m.end()),
                       self.line(m.start()), kind=kind, in_position=pos, setting=setting,
                       condition="teaching-activity")
            self.state.rules.append(d)

    # ---- ladder items
    def parse_ladder(self, rest: int) -> None:
        spans = [s for s in self.spans(rest) if s.kind in ("degree", "noexp")]
        mt = self.masked(spans)
        # condition and kind of experience
        cond = None
        for cm in CONDITION_RE.finditer(mt, rest):
            what = cm.group("what")
            if re.search(r"уровн|образовани", what, re.I):
                cond = cm
                break
        levels = _levels_from_condition(cond.group("what")) if cond else ()
        st = STAZH_RE.search(mt, rest)
        kind, pos, setting = ("any", None, None)
        if st:
            stop = len(mt)
            for rx in (re.compile(r":"), CATEGORY_RE, YEARS_RE, SETTLEMENT_RE):
                m2 = rx.search(mt, st.end())
                if m2:
                    stop = min(stop, m2.start())
            kind, pos, setting = _kind(mt[st.start():stop])
        # tokens
        tokens: list[tuple[int, str, re.Match | _Span]] = []
        for m in CATEGORY_RE.finditer(mt, rest):
            tokens.append((m.start(), "cat", m))
        for m in YEARS_RE.finditer(mt, rest):
            tokens.append((m.start(), "years", m))
        for m in SETTLEMENT_RE.finditer(mt, rest):
            tokens.append((m.start(), "settle", m))
        for s in spans:
            if s.kind == "degree":
                tokens.append((s.start, "degree", s))
            elif s.kind == "noexp":
                self.state.no_exp = True
        tokens.sort(key=lambda x: x[0])
        pending: list[str] = []
        consumed = False
        last_emitted: list[str] = []
        settlement = None
        seg_start = rest
        prev_end = rest
        for pos_, kind_, obj in tokens:
            if kind_ == "cat":
                m = obj  # type: ignore[assignment]
                code = _CAT_CODE.get((m.group("c") or "").lower(), "pedagog")
                if consumed:
                    pending, consumed = [], False
                    seg_start = self._seg_start(mt, prev_end, m.start())
                pending.append(code)
            elif kind_ == "settle":
                settlement = "urban" if obj.group("s").lower().startswith("город") else "rural"
            elif kind_ == "years":
                m = obj
                cats = pending or [None]
                raw = self.raw(seg_start, m.end())
                for c in cats:
                    d = _Draft(_num(m.group("a")), _num(m.group("b")), raw, self.line(m.start()),
                               kind=kind, in_position=pos, setting=setting, settlement=settlement,
                               category=c, levels=levels, level_stated=bool(levels))
                    self.state.rules.append(d)
                last_emitted = [c for c in cats if c]
                consumed = True
                prev_end = m.end()
            elif kind_ == "degree":
                path = self.additional_path(obj)  # type: ignore[arg-type]
                if path is not None:
                    for_c = tuple(last_emitted if consumed else pending)
                    self.state.paths.append(replace(path, for_categories=for_c))

    @staticmethod
    def _seg_start(mt: str, prev_end: int, cat_start: int) -> int:
        m = re.search(r"для\s*$", mt[prev_end:cat_start])
        return prev_end + m.start() if m else cat_start

    # ---- base items
    def parse_base(self, rest: int) -> None:
        self._paths_before = len(self.state.paths)
        spans = self.spans(rest)
        mt = self.masked(spans)
        starts_with_or = bool(re.match(r"\s*или\b", mt[rest:], re.I))
        # pieces split on top-level "или"
        cuts = [rest]
        for m in OR_RE.finditer(mt, rest):
            if _paren_depth(mt, m.start()) > 0 or _in_quotes(mt, m.start()):
                continue
            if not ALT_START_RE.match(mt, m.end()):
                continue
            cuts.append(m.start())
            cuts.append(m.end())
        cuts.append(len(mt))
        pieces = [(cuts[k], cuts[k + 1]) for k in range(0, len(cuts), 2)]

        item_paths: list[tuple[EducationPath, bool, int]] = []   # (path, has_noun, piece idx)
        pending: list[EducationPath] = []
        exempt_seen = False
        piece_rules: list[list[_Draft]] = []
        item_rules: list[_Draft] = []
        orphan_reason = None
        for idx, (a, z) in enumerate(pieces):
            p = mt[a:z]
            pspans = [s for s in spans if a <= s.start < z]
            rules_here: list[_Draft] = []
            st = STAZH_RE.search(mt, a, z)
            pre_end = st.start() if st else z
            officer = [s for s in pspans if s.kind == "officer"]
            pre = mt[a:pre_end]
            is_edu = bool(EDU_KW_RE.search(pre)) or bool(officer)
            new_paths: list[EducationPath] = []
            if is_edu:
                new_paths = self.paths_of_piece(a, pre_end, item_paths, idx)
                for s in officer:
                    new_paths.append(EducationPath(
                        level="reserve-officer", raw=self.item.text[s.start:s.end].strip(),
                        line=self.line(s.start), admin_level=self.state.admin))
                    item_paths.append((new_paths[-1], True, idx))
            elif re.match(r"\s*по\s", p) and item_paths and not st and not YEARS_RE.search(p):
                # "ТиПО по педагогической специальности или по соответствующему профилю"
                prof = PROFILE_PHRASE_RE.search(p)
                prev = item_paths[-1][0]
                if prof:
                    clone = replace(prev, profile=prof.group(0).strip(), pedagogical=None,
                                    raw=self.raw(a, z), line=self.line(a))
                    new_paths.append(clone)
                    item_paths.append((clone, True, idx))
            if any(s.kind == "norights" for s in pspans):
                new_paths = [replace(x, grants_category_rights=False) for x in new_paths]
                item_paths = [(replace(x, grants_category_rights=False) if k == idx else x, n, k)
                              for x, n, k in item_paths]
            for s in pspans:
                extra = self.additional_path(s)
                if extra is not None:
                    if any(x.kind == "norights" for x in pspans):
                        extra = replace(extra, grants_category_rights=False)
                    self.state.paths.append(extra)
            pending.extend(new_paths)
            noexp = [s for s in pspans if s.kind == "noexp"]
            if noexp:
                self.state.no_exp = True
                exempt_seen = True
                pending = []
            # experience
            exp_start = None
            if st and (not noexp or st.start() > noexp[-1].end):
                exp_start = st.start()
            elif not is_edu and not noexp and (YEARS_RE.search(mt, a, z) or re.search(
                    r"руководящ|предприяти", p, re.I)):
                exp_start = a
            if exp_start is not None:
                rules_here = self.parse_experience(mt, exp_start, z)
                snapshot = tuple(x.level for x in pending)
                alt_of = piece_rules[-1] if (piece_rules and not is_edu and piece_rules[-1]) \
                    else None
                for d in rules_here:
                    d.levels = snapshot
                if alt_of is not None:
                    gid = alt_of[0].group or self.state.new_group()
                    for d in alt_of + rules_here:
                        d.group = gid
                    first = rules_here[0] if rules_here else None
                    for d in alt_of:
                        if d.min_years is None and first is not None:
                            d.min_years, d.max_years = first.min_years, first.max_years
                    for d in rules_here:
                        d.levels = alt_of[0].levels
                elif not is_edu and exempt_seen and not pending:
                    orphan_reason = ("experience alternative follows an education path exempt "
                                     "from experience; which path it applies to is not stated")
                    for d in rules_here:
                        d.review.append(orphan_reason)
                item_rules.extend(rules_here)
            piece_rules.append(rules_here)
        # shared noun: "высшее … педагогическое или иное профессиональное образование по профилю"
        fixed: list[EducationPath] = []
        for k, (path, has_noun, idx) in enumerate(item_paths):
            if not has_noun and path.profile is None:
                nxt = [q for q, _, j in item_paths if j == idx + 1 and q.pedagogical is False]
                if nxt and nxt[0].profile:
                    path = replace(path, profile=nxt[0].profile)
            fixed.append(path)
        extras = self.state.paths[self._paths_before:]
        del self.state.paths[self._paths_before:]
        self.state.paths.extend(sorted(extras + fixed, key=lambda x: x.line))
        # which paths the rules apply to
        all_levels = {x.level for x, _, _ in item_paths}
        for d in item_rules:
            if not d.levels:
                continue
            if exempt_seen or starts_with_or or set(d.levels) != all_levels:
                d.level_stated = True
                fams = {_family(lv) for lv in d.levels}
                if len(fams) > 1 and exempt_seen:
                    d.review.append(
                        "experience follows several education paths (" + ", ".join(
                            sorted(fams)) + ") after an exempt one; which path it applies to is "
                        "ambiguous")
            if starts_with_or:
                d.review.append("experience is stated on an 'или' alternative of the previous "
                                "item; whether it also binds the preceding paths is not stated")
        self.state.rules.extend(item_rules)

    def paths_of_piece(self, a: int, z: int, item_paths: list, idx: int) -> list[EducationPath]:
        """Education paths of one 'или' piece (text a..z, before any 'стаж')."""
        mt_piece = self.masked(self.spans(a))[a:z]
        chunk = mt_piece.replace(_MASK, " ")
        low = chunk.lower()
        raw = self.raw(a, z).replace("\n", " ")
        raw = re.sub(r"\s+", " ", raw)
        line = self.line(a + len(chunk) - len(chunk.lstrip()))
        has_noun = bool(re.search(r"образовани", low))
        profile = None
        qm = PROFILE_QUOTED_RE.search(chunk)
        if qm:
            profile = qm.group("p").strip()
        else:
            pm = PROFILE_PHRASE_RE.search(chunk)
            am = PROFILE_ADJ_RE.search(chunk)
            if am:
                profile = am.group(0)
            elif pm and not re.match(r"по\s+педагогическ", pm.group(0), re.I):
                profile = pm.group(0).strip()
        if re.search(r"не\s+по\s+педагогическ", low):
            ped: bool | None = False
        elif re.search(r"педагогическ", low):
            ped = True
        elif re.search(r"\bин\w*\b", low):
            ped = False
        else:
            ped = None
        admin = self.state.admin
        out: list[EducationPath] = []

        def add(level: str, pedagogical: bool | None = ped) -> None:
            path = EducationPath(level=level, profile=profile, pedagogical=pedagogical, raw=raw,
                                 line=line, admin_level=admin)
            out.append(path)
            item_paths.append((path, has_noun, idx))

        if re.search(r"переподготовк|документ|дополнительн\w+\s+образовани", low) and \
                not re.search(r"высш|послевуз|техническ", low):
            add("pedagogical-retraining")
        elif re.search(r"техническ\w*\s+и\s+профессиональн", low):
            add("tvet")
        elif re.search(r"высш|послевуз", low):
            if re.search(r"высш", low):
                add("higher")
            if re.search(r"послевуз", low):
                add("postgraduate")
        elif re.search(r"профессиональн\w*\s+образован", low):
            prev = [p for p, _, _ in item_paths if p.level in ("higher", "postgraduate")]
            levels = list(dict.fromkeys(p.level for p in prev)) or ["higher"]
            if not re.search(r"\bин\w*\b", low):
                self.note(a, "ambiguous-rule",
                          "'профессиональное образование' without a level; read as the "
                          "preceding level (" + ", ".join(levels) + ")", raw)
            for lv in levels:
                add(lv, False if re.search(r"\bин\w*\b", low) else ped)
        return out

    # ---- experience clauses
    def parse_experience(self, mt: str, a: int, z: int) -> list[_Draft]:
        """Main rules of one experience clause mt[a:z] (urban/rural, в том числе, …)."""
        seg = mt[a:z]
        settle = list(SETTLEMENT_RE.finditer(mt, a, z))
        if settle:
            desc = mt[a:settle[0].start()]
            kind, pos, setting = _kind(desc)
            out = []
            for k, sm in enumerate(settle):
                e = settle[k + 1].start() if k + 1 < len(settle) else z
                d = self.threshold(mt, sm.start(), e, kind, pos, setting)
                d.settlement = "urban" if sm.group("s").lower().startswith("город") else "rural"
                d.raw = self.raw(a, z) if len(settle) == 1 else self.raw(sm.start(), e)
                out.append(d)
            return out
        return [self.threshold(mt, a, z, *(_kind(self.head_of(mt, a, z))))]

    def head_of(self, mt: str, a: int, z: int) -> str:
        m = IN_TOTAL_RE.search(mt, a, z)
        return mt[a:m.start() if m else z]

    def threshold(self, mt: str, a: int, z: int, kind: str, pos: str | None,
                  setting: str | None) -> _Draft:
        """One rule from mt[a:z]: its number, "в том числе"/"из них" nested parts."""
        tm = IN_TOTAL_RE.search(mt, a, z)
        head_end = tm.start() if tm else z
        ym = YEARS_RE.search(mt, a, head_end)
        d = _Draft(_num(ym.group("a")) if ym else None, _num(ym.group("b")) if ym else None,
                   self.raw(a, z), self.line(ym.start() if ym else a), kind=kind,
                   in_position=pos, setting=setting)
        if not tm:
            return d
        tail_a = tm.end()
        rm = RECENT_RE.search(mt, tail_a, z)
        if rm:
            n = _num(rm.group("n")) if rm.group("n") else Decimal(1)
            d.recent_years = n
            # what the recent years are: up to the next sub-clause
            nxt = re.compile(r",\s*(?=стаж|в\s+должности|на\s+руководящ|для\s)|\s+и\s+(?=в\s+должности)",
                             re.I).search(mt, rm.end(), z)
            r_end = nxt.start() if nxt else z
            rk, rp, rs = _kind(mt[rm.end():r_end])
            if rk == "any":
                rk = kind
            sub = _Draft(n, None, self.raw(rm.start(), r_end), self.line(rm.start()),
                         kind=rk, in_position=rp, setting=rs, recent_years=n)
            d.includes.append(sub)
            tail_a = nxt.end() if nxt else z
        # further sub-clauses "стаж в должности … не менее 1 года", "стаж на руководящих …"
        if tail_a < z:
            parts = re.split(r",\s*(?=стаж|в\s+должности|на\s+руководящ)|\s+и\s+(?=в\s+должности)",
                             mt[tail_a:z])
            off = tail_a
            for part in parts:
                pa = mt.find(part, off)
                pz = pa + len(part)
                off = pz
                if not part.strip(" ,.;" + _MASK):
                    continue
                ym2 = YEARS_RE.search(mt, pa, pz)
                sk, sp, ss = _kind(part)
                if ym2 is None and d.min_years is None:
                    continue
                sub = _Draft(_num(ym2.group("a")) if ym2 else None,
                             _num(ym2.group("b")) if ym2 else None, self.raw(pa, pz),
                             self.line(ym2.start() if ym2 else pa), kind=sk, in_position=sp,
                             setting=ss)
                if d.min_years is None and ym2 is not None and not rm:
                    # "стаж педагогической работы, в том числе в системе … не менее 5 лет"
                    d.min_years, d.max_years = sub.min_years, sub.max_years
                    sub.min_years = sub.max_years = None
                    d.line = sub.line
                    d.review.append("the number follows 'в том числе'; whether it bounds the "
                                    "total or the included part is ambiguous")
                d.includes.append(sub)
        return d


class _PointState:
    def __init__(self) -> None:
        self.paths: list[EducationPath] = []
        self.rules: list[_Draft] = []
        self.notes: list[RequirementNote] = []
        self.no_exp = False
        self.admin: str | None = None
        self.group = 0

    def new_group(self) -> int:
        self.group += 1
        return self.group

    def note(self, line: int, kind: str, message: str, quoted: str) -> None:
        n = RequirementNote(line=line, kind=kind, message=message, quoted=quoted)
        if n not in self.notes:
            self.notes.append(n)


def _suspicious(rules: list[ExperienceRule]) -> dict[int, list[str]]:
    """Ladder inversions: index of rule → reasons.

    A rule is suspicious when (same settlement and admin level, overlapping education levels)
    * it is for a lower category than another rule and asks more years, or
    * it is stated for the higher qualification level only and asks more years for the same
      category than a rule that also covers the lower (TVET) level.
    """
    out: dict[int, list[str]] = {}
    ladder = [(i, r) for i, r in enumerate(rules)
              if r.category and r.min_years is not None and r.condition is None]

    def levels(r: ExperienceRule) -> set[str]:
        return {_family(x) for x in r.education_levels} or {"*"}

    def overlap(r1: ExperienceRule, r2: ExperienceRule) -> bool:
        l1, l2 = levels(r1), levels(r2)
        return "*" in l1 or "*" in l2 or bool(l1 & l2)

    for i, r1 in ladder:
        for j, r2 in ladder:
            if i == j or r1.settlement != r2.settlement or r1.admin_level != r2.admin_level:
                continue
            if not overlap(r1, r2):
                continue
            if CATEGORY_RANK[r1.category] < CATEGORY_RANK[r2.category] and \
                    r1.min_years > r2.min_years:
                out.setdefault(i, []).append(
                    f"{r1.category} asks {r1.min_years} years, more than {r2.category} "
                    f"({r2.min_years}, line {r2.line})")
            if r1.category == r2.category and levels(r1) == {"higher"} and \
                    "tvet" in levels(r2) and r1.min_years > r2.min_years:
                out.setdefault(i, []).append(
                    f"{r1.category} with higher education asks {r1.min_years} years, more than "
                    f"the {r2.min_years} asked when TVET also qualifies (line {r2.line})")
    return out


def parse_qualification(items: Sequence[TextItem]) -> QualificationParse:
    """Parse the items of one "Требования к квалификации" point.  Never raises on odd text."""
    state = _PointState()
    frozen: list[ExperienceRule] = []
    for item in items:
        before = len(state.rules)
        try:
            _ItemParser(item, state).parse()
        except Exception as exc:  # pragma: no cover - defensive: report, do not fail
            del state.rules[before:]
            state.note(item.line, "glitch", f"requirement text not parsed ({type(exc).__name__})",
                       item.text[:120])
            continue
        for d in state.rules[before:]:
            frozen.append(d.freeze(state.admin))
        del state.rules[before:]
    # suspicious ladders
    sus = _suspicious(frozen)
    for i, reasons in sorted(sus.items()):
        r = frozen[i]
        msg = "suspicious threshold: " + "; ".join(dict.fromkeys(reasons))
        frozen[i] = replace(r, needs_review=True,
                            review_reason="; ".join(x for x in (r.review_reason, msg) if x))
        state.note(r.line, "suspicious-rule", msg, r.raw)
    for r in frozen:
        if r.needs_review and r.review_reason and not r.review_reason.startswith("suspicious"):
            state.note(r.line, "ambiguous-rule", r.review_reason.split("; suspicious")[0], r.raw)
    return QualificationParse(education=tuple(state.paths), experience=tuple(frozen),
                              notes=tuple(sorted(state.notes, key=lambda n: n.line)),
                              no_experience_required=state.no_exp)
