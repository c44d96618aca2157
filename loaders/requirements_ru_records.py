"""The records of a parsed "Требования к квалификации" point (:mod:`loaders.requirements_ru`).

The closed vocabularies (levels, kinds of experience, categories) are the slugs of ``kzcode:``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable

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


def level_family(level: str) -> str:
    return "higher" if level in ("higher", "postgraduate") else level


def single_level(levels: Iterable[str]) -> str | None:
    fams = {level_family(lv) for lv in levels}
    return fams.pop() if len(fams) == 1 else None


@dataclass
class DraftRule:
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
    includes: list["DraftRule"] = field(default_factory=list)
    group: int | None = None
    levels: tuple[str, ...] = ()
    level_stated: bool = False
    review: list[str] = field(default_factory=list)
    condition: str | None = None

    def freeze(self, admin: str | None) -> ExperienceRule:
        levels = tuple(dict.fromkeys(self.levels)) if self.level_stated else ()
        return ExperienceRule(
            min_years=self.min_years, max_years=self.max_years, settlement=self.settlement,
            education_level=single_level(levels) if levels else None, admin_level=admin,
            kind=self.kind, in_position=self.in_position, recent_years=self.recent_years,
            category=self.category, alternative_group=self.group,
            includes=tuple(d.freeze(admin) for d in self.includes),
            needs_review=bool(self.review), review_reason="; ".join(self.review) or None,
            raw=self.raw, line=self.line, education_levels=levels, setting=self.setting,
            condition=self.condition)
