"""POST /validate: the validation issue's Python API behind a thin HTTP handler.

The requirement graph is the current build's dataset, loaded and compiled once (a few seconds) on
the first request and reused; a new build is picked up when `current` points elsewhere.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

from rdflib import Graph

from service import errors
from service.build import current_release
from service.settings import Settings

_lock = threading.Lock()
_cache: dict[str, Graph] = {}


def requirement_graph(settings: Settings) -> Graph:
    """The union graph of the build the service serves (503 when it serves `--data` files only)."""
    from service.validation import context, load_dataset

    release = current_release(Path(settings.build_dir))
    if release is None or settings.data_files:
        raise errors.ApiError(503, "no_build", "Validation needs a build of the regulations: "
                                               "run `pedkg build` and serve it (not --data files).")
    key = str(release)
    with _lock:
        if key not in _cache:
            _cache.clear()
            graph = load_dataset(release / "dataset.nq")
            context(graph)  # compile the rules now, not inside the first report
            _cache[key] = graph
        return _cache[key]


def handle_validate(body: bytes, settings: Settings) -> dict:
    """Parse the JSON body (errors name line and column) and validate the portfolio it holds."""
    from service.validation import validate_json

    try:
        payload = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise errors.bad_request("The body is not UTF-8 text.", "invalid_json") from None
    except json.JSONDecodeError as exc:
        raise errors.bad_request(f"Malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}.",
                                 "invalid_json", {"line": exc.lineno, "column": exc.colno}) from None
    except RecursionError:
        raise errors.bad_request("The JSON is nested too deeply to be a portfolio.", "invalid_json") from None
    return validate_json(payload, graph=requirement_graph(settings))
