"""Issue 8: hostile and malformed requests against a live server.

Each hostile request must get the right 4xx (or 503 for a runaway query) with the pinned JSON error
shape, and the service must stay responsive: after every case a simple query answers quickly.
Requests are written byte for byte on a socket, so paths reach the server exactly as sent
(no client-side ``..`` normalisation).  `HOSTILE` is also the table in docs/security.md.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import quote

import pytest

from service.app import create_app
from service.server import uvicorn_config
from service.settings import Settings
from service_fixtures import (REPO, TOKEN, ConnectionWatcher, free_port, make_client,  # noqa: F401
                              tiny_data, tiny_settings, write_tiny_dataset)

TIMEOUT_S = 1.5
MAX_BODY, MAX_QUERY = 20_000, 5_000
CHAIN = 1500  # ex:c0 ex:next ex:c1 ... : a long path for runaway property-path queries
ASK = "/sparql?query=" + quote("ASK {}")


# ---------------------------------------------------------------- a live server and raw HTTP

APPS: dict[int, Any] = {}  # port -> the app served there (to watch its worker pool)


@contextlib.contextmanager
def running(settings: Settings) -> Iterator[int]:
    """uvicorn with the configuration `pedkg serve` uses, in a thread; yields its port."""
    import uvicorn

    app = APPS[settings.port] = create_app(settings)
    server = uvicorn.Server(uvicorn_config(app, settings, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    try:
        yield settings.port
    finally:
        server.should_exit = True
        thread.join(20)


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    folder = tmp_path_factory.mktemp("hostile")
    chain = folder / "chain.nt"
    chain.write_text("".join(f"<http://example.org/c{i}> <http://example.org/next> <http://example.org/c{i + 1}> .\n"
                             for i in range(CHAIN)), encoding="utf-8")
    data = write_tiny_dataset(folder)
    settings = tiny_settings(data, data_files=(str(data), str(chain)), port=free_port(), query_workers=2,
                             query_timeout_s=TIMEOUT_S, max_body_bytes=MAX_BODY, max_query_chars=MAX_QUERY)
    with running(settings) as p:
        yield p


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes, elapsed: float) -> None:
        self.status, self.headers, self.body, self.elapsed = status, headers, body, elapsed

    def json(self) -> Any:
        return json.loads(self.body)


def exchange(port: int, raw: bytes, timeout: float = 20.0) -> Answer:
    """Send `raw` (a whole request) and read one response; the server may answer before the
    body is sent in full (413), so a broken pipe while sending is not an error."""
    started = time.monotonic()
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(raw)
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return Answer(response.status, headers, body, time.monotonic() - started)
    finally:
        sock.close()


def request(port: int, method: str, target: str, headers: dict[str, str] | None = None,
            body: bytes = b"", chunks: list[bytes] | None = None) -> Answer:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if chunks is not None:
        lines.append("Transfer-Encoding: chunked")
        payload = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
    else:
        if body or method in ("POST", "PUT", "PATCH"):
            if not any(k.lower() == "content-length" for k in (headers or {})):
                lines.append(f"Content-Length: {len(body)}")
        payload = body
    return exchange(port, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)


def error_of(answer: Answer) -> dict:
    """The pinned error shape: {"error": {"status", "code", "message"[, "details"]}}."""
    assert answer.headers["content-type"].startswith("application/json"), answer.body[:200]
    body = answer.json()
    assert set(body) == {"error"} and {"status", "code", "message"} <= set(body["error"])
    assert body["error"]["status"] == answer.status and body["error"]["message"]
    assert b"Traceback" not in answer.body and b'File "' not in answer.body
    return body["error"]


def wait_for_all_workers(port: int) -> None:
    """After a worker was killed, wait until its successor has started."""
    pool = APPS[port].state.engine
    pool = getattr(pool, "engine", pool)  # a wrapper (e.g. a reloading engine) holds the pool
    deadline = time.monotonic() + 30
    while hasattr(pool, "pids") and len(pool.pids()) < pool.size and time.monotonic() < deadline:
        time.sleep(0.1)


def assert_responsive(port: int, within: float = 1.0) -> None:
    answer = request(port, "GET", ASK)
    assert answer.status == 200 and answer.json() == {"head": {}, "boolean": True}
    assert answer.elapsed < within, f"a simple query took {answer.elapsed:.2f} s"


# ---------------------------------------------------------------- the table of hostile requests

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}
UPDATE = {"Content-Type": "application/sparql-update"}


def q(text: str) -> str:
    return quote(text, safe="")


HOSTILE = [
    # id, method, target, headers, body, status, code
    ("syntax-error", "GET", "/sparql?query=" + q("SELECT * WHERE { ?s ?p }"), {}, b"", 400, "query_syntax"),
    ("control-bytes", "POST", "/sparql", DIRECT, b"\x00\x01\x02SELECT", 400, "query_syntax"),
    ("nested-parentheses", "GET", "/sparql?query=" + q("ASK { FILTER(" + "(" * 500 + "1" + ")" * 500 + ") }"),
     {}, b"", 400, "query_too_complex"),
    ("nested-groups", "POST", "/sparql", DIRECT, ("ASK " + "{" * 1000 + "}" * 1000).encode(), 400,
     "query_too_complex"),
    ("query-too-long-get", "GET", "/sparql?query=" + q("ASK {" + " " * MAX_QUERY + "}"), {}, b"", 413,
     "query_too_long"),
    ("query-too-long-form", "POST", "/sparql", FORM, b"query=" + q("ASK {" + " " * MAX_QUERY + "}").encode(),
     413, "query_too_long"),
    ("body-too-large", "POST", "/sparql", DIRECT, b"ASK {" + b" " * MAX_BODY + b"}", 413, "payload_too_large"),
    ("content-length-lie", "POST", "/sparql", {**DIRECT, "Content-Length": "999999999"}, b"ASK {}", 413,
     "payload_too_large"),
    ("traversal-named-query-encoded-slash", "GET", "/api/queries/..%2f..%2fetc%2fpasswd", {}, b"", 404, "not_found"),
    ("traversal-named-query-encoded-dots", "GET", "/api/queries/%2e%2e%2f%2e%2e%2fpyproject.toml", {}, b"", 404,
     "not_found"),
    ("traversal-named-query-backslash", "GET", "/api/queries/..%5c..%5cpyproject.toml", {}, b"", 404, "not_found"),
    ("traversal-named-query-raw", "GET", "/api/queries/../../pyproject.toml", {}, b"", 404, "not_found"),
    ("traversal-named-query-suffix", "GET", "/api/queries/..%2fpyproject.toml.json", {}, b"", 404, "not_found"),
    ("traversal-dumps-raw", "GET", "/dumps/../../pyproject.toml", {}, b"", 404, None),  # --data: no dumps at all
    ("traversal-dumps-encoded", "GET", "/dumps/..%2f..%2fpyproject.toml", {}, b"", 404, None),
    ("traversal-entity-raw", "GET", "/id/../../etc/passwd", {}, b"", 404, None),
    ("traversal-entity-encoded", "GET", "/id/..%2f..%2fetc%2fpasswd", {}, b"", 404, None),
    ("traversal-entity-turtle", "GET", "/id/%2e%2e/%2e%2e/etc/passwd.ttl", {}, b"", 404, None),
    ("traversal-static", "GET", "/-/static/..%2f..%2fsettings.py", {}, b"", 404, "not_found"),
    ("traversal-static-backslash", "GET", "/-/static/..%5c..%5cpyproject.toml", {}, b"", 404, "not_found"),
    ("method-put", "PUT", "/sparql", DIRECT, b"ASK {}", 405, "method_not_allowed"),
    ("method-patch", "PATCH", "/sparql", DIRECT, b"ASK {}", 405, "method_not_allowed"),
    ("method-delete", "DELETE", ASK, {}, b"", 405, "method_not_allowed"),
    ("method-trace", "TRACE", ASK, {}, b"", 405, "method_not_allowed"),
    ("accept-html-only", "GET", "/sparql?query=" + q("SELECT * {}"), {"Accept": "text/html"}, b"", 406,
     "not_acceptable"),
    ("accept-flood", "GET", ASK, {"Accept": ", ".join(f"x/y{i};q=0.5" for i in range(2000))}, b"", 406,
     "not_acceptable"),
    ("content-type-json", "POST", "/sparql", {"Content-Type": "application/json"}, b'{"query": "ASK {}"}', 415,
     "unsupported_media_type"),
    ("content-type-multipart", "POST", "/sparql", {"Content-Type": "multipart/form-data; boundary=x"},
     b"--x\r\nContent-Disposition: form-data; name=\"query\"\r\n\r\nASK {}\r\n--x--\r\n", 415,
     "unsupported_media_type"),
    ("update-without-token", "POST", "/sparql", UPDATE, b"CLEAR ALL", 403, "updates_disabled"),
    ("update-with-a-token-but-updates-off", "POST", "/sparql", {**UPDATE, "Authorization": f"Bearer {TOKEN}"},
     b"DROP ALL", 403, "updates_disabled"),
    ("update-by-get", "GET", "/sparql?update=" + q("CLEAR ALL"), {}, b"", 400, "update_via_get"),
    ("crlf-in-format", "GET", ASK + "&format=json%0d%0aX-Injected:%201", {}, b"", 400, "invalid_parameter"),
    ("crlf-in-named-query-value", "GET", "/api/queries/positions-by-act?act=http://x/%0d%0aX-Injected:%201", {},
     b"", 400, "invalid_parameter"),
    ("many-parameters", "GET", ASK + "".join(f"&p{i}=1" for i in range(2000)), {}, b"", 400,
     "too_many_parameters"),
    ("many-form-parameters", "POST", "/sparql", FORM,
     ("query=ASK%7B%7D" + "".join(f"&p{i}=1" for i in range(2000))).encode(), 400, "too_many_parameters"),
    ("many-named-query-parameters", "GET", "/api/queries/positions-by-act?" + "&".join(f"p{i}=1" for i in range(500)),
     {}, b"", 400, "unknown_parameter"),
    ("duplicate-query", "GET", ASK + "&query=" + q("SELECT * {}"), {}, b"", 400, "multiple_parameters"),
    ("duplicate-named-query-parameter", "GET", "/api/queries/positions-by-act?act=http://a/&act=http://b/", {}, b"",
     400, "multiple_parameters"),
]
CASE_IDS = [case[0] for case in HOSTILE]
SECRETS = (b"root:", b"[project]", b"import ", b"SECRET")


@pytest.mark.parametrize("name, method, target, headers, body, status, code", HOSTILE, ids=CASE_IDS)
def test_hostile_request_is_refused_and_the_service_stays_up(port, name, method, target, headers, body, status,
                                                             code):
    answer = request(port, method, target, headers, body)
    assert answer.status == status, answer.body[:300]
    err = error_of(answer)
    if code is not None:
        assert err["code"] == code
    assert not any(s in answer.body for s in SECRETS)
    assert "x-injected" not in answer.headers
    if status == 405:
        assert answer.headers["allow"] == "GET, POST"
    assert_responsive(port)


def test_chunked_body_without_length_is_capped(port):
    answer = request(port, "POST", "/sparql", DIRECT, chunks=[b"ASK {"] + [b" " * 1000] * 40 + [b"}"])
    assert answer.status == 413 and error_of(answer)["code"] == "payload_too_large"
    small = request(port, "POST", "/sparql", DIRECT, chunks=[b"ASK ", b"{}"])
    assert small.status == 200 and small.json()["boolean"] is True
    assert_responsive(port)


def test_request_head_beyond_the_http_layer_limit_is_refused(port):
    """A URL far beyond max_query_chars never reaches the app: h11 answers a plain-text 400
    (the one answer that is not JSON; behind nginx it is nginx's 414)."""
    try:
        answer = request(port, "GET", "/sparql?query=" + "A" * 1_000_000)
        assert answer.status == 400
    except ConnectionResetError:  # h11 answered and closed while the request was still being sent
        pass
    assert_responsive(port)


@pytest.mark.parametrize("query", [
    "ASK { ?s <http://example.org/p> (" + " 1" * 800 + " ) }",
    "ASK { ?s <http://example.org/p> (" + " 1" * 2400 + " ) }",
], ids=["long-collection", "very-long-collection"])
def test_long_chains_do_not_kill_a_worker(port, query):
    """Workers run jobs on a large stack (service/store.py): a deep parse is stopped by the time limit."""
    answer = request(port, "POST", "/sparql", DIRECT, query.encode())
    assert_responsive(port)
    assert answer.status in (200, 400, 503), answer.body[:200]
    assert b"internal_error" not in answer.body


# ---------------------------------------------------------------- runaway queries: 503 while others answer

RUNAWAY = {
    "cartesian-3": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "path-star-alternative": "SELECT (COUNT(*) AS ?n) WHERE { ?s (<http://example.org/p>|!<http://example.org/p>)* ?o . "
                             "?o (<http://example.org/p>|!<http://example.org/p>)* ?z }",
    "path-star-join": "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://example.org/next>* ?o . ?o <http://example.org/next>* ?z }",
}


@pytest.mark.parametrize("query", list(RUNAWAY.values()), ids=list(RUNAWAY))
def test_runaway_query_is_stopped_at_the_time_limit(port, query):
    outcome: dict[str, Answer] = {}
    thread = threading.Thread(target=lambda: outcome.setdefault(
        "answer", request(port, "POST", "/sparql", DIRECT, query.encode())))
    thread.start()
    time.sleep(0.3)
    for _ in range(3):  # the other worker answers meanwhile
        assert_responsive(port)
    thread.join(15)
    answer = outcome["answer"]
    assert answer.status == 503 and error_of(answer)["code"] == "timeout"
    assert TIMEOUT_S - 0.1 <= answer.elapsed < TIMEOUT_S + 3
    wait_for_all_workers(port)  # the killed worker's successor starts in the background
    assert_responsive(port)


# ---------------------------------------------------------------- SERVICE: the allow-list, no connection made

SERVICE_TRICKS = {
    "escaped-hash-in-local-name": "PREFIX ex: <http://example.org/> SELECT * WHERE {{ ?s ?p ex:a\\#b . "
                                  "SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "uchar-in-iri": "SELECT * WHERE {{ SERVICE <{url_u}> {{ ?s ?p ?o }} }}",
    "uchar-in-keyword": "SELECT * WHERE {{ SERV\\u0049CE <{url}> {{ ?s ?p ?o }} }}",
    "relative-to-base": "BASE <{root}x/> SELECT * WHERE {{ SERVICE <../sparql> {{ ?s ?p ?o }} }}",
    "scheme-relative": "BASE <http://example.org/> SELECT * WHERE {{ SERVICE <//127.0.0.1:{port}/sparql> "
                       "{{ ?s ?p ?o }} }}",
    "prefix-redefined": "PREFIX r: <http://example.org/> PREFIX r: <{root}> SELECT * WHERE {{ SERVICE r:sparql "
                        "{{ ?s ?p ?o }} }}",
    "escaped-local-name": "PREFIX r: <{root}> SELECT * WHERE {{ SERVICE r:sp\\.arql {{ ?s ?p ?o }} }}",
    "variable-from-bind": "SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "comment-and-case": "select * where {{ sErViCe # comment\n silent\n<{url}> {{ ?s ?p ?o }} }}",
    "userinfo": "SELECT * WHERE {{ SERVICE <http://allowed@127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "in-optional-subquery": "SELECT * WHERE {{ OPTIONAL {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
}


def test_service_tricks_are_refused_without_a_connection(port):
    watcher = ConnectionWatcher()
    try:
        root = f"http://127.0.0.1:{watcher.port}/"
        url_u = root.replace("127", "\\u0031\\u00327") + "sparql"
        for name, template in SERVICE_TRICKS.items():
            query = template.format(url=watcher.url, url_u=url_u, root=root, port=watcher.port)
            for answer in (request(port, "POST", "/sparql", FORM, b"query=" + q(query).encode()),
                           request(port, "POST", "/sparql", DIRECT, query.encode())):
                assert answer.status == 403, (name, answer.body)
                assert error_of(answer)["code"] == "service_not_allowed"
        time.sleep(0.3)
        assert watcher.connections == 0
    finally:
        watcher.close()
    assert_responsive(port)


# ---------------------------------------------------------------- updates with tokens

def test_update_tokens(tiny_data):
    with make_client(tiny_data, query_workers=0, allow_updates=True, update_token=TOKEN) as c:
        insert = b"INSERT DATA { <http://example.org/x> <http://example.org/y> 1 }"
        for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": f"Basic {TOKEN}"},
                        {"authorization": f"Bearer {TOKEN}x"}, {"authorization": "Bearer "},
                        {"authorization": f"Bearer {TOKEN[:-1]}"}):
            answer = c.post("/sparql", content=insert, headers={**headers, "content-type": UPDATE["Content-Type"]})
            assert answer.status_code == 401, headers
            assert answer.json()["error"]["code"] == "unauthorized"
            assert answer.headers["www-authenticate"].startswith("Bearer")
        in_url = c.post(f"/sparql?access_token={TOKEN}", content=insert, headers={"content-type": UPDATE["Content-Type"]})
        assert in_url.status_code == 401
        ok = c.post("/sparql", content=insert, headers={"authorization": f"Bearer {TOKEN}",
                                                        "content-type": UPDATE["Content-Type"]})
        assert ok.status_code == 204


# ---------------------------------------------------------------- portfolios at POST /validate

def _validate_route(port: int) -> bool:
    return request(port, "POST", "/validate", {"Content-Type": "application/json"}, b"{}").status != 404


@pytest.mark.parametrize("body, headers, statuses", [
    (b"{" * 5000, {"Content-Type": "application/json"}, (400, 422)),
    (b'{"portfolio": ' + b"[" * 5000 + b"]" * 5000 + b"}", {"Content-Type": "application/json"}, (400, 422)),
    (b"\xff\xfe not json", {"Content-Type": "application/json"}, (400, 422)),
    (b'{"a": "' + b"x" * (MAX_BODY + 10) + b'"}', {"Content-Type": "application/json"}, (413,)),
    (b"<xml/>", {"Content-Type": "application/xml"}, (400, 415)),
], ids=["unclosed-braces", "deep-arrays", "not-utf8", "oversized", "wrong-content-type"])
def test_malformed_portfolios(port, body, headers, statuses):
    if not _validate_route(port):
        pytest.skip("POST /validate not wired yet")
    answer = request(port, "POST", "/validate", headers, body)
    assert answer.status in statuses
    error_of(answer)
    assert_responsive(port)


# ---------------------------------------------------------------- the docs list every case

def test_security_doc_lists_every_hostile_case():
    doc = (REPO / "docs" / "security.md").read_text(encoding="utf-8")
    missing = [name for name in CASE_IDS + list(RUNAWAY) + list(SERVICE_TRICKS) if f"`{name}`" not in doc]
    assert not missing, f"docs/security.md does not list: {missing}"
