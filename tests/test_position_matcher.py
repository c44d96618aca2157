"""The 2008 <-> 2020 correspondence: the matcher reproduces the reviewed CSV (docs/sources.md §2.6)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import OWL, RDF
from rdflib.namespace import SKOS

from loaders.namespaces import KZO
from loaders.position_matcher import CSV_PATH, match, read_csv, to_csv
from loaders.tqc2008 import parse as parse_2008

tqc2020 = pytest.importorskip("loaders.tqc2020", reason="the lead's 2020 parser is not there yet")

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "data" / "sources"


@pytest.fixture(scope="module")
def rows():
    doc = parse_2008(SOURCES / "tqc-2008-kk.txt")
    positions = tqc2020.parse(SOURCES / "tqc-2020-ru.txt").positions
    return match(doc, positions)


def test_matcher_reproduces_the_reviewed_csv(rows):
    assert rows == read_csv()
    assert to_csv(rows) == CSV_PATH.read_text(encoding="utf-8")


def test_34_matched_17_unmatched(rows):
    matched = {r.block_2008 for r in rows if r.position_2020}
    unmatched = [r.block_2008 for r in rows if not r.position_2020]
    assert len(matched) == 34 and len(unmatched) == 17 and not matched & set(unmatched)
    assert unmatched == [f"s1-b{k}" for k in range(1, 11)] + [
        "s2-b2",                 # training-and-production complex director
        "s3-b5",                 # ПМПК head
        "s3-b6",                 # camp director
        "s3-b8",                 # §3 laboratory head
        "s3-b22",                # labour instructor
        "s3-b25", "s3-b26",      # gifted-centre methodists
    ]


def test_false_friends_are_not_matched(rows):
    # «Кафедра меңгерушісі» (s1-b4, a university chair) is not §7.4 «Заведующий кафедрой»;
    # «Аға оқытушы» (s1-b7) is not §7.5 «Старший преподаватель института повышения квалификации»
    assert not [r for r in rows if r.position_2020 in ("ch7-p4", "ch7-p5")]
    assert {r.position_2020 for r in rows if r.block_2008 in ("s1-b4", "s1-b7")} == {""}


def test_generic_psychologist_matches_several_chapters(rows):
    psych = {r.position_2020: r.mapping for r in rows if r.block_2008 == "s3-b16"}
    assert psych == {"ch2-p8": "narrowMatch", "ch3-p7": "narrowMatch", "ch4-p7": "narrowMatch"}
    tvet = [(r.position_2020, r.mapping) for r in rows if r.block_2008 == "s2-b9"]
    assert tvet == [("s2-p16", "closeMatch")]


def test_rows_are_well_formed(rows):
    assert Counter(r.mapping for r in rows if r.position_2020) <= Counter(
        {"closeMatch": 99, "narrowMatch": 99, "broadMatch": 99, "relatedMatch": 99})
    for r in rows:
        if r.position_2020:
            assert 0 <= float(r.confidence) <= 1
        else:
            assert r.mapping == "" and r.confidence == "" and r.note


def test_history_graph():
    from loaders.history_rdf import concept_iri, load
    from loaders.tqc2008_rdf import position_iri as iri_2008
    from loaders.tqc2020_rdf import position_iri as iri_2020
    res = load()
    g = res.graph
    assert res.warnings == []
    assert not list(g.triples((None, OWL.sameAs, None)))
    concept = concept_iri("s2-p16")
    assert (concept, RDF.type, KZO.PositionConcept) in g
    assert set(g.objects(concept, KZO.hasVersion)) == {iri_2020("s2-p16"), iri_2008("s2-b9")}
    assert (iri_2008("s2-b9"), SKOS.closeMatch, iri_2020("s2-p16")) in g
    assert (iri_2008("s3-b16"), SKOS.narrowMatch, iri_2020("ch2-p8")) in g
    assert iri_2008("s3-b16") not in set(g.objects(concept_iri("ch2-p8"), KZO.hasVersion))
    for c in g.subjects(RDF.type, KZO.PositionConcept):
        assert g.value(c, KZO.sourceLine) is not None
