"""What every loader returns, and the one error type a loader raises."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph


@dataclass(frozen=True)
class TextItem:
    """One logical item of a source text: wrapped lines joined, page breaks dropped.

    `line` is the 1-based line where the item starts; `end_line` where it ends.
    `raw` keeps the physical lines as printed (for provenance of repaired passages).
    """

    text: str
    line: int
    end_line: int
    raw: str = ""


@dataclass(frozen=True)
class LoaderWarning:
    """A problem the build reports but survives: an unknown act, a source anomaly, ..."""

    file: str
    line: int | None
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: [{self.code}] {self.message}"


class SourceError(Exception):
    """A source cannot be loaded: names the file, the line and what was expected."""

    def __init__(self, file: str | Path, line: int | None, message: str) -> None:
        self.file = Path(file).name
        self.line = line
        self.message = message
        where = f"{self.file}:{line}" if line else self.file
        super().__init__(f"{where}: {message}")


@dataclass
class LoadResult:
    """The triples a loader extracted from one source (its named graph) and its warnings."""

    source_file: str
    graph: Graph
    warnings: list[LoaderWarning] = field(default_factory=list)
