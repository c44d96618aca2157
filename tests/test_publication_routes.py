"""/.well-known/void and /dumps/ on the served build (issues 5 and 6)."""
from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, VOID

from service_fixtures import make_client, tiny_data  # noqa: F401 (fixture)


def _client(built):
    build_dir, _ = built
    return make_client(build_dir / "dataset.nq", build_dir=str(build_dir), data_files=(), query_workers=0)


def test_void_describes_the_served_build(built):
    build_dir, summary = built
    with _client(built) as c:
        answer = c.get("/.well-known/void")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/turtle")
        g = Graph().parse(data=answer.text, format="turtle")
        datasets = list(g.subjects(RDF.type, VOID.Dataset))
        assert datasets
        for graph, count in summary.graphs.items():
            subset = URIRef(graph.replace("/id/graph/", "/id/dataset/graph/"))
            assert [int(t) for t in g.objects(subset, VOID.triples)] == [count], graph
        assert (None, VOID.sparqlEndpoint, URIRef("http://testserver/sparql")) in g
        jsonld = c.get("/.well-known/void", headers={"Accept": "application/ld+json"})
        assert jsonld.headers["content-type"].startswith("application/ld+json")
        assert c.get("/.well-known/void", headers={"Accept": "image/png"}).status_code == 406


def test_dumps_are_listed_and_downloadable(built):
    build_dir, _ = built
    with _client(built) as c:
        names = [d["name"] for d in c.get("/dumps/").json()["dumps"]]
        assert {"dataset.nq", "dataset.ttl", "dataset.jsonld", "dataset.nt", "tables.zip"} <= set(names)
        nq = c.get("/dumps/dataset.nq")
        assert nq.status_code == 200 and nq.headers["content-type"].startswith("application/n-quads")
        assert nq.content == (build_dir / "current" / "dumps" / "dataset.nq").read_bytes()


def test_dump_paths_cannot_leave_the_dumps_folder(built):
    with _client(built) as c:
        for path in ("/dumps/../../pyproject.toml", "/dumps/..%2f..%2fpyproject.toml", "/dumps/%2e%2e/build.json",
                     "/dumps/store", "/dumps/nothing.nq"):
            answer = c.get(path)
            assert answer.status_code == 404, path
            assert answer.json()["error"]["status"] == 404


def test_data_mode_has_no_dumps(tiny_data):
    with make_client(tiny_data, query_workers=0) as c:
        assert c.get("/dumps/").json()["error"]["code"] == "no_build"
        assert c.get("/.well-known/void").status_code == 404
