"""Issue 5: the Graph Store Protocol at /store over the embedded store (the tiny dataset).

Written from https://www.w3.org/TR/sparql11-http-rdf-update/ (indirect graph identification).
The same routes over a remote store are tested in test_remote_store.py.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from service import errors
from service.graph_store import GraphRequest, handle_graph
from service.settings import Settings
from service.store import LocalEngine, load_data_files
from service_fixtures import TOKEN, client, make_client, tiny_data  # noqa: F401

G1 = "http://example.org/g1"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TTL = {"Content-Type": "text/turtle"}
NT = "application/n-triples"


@pytest.fixture()
def writable(tiny_data):
    with make_client(tiny_data, allow_updates=True, update_token=TOKEN) as c:
        yield c


def _triples(text: str) -> set[str]:
    return {str(q.triple) for q in ox.parse(text, ox.RdfFormat.N_TRIPLES)}


def test_get_a_graph_in_the_negotiated_format(client):
    answer = client.get("/store", params={"graph": G1}, headers={"Accept": NT})
    assert answer.status_code == 200 and answer.headers["content-type"] == NT
    assert _triples(answer.text) == {
        '<http://example.org/alice> <http://example.org/name> "Alice"',
        '<http://example.org/alice> <http://example.org/age> "42"^^<http://www.w3.org/2001/XMLSchema#integer>',
        '<http://example.org/alice> <http://example.org/label> "Алиса"@ru'}
    assert client.get("/store", params={"graph": G1}).headers["content-type"].startswith("text/turtle")
    head = client.head("/store", params={"graph": G1})
    assert head.status_code == 200 and head.content == b""


@pytest.mark.parametrize("params,status,code", [
    ({"graph": "http://example.org/none"}, 404, "not_found"),
    ({}, 400, "missing_parameter"),
    ({"graph": G1, "default": ""}, 400, "conflicting_parameters"),
    ({"graph": "relative"}, 400, "invalid_iri"),
    ({"graph": G1, "format": "nt"}, 400, "invalid_parameter"),
])
def test_read_errors(client, params, status, code):
    answer = client.get("/store", params=params)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code


def test_not_acceptable(client):
    answer = client.get("/store", params={"graph": G1}, headers={"Accept": "text/csv"})
    assert answer.status_code == 406


def test_writes_are_off_by_default_and_need_the_token(client, writable):
    body = "<http://example.org/x> <http://example.org/p> 1 ."
    assert client.put("/store", params={"graph": G1}, content=body, headers=TTL).status_code == 403
    assert client.delete("/store", params={"graph": G1}).json()["error"]["code"] == "updates_disabled"
    refused = writable.put("/store", params={"graph": G1}, content=body, headers={**TTL, "Authorization": "Bearer no"})
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_put_post_get_delete(writable):
    graph = "http://example.org/new"
    put = writable.put("/store", params={"graph": graph}, headers={**TTL, **AUTH},
                       content="@prefix ex: <http://example.org/> . ex:a ex:p ex:b .")
    assert put.status_code == 201
    again = writable.put("/store", params={"graph": graph}, headers={**TTL, **AUTH},
                         content="@prefix ex: <http://example.org/> . ex:a ex:p ex:c .")
    assert again.status_code == 204  # replaced, not merged
    post = writable.post("/store", params={"graph": graph}, headers={"Content-Type": NT, **AUTH},
                         content='<http://example.org/a> <http://example.org/q> "q"@kk .\n')
    assert post.status_code == 204
    got = writable.get("/store", params={"graph": graph}, headers={"Accept": NT})
    assert _triples(got.text) == {'<http://example.org/a> <http://example.org/p> <http://example.org/c>',
                                  '<http://example.org/a> <http://example.org/q> "q"@kk'}
    seen = writable.get("/sparql", params={"query": "ASK { <http://example.org/a> ?p \"q\"@kk }"})
    assert seen.json()["boolean"] is True  # the endpoint's union default graph sees the new graph
    assert writable.delete("/store", params={"graph": graph}, headers=AUTH).status_code == 204
    assert writable.get("/store", params={"graph": graph}).status_code == 404
    assert writable.delete("/store", params={"graph": graph}, headers=AUTH).status_code == 404


def test_bad_bodies_change_nothing(writable):
    before = writable.get("/store", params={"graph": G1}, headers={"Accept": NT}).text
    bad = writable.put("/store", params={"graph": G1}, content="<http://a> <http://b> .", headers={**TTL, **AUTH})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_body"
    assert "line 1" in bad.json()["error"]["message"]
    quads = writable.put("/store", params={"graph": G1}, content="", headers={"Content-Type": "application/trig", **AUTH})
    assert quads.status_code == 415
    assert writable.get("/store", params={"graph": G1}, headers={"Accept": NT}).text == before


def test_handler_without_http(tiny_data):
    """`handle_graph` is a plain function over an engine (no FastAPI needed)."""
    engine = LocalEngine(load_data_files([tiny_data]))
    settings = Settings(allow_updates=True, update_token=TOKEN, query_workers=0)
    created = handle_graph(GraphRequest("POST", (("graph", "http://example.org/h"),), "text/turtle",
                                        b"<http://example.org/s> <http://example.org/p> 1 .", None,
                                        f"Bearer {TOKEN}"), engine, settings)
    assert created.status == 201
    read = handle_graph(GraphRequest("GET", (("graph", "http://example.org/h"),), accept=NT), engine, settings)
    assert read.body == (b'<http://example.org/s> <http://example.org/p> '
                         b'"1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n')
    with pytest.raises(errors.ApiError) as refused:
        handle_graph(GraphRequest("PATCH", (("graph", "http://example.org/h"),)), engine, settings)
    assert refused.value.status == 405
