"""A remote store as the query engine: the SPARQL 1.1 Protocol client behind ``--store-url``.

`RemoteEngine` has the interface of the embedded engines in `service.store` (``run(job,
timeout_s) -> JobResult``, ``close()``, ``description``, ``hard_timeout``), so the endpoint, the
named queries and the Graph Store Protocol work unchanged over Oxigraph server, Fuseki, Virtuoso,
GraphDB or QLever.  What stays ours, whatever the store:

- content negotiation and serialization: the store is always asked for SPARQL JSON results or
  N-Triples, which are parsed *as they stream in* and written out by the same serializers as the
  embedded store's (`service.store.serialize_outcome`), so both modes answer byte for byte alike;
- the row cap: reading stops after ``max_rows + 1`` rows and the connection is dropped;
- the time limit: a deadline on the whole exchange (connect, wait, read).  It is enforced on the
  *answer*; the store may go on computing, so give the store its own limit too
  (``oxigraph serve --timeout-s``, Fuseki ``arq:queryTimeout``);
- the SERVICE allow-list (checked by `service.sparql` before anything is sent).

The union default graph: our endpoint's default graph is the union of the named graphs, so a
query without FROM and without a protocol dataset must be sent so that the store answers alike:

- ``union="dataset"`` (works with any SPARQL 1.1 store): one ``default-graph-uri`` *and* one
  ``named-graph-uri`` per named graph of the store (listed with a query, cached for
  `graph_cache_s`, forgotten after every write made through us);
- ``union="oxigraph"``: Oxigraph's own ``union-default-graph`` parameter (about 1.6× faster than
  the dataset lists on Oxigraph 0.5);
- ``union="store"``: nothing is added; the store already answers with a union default graph
  (``oxigraph serve --union-default-graph``, Virtuoso, Fuseki's ``tdb2:unionDefaultGraph``);
- ``union="auto"`` (the default): ``oxigraph`` when the store's ``Server`` header says Oxigraph,
  else ``dataset``.

Errors, in the service's vocabulary: the store's 400 → 400 ``query_rejected`` with the store's
message; the store refusing a write → 403 ``read_only``; the store not reachable → 503
``store_unavailable``; the store failing or answering garbage → 502 ``store_failed``; the deadline
→ 503 ``timeout``.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import time
from typing import Any, Iterator
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

from . import errors
from .sparql import tokenize
from .store import GRAPH_FORMATS, Job, JobResult, NotAcceptable, serialize_outcome

log = logging.getLogger("pedkg.service")

RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
# One Accept for every query form: the store picks by the form of the query.
ACCEPT = f"{RESULTS_JSON}, {NTRIPLES}, text/plain;q=0.5"
MAX_ERROR_CHARS = 2000
USER_AGENT = "pedagog-kg (remote store client)"
_UNION_MODES = ("auto", "dataset", "oxigraph", "store")


def derive_update_url(query_url: str) -> str:
    """The update endpoint that usually sits beside `query_url`.

    >>> derive_update_url("http://localhost:7878/query")      # Oxigraph server
    'http://localhost:7878/update'
    >>> derive_update_url("http://localhost:3030/ds/query")   # Fuseki
    'http://localhost:3030/ds/update'
    >>> derive_update_url("http://localhost:8890/sparql")     # one endpoint for both
    'http://localhost:8890/sparql'
    """
    base, sep, last = query_url.rstrip("/").rpartition("/")
    return f"{base}/update" if sep and last == "query" else query_url


class _Timeout(Exception):
    """The deadline passed while the answer was streaming in."""


class _Unreachable(Exception):
    """The store could not be reached at all."""


class _DeadlineReader(io.RawIOBase):
    """A response body as a file for pyoxigraph's parsers, refusing to read past a deadline."""

    def __init__(self, response: httpx.Response, deadline: float) -> None:
        self._chunks: Iterator[bytes] = response.iter_bytes()
        self._deadline = deadline
        self._pending = b""
        self.timed_out = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            if time.monotonic() > self._deadline:
                self.timed_out = True
                raise OSError("deadline passed")  # pyoxigraph wraps it; `timed_out` says why
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
            except httpx.TimeoutException:
                self.timed_out = True
                raise OSError("read timed out") from None
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _needs_base(text: str) -> bool:
    """True when the text has a relative IRI (so the endpoint's URL must be sent as BASE)."""
    return any(kind == "iri" and not re.match(r"<[A-Za-z][A-Za-z0-9+.\-]*:", tok)
               for kind, tok in tokenize(text))


def _store_message(response: httpx.Response) -> str:
    """The store's error text, short and without markup (it goes to our client)."""
    text = response.text
    if "html" in response.headers.get("content-type", ""):
        text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"[ \t]+", " ", text).strip()
    if len(text) > MAX_ERROR_CHARS:
        text = text[:MAX_ERROR_CHARS] + " …"
    return text or f"HTTP {response.status_code} without a message"


class RemoteEngine:
    """Runs jobs on a remote SPARQL 1.1 endpoint (query URL, and an update URL for writes)."""

    hard_timeout = False  # the answer is cut off at the limit; the store decides when it stops

    def __init__(self, query_url: str, *, update_url: str | None = None, token: str | None = None,
                 union: str = "auto", graph_cache_s: float = 30.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        if union not in _UNION_MODES:
            raise ValueError(f"union must be one of {', '.join(_UNION_MODES)}, not {union!r}")
        if not re.match(r"https?://", query_url):
            raise ValueError(f"store_url must be an http(s) URL, got {query_url!r}")
        self.query_url = query_url
        self.update_url = update_url or derive_update_url(query_url)
        self.union = union
        self.graph_cache_s = graph_cache_s
        self.description = {"kind": "remote", "url": query_url, "update_url": self.update_url,
                            "union_default_graph": union}
        headers = {"User-Agent": USER_AGENT}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._client = httpx.Client(headers=headers, transport=transport, follow_redirects=False,
                                    limits=httpx.Limits(max_connections=32, max_keepalive_connections=16))
        self._graphs: tuple[float, tuple[str, ...]] | None = None
        self._flavour: str | None = None if union == "auto" else union  # "auto" is settled on first use
        self._graphs_lock = threading.Lock()

    # ------------------------------------------------------------ the engine interface

    def run(self, job: Job, timeout_s: float) -> JobResult:
        """Run `job` on the store within `timeout_s` seconds.

        :raises ApiError: 503 ``timeout`` or ``store_unavailable``, 502 ``store_failed``.
        """
        deadline = time.monotonic() + timeout_s
        try:
            if job.kind == "info":
                return JobResult(info=self._info(deadline))
            if job.kind == "update":
                return self._update(job, deadline)
            return self._query(job, deadline)
        except _Timeout:
            raise errors.timeout(timeout_s) from None
        except _Unreachable as exc:
            log.warning("remote store unreachable: %s", exc)
            raise errors.ApiError(503, "store_unavailable",
                                  "The service's data store is not reachable; try again shortly. "
                                  "(The operator should check the remote store.)",
                                  headers={"Retry-After": "5"}) from None

    def close(self) -> None:
        self._client.close()

    # ------------------------------------------------------------ jobs

    def _query(self, job: Job, deadline: float) -> JobResult:
        text = job.text
        if job.base_iri and _needs_base(text):
            text = f"BASE <{job.base_iri}> {text}"
        params: list[tuple[str, str]] = [("query", text)]
        if job.default_graphs is not None or job.named_graphs is not None:
            params += [("default-graph-uri", g) for g in job.default_graphs or ()]
            params += [("named-graph-uri", g) for g in job.named_graphs or ()]
        elif job.use_union:
            if self._flavour is None:
                self._named_graphs(deadline)  # its answer's Server header settles the flavour
            if self._flavour == "oxigraph":
                params.append(("union-default-graph", ""))
            elif self._flavour == "dataset":
                graphs = self._named_graphs(deadline)
                params += [("default-graph-uri", g) for g in graphs]
                params += [("named-graph-uri", g) for g in graphs]
        with self._send(self.query_url, params, deadline) as response:
            if response.status_code != 200:
                response.read()
                return JobResult(error=self._query_error(response))
            media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            reader = _DeadlineReader(response, deadline)
            try:
                if media_type in (RESULTS_JSON, "application/json"):
                    outcome = ox.parse_query_results(reader, ox.QueryResultsFormat.JSON)
                    return serialize_outcome(outcome, job.results_format, job.graph_format, job.max_rows)
                if media_type in (NTRIPLES, "text/plain"):
                    return self._graph_result(ox.parse(reader, ox.RdfFormat.N_TRIPLES), job)
            except NotAcceptable as exc:  # e.g. an ASK asked for in Turtle only
                return JobResult(error=(406, "not_acceptable", str(exc)))
            except (SyntaxError, OSError, ValueError) as exc:
                if reader.timed_out:
                    raise _Timeout() from None
                log.warning("remote store answered with unreadable data: %s", exc)
                return JobResult(error=(502, "store_failed",
                                        "The data store sent an answer the service cannot read."))
            log.warning("remote store answered with an unexpected media type %r", media_type)
            return JobResult(error=(502, "store_failed",
                                    f"The data store answered with {media_type or 'no media type'}, "
                                    "not SPARQL JSON results nor N-Triples."))

    @staticmethod
    def _graph_result(quads: Iterator[ox.Quad], job: Job) -> JobResult:
        """CONSTRUCT/DESCRIBE: at most `max_rows` triples, in the negotiated graph format."""
        if job.graph_format is None:
            raise NotAcceptable("CONSTRUCT and DESCRIBE answer with an RDF graph format")
        triples = []
        for quad in quads:
            triples.append(quad.triple)
            if len(triples) > job.max_rows:
                break
        body = ox.serialize(triples[:job.max_rows], format=GRAPH_FORMATS[job.graph_format])
        return JobResult(body=body, media_type=job.graph_format, truncated=len(triples) > job.max_rows)

    def _update(self, job: Job, deadline: float) -> JobResult:
        text = job.text
        if job.base_iri and _needs_base(text):
            text = f"BASE <{job.base_iri}> {text}"
        try:
            with self._send(self.update_url, [("update", text)], deadline) as response:
                response.read()
        finally:
            self._graphs = None  # the update may have added or dropped graphs
        if response.status_code in (200, 204):
            return JobResult(body=b"", media_type="text/plain")
        if response.status_code in (401, 403, 405):
            log.warning("remote store refused an update: HTTP %s %s", response.status_code,
                        _store_message(response))
            return JobResult(error=(403, "read_only", "The data store refused the write "
                                    "(it is read-only, or the service's credentials are wrong)."))
        return JobResult(error=self._query_error(response))

    def _info(self, deadline: float) -> dict[str, Any]:
        counts = self._select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                              deadline)
        graphs = {row["g"]: int(row["n"]) for row in counts if "g" in row}
        with self._graphs_lock:
            self._graphs = (time.monotonic(), tuple(sorted(graphs)))
        return {"quads": sum(graphs.values()), "named_graphs": sorted(graphs)}

    # ------------------------------------------------------------ helpers

    def _named_graphs(self, deadline: float) -> tuple[str, ...]:
        """The store's named graphs (cached for `graph_cache_s`)."""
        with self._graphs_lock:
            cached = self._graphs
            if cached is not None and time.monotonic() - cached[0] < self.graph_cache_s:
                return cached[1]
        rows = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", deadline)
        graphs = tuple(sorted(row["g"] for row in rows if "g" in row))
        with self._graphs_lock:
            self._graphs = (time.monotonic(), graphs)
        return graphs

    def _select(self, query: str, deadline: float) -> list[dict[str, str]]:
        """A SELECT on the store's own dataset; rows as {variable: lexical value}."""
        with self._send(self.query_url, [("query", query)], deadline) as response:
            response.read()
        if self._flavour is None:
            oxigraph = response.headers.get("server", "").lower().startswith("oxigraph")
            self._flavour = "oxigraph" if oxigraph else "dataset"
            self.description["union_default_graph"] = f"auto: {self._flavour}"
        if response.status_code != 200:
            status, code, _ = self._query_error(response)
            if status == 503:
                raise _Unreachable(f"HTTP 503 from {self.query_url}")
            raise errors.ApiError(502, "store_failed", "The data store failed to list its graphs "
                                  f"(HTTP {response.status_code}).")
        try:
            solutions = ox.parse_query_results(response.content, ox.QueryResultsFormat.JSON)
            names = [v.value for v in solutions.variables]
            return [{n: row[n].value for n in names if row[n] is not None} for row in solutions]
        except (SyntaxError, ValueError):
            raise errors.ApiError(502, "store_failed",
                                  "The data store sent an answer the service cannot read.") from None

    def _send(self, url: str, params: list[tuple[str, str]], deadline: float) -> "_Exchange":
        """POST `params` as a form (the SPARQL 1.1 Protocol's most portable request), streamed."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Timeout()
        request = self._client.build_request(
            "POST", url, content=urlencode(params).encode(),
            headers={"Accept": ACCEPT, "Content-Type": "application/x-www-form-urlencoded"},
            timeout=httpx.Timeout(remaining, connect=min(remaining, 5.0)))
        return _Exchange(self._client, request)

    @staticmethod
    def _query_error(response: httpx.Response) -> tuple[int, str, str]:
        status = response.status_code
        message = _store_message(response)
        if status == 400:
            return 400, "query_rejected", f"The data store rejected the query: {message}"
        if status == 503:
            return 503, "store_unavailable", "The data store is busy or down; try again shortly."
        log.warning("remote store answered HTTP %s: %s", status, message)
        return 502, "store_failed", f"The data store failed to answer (HTTP {status})."


class _Exchange:
    """One streamed request: maps transport failures to `_Unreachable` / `_Timeout`."""

    def __init__(self, client: httpx.Client, request: httpx.Request) -> None:
        self._client, self._request = client, request
        self._response: httpx.Response | None = None

    def __enter__(self) -> httpx.Response:
        try:
            self._response = self._client.send(self._request, stream=True)
        except httpx.ConnectTimeout as exc:
            raise _Unreachable(f"connect timeout: {exc}") from None
        except httpx.TimeoutException:
            raise _Timeout() from None
        except (httpx.ConnectError, httpx.NetworkError) as exc:
            raise _Unreachable(str(exc) or type(exc).__name__) from None
        except httpx.TransportError as exc:
            log.warning("remote store request failed: %s", exc)
            raise errors.ApiError(502, "store_failed", "The data store failed to answer.") from None
        return self._response

    def __exit__(self, *exc_info: Any) -> None:
        if self._response is not None:
            self._response.close()


def open_remote_engine(settings: Any) -> RemoteEngine:
    """The engine for ``settings.store_url`` (the store's SPARQL query endpoint).

    Optional settings, read when present: ``store_update_url`` (default: `derive_update_url`),
    ``store_token`` (a bearer token for the store), ``store_union`` (see `RemoteEngine`).
    """
    return RemoteEngine(settings.store_url,
                        update_url=getattr(settings, "store_update_url", None),
                        token=getattr(settings, "store_token", None),
                        union=getattr(settings, "store_union", None) or "auto")
