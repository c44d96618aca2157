"""The dataset's description (`/.well-known/void`) and its downloads (`/dumps/…`).

Both come from the release the service answers from: the build writes `dumps/` (N-Quads, N-Triples,
Turtle, JSON-LD, CSV tables) beside the store, and the VoID/DCAT description is computed once per
release with the service's own address as its endpoint.
"""
from __future__ import annotations

import re
import threading
from pathlib import Path

from rdflib import Graph

from service import errors
from service.build import current_release
from service.settings import Settings
from service.sparql import JSONLD, NTRIPLES, RDFXML, TURTLE, negotiate

DUMP_NAME_RE = re.compile(r"[a-z0-9][a-z0-9.-]*(?:/[a-z0-9][a-z0-9._-]*)?")
MEDIA_TYPES = {".nq": "application/n-quads", ".nt": NTRIPLES, ".ttl": TURTLE, ".jsonld": JSONLD,
               ".csv": "text/csv; charset=utf-8", ".zip": "application/zip"}
VOID_OFFERS = [(TURTLE, TURTLE), (JSONLD, JSONLD), (NTRIPLES, NTRIPLES), (RDFXML, RDFXML),
               ("application/json", JSONLD), ("text/plain", NTRIPLES), ("*/*", TURTLE)]
_RDFLIB_FORMATS = {TURTLE: "turtle", JSONLD: "json-ld", NTRIPLES: "nt", RDFXML: "xml"}

_lock = threading.Lock()
_void_cache: dict[tuple[str, str], bytes] = {}


def served_release(settings: Settings) -> Path:
    release = current_release(Path(settings.build_dir))
    if release is None or settings.data_files or settings.store_url:
        raise errors.not_found("This service does not serve a build, so it has no dumps or description.",
                               "no_build")
    return release


def dump_names(release: Path) -> list[str]:
    """The downloadable files of a release, relative to its dumps/ folder."""
    root = release / "dumps"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def dump_file(name: str, settings: Settings) -> tuple[Path, str]:
    """The file `name` of the current release's dumps and its media type; 404 for anything else.

    Names are checked against the listing itself, so no path can leave the dumps folder.
    """
    release = served_release(settings)
    if not DUMP_NAME_RE.fullmatch(name) or name not in dump_names(release):
        raise errors.not_found(f"No dump named {name!r}; see /dumps/ for the list.")
    suffix = Path(name).suffix
    return release / "dumps" / name, MEDIA_TYPES.get(suffix, "application/octet-stream")


def void_description(settings: Settings, base_url: str, accept: str | None) -> tuple[bytes, str]:
    """The VoID + DCAT-AP description of the served build, in the format `Accept` asks for."""
    from service.void import void_graph

    media = negotiate(accept, VOID_OFFERS) if accept else TURTLE
    if media is None:
        raise errors.not_acceptable("Ask for Turtle, JSON-LD, N-Triples or RDF/XML.", list(_RDFLIB_FORMATS))
    release = served_release(settings)
    key = (str(release), base_url)
    with _lock:
        if key not in _void_cache:
            graph: Graph = void_graph(release / "dataset.nq", base_url,
                                      dumps=[n for n in dump_names(release) if "/" not in n])
            _void_cache.clear()
            _void_cache[key] = graph.serialize(format="turtle").encode("utf-8")
        turtle = _void_cache[key]
    if media == TURTLE:
        return turtle, TURTLE
    return Graph().parse(data=turtle, format="turtle").serialize(format=_RDFLIB_FORMATS[media]).encode(), media
