"""Issue 4: integrity shapes of the graph (shapes/integrity.shapes.ttl, service/integrity.py)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SKOS, XSD

from loaders.namespaces import KZCODE, KZO
from service.integrity import check_integrity, load_shapes


@pytest.fixture(scope="session")
def graph(built):
    from service.validation import load_dataset

    return load_dataset(built[0] / "dataset.nq")


@pytest.fixture(scope="session")
def report(graph):
    return check_integrity(graph)


def test_shapes_have_readable_iris_in_their_own_namespace():
    shapes = load_shapes()
    named = {str(s) for s in shapes.subjects(RDF.type, None) if isinstance(s, URIRef)}
    assert "https://w3id.org/kz-edu/shapes#Position-hasDuty" in named
    assert all(s.startswith("https://w3id.org/kz-edu/shapes") for s in named)


def test_todays_build_has_no_violations_and_reports_known_anomalies(report):
    print(report.summary())
    assert not [f for f in report.violations if "/tqc-2020/" in f.focus], report.summary()
    counts = report.counts()["warnings"]
    assert counts.get("shape:ExperienceRequirement-needsReview", 0) > 0
    assert counts.get("shape:DataQualityNote-anomaly", 0) > 0
    assert report.warnings == sorted(report.warnings)


def test_each_integrity_rule_catches_its_defect(graph):
    g = Graph()
    g += graph
    pos = next(p for p in sorted(g.subjects(RDF.type, KZO.Position), key=str) if "/tqc-2020/" in str(p))
    g.remove((pos, KZO.hasDuty, None))                                        # no duty
    g.remove((pos, KZO.hasQualificationRequirement, None))                    # no requirement, not an add-on
    g.add((pos, SKOS.prefLabel, Literal("Второе название", lang="ru")))       # label twice in ru
    g.add((pos, KZO.requiresKnowledgeOf, URIRef("https://w3id.org/kz-edu/eli/kz/minted/nowhere")))
    g.add((KZCODE["category/master"], KZO.nextCategory, KZCODE["category/pedagog"]))  # a cycle
    exp = next(iter(sorted(g.subjects(KZO.minYears, None), key=str)))
    g.set((exp, KZO.minYears, Literal(Decimal(60), datatype=XSD.decimal)))    # out of range
    g.set((exp, KZO.maxYears, Literal(Decimal(3), datatype=XSD.decimal)))     # max < min
    note = next(iter(sorted(g.subjects(RDF.type, KZO.DataQualityNote), key=str)))
    g.remove((note, KZO.about, None))
    g.remove((note, KZO.sourceLine, None))
    found = {(f.shape, f.focus) for f in check_integrity(g).violations}
    shapes = {f[0] for f in found}
    assert ("shape:Position-hasDuty", str(pos)) in found
    assert ("shape:StandalonePosition", str(pos)) in found
    assert "shape:prefLabel-uniqueLang" in shapes
    assert ("shape:CitedAct", "https://w3id.org/kz-edu/eli/kz/minted/nowhere") in found
    assert ("shape:QualificationCategory", str(KZCODE["category/master"])) in found
    assert ("shape:ExperienceRequirement-minYears", str(exp)) in found
    assert ("shape:DataQualityNote-about", str(note)) in found
    assert ("shape:DataQualityNote-sourceLine", str(note)) in found

