"""The professional standard «Педагог» (prof-standard-pedagog-2022-kk.txt): parse and RDF.

Counts are the whole-document totals found in the text (they agree with docs/sources.md §4);
tricky passages are pinned by line; damaged copies must fail loudly, naming the line.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from itertools import product
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from loaders.base import SourceError
from loaders.namespaces import ELI, KZCODE, KZELI, KZID, KZO
from loaders.prof_standard import SOURCE_FILE, parse, split_numbered
from loaders.prof_standard_rdf import GRAPH_IRI, MAPPING_CSV, load

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "data" / "sources" / SOURCE_FILE
TQC2020 = ROOT / "data" / "sources" / "tqc-2020-ru.txt"
STD = f"{KZID}standard/pedagog-2022"
CATS = ["pedagog", "moderator", "expert", "researcher", "master"]


@pytest.fixture(scope="module")
def doc():
    return parse(SRC)


@pytest.fixture(scope="module")
def result():
    return load(SRC)


@pytest.fixture(scope="module")
def g(result):
    return result.graph


def cards(doc):
    return {c.key: c for c in doc.cards}


def all_tasks(doc):
    return [t for c in doc.cards for f in c.functions for t in f.tasks]


def notes_at(doc, line):
    return [n for n in doc.notes if n.line == line]


# ---------------------------------------------------------------------------------------------
# whole-document counts
# ---------------------------------------------------------------------------------------------


def test_order_metadata(doc):
    o = doc.order
    assert (o.number, o.date) == ("500", dt.date(2022, 12, 15))
    assert (o.repeals_number, o.repeals_date, o.repeals_registration) == ("373", dt.date(2013, 9, 13), "8819")
    assert (o.basis_article, o.basis_point, o.basis_line) == ("117", "2-1)", 1)
    assert o.signatory == "Ш. Каринова"
    assert "Еңбек және халықты әлеуметтік қорғау министрлігі" in o.agreed_with
    assert [(c.number, c.line) for c in doc.chapters] == [(1, 35), (2, 90), (3, 115)]
    assert [(p.appendix, p.levels) for p in doc.professions] == [
        (3, "5-6"), (4, "4-7"), (5, "6"), (6, "5-6"), (7, "6"), (8, "6"), (9, "6-7"), (10, "6")]


def test_framework_counts(doc):
    assert [c.key for c in doc.competences] == ["1", "2", "3", "4"]
    assert [len(c.criteria) for c in doc.competences] == [5, 2, 5, 2]
    assert sum(len(cr.indicators) for c in doc.competences for cr in c.criteria) == 51
    for c in doc.competences:
        for cr in c.criteria:
            assert cr.code.startswith(c.key + ".")
            assert [i.code for i in cr.indicators] == [f"{cr.code}.{k}" for k in range(1, len(cr.indicators) + 1)]


def test_descriptors_cover_nine_criteria_by_five_categories(doc):
    t = doc.categories
    assert [s for s, _ in t.categories] == CATS
    assert [r.code for r in t.rows] == ["2.1", "2.2", "3.1", "3.2", "3.3", "3.4", "3.5", "4.1", "4.2"]
    pairs = [(d.criterion, d.category) for r in t.rows for d in r.descriptors]
    assert len(pairs) == 45 and set(pairs) == set(product([r.code for r in t.rows], CATS))
    assert [(gr.key, gr.line) for gr in t.groups] == [("1", 163), ("2", 165), ("3", 168), ("4", 174)]


def test_card_counts(doc):
    assert len(doc.cards) == 13
    assert Counter(c.appendix for c in doc.cards) == {3: 2, 4: 2, 5: 2, 6: 2, 7: 1, 8: 1, 9: 2, 10: 1}
    assert [c.key for c in doc.cards] == [
        "app3-level-5", "app3-level-6", "app4-level-4-5", "app4-level-6-7", "app5-level-6.1", "app5-level-6.2",
        "app6-level-5", "app6-level-6", "app7-level-6", "app8-level-6", "app9-level-6", "app9-level-7",
        "app10-level-6"]
    assert sum(len(c.functions) for c in doc.cards) == 45
    assert sum(len(c.main_functions) for c in doc.cards) == 44
    assert sum(len(c.additional_functions) for c in doc.cards) == 22
    tasks = all_tasks(doc)
    assert len(tasks) == 85
    assert sum(len(t.knowledge) for t in tasks) == 239
    assert sum(len(t.skills) for t in tasks) == 361
    assert all(t.knowledge and t.skills for t in tasks)
    assert sum(len(c.related) for c in doc.cards) == 53


def test_list_items_are_clean(doc):
    for t in all_tasks(doc):
        for it in t.knowledge + t.skills:
            assert it.text and not re.match(r"^\d+\.", it.text), (it.line, it.text)
            assert not re.search(r"(?i)білік\s+[пм]ен\s+дағдылар", it.text), (it.line, it.text)


# ---------------------------------------------------------------------------------------------
# pinned passages
# ---------------------------------------------------------------------------------------------


def test_l142_title_glued_to_description(doc):
    c = doc.competences[0]
    assert (c.line, c.title) == (142, "Кәсіби құндылықтар")
    assert c.description.startswith("Өзінің кәсіби қызметін")


def test_l147_colon_glue_code_glue_and_homoglyph(doc):
    c = doc.competences[1]
    assert (c.line, c.title) == (147, "Кәсіби білім")
    assert c.description.startswith("Білім беру, мәдени құндылықтар")
    cr = c.criteria[0]
    assert cr.code == "2.1" and cr.title.startswith("Білімалушылардың")
    ind = cr.indicators[2]
    assert ind.code == "2.1.3" and ind.cefr_level == "C1"
    assert "\u0421" + "1" in ind.text          # the raw text keeps the Cyrillic С
    assert any("U+0421" in n.comment for n in notes_at(doc, 147))


def test_l149_competence_3_printed_1_3(doc):
    c = doc.competences[2]
    assert (c.key, c.printed_number, c.line) == ("3", "1.3", 149)
    assert c.title == "Оқыту практикасы/оқыту және тәрбиелеу"
    assert c.description.startswith("Оқу процесін жоспарлайды")
    assert any("'1.3.'" in n.comment for n in notes_at(doc, 149))


def test_l151_code_glued_to_indicator(doc):
    ind = doc.competences[2].criteria[2].indicators[1]
    assert (ind.code, ind.line) == ("3.3.2", 151)
    assert ind.text.startswith("Білім алушыларды/тәрбиеленушілерді оқыту")


def test_l162_header_row(doc):
    t = doc.categories
    assert t.header_line == 162
    assert t.categories[0] == ("pedagog", "Педагог-тағылымдамашы/педагог")


def test_l164_merged_row(doc):
    (m,) = doc.categories.merged
    assert m.line == 164
    assert m.items == (("1.1", "Педагог мамандығына адалдық"), ("1.2", "Азаматтық"), ("1.3", "Кәсіби этиканы сақтау"),
                       ("1.4", "Жауапкершілік"), ("1.5", "Проактивтілік"))
    assert not [r for r in doc.categories.rows if r.code.startswith("1.")]
    assert any("merged" in n.comment for n in notes_at(doc, 164))


def test_l208_education_codes_split_from_glued_text(doc):
    c = cards(doc)["app3-level-5"]
    assert c.education_line == 208
    assert [(e.family, e.code, e.title) for e in c.education] == [
        ("tvet-specialty", "01120100", "Мектепке дейінгі тәрбие және оқыту"),
        ("higher-group", "6B01", "Педагогикалық ғылымдар"),
        ("tvet-qualification", "4S01120102", "Мектепке дейінгі тәрбие мен оқытуды ұйымдастырудың тәрбиешісі"),
        ("higher-group", "6B012", "Мектепке дейінгі тәрбие мен оқыту педагогикасы"),
    ]
    assert c.education[3].printed == "6В012"     # Cyrillic В as printed


def test_education_codes_keyed_by_family(doc):
    cs = cards(doc)
    a4 = {(e.family, e.code): e.title for e in cs["app4-level-4-5"].education}
    a6 = {(e.family, e.code): e.title for e in cs["app6-level-5"].education}
    assert a4[("tvet-specialty", "01140500")] == "Дене шынықтыру және спорт"
    assert a6[("applied-bachelor-specialty", "01140500")] == "Кәсіптік оқыту (салалар бойынша)"
    assert "Колледжде оқыту мамандығына сәйкес келетін кез келген жоғары білім" in cs["app6-level-5"].education_free_text


def test_l459_label_without_colon(doc):
    c = cards(doc)["app7-level-6"]
    assert (c.code, c.code_line, c.group_code, c.group_code_line) == ("2373", 459, "2373 – 9", 460)


def test_l477_knowledge_and_skills_in_one_cell(doc):
    t = cards(doc)["app7-level-6"].functions[2].tasks[1]
    assert t.line == 477
    assert [i.text for i in t.knowledge] == [
        "Біліктілікті арттыруды/кәсіптік қайта даярлауды реттейтін нормативтік құқықтық актілер",
        "Бейіндік сала, педагогика және психология негіздері, оқыту әдістемесі"]
    assert [i.text for i in t.skills] == ["Жеке даму траекториясын жоспарлау", "Кәсіби өзін-өзі дамытуды жүзеге асыру"]
    assert any("one cell" in n.comment for n in notes_at(doc, 477))


def test_l507_doubled_numbers(doc):
    t = cards(doc)["app8-level-6"].functions[0].tasks[0]
    assert t.skills[0].line == 507
    assert [i.number for i in t.skills] == list(range(1, 10))
    assert t.skills[0].text.startswith("Баланың даму тарихын")
    assert t.skills[7].text.startswith("Пәнаралық топтық бағалау")
    assert any("doubled" in n.comment for n in notes_at(doc, 507))


def test_l519_gap_in_numbering(doc):
    t = cards(doc)["app8-level-6"].functions[3].tasks[1]
    assert [i.number for i in t.skills] == [1, 2, 4, 5] and t.skills[0].line == 519
    assert any("1, 2, 4, 5" in n.comment for n in notes_at(doc, 519))


def test_l570_stray_number_before_label(doc):
    c = cards(doc)["app9-level-7"]
    assert len(c.main_functions) == 5 and c.main_functions[0].line == 570
    assert any("stray '8.'" in n.comment for n in notes_at(doc, 570))


def test_other_list_faults(doc):
    cs = cards(doc)
    assert [i.number for i in cs["app4-level-6-7"].functions[0].tasks[0].skills] == [1, 2, 2]      # l.295
    assert [i.number for i in cs["app8-level-6"].main_functions] == [1, 1, 2, 3]                # l.501–504
    assert cs["app9-level-6"].functions[0].tasks[0].number is None                              # l.543
    k = cs["app3-level-5"].functions[2].tasks[2].knowledge                                       # l.202
    assert [i.text for i in k] == ["Тәжірибені тарату, зерттеу, айқындаудың алгоритмі, формасы және әдістері",
                                   "Озық тәжірибелерді жариялау және тарату әдістемесі"]
    s = cs["app3-level-6"].functions[0].tasks[1].skills                                          # l.221
    assert len(s) == 9 and s[7].text == "Балалардың зерттеу дағдыларын дамыту"
    assert len(cs["app3-level-5"].main_functions) == 2 and len(cs["app3-level-5"].functions) == 3   # l.190


def test_rows_shifted_by_empty_cells(doc):
    cs = cards(doc)
    assert [r.code for r in cs["app4-level-6-7"].related] == ["2373", "2347", "233", "231-001", "2375"]  # l.313–317
    assert cs["app8-level-6"].functions[3].tasks[2].line == 520
    assert len(cs["app10-level-6"].functions[1].tasks[0].skills) == 9                            # l.620


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="абвгдеәіңғүқөһ ", min_size=1, max_size=20).map(str.strip).filter(bool),
                min_size=1, max_size=12), st.sampled_from([";", "; ", "", ".", ";\u00a0"]))
def test_split_numbered_roundtrip(words, sep):
    items = ["Қ" + w for w in words]
    text = sep.join(f"{k}. {it}" for k, it in enumerate(items, 1))
    notes = []
    out = split_numbered(text, 1, "x", notes)
    assert [i.number for i in out] == list(range(1, len(items) + 1))
    assert [i.text for i in out] == [it.rstrip(" .;,") for it in items]
    assert not [n for n in notes if "numbered" in n.comment]


# ---------------------------------------------------------------------------------------------
# RDF
# ---------------------------------------------------------------------------------------------


def test_graph_identity_and_no_warnings(result, g):
    assert g.identifier == GRAPH_IRI == URIRef("https://w3id.org/kz-edu/id/graph/prof-standard-pedagog-2022-kk")
    assert result.warnings == []


def test_every_node_has_provenance(g):
    subjects = set(g.subjects())
    assert subjects
    for s in subjects:
        assert (s, KZO.sourceFile, Literal(SOURCE_FILE)) in g, s
        assert len(list(g.objects(s, KZO.sourceLine))) == 1, s


def test_cited_acts_come_from_the_registry(g):
    refs = Counter(str(o).rsplit("/", 1)[-1] for o in g.objects(None, DCTERMS.references))
    assert refs == {"order-83-2016": 4, "order-190-2020": 3, "order-125-2008": 4}
    order = URIRef(f"{KZELI}minted/order-500-2022")
    assert (URIRef(STD), KZO.approvedBy, order) in g
    assert (order, ELI.repeals, URIRef(f"{KZELI}minted/order-373-2013")) in g
    assert (order, ELI.based_on, URIRef(f"{KZELI}K1500000414")) in g


def test_rdf_counts(g):
    def count(cls):
        return len(set(g.subjects(RDF.type, cls)))
    assert (count(KZO.Competence), count(KZO.CompetencyCriterion), count(KZO.CompetencyIndicator)) == (4, 14, 51)
    assert (count(KZO.CategoryDescriptor), count(KZO.ProfessionCard), count(KZO.LabourFunction)) == (45, 13, 45)
    assert (count(KZO.Task), count(KZO.KnowledgeItem), count(KZO.SkillItem)) == (85, 239, 361)
    assert count(KZO.AdditionalFunction) == 22


def test_rdf_iris_and_links(g):
    u = lambda p: URIRef(f"{STD}/{p}")  # noqa: E731
    assert (u("competence/3"), KZO.hasCriterion, u("criterion/3.2")) in g
    assert (u("criterion/3.2"), KZO.hasIndicator, u("indicator/3.2.1")) in g
    assert (u("competence/3"), SKOS.notation, Literal("3")) in g
    assert (u("indicator/3.2.1"), SKOS.notation, Literal("3.2.1")) in g
    assert (u("descriptor/3.2/expert"), KZO.category, URIRef(f"{KZCODE}category/expert")) in g
    assert (u("descriptor/3.2/expert"), KZO.criterion, u("criterion/3.2")) in g
    card = u("card/app4-level-6-7")
    assert (card, RDF.type, KZO.ProfessionCard) in g
    assert (card, KZO.qualificationLevel, Literal("6-7")) in g
    assert (card, KZO.occupationCode, Literal("2350")) in g
    assert (u("card/app4-level-6-7/function/1/task/1"), KZO.requiresSkill,
            u("card/app4-level-6-7/function/1/task/1/skill/1")) in g
    assert (u("card/app5-level-6.1"), KZO.sbshLevel, URIRef(f"{KZCODE}sbsh-level/6.1")) in g
    assert (URIRef(f"{KZCODE}sbsh-level/6.1"), SKOS.broader, URIRef(f"{KZCODE}sbsh-level/6")) in g
    nk = URIRef(f"{KZCODE}nk-rk-01-2017/2362")
    assert (nk, SKOS.notation, Literal("2362")) in g and (nk, SKOS.broader, URIRef(f"{KZCODE}nk-rk-01-2017/236")) in g
    assert (u("card/app3-level-5"), SKOS.closeMatch, URIRef(f"{KZID}position/tqc-2020/ch2-p4")) in g


def test_labels_and_values_are_kazakh(g):
    for p in (SKOS.prefLabel, SKOS.altLabel, RDF.value, SKOS.definition):
        for o in g.objects(None, p):
            assert isinstance(o, Literal) and o.language == "kk", (p, o)


def test_schema_position_gives_item_order(g):
    q = """PREFIX kzo: <https://w3id.org/kz-edu/onto#> PREFIX schema: <https://schema.org/>
    SELECT ?pos ?v WHERE { <%s/card/app8-level-6/function/4/task/2> kzo:requiresSkill ?s .
                           ?s schema:position ?pos ; rdf:value ?v } ORDER BY ?pos""" % STD
    rows = list(g.query(q))
    assert [int(r.pos) for r in rows] == [1, 2, 3, 4]
    assert str(rows[2].v).startswith("Компьютерлік сауаттылықты")


@pytest.mark.parametrize("line,kind,about,fragment", [
    (149, "glitch", "competence/3", "'1.3.'"),
    (164, "glitch", "", "merged"),
    (245, "glitch", "card/app4-level-4-5", "235 and 236"),
    (235, "typo", "card/app3-level-6/related-occupation/3", "2374"),
    (594, "broken-reference", "card/app9-level-7/related-occupation/4", "2362"),
    (278, "glitch", "card/app4-level-4-5/related-occupation/4", "en dash"),
    (460, "glitch", "card/app7-level-6", "en dash"),
    (257, "typo", "card/app4-level-4-5/function/1/task/1/skill/1", "ескеру"),
    (617, "typo", "card/app10-level-6/function/1/task/1/knowledge/1", "кедергілерді"),
    (451, "glitch", "card/app6-level-6", "truncated"),
    (281, "glitch", "card/app4-level-4-5", "011400"),
])
def test_data_quality_notes(g, line, kind, about, fragment):
    q = """PREFIX kzo: <https://w3id.org/kz-edu/onto#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    SELECT ?about ?c WHERE { ?n a kzo:DataQualityNote ; kzo:sourceLine %d ; kzo:noteKind <%snote-kind/%s> ;
                             kzo:about ?about ; rdfs:comment ?c }""" % (line, KZCODE, kind)
    target = URIRef(f"{STD}/{about}" if about else STD)
    assert any(r.about == target and fragment in str(r.c) for r in g.query(q)), list(g.query(q))


def test_mapping_table(doc):
    keys = {c.key for c in doc.cards}
    text = TQC2020.read_text(encoding="utf-8").split("\n")
    positions, div = set(), None
    for line in text:
        if m := re.match(r"^(Глава|Раздел) (\d+)\.", line):
            div = ("ch" if m.group(1) == "Глава" else "s") + m.group(2)
        elif (m := re.match(r"^Параграф (\d+)\.", line)) and div:
            positions.add(f"{div}-p{m.group(1)}")
    with open(MAPPING_CSV, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["card"] for r in rows} == keys            # every card is mapped
    for r in rows:
        assert r["position"] in positions, r
        assert r["justification"].strip()


# ---------------------------------------------------------------------------------------------
# damaged copies
# ---------------------------------------------------------------------------------------------


def damaged(tmp_path, edit) -> Path:
    lines = SRC.read_text(encoding="utf-8").split("\n")
    p = tmp_path / SOURCE_FILE
    p.write_text("\n".join(edit(lines)), encoding="utf-8")
    return p


def test_truncated_file_names_missing_appendix(tmp_path):
    p = damaged(tmp_path, lambda ls: ls[:400])
    with pytest.raises(SourceError) as e:
        parse(p)
    assert e.value.file == SOURCE_FILE and e.value.line is not None
    assert "appendix 7" in str(e.value) and "l.128" in str(e.value)


def test_truncated_inside_last_card(tmp_path):
    p = damaged(tmp_path, lambda ls: ls[:620])
    with pytest.raises(SourceError) as e:
        parse(p)
    assert e.value.line == 606 and "has no row" in str(e.value)


def test_removed_appendix_header(tmp_path):
    p = damaged(tmp_path, lambda ls: [l for l in ls if not l.endswith("кәсіптікстандартына5-қосымша")])
    with pytest.raises(SourceError) as e:
        parse(p)
    assert "appendix 5" in str(e.value) and "l.124" in str(e.value)
    assert e.value.line == 392          # the 6-қосымша header, one line up after the removal


def test_removed_second_card_heading(tmp_path):
    p = damaged(tmp_path, lambda ls: ls[:208] + ls[209:])
    with pytest.raises(SourceError) as e:
        parse(p)
    assert e.value.line == 209 and "repeated" in str(e.value)


def test_missing_framework_header(tmp_path):
    p = damaged(tmp_path, lambda ls: [l for l in ls if not l.startswith("Құзыреттер\t|\t")])
    with pytest.raises(SourceError) as e:
        parse(p)
    assert e.value.line is not None and "App. 1 header" in str(e.value)


def test_changed_card_title_warns(tmp_path):
    p = damaged(tmp_path, lambda ls: ls[:208] + [ls[208].replace("Педагог. Мектепке", "Басқа. Мектепке")] + ls[209:])
    doc = parse(p)
    (w,) = doc.warnings
    assert w.line == 209 and w.code == "card-title-changed"
