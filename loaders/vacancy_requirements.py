"""The requirement blocks of a vacancy announcement: education paths, experience, category levels.

The Russian qualification text is read by the shared parser of the regulation
(:mod:`loaders.requirements_ru`) when it is installed; the patterns here read the Kazakh text and
are the fallback for the Russian one.
"""
from __future__ import annotations

import re
from decimal import Decimal

from loaders.base import TextItem
from loaders.vacancy_records import EducationClaim, ExperienceClaim, LevelClaim

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


def education_claims(items: list[TextItem], lang: str) -> list[EducationClaim]:
    """The education paths of a requirements block (the shared Russian parser first for "ru")."""
    return (_education_via_requirements_ru(items) if lang == "ru" else None) or parse_education(items)


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
