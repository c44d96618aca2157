"""One error vocabulary for the whole service, mapped to HTTP in one place.

Every failure a client can cause or see is an `ApiError`; `install_error_handlers` turns it, and
FastAPI's/Starlette's own 404/405/422, into one JSON shape::

    {"error": {"status": 400, "code": "query_syntax", "message": "...", "details": {...}}}

(``details`` only when there is something to add.)  A 500 never carries exception text: the
exception is logged with an incident id and the client gets the id.

Time limits answer **503 Service Unavailable** (code ``timeout``): the query did not finish in
the service's own limit, nor did a worker become free.  504 is meant for a gateway waiting on an
upstream server, which a client cannot tell apart from a proxy failure; 503 is also what Fuseki
and most SPARQL stores send for a query that exceeds the server's limit.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("pedkg.service")


class ApiError(Exception):
    """An error with an HTTP status, a stable machine code and a message a person can act on."""

    def __init__(self, status: int, code: str, message: str, details: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return {"error": body}

    def __repr__(self) -> str:
        return f"ApiError({self.status}, {self.code!r}, {self.message!r})"


def bad_request(message: str, code: str = "bad_request", details: Any = None) -> ApiError:
    return ApiError(400, code, message, details)


def unauthorized(message: str, code: str = "unauthorized") -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": 'Bearer realm="pedkg"'})


def forbidden(message: str, code: str = "forbidden", details: Any = None) -> ApiError:
    return ApiError(403, code, message, details)


def not_found(message: str, code: str = "not_found") -> ApiError:
    return ApiError(404, code, message)


def method_not_allowed(message: str, allowed: tuple[str, ...] = ("GET", "POST")) -> ApiError:
    return ApiError(405, "method_not_allowed", message, headers={"Allow": ", ".join(allowed)})


def not_acceptable(message: str, available: list[str] | None = None) -> ApiError:
    return ApiError(406, "not_acceptable", message,
                    {"available": available} if available else None)


def payload_too_large(message: str, code: str = "payload_too_large") -> ApiError:
    return ApiError(413, code, message)


def unsupported_media_type(message: str, supported: list[str] | None = None) -> ApiError:
    return ApiError(415, "unsupported_media_type", message,
                    {"supported": supported} if supported else None)


def timeout(seconds: float) -> ApiError:
    return ApiError(503, "timeout",
                    f"The query did not finish within the service's limit of {seconds:g} s. "
                    "Narrow it (LIMIT, more specific patterns) or ask the operator to raise it.")


def internal(exc: BaseException | None = None, context: str = "") -> ApiError:
    """Log `exc` with a fresh incident id and return a 500 that names only the id."""
    incident = uuid.uuid4().hex[:12]
    log.error("internal error %s %s", incident, context, exc_info=exc)
    return ApiError(500, "internal_error",
                    f"The service failed to answer (incident {incident}); the operator can find "
                    "the cause in the log.")


def error_response(err: ApiError) -> JSONResponse:
    return JSONResponse(err.to_json(), status_code=err.status, headers=err.headers)


_STARLETTE_CODES = {404: "not_found", 405: "method_not_allowed", 406: "not_acceptable",
                    413: "payload_too_large", 415: "unsupported_media_type"}


def _allowed_methods(request: Request) -> list[str]:
    """The methods some route of the app answers on this request's path (for a 405's Allow)."""
    from starlette.routing import Match

    def leaves(routes: Any) -> Any:  # FastAPI nests included routers (mounted without a prefix)
        for route in routes:
            nested = getattr(getattr(route, "original_router", None), "routes", None)
            if nested is not None:
                yield from leaves(nested)
            else:
                yield route

    methods: set[str] = set()
    for route in leaves(request.app.router.routes):
        route_methods = getattr(route, "methods", None)
        if route_methods and route.matches(request.scope)[0] != Match.NONE:
            methods |= set(route_methods)
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    """Route every error raised in `app` through the one JSON shape."""

    async def on_api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc)

    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        if status == 404:
            message = f"No resource at {request.url.path}."
        elif status == 405:
            message = f"Method {request.method} is not allowed on {request.url.path}."
            allowed = _allowed_methods(request)
            if allowed:  # every route on this path, not only the last one Starlette tried
                exc.headers = {**(exc.headers or {}), "Allow": ", ".join(allowed)}
        else:
            message = str(exc.detail)
        err = ApiError(status, _STARLETTE_CODES.get(status, "http_error"), message,
                       headers=dict(exc.headers or {}))
        return error_response(err)

    async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"location": [str(p) for p in e.get("loc", ())], "problem": e.get("msg", "")}
                    for e in exc.errors()]
        return error_response(bad_request("The request's parameters are invalid.", "invalid_parameter",
                                          problems))

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        return error_response(internal(exc, f"{request.method} {request.url.path}"))

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_unexpected)
