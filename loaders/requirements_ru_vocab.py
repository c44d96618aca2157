"""The phrases of the Russian requirement language: number words, patterns, kinds of experience.

Everything here is a pattern of the document's language (``docs/sources.md`` §1.6), never a list of
its positions or lines.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

#: length-preserving normalisation: dashes, ё, NBSP
NORMALISE = str.maketrans({"–": "-", "—": "-", "‑": "-", "ё": "е", "Ё": "Е", "\u00a0": " ",
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
CATEGORY_CODE = {"модератор": "moderator", "эксперт": "expert", "исследовател": "researcher",
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

MASK = "\ue000"

# tolerant spellings → the canonical word (typo notes)
TYPOS = [
    (re.compile(r"предьявлени\w*", re.I), "предъявления"),
    (re.compile(r"предъявлений(?=\s+требований)", re.I), "предъявления"),
    (re.compile(r"среденего", re.I), "среднего"),
    (re.compile(r"соответствующе(?=\s)", re.I), "соответствующей"),
]


# --------------------------------------------------------------------------------------------
# helpers

def parse_number(s: str | None) -> Decimal | None:
    if s is None:
        return None
    low = s.lower()
    if low in NUMBER_WORDS:
        return Decimal(NUMBER_WORDS[low])
    return Decimal(s.replace(",", "."))


def paren_depth(text: str, pos: int) -> int:
    return text.count("(", 0, pos) - text.count(")", 0, pos)


def in_quotes(text: str, pos: int) -> bool:
    return text.count('"', 0, pos) % 2 == 1


def levels_from_condition(what: str) -> tuple[str, ...]:
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


@dataclass
class MaskedSpan:
    start: int
    end: int
    kind: str            # noexp|degree|retrain|cert|norights|officer
    match: re.Match


# --------------------------------------------------------------------------------------------
# kind of experience

_SETTING_RE = re.compile(
    r"\b(?:в|на)\s+(?P<s>(?:системе|сфере|дошкольн\w+|организаци\w*|предприяти\w*)\b.*?)"
    r"(?=\s+не\s+менее|\s+для\s|\s*:|;|$|\s+или\s|\s*,\s*(?:в\s+том|из\s+них|стаж|для)"
    r"|\s+\d|\s+(?:" + "|".join(NUMBER_WORDS) + r")\s)", re.I)
_POSITION_RE = re.compile(
    r"\b(?:в|на)\s+должности\s+(?P<p>.*?)(?=\s*:|\s+для\s|\s+не\s+менее|;|$|\s+-\s)", re.I)


def experience_kind(desc: str) -> tuple[str, str | None, str | None]:
    """(kind, in_position, setting) of an experience phrase."""
    setting = None
    for m in _SETTING_RE.finditer(desc):
        if paren_depth(desc, m.start()) > 0:
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
