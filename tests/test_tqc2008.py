"""Whole-document tests of the 2008 characteristics (tqc-2008-kk.txt): parse and RDF.

Counts and pinned passages follow docs/sources.md §2, checked against the text.
"""
from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import RDF, Literal, URIRef
from rdflib.namespace import SKOS

from loaders.acts import Registry
from loaders.base import SourceError
from loaders.namespaces import KZCODE, KZO
from loaders.tqc2008 import parse
from loaders.tqc2008_rdf import load, position_iri

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data" / "sources" / "tqc-2008-kk.txt"
LINES = SOURCE.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def doc():
    return parse(SOURCE)


@pytest.fixture(scope="module")
def registry():
    return Registry.load()


@pytest.fixture(scope="module")
def result(registry):
    return load(SOURCE, registry)


def block_at(doc, line):
    return next(b for b in doc.blocks if b.line <= line <= b.end_line)


def acts(registry, text):
    return {m.key for m in registry.match(text, lang="kk")}


# -- structure ------------------------------------------------------------------------------
def test_sections_and_blocks(doc):
    assert [(s.number, s.line) for s in doc.sections] == [(1, 40), (2, 351), (3, 764)]
    assert Counter(b.section for b in doc.blocks) == {1: 10, 2: 13, 3: 28}
    assert len(doc.blocks) == 51
    assert [s.org_type for s in doc.sections] == ["higher", "tvet", None]
    assert doc.order_number == "61"
    assert doc.warnings == []


def test_every_block_is_complete(doc, registry):
    for b in doc.blocks:
        assert b.duties, b.key
        assert b.knowledge is not None, b.key
        assert b.requirements, b.key
        found = acts(registry, b.knowledge.text)
        assert {"constitution", "law-ob-obrazovanii"} <= found, b.key
        assert any(a.key == "pedagogy-psychology" for a in b.areas), b.key


def test_act_counts(doc, registry):
    counts = Counter(k for b in doc.blocks for k in acts(registry, b.knowledge.text))
    assert counts["law-o-borbe-s-korruptsiei"] == 47          # all but four
    assert counts["law-gylym-turaly-2008"] == 10              # all of §1, nowhere else
    assert all("law-gylym-turaly-2008" in acts(registry, b.knowledge.text)
               for b in doc.blocks if b.section == 1)
    assert counts["law-o-pravah-rebenka"] == 32               # about two thirds, all in §§2-3
    assert all(b.section > 1 for b in doc.blocks
               if "law-o-pravah-rebenka" in acts(registry, b.knowledge.text))
    assert counts["law-dene-shynyktyru-2008"] == 1
    assert "law-o-protivodeistvii-korruptsii" not in counts   # the 2015 law is never cited in 2008


def test_titles(doc):
    first = doc.blocks[0]
    assert (first.key, first.line, first.title) == ("s1-b1", 46, "Жоғары оқу орнының ректоры")
    ipk = doc.block("s3-b1")                                  # heading tail glued on its line
    assert (ipk.line, ipk.title) == (778, "Біліктілікті көтеретін институттың директоры")
    assert sum(len(b.titles) for b in doc.blocks) == 54
    joint = {b.line: b.titles for b in doc.blocks if len(b.titles) > 1}
    assert joint == {
        946: ("Оқыту-сауықтыру орталығының директоры",
              "оқу-сауықтыру лагерінің, еңбек және демалыс лагерінің маусымдық бейіндік және "
              "басқа типті лагерьдің бастығы"),
        1309: ("Білім беру ұйымының аға тәлімгері", "тәлімгер"),
        1338: ("Білім беру ұйымының аға тәрбиешісі", "тәрбиеші"),
    }
    instructor = block_at(doc, 1097)
    assert instructor.title == "Барлық мамандықтардың оқытушылары"
    assert [n.item.line for n in instructor.notes] == [1099]  # a note, not a duty
    assert instructor.duties[0].item.line == 1102


def test_repeated_titles_get_distinct_iris(doc, result):
    music = [b for b in doc.blocks if "музыкалық жетекші" in b.title.lower()]
    lab = [b for b in doc.blocks if b.title == "Зертхана меңгерушісі"]
    assert [b.line for b in music] == [1292, 1417, 1577]
    assert [b.line for b in lab] == [310, 1016]
    iris = {position_iri(b.key) for b in music + lab}
    assert len(iris) == 5
    for iri in iris:
        assert (iri, RDF.type, KZO.Position) in result.graph


# -- requirements ---------------------------------------------------------------------------
def test_experience_counts(doc):
    primary = {b.key: b.requirements[-1].experience[0].years
               for b in doc.blocks if any(r.experience for r in b.requirements)}
    assert len(primary) == 28
    assert Counter(primary.values()) == {Decimal(7): 1, Decimal(5): 17, Decimal(3): 8, Decimal(1): 2}


def test_experience_details(doc):
    professor = block_at(doc, 221).requirements[0].experience[0]
    assert (professor.years, professor.kind) == (Decimal(5), "pedagogical")
    assert (professor.inner.years, professor.inner.kind, professor.inner.in_position) == \
        (Decimal(1), "in-position", "доцент")                # "кем дегенде бір жыл", l.223
    lab = block_at(doc, 348).requirements[0].experience[0]
    assert lab.years == Decimal(1) and lab.line == 348        # "бір жылдан", l.349
    preschool = block_at(doc, 1067).requirements[0].experience
    assert [(e.years, e.kind) for e in preschool] == [(Decimal(5), "pedagogical"),
                                                     (Decimal(3), "managerial")]
    assert preschool[0].group == preschool[1].group          # "… немесе …" (l.1067–1069)
    prorector = block_at(doc, 124).requirements[0].experience
    assert [e.kind for e in prorector] == ["managerial", "specialty"]
    camp = block_at(doc, 973).requirements[0].experience[0]
    assert camp.education_level == "tvet"                     # "… өтілі бар техникалық және кәсіптік"


def test_education_and_degrees(doc):
    rector = block_at(doc, 88).requirements[0].paths
    assert [(p.level, p.degrees, p.academic_title) for p in rector] == \
        [("higher", ("doctor-of-sciences",), True)]
    chair = block_at(doc, 195).requirements[0].paths          # "… дәрежесі, не болмаса ғылыми атағы"
    assert [(p.degrees, p.academic_title) for p in chair] == \
        [(("doctor-of-sciences", "candidate-of-sciences"), False), ((), True)]
    senior = block_at(doc, 269).requirements[0].paths[0]
    assert senior.degrees == ("candidate-of-sciences", "phd")
    assert block_at(doc, 291).requirements[0].paths[0].degrees == ("master",)
    ipk = block_at(doc, 798).requirements[0].paths[0]
    assert ipk.degree_field == "педагогика"
    levels = Counter(p.level for b in doc.blocks for r in b.requirements for p in r.paths)
    assert set(levels) == {"higher", "tvet"}
    pmpk = block_at(doc, 939).requirements[0].paths[0]
    assert (pmpk.profile, pmpk.pedagogical) == ("Дефектология", True)
    teachers = block_at(doc, 1137).requirements[0].paths
    assert [p.condition for p in teachers] == [None] + ["бастауыш білім мұғалімдері үшін"] * 2


def test_addon_roles(doc, registry, result):
    with_addons = [b for b in doc.blocks if b.addons]
    assert [(b.key, b.addons[0].line) for b in with_addons] == [("s2-b8", 607), ("s3-b11", 1118)]
    first = with_addons[0].addons[0]
    assert "БӘД" in first.role and first.duties[0].item.line == 608
    assert acts(registry, first.knowledge.text) == {"law-askeri-mindettilik"}
    assert "law-askeri-mindettilik" not in acts(registry, with_addons[0].knowledge.text)
    addon = URIRef(f"{position_iri('s2-b8')}/addon/1")
    g = result.graph
    assert (addon, KZO.addOnOf, position_iri("s2-b8")) in g
    assert (addon, RDF.type, KZO.Position) in g
    assert len(list(g.objects(URIRef(f"{position_iri('s3-b11')}/addon/1"), KZO.hasDuty))) == 8


# -- pinned passages ------------------------------------------------------------------------
def test_l119_section1_law_pattern(doc, registry):
    b = block_at(doc, 119)
    assert (b.knowledge.line, b.knowledge.end_line) == (119, 123)
    assert acts(registry, b.knowledge.text) == {
        "constitution", "law-ob-obrazovanii", "law-gylym-turaly-2008", "law-o-borbe-s-korruptsiei"}
    assert [a.key for a in b.areas] == ["pedagogy-psychology", "state-standards"]


def test_l499_inverted_quotes(doc, registry):
    b = block_at(doc, 499)
    assert (b.knowledge.line, b.knowledge.end_line) == (499, 504)
    assert acts(registry, b.knowledge.text) == {
        "constitution", "law-ob-obrazovanii", "law-o-pravah-rebenka", "law-o-borbe-s-korruptsiei"}
    assert [a.key for a in b.areas] == ["pedagogy-psychology"]   # interrupted by «Білім туралы»


def test_l1382_interrupted_name(doc, registry):
    b = block_at(doc, 1382)
    assert acts(registry, b.knowledge.text) == {
        "constitution", "law-ob-obrazovanii", "law-dene-shynyktyru-2008", "law-o-pravah-rebenka",
        "law-o-borbe-s-korruptsiei"}


def test_l535_hybrid_anticorruption_name(doc, registry, result):
    b = block_at(doc, 535)
    assert "жемқорлыққа қарсы күрес" in b.knowledge.text
    found = acts(registry, b.knowledge.text)
    assert "law-o-borbe-s-korruptsiei" in found and "law-o-protivodeistvii-korruptsii" not in found
    act = URIRef(registry.get("law-o-borbe-s-korruptsiei").iri)
    assert (position_iri(b.key), KZO.requiresKnowledgeOf, act) in result.graph


def test_l1386_copied_requirement(doc, result):
    b = block_at(doc, 1386)
    assert [(r.item.line, r.item.end_line) for r in b.requirements] == [(1386, 1389), (1390, 1391)]
    copy = [a for a in doc.anomalies if a.kind == "copy-paste"]
    assert [(a.line, a.block, a.related, a.index) for a in copy] == [(1386, b.key, "s3-b16", 0)]
    g, iri = result.graph, position_iri(b.key)
    assert set(g.objects(iri, KZO.acceptsEducation)) == {KZCODE["education/tvet"]}
    assert (iri, KZO.hasQualificationRequirement, URIRef(f"{iri}/qualification-2")) in g
    assert (URIRef(f"{iri}/qualification"), KZO.needsReview, Literal(True)) in g
    psych_l658 = block_at(doc, 658)                          # label in mid-line
    assert psych_l658.requirements[0].mid_line_label and psych_l658.knowledge.end_line == 658


# -- RDF ------------------------------------------------------------------------------------
def test_quality_notes(result):
    g = result.graph
    notes = {(int(g.value(n, KZO.sourceLine)), str(g.value(n, KZO.noteKind)).rsplit("/", 1)[-1])
             for n in g.subjects(RDF.type, KZO.DataQualityNote)}
    assert {(633, "typo"), (1000, "typo"), (465, "typo"), (778, "glitch"), (1386, "copy-paste"),
            (1432, "glitch"), (1602, "glitch")} <= notes
    assert result.warnings == []


def test_every_node_has_provenance(result):
    g = result.graph
    typed = {s for s, o in g.subject_objects(RDF.type) if str(o).startswith(str(KZO))}
    assert len(typed) > 900
    for s in typed:
        assert g.value(s, KZO.sourceFile) == Literal("tqc-2008-kk.txt"), s
        assert g.value(s, KZO.sourceLine) is not None, s


def test_position_triples(result, registry):
    g, iri = result.graph, position_iri("s1-b1")
    assert g.value(iri, SKOS.prefLabel) == Literal("Жоғары оқу орнының ректоры", lang="kk")
    assert g.value(iri, KZO.sourceLine) == Literal(46)
    assert g.value(iri, KZO.organisationType) == KZCODE["org-type/higher"]
    assert g.value(iri, KZO.definedIn) == URIRef(registry.get("order-61-2008").iri)
    assert len(set(g.subjects(RDF.type, KZO.Position))) == 53   # 51 blocks + 2 add-on roles
    duty = URIRef(f"{iri}/duty/1")
    assert g.value(duty, RDF.value).language == "kk"


# -- damaged copies -------------------------------------------------------------------------
def write(tmp_path, lines):
    p = tmp_path / "tqc-2008-kk.txt"
    p.write_text("\n".join(lines), encoding="utf-8")
    return p


def replace_line(no, old, new):
    lines = list(LINES)
    assert old in lines[no - 1]
    lines[no - 1] = lines[no - 1].replace(old, new)
    return lines


@pytest.mark.parametrize("no,old,expect_line", [
    (1272, "Лауазымдық міндеттері:", 1282),    # duty label deleted -> second knowledge label
    (1282, "Білуге міндетті:", 1290),          # knowledge label deleted
    (1290, "Біліктілікке қойылатын талаптар:", 1270),   # requirement label deleted
    (351, "2. Техникалық", 355),               # section heading number deleted
])
def test_deleted_label_is_a_source_error(tmp_path, registry, no, old, expect_line):
    lines = replace_line(no, old, "Техникалық" if old.startswith("2.") else "")
    with pytest.raises(SourceError) as err:
        load(write(tmp_path, lines), registry)
    assert err.value.file == "tqc-2008-kk.txt"
    assert err.value.line is not None
    assert abs(err.value.line - expect_line) <= 25, str(err.value)


def test_unknown_act_is_a_warning(tmp_path, registry):
    lines = replace_line(1282, "Конституциясын", 'Конституциясын, "Жер туралы" Заңын')
    res = load(write(tmp_path, lines), registry)
    assert [(w.line, w.code) for w in res.warnings] == [(1282, "unknown-act")]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=1, max_value=len(LINES) - 1), drop=st.booleans())
def test_damaged_copy_never_tracebacks(tmp_path, registry, cut, drop):
    """Truncate the file at a line, or delete that line: a SourceError or warnings, nothing else."""
    lines = LINES[:cut - 1] + LINES[cut:] if drop else LINES[:cut]
    try:
        res = load(write(tmp_path, lines), registry)
    except SourceError as err:
        assert err.file == "tqc-2008-kk.txt" and err.line is not None
    else:
        for w in res.warnings:
            assert w.file == "tqc-2008-kk.txt"
