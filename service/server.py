"""Run the service: `serve(settings)`, and `serve_command` for the CLI (``pedkg serve``)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, List, Optional

import typer

from .settings import SETTINGS, Settings, settings_help

log = logging.getLogger("pedkg.service")
_HELP = {s.name: s.help for s in SETTINGS}


def ensure_build(settings: Settings) -> None:
    """Build into settings.build_dir when there is neither a build nor `--data` files."""
    build = Path(settings.build_dir)
    if settings.store_url:  # remote store (issue 5): the data is the store's, nothing to build
        return
    if settings.data_files or (build / "store").is_dir() or (build / "dataset.nq").is_file():
        return
    from .build import build_all  # the build is heavy: import it only when needed

    log.warning("no build in %s: building it now", build)
    build_all(build_dir=build)


class AccessLogFilter(logging.Filter):
    """Access-log lines keep method, path, HTTP version and status, nothing a person sent: never
    the query string (a SPARQL query, a named query's values, anything given to /validate) and
    never the client's address (personal data; the reverse proxy's log is the place for it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:  # uvicorn: client, method, path, version, status
            _client, method, path, version, status = args
            record.args = ("-", method, str(path).split("?", 1)[0], version, status)
        return True


def uvicorn_config(app: Any, settings: Settings, **overrides: Any) -> Any:
    """The uvicorn configuration `serve` runs (tests start live servers from it too).

    - the access log goes through `AccessLogFilter`;
    - h11 may buffer a request head big enough for a GET query of ``max_query_chars``
      percent-encoded characters, so an overlong query gets the service's JSON 413 rather than
      h11's plain-text 400 (heads larger still do get that 400);
    - no ``Server: uvicorn`` header.
    """
    import copy

    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    log_config = copy.deepcopy(LOGGING_CONFIG)
    log_config.setdefault("filters", {})["pedkg_access"] = {"()": AccessLogFilter}
    log_config["loggers"]["uvicorn.access"]["filters"] = ["pedkg_access"]
    values: dict[str, Any] = dict(
        host=settings.host, port=settings.port, log_level="info", log_config=log_config,
        server_header=False, h11_max_incomplete_event_size=max(16384, 3 * settings.max_query_chars + 16384))
    values.update(overrides)
    return uvicorn.Config(app, **values)


def serve(settings: Settings) -> None:
    """Serve the app with uvicorn on settings.host:settings.port until interrupted."""
    import uvicorn

    from .app import create_app

    ensure_build(settings)
    app = create_app(settings)
    uvicorn.Server(uvicorn_config(app, settings)).run()


def _print_settings(value: bool) -> None:
    if value:
        typer.echo(settings_help())
        raise typer.Exit()


def serve_command(
    host: Optional[str] = typer.Option(None, "--host", help=_HELP["host"]),
    port: Optional[int] = typer.Option(None, "--port", help=_HELP["port"]),
    data: Optional[List[Path]] = typer.Option(None, "--data", help=_HELP["data_files"]),
    build_dir: Optional[Path] = typer.Option(None, "--build-dir", help=_HELP["build_dir"]),
    queries_dir: Optional[Path] = typer.Option(None, "--queries-dir", help=_HELP["queries_dir"]),
    timeout: Optional[float] = typer.Option(None, "--timeout", help=_HELP["query_timeout_s"]),
    max_rows: Optional[int] = typer.Option(None, "--max-rows", help=_HELP["max_rows"]),
    workers: Optional[int] = typer.Option(None, "--workers", help=_HELP["query_workers"]),
    allow_updates: Optional[bool] = typer.Option(None, "--allow-updates", help=_HELP["allow_updates"]),
    update_token: Optional[str] = typer.Option(None, "--update-token", help=_HELP["update_token"]),
    service_allow: Optional[List[str]] = typer.Option(None, "--service-allow",
                                                      help=_HELP["service_allowlist"]),
    store_url: Optional[str] = typer.Option(None, "--store-url", help=_HELP["store_url"]),  # issue 5
    help_settings: bool = typer.Option(False, "--help-settings", callback=_print_settings,
                                       is_eager=True, help="List every setting and its variable."),
) -> None:
    """Serve the SPARQL endpoint and the API (settings also from PEDKG_* variables)."""
    logging.basicConfig(level=logging.INFO)
    try:
        settings = Settings.from_env(
            host=host, port=port, build_dir=str(build_dir) if build_dir else None,
            data_files=tuple(str(p) for p in data) if data else None,
            queries_dir=str(queries_dir) if queries_dir else None,
            query_timeout_s=timeout, max_rows=max_rows, query_workers=workers,
            allow_updates=allow_updates, update_token=update_token,
            service_allowlist=tuple(service_allow) if service_allow else None, store_url=store_url)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    from .named_queries import QueryFileError
    from .store import DataLoadError

    try:
        serve(settings)
    except (DataLoadError, QueryFileError) as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
