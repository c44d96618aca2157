"""Dereferencing of the graph's IRIs and content negotiation, as plain functions.

Every IRI under ``https://w3id.org/kz-edu/`` is served at the same path on this service:
``/id/…``, ``/code/…``, ``/eli/kz/…`` and ``/onto`` (the ontology; its terms are ``/onto#Term``).
A browser gets HTML (rendered by `service.pages`), a client Turtle, JSON-LD, N-Triples or RDF/XML,
chosen by the suffix (``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``, ``.html``) or else by ``Accept``.

The RDF answer is a concise bounded description: the entity's own triples (with the blank nodes
it points to, recursively one level) plus the labels of the IRIs it links to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from . import errors
from .settings import Settings
from .sparql import JSON, JSONLD, NTRIPLES, RDFXML, TURTLE, SparqlResponse, negotiate
from .store import Job, result_error

BASE = "https://w3id.org/kz-edu"
ONTO = BASE + "/onto"
HTML = "text/html"
DEREF_ROOTS = ("id", "code", "eli", "onto")
SUFFIXES = {".ttl": TURTLE, ".jsonld": JSONLD, ".nt": NTRIPLES, ".rdf": RDFXML, ".html": HTML}
OFFERS = [(HTML, HTML), ("application/xhtml+xml", HTML), (TURTLE, TURTLE), (JSONLD, JSONLD),
          (NTRIPLES, NTRIPLES), (RDFXML, RDFXML), ("application/x-turtle", TURTLE),
          ("application/json", JSONLD), ("text/plain", NTRIPLES), ("application/xml", RDFXML)]
AVAILABLE = [HTML, TURTLE, JSONLD, NTRIPLES, RDFXML]
_OX_FORMATS = {TURTLE: ox.RdfFormat.TURTLE, JSONLD: ox.RdfFormat.JSON_LD,
               NTRIPLES: ox.RdfFormat.N_TRIPLES, RDFXML: ox.RdfFormat.RDF_XML}
PREFIXES = {
    "kzo": ONTO + "#", "kzid": BASE + "/id/", "kzcode": BASE + "/code/", "kzeli": BASE + "/eli/kz/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#", "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#", "dct": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#", "eli": "http://data.europa.eu/eli/ontology#",
    "schema": "https://schema.org/", "org": "http://www.w3.org/ns/org#",
}
SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
LABEL_PROPS = ("http://www.w3.org/2004/02/skos/core#prefLabel", "http://www.w3.org/2000/01/rdf-schema#label")


# ---------------------------------------------------------------- IRIs and paths

def path_to_iri(path: str, base: str = BASE) -> str:
    """The IRI a request path stands for.

    >>> path_to_iri("/id/position/tqc-2020/ch3-p9")
    'https://w3id.org/kz-edu/id/position/tqc-2020/ch3-p9'
    """
    return base + path


def local_href(iri: str, base: str = BASE) -> str:
    """Where a browser of this service finds `iri`: our IRIs become local paths, others stay.

    >>> local_href("https://w3id.org/kz-edu/onto#Position"), local_href("https://schema.org/title")
    ('/onto#Position', 'https://schema.org/title')
    """
    if iri.startswith(base + "/"):
        rest = iri[len(base):]
        if rest.split("/")[1].split("#")[0] in DEREF_ROOTS:
            return rest
    return iri


def compact(iri: str) -> str:
    """A prefixed name for `iri` where one of PREFIXES fits, else the IRI itself.

    >>> compact("https://w3id.org/kz-edu/onto#hasDuty")
    'kzo:hasDuty'
    """
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            best = prefix
    return f"{best}:{iri[len(PREFIXES[best]):]}" if best else iri


def split_suffix(path: str) -> tuple[str, str | None]:
    """(path without a format suffix, the media type that suffix asks for, or None)."""
    for suffix, media in SUFFIXES.items():
        if path.endswith(suffix) and len(path) > len(suffix) + 1:
            return path[: -len(suffix)], media
    return path, None


def choose_format(suffix_media: str | None, accept: str | None) -> str:
    """The media type to answer with: the suffix's, else the best for `Accept` (none: HTML).

    :raises ApiError: 406 when `Accept` names nothing we can write.
    """
    if suffix_media:
        return suffix_media
    chosen = negotiate(accept, OFFERS)
    if chosen is None:
        raise errors.not_acceptable("Ask for HTML, Turtle, JSON-LD, N-Triples or RDF/XML "
                                    "(or use the suffix .html, .ttl, .jsonld, .nt or .rdf).", AVAILABLE)
    return chosen


# ---------------------------------------------------------------- queries

def sparql_string(text: str) -> str:
    """`text` as a SPARQL string literal (safe to splice into a query).

    >>> sparql_string('a "b"\\n')
    '"a \\\\"b\\\\"\\\\n"'
    """
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r"))
    return f'"{escaped}"'


def iri_ref(iri: str) -> str:
    """`iri` as a SPARQL IRI reference; refuses characters that could break out of it."""
    if any(c in iri for c in '<>"{}|^`\\ \n\r\t'):
        raise errors.bad_request(f"Not a usable IRI: {iri!r}.", "invalid_parameter")
    return f"<{iri}>"


def select(engine: Any, settings: Settings, query: str) -> list[dict[str, dict[str, str]]]:
    """Run a SELECT (our prefixes added) and return its bindings (SPARQL JSON terms).

    :raises ApiError: the query failed (503 timeout, 400 evaluation).
    """
    job = Job("query", SPARQL_PREFIXES + query, results_format=JSON, max_rows=settings.max_rows)
    result = engine.run(job, settings.query_timeout_s)
    err = result_error(result)
    if err is not None:
        raise err
    return json.loads(result.body)["results"]["bindings"]


def construct(engine: Any, settings: Settings, query: str) -> list[ox.Triple]:
    """Run a CONSTRUCT (our prefixes added); the triples it makes."""
    job = Job("query", SPARQL_PREFIXES + query, graph_format=NTRIPLES, max_rows=settings.max_rows)
    result = engine.run(job, settings.query_timeout_s)
    err = result_error(result)
    if err is not None:
        raise err
    return list(ox.parse(result.body, format=ox.RdfFormat.N_TRIPLES))


def cbd_query(iri: str) -> str:
    """CONSTRUCT of the concise bounded description of `iri` (plus labels of linked IRIs)."""
    s = iri_ref(iri)
    return f"""CONSTRUCT {{ {s} ?p ?o . ?o ?p2 ?o2 . ?o ?lp ?l . }} WHERE {{
  {{ {s} ?p ?o }}
  UNION {{ {s} ?p ?o . FILTER(isBlank(?o)) ?o ?p2 ?o2 }}
  UNION {{ {s} ?p ?o . FILTER(isIRI(?o)) VALUES ?lp {{ skos:prefLabel rdfs:label }} ?o ?lp ?l }}
}}"""


def ontology_query() -> str:
    """CONSTRUCT of the ontology: the ontology resource and every ``kzo:`` term's triples."""
    return f"""CONSTRUCT {{ ?s ?p ?o . ?o ?p2 ?o2 }} WHERE {{
  ?s a ?type . FILTER(?s = <{ONTO}> || STRSTARTS(STR(?s), "{ONTO}#")) ?s ?p ?o .
  OPTIONAL {{ FILTER(isBlank(?o)) ?o ?p2 ?o2 }}
}}"""


def serialize(triples: list[ox.Triple], media: str) -> bytes:
    """`triples` in `media` (sorted, so the output is stable), Turtle with our prefixes."""
    ordered = sorted(set(triples), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    fmt = _OX_FORMATS[media]
    if fmt == ox.RdfFormat.TURTLE:
        return ox.serialize(ordered, format=fmt, prefixes=PREFIXES)
    return ox.serialize(ordered, format=fmt)


@dataclass(frozen=True)
class Deref:
    """What a dereferenced path resolves to: the IRI and the media type chosen."""

    iri: str
    media: str
    path: str  # the request path without the suffix

    @property
    def wants_html(self) -> bool:
        return self.media == HTML


def resolve(path: str, accept: str | None, base: str = BASE) -> Deref:
    """The IRI and format for a request `path` (``/id/…``, ``/onto.ttl``, …).

    :raises ApiError: 404 for a path outside the dereferenceable roots, 406 for `Accept`.
    """
    bare, suffix_media = split_suffix(path)
    root = bare.split("/")[1] if bare.count("/") >= 1 else ""
    if root not in DEREF_ROOTS or (root != "onto" and bare.rstrip("/") == "/" + root):
        raise errors.not_found(f"No resource at {path}.")
    return Deref(path_to_iri(bare, base), choose_format(suffix_media, accept), bare)


def handle_rdf(deref: Deref, engine: Any, settings: Settings) -> SparqlResponse:
    """The RDF answer for a dereferenced IRI.

    :raises ApiError: 404 when the graph says nothing about the IRI.
    """
    if deref.iri == ONTO:
        triples = construct(engine, settings, ontology_query())
    else:
        triples = construct(engine, settings, cbd_query(deref.iri))
    if not triples:
        raise not_found_entity(deref.iri)
    return SparqlResponse(200, serialize(triples, deref.media), deref.media, alternates(deref))


def exists(iri: str, engine: Any, settings: Settings) -> bool:
    """True when `iri` is the subject of at least one triple."""
    return bool(select(engine, settings, f"SELECT ?p WHERE {{ {iri_ref(iri)} ?p ?o }} LIMIT 1"))


def not_found_entity(iri: str) -> errors.ApiError:
    return errors.not_found(f"The graph has nothing about <{iri}>. Check the identifier, or search "
                            "the positions on the home page.", "unknown_entity")


def alternates(deref: Deref) -> dict[str, str]:
    """Vary and Link headers naming the other formats of the same resource."""
    links = [f'<{deref.path}{suffix}>; rel="alternate"; type="{media}"'
             for suffix, media in SUFFIXES.items() if media != deref.media]
    return {"Vary": "Accept", "Link": ", ".join(links)}
