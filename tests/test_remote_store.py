"""Issue 5: the service over a remote store (Oxigraph server), loaded with `pedkg publish`.

An ``oxigraph serve`` (PyPI package ``oxigraph``) runs on a free port for this module; the real
build is published into it through the Graph Store Protocol, and the service in remote mode must
answer exactly as the embedded store does.  The time-limit test runs last: the store goes on
computing the abandoned query until the module's server is stopped.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox
import pytest
import typer
from typer.testing import CliRunner

from service.app import create_app
from service.named_queries import load_queries
from service.publish import publish_command, query_url_candidates
from service.remote_store import RemoteEngine, derive_update_url
from service.settings import Settings
from service_fixtures import REPO, TOKEN, ConnectionWatcher, TestClient, free_port

KZO = "PREFIX kzo: <https://w3id.org/kz-edu/onto#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
GRAPH_2020 = "https://w3id.org/kz-edu/id/graph/tqc-2020-ru"
JSON_MT, CSV_MT = "application/sparql-results+json", "text/csv"
# about 35 million solutions: seconds on any machine, far beyond the 0.25 s limit below
SLOW_QUERY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d a <https://w3id.org/kz-edu/onto#Position> "
              "VALUES ?k { 1 2 3 4 } }")


def oxigraph_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "oxigraph"
    return str(beside_python) if beside_python.is_file() else shutil.which("oxigraph")


@pytest.fixture(scope="module")
def oxigraph_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a fresh ``oxigraph serve`` (stopped after the module)."""
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the `oxigraph` server binary is not installed (pip install oxigraph; "
                    "it belongs in the project's test extras)")
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    process = subprocess.Popen([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/query", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"oxigraph serve did not start: {process.stderr.read().decode()[:500]}")
        time.sleep(0.1)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture(scope="module")
def published(built, oxigraph_url: str):
    """`pedkg publish --to <oxigraph>/store` of the real build: (CLI result, build summary)."""
    build_dir, summary = built
    cli = typer.Typer()
    cli.command("publish")(publish_command)
    cli.command("unused")(lambda: None)  # two commands: typer keeps the sub-command name
    result = CliRunner().invoke(cli, ["publish", "--to", f"{oxigraph_url}/store",
                                      "--build-dir", str(build_dir)])
    return result, summary


def _settings(**overrides) -> Settings:
    values = {"queries_dir": str(REPO / "queries"), "query_timeout_s": 20.0, "query_workers": 0}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="module")
def remote(published, oxigraph_url: str, tmp_path_factory) -> Iterator[TestClient]:
    """The service in remote mode over the published store."""
    settings = _settings(store_url=f"{oxigraph_url}/query",
                         build_dir=str(tmp_path_factory.mktemp("no-build") / "build"))
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def embedded(built) -> Iterator[TestClient]:
    build_dir, _ = built
    with TestClient(create_app(_settings(build_dir=str(build_dir))), raise_server_exceptions=False) as client:
        yield client


def _rows(body: bytes) -> list[str]:
    """SPARQL JSON rows as canonical strings (blank node labels masked), in order."""
    bindings = json.loads(body)["results"]["bindings"]
    for row in bindings:
        for term in row.values():
            if term["type"] == "bnode":
                term["value"] = "_"
    return [json.dumps(row, sort_keys=True, ensure_ascii=False) for row in bindings]


def _triples(body: bytes, fmt: ox.RdfFormat) -> set[str]:
    return {str(q.triple) for q in ox.parse(body, fmt)}


# ---------------------------------------------------------------- publish

def test_publish_loads_every_graph_and_checks_the_counts(published, oxigraph_url):
    result, summary = published
    assert result.exit_code == 0, result.output
    assert f"counts checked on {oxigraph_url}/query" in result.output
    counts = httpx.post(f"{oxigraph_url}/query", headers={"Accept": JSON_MT}, data={
        "query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"}).json()
    found = {b["g"]["value"]: int(b["n"]["value"]) for b in counts["results"]["bindings"]}
    assert found == summary.graphs


def test_publish_is_idempotent_and_reports_a_dead_store(built, published, oxigraph_url):
    build_dir, _ = built
    cli = typer.Typer()
    cli.command("publish")(publish_command)
    cli.command("unused")(lambda: None)
    again = CliRunner().invoke(cli, ["publish", "--to", f"{oxigraph_url}/store", "--build-dir", str(build_dir)])
    assert again.exit_code == 0, again.output  # PUT replaces: the counts still match
    dead = CliRunner().invoke(cli, ["publish", "--to", f"http://127.0.0.1:{free_port()}/store",
                                    "--build-dir", str(build_dir)])
    assert dead.exit_code == 2 and "cannot reach the store" in dead.output


def test_endpoint_guesses():
    assert derive_update_url("http://h:7878/query") == "http://h:7878/update"
    assert derive_update_url("http://h/sparql") == "http://h/sparql"
    assert query_url_candidates("http://h:7878/store") == ["http://h:7878/query", "http://h:7878/sparql"]
    assert query_url_candidates("http://h/x") == []


# ---------------------------------------------------------------- same answers as the embedded store

@pytest.mark.parametrize("name", ["positions-by-act", "acts-ranked"])
@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_named_queries_answer_byte_for_byte_alike(remote, embedded, name, suffix):
    query = load_queries(REPO / "queries")[name]
    url = f"/api/queries/{name}{suffix}?{urlencode(query.example_params())}"
    here, there = embedded.get(url), remote.get(url)
    assert here.status_code == there.status_code == 200, there.text
    assert len(here.content) > 100
    assert there.content == here.content


def test_every_named_query_has_the_same_rows(remote, embedded):
    for name, query in load_queries(REPO / "queries").items():
        url = f"/api/queries/{name}.json?{urlencode(query.example_params())}"
        here, there = embedded.get(url), remote.get(url)
        assert there.status_code == here.status_code, (name, there.text)
        if here.status_code == 200:  # (a federated query is refused alike: 403)
            assert sorted(_rows(there.content)) == sorted(_rows(here.content)), name
        else:
            assert there.json() == here.json()


SELECT = KZO + ("SELECT ?p ?label WHERE { ?p a kzo:Position ; skos:prefLabel ?label "
                "FILTER(lang(?label) = 'ru') } ORDER BY ?p ?label")


@pytest.mark.parametrize("query,accept", [
    (SELECT, JSON_MT), (SELECT, CSV_MT), (SELECT, "text/tab-separated-values"),
    (SELECT, "application/sparql-results+xml"),
    (KZO + "ASK { ?p a kzo:Position }", JSON_MT), (KZO + "ASK { ?p a kzo:Nothing }", "application/sparql-results+xml"),
    (KZO + "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", CSV_MT),  # the union default graph
    (KZO + "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g", CSV_MT),
    (KZO + f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH_2020}> WHERE {{ ?s ?p ?o }}", CSV_MT),
])
def test_sparql_results_are_byte_for_byte_alike(remote, embedded, query, accept):
    here = embedded.post("/sparql", data={"query": query}, headers={"Accept": accept})
    there = remote.post("/sparql", data={"query": query}, headers={"Accept": accept})
    assert here.status_code == there.status_code == 200, there.text
    assert there.headers["content-type"] == here.headers["content-type"]
    assert there.content == here.content


@pytest.mark.parametrize("accept,fmt", [("text/turtle", ox.RdfFormat.TURTLE),
                                        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
                                        ("application/ld+json", ox.RdfFormat.JSON_LD)])
def test_construct_gives_the_same_graph(remote, embedded, accept, fmt):
    query = KZO + "CONSTRUCT { ?p kzo:requiresKnowledgeOf ?a ; skos:prefLabel ?l } WHERE { " \
                  "?p kzo:requiresKnowledgeOf ?a ; skos:prefLabel ?l }"
    here = embedded.get("/sparql", params={"query": query}, headers={"Accept": accept})
    there = remote.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert here.status_code == there.status_code == 200, there.text
    assert there.headers["content-type"] == here.headers["content-type"]
    assert len(_triples(there.content, fmt)) > 500
    assert _triples(there.content, fmt) == _triples(here.content, fmt)


@pytest.mark.parametrize("query,accept", [("ASK {}", "text/turtle"),
                                          ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "text/csv")])
def test_form_and_format_mismatch_is_406_alike(remote, embedded, query, accept):
    here = embedded.get("/sparql", params={"query": query}, headers={"Accept": accept})
    there = remote.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert here.status_code == there.status_code == 406
    assert there.json() == here.json()


def test_protocol_dataset_is_forwarded(remote, embedded):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    params = {"query": query, "default-graph-uri": GRAPH_2020}
    here = embedded.get("/sparql", params=params, headers={"Accept": CSV_MT})
    there = remote.get("/sparql", params=params, headers={"Accept": CSV_MT})
    assert there.status_code == 200 and there.content == here.content


def test_row_cap_applies_to_the_remote_answer(oxigraph_url, published, tmp_path):
    settings = _settings(store_url=f"{oxigraph_url}/query", max_rows=5, build_dir=str(tmp_path))
    with TestClient(create_app(settings)) as client:
        answer = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"},
                            headers={"Accept": JSON_MT})
        assert answer.status_code == 200 and answer.headers["X-Pedkg-Truncated"] == "true"
        assert len(answer.json()["results"]["bindings"]) == 5
        graph = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                           headers={"Accept": "application/n-triples"})
        assert graph.headers["X-Pedkg-Truncated"] == "true" and graph.text.count("\n") == 5


def test_portable_union_mode_answers_alike(oxigraph_url, published, embedded, tmp_path):
    """``union="dataset"`` (default-graph-uri/named-graph-uri lists) is what non-Oxigraph stores get."""
    engine = RemoteEngine(f"{oxigraph_url}/query", union="dataset")
    with TestClient(create_app(_settings(build_dir=str(tmp_path)), engine=engine)) as client:
        for query in (SELECT, KZO + "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"):
            there = client.post("/sparql", data={"query": query}, headers={"Accept": CSV_MT})
            here = embedded.post("/sparql", data={"query": query}, headers={"Accept": CSV_MT})
            assert there.status_code == 200 and there.content == here.content


def test_healthz_and_service_description_describe_the_remote(remote, embedded, published, oxigraph_url):
    _, summary = published
    health = remote.get("/healthz").json()
    assert health["source"]["kind"] == "remote" and health["source"]["url"] == f"{oxigraph_url}/query"
    assert health["quads"] == embedded.get("/healthz").json()["quads"] == summary.triples
    assert health["named_graphs"] == len(summary.graphs)
    description = remote.get("/sparql", headers={"Accept": "text/turtle"})
    assert description.status_code == 200 and GRAPH_2020 in description.text


# ---------------------------------------------------------------- errors

def test_store_syntax_error_is_a_400_with_the_stores_message(remote):
    answer = remote.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p "})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "query_rejected" and error["message"].startswith("The data store rejected the query: ")
    assert len(error["message"]) > len("The data store rejected the query: ") + 5


def test_service_outside_the_allow_list_is_refused_before_forwarding(tmp_path):
    watcher = ConnectionWatcher()  # stands in for the store: nothing may reach it
    try:
        with TestClient(create_app(_settings(store_url=watcher.url, build_dir=str(tmp_path)))) as client:
            answer = client.get("/sparql", params={
                "query": "SELECT * WHERE { SERVICE <http://169.254.169.254/latest/> { ?s ?p ?o } }"})
            assert answer.status_code == 403
            assert answer.json()["error"]["code"] == "service_not_allowed"
        time.sleep(0.3)
        assert watcher.connections == 0
    finally:
        watcher.close()


def test_store_down_is_a_clear_503(tmp_path):
    settings = _settings(store_url=f"http://127.0.0.1:{free_port()}/query", build_dir=str(tmp_path))
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:  # starts without the store
        for answer in (client.get("/sparql", params={"query": "ASK {}"}), client.get("/healthz"),
                       client.get("/api/queries/acts-ranked.json")):
            assert answer.status_code == 503, answer.text
            assert answer.headers["content-type"] == "application/json"
            assert answer.json()["error"]["code"] == "store_unavailable"
            assert answer.headers["Retry-After"] == "5"


def test_store_answering_garbage_is_a_502(tmp_path):
    def garbage(request: httpx.Request) -> httpx.Response:
        if b"GRAPH" in request.content:  # the graph listing
            return httpx.Response(500, text="boom")
        return httpx.Response(200, headers={"content-type": JSON_MT}, content=b'{"head": {"vars": [')

    engine = RemoteEngine("http://store.invalid/query", union="store", transport=httpx.MockTransport(garbage))
    with TestClient(create_app(_settings(build_dir=str(tmp_path)), engine=engine),
                    raise_server_exceptions=False) as client:
        answer = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert answer.status_code == 502 and answer.json()["error"]["code"] == "store_failed"
        assert "boom" not in client.get("/healthz").text


# ---------------------------------------------------------------- the graph store over the remote

def test_graph_store_reads_and_writes_through_the_remote(oxigraph_url, published, embedded, tmp_path):
    settings = _settings(store_url=f"{oxigraph_url}/query", allow_updates=True, update_token=TOKEN,
                         build_dir=str(tmp_path))
    graph = "http://example.org/test-remote-gsp"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(settings)) as client:
        params = {"graph": "https://w3id.org/kz-edu/id/graph/reference"}
        there = client.get("/store", params=params, headers={"Accept": "application/n-triples"})
        here = embedded.get("/store", params=params, headers={"Accept": "application/n-triples"})
        assert there.status_code == here.status_code == 200
        assert _triples(there.content, ox.RdfFormat.N_TRIPLES) == _triples(here.content, ox.RdfFormat.N_TRIPLES)
        body = '<http://example.org/a> <http://example.org/p> "один"@ru .'
        assert client.put("/store", params={"graph": graph}, content=body,
                          headers={"Content-Type": "text/turtle"}).status_code == 401
        try:
            assert client.put("/store", params={"graph": graph}, content=body,
                              headers={"Content-Type": "text/turtle", **auth}).status_code == 201
            back = client.get("/store", params={"graph": graph}, headers={"Accept": "application/n-triples"})
            assert back.text == '<http://example.org/a> <http://example.org/p> "один"@ru .\n'
            query = "SELECT ?o WHERE { <http://example.org/a> ?p ?o }"  # the union sees the new graph
            assert "один" in client.get("/sparql", params={"query": query}).text
        finally:
            assert client.delete("/store", params={"graph": graph}, headers=auth).status_code == 204
        assert client.get("/store", params={"graph": graph}).status_code == 404


# ---------------------------------------------------------------- last: the time limit

def test_time_limit_is_enforced_on_the_remote_answer(oxigraph_url, published, tmp_path):
    settings = _settings(store_url=f"{oxigraph_url}/query", query_timeout_s=0.25, build_dir=str(tmp_path))
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        client.get("/sparql", params={"query": "ASK {}"})  # connection and union mode settled
        started = time.monotonic()
        answer = client.get("/sparql", params={"query": SLOW_QUERY})
        elapsed = time.monotonic() - started
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "timeout"
    assert elapsed < 3
