"""The FastAPI application: one route table (`router`), thin handlers over plain functions.

| route | methods | handler |
|---|---|---|
| /sparql | GET, POST | `service.sparql.handle_query` (SPARQL 1.1 Protocol; service description without a query) |
| /healthz | GET | store size and build information |
| /.well-known/void | GET | `service.publication.void_description`: VoID + DCAT-AP of the served build |
| /dumps/, /dumps/{name} | GET | `service.publication`: the build's downloadable dumps |
| /validate | POST | `service.validate_api.handle_validate`: a portfolio against a position and category |
| /api/queries | GET | the named queries with their headers |
| /api/queries/{name}[.json/.csv] | GET | `handle_named_query`: run one named query |
| /docs, /openapi.json | GET | OpenAPI |
| / , /-/sparql, /-/network[.json], /-/ladder[.svg], /-/static/{name} | GET | `service.pages` (web UI) |
| /onto, /id/…, /code/…, /eli/… | GET | `dereference`: HTML or RDF of one IRI (`service.linked_data`) |
| /store | GET, HEAD, PUT, POST, DELETE | `service.graph_store.handle_graph` (Graph Store Protocol; writes need updates on + token) |
"""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from . import errors, linked_data, named_queries, pages, publication, sparql, validate_api
from .page_data import Ctx
from .settings import Settings
from .sparql import CSV, JSON, ProtocolRequest, SparqlResponse, choose_formats, handle_query
from .reload import ReloadingEngine
from .store import Job, open_engine

router = APIRouter()

_SPARQL_DOC_PARAMS = [
    {"name": "query", "in": "query", "schema": {"type": "string"}, "description": "SPARQL query (GET)."},
    {"name": "default-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
     "description": "Default graph IRI(s) of the query dataset (repeatable)."},
    {"name": "named-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
     "description": "Named graph IRI(s) of the query dataset (repeatable)."},
    {"name": "format", "in": "query", "schema": {"type": "string"},
     "description": "Overrides Accept: json, xml, csv, tsv, turtle, nt, jsonld, rdfxml."},
]
_SPARQL_DOC_BODY = {"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}},
                                "application/sparql-query": {"schema": {"type": "string"}},
                                "application/sparql-update": {"schema": {"type": "string"}}}}


def _to_response(answer: SparqlResponse) -> Response:
    headers = dict(answer.headers)
    if answer.status == 204:
        return Response(status_code=204, headers=headers)
    return Response(answer.body, status_code=answer.status, headers=headers,
                    media_type=answer.content_type)


@router.get("/sparql", summary="SPARQL query by GET; without a query: the service description",
            operation_id="sparql_get", openapi_extra={"parameters": _SPARQL_DOC_PARAMS})
@router.post("/sparql", summary="SPARQL query or update by POST (form, or direct body)",
             operation_id="sparql_post",
             openapi_extra={"parameters": _SPARQL_DOC_PARAMS[1:], "requestBody": _SPARQL_DOC_BODY})
async def sparql_endpoint(request: Request) -> Response:
    body = await request.body() if request.method == "POST" else b""
    params = ProtocolRequest(
        method=request.method,
        query_params=tuple(request.query_params.multi_items()),
        content_type=request.headers.get("content-type"),
        body=body,
        accept=request.headers.get("accept"),
        authorization=request.headers.get("authorization"),
        endpoint_url=str(request.url.replace(query="", fragment="")),
    )
    state = request.app.state
    return _to_response(await run_in_threadpool(handle_query, params, state.engine, state.settings))


@router.get("/healthz", summary="Liveness, store size and build information")
def healthz(request: Request) -> JSONResponse:
    state = request.app.state
    result = state.engine.run(Job("info"), state.settings.query_timeout_s)
    info = result.info or {}
    return JSONResponse({
        "status": "ok",
        "quads": info.get("quads"),
        "named_graphs": len(info.get("named_graphs", ())),
        "source": state.engine.description,
        "query_workers": state.settings.query_workers,
        "hard_timeout": state.engine.hard_timeout,
        "named_queries": len(state.queries),
    })


@router.get("/api/queries", summary="The named queries, with titles, descriptions and parameters")
def list_queries(request: Request) -> JSONResponse:
    return JSONResponse({"queries": [q.to_json() for q in request.app.state.queries.values()]})


@router.get("/api/queries/{name}", summary="Run a named query (suffix .json or .csv, or Accept)")
def run_named_query(name: str, request: Request) -> Response:
    state = request.app.state
    answer = handle_named_query(name, tuple(request.query_params.multi_items()),
                                request.headers.get("accept"), state.queries, state.engine, state.settings)
    return _to_response(answer)


@router.post("/validate", summary="Validate a portfolio against a position and category (docs/validation.md)")
async def validate(request: Request) -> JSONResponse:
    if "json" not in (request.headers.get("content-type") or ""):
        raise errors.unsupported_media_type("Send the portfolio as application/json.", ["application/json"])
    body = await request.body()
    state = request.app.state
    report = await run_in_threadpool(validate_api.handle_validate, body, state.settings)
    # personal data: never cached by intermediaries, never stored by us
    return JSONResponse(report, headers={"Cache-Control": "no-store"})


@router.get("/.well-known/void", summary="VoID + DCAT-AP description of the dataset (Turtle, JSON-LD, …)")
def void(request: Request) -> Response:
    base = str(request.base_url)
    body, media = publication.void_description(request.app.state.settings, base, request.headers.get("accept"))
    return Response(body, media_type=media, headers={"Vary": "Accept"})


@router.get("/dumps/", summary="The downloadable dumps of the current build")
def list_dumps(request: Request) -> JSONResponse:
    settings = request.app.state.settings
    names = publication.dump_names(publication.served_release(settings))
    return JSONResponse({"dumps": [{"name": n, "url": f"/dumps/{n}"} for n in names]})


@router.get("/dumps/{name:path}", summary="One dump file (N-Quads, N-Triples, Turtle, JSON-LD, CSV, zip)")
def get_dump(name: str, request: Request) -> FileResponse:
    path, media = publication.dump_file(name, request.app.state.settings)
    return FileResponse(path, media_type=media, filename=path.name)


_SUFFIX_FORMATS = {".json": (JSON, None), ".csv": (CSV, None)}


def handle_named_query(name: str, pairs: tuple[tuple[str, str], ...], accept: str | None,
                       queries: dict[str, named_queries.NamedQuery], store: Any,
                       settings: Settings) -> SparqlResponse:
    """Run the named query `name` (optionally suffixed .json/.csv) with URL parameters `pairs`.

    :raises ApiError: 404 unknown query, 400 parameters, 406 format, 503 timeout.
    """
    formats = None
    for suffix, fmts in _SUFFIX_FORMATS.items():
        if name.endswith(suffix):
            name, formats = name[: -len(suffix)], fmts
    query = named_queries.lookup(queries, name)
    keys = [k for k, _ in pairs]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise errors.bad_request(f"Parameter(s) {', '.join(repeated)} given more than once.",
                                 "multiple_parameters")
    try:
        text = query.render(dict(pairs))
    except named_queries.ParameterError as exc:
        raise exc.to_api_error() from None
    results_format, graph_format = formats or choose_formats(accept, None)
    if results_format is None and graph_format is None:
        raise errors.not_acceptable("Ask for JSON or CSV (suffix .json or .csv, or Accept).", [JSON, CSV])
    # a named query's parameters may name a SERVICE endpoint: the same allow-list as /sparql
    has_from = sparql.check_services(text, settings, None)
    job = Job("query", text, use_union=not has_from, results_format=results_format,
              graph_format=graph_format, max_rows=settings.max_rows)
    return sparql.job_answer(store.run(job, settings.query_timeout_s))


# ================================================================ pages and linked data (issue 5)
# Web pages (`service.pages`, Jinja2, no external resources) and dereferencing of our IRIs:
# /id/…, /code/…, /eli/…, /onto answer HTML, Turtle, JSON-LD, N-Triples or RDF/XML
# (`service.linked_data`: suffix .html/.ttl/.jsonld/.nt/.rdf, else Accept).

# Kept out of /openapi.json for now (tests/test_sparql_protocol.py pins the API's paths).
_PAGE_ROUTE: dict[str, Any] = {"include_in_schema": False}


def _page_ctx(request: Request) -> Ctx:
    lang = pages.choose_lang(request.query_params.get("lang"), request.cookies.get("lang"),
                             request.headers.get("accept-language"))
    return Ctx(request.app.state.engine, request.app.state.settings, lang)


def _html(request: Request, body: str, headers: dict[str, str] | None = None) -> HTMLResponse:
    response = HTMLResponse(body, headers={"Vary": "Accept, Accept-Language, Cookie", **(headers or {})})
    lang = request.query_params.get("lang")
    if lang in pages.LANGS and lang != request.cookies.get("lang"):
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/", summary="Home page: search positions in ru/kk/en, list every position", **_PAGE_ROUTE)
def home_page(request: Request, q: str = "") -> HTMLResponse:
    return _html(request, pages.home_page(_page_ctx(request), q, "/", request.query_params))


@router.get("/-/sparql", summary="SPARQL editor (HTML) with the named queries as examples", **_PAGE_ROUTE)
def sparql_editor(request: Request) -> HTMLResponse:
    return _html(request, pages.sparql_page(_page_ctx(request), request.app.state.queries,
                                            "/-/sparql", request.query_params))


@router.get("/-/network", summary="The position-act network (HTML, drawn from .json)", **_PAGE_ROUTE)
def network_page(request: Request) -> HTMLResponse:
    return _html(request, pages.network_page(_page_ctx(request), "/-/network", request.query_params))


@router.get("/-/network.json", summary="Nodes and links of the position-act network", **_PAGE_ROUTE)
def network_json(request: Request, org_type: str = "", source: str = "") -> JSONResponse:
    return JSONResponse(pages.network_json(_page_ctx(request), org_type, source))


@router.get("/-/ladder", summary="The category progression of a position (HTML with SVG)", **_PAGE_ROUTE)
def ladder_page(request: Request, position: str = "") -> HTMLResponse:
    return _html(request, pages.ladder_page(_page_ctx(request), position or None, "/-/ladder",
                                            request.query_params))


@router.get("/-/ladder.svg", summary="The category progression of a position (SVG)", **_PAGE_ROUTE)
def ladder_svg(request: Request, position: str) -> Response:
    return Response(pages.ladder_svg_of(_page_ctx(request), position), media_type="image/svg+xml")


@router.get("/-/static/{name}", **_PAGE_ROUTE)
def static_file(name: str) -> Response:
    body, media_type = pages.static_file(name)
    return Response(body, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"})


@router.get("/onto", summary="The ontology: HTML list of terms, or RDF by Accept", **_PAGE_ROUTE)
@router.get("/onto.{suffix}", summary="The ontology in the format of the suffix", **_PAGE_ROUTE)
@router.get("/id/{rest:path}", summary="An entity (HTML or RDF, by suffix or Accept)", **_PAGE_ROUTE)
@router.get("/code/{rest:path}", summary="A code list or concept", **_PAGE_ROUTE)
@router.get("/eli/{rest:path}", summary="A legal act", **_PAGE_ROUTE)
def dereference(request: Request) -> Response:
    deref = linked_data.resolve(request.url.path, request.headers.get("accept"))
    state = request.app.state
    if deref.wants_html:
        body = pages.entity_page(_page_ctx(request), deref.iri, deref.path, request.query_params)
        return _html(request, body, linked_data.alternates(deref))
    return _to_response(linked_data.handle_rdf(deref, state.engine, state.settings))

# ================================================================ end of pages and linked data

# ================================================================ Graph Store Protocol (issue 5)
# GET/HEAD read; PUT/POST/DELETE only with allow_updates + bearer token (service/graph_store.py)
from .graph_store import add_graph_store_routes  # noqa: E402

add_graph_store_routes(router)
# ================================================================ end of Graph Store Protocol


# ---------------------------------------------------------------- middleware

SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY")]
CSP = (b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       b"object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'")
# ---- CORS and privacy headers (issue 8): CORS with `*` (never credentials, never an echoed Origin)
# on /sparql (GET, POST) and on the public GET-only data routes; none on /validate, /store,
# /healthz or the pages.  No /validate answer (a verdict or an error about someone's portfolio)
# may be cached.
CORS_PATHS = ("/sparql",)
CORS_GET_PREFIXES = ("/api/queries", "/id/", "/code/", "/eli/", "/onto")
NO_STORE_PREFIXES = ("/validate",)


def _cors_methods(path: str, method: str, preflight_for: bytes | None) -> bytes | None:
    """The methods a cross-origin caller may use on `path` (None: no CORS for this request);
    `preflight_for` is the Access-Control-Request-Method of a preflight."""
    if path in CORS_PATHS:
        return b"GET, POST, OPTIONS"
    wanted = (preflight_for or b"").decode("latin-1").upper() if method == "OPTIONS" else method
    if path.startswith(CORS_GET_PREFIXES) and wanted in ("GET", "HEAD"):
        return b"GET, OPTIONS"
    return None
# ---- end CORS and privacy headers


NO_CSP_PATHS = ("/docs", "/redoc", "/docs/oauth2-redirect")  # Swagger UI loads its own scripts

ASGIApp = Callable[..., Awaitable[None]]


class ServiceMiddleware:
    """Body size limit (413), CORS for /sparql and public GET routes (any origin, never credentials),
    security headers."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, headers = scope["path"], dict(scope["headers"])
        cors_methods = (_cors_methods(path, scope["method"], headers.get(b"access-control-request-method"))
                        if b"origin" in headers else None)  # issue 8
        cors = cors_methods is not None

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                extra = list(SECURITY_HEADERS)
                if path not in NO_CSP_PATHS:
                    extra.append((b"content-security-policy", CSP))
                if cors:
                    extra += [(b"access-control-allow-origin", b"*"),
                              (b"access-control-expose-headers", b"X-Pedkg-Truncated")]
                if path.startswith(NO_STORE_PREFIXES) and not any(  # issue 8
                        k.lower() == b"cache-control" for k, _ in message.get("headers", [])):
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        if cors and scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            await send_with_headers({"type": "http.response.start", "status": 204, "headers": [
                (b"access-control-allow-methods", cors_methods or b""),  # issue 8
                (b"access-control-allow-headers", b"Accept, Content-Type"),
                (b"access-control-max-age", b"600")]})
            await send({"type": "http.response.body", "body": b""})
            return
        too_large = errors.payload_too_large(
            f"The request body is larger than the limit of {self.max_body_bytes} bytes.")
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await _send_error(send_with_headers, too_large)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.max_body_bytes:
                await _send_error(send_with_headers, too_large)
                return
        body, replayed = b"".join(chunks), False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send_with_headers)


async def _send_error(send: Callable, err: errors.ApiError) -> None:
    payload = json.dumps(err.to_json()).encode()
    await send({"type": "http.response.start", "status": err.status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


def create_app(settings: Settings | None = None, engine: Any = None) -> FastAPI:
    """The application for `settings`; `engine` overrides the one `settings` would open.

    :raises DataLoadError: the data files or the build cannot be read.
    :raises QueryFileError: a named query file is malformed.
    """
    settings = settings or Settings()
    queries = named_queries.load_queries(settings.queries_dir)
    if engine is None:
        serves_build = not (settings.store_url or settings.data_files)
        engine = ReloadingEngine(settings, open_engine) if serves_build else open_engine(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.engine.close()

    app = FastAPI(title="pedagog-kg", version="0.1.0", lifespan=lifespan,
                  description="SPARQL endpoint and named queries over the knowledge graph of "
                              "Kazakhstan's regulations for teacher positions.")
    app.state.settings, app.state.engine, app.state.queries = settings, engine, queries
    errors.install_error_handlers(app)
    app.include_router(router)
    app.add_middleware(ServiceMiddleware, max_body_bytes=settings.max_body_bytes)
    return app
