"""Publication: dumps of the whole dataset and CSV tables for spreadsheet users.

Formats (`pedkg export --format ...`):

| format | file | content |
|---|---|---|
| ``nq`` | ``dataset.nq`` | N-Quads: every named graph (the build's own file, copied) |
| ``jsonld`` | ``dataset.jsonld`` | JSON-LD (expanded), every named graph as an ``@graph`` |
| ``ttl`` | ``dataset.ttl`` | Turtle: the union of the named graphs (Turtle has no graphs) |
| ``nt`` | ``dataset.nt`` | N-Triples: the same union, one triple per line, sorted |
| ``csv`` | ``csv/`` (or a ``.zip``) | ``positions.csv``, ``acts.csv``, ``positions-acts.csv``, ``requirements.csv`` |

`write_dumps(build_dir)` writes all of them, plus ``void.ttl``, into ``<release>/dumps/``; the CSV
tables go into ``dumps/csv/`` and, zipped, ``dumps/tables.zip``.

Every dump is made from the release's ``dataset.nq`` (the build's single source of truth), so the
dumps re-load to the same dataset: nq and jsonld to the same named graphs, ttl and nt to their union.
"""
from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from loaders.namespaces import PREFIXES

RDF_FORMATS = {"nq": ("dataset.nq", ox.RdfFormat.N_QUADS), "nt": ("dataset.nt", ox.RdfFormat.N_TRIPLES),
               "ttl": ("dataset.ttl", ox.RdfFormat.TURTLE), "jsonld": ("dataset.jsonld", ox.RdfFormat.JSON_LD)}
FORMATS = tuple(RDF_FORMATS) + ("csv",)
CSV_TABLES = ("positions.csv", "acts.csv", "positions-acts.csv", "requirements.csv")
EXTRA_PREFIXES = {"isco": "http://data.europa.eu/esco/isco/C", "wd": "http://www.wikidata.org/entity/",
                  "void": "http://rdfs.org/ns/void#", "dcat": "http://www.w3.org/ns/dcat#"}

_PREFIXES = """
PREFIX kzo: <https://w3id.org/kz-edu/onto#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
"""


class ExportError(ValueError):
    """An export cannot be made (no build, unknown format); the message says what to do."""


def release_dir(build_dir: Path) -> Path:
    """The current release of `build_dir`.

    :raises ExportError: there is no build yet.
    """
    current = Path(build_dir) / "current"
    if not (current / "dataset.nq").is_file():
        raise ExportError(f"No build in {build_dir}: run `pedkg build --build-dir {build_dir}` first.")
    return current.resolve()


def load_store(nquads: Path) -> ox.Store:
    """An in-memory pyoxigraph store holding the N-Quads file."""
    store = ox.Store()
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    return store


def _prefixes() -> dict[str, str]:
    out = {k: str(v) for k, v in PREFIXES.items()}
    out.update(EXTRA_PREFIXES)
    return out


def read_quads(nquads: Path) -> list[ox.Quad]:
    """The quads of an N-Quads file as written (a store would canonicalise literals: "1.000" -> "1")."""
    return list(ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS))


def union_triples(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    """Every triple of every named graph (and the default graph), once, in a stable order."""
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    return sorted(triples, key=str)


def write_rdf(nquads: Path, fmt: str, out: Path, quads: list[ox.Quad] | None = None) -> Path:
    """One RDF dump of the N-Quads file `nquads` in `fmt` (nq, nt, ttl, jsonld) to the file `out`.

    `quads` (the parsed file) may be passed to avoid parsing it again.

    :raises ExportError: unknown format.
    """
    if fmt not in RDF_FORMATS:
        raise ExportError(f"Unknown RDF format {fmt!r}; use one of {', '.join(RDF_FORMATS)}.")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    rdf_format = RDF_FORMATS[fmt][1]
    if fmt == "nq":
        shutil.copyfile(nquads, tmp)
    else:
        quads = quads if quads is not None else read_quads(nquads)
        if fmt == "jsonld":
            ox.serialize(quads, str(tmp), format=rdf_format)
        elif fmt == "ttl":
            ox.serialize(union_triples(quads), str(tmp), format=rdf_format, prefixes=_prefixes())
        else:
            ox.serialize(union_triples(quads), str(tmp), format=rdf_format)
    tmp.replace(out)
    return out


# ---------------------------------------------------------------------------------------------- CSV

def _rows(store: ox.Store, query: str) -> Iterable[list[str]]:
    for solution in store.query(_PREFIXES + query, use_default_graph_as_union=True):
        yield ["" if term is None else term.value for term in solution]


POSITIONS_QUERY = """
SELECT ?position ?notation ?label_ru ?label_kk ?org_type ?regulation ?source_file ?source_line
       (GROUP_CONCAT(DISTINCT ?isco; separator=";") AS ?isco_08)
WHERE {
  ?position a kzo:Position .
  OPTIONAL { ?position skos:notation ?notation }
  OPTIONAL { ?position skos:prefLabel ?label_ru FILTER(lang(?label_ru) = "ru") }
  OPTIONAL { ?position skos:prefLabel ?label_kk FILTER(lang(?label_kk) = "kk") }
  OPTIONAL { ?position kzo:organisationType ?org_type }
  OPTIONAL { ?position kzo:definedIn ?regulation }
  OPTIONAL { ?position kzo:sourceFile ?source_file }
  OPTIONAL { ?position kzo:sourceLine ?source_line }
  OPTIONAL { ?position skos:broadMatch|skos:closeMatch|skos:narrowMatch|skos:relatedMatch|skos:exactMatch ?link
             FILTER(STRSTARTS(STR(?link), "http://data.europa.eu/esco/isco/C"))
             BIND(STRAFTER(STR(?link), "/isco/C") AS ?isco) }
}
GROUP BY ?position ?notation ?label_ru ?label_kk ?org_type ?regulation ?source_file ?source_line
ORDER BY ?source_file ?source_line ?position
"""

ACTS_QUERY = """
SELECT ?act ?label_ru ?label_kk ?label_en ?adilet_id ?status ?date ?number
WHERE {
  ?act a kzo:LegalAct .
  OPTIONAL { ?act skos:prefLabel ?label_ru FILTER(lang(?label_ru) = "ru") }
  OPTIONAL { ?act skos:prefLabel ?label_kk FILTER(lang(?label_kk) = "kk") }
  OPTIONAL { ?act skos:prefLabel ?label_en FILTER(lang(?label_en) = "en") }
  OPTIONAL { ?act kzo:adiletId ?adilet_id }
  OPTIONAL { ?act kzo:actStatus ?status }
  OPTIONAL { ?act <http://data.europa.eu/eli/ontology#date_document> ?date }
  OPTIONAL { ?act <http://data.europa.eu/eli/ontology#id_local> ?number }
}
ORDER BY ?act
"""

CITES_QUERY = """
SELECT DISTINCT ?position ?act WHERE { ?position a kzo:Position ; kzo:requiresKnowledgeOf ?act }
"""

REQUIREMENTS_QUERY = """
SELECT ?position ?notation ?category ?level_label ?kind ?order ?text ?min_years ?max_years ?settlement
       ?education_level ?source_line
WHERE {
  ?position a kzo:Position ; kzo:hasCategoryRequirement ?req .
  OPTIONAL { ?position skos:notation ?notation }
  OPTIONAL { ?req kzo:category ?category }
  OPTIONAL { ?req rdfs:label ?level_label }
  {
    ?req kzo:hasCompetencyStatement ?item .
    BIND("competency" AS ?kind)
    OPTIONAL { ?item rdf:value ?text }
    OPTIONAL { ?item schema:position ?order }
  } UNION {
    ?req kzo:hasExperienceRequirement ?item .
    BIND("experience" AS ?kind)
    OPTIONAL { ?item rdf:value ?text }
    OPTIONAL { ?item kzo:minYears ?min_years }
    OPTIONAL { ?item kzo:maxYears ?max_years }
    OPTIONAL { ?item kzo:settlementType ?settlement }
    OPTIONAL { ?item kzo:educationLevel ?education_level }
  }
  OPTIONAL { ?item kzo:sourceLine ?source_line }
}
ORDER BY ?position ?category ?kind ?order ?source_line ?text
"""


def _csv_bytes(header: list[str], rows: Iterable[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def csv_tables(store: ox.Store) -> dict[str, bytes]:
    """The CSV tables (UTF-8, CRLF, header row) by file name."""
    tables = {
        "positions.csv": _csv_bytes(
            ["position", "notation", "label_ru", "label_kk", "org_type", "regulation", "source_file",
             "source_line", "isco_08"], _rows(store, POSITIONS_QUERY)),
        "acts.csv": _csv_bytes(
            ["act", "label_ru", "label_kk", "label_en", "adilet_id", "status", "date", "number"],
            _rows(store, ACTS_QUERY)),
        "requirements.csv": _csv_bytes(
            ["position", "notation", "category", "level_label", "kind", "order", "text", "min_years",
             "max_years", "settlement", "education_level", "source_line"],
            _rows(store, REQUIREMENTS_QUERY)),
    }
    # positions x acts: one row per position, one column per cited act (1 = the list names it)
    cites: dict[str, set[str]] = {}
    for position, act in _rows(store, CITES_QUERY):
        cites.setdefault(position, set()).add(act)
    acts = sorted({a for s in cites.values() for a in s})
    positions = [row[0] for row in _rows(store, POSITIONS_QUERY)]
    matrix = ([p] + ["1" if a in cites.get(p, ()) else "0" for a in acts] for p in positions)
    tables["positions-acts.csv"] = _csv_bytes(["position"] + acts, matrix)
    return {name: tables[name] for name in CSV_TABLES}


def write_csv(store: ox.Store, out: Path) -> Path:
    """The CSV tables into the folder `out`, or into one zip file if `out` ends with ``.zip``."""
    tables = csv_tables(store)
    if out.suffix.lower() == ".zip":
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".part")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, data in tables.items():
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # stable bytes
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
        tmp.replace(out)
        return out
    out.mkdir(parents=True, exist_ok=True)
    for name, data in tables.items():
        (out / name).write_bytes(data)
    return out


# ---------------------------------------------------------------------------------------------- all

def default_output(fmt: str, build_dir: Path) -> Path:
    """Where `pedkg export --format fmt` writes without `--out`: the release's dumps/ folder."""
    dumps = release_dir(build_dir) / "dumps"
    return dumps / ("csv" if fmt == "csv" else RDF_FORMATS[fmt][0])


def export(fmt: str, out: Path | None = None, build_dir: Path = Path("build")) -> Path:
    """Write one export of the current build; returns the path written.

    :raises ExportError: no build, or an unknown format.
    """
    fmt = fmt.lower().strip()
    if fmt not in FORMATS:
        raise ExportError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")
    release = release_dir(build_dir)
    out = Path(out) if out is not None else default_output(fmt, build_dir)
    if fmt == "csv":
        return write_csv(load_store(release / "dataset.nq"), out)
    return write_rdf(release / "dataset.nq", fmt, out)


def write_dumps(build_dir: Path = Path("build"), release: Path | None = None,
                base_url: str = "https://w3id.org/kz-edu/") -> dict[str, Path]:
    """Every dump, the CSV tables (folder and zip) and ``void.ttl`` into ``<release>/dumps/``.

    `release` defaults to the current release of `build_dir` (pass the staging directory when the
    build calls this before switching `current`).

    :raises ExportError: no build.
    """
    from .void import void_graph

    release = Path(release) if release is not None else release_dir(build_dir)
    nquads = release / "dataset.nq"
    if not nquads.is_file():
        raise ExportError(f"{nquads} does not exist: build first.")
    dumps = release / "dumps"
    dumps.mkdir(parents=True, exist_ok=True)
    store = load_store(nquads)
    quads = read_quads(nquads)
    written = {fmt: write_rdf(nquads, fmt, dumps / name, quads) for fmt, (name, _) in RDF_FORMATS.items()}
    written["csv"] = write_csv(store, dumps / "csv")
    written["zip"] = write_csv(store, dumps / "tables.zip")
    void = void_graph(store, base_url, dumps=[p.name for k, p in written.items() if k != "csv"])
    (dumps / "void.ttl").write_text(void.serialize(format="turtle"), encoding="utf-8")
    written["void"] = dumps / "void.ttl"
    return written


__all__ = ["export", "write_dumps", "write_rdf", "write_csv", "csv_tables", "load_store", "release_dir",
           "read_quads", "ExportError", "FORMATS", "RDF_FORMATS", "CSV_TABLES"]
