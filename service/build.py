"""`pedkg build`: run every loader, write build/dataset.nq and the embedded store, atomically.

Layout (all under the build directory):

    releases/<stamp>/dataset.nq   N-Quads of every named graph
    releases/<stamp>/store/       the pyoxigraph store loaded from it
    releases/<stamp>/build.json   the summary (counts, warnings, time)
    current -> releases/<stamp>   switched with one atomic rename when the release is complete
    dataset.nq -> current/dataset.nq, store -> current/store, build.json -> current/build.json

A build that fails or is killed leaves `current` (and a service reading it) untouched; two builds
at once are serialised by an exclusive lock on `.lock`.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pyoxigraph
from rdflib import RDF, SH, BNode, Graph, URIRef
from rdflib.compare import to_canonical_graph

from loaders import history_rdf
from loaders.kazakh_labels import kazakh_labels_graph
from loaders.acts import Registry, registry_graph
from loaders.base import LoaderWarning, LoadResult, SourceError
from loaders.linking import linking_graph
from loaders.namespaces import KZO, graph_iri
from loaders.ontology_files import ontology_graph
from loaders.sources import SOURCES_DIR, sources_graph
from service.export import write_dumps

KEEP_RELEASES = 2


@dataclass
class BuildSummary:
    """What `pedkg build` prints and stores as build.json."""

    release: str
    graphs: dict[str, int] = field(default_factory=dict)
    positions: int = 0
    acts: int = 0
    triples: int = 0
    warnings: list[str] = field(default_factory=list)
    integrity: dict = field(default_factory=dict)   # counts per shape: {"violations": {...}, "warnings": {...}}
    integrity_violations: list[str] = field(default_factory=list)
    portfolio_shapes: int = 0
    seconds: float = 0.0


class BuildFailed(Exception):
    """The build stopped (strict mode, a source error); the previous build is intact."""


def source_loaders() -> list[tuple[str, Callable[[Path, Registry], LoadResult]]]:
    """(source file, load function) for every bundled source, in build order."""
    from loaders import prof_standard_rdf, tqc2008_rdf, tqc2020_rdf, vacancy_rdf
    from loaders.tqc2020 import parse as parse_2020

    def vacancy(path: Path, registry: Registry) -> LoadResult:
        # a vacancy is matched against the regulation it claims to follow
        return vacancy_rdf.load(path, registry, parse_2020(path.parent / "tqc-2020-ru.txt"))

    return [
        ("tqc-2020-ru.txt", tqc2020_rdf.load),
        ("tqc-2008-kk.txt", tqc2008_rdf.load),
        ("prof-standard-pedagog-2022-kk.txt", prof_standard_rdf.load),
        ("vacancy-kokshetau-assistant.txt", vacancy),
        ("vacancy-methodist-2024-kk.txt", vacancy),
    ]


@contextmanager
def build_lock(build_dir: Path) -> Iterator[None]:
    """Exclusive lock: a second build waits until the first has finished."""
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def collect_graphs(sources_dir: Path, progress: Callable[[str], None] = lambda _: None
                   ) -> tuple[dict[str, Graph], list[LoaderWarning]]:
    """Ontology, reference and one graph per source, keyed by named-graph IRI."""
    registry = Registry.load()
    graphs: dict[str, Graph] = {}
    progress("ontology")
    graphs[graph_iri("ontology")] = ontology_graph()
    progress("reference")
    graphs[graph_iri("reference")] = registry_graph(registry) + sources_graph(registry)
    warnings: list[LoaderWarning] = []
    for file, load in source_loaders():
        progress(file)
        try:
            result = load(sources_dir / file, registry)
        except SourceError:
            raise
        except Exception as exc:  # a loader bug must not surface as a traceback: name the source
            raise SourceError(sources_dir / file, None,
                              f"internal error while loading {file}: {type(exc).__name__}: {exc}") from exc
        graphs[graph_iri(file.rsplit(".", 1)[0])] = result.graph
        warnings.extend(result.warnings)
    progress("history")
    history = history_rdf.load()
    graphs[history_rdf.GRAPH] = history.graph
    warnings.extend(history.warnings)
    progress("labels-kk")
    graphs[graph_iri("labels-kk")] = kazakh_labels_graph(graphs, sources_dir)
    progress("linking")
    graphs[graph_iri("linking")] = linking_graph(graphs, registry)
    return graphs, warnings


def write_nquads(graphs: dict[str, Graph], path: Path) -> int:
    """Serialise every named graph into one N-Quads file (sorted, so two builds diff cleanly)."""
    lines: list[str] = []
    for name, graph in graphs.items():
        if any(isinstance(t, BNode) for triple in graph for t in triple):
            graph = to_canonical_graph(graph)  # stable blank-node labels: identical builds, identical files
        suffix = f" <{name}> ."
        lines.extend(l[:-2] + suffix for l in graph.serialize(format="nt").splitlines() if l.strip())
    lines.sort()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def build_all(build_dir: Path = Path("build"), strict: bool = False, sources_dir: Path = SOURCES_DIR,
              progress: Callable[[str], None] = lambda _: None, *, checks: bool = True,
              dumps: bool = True) -> BuildSummary:
    """Run the whole build; raises BuildFailed (previous build intact) on error or strict warnings.

    `checks` runs the integrity shapes and writes the portfolio shapes; `dumps` writes the download
    files. Both are on for every real build; tests that only need the data switch them off.
    """
    started = time.monotonic()
    build_dir = Path(build_dir)
    with build_lock(build_dir):
        stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid():07d}"
        for stale in (build_dir / "releases").glob(".staging-*"):
            shutil.rmtree(stale, ignore_errors=True)  # left by a killed build; we hold the lock
        staging = build_dir / "releases" / f".staging-{stamp}"
        staging.mkdir(parents=True)
        try:
            graphs, warnings = collect_graphs(sources_dir, progress)
            if strict and warnings:
                raise BuildFailed("strict mode: " + "; ".join(str(w) for w in warnings))
            progress("dataset.nq")
            summary = BuildSummary(release=stamp, warnings=[str(w) for w in warnings])
            summary.triples = write_nquads(graphs, staging / "dataset.nq")
            summary.graphs = {name: len(g) for name, g in graphs.items()}
            progress("store")
            store = pyoxigraph.Store(str(staging / "store"))
            store.bulk_load(path=str(staging / "dataset.nq"), format=pyoxigraph.RdfFormat.N_QUADS)
            # the service opens the store read-only, and a read-only store never compacts itself
            store.optimize()
            store.flush()
            summary.positions = _count(store, KZO.Position)
            summary.acts = _count(store, KZO.LegalAct)
            del store
            if checks:
                progress("checks")
                check_release(staging, summary)
                if strict and summary.integrity_violations:
                    raise BuildFailed("strict mode: integrity violations: "
                                      + "; ".join(summary.integrity_violations))
            if dumps:
                progress("dumps")
                write_dumps(build_dir, release=staging)
            summary.seconds = round(time.monotonic() - started, 2)
            (staging / "build.json").write_text(json.dumps(asdict(summary), ensure_ascii=False, indent=2),
                                                encoding="utf-8")
            release = build_dir / "releases" / stamp
            staging.rename(release)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _switch(build_dir, release)
        _prune(build_dir)
        return summary


def check_release(release: Path, summary: BuildSummary) -> None:
    """Run the integrity shapes over the new dataset and write the generated portfolio shapes."""
    from service.integrity import check_integrity
    from service.portfolio_shapes import generate_portfolio_shapes
    from service.validation import load_dataset

    graph = load_dataset(release / "dataset.nq")
    report = check_integrity(graph)
    summary.integrity = report.counts()
    summary.integrity_violations = [str(f) for f in report.violations]
    shapes = generate_portfolio_shapes(graph)
    (release / "shapes").mkdir(exist_ok=True)
    shapes.serialize(release / "shapes" / "portfolio.shapes.ttl", format="turtle")
    summary.portfolio_shapes = len(set(shapes.subjects(RDF.type, SH.NodeShape)) |
                                   set(shapes.subjects(RDF.type, SH.PropertyShape)))


def _count(store: pyoxigraph.Store, cls: URIRef) -> int:
    query = f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{cls}> }}"
    return int(next(iter(store.query(query, use_default_graph_as_union=True)))["n"].value)


def _switch(build_dir: Path, release: Path) -> None:
    """Point `current` at the new release with one atomic rename; create the stable links once."""
    tmp = build_dir / f".current-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(release.relative_to(build_dir))
    os.replace(tmp, build_dir / "current")
    for name in ("dataset.nq", "store", "build.json"):
        link = build_dir / name
        if not link.is_symlink():
            if link.exists():
                shutil.rmtree(link) if link.is_dir() else link.unlink()
            link.symlink_to(Path("current") / name)


def _prune(build_dir: Path) -> None:
    """Keep the current release and the newest other one (a running service may still read it)."""
    current = (build_dir / "current").resolve()
    releases = [p for p in (build_dir / "releases").iterdir() if not p.name.startswith(".")]
    others = sorted((p for p in releases if p.resolve() != current), key=lambda p: p.stat().st_mtime)
    for old in others[: max(0, len(others) - (KEEP_RELEASES - 1))]:
        shutil.rmtree(old, ignore_errors=True)
    for link in build_dir.glob(".current-*"):
        link.unlink(missing_ok=True)  # left by a build killed between its two renames


def current_release(build_dir: Path = Path("build")) -> Path | None:
    """The directory of the current build, or None if there is none yet."""
    current = Path(build_dir) / "current"
    return current.resolve() if current.exists() else None


def read_summary(build_dir: Path = Path("build")) -> dict | None:
    release = current_release(build_dir)
    if release is None or not (release / "build.json").exists():
        return None
    return json.loads((release / "build.json").read_text(encoding="utf-8"))
