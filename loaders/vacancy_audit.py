"""Compare a vacancy announcement with the regulation of the position it is for.

Every difference between what the announcement says and what the regulation says becomes a
:class:`Deviation` with both texts and both lines.  The announcement's claims are never taken for
the regulation's: a threshold printed in the vacancy is a claim of the vacancy.

The position is found by :mod:`loaders.vacancy_match`, duty lists are compared with
:mod:`loaders.vacancy_similarity`, the report is rendered by :mod:`loaders.vacancy_audit_render`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from loaders.base import TextItem
from loaders.vacancy_audit_render import render_audit
from loaders.vacancy_match import (PositionMatch, match_by_duties, match_by_points, match_position, positions_of,
                                   regulation_duties)
from loaders.vacancy_records import VacancyDoc, VacancyVersion
from loaders.vacancy_similarity import align, sentences, similarity

#: what callers import from here (the CLI, the RDF step, the tests)
__all__ = ["AuditReport", "Deviation", "audit", "match_by_duties", "match_by_points", "match_position",
           "render_audit"]

#: concepts whose presence on one side only changes who or what a duty is about
SALIENT = frozenset({"learner", "teacher", "specialist", "subject", "form-object", "family"})

SEVERITY = {
    "requirement-meaning-reversed": "high", "experience-threshold-differs": "high",
    "category-rights-differ": "high", "experience-kind-differs": "medium",
    "experience-level-differs": "medium", "education-path-added": "medium",
    "education-path-removed": "medium", "duty-added": "medium", "duty-removed": "medium",
    "duty-changed": "medium", "duty-moved": "low", "act-missing": "medium", "act-added": "medium",
    "act-name-hybrid": "medium", "knowledge-added": "low", "knowledge-removed": "low",
    "category-chain-differs": "medium", "category-level-missing": "medium",
    "competencies-omitted": "medium", "regulation-anomaly-copied": "info",
}


@dataclass(frozen=True)
class Deviation:
    kind: str
    severity: str
    lang: str                        # the language version it was found in
    comment: str                     # English explanation (the ru/kk texts come from templates)
    vacancy_text: str | None = None
    vacancy_line: int | None = None
    regulation_text: str | None = None
    regulation_line: int | None = None
    details: tuple[tuple[str, str], ...] = ()


@dataclass
class AuditReport:
    file: str
    stem: str
    match: PositionMatch | None
    deviations: list[Deviation] = field(default_factory=list)

    @property
    def position(self):
        return self.match.position if self.match else None

    def of_kind(self, kind: str, lang: str | None = None) -> list[Deviation]:
        return [d for d in self.deviations if d.kind == kind and (lang is None or d.lang == lang)]


def _dev(kind: str, lang: str, comment: str, vac: tuple[str | None, int | None] = (None, None),
         reg: tuple[str | None, int | None] = (None, None), **details: object) -> Deviation:
    return Deviation(kind, SEVERITY.get(kind, "low"), lang, comment, vac[0], vac[1], reg[0], reg[1],
                     tuple((k, str(v)) for k, v in details.items()))


def audit(doc: VacancyDoc, positions_2020, registry=None, match: PositionMatch | None = None
          ) -> AuditReport:
    """Every deviation of each language version from the regulation of the matched position."""
    match = match or match_position(doc, positions_2020)
    report = AuditReport(doc.file, doc.stem, match)
    if match is None:
        return report
    pos = match.position
    for v in doc.versions:
        report.deviations += _duties(v, pos)
        report.deviations += _knowledge(v, pos, registry, positions_2020)
        report.deviations += _requirements(v, pos)
        report.deviations += _levels(v, pos)
        report.deviations += _copied_anomalies(v, pos)
    return report


# -- duties -----------------------------------------------------------------------------------

def _duties(v: VacancyVersion, pos) -> list[Deviation]:
    if not v.duties:
        return []
    mine, theirs = sentences(v.duties.items, v.lang), regulation_duties(pos)
    pairs = align(mine, theirs)
    left = [i for i, j, _ in pairs if j is None]
    right = [j for i, j, _ in pairs if i is None]
    moved: list[tuple[int, int]] = []
    for i in list(left):
        best = max(right, key=lambda j: similarity(mine[i], theirs[j]), default=None)
        if best is not None and similarity(mine[i], theirs[best]) >= 0.45:
            moved.append((i, best))
            left.remove(i)
            right.remove(best)
    out: list[Deviation] = []
    matched = [(i, j) for i, j, _ in pairs if i is not None and j is not None] + moved
    for i, j in sorted(matched):
        a, b = mine[i], theirs[j]
        vac, reg = (a.text, a.line), (b.text, b.line)
        if (i, j) in moved:
            out.append(_dev("duty-moved", v.lang, f"the duty is printed out of the regulation's order "
                            f"(regulation duty {j + 1}, announcement duty {i + 1})", vac, reg))
        if a.lang == b.lang:
            if _norm(a.text) != _norm(b.text) and similarity(a, b) < 0.999:
                out.append(_dev("duty-changed", v.lang, "the duty's wording differs from the regulation",
                                vac, reg))
            continue
        extra, missing = (a.concepts - b.concepts) & SALIENT, (b.concepts - a.concepts) & SALIENT
        if extra or missing:
            out.append(_dev("duty-changed", v.lang,
                            f"the duty concerns {', '.join(sorted(extra)) or 'nobody new'} where the "
                            f"regulation says {', '.join(sorted(missing)) or 'nothing of the kind'}",
                            vac, reg, added=",".join(sorted(extra)), removed=",".join(sorted(missing))))
    for i in left:
        out.append(_dev("duty-added", v.lang, "a duty with no counterpart in the regulation",
                        (mine[i].text, mine[i].line)))
    for j in right:
        out.append(_dev("duty-removed", v.lang, "a duty of the regulation the announcement leaves out",
                        reg=(theirs[j].text, theirs[j].line)))
    return out


def _norm(text: str) -> str:
    text = text.replace("«", '"').replace("»", '"').replace("–", "-").lower()
    return re.sub(r"\s+", " ", re.sub(r"\s*-\s*", "-", text)).strip(" .;")


# -- knowledge: acts and topics ---------------------------------------------------------------

#: knowledge topics (not acts) and how each language names them
TOPICS: dict[str, tuple[str, str]] = {
    "age psychology": (r"возрастн\w*\s+(?:и\s+\w+\s+)?психолог", r"жас\s+(?:және\s+\w+\s+)?психолог"),
    "special psychology": (r"специальн\w*\s+психолог", r"арнайы\s+психолог"),
    "psychodiagnostics": (r"психодиагност", r"психодиагност"),
    "prevention and correction of behaviour": (r"коррекци\w*\s+поведени|поведени\w*\s+.{0,30}коррекц",
                                               r"мінез-құлқ\w*\s+.{0,30}түзету"),
    "innovative technologies": (r"инновационн\w*\s+(?:\S+\s+)?технолог", r"инновациялық\s+(?:\S+\s+)?технолог"),
    "interactive methods": (r"интерактивн", r"интерактивті"),
    "pedagogical ethics": (r"педагогическ\w*\s+этик", r"педагогикалық\s+этика"),
    "labour legislation": (r"законодательств\w*\s+о\s+труде|трудов\w*\s+законодательств",
                           r"еңбек\s+заңнама"),
    "basics of pedagogy and psychology": (r"основ\w*\s+педагогики\s+и\s+психологии",
                                          r"педагогика\s+және\s+психология\s+негіз"),
    "occupational safety rules": (r"охран\w*\s+труда|безопасности\s+и\s+охран",
                                  r"еңбекті\s+қорғау|еңбек\s+қауіпсіздігі"),
    "fire safety": (r"пожарн", r"өрт"),
    "sanitary rules": (r"санитарн", r"санитар"),
    "methodological recommendations": (r"методическ\w*\s+рекомендац", r"әдістемелік\s+ұсыным"),
    "internal labour regulations": (r"внутренн\w*\s+трудов\w*\s+распоряд", r"ішкі\s+еңбек\s+тәртіб"),
    "methods of upbringing": (r"методик\w*\s+воспитательн", r"тәрбие\s+жұмысының\s+әдістеме"),
    "modern pedagogical technologies": (r"современн\w*\s+педагогическ\w*\s+технолог",
                                        r"заманауи\s+педагогикалық\s+технолог"),
    "competence approach": (r"компетентностн", r"құзыреттілік\s+тәсіл"),
    "conflict resolution": (r"конфликтн", r"жанжал"),
    "state, sectoral and regional acts": (r"отраслев\w*\s+и\s+региональн", r"салалық\s+және\s+өңірлік"),
}

#: act names a language version prints that mix two different acts' names
HYBRID_NAMES = [
    (r"жемқорлыққа\s+қарсы\s+күрес", "«Сыбайлас жемқорлыққа қарсы күрес туралы» mixes «Сыбайлас "
     "жемқорлыққа қарсы іс-қимыл туралы» (О противодействии коррупции, 2015) with «Сыбайлас "
     "жемқорлықпен күрес туралы» (О борьбе с коррупцией), two different acts"),
    (r"противодействи\w*\s+борьб|борьб\w*\s+с\s+противодейств", "mixes «О противодействии коррупции» "
     "with «О борьбе с коррупцией»"),
]


def _law_text(items: list[TextItem]) -> TextItem | None:
    """The item of a knowledge list that names the acts (it holds the Constitution)."""
    return next((it for it in items if re.search(r"Конституци", it.text)), items[0] if items else None)


def _topics(text: str, lang: str) -> set[str]:
    k = 0 if lang == "ru" else 1
    return {name for name, pats in TOPICS.items() if re.search(pats[k], text, re.IGNORECASE)}


def _act_label(registry, key: str, lang: str) -> str:
    try:
        entry = registry.get(key)
        return entry.name(lang) or entry.name("ru") or key
    except Exception:  # noqa: BLE001 - a key the registry does not know is shown as is
        return key


def _knowledge(v: VacancyVersion, pos, registry, positions_2020) -> list[Deviation]:
    out: list[Deviation] = []
    point = pos.points.get("knowledge")
    if not v.knowledge or point is None:
        return out
    mine_law, reg_law = _law_text(v.knowledge.items), _law_text(list(point.items))
    if registry is not None and mine_law and reg_law:
        mine = {m.key: m for m in registry.match(mine_law.text, lang=v.lang)}
        theirs = {m.key: m for m in registry.match(reg_law.text, lang="ru")}
        for key in [k for k in theirs if k not in mine]:
            out.append(_dev("act-missing", v.lang, f"the regulation asks knowledge of "
                            f"{_act_label(registry, key, 'en')} ({key}); the announcement omits it",
                            (mine_law.text, mine_law.line), (reg_law.text, reg_law.line), act=key))
        for key in [k for k in mine if k not in theirs]:
            out.append(_dev("act-added", v.lang, f"the announcement names {_act_label(registry, key, 'en')} "
                            f"({key}), which the regulation's list for this position does not",
                            (mine[key].evidence, mine_law.line), (reg_law.text, reg_law.line), act=key))
    if mine_law:
        for pattern, why in HYBRID_NAMES:
            m = re.search(pattern, mine_law.text, re.IGNORECASE)
            if m:
                out.append(_dev("act-name-hybrid", v.lang, why, (m.group(0), _line_in(mine_law, m.group(0))),
                                (reg_law.text, reg_law.line) if reg_law else (None, None)))
    reg_text = " ".join(it.text for it in point.items)
    reg_topics = _topics(reg_text, "ru")
    everywhere = " ".join(it.text for p in positions_of(positions_2020)
                          for it in (p.points["knowledge"].items if "knowledge" in p.points else ()))
    seen: set[str] = set()
    for item in v.knowledge.items:
        for topic in sorted(_topics(item.text, v.lang) - reg_topics - seen):
            seen.add(topic)
            nowhere = not re.search(TOPICS[topic][0], everywhere, re.IGNORECASE)
            out.append(_dev("knowledge-added", v.lang,
                            f"knowledge of {topic} is asked, which the regulation does not ask of this "
                            f"position" + ("; no position of the 2020 text asks it" if nowhere else ""),
                            (item.text, item.line), (reg_text, point.header_line), topic=topic,
                            in_no_position=nowhere))
    mine_topics = set().union(*(_topics(it.text, v.lang) for it in v.knowledge.items))
    for topic in sorted(reg_topics - mine_topics):
        out.append(_dev("knowledge-removed", v.lang, f"the regulation asks knowledge of {topic}; the "
                        f"announcement omits it", reg=(reg_text, point.header_line), topic=topic))
    return out


def _line_in(item: TextItem, fragment: str) -> int:
    """The physical line of a fragment inside an item's raw lines (whitespace-insensitive)."""
    words = fragment.split()
    for k, line in enumerate(item.raw.split("\n")):
        if words and words[0] in line and (len(words) == 1 or words[1] in line or k == len(item.raw.split("\n")) - 1):
            return item.line + k
    return item.line


# -- requirements -----------------------------------------------------------------------------

def _regulation_requirements(pos):
    from loaders.requirements_ru import parse_qualification  # noqa: PLC0415
    point = pos.points.get("qualification")
    return parse_qualification(list(point.items)) if point else None


def _years(value) -> str:
    return f"{Decimal(value).normalize():f}"


def _requirements(v: VacancyVersion, pos) -> list[Deviation]:
    out: list[Deviation] = []
    reg = _regulation_requirements(pos)
    if reg is None or v.qualification is None:
        return out
    line0 = pos.points["qualification"].header_line
    reg_by_cat: dict[str | None, list] = {}
    for rule in reg.experience:
        if rule.min_years is not None and rule.condition is None:
            reg_by_cat.setdefault(rule.category, []).append(rule)
    reg_base = Decimal(0) if reg.no_experience_required and None not in reg_by_cat else \
        min((Decimal(r.min_years) for r in reg_by_cat.get(None, [])), default=None)
    mine_by_cat: dict[str | None, list] = {}
    for claim in v.experience:
        mine_by_cat.setdefault(claim.category, []).append(claim)
    mine_base = min((c.min_years for c in mine_by_cat.get(None, [])), default=None)
    grouped: dict[tuple, list] = {}
    if mine_base is not None and reg_base is not None and mine_base != reg_base:
        c, r = mine_by_cat[None][0], (reg_by_cat.get(None) or [None])[0]
        out.append(_dev("experience-threshold-differs", v.lang,
                        f"base requirement: the announcement asks {_years(mine_base)} years "
                        f"({'none' if mine_base == 0 else 'minimum'}), the regulation {_years(reg_base)}",
                        (c.text, c.line), (r.raw, r.line) if r else (None, line0),
                        category="base", vacancy_years=_years(mine_base), regulation_years=_years(reg_base)))
    for cat in [c for c in ("pedagog", "moderator", "expert", "researcher", "master")]:
        mine, theirs = mine_by_cat.get(cat), reg_by_cat.get(cat)
        if not mine and not theirs:
            continue
        if mine and theirs:
            a, b = min(c.min_years for c in mine), min(Decimal(r.min_years) for r in theirs)
            ca, rb = mine[0], theirs[0]
            if a != b:
                out.append(_dev("experience-threshold-differs", v.lang,
                                f"{cat}: the announcement asks {_years(a)} years, the regulation {_years(b)}",
                                (ca.text, ca.line), (rb.raw, rb.line), category=cat,
                                vacancy_years=_years(a), regulation_years=_years(b)))
            if ca.kind and rb.kind and ca.kind != rb.kind and "any" not in (ca.kind, rb.kind):
                grouped.setdefault(("experience-kind-differs", ca.line, ca.kind, rb.kind),
                                   [ca, rb, []])[2].append(cat)
            la = "/".join(sorted(ca.education_levels))
            lb = "/".join(sorted(rb.education_levels or ((rb.education_level,) if rb.education_level else ())))
            if la and lb and la != lb:
                grouped.setdefault(("experience-level-differs", ca.line, la, lb), [ca, rb, []])[2].append(cat)
        elif theirs:
            out.append(_dev("experience-threshold-differs", v.lang, f"{cat}: the regulation asks "
                            f"{_years(theirs[0].min_years)} years; the announcement states no threshold",
                            reg=(theirs[0].raw, theirs[0].line), category=cat))
        else:
            out.append(_dev("experience-threshold-differs", v.lang, f"{cat}: the announcement asks "
                            f"{_years(mine[0].min_years)} years; the regulation states no threshold",
                            (mine[0].text, mine[0].line), category=cat))
    for (kind, _, mine_v, reg_v), (ca, rb, cats) in grouped.items():
        what = "counts {} experience, the regulation {} experience" if kind == "experience-kind-differs" \
            else "applies the thresholds to qualification level(s) {}, the regulation to {}"
        out.append(_dev(kind, v.lang, f"{', '.join(cats)}: the announcement " + what.format(mine_v, reg_v),
                        (ca.text, ca.line), (rb.raw, rb.line), categories=",".join(cats),
                        vacancy_value=mine_v, regulation_value=reg_v))
    out += _education(v, reg, line0)
    return out


def _education(v: VacancyVersion, reg, line0: int) -> list[Deviation]:
    out: list[Deviation] = []
    reg_paths = [p for p in reg.education if not p.additional]
    reg_levels = {p.level for p in reg.education}
    for claim in v.education:
        base = [lv for lv in claim.levels if lv != "course-certificate"] or list(claim.levels)
        same = [p for p in reg_paths if p.level in base]
        siblings = [c for c in v.education if c is not claim and set(c.levels) & set(base)]
        if claim.pedagogical is not None and same and \
                all(p.pedagogical != claim.pedagogical for p in same if p.pedagogical is not None) and \
                any(p.pedagogical is not None for p in same) and \
                not any(c.pedagogical == (not claim.pedagogical) for c in siblings):
            other = next(p for p in same if p.pedagogical is not None)
            out.append(_dev("requirement-meaning-reversed", v.lang,
                            "the announcement's path is " + ("pedagogical" if claim.pedagogical else
                                                             "non-pedagogical") +
                            " where the regulation's same path is " +
                            ("pedagogical" if other.pedagogical else "non-pedagogical"),
                            (claim.text, claim.line), (other.raw, other.line)))
        if claim.assigned_category or claim.grants_category_rights is not None:
            denied = [p for p in reg.education if p.grants_category_rights is False]
            if claim.assigned_category and denied:
                out.append(_dev("category-rights-differ", v.lang,
                                f"the announcement gives this path the category «{claim.assigned_category}» "
                                f"where the regulation says the candidate claims no category",
                                (claim.text, claim.line), (denied[0].raw, denied[0].line)))
        if claim.pedagogical is False and same and all(p.pedagogical for p in same) and \
                any(c.pedagogical for c in siblings):
            out.append(_dev("education-path-added", v.lang,
                            "the announcement also accepts non-pedagogical education at a level where the "
                            "regulation asks pedagogical education only", (claim.text, claim.line),
                            (same[0].raw, same[0].line), level=",".join(base)))
        for level in base:
            if level not in reg_levels:
                out.append(_dev("education-path-added", v.lang,
                                f"the announcement accepts {level} education, which the regulation's "
                                f"requirements for this position do not", (claim.text, claim.line),
                                (None, line0), level=level))
    mine_levels = {lv for c in v.education for lv in c.levels}
    for p in reg_paths:
        if p.level not in mine_levels:
            out.append(_dev("education-path-removed", v.lang, f"the regulation accepts {p.level} "
                            f"education; the announcement does not mention it", reg=(p.raw, p.line)))
    return out


# -- categories -------------------------------------------------------------------------------

def _levels(v: VacancyVersion, pos) -> list[Deviation]:
    out: list[Deviation] = []
    reg_levels = list(getattr(pos, "levels", ()))
    if not reg_levels:
        return out
    if not v.levels:
        point = pos.points.get("competencies")
        out.append(_dev("competencies-omitted", v.lang,
                        f"the regulation defines competencies per category (point "
                        f"{point.number if point else '?'}); the announcement prints none",
                        reg=(f"{len(reg_levels)} levels", point.header_line if point else None)))
        return out
    by_number = {lv.number: lv for lv in reg_levels if lv.number is not None}
    for mine in v.levels:
        theirs = by_number.get(mine.number)
        if theirs is None:
            continue
        if mine.category != theirs.category:
            out.append(_dev("category-chain-differs", v.lang,
                            f"level {mine.number} is «{mine.label}» ({mine.category}) in the announcement "
                            f"and «{theirs.label}» ({theirs.category}) in the regulation",
                            (mine.label, mine.line), (theirs.label, theirs.line), level=mine.number))
        if (mine.refers_to or None) != (theirs.refers_to or None) and (mine.refers_to_text or theirs.refers_to_text):
            out.append(_dev("category-chain-differs", v.lang,
                            f"level {mine.number} builds on «{mine.refers_to_text}» "
                            f"({mine.refers_to or 'no category'}) in the announcement and on "
                            f"«{theirs.refers_to_text}» ({theirs.refers_to or 'no category'}) in the regulation",
                            (mine.refers_to_text, mine.line), (theirs.refers_to_text, theirs.line),
                            level=mine.number))
    numbers = {lv.number for lv in v.levels}
    for theirs in reg_levels:
        if theirs.number is not None and theirs.number not in numbers:
            out.append(_dev("category-level-missing", v.lang, f"the regulation's level {theirs.number} "
                            f"«{theirs.label}» is not in the announcement", reg=(theirs.label, theirs.line)))
    return out


# -- the regulation's own anomalies, copied ----------------------------------------------------

def _copied_anomalies(v: VacancyVersion, pos) -> list[Deviation]:
    """Anomalies of the regulation the announcement carries over (they are not the vacancy's
    deviations, but a reader of the announcement inherits them)."""
    out: list[Deviation] = []
    levels = list(getattr(pos, "levels", ()))
    if v.levels and levels:
        cats = [lv.category for lv in levels]
        mine = {lv.number: lv for lv in v.levels}
        for k, lv in enumerate(levels):
            same = mine.get(lv.number)
            if same is None or same.category != lv.category:
                continue
            if lv.category is not None and cats.count(lv.category) > 1 and cats.index(lv.category) != k:
                out.append(_dev("regulation-anomaly-copied", v.lang,
                                f"level {lv.number} is labelled «{lv.label}» a second time (a category "
                                f"label printed where the next category is meant), copied from the regulation",
                                (same.label, same.line), (lv.label, lv.line), anomaly="category-mislabel"))
            if lv.refers_to_text and lv.refers_to is None and same.refers_to is None and same.refers_to_text:
                out.append(_dev("regulation-anomaly-copied", v.lang,
                                f"level {lv.number} builds on «{lv.refers_to_text}», which is not a "
                                f"category; copied from the regulation", (same.refers_to_text, same.line),
                                (lv.refers_to_text, lv.line), anomaly="broken-reference"))
        has_master = any(lv.category == "master" for lv in levels)
        for d in v.documents:
            if not has_master and re.search(r"мастер|шебер", d.text, re.IGNORECASE):
                out.append(_dev("regulation-anomaly-copied", v.lang,
                                "the documents list names the master category, which the regulation "
                                "defines no level for in this position", (d.text, d.line),
                                anomaly="missing-level"))
    if v.lang == "ru":
        out += _copied_typos(v, pos)
    return out


def _copied_typos(v: VacancyVersion, pos) -> list[Deviation]:
    import yaml  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415
    path = Path(__file__).resolve().parents[1] / "data" / "reference" / "typos-ru.yaml"
    if not path.exists():
        return []
    typos = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    reg_items = [it for p in pos.points.values() for it in p.items]
    out = []
    for point in (v.duties, v.knowledge, v.qualification, v.competencies):
        for item in (point.items if point else ()):
            for t in typos:
                if re.search(rf"(?<!\w){re.escape(t['wrong'])}(?!\w)", item.text):
                    reg = next((r for r in reg_items if t["wrong"] in r.text), None)
                    if reg is not None:
                        out.append(_dev("regulation-anomaly-copied", v.lang,
                                        f"«{t['wrong']}» for «{t['right']}», copied from the regulation",
                                        (t["wrong"], _line_in(item, t["wrong"])), (t["wrong"], reg.line),
                                        anomaly="typo"))
    return out
