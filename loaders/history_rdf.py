"""Correspondences 2008 <-> 2020 (data/reference/positions-2008-2020.csv) -> RDF.

Between the repealed 2008 text and the 2020 one only *correspondence* can be asserted, never
identity (docs/sources.md §2.1, §2.6). So:

* every 2020 position named in the table gets a stable ``kzo:PositionConcept``
  (``kzid:position-concept/<2020-key>``) with ``kzo:hasVersion`` to its 2020 version node;
* a ``skos:closeMatch`` row makes the 2008 block a second version of that concept;
* every row gives a SKOS mapping triple *from the 2008 version node to the 2020 one*
  (``skos:closeMatch`` / ``narrowMatch`` / ``broadMatch`` / ``relatedMatch``, read as "the 2020
  position is a close / narrower / broader / related match of the 2008 block");
* never ``owl:sameAs``.

Every concept node carries kzo:sourceFile / kzo:sourceLine (its first row in the CSV).
"""
from __future__ import annotations

from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import SKOS

from loaders.base import LoaderWarning, LoadResult
from loaders.namespaces import KZID, KZO, graph_iri
from loaders.position_matcher import CSV_PATH, read_csv
from loaders.rdf_builder import GraphBuilder
from loaders.tqc2008_rdf import position_iri as iri_2008
from loaders.tqc2020_rdf import position_iri as iri_2020

GRAPH = graph_iri("positions-2008-2020")
MAPPINGS = {"closeMatch": SKOS.closeMatch, "narrowMatch": SKOS.narrowMatch,
            "broadMatch": SKOS.broadMatch, "relatedMatch": SKOS.relatedMatch}


def concept_iri(key_2020: str) -> URIRef:
    return KZID[f"position-concept/{key_2020}"]


def load(path: Path = CSV_PATH) -> LoadResult:
    """Model the reviewed correspondence table; an unknown mapping word is a warning."""
    b = GraphBuilder(path.name)
    warnings: list[LoaderWarning] = []
    for line, row in enumerate(read_csv(path), start=2):       # line 1 is the header
        if not row.position_2020:
            continue
        prop = MAPPINGS.get(row.mapping)
        if prop is None:
            warnings.append(LoaderWarning(path.name, line, "unknown-mapping",
                                          f"{row.block_2008}: mapping {row.mapping!r} is not a "
                                          "SKOS mapping property"))
            continue
        old, new, concept = iri_2008(row.block_2008), iri_2020(row.position_2020), \
            concept_iri(row.position_2020)
        if (concept, KZO.hasVersion, new) not in b.graph:
            b.node(concept, KZO.PositionConcept, line)
            b.text(concept, SKOS.prefLabel, row.title_2020, "ru")
            b.add(concept, KZO.hasVersion, new)
            b.add(new, KZO.versionOf, concept)
        if row.mapping == "closeMatch":
            b.add(concept, KZO.hasVersion, old)
            b.add(old, KZO.versionOf, concept)
        b.add(old, prop, new)
    return LoadResult(path.name, b.graph, warnings)
