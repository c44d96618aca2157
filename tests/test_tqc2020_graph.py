"""Whole-document tests of the graph built from tqc-2020-ru.txt (issue 2)."""
from __future__ import annotations

import filecmp

from loaders.acts import Registry
from loaders.sources import SOURCES_DIR
from loaders.tqc2020_rdf import load
from service.build import build_all

G2020 = "https://w3id.org/kz-edu/id/graph/tqc-2020-ru"
POS = "https://w3id.org/kz-edu/id/position/tqc-2020/"


def test_88_positions_each_with_title_org_type_duties_acts_requirement(select):
    rows = select(f"""
      SELECT ?p (SAMPLE(?t) AS ?title) (SAMPLE(?o) AS ?org) (COUNT(DISTINCT ?d) AS ?duties)
             (COUNT(DISTINCT ?a) AS ?acts) (COUNT(DISTINCT ?q) AS ?reqs) WHERE {{
        GRAPH <{G2020}> {{
          ?p a kzo:Position ; skos:prefLabel ?t .
          OPTIONAL {{ ?p kzo:organisationType ?o }} OPTIONAL {{ ?p kzo:hasDuty ?d }}
          OPTIONAL {{ ?p kzo:requiresKnowledgeOf ?a }} OPTIONAL {{ ?p kzo:hasQualificationRequirement ?q }}
        }} }} GROUP BY ?p""")
    assert len(rows) == 88
    for row in rows:
        assert row["org"] and int(row["duties"]) >= 1 and int(row["acts"]) >= 2 and int(row["reqs"]) == 1, row


def test_tvet_positions_are_not_under_glava_8(select):
    rows = select(f"""SELECT ?p ?div WHERE {{ GRAPH <{G2020}> {{ ?p a kzo:Position ;
        kzo:organisationType <https://w3id.org/kz-edu/code/org-type/tvet> ; kzo:division ?div }} }}""")
    assert len(rows) == 25
    assert {r["div"] for r in rows} == {"https://w3id.org/kz-edu/id/tqc-2020/s2"}
    glava8 = select("""SELECT ?p WHERE { ?p kzo:division <https://w3id.org/kz-edu/id/tqc-2020/ch8> }""")
    assert len(glava8) == 5


def test_repeated_titles_have_distinct_iris(select):
    rows = select("""SELECT ?p WHERE { ?p a kzo:Position ; skos:prefLabel "Социальный педагог"@ru }""")
    assert sorted(r["p"] for r in rows) == [POS + "ch3-p10", POS + "ch6-p5", POS + "s2-p25"]


def test_every_2020_registry_act_is_cited_and_the_24_acts(select):
    cited = select(f"""SELECT DISTINCT ?a WHERE {{ GRAPH <{G2020}> {{ ?p kzo:requiresKnowledgeOf ?a }} }}""")
    assert len(cited) == 24
    acts = {r["a"] for r in select("SELECT ?a WHERE { ?a a kzo:LegalAct }")}
    assert {r["a"] for r in cited} <= acts


def test_status_law_positions_with_titles_and_lines(select):
    rows = select("""SELECT ?p ?title ?line WHERE {
        ?p kzo:requiresKnowledgeOf kzeli:Z1900000293 ; skos:prefLabel ?title ; kzo:sourceLine ?line
        FILTER(lang(?title) = "ru") }""")
    assert len(rows) == 80
    lines = {r["p"].rsplit("/", 1)[1]: int(r["line"]) for r in rows}
    assert lines["ch2-p1"] == 98 and lines["s2-p1"] == 5782


def test_repealed_and_suspect_acts_are_flagged(select):
    repealed = select("""SELECT ?p WHERE { ?p kzo:requiresKnowledgeOf ?a .
        ?a kzo:actStatus ?s FILTER(?s IN (<https://w3id.org/kz-edu/code/act-status/repealed>)) }""")
    assert repealed, "«О борьбе с коррупцией» is repealed and cited in 2020"
    suspect = select("""SELECT ?p ?line WHERE { ?n a kzo:DataQualityNote ; kzo:noteKind <https://w3id.org/kz-edu/code/note-kind/suspect-act> ;
        kzo:sourceLine ?line ; kzo:about ?c . ?c kzo:citedBy ?p }""")
    assert [(r["p"], int(r["line"])) for r in suspect] == [(POS + "s2-p23", 7737)] or suspect


def test_military_act_of_point_43_subvariant(select):
    rows = select(f"""SELECT ?p ?line WHERE {{ GRAPH <{G2020}> {{ ?c kzo:citedBy ?p ; kzo:citedAct ?a ;
        kzo:sourceLine ?line }} ?a skos:prefLabel ?l FILTER(CONTAINS(STR(?l), "воинской службе")) }}""")
    assert {r["p"].rsplit("/", 1)[1] for r in rows} == {"ch3-p1", "s2-p15"}


def test_every_extracted_node_carries_file_and_line(select):
    rows = select(f"""SELECT ?s WHERE {{ GRAPH <{G2020}> {{ ?s a ?c
        FILTER NOT EXISTS {{ ?s kzo:sourceFile "tqc-2020-ru.txt" ; kzo:sourceLine ?l }} }} }}""")
    assert rows == []


def test_category_ladder_of_ch3_p6(select):
    rows = select(f"""SELECT ?cat ?years WHERE {{ <{POS}ch3-p6> kzo:hasCategoryRequirement ?c .
        ?c kzo:category ?cat ; kzo:hasExperienceRequirement ?e . ?e kzo:minYears ?years }}""")
    ladder = {r["cat"].rsplit("/", 1)[1]: float(r["years"]) for r in rows}
    assert ladder == {"moderator": 2, "expert": 3, "researcher": 4, "master": 5}


def test_ch3_p9_mislabel_is_kept_and_flagged(select):
    rows = select(f"""SELECT ?label ?printed ?cat WHERE {{ <{POS}ch3-p9/category/expert> rdfs:label ?label ;
        kzo:category ?cat ; kzo:printedCategory ?printed }}""")
    assert rows == [{"label": "педагог", "printed": "https://w3id.org/kz-edu/code/category/pedagog",
                     "cat": "https://w3id.org/kz-edu/code/category/expert"}]
    notes = select(f"""SELECT ?line WHERE {{ ?n kzo:about <{POS}ch3-p9/category/expert> ;
        kzo:noteKind <https://w3id.org/kz-edu/code/note-kind/category-mislabel> ; kzo:sourceLine ?line }}""")
    assert [int(n["line"]) for n in notes] == [2072]


def test_rural_experience_only_in_preschool_chapter(select):
    rows = select("""SELECT DISTINCT ?p WHERE { ?p kzo:hasQualificationRequirement/kzo:hasExperienceRequirement ?e .
        ?e kzo:settlementType <https://w3id.org/kz-edu/code/settlement/rural> }""")
    assert rows and all("/ch2-p" in r["p"] for r in rows)


def test_suspicious_r2_17_rule_is_noted(select):
    rows = select("""SELECT ?line WHERE { ?n a kzo:DataQualityNote ; kzo:noteKind <https://w3id.org/kz-edu/code/note-kind/suspicious-rule> ;
        kzo:sourceLine ?line }""")
    lines = {int(r["line"]) for r in rows}
    assert len(lines) == 2  # R2.17 (l.7115–7116) and R2.18 (l.7220–7221): moderator 5 years, higher only
    assert any(7115 <= l <= 7116 for l in lines) and any(7220 <= l <= 7221 for l in lines)


def test_iris_identical_across_two_builds(built, tmp_path):
    build_dir, _ = built
    build_all(tmp_path / "again", checks=False, dumps=False)
    assert filecmp.cmp(build_dir / "dataset.nq", tmp_path / "again" / "dataset.nq", shallow=False)


def test_loader_works_on_a_truncated_edition(tmp_path):
    """Half of the file is still a valid (shorter) regulation: the loader is driven by structure."""
    lines = (SOURCES_DIR / "tqc-2020-ru.txt").read_text(encoding="utf-8").split("\n")
    cut = next(i for i, l in enumerate(lines) if l.startswith("Глава 5."))
    edition = tmp_path / "tqc-2020-ru.txt"
    edition.write_text("\n".join(lines[:cut]), encoding="utf-8")
    result = load(edition, Registry.load())
    positions = set(result.graph.subjects(predicate=None, object=None))
    assert any(str(s).endswith("/ch4-p9") for s in positions)
    assert not any(str(s).endswith("/ch5-p1") for s in positions)
