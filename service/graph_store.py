"""The SPARQL 1.1 Graph Store HTTP Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/) at ``/store``.

The path is Oxigraph server's, so a client written for one works with the other:

| request | answer |
|---|---|
| ``GET /store?graph=IRI`` (also HEAD) | the graph, in Turtle, N-Triples, JSON-LD or RDF/XML (Accept); 404 if there is no such graph |
| ``GET /store?default`` | the store's own default graph (not the union the SPARQL endpoint queries; empty in our builds) |
| ``PUT /store?graph=IRI`` + RDF body | replace the graph: 201 if it is new, else 204 |
| ``POST /store?graph=IRI`` + RDF body | add the triples to the graph: 201 if it is new, else 204 |
| ``DELETE /store?graph=IRI`` | drop the graph: 204, or 404 if there is no such graph |

Reads are always open.  Writes need the service's ``allow_updates`` (else 403 ``updates_disabled``)
and the header ``Authorization: Bearer <update_token>`` (else 401); as with SPARQL Update they go
to the in-memory snapshot of the embedded store, or to the remote store, never to the build.

Every operation is a SPARQL job on the engine (`CONSTRUCT`, `ASK`, `DROP`/`INSERT DATA`), so it
works alike over the embedded store and a remote one, within the service's time limit.  A read is
never silently cut at ``max_rows``: a graph larger than `GSP_MAX_TRIPLES` is refused (413) and is
better fetched from the dump.  A body is parsed (and so checked) here before anything is written.

`handle_graph(request, engine, settings)` is the plain function; `graph_store_route` is the thin
FastAPI layer.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from . import errors
from .settings import Settings
from .sparql import GRAPH_OFFERS, JSON, ProtocolRequest, SparqlResponse, negotiate
from .store import GRAPH_FORMATS, Job, result_error

GSP_PATH = "/store"
GSP_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")
GSP_MAX_TRIPLES = 5_000_000
# Bodies we accept: triple formats only (a quad format has no place in one graph).
BODY_FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/x-turtle": ox.RdfFormat.TURTLE,
                "application/n-triples": ox.RdfFormat.N_TRIPLES, "text/plain": ox.RdfFormat.N_TRIPLES,
                "application/rdf+xml": ox.RdfFormat.RDF_XML, "application/ld+json": ox.RdfFormat.JSON_LD}


# The same decoded request as the SPARQL protocol's; `endpoint_url` is the requested graph-store URL.
GraphRequest = ProtocolRequest


@dataclass(frozen=True)
class Target:
    graph: str | None  # None: the default graph

    def block(self, inner: str) -> str:
        """`inner` (triples or a pattern) placed in this graph, for a quad pattern or quad data."""
        return f"GRAPH <{self.graph}> {{ {inner} }}" if self.graph else inner

    def describe(self) -> str:
        return f"graph <{self.graph}>" if self.graph else "the default graph"


def _target(params: tuple[tuple[str, str], ...]) -> Target:
    """The graph a request names: exactly one ``graph=IRI`` or one ``default``."""
    unknown = sorted({k for k, _ in params if k not in ("graph", "default")})
    if unknown:
        raise errors.bad_request(f"Unknown parameter(s) {', '.join(unknown)}; the graph store takes "
                                 "'graph=IRI' or 'default'.", "invalid_parameter")
    graphs = [v for k, v in params if k == "graph"]
    defaults = [v for k, v in params if k == "default"]
    if len(graphs) + len(defaults) != 1:
        raise errors.bad_request("Name exactly one graph: '?graph=IRI' or '?default'.",
                                 "missing_parameter" if not graphs and not defaults else "conflicting_parameters")
    if defaults:
        if defaults[0]:
            raise errors.bad_request("'default' takes no value.", "invalid_parameter")
        return Target(None)
    iri = graphs[0]
    try:
        ox.NamedNode(iri)
    except ValueError:
        iri = ""
    if not re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", iri):
        raise errors.bad_request(f"graph must be an absolute IRI, got {graphs[0]!r}.", "invalid_iri")
    return Target(iri)


def _authorise(request: GraphRequest, settings: Settings) -> None:
    if not settings.allow_updates:
        raise errors.forbidden("This graph store is read-only: writes are switched off.", "updates_disabled")
    scheme, _, token = (request.authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(),
                                                             (settings.update_token or "").encode()):
        raise errors.unauthorized("Writing to the graph store needs the header "
                                  "'Authorization: Bearer <token>' with the service's update token.")


def _run(engine: Any, job: Job, settings: Settings) -> Any:
    result = engine.run(job, settings.query_timeout_s)
    err = result_error(result)
    if err is not None:
        raise err
    return result


def _exists(engine: Any, target: Target, settings: Settings) -> bool:
    if target.graph is None:
        return True
    result = _run(engine, Job("query", f"ASK {{ GRAPH <{target.graph}> {{ }} }}", use_union=False,
                              results_format=JSON), settings)
    return bool(ox.parse_query_results(result.body, ox.QueryResultsFormat.JSON))


def handle_graph(request: GraphRequest, engine: Any, settings: Settings) -> SparqlResponse:
    """Answer one Graph Store Protocol request.

    :raises ApiError: 400 parameters or body, 401/403 writes, 404 no such graph, 405 method,
        406 format, 413 graph too large, 415 body type, 503 timeout (and the engine's errors).
    """
    if request.method not in GSP_METHODS:
        raise errors.method_not_allowed(f"The graph store answers {', '.join(GSP_METHODS)}, "
                                        f"not {request.method}.", GSP_METHODS)
    target = _target(request.query_params)
    if request.method in ("GET", "HEAD"):
        return _read(request, target, engine, settings)
    _authorise(request, settings)
    data = _body_as_ntriples(request, target) if request.method in ("PUT", "POST") else ""
    existed = _exists(engine, target, settings)
    if request.method == "DELETE":
        if not existed:
            raise errors.not_found(f"There is no {target.describe()} in the store.")
        update = f"DROP GRAPH <{target.graph}>" if target.graph else "DROP DEFAULT"
        _run(engine, Job("update", update), settings)
        return SparqlResponse(204, b"", "text/plain")
    parts = []
    if request.method == "PUT":
        parts.append(f"DROP SILENT GRAPH <{target.graph}>" if target.graph else "DROP SILENT DEFAULT")
    if target.graph:
        parts.append(f"CREATE SILENT GRAPH <{target.graph}>")
    if data:
        parts.append("INSERT DATA { " + target.block("\n" + data + "\n") + " }")
    _run(engine, Job("update", " ;\n".join(parts)), settings)
    status = 204 if existed else 201
    return SparqlResponse(status, b"", "text/plain", {"Location": request.endpoint_url} if status == 201 else {})


def _read(request: GraphRequest, target: Target, engine: Any, settings: Settings) -> SparqlResponse:
    fmt = negotiate(request.accept, GRAPH_OFFERS)
    if fmt is None:
        raise errors.not_acceptable("The graph store answers with an RDF graph format.", list(GRAPH_FORMATS))
    if not _exists(engine, target, settings):
        raise errors.not_found(f"There is no {target.describe()} in the store.")
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {target.block('?s ?p ?o')} }}"
    result = _run(engine, Job("query", query, use_union=False, graph_format=fmt,
                              max_rows=GSP_MAX_TRIPLES), settings)
    if result.truncated:
        raise errors.payload_too_large(f"The graph has more than {GSP_MAX_TRIPLES} triples; download "
                                       "the dump instead.", "graph_too_large")
    body = b"" if request.method == "HEAD" else result.body
    return SparqlResponse(200, body, fmt, {"Vary": "Accept"})


def _body_as_ntriples(request: GraphRequest, target: Target) -> str:
    """The request body, parsed and written as N-Triples (valid inside INSERT DATA)."""
    media_type = (request.content_type or "").split(";")[0].strip().lower()
    fmt = BODY_FORMATS.get(media_type)
    if fmt is None:
        raise errors.unsupported_media_type(
            f"The body must be one RDF graph in {', '.join(BODY_FORMATS)}; got {media_type or 'no Content-Type'}.",
            list(BODY_FORMATS))
    try:
        triples = [q.triple for q in ox.parse(request.body, fmt, base_iri=target.graph or request.endpoint_url)]
    except (SyntaxError, ValueError, OSError) as exc:
        raise errors.bad_request(f"The body is not valid {fmt.name}: {exc}", "invalid_body") from None
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode() if triples else ""


async def graph_store_route(request: Request) -> Response:
    """The FastAPI layer over `handle_graph` (registered in the app's route table)."""
    body = await request.body() if request.method in ("PUT", "POST") else b""
    graph_request = GraphRequest(
        method=request.method, query_params=tuple(request.query_params.multi_items()),
        content_type=request.headers.get("content-type"), body=body,
        accept=request.headers.get("accept"), authorization=request.headers.get("authorization"),
        endpoint_url=str(request.url))
    state = request.app.state
    answer = await run_in_threadpool(handle_graph, graph_request, state.engine, state.settings)
    if answer.status in (201, 204):
        return Response(status_code=answer.status, headers=answer.headers)
    return Response(answer.body, status_code=answer.status, headers=answer.headers,
                    media_type=answer.content_type)


_SUMMARIES = {"GET": "Graph Store Protocol: read a graph (?graph=IRI or ?default)",
              "HEAD": "Graph Store Protocol: headers of a graph read",
              "PUT": "Graph Store Protocol: replace a graph (updates on + bearer token)",
              "POST": "Graph Store Protocol: add triples to a graph (updates on + bearer token)",
              "DELETE": "Graph Store Protocol: drop a graph (updates on + bearer token)"}


def add_graph_store_routes(router: Any) -> None:
    """Register ``/store`` on `router`, one route per method (distinct OpenAPI operation ids)."""
    for method in GSP_METHODS:
        router.add_api_route(GSP_PATH, graph_store_route, methods=[method], summary=_SUMMARIES[method],
                             operation_id=f"graph_store_{method.lower()}")
