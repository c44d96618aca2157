"""Named queries: the .rq header parser, safe parameter substitution, and /api/queries."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from service.named_queries import (NamedQuery, Param, ParameterError, QueryFileError, load_queries,
                                   parse_query_file)
from service_fixtures import REPO, make_client

KZ_TRIG = """\
@prefix kzo: <https://w3id.org/kz-edu/onto#> .
@prefix kzeli: <https://w3id.org/kz-edu/eli/kz/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

<https://w3id.org/kz-edu/id/graph/tqc-2020-ru> {
  <https://w3id.org/kz-edu/id/position/tqc-2020/ch3-p9> a kzo:Position ;
      skos:prefLabel "Учитель"@ru, "Мұғалім"@kk ;
      kzo:requiresKnowledgeOf kzeli:Z1900000293, kzeli:K950001000_ ;
      kzo:sourceFile "tqc-2020-ru.txt" ; kzo:sourceLine 120 .
  <https://w3id.org/kz-edu/id/position/tqc-2020/ch3-p10> a kzo:Position ;
      skos:prefLabel "Педагог-психолог"@ru ;
      kzo:requiresKnowledgeOf kzeli:Z1900000293 ;
      kzo:sourceFile "tqc-2020-ru.txt" ; kzo:sourceLine 80 .
}
<https://w3id.org/kz-edu/id/graph/reference> {
  kzeli:Z1900000293 a kzo:LegalAct ; skos:prefLabel "О статусе педагога"@ru .
  kzeli:K950001000_ a kzo:LegalAct ; skos:prefLabel "Конституция Республики Казахстан"@ru .
}
"""
POSITIONS_CSV = ("position,label,sourceFile,sourceLine\r\n"
                 "https://w3id.org/kz-edu/id/position/tqc-2020/ch3-p10,Педагог-психолог,tqc-2020-ru.txt,80\r\n"
                 "https://w3id.org/kz-edu/id/position/tqc-2020/ch3-p9,Учитель,tqc-2020-ru.txt,120\r\n")
ACTS_CSV = ("act,label,positions,firstSourceLine\r\n"
            "https://w3id.org/kz-edu/eli/kz/Z1900000293,О статусе педагога,2,80\r\n"
            "https://w3id.org/kz-edu/eli/kz/K950001000_,Конституция Республики Казахстан,1,120\r\n")

HEADER = """\
# title: Things by kind
# title@ru: Вещи по виду
# title@kk: Түрі бойынша заттар
# description: Lists things.
# description@ru: Перечисляет вещи.
# param: kind iri default=http://example.org/Kind "The kind"
# param: name string "A name to match"
# param: n integer default=3
# param: x decimal default=2.5
# param: lang lang default=ru
# example: name=Alice&n=2
# a plain comment line is allowed
SELECT ?s WHERE { ?s a $kind ; <http://example.org/name> $name . FILTER("$name" != '$kind') } # $n
LIMIT 10
"""


@pytest.fixture(scope="module")
def kz_data(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("kz") / "kz.trig"
    path.write_text(KZ_TRIG, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def api(kz_data):
    with make_client(kz_data, query_workers=1) as c:
        yield c


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- the header

def test_header_is_parsed(tmp_path):
    q = parse_query_file(write(tmp_path, "things.rq", HEADER))
    assert q.name == "things"
    assert q.titles == {"en": "Things by kind", "ru": "Вещи по виду", "kk": "Түрі бойынша заттар"}
    assert q.descriptions == {"en": "Lists things.", "ru": "Перечисляет вещи."}
    assert q.params == (Param("kind", "iri", "http://example.org/Kind", "The kind"),
                        Param("name", "string", None, "A name to match"), Param("n", "integer", "3"),
                        Param("x", "decimal", "2.5"), Param("lang", "lang", "ru"))
    assert [p.required for p in q.params] == [False, True, False, False, False]
    assert q.example_params() == {"name": "Alice", "n": "2"}


@pytest.mark.parametrize("line, message", [
    ("# author: me", "unknown header key 'author'"),
    ("# title@de: Dinge", "language must be one of"),
    ("# param: kind uri", "parameter type must be one of"),
    ("# param: 1kind iri", "expected 'param: NAME TYPE"),
    ("# param: n integer default=three", "bad default"),
    ('# param: s string "unterminated', "cannot read the param line"),
])
def test_header_errors_name_file_and_line(tmp_path, line, message):
    path = write(tmp_path, "bad.rq", "# title: Bad\n" + line + "\nASK {}\n")
    with pytest.raises(QueryFileError, match=rf"bad\.rq:2: .*{message}"):
        parse_query_file(path)


def test_title_is_required_and_names_are_restricted(tmp_path):
    with pytest.raises(QueryFileError, match="needs a '# title"):
        parse_query_file(write(tmp_path, "untitled.rq", "# description: x\nASK {}\n"))
    folder = tmp_path / "queries"
    folder.mkdir()
    write(folder, "Bad_Name.rq", "# title: x\nASK {}\n")
    with pytest.raises(QueryFileError, match="may only use"):
        load_queries(folder)
    assert load_queries(tmp_path / "missing") == {}


# ---------------------------------------------------------------- substitution

def test_values_replace_only_dollar_variables_outside_strings_and_comments(tmp_path):
    q = parse_query_file(write(tmp_path, "things.rq", HEADER))
    text = q.render({"name": 'O"Brien'})
    body = text.split("\n", 12)[12]
    assert body == ('SELECT ?s WHERE { ?s a <http://example.org/Kind> ; <http://example.org/name> "O\\"Brien" . '
                    "FILTER(\"$name\" != '$kind') } # $n\nLIMIT 10\n")


@pytest.mark.parametrize("param, value", [
    (Param("a", "iri"), "http://x> } ; DROP ALL ; <http://y"),
    (Param("a", "iri"), "http://x/a b"),
    (Param("a", "iri"), "relative/path"),
    (Param("a", "iri"), 'http://x/"'),
    (Param("n", "integer"), "1 } UNION { ?s ?p ?o"),
    (Param("n", "integer"), "1.5"),
    (Param("d", "decimal"), "1e5"),
    (Param("l", "lang"), "ru) || true || (1"),
    (Param("s", "string"), "x" * 1001),
])
def test_invalid_values_are_refused(param, value):
    q = NamedQuery("q", "ASK { ?s ?p $%s }" % param.name, {"en": "q"}, {}, (param,))
    with pytest.raises(ParameterError, match=f"Parameter '{param.name}' must be"):
        q.render({param.name: value})


def test_unknown_and_missing_parameters(tmp_path):
    q = parse_query_file(write(tmp_path, "things.rq", HEADER))
    with pytest.raises(ParameterError, match="Unknown parameter\\(s\\) colour, size") as unknown:
        q.render({"name": "x", "size": "1", "colour": "red"})
    assert unknown.value.details == {"unknown": ["colour", "size"]}
    with pytest.raises(ParameterError, match="Missing required parameter\\(s\\) name") as missing:
        q.render({})
    assert missing.value.code == "missing_parameter"


@hsettings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_any_string_value_arrives_intact(value):
    q = NamedQuery("echo", "SELECT ?v WHERE { BIND($s AS ?v) }", {"en": "echo"}, {}, (Param("s", "string"),))
    rows = list(ox.Store().query(q.render({"s": value})))
    assert len(rows) == 1 and rows[0]["v"].value == value


@hsettings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_any_iri_value_is_either_refused_or_a_single_term(value):
    q = NamedQuery("iri", "SELECT ?v WHERE { BIND($i AS ?v) }", {"en": "iri"}, {}, (Param("i", "iri"),))
    try:
        text = q.render({"i": value})
    except ParameterError:
        return
    rows = list(ox.Store().query(text))
    assert len(rows) == 1 and rows[0]["v"] == ox.NamedNode(value)


# ---------------------------------------------------------------- the API

def test_list(api):
    body = api.get("/api/queries").json()
    names = [q["name"] for q in body["queries"]]
    assert names == sorted(p.stem for p in (REPO / "queries").glob("*.rq"))
    assert {"acts-ranked", "positions-by-act"} <= set(names)
    for q in body["queries"]:
        assert set(q["title"]) == {"en", "ru", "kk"} and q["example"] and q["url"] == f"/api/queries/{q['name']}"
    by_act = next(q for q in body["queries"] if q["name"] == "positions-by-act")
    assert by_act["params"][0] == {"name": "act", "type": "iri", "required": False,
                                   "default": "https://w3id.org/kz-edu/eli/kz/Z1900000293",
                                   "help": "The legal act (a kzeli: IRI)"}


def test_csv_by_suffix_and_by_accept(api):
    by_suffix = api.get("/api/queries/positions-by-act.csv")
    assert by_suffix.status_code == 200 and by_suffix.headers["content-type"] == "text/csv; charset=utf-8"
    assert by_suffix.text == POSITIONS_CSV
    by_accept = api.get("/api/queries/positions-by-act", headers={"accept": "text/csv"})
    assert by_accept.text == POSITIONS_CSV
    assert api.get("/api/queries/acts-ranked.csv").text == ACTS_CSV
    assert api.get("/api/queries/acts-ranked.csv?min_positions=2").text == ACTS_CSV.rsplit("\r\n", 2)[0] + "\r\n"


def test_json_and_parameters(api):
    response = api.get("/api/queries/positions-by-act.json",
                       params={"act": "https://w3id.org/kz-edu/eli/kz/K950001000_", "lang": "kk"})
    assert response.headers["content-type"] == "application/sparql-results+json"
    rows = response.json()["results"]["bindings"]
    assert [(r["position"]["value"], r["label"]["value"]) for r in rows] == [
        ("https://w3id.org/kz-edu/id/position/tqc-2020/ch3-p9", "Мұғалім")]
    assert api.get("/api/queries/positions-by-act").headers["content-type"] == "application/sparql-results+json"


@pytest.mark.parametrize("url, status, code", [
    ("/api/queries/no-such-query", 404, "not_found"),
    ("/api/queries/POSITIONS-BY-ACT", 404, "not_found"),
    ("/api/queries/..%2F..%2Fetc%2Fpasswd", 404, "not_found"),
    ("/api/queries/..%2Fpyproject", 404, "not_found"),
    ("/api/queries/positions-by-act.rq", 404, "not_found"),
    ("/api/queries/positions-by-act?colour=red", 400, "unknown_parameter"),
    ("/api/queries/positions-by-act?act=a&act=b", 400, "multiple_parameters"),
    ("/api/queries/positions-by-act?act=not%20an%20iri", 400, "invalid_parameter"),
    ("/api/queries/acts-ranked?min_positions=1%7D", 400, "invalid_parameter"),
])
def test_api_errors(api, url, status, code):
    response = api.get(url)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code and response.json()["error"]["status"] == status


def test_unknown_parameter_error_is_actionable(api):
    response = api.get("/api/queries/positions-by-act?colour=red")
    assert response.json() == {"error": {
        "status": 400, "code": "unknown_parameter",
        "message": "Unknown parameter(s) colour for query 'positions-by-act'; it takes: act, lang.",
        "details": {"unknown": ["colour"]}}}


def test_every_example_runs_on_the_real_build(built):
    """Each query's header example answers with rows over the bundled sources' build."""
    build_dir, _ = built
    with make_client(build_dir / "dataset.nq", build_dir=str(build_dir), data_files=(), query_workers=0) as c:
        assert c.get("/healthz").json()["source"]["kind"] == "build"
        for q in c.get("/api/queries").json()["queries"]:
            if q["name"].startswith("federation-"):
                continue  # needs a remote endpoint on the allow-list: tests/test_linking.py runs them
            response = c.get(f"{q['url']}.json?{q['example']}")
            assert response.status_code == 200, response.text
            assert response.json()["results"]["bindings"], f"{q['name']}: the example finds nothing"
