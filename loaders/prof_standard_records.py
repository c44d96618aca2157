"""The records the professional standard «Педагог» is parsed into (:mod:`loaders.prof_standard`).

Anomalies are :class:`Note` records, which the RDF step turns into ``kzo:DataQualityNote``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from loaders.base import LoaderWarning


@dataclass(frozen=True)
class Note:
    """A source anomaly: `about` is a path below the standard's IRI ("" = the standard itself)."""

    line: int
    kind: str        # typo | glitch | copy-paste | broken-reference (kzcode:note-kind)
    about: str
    comment: str     # English
    quoted: str = ""


@dataclass(frozen=True)
class OrderMeta:
    number: str
    date: dt.date
    date_text: str             # as printed, spaced: "2022 жылғы 15 желтоқсандағы"
    line: int                  # the approval stamp ("…№ 500 бұйрығыменбекітілген")
    signatory: str
    signatory_line: int
    basis_article: str         # "117"
    basis_point: str           # "2-1)"
    basis_line: int
    repeals_number: str
    repeals_date: dt.date
    repeals_registration: str
    repeals_title: str
    repeals_line: int
    agreed_with: str
    agreed_line: int
    title: str                 # «"Педагог" кәсіптік стандарты»
    title_line: int


@dataclass(frozen=True)
class Chapter:
    number: int
    title: str
    line: int


@dataclass(frozen=True)
class ListedProfession:
    """One entry of §11 (the list of professions): appendix and СБШ levels as stated there."""

    number: int
    appendix: int
    title: str
    levels: str
    line: int


@dataclass(frozen=True)
class Indicator:
    code: str
    text: str                  # as printed (homoglyphs kept)
    line: int
    cefr_level: str | None = None   # normalised (Latin) CEFR level mentioned, e.g. "C1"


@dataclass(frozen=True)
class Criterion:
    code: str
    title: str
    line: int
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Competence:
    key: str                   # the criteria's prefix ("3"), not the printed number
    printed_number: str        # as printed ("1.3")
    title: str
    description: str
    raw: str
    line: int
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class GroupRow:
    key: str
    text: str
    line: int


@dataclass(frozen=True)
class MergedRow:
    """App. 2's one-cell row running several criteria together (no per-category cells)."""

    line: int
    raw: str
    items: tuple[tuple[str, str], ...]   # (code, title)


@dataclass(frozen=True)
class Descriptor:
    criterion: str
    category: str              # slug in kzcode:category
    category_label: str        # column header as printed
    text: str
    line: int


@dataclass(frozen=True)
class CriterionRow:
    code: str
    title: str
    line: int
    descriptors: tuple[Descriptor, ...]


@dataclass(frozen=True)
class CategoryTable:
    header_line: int
    categories: tuple[tuple[str, str], ...]   # (slug, label as printed)
    groups: tuple[GroupRow, ...]
    merged: tuple[MergedRow, ...]
    rows: tuple[CriterionRow, ...]


@dataclass(frozen=True)
class ListItem:
    number: int | None         # as printed (None when unnumbered)
    text: str
    line: int


@dataclass
class Task:
    number: int | None
    title: str
    line: int
    knowledge: list[ListItem] = field(default_factory=list)
    skills: list[ListItem] = field(default_factory=list)


@dataclass
class LabourFunction:
    number: int
    title: str
    raw: str
    line: int
    tasks: list[Task] = field(default_factory=list)


@dataclass(frozen=True)
class RelatedOccupation:
    code: str                  # normalised (hyphen-minus, no spaces)
    printed: str
    title: str
    line: int


@dataclass(frozen=True)
class EducationRef:
    family: str                # tvet-specialty | applied-bachelor-specialty | tvet-qualification |
    #                            applied-bachelor-qualification | higher-group | higher-specialty-legacy
    code: str                  # normalised (Latin letters, no spaces)
    printed: str
    title: str
    line: int


@dataclass
class Card:
    appendix: int
    title: str
    line: int
    end_line: int = 0
    code: str = ""             # «Код» as printed
    code_line: int = 0
    group_code: str = ""       # «Топ коды» as printed
    group_code_line: int = 0
    profession: str = ""
    profession_line: int = 0
    aliases: tuple[str, ...] = ()
    aliases_line: int = 0
    level: str = ""
    level_line: int = 0
    purpose: str = ""
    purpose_line: int = 0
    main_functions: list[ListItem] = field(default_factory=list)
    additional_functions: list[ListItem] = field(default_factory=list)
    functions: list[LabourFunction] = field(default_factory=list)
    personal: str = ""
    personal_line: int = 0
    related: list[RelatedOccupation] = field(default_factory=list)
    handbooks: str | None = None
    handbooks_line: int = 0
    education_levels: str = ""
    education_line: int = 0
    education: list[EducationRef] = field(default_factory=list)
    education_free_text: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Stable key (appendix, СБШ level), e.g. "app4-level-6-7"."""
        return f"app{self.appendix}-level-{self.level}"


@dataclass
class ProfStandard:
    order: OrderMeta
    chapters: list[Chapter]
    professions: list[ListedProfession]
    competences: list[Competence]
    categories: CategoryTable
    cards: list[Card]
    notes: list[Note] = field(default_factory=list)
    warnings: list[LoaderWarning] = field(default_factory=list)
    line_count: int = 0
