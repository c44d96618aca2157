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

from dataclasses import replace
from typing import Sequence

from .base import TextItem
from .requirements_ru_items import ItemParser
from .requirements_ru_records import (CATEGORY_RANK, EDUCATION_LEVELS, EXPERIENCE_KINDS, DraftRule, EducationPath,
                                      ExperienceRule, QualificationParse, RequirementNote, level_family)

#: what callers import from here besides the parser (the tests)
__all__ = ["EDUCATION_LEVELS", "EXPERIENCE_KINDS", "QualificationParse", "parse_qualification"]


class PointState:
    """What the items of one point share: the paths and rules found so far, the notes, the
    administrative level a level header set, and the numbering of "или" groups."""

    def __init__(self) -> None:
        self.paths: list[EducationPath] = []
        self.rules: list[DraftRule] = []
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
        return {level_family(x) for x in r.education_levels} or {"*"}

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
    state = PointState()
    frozen: list[ExperienceRule] = []
    for item in items:
        before = len(state.rules)
        try:
            ItemParser(item, state).parse()
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
