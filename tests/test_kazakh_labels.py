"""Kazakh labels of the 2020 positions (loaders/kazakh_labels.py, graph kzid:graph/labels-kk).

On the built dataset: the Kokshetau vacancy names §3.9 (its Kazakh title, its file and line); no
position has two Kazakh prefLabels; every SKOS-XL label node carries file, line and derivation and
its words are printed on that line; cards count only through skos:closeMatch; 2008 titles are
predecessor titles, never prefLabels. On small hand-made graphs: the prefLabel rule itself.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, SKOS, XSD

from loaders.kazakh_labels import GRAPH, SKOSXL, kazakh_labels_graph
from loaders.namespaces import KZID, KZO, SCHEMA

SOURCES = Path(__file__).resolve().parents[1] / "data" / "sources"
POS = "https://w3id.org/kz-edu/id/position/tqc-2020/"
XL = "http://www.w3.org/2008/05/skos-xl#"
PREFIXES = f"""
PREFIX skosxl: <{XL}>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


@pytest.fixture(scope="module")
def labels(select):
    """Every SKOS-XL label of the labels-kk graph with its position, relation and provenance."""
    return select(PREFIXES + f"""
    SELECT ?position ?relation ?label ?form ?file ?line ?predecessor WHERE {{
      GRAPH <{GRAPH}> {{
        ?position ?relation ?label .
        FILTER(?relation IN (skosxl:prefLabel, skosxl:altLabel))
        ?label skosxl:literalForm ?form .
        OPTIONAL {{ ?label kzo:sourceFile ?file }}
        OPTIONAL {{ ?label kzo:sourceLine ?line }}
        BIND(EXISTS {{ ?label a kzo:PredecessorTitle }} AS ?predecessor)
      }}
    }} ORDER BY ?position ?label""")


def test_vacancy_title_names_ch3_p9(select):
    rows = select(PREFIXES + f"""
    SELECT ?form ?file ?line ?plain WHERE {{
      <{POS}ch3-p9> skosxl:prefLabel ?label ; skos:prefLabel ?plain .
      FILTER(lang(?plain) = "kk")
      ?label skosxl:literalForm ?form ; kzo:sourceFile ?file ; kzo:sourceLine ?line ;
             prov:wasDerivedFrom <https://w3id.org/kz-edu/id/vacancy/vacancy-kokshetau-assistant/kk> .
    }}""")
    assert len(rows) == 1, rows
    row = rows[0]
    assert row["file"] == "vacancy-kokshetau-assistant.txt"
    assert row["form"] == row["plain"] == "педагог-ассистент"
    line = int(row["line"])
    assert 1 <= line <= 200  # the Kazakh half (docs/sources.md §3.1)
    assert line == 5
    printed = (SOURCES / row["file"]).read_text(encoding="utf-8").splitlines()[line - 1]
    assert "педагог-ассистент бос лауазымына" in printed


def test_the_vacancy_title_comes_from_the_vacancy_graph(select):
    """Not hard-coded: it is the announcement's schema:title @kk, for the position it is for."""
    rows = select(f"""
    SELECT ?title WHERE {{
      <https://w3id.org/kz-edu/id/vacancy/vacancy-kokshetau-assistant> schema:title ?title ;
          kzo:forPosition <{POS}ch3-p9> .
      FILTER(lang(?title) = "kk")
    }}""")
    assert [r["title"] for r in rows] == ["педагог-ассистент"]


def test_no_position_has_two_kazakh_preflabels(select):
    rows = select("""
    SELECT ?p (COUNT(DISTINCT ?l) AS ?n) WHERE {
      ?p skos:prefLabel ?l . FILTER(lang(?l) = "kk")
    } GROUP BY ?p HAVING (COUNT(DISTINCT ?l) > 1)""")
    assert rows == []
    xl = select(PREFIXES + """
    SELECT ?p (COUNT(DISTINCT ?l) AS ?n) WHERE { ?p skosxl:prefLabel ?l }
    GROUP BY ?p HAVING (COUNT(DISTINCT ?l) > 1)""")
    assert xl == []


def test_every_label_node_has_file_line_and_derivation(select, labels):
    assert labels
    for row in labels:
        assert row["file"] and row["line"], row
    rows = select(PREFIXES + f"""
    SELECT ?label (COUNT(DISTINCT ?f) AS ?files) (COUNT(DISTINCT ?l) AS ?lines)
           (COUNT(DISTINCT ?d) AS ?derived) WHERE {{
      GRAPH <{GRAPH}> {{
        ?label a skosxl:Label .
        OPTIONAL {{ ?label kzo:sourceFile ?f }}
        OPTIONAL {{ ?label kzo:sourceLine ?l }}
        OPTIONAL {{ ?label prov:wasDerivedFrom ?d }}
      }}
    }} GROUP BY ?label""")
    assert len(rows) == len(labels)
    for row in rows:
        assert (int(row["files"]), int(row["lines"])) == (1, 1), row
        assert int(row["derived"]) >= 1, row
    languages = select(PREFIXES + f"""
    SELECT DISTINCT (lang(?form) AS ?lang) WHERE {{ GRAPH <{GRAPH}> {{ ?x skosxl:literalForm ?form }} }}""")
    assert [r["lang"] for r in languages] == ["kk"]


def test_every_label_is_printed_on_its_line(labels):
    """The label's words start on the cited line (a 2008 title may run on to the next lines)."""
    texts: dict[str, list[str]] = {}
    for row in labels:
        lines = texts.setdefault(row["file"], (SOURCES / row["file"]).read_text(encoding="utf-8").splitlines())
        line = int(row["line"])
        window = _norm(" ".join(lines[line - 1:line + 3]))
        assert _norm(row["form"]) in window or _norm(row["form"])[:20] in _norm(lines[line - 1]), row


def test_counts_by_source(labels):
    kinds = Counter()
    for row in labels:
        kinds[(row["file"], row["relation"].rsplit("#", 1)[1], row["predecessor"])] += 1
    assert kinds[("vacancy-kokshetau-assistant.txt", "prefLabel", "false")] == 1
    # five positions have closeMatch cards: ch2-p4, ch3-p6, s2-p20, ch6-p3, ch3-p10 (two cards of one
    # appendix print the same title: one label)
    assert kinds[("prof-standard-pedagog-2022-kk.txt", "prefLabel", "false")] == 5
    assert kinds[("prof-standard-pedagog-2022-kk.txt", "altLabel", "false")] == 0
    # one per 2008 block with a closeMatch 2020 counterpart
    assert kinds[("tqc-2008-kk.txt", "altLabel", "true")] == 27
    assert sum(kinds.values()) == 33


def test_cards_count_only_through_close_match(select, labels):
    card_positions = {r["position"] for r in labels if r["file"] == "prof-standard-pedagog-2022-kk.txt"}
    assert card_positions == {POS + k for k in ("ch2-p4", "ch3-p6", "s2-p20", "ch6-p3", "ch3-p10")}
    # the psychologist cards are only narrowMatch / the social pedagogue card only relatedMatch here
    for key in ("ch3-p7", "ch2-p8", "s2-p16", "ch4-p6", "s2-p25", "ch3-p8"):
        assert not any(r["position"] == POS + key and r["file"].startswith("prof-standard") for r in labels)
    rows = select(PREFIXES + f"""
    SELECT ?position ?card WHERE {{
      GRAPH <{GRAPH}> {{ ?position skosxl:prefLabel|skosxl:altLabel ?label . ?label prov:wasDerivedFrom ?card }}
      ?card a kzo:ProfessionCard .
      FILTER NOT EXISTS {{ ?card skos:closeMatch ?position }}
    }}""")
    assert rows == []
    school = {r["form"] for r in labels if r["position"] == POS + "ch3-p6" and r["relation"].endswith("prefLabel")}
    assert school == {"Мектеп педагогі"}


def test_2008_titles_are_predecessor_alt_labels(select, labels):
    for row in labels:
        if row["file"] == "tqc-2008-kk.txt":
            assert row["predecessor"] == "true" and row["relation"] == XL + "altLabel", row
    rows = select(PREFIXES + f"""
    SELECT ?position ?block WHERE {{
      GRAPH <{GRAPH}> {{ ?position skosxl:altLabel ?label . ?label a kzo:PredecessorTitle ;
                                                                  prov:wasDerivedFrom ?block }}
      FILTER(STRSTARTS(STR(?block), "https://w3id.org/kz-edu/id/position/tqc-2008/"))
      FILTER NOT EXISTS {{ ?block skos:closeMatch ?position }}
    }}""")
    assert rows == []
    teachers = [r for r in labels if r["position"] == POS + "ch3-p6" and r["predecessor"] == "true"]
    assert [(t["form"], t["line"]) for t in teachers] == [("Барлық мамандықтардың оқытушылары", "1097")]
    # narrowMatch blocks (the generic psychologist s3-b16) give no label
    assert not any(r["position"] == POS + "ch3-p7" for r in labels)


def test_plain_labels_mirror_the_xl_ones(select, labels):
    plain = select(f"""
    SELECT ?position ?p ?l WHERE {{
      GRAPH <{GRAPH}> {{ ?position ?p ?l . FILTER(?p IN (skos:prefLabel, skos:altLabel)) }}
    }}""")
    got = {(r["position"], r["p"].rsplit("#", 1)[1], r["l"]) for r in plain}
    want = {(r["position"], r["relation"].rsplit("#", 1)[1], r["form"]) for r in labels}
    assert got == want
    search = select("""SELECT ?p WHERE { ?p skos:altLabel "Барлық мамандықтардың оқытушылары"@kk }""")
    assert [r["p"] for r in search] == [POS + "ch3-p6"]


# -- the rule itself, on hand-made graphs -----------------------------------------------------------

def _card(g: Graph, key: str, title: str, line: int, position: str, mapping=SKOS.closeMatch) -> None:
    card = URIRef(f"{KZID}standard/pedagog-2022/card/{key}")
    g.add((card, RDF.type, KZO.ProfessionCard))
    g.add((card, SKOS.prefLabel, Literal(title, lang="kk")))
    g.add((card, KZO.sourceFile, Literal("prof-standard-pedagog-2022-kk.txt")))
    g.add((card, KZO.sourceLine, Literal(line, datatype=XSD.integer)))
    g.add((card, mapping, URIRef(POS + position)))


def _positions(*keys: str) -> Graph:
    g = Graph()
    for key in keys:
        g.add((URIRef(POS + key), RDF.type, KZO.Position))
        g.add((URIRef(POS + key), SKOS.prefLabel, Literal(f"Должность {key}", lang="ru")))
    return g


def test_two_different_own_titles_give_no_preflabel():
    cards = Graph()
    _card(cards, "app1-level-5", "Бірінші атау", 10, "ch1-p1")
    _card(cards, "app2-level-6", "Екінші атау", 20, "ch1-p1")
    out = kazakh_labels_graph({"a": _positions("ch1-p1"), "b": cards})
    pos = URIRef(POS + "ch1-p1")
    assert list(out.objects(pos, SKOS.prefLabel)) == []
    assert set(out.objects(pos, SKOS.altLabel)) == {Literal("Бірінші атау", lang="kk"),
                                                    Literal("Екінші атау", lang="kk")}


def test_same_title_on_two_cards_is_one_preflabel_and_narrow_cards_are_skipped():
    cards = Graph()
    _card(cards, "app1-level-5", "Бір  атау", 10, "ch1-p1")
    _card(cards, "app1-level-6", "Бір атау", 30, "ch1-p1")
    _card(cards, "app9-level-6", "Басқа атау", 40, "ch1-p1", SKOS.narrowMatch)
    out = kazakh_labels_graph({"a": _positions("ch1-p1"), "b": cards})
    pos = URIRef(POS + "ch1-p1")
    assert list(out.objects(pos, SKOS.prefLabel)) == [Literal("Бір атау", lang="kk")]
    assert list(out.objects(pos, SKOS.altLabel)) == []
    (label,) = out.objects(pos, SKOSXL.prefLabel)
    assert out.value(label, KZO.sourceLine).toPython() == 10
    assert len(set(out.objects(label, PROV.wasDerivedFrom))) == 2


def test_existing_kazakh_preflabel_is_kept_alone():
    base = _positions("ch1-p1")
    base.add((URIRef(POS + "ch1-p1"), SKOS.prefLabel, Literal("Ресми атауы", lang="kk")))
    cards = Graph()
    _card(cards, "app1-level-5", "Карточка атауы", 10, "ch1-p1")
    out = kazakh_labels_graph({"a": base, "b": cards})
    assert list(out.objects(URIRef(POS + "ch1-p1"), SKOS.prefLabel)) == []
    assert list(out.objects(URIRef(POS + "ch1-p1"), SKOS.altLabel)) == [Literal("Карточка атауы", lang="kk")]


def test_a_2008_title_is_never_a_preflabel():
    base = _positions("ch1-p1")
    block = URIRef(f"{KZID}position/tqc-2008/s3-b1")
    base.add((block, RDF.type, KZO.Position))
    base.add((block, SKOS.prefLabel, Literal("Ескі атау", lang="kk")))
    base.add((block, KZO.sourceFile, Literal("tqc-2008-kk.txt")))
    base.add((block, KZO.sourceLine, Literal(7, datatype=XSD.integer)))
    base.add((block, SKOS.closeMatch, URIRef(POS + "ch1-p1")))
    out = kazakh_labels_graph({"a": base})
    pos = URIRef(POS + "ch1-p1")
    assert list(out.objects(pos, SKOS.prefLabel)) == []
    (label,) = out.objects(pos, SKOSXL.altLabel)
    assert (label, RDF.type, KZO.PredecessorTitle) in out
    assert (label, PROV.wasDerivedFrom, block) in out


def test_vacancy_line_falls_back_to_the_kazakh_text(tmp_path):
    base = _positions("ch1-p1")
    vac = URIRef(f"{KZID}vacancy/vacancy-x")
    text = URIRef(f"{vac}/kk")
    base.add((vac, RDF.type, KZO.Vacancy))
    base.add((vac, KZO.forPosition, URIRef(POS + "ch1-p1")))
    base.add((vac, SCHEMA.title, Literal("мұғалім", lang="kk")))
    base.add((vac, KZO.sourceFile, Literal("vacancy-x.txt")))
    base.add((vac, KZO.hasLanguageVersion, text))
    from rdflib.namespace import DCTERMS
    base.add((text, DCTERMS.language, Literal("kk")))
    base.add((text, KZO.sourceLine, Literal(3, datatype=XSD.integer)))
    (tmp_path / "vacancy-x.txt").write_text("a\nb\nc\nd\n  мұғалім бос лауазымына\n", encoding="utf-8")
    out = kazakh_labels_graph({"a": base}, tmp_path)
    (label,) = out.objects(URIRef(POS + "ch1-p1"), SKOSXL.prefLabel)
    assert out.value(label, KZO.sourceLine).toPython() == 5
    missing = kazakh_labels_graph({"a": base}, tmp_path / "nowhere")
    (label,) = missing.objects(URIRef(POS + "ch1-p1"), SKOSXL.prefLabel)
    assert missing.value(label, KZO.sourceLine).toPython() == 3
