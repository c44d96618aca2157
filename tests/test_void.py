"""Issue 6: the VoID + DCAT-AP description counts what is really in the data."""
from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, XSD

from service.void import LINK_TARGETS, VOID, void_graph

D = URIRef("https://w3id.org/kz-edu/id/dataset")


@pytest.fixture(scope="module")
def data(built):
    build_dir, _ = built
    quads = list(ox.parse(path=str(build_dir / "dataset.nq"), format=ox.RdfFormat.N_QUADS))
    store = ox.Store()
    store.extend(quads)
    return quads, store


@pytest.fixture(scope="module")
def void(data):
    return void_graph(data[1], "http://127.0.0.1:8000/", dumps=["dataset.nq", "tables.zip"])


def test_counts_equal_real_counts(data, void):
    quads, _ = data
    per_graph = Counter(q.graph_name.value for q in quads)
    for name, n in per_graph.items():
        sub = URIRef(f"{D}/graph/{name.rsplit('/', 1)[-1]}")
        assert void.value(sub, VOID.triples) == Literal(n, datatype=XSD.integer), name
    assert "https://w3id.org/kz-edu/id/graph/linking" in per_graph
    triples = {(q.subject, q.predicate, q.object) for q in quads}
    assert void.value(D, VOID.triples).toPython() == len(triples)
    assert void.value(D, VOID.distinctSubjects).toPython() == len({t[0] for t in triples})


def test_linksets_per_target(data, void):
    quads, _ = data
    triples = {(q.subject.value, q.predicate.value, q.object.value) for q in quads if isinstance(q.object, ox.NamedNode)}
    for key, _, prefix, _ in LINK_TARGETS:
        expected = Counter(p for s, p, o in triples if o.startswith(prefix) and not s.startswith(prefix))
        target = URIRef(f"{D}/target/{key}")
        got = {str(void.value(ls, VOID.linkPredicate)): void.value(ls, VOID.triples).toPython()
               for ls in void.subjects(VOID.objectsTarget, target)}
        assert got == dict(expected) and got, key
    isco = {str(void.value(ls, VOID.linkPredicate)) for ls in void.subjects(VOID.objectsTarget, URIRef(f"{D}/target/isco-08"))}
    assert "http://www.w3.org/2004/02/skos/core#exactMatch" not in isco


def test_licence_publisher_sources_and_distributions(void):
    assert void.value(D, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert void.value(D, DCTERMS.publisher) is not None
    assert (D, RDF.type, DCAT.Dataset) in void and (D, RDF.type, VOID.Dataset) in void
    assert void.value(D, VOID.sparqlEndpoint) == URIRef("http://127.0.0.1:8000/sparql")
    sources = set(void.objects(D, DCTERMS.source))
    assert len(sources) == 5
    tqc = URIRef("https://w3id.org/kz-edu/id/source/tqc-2020-ru")
    assert void.value(tqc, DCTERMS.issued) == Literal("2020-04-30", datatype=XSD.date)
    urls = {str(void.value(d, DCAT.downloadURL)) for d in void.objects(D, DCAT.distribution)}
    assert urls == {"http://127.0.0.1:8000/dumps/dataset.nq", "http://127.0.0.1:8000/dumps/tables.zip"}
    assert list(void.objects(D, VOID.dataDump)) == [URIRef("http://127.0.0.1:8000/dumps/dataset.nq")]
