"""Fixtures for the service tests: a tiny dataset, `make_client(**settings)`, a live server.

Import the fixtures into a test module with ``from service_fixtures import *``-style names
(pytest puts tests/ on sys.path).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import warnings
from pathlib import Path
from typing import Any, Iterator

import pytest

with warnings.catch_warnings():  # starlette's note about httpx2; TestClient works as is
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

from service.app import create_app
from service.settings import Settings

REPO = Path(__file__).resolve().parents[1]
# CI puts a copy of shared/ beside the clone; the environment variable overrides.
W3C_SPARQL11 = Path(os.environ.get("PEDKG_W3C_SPARQL11",
                                   REPO.parent / "shared" / "w3c" / "rdf-tests-sparql11" / "sparql11"))
KASEI = "http://kasei.us/2009/09/sparql/data/"
TOKEN = "s3cret-token"

# Two named graphs of our own plus the W3C protocol tests' three graphs (data1..3.rdf).
TINY_TRIG = """\
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .

ex:g1 {
  ex:alice ex:name "Alice" ; ex:age 42 ; ex:label "Алиса"@ru .
}
ex:g2 {
  ex:bob ex:name "Bob, \\"the\\" builder" ; ex:knows ex:alice ; ex:height "1.80"^^xsd:decimal .
}
<http://kasei.us/2009/09/sparql/data/data1.rdf> {
  <http://kasei.us/2009/09/sparql/data/data1.rdf> a foaf:Document .
}
<http://kasei.us/2009/09/sparql/data/data2.rdf> {
  <http://kasei.us/2009/09/sparql/data/data2.rdf> a foaf:Document .
}
<http://kasei.us/2009/09/sparql/data/data3.rdf> {
  <http://kasei.us/2009/09/sparql/data/data3.rdf> a foaf:Document .
}
"""

# A graph big enough for a runaway cartesian product (300^4 rows) yet quick to load.
RUNAWAY_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def write_tiny_dataset(folder: Path, extra_triples: int = 300) -> Path:
    path = folder / "tiny.trig"
    filler = "\n".join(f"  ex:n{i} ex:value {i} ." for i in range(extra_triples))
    path.write_text(TINY_TRIG + "ex:g3 {\n" + filler + "\n}\n", encoding="utf-8")
    return path


def tiny_settings(data: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"data_files": (str(data),), "queries_dir": str(REPO / "queries"),
                              "query_timeout_s": 10.0, "build_dir": str(data.parent / "no-build")}
    values.update(overrides)
    return Settings(**values)


@contextlib.contextmanager
def make_client(data: Path, **overrides: Any) -> Iterator[TestClient]:
    """A TestClient over a fresh app on `data`, with `overrides` applied to the settings."""
    app = create_app(tiny_settings(data, **overrides))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_dataset(tmp_path_factory.mktemp("service-data"))


@pytest.fixture(scope="session")
def client(tiny_data: Path) -> Iterator[TestClient]:
    """The read-only service over the tiny dataset, with two worker processes."""
    with make_client(tiny_data) as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def live_server(settings: Settings) -> Iterator[str]:
    """Run uvicorn on 127.0.0.1 in a thread; yield the /sparql URL; stop it afterwards."""
    import uvicorn

    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=settings.port,
                            log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{settings.port}/sparql"
    finally:
        server.should_exit = True
        thread.join(20)


class ConnectionWatcher:
    """A socket listener on 127.0.0.1 that records whether anything connected to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()
