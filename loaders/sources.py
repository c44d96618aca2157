"""The reviewed description of the source texts (data/reference/sources.yaml)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from rdflib import Graph

ROOT = Path(__file__).resolve().parents[1]
SOURCES_DIR = ROOT / "data" / "sources"
SOURCES_YAML = ROOT / "data" / "reference" / "sources.yaml"


@lru_cache(maxsize=1)
def source_table() -> dict[str, dict]:
    """Entries of sources.yaml keyed by file name."""
    entries = yaml.safe_load(SOURCES_YAML.read_text(encoding="utf-8"))
    return {entry["file"]: entry for entry in entries}


def regulation_act_key(source_file: str) -> str:
    """Registry key of the act a source text is the text of; KeyError names the file."""
    entry = source_table().get(source_file)
    if entry is None or "act" not in entry:
        raise KeyError(f"{source_file}: no 'act' for this file in {SOURCES_YAML.name}")
    return entry["act"]


def sources_graph(registry) -> Graph:
    """One kzo:SourceDocument per bundled text: title, language, file and the act it is the text of."""
    from rdflib import RDF, Graph, Literal, URIRef
    from rdflib.namespace import DCTERMS, XSD

    from loaders.namespaces import KZID, KZO, PREFIXES

    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    for file, entry in source_table().items():
        doc = KZID[f"source/{file.rsplit('.', 1)[0]}"]
        g.add((doc, RDF.type, KZO.SourceDocument))
        g.add((doc, KZO.sourceFile, Literal(file)))
        for lang, title in entry.get("title", {}).items():
            g.add((doc, DCTERMS.title, Literal(title, lang=lang)))
        for lang in str(entry["language"]).split():
            g.add((doc, DCTERMS.language, Literal(lang)))
        if entry.get("version_date"):
            g.add((doc, DCTERMS.date, Literal(str(entry["version_date"]), datatype=XSD.date)))
        if entry.get("act"):
            g.add((doc, DCTERMS.source, URIRef(registry.get(entry["act"]).iri)))
        if entry.get("amended_by"):
            g.add((doc, DCTERMS.references, URIRef(registry.get(entry["amended_by"]).iri)))
    return g
