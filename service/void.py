"""The dataset description: VoID (https://www.w3.org/TR/void/) + DCAT-AP, as an rdflib Graph.

`void_graph(store_or_dataset, base_url)` counts what is really in the data: triples per named
graph (`void:subset` with `sd:name`-like `void:inDataset` back-links), distinct subjects, and one
`void:Linkset` per target dataset (ISCO-08, Wikidata, Әділет) counting the links into it.
The licence is CC BY 4.0; the sources and their dates come from `data/reference/sources.yaml`.
Served by the lead at ``/.well-known/void`` and written by `service.export.write_dumps`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import pyoxigraph as ox
import yaml
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, XSD

from loaders.namespaces import KZID

VOID = Namespace("http://rdfs.org/ns/void#")
SOURCES_YAML = Path(__file__).resolve().parents[1] / "data" / "reference" / "sources.yaml"
CC_BY_4 = URIRef("https://creativecommons.org/licenses/by/4.0/")
DATASET = URIRef(f"{KZID}dataset")
PUBLISHER = URIRef(f"{KZID}publisher/pedagog-kg")

# target datasets of the link sets: (key, title, IRI prefix of the target's resources, homepage)
LINK_TARGETS = (
    ("isco-08", "ISCO-08 (via ESCO)", "http://data.europa.eu/esco/isco/C", None),
    ("wikidata", "Wikidata", "http://www.wikidata.org/entity/", "https://www.wikidata.org/"),
    ("adilet", "Әділет legal information system", "https://adilet.zan.kz/", "https://adilet.zan.kz/"),
)
MEDIA_TYPES = {".nq": "application/n-quads", ".nt": "application/n-triples", ".ttl": "text/turtle",
               ".jsonld": "application/ld+json", ".zip": "application/zip", ".csv": "text/csv"}


def _as_store(data: Any) -> ox.Store:
    """A pyoxigraph store for a store, an rdflib Dataset/Graph, or an N-Quads path."""
    if isinstance(data, ox.Store):
        return data
    store = ox.Store()
    if isinstance(data, (str, Path)):
        store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
        return store
    nquads = data.serialize(format="nquads")
    store.load(nquads.encode() if isinstance(nquads, str) else nquads, format=ox.RdfFormat.N_QUADS)
    return store


def _one(store: ox.Store, query: str) -> int:
    return int(next(iter(store.query(query, use_default_graph_as_union=True)))[0].value)


def graph_counts(store: ox.Store) -> dict[str, int]:
    """Triples per named graph."""
    q = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    return {row["g"].value: int(row["n"].value) for row in store.query(q)}


def linkset_counts(store: ox.Store) -> dict[str, dict[str, int]]:
    """Per target: {predicate IRI: number of distinct triples whose object is in the target}."""
    out: dict[str, dict[str, int]] = {}
    for key, _, prefix, _ in LINK_TARGETS:
        q = (f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
             f"FILTER(isIRI(?o) && STRSTARTS(STR(?o), \"{prefix}\") && !STRSTARTS(STR(?s), \"{prefix}\")) }} }} "
             f"GROUP BY ?p")
        out[key] = {row["p"].value: int(row["n"].value) for row in store.query(q)}
    return out


def void_graph(store_or_dataset: Any, base_url: str, *, dumps: Iterable[str] = (),
               sources_yaml: Path = SOURCES_YAML) -> Graph:
    """The VoID + DCAT-AP description of the dataset in `store_or_dataset`.

    `base_url` is where the service runs (its ``sparql`` endpoint and ``dumps/`` are relative to it);
    `dumps` are file names under ``<base_url>dumps/`` to list as distributions.
    """
    store = _as_store(store_or_dataset)
    base = base_url if base_url.endswith("/") else base_url + "/"
    g = Graph()
    for prefix, ns in (("void", VOID), ("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("kzid", KZID)):
        g.bind(prefix, ns)
    d = DATASET
    g.add((d, RDF.type, VOID.Dataset))
    g.add((d, RDF.type, DCAT.Dataset))
    for lang, title in (("en", "pedagog-kg: Kazakhstan's regulations for teacher positions"),
                        ("ru", "pedagog-kg: нормативные требования к должностям педагогов Казахстана"),
                        ("kk", "pedagog-kg: Қазақстан педагог лауазымдарына қойылатын нормативтік талаптар")):
        g.add((d, DCTERMS.title, Literal(title, lang=lang)))
    g.add((d, DCTERMS.description, Literal(
        "Knowledge graph of the typical qualification characteristics of teacher positions (2008, 2020), "
        "the professional standard «Педагог» (2022) and two vacancy announcements, every fact cited "
        "to its source file and line.", lang="en")))
    g.add((d, DCTERMS.license, CC_BY_4))
    g.add((d, DCTERMS.publisher, PUBLISHER))
    g.add((PUBLISHER, RDF.type, FOAF.Agent))
    g.add((PUBLISHER, FOAF.name, Literal("pedagog-kg project")))
    g.add((d, VOID.sparqlEndpoint, URIRef(base + "sparql")))
    g.add((d, VOID.uriSpace, Literal("https://w3id.org/kz-edu/")))
    for vocab in ("http://www.w3.org/2004/02/skos/core#", "http://data.europa.eu/eli/ontology#",
                  "http://www.w3.org/ns/org#", "https://schema.org/", "https://w3id.org/kz-edu/onto#"):
        g.add((d, VOID.vocabulary, URIRef(vocab)))

    total = _one(store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }")
    g.add((d, VOID.triples, Literal(total, datatype=XSD.integer)))
    g.add((d, VOID.distinctSubjects, Literal(_one(
        store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"), datatype=XSD.integer)))
    for name, n in sorted(graph_counts(store).items()):
        sub = URIRef(f"{d}/graph/{name.rsplit('/', 1)[-1]}")
        g.add((d, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, RDFS.label, Literal(f"named graph {name}")))
        g.add((sub, VOID.inDataset, d))
        g.add((sub, DCTERMS.identifier, Literal(name)))
        g.add((sub, VOID.triples, Literal(n, datatype=XSD.integer)))

    for key, title, prefix, homepage in LINK_TARGETS:
        target = URIRef(f"{d}/target/{key}")
        g.add((target, RDF.type, VOID.Dataset))
        g.add((target, DCTERMS.title, Literal(title)))
        g.add((target, VOID.uriSpace, Literal(prefix)))
        if homepage:
            g.add((target, FOAF.homepage, URIRef(homepage)))
        for predicate, n in sorted(linkset_counts(store)[key].items()):
            ls = URIRef(f"{d}/linkset/{key}/{predicate.rsplit('#', 1)[-1].rsplit('/', 1)[-1]}")
            g.add((d, VOID.subset, ls))
            g.add((ls, RDF.type, VOID.Linkset))
            g.add((ls, VOID.subjectsTarget, d))
            g.add((ls, VOID.objectsTarget, target))
            g.add((ls, VOID.linkPredicate, URIRef(predicate)))
            g.add((ls, VOID.triples, Literal(n, datatype=XSD.integer)))

    sources = yaml.safe_load(Path(sources_yaml).read_text(encoding="utf-8")) or []
    for src in sources:
        node = URIRef(f"{KZID}source/{src['file'].rsplit('.', 1)[0]}")
        g.add((d, DCTERMS.source, node))
        title = (src.get("title") or {})
        for lang, text in title.items():
            g.add((node, DCTERMS.title, Literal(text, lang=lang)))
        if src.get("version_date"):
            g.add((node, DCTERMS.issued, Literal(str(src["version_date"]), datatype=XSD.date)))
        g.add((node, DCTERMS.identifier, Literal(src["file"])))

    for name in dumps:
        dist = BNode(f"dist-{name}")
        url = URIRef(base + "dumps/" + name)
        g.add((d, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCTERMS.license, CC_BY_4))
        media = MEDIA_TYPES.get(Path(name).suffix)
        if media:
            g.add((dist, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{media}")))
        if Path(name).suffix in (".nq", ".nt", ".ttl", ".jsonld"):
            g.add((d, VOID.dataDump, url))
    return g


__all__ = ["void_graph", "graph_counts", "linkset_counts", "VOID", "LINK_TARGETS"]
