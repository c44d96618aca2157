"""Issue 5: linked data (dereferencing, content negotiation) and the server-rendered web pages,
over a real build of the bundled sources."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
import yaml
from markupsafe import escape

from service import linked_data, pages
from service.app import create_app
from service.settings import Settings
from service_fixtures import REPO, TestClient

KZO = "https://w3id.org/kz-edu/onto#"
KZID = "https://w3id.org/kz-edu/id/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
ASSISTANT = KZID + "position/tqc-2020/ch3-p9"  # Педагог-ассистент организации среднего образования
EDU_LAW = "https://w3id.org/kz-edu/eli/kz/Z070000319_"  # verified: has an Әділет id
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
TEMPLATES = REPO / "service" / "templates"


@pytest.fixture(scope="module")
def web(built) -> TestClient:
    build_dir, _ = built
    app = create_app(Settings(build_dir=str(build_dir), queries_dir=str(REPO / "queries")))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def path_of(iri: str) -> str:
    return iri[len(linked_data.BASE):]


def values(select, query: str, var: str) -> list[str]:
    return sorted({row[var] for row in select(query)})


def parse(body: bytes, fmt: ox.RdfFormat) -> set[tuple[str, str, str]]:
    return {(str(t.subject), str(t.predicate), str(t.object)) for t in ox.parse(body, format=fmt)}


# ---------------------------------------------------------------- linked data

def test_every_position_dereferences_as_html_and_turtle(web, select):
    rows = select("SELECT ?p ?label WHERE { ?p a kzo:Position ; skos:prefLabel ?label }")
    titles: dict[str, list[str]] = {}
    for row in rows:
        titles.setdefault(row["p"], []).append(row["label"])
    assert len(titles) > 100
    for iri, labels in sorted(titles.items()):
        page = web.get(path_of(iri), headers={"accept": BROWSER})
        assert page.status_code == 200, iri
        assert page.headers["content-type"].startswith("text/html")
        assert any(str(escape(label)) in page.text for label in labels), iri
        turtle = web.get(path_of(iri), headers={"accept": "text/turtle"})
        assert turtle.status_code == 200 and turtle.headers["content-type"].startswith("text/turtle")
        assert (f"<{iri}>", f"<{RDF_TYPE}>", f"<{KZO}Position>") in parse(turtle.content, ox.RdfFormat.TURTLE)


@pytest.mark.parametrize("accept, expected", [
    ("text/turtle", "text/turtle"), ("application/ld+json", "application/ld+json"),
    ("application/n-triples", "application/n-triples"), ("application/rdf+xml", "application/rdf+xml"),
    ("text/html", "text/html"), (BROWSER, "text/html"), ("*/*", "text/html"), (None, "text/html"),
    ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
    ("application/x-turtle", "text/turtle"), ("application/json", "application/ld+json"),
])
def test_content_negotiation_by_accept(web, accept, expected):
    headers = {"accept": accept} if accept else {}
    response = web.get(path_of(ASSISTANT), headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected
    assert "Accept" in response.headers["vary"]
    assert '.ttl>; rel="alternate"; type="text/turtle"' in response.headers["link"] or expected == "text/turtle"


@pytest.mark.parametrize("suffix, media, fmt", [
    (".ttl", "text/turtle", ox.RdfFormat.TURTLE), (".jsonld", "application/ld+json", ox.RdfFormat.JSON_LD),
    (".nt", "application/n-triples", ox.RdfFormat.N_TRIPLES), (".rdf", "application/rdf+xml", ox.RdfFormat.RDF_XML),
])
def test_suffix_overrides_accept_and_all_formats_agree(web, suffix, media, fmt):
    response = web.get(path_of(ASSISTANT) + suffix, headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    reference = web.get(path_of(ASSISTANT) + ".nt").content
    assert parse(response.content, fmt) == parse(reference, ox.RdfFormat.N_TRIPLES)


def test_html_suffix_and_unacceptable_accept(web):
    assert web.get(path_of(ASSISTANT) + ".html", headers={"accept": "text/turtle"}).headers[
        "content-type"].startswith("text/html")
    response = web.get(path_of(ASSISTANT), headers={"accept": "image/png"})
    assert response.status_code == 406
    assert response.json()["error"]["code"] == "not_acceptable"
    assert "text/turtle" in response.json()["error"]["details"]["available"]


def test_concise_bounded_description(web):
    triples = parse(web.get(path_of(ASSISTANT) + ".nt").content, ox.RdfFormat.N_TRIPLES)
    subjects = {s for s, _, _ in triples}
    assert f"<{ASSISTANT}>" in subjects
    # the labels of linked IRIs come along (the act, the organisation type), nothing else of them
    law = {(p, o) for s, p, o in triples if s == f"<{EDU_LAW}>"}
    assert law and all(p in ("<http://www.w3.org/2004/02/skos/core#prefLabel>",
                             "<http://www.w3.org/2000/01/rdf-schema#label>") for p, _ in law)
    assert any("Об образовании" in o for _, o in law)
    assert not any(s.startswith(f"<{ASSISTANT}/duty/") and p.endswith("#value>") for s, p, _ in triples)
    turtle = web.get(path_of(ASSISTANT) + ".ttl").text
    assert "@prefix kzo: <https://w3id.org/kz-edu/onto#>" in turtle


@pytest.mark.parametrize("path", ["/id/position/tqc-2020/no-such", "/id/nope.ttl", "/eli/kz/NOPE",
                                  "/code/no-such-scheme", "/id/", "/eli", "/id/position/tqc-2020/ch3-p9/nope.jsonld"])
def test_unknown_entities_are_json_404(web, path):
    response = web.get(path, headers={"accept": BROWSER})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["status"] == 404 and error["code"] in ("unknown_entity", "not_found") and error["message"]


def test_every_act_and_code_dereferences(web, select):
    acts = values(select, "SELECT ?a WHERE { ?a a kzo:LegalAct }", "a")
    codes = values(select, "SELECT ?c WHERE { { ?c a skos:Concept } UNION { ?c a skos:ConceptScheme } "
                           "FILTER(STRSTARTS(STR(?c), 'https://w3id.org/kz-edu/code/')) }", "c")
    assert len(acts) > 30 and len(codes) > 50
    for iri in acts + codes:
        assert web.get(path_of(iri)).status_code == 200, iri
        assert web.get(path_of(iri) + ".ttl").status_code == 200, iri


def test_local_href_and_paths():
    assert linked_data.local_href(ASSISTANT) == "/id/position/tqc-2020/ch3-p9"
    assert linked_data.local_href(KZO + "Position") == "/onto#Position"
    assert linked_data.local_href("https://w3id.org/kz-edu/eli/kz/Z070000319_") == "/eli/kz/Z070000319_"
    assert linked_data.local_href("https://adilet.zan.kz/rus/docs/X") == "https://adilet.zan.kz/rus/docs/X"
    assert linked_data.split_suffix("/id/standard/pedagog-2022/card/app5-level-6.2") == (
        "/id/standard/pedagog-2022/card/app5-level-6.2", None)


# ---------------------------------------------------------------- the ontology

def test_ontology_page_lists_every_term(web, select):
    terms = values(select, f"SELECT ?t WHERE {{ ?t ?p ?o FILTER(STRSTARTS(STR(?t), '{KZO}')) }}", "t")
    assert len(terms) > 80
    page = web.get("/onto", headers={"accept": BROWSER})
    assert page.status_code == 200
    for term in terms:
        name = term[len(KZO):]
        assert f'id="{name}"' in page.text and f"kzo:{name}" in page.text, term
    for lang in ("ru", "kk", "en"):
        assert f'<span class="lang">{lang}</span>' in page.text
    assert "Должность" in page.text and "Лауазым" in page.text and "Position" in page.text


def test_ontology_as_turtle(web, select):
    terms = values(select, f"SELECT ?t WHERE {{ ?t ?p ?o FILTER(STRSTARTS(STR(?t), '{KZO}')) }}", "t")
    for response in (web.get("/onto", headers={"accept": "text/turtle"}), web.get("/onto.ttl")):
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
        subjects = {s for s, _, _ in parse(response.content, ox.RdfFormat.TURTLE)}
        assert {f"<{t}>" for t in terms} <= subjects
        assert "<https://w3id.org/kz-edu/onto>" in subjects


# ---------------------------------------------------------------- pages

def test_position_page_shows_duties_acts_requirements_notes_and_source(web, select):
    page = web.get(path_of(ASSISTANT) + "?lang=ru").text
    assert "Педагог-ассистент организации среднего образования" in page
    duties = values(select, f"SELECT ?t WHERE {{ <{ASSISTANT}> kzo:hasDuty/rdf:value ?t }}", "t")
    assert len(duties) == 10
    for duty in duties:
        assert str(escape(duty)) in page
    acts = values(select, f"SELECT ?l WHERE {{ <{ASSISTANT}> kzo:requiresKnowledgeOf ?a . "
                          "?a skos:prefLabel ?l FILTER(LANG(?l) = 'ru') }", "l")
    for label in acts:
        assert str(escape(label)) in page
    assert 'href="/eli/kz/Z070000319_"' in page
    for section in ('id="duties"', 'id="acts"', 'id="qualification"', 'id="experience"', 'id="categories"',
                    'id="ladder"', 'id="source"'):
        assert section in page, section
    assert "педагог-эксперт" in page and "tqc-2020-ru.txt:1989–2092" in page
    assert '<span class="ln">1989</span>' in page  # the source lines themselves
    assert "<svg" in page and "педагог-мастер" in page


def test_position_page_shows_data_quality_notes(web, select):
    rows = select("SELECT ?p ?n WHERE { ?p a kzo:Position . ?n a kzo:DataQualityNote ; kzo:about ?x . "
                  "FILTER(?x = ?p || STRSTARTS(STR(?x), CONCAT(STR(?p), '/'))) } LIMIT 1")
    assert rows, "the build has notes about positions"
    page = web.get(path_of(rows[0]["p"])).text
    assert 'id="notes"' in page and path_of(rows[0]["n"]) in page


def test_act_page_lists_citing_positions_and_adilet_only_when_verified(web, select):
    page = web.get(path_of(EDU_LAW) + "?lang=ru").text
    assert "Закон Республики Казахстан «Об образовании»" in page
    assert "https://adilet.zan.kz/rus/docs/Z070000319_" in page
    citing = values(select, f"SELECT ?p WHERE {{ ?p kzo:requiresKnowledgeOf <{EDU_LAW}> }}", "p")
    assert citing and all(f'href="{path_of(p)}"' in page for p in citing)
    minted = values(select, "SELECT ?a WHERE { ?a a kzo:LegalAct FILTER NOT EXISTS { ?a kzo:adiletId ?id } }", "a")
    other = web.get(path_of(minted[0]) + "?lang=en").text
    assert "adilet.zan.kz" not in other and "not verified" in other


def test_version_beside_when_linked(tmp_path):
    data = tmp_path / "versions.ttl"
    data.write_text(f"""
@prefix kzo: <{KZO}> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> . @prefix schema: <https://schema.org/> .
<{KZID}position/tqc-2020/x-p1> a kzo:Position ; skos:prefLabel "Учитель"@ru ; kzo:sourceFile "tqc-2020-ru.txt" .
<{KZID}position/tqc-2008/x-b1> a kzo:Position ; skos:prefLabel "Мұғалім"@kk ; kzo:sourceFile "tqc-2008-kk.txt" ;
    kzo:hasDuty <{KZID}position/tqc-2008/x-b1/duty/1> .
<{KZID}position/tqc-2008/x-b1/duty/1> rdf:value "Сабақ береді"@kk ; schema:position 1 .
<{KZID}position-concept/x> a kzo:PositionConcept ;
    kzo:hasVersion <{KZID}position/tqc-2020/x-p1> , <{KZID}position/tqc-2008/x-b1> .
""", encoding="utf-8")
    app = create_app(Settings(data_files=(str(data),), query_workers=0, queries_dir=str(REPO / "queries"),
                              build_dir=str(tmp_path / "none")))
    with TestClient(app) as client:
        page = client.get("/id/position/tqc-2020/x-p1").text
        assert 'id="versions"' in page and "Мұғалім" in page and "Сабақ береді" in page
        assert 'href="/id/position/tqc-2008/x-b1"' in page
        assert "Учитель" in client.get("/id/position/tqc-2008/x-b1").text


@pytest.mark.parametrize("word, expected", [
    ("жетекшісі", KZID + "position/tqc-2008/s3-b28"),  # Kazakh, 2008 title
    ("МУЗЫКАЛЫҚ", KZID + "position/tqc-2008/s3-b28"),  # case-insensitive
    ("ассистент", ASSISTANT), ("Педагог-ассистент среднего", ASSISTANT),  # Russian, words in any order
])
def test_search_finds_positions_in_russian_and_kazakh(web, word, expected):
    page = web.get("/", params={"q": word})
    assert page.status_code == 200
    assert 'id="results"' in page.text and f'href="{path_of(expected)}"' in page.text


def test_search_finds_cards_and_vacancies_and_reports_nothing(web):
    assert "/id/standard/pedagog-2022/card/" in web.get("/", params={"q": "тәрбиеші"}).text
    assert "/id/vacancy/" in web.get("/", params={"q": "педагога-ассистента"}).text
    empty = web.get("/", params={"q": "zzzqqq", "lang": "en"}).text
    assert "Nothing found." in empty


def test_home_lists_every_position(web, select):
    page = web.get("/").text
    for iri in values(select, "SELECT ?p WHERE { ?p a kzo:Position }", "p"):
        assert f'href="{path_of(iri)}"' in page


def test_language_switch(web):
    kk = web.get(path_of(ASSISTANT), params={"lang": "kk"})
    assert "Лауазымдық міндеттері" in kk.text and 'lang="kk"' in kk.text
    assert "lang=kk" in kk.headers.get("set-cookie", "")
    en = web.get("/", params={"lang": "en"}, headers={"cookie": "lang=kk"})
    assert "Search positions" in en.text
    remembered = web.get("/-/sparql", headers={"cookie": "lang=kk"})
    assert "SPARQL редакторы" in remembered.text
    assert "Teacher positions" in web.get("/", headers={"accept-language": "en-US,en;q=0.8"}).text


def test_messages_cover_every_key_in_three_languages():
    messages = yaml.safe_load((TEMPLATES / "messages.yaml").read_text(encoding="utf-8"))
    for key, entry in messages.items():
        assert set(entry) == {"ru", "kk", "en"} and all(isinstance(v, str) and v for v in entry.values()), key
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z_]+)'\)", template.read_text(encoding="utf-8")))
    used |= {"classes", "object_properties", "datatype_properties", "annotation_properties", "other_terms"}
    assert used <= set(messages), sorted(used - set(messages))


def test_sparql_editor_page(web):
    page = web.get("/-/sparql").text
    assert '<script src="/-/static/sparql.js"></script>' in page and 'id="query"' in page
    names = [q["name"] for q in web.get("/api/queries").json()["queries"]]
    assert names and all(f'value="{name}"' in page for name in names)


@pytest.mark.parametrize("path", ["/", "/-/sparql", "/-/network", "/-/ladder", "/onto",
                                  "/id/position/tqc-2020/ch3-p9", "/eli/kz/Z070000319_", "/code/category"])
def test_pages_obey_the_csp(web, path):
    response = web.get(path)
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    text = response.text
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text), "inline script"
    assert not re.search(r"\sstyle=", text) and not re.search(r"\son[a-z]+=", text), "inline style/handler"
    loaded = re.findall(r'\ssrc="([^"]*)"', text) + re.findall(r'<link[^>]*\shref="([^"]*)"', text)
    assert loaded and all(url.startswith("/") or url.startswith("data:") for url in loaded), loaded


def test_network_json(web):
    everything = web.get("/-/network.json").json()
    ids = {n["id"] for n in everything["nodes"]}
    assert everything["links"] and all(l["source"] in ids and l["target"] in ids for l in everything["links"])
    assert {n["kind"] for n in everything["nodes"]} == {"position", "act"}
    org = everything["org_types"][0]["iri"]
    some = web.get("/-/network.json", params={"org_type": org}).json()
    assert 0 < len(some["links"]) < len(everything["links"])
    assert some["filter"]["org_type"] == org


def test_ladder_svg(web):
    response = web.get("/-/ladder.svg", params={"position": ASSISTANT, "lang": "ru"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for category in ("педагог-модератор", "педагог-эксперт", "педагог-исследователь", "педагог-мастер"):
        assert category in texts
    assert "3 лет" in texts and "4 лет" in texts and "5 лет" in texts
    assert web.get("/-/ladder.svg", params={"position": KZID + "nope"}).status_code == 404
    assert web.get("/-/ladder", params={"position": ASSISTANT}).status_code == 200


def test_static_files(web):
    assert web.get("/-/static/app.css").headers["content-type"].startswith("text/css")
    assert web.get("/-/static/sparql.js").headers["content-type"].startswith("text/javascript")
    for bad in ("/-/static/nope.js", "/-/static/..%2Fpages.py", "/-/static/pages.py"):
        assert web.get(bad).status_code == 404


def test_handlers_are_plain_functions(built):
    """The page data works without HTTP (handlers as module functions)."""
    from service.page_data import Ctx
    from service.store import open_engine

    settings = Settings(build_dir=str(built[0]), query_workers=0)
    engine = open_engine(settings)
    try:
        ctx = Ctx(engine, settings, "kk")
        assert pages.choose_lang(None, None, "kk-KZ") == "kk"
        html_text = pages.entity_page(ctx, ASSISTANT, path_of(ASSISTANT))
        assert "Лауазымдық міндеттері" in html_text
        answer = linked_data.handle_rdf(linked_data.resolve(path_of(ASSISTANT) + ".nt", None), engine, settings)
        assert answer.status == 200 and answer.media_type == "application/n-triples"
    finally:
        engine.close()
