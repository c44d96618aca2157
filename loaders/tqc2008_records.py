"""The records the 2008 characteristics are parsed into (:mod:`loaders.tqc2008`).

Every record keeps the lines it was read from (a :class:`~loaders.base.TextItem` or a line number).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .base import LoaderWarning, TextItem

SOURCE_FILE = "tqc-2008-kk.txt"


@dataclass(frozen=True)
class EditorialNote:
    """«Ескерту. …»: amendment metadata, never a duty."""

    item: TextItem
    amending_order: str | None   # "128"
    amending_date: str | None    # "20.03.2009" as printed
    replaced_terms: tuple[str, ...] = ()   # quoted old terms of a "… деген сөздер … ауыстырылды" note
    replacement: str | None = None


@dataclass(frozen=True)
class Section:
    number: int
    heading: str
    line: int
    end_line: int
    org_type: str | None          # None when the heading names several kinds of organisation
    notes: tuple[EditorialNote, ...] = ()
    glued_tail_line: int | None = None   # heading tail printed on the first title's line


@dataclass(frozen=True)
class Duty:
    item: TextItem
    group: str | None = None      # «Ғылыми-әдістемелік қызметі» etc.


@dataclass(frozen=True)
class KnowledgeArea:
    key: str
    text: str                     # normalised wording
    line: int


@dataclass(frozen=True)
class Experience:
    years: Decimal
    kinds: tuple[str, ...]        # kzcode:experience-kind slugs, all of which apply ("any" if none)
    text: str                     # the phrase as printed (joined)
    line: int
    group: int = 1                # experiences with the same group are alternatives ("немесе")
    in_position: str | None = None
    inner: "Experience | None" = None     # "оның ішінде …"
    education_level: str | None = None    # the education path it belongs to ("… өтілі бар … білім")

    @property
    def kind(self) -> str:
        return self.kinds[0]


@dataclass(frozen=True)
class EducationPath:
    level: str                    # kzcode:education slug: higher | tvet
    text: str
    pedagogical: bool | None = None
    profile: str | None = None    # "Дефектология", "Психология", "музыкалық", …
    degrees: tuple[str, ...] = () # any of: doctor-of-sciences, candidate-of-sciences, phd, master
    degree_field: str | None = None
    academic_title: bool = False
    additional: bool = False      # "қосымша … білім" (a second education on top of another)
    condition: str | None = None  # "бастауыш білім мұғалімдері үшін": whom the path is for
    level_inferred: bool = False  # the segment names no level; taken from the one before


@dataclass(frozen=True)
class Requirement:
    item: TextItem
    paths: tuple[EducationPath, ...]
    experience: tuple[Experience, ...]
    mid_line_label: bool = False
    review: tuple[str, ...] = ()  # why a reader should check the parse (ambiguous wording)


@dataclass(frozen=True)
class AddOn:
    role: str
    line: int
    end_line: int
    duties: tuple[Duty, ...]
    knowledge: TextItem | None


@dataclass(frozen=True)
class Anomaly:
    kind: str                     # kzcode:note-kind slug
    line: int
    quoted: str
    message: str
    block: str | None = None      # block key it concerns
    related: str | None = None    # another block key (e.g. the original of a copy)
    index: int | None = None      # which requirement of the block


@dataclass
class Block:
    section: int
    index: int                    # 1-based order within the section
    title: str
    line: int
    title_end_line: int
    titles: tuple[str, ...]       # split joint titles (one when not joint)
    aliases: tuple[str, ...]
    org_type: str
    duties: tuple[Duty, ...] = ()
    knowledge: TextItem | None = None
    areas: tuple[KnowledgeArea, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    addons: tuple[AddOn, ...] = ()
    notes: tuple[EditorialNote, ...] = ()
    end_line: int = 0

    @property
    def key(self) -> str:
        return f"s{self.section}-b{self.index}"


@dataclass
class Document2008:
    path: Path
    title: str
    order_number: str | None
    sections: list[Section]
    blocks: list[Block]
    anomalies: list[Anomaly] = field(default_factory=list)
    warnings: list[LoaderWarning] = field(default_factory=list)

    def block(self, key: str) -> Block:
        return next(b for b in self.blocks if b.key == key)
