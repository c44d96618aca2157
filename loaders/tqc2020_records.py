"""Typed records of the 2020 regulation (tqc-2020-ru.txt), the output of the structural parser.

Parsing (text -> these records) lives in `loaders/tqc2020.py`; modelling (records -> RDF) in
`loaders/tqc2020_rdf.py`. Other loaders (vacancies, 2008 history) read these records to match
their texts against the regulation.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from loaders.base import TextItem


@dataclass(frozen=True)
class Division:
    """A chapter ("Глава N") or a section without chapters ("Раздел 2")."""

    key: str          # "ch3" for Глава 3, "s2" for Раздел 2 (TVET, no Глава)
    title: str        # heading text, lines joined
    line: int
    org_type: str | None  # slug in kzcode:org-type, None for Глава 1 (general provisions)


@dataclass(frozen=True)
class CategoryLevel:
    """One level of the competencies point: "2) "педагог-модератор":" and its statements."""

    label: str                 # as printed, quotes/dashes normalised
    number: int | None         # 1..5 as numbered, None if unnumbered
    category: str | None       # slug in kzcode:category (pedagog..master) or None if unrecognised
    refers_to_text: str | None  # the X of "должен отвечать … требованиям, предъявляемым к квалификации X"
    refers_to: str | None      # category slug X resolves to, None when it does not resolve
    statements: tuple[TextItem, ...]
    line: int


@dataclass(frozen=True)
class Point:
    """A numbered point of the annex ("N. Должностные обязанности: ...")."""

    number: int
    kind: str                  # duties | knowledge | qualification | competencies
    header_line: int
    items: tuple[TextItem, ...]  # logical items (the first may share the header line)


@dataclass
class Position2020:
    """One position (a Параграф) with its points, as the parser found it."""

    division: Division
    paragraph: int
    title: str
    title_line: int
    aliases: tuple[str, ...]
    points: dict[str, Point] = field(default_factory=dict)
    levels: tuple[CategoryLevel, ...] = ()

    @property
    def key(self) -> str:
        """Stable key: division + paragraph, e.g. "ch3-p9" or "s2-p24"."""
        return f"{self.division.key}-p{self.paragraph}"

    @property
    def notation(self) -> str:
        """Human citation: "§3.9" for Глава 3 Параграф 9, "Р2.24" for Раздел 2 Параграф 24."""
        if self.division.key.startswith("ch"):
            return f"§{self.division.key[2:]}.{self.paragraph}"
        return f"Р{self.division.key[1:]}.{self.paragraph}"

    def point(self, kind: str) -> Point | None:
        return self.points.get(kind)
