"""The SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/) as a plain function.

`handle_query(params, store, settings)` takes a `ProtocolRequest` (what the HTTP layer saw),
an engine from `service.store` and the `Settings`; it returns a `SparqlResponse` or raises
`ApiError`.  No FastAPI here: tests call it directly.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import parse_qsl, urljoin

import pyoxigraph as ox

from . import errors
from .settings import Settings
from .store import GRAPH_FORMATS, RESULTS_FORMATS, Job, result_error

JSON, XML, CSV, TSV = RESULTS_FORMATS  # media types without parameters
TURTLE, NTRIPLES, JSONLD, RDFXML = GRAPH_FORMATS
# (media range a client may ask for, the format we answer with); the first is the default.
RESULT_OFFERS = [(JSON, JSON), (XML, XML), (CSV, CSV), (TSV, TSV), ("application/json", JSON),
                 ("application/xml", XML), ("text/xml", XML)]
GRAPH_OFFERS = [(TURTLE, TURTLE), (NTRIPLES, NTRIPLES), (JSONLD, JSONLD), (RDFXML, RDFXML),
                ("application/x-turtle", TURTLE), ("text/plain", NTRIPLES), ("application/json", JSONLD),
                ("application/xml", RDFXML), ("text/xml", RDFXML)]
# `format=` (also `output=`-style short names used by SPARQLWrapper) -> (results, graph) formats
FORMAT_PARAM = {"json": (JSON, JSONLD), "xml": (XML, RDFXML), "csv": (CSV, None), "tsv": (TSV, None),
                "turtle": (None, TURTLE), "ttl": (None, TURTLE), "nt": (None, NTRIPLES),
                "ntriples": (None, NTRIPLES), "n-triples": (None, NTRIPLES), "jsonld": (None, JSONLD),
                "json-ld": (None, JSONLD), "rdfxml": (None, RDFXML), "rdf+xml": (None, RDFXML)}
FORMAT_PARAM.update({m: (m, None) for m in RESULTS_FORMATS})
FORMAT_PARAM.update({m: (None, m) for m in GRAPH_FORMATS})

FORM, QUERY_MT, UPDATE_MT = ("application/x-www-form-urlencoded", "application/sparql-query",
                             "application/sparql-update")
SINGLE_PARAMS = ("query", "update")
SD = "http://www.w3.org/ns/sparql-service-description#"


@dataclass(frozen=True)
class ProtocolRequest:
    """What the HTTP layer received, decoded no further."""

    method: str = "GET"
    query_params: tuple[tuple[str, str], ...] = ()
    content_type: str | None = None
    body: bytes = b""
    accept: str | None = None
    authorization: str | None = None
    endpoint_url: str = "http://localhost/sparql"


@dataclass
class SparqlResponse:
    status: int
    body: bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return self.media_type + ("; charset=utf-8" if self.media_type.startswith("text/") else "")


# ---------------------------------------------------------------- content negotiation

def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges with their q-values, in the client's order.

    >>> parse_accept("text/csv;q=0.5, application/json")
    [('text/csv', 0.5), ('application/json', 1.0)]
    """
    ranges = []
    for part in (header or "").split(","):
        pieces = [p.strip() for p in part.split(";")]
        if not pieces[0]:
            continue
        q = 1.0
        for p in pieces[1:]:
            if p.lower().startswith("q="):
                try:
                    q = max(0.0, min(1.0, float(p[2:])))
                except ValueError:
                    q = 0.0
        ranges.append((pieces[0].lower(), q))
    return ranges


def negotiate(header: str | None, offers: list[tuple[str, str]]) -> str | None:
    """The format to answer with (None: nothing acceptable); no header means the first offer."""
    ranges = parse_accept(header)
    if not ranges:
        return offers[0][1]
    best: tuple[float, int, int] | None = None
    chosen = None
    for offer_index, (offered, answer) in enumerate(offers):
        otype, _, osub = offered.partition("/")
        match = None  # (specificity, q, client position) of the most specific matching range
        for position, (media_range, q) in enumerate(ranges):
            rtype, _, rsub = media_range.partition("/")
            specificity = (2 if (rtype, rsub) == (otype, osub) else 1 if (rtype == otype and rsub == "*")
                           else 0 if media_range in ("*/*", "*") else -1)
            if specificity >= 0 and (match is None or specificity > match[0]):
                match = (specificity, q, position)
        if match is None or match[1] <= 0:
            continue
        key = (match[1], -match[2] if match[0] > 0 else -len(ranges), -offer_index)
        if best is None or key > best:
            best, chosen = key, answer
    return chosen


def choose_formats(accept: str | None, format_param: str | None) -> tuple[str | None, str | None]:
    if format_param is not None:
        try:
            return FORMAT_PARAM[format_param.strip().lower()]
        except KeyError:
            raise errors.bad_request(f"Unknown format {format_param!r}; use one of "
                                     "json, xml, csv, tsv, turtle, nt, jsonld, rdfxml.",
                                     "invalid_parameter") from None
    return negotiate(accept, RESULT_OFFERS), negotiate(accept, GRAPH_OFFERS)


# ---------------------------------------------------------------- lexical analysis

_TOKEN = re.compile(r"""
  (?P<ws>\s+)
| (?P<comment>\#[^\r\n]*)
| (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
| (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
             |"(?:[^"\\\r\n]|\\.)*"|'(?:[^'\\\r\n]|\\.)*')
| (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
| (?P<pname>(?:[^\W\d_][\w.\-\u00B7]*)?:(?:[\w:%.\-\u00B7]|\\[_~.\-!$&'()*+,;=/?\#@%])*)
| (?P<word>[^\W\d]\w*)
| (?P<other>.)
""", re.X | re.S)
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_PN_LOCAL_ESC = re.compile(r"\\(.)")
# Brackets nested deeper than this are refused (400): pyoxigraph's recursive parser overflows its
# stack (and kills the worker) at a few thousand levels; real queries stay far below 100.
MAX_NESTING = 100
# More request parameters than this are refused (400); SPARQL clients send a handful.
MAX_PARAMS = 100


def tokenize(text: str) -> Iterator[tuple[str, str]]:
    """(kind, text) tokens of SPARQL: ws, comment, iri, string, var, pname, word, other."""
    for m in _TOKEN.finditer(text):
        yield m.lastgroup or "other", m.group()


def unescape_uchars(text: str) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


@dataclass
class Analysis:
    service_targets: list[str] = field(default_factory=list)  # resolved IRIs, or the raw token
    has_dataset_clause: bool = False
    max_nesting: int = 0  # deepest nesting of (), {} and []


def analyse(text: str, base: str | None = None) -> Analysis:
    """Find SERVICE targets and FROM clauses, outside strings, IRIs and comments.

    Fails closed: a target that is a variable or a prefixed name with an unknown prefix is
    returned as written (and cannot match the allow-list).  The text is also read with
    ``\\u`` escapes decoded, as SPARQL 1.1 allows parsers to do before tokenizing.
    """
    result = Analysis()
    lowered = text.lower()
    if ("service" not in lowered and "from" not in lowered and "\\" not in text
            and sum(text.count(c) for c in "({[") <= MAX_NESTING):
        return result  # nothing to find and too few brackets to nest too deep: skip the tokenizer
    variants = [text] + ([unescape_uchars(text)] if _UCHAR.search(text) else [])
    for variant in variants:
        tokens = [(k, t) for k, t in tokenize(variant) if k not in ("ws", "comment")]
        prefixes: dict[str, list[str]] = {}
        bases = [base] if base else []
        depth = 0
        for i, (kind, tok) in enumerate(tokens):
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ("", "")
            if kind == "other" and tok in "({[":
                depth += 1
                result.max_nesting = max(result.max_nesting, depth)
            elif kind == "other" and tok in ")}]":
                depth -= 1
            if kind != "word":
                continue
            word = tok.lower()
            if word == "from":
                result.has_dataset_clause = True
            elif word == "base" and nxt[0] == "iri":
                bases.append(unescape_uchars(nxt[1][1:-1]))
            elif word == "prefix" and nxt[0] == "pname" and i + 2 < len(tokens) and tokens[i + 2][0] == "iri":
                prefixes.setdefault(nxt[1][:-1], []).append(unescape_uchars(tokens[i + 2][1][1:-1]))
            elif word == "service":
                j = i + 2 if nxt[1].lower() == "silent" else i + 1
                target = tokens[j] if j < len(tokens) else ("", "")
                result.service_targets.extend(_resolve(target, prefixes, bases))
    return result


def _resolve(token: tuple[str, str], prefixes: dict[str, list[str]], bases: list[str]) -> list[str]:
    kind, text = token
    if kind == "iri":
        candidates = [unescape_uchars(text[1:-1])]
    elif kind == "pname" and text.split(":", 1)[0] in prefixes:
        prefix, local = text.rstrip(".").split(":", 1)
        local = _PN_LOCAL_ESC.sub(r"\1", local)  # ex:a\#b names ...a#b
        candidates = [ns + local for ns in prefixes[prefix]]
    else:
        return [text or "(nothing)"]
    out = []
    for iri in candidates:
        if re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", iri):
            out.append(iri)
        elif bases:
            out.extend(urljoin(b, iri) for b in bases)
        else:
            out.append(iri)
    return out


def check_services(text: str, settings: Settings, base: str | None) -> bool:
    """Refuse (403) SERVICE to any endpoint not on the allow-list, and (400) brackets nested
    deeper than `MAX_NESTING`; return has-FROM."""
    analysis = analyse(text, base)
    if analysis.max_nesting > MAX_NESTING:
        raise errors.bad_request(f"The query nests brackets {analysis.max_nesting} levels deep; the "
                                 f"limit is {MAX_NESTING}.", "query_too_complex")
    refused = sorted({t for t in analysis.service_targets if t not in settings.service_allowlist})
    if refused:
        raise errors.forbidden("SERVICE is only allowed to the endpoints on the service's "
                               "allow-list.", "service_not_allowed", {"endpoints": refused})
    return analysis.has_dataset_clause


# ---------------------------------------------------------------- the protocol

def _params_of(request: ProtocolRequest) -> list[tuple[str, str]]:
    params = list(request.query_params)
    if request.method == "GET":
        return params
    if request.method != "POST":
        raise errors.method_not_allowed(f"The SPARQL endpoint answers GET and POST, not {request.method}.")
    media_type, _, rest = (request.content_type or "").partition(";")
    media_type = media_type.strip().lower()
    supported = [FORM, QUERY_MT, UPDATE_MT]
    if media_type not in supported:
        raise errors.unsupported_media_type(
            f"A POST to the SPARQL endpoint needs Content-Type {', '.join(supported)}; "
            f"got {request.content_type or 'none'}.", supported)
    charset = re.search(r"charset\s*=\s*\"?([\w.:-]+)", rest, re.I)
    if charset and charset.group(1).lower() not in ("utf-8", "utf8"):
        raise errors.unsupported_media_type(f"Only UTF-8 bodies are accepted, not {charset.group(1)}.")
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.bad_request("The request body is not valid UTF-8.", "invalid_encoding") from None
    in_url = {k for k, _ in params}
    if media_type == FORM:
        body_params = parse_qsl(text, keep_blank_values=True)
        both = sorted(in_url & {k for k, _ in body_params})
        if both:
            raise errors.bad_request(f"Parameter {', '.join(both)} is given both in the URL and in the "
                                     "body; give it once.", "conflicting_parameters")
        return params + body_params
    key = "query" if media_type == QUERY_MT else "update"
    for name in ("query", "update"):
        if name in in_url:
            raise errors.bad_request(f"The {key} is the body of this POST; the URL must not carry "
                                     f"a {name!r} parameter too.", "conflicting_parameters")
    return params + [(key, text)]


def _format_param(pairs: list[tuple[str, str]]) -> str | None:
    """The `format` parameter; repeats are accepted only when they agree (SPARQLWrapper sends
    ``format=tsv&format=text/tab-separated-values``)."""
    values = [v for k, v in pairs if k == "format"]
    if len({FORMAT_PARAM.get(v.strip().lower(), v) for v in values}) > 1:
        raise errors.bad_request(f"Parameter 'format' is given more than once with different values: "
                                 f"{', '.join(values)}.", "multiple_parameters")
    return values[0] if values else None


def _graph_iris(params: list[tuple[str, str]], name: str) -> tuple[str, ...]:
    iris = []
    for key, value in params:
        if key == name:
            try:
                node = ox.NamedNode(value)
            except ValueError:
                node = None
            if node is None or not re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", value):
                raise errors.bad_request(f"{name} must be an absolute IRI, got {value!r}.", "invalid_iri")
            iris.append(node.value)
    return tuple(iris)


def handle_query(params: ProtocolRequest, store: Any, settings: Settings) -> SparqlResponse:
    """Answer one SPARQL Protocol request (query, update or service description).

    :raises ApiError: 400 malformed request or query, 401/403 updates, 403 SERVICE not allowed,
        405 method, 406 no acceptable format, 413 query too long, 415 content type, 503 timeout.
    """
    pairs = _params_of(params)
    if len(pairs) > MAX_PARAMS:
        raise errors.bad_request(f"The request has {len(pairs)} parameters; the limit is {MAX_PARAMS}.",
                                 "too_many_parameters")
    for name in SINGLE_PARAMS:
        if sum(1 for k, _ in pairs if k == name) > 1:
            raise errors.bad_request(f"Parameter {name!r} is given more than once.", "multiple_parameters")
    given = dict((k, v) for k, v in pairs if k in SINGLE_PARAMS)
    if "query" in given and "update" in given:
        raise errors.bad_request("A request carries either a query or an update, not both.",
                                 "conflicting_parameters")
    if "update" in given:
        return _handle_update(params, pairs, given["update"], store, settings)
    if "query" not in given:
        if params.method == "GET":
            return service_description(params, store, settings)
        raise errors.bad_request("No query: send it as the 'query' parameter or as an "
                                 "application/sparql-query body.", "missing_parameter")
    text = given["query"]
    if len(text) > settings.max_query_chars:
        raise errors.payload_too_large(f"The query has {len(text)} characters; the limit is "
                                       f"{settings.max_query_chars}.", "query_too_long")
    default_graphs = _graph_iris(pairs, "default-graph-uri")
    named_graphs = _graph_iris(pairs, "named-graph-uri")
    results_format, graph_format = choose_formats(params.accept, _format_param(pairs))
    if results_format is None and graph_format is None:
        raise errors.not_acceptable("None of the formats in Accept can carry SPARQL results.",
                                    list(RESULTS_FORMATS) + list(GRAPH_FORMATS))
    has_from = check_services(text, settings, params.endpoint_url)
    protocol_dataset = bool(default_graphs or named_graphs)
    job = Job("query", text, use_union=not has_from,
              default_graphs=default_graphs if protocol_dataset else None,
              named_graphs=named_graphs if protocol_dataset else None,
              results_format=results_format, graph_format=graph_format,
              max_rows=settings.max_rows, base_iri=params.endpoint_url)
    return job_answer(store.run(job, settings.query_timeout_s))


def job_answer(result: Any) -> SparqlResponse:
    """The 200 answer of a finished job (client errors raised as ApiError; truncation flagged)."""
    err = result_error(result)
    if err is not None:
        raise err
    headers = {"Vary": "Accept"}
    if result.truncated:
        headers["X-Pedkg-Truncated"] = "true"
    return SparqlResponse(200, result.body, result.media_type, headers)


def _handle_update(request: ProtocolRequest, pairs: list[tuple[str, str]], text: str, store: Any,
                   settings: Settings) -> SparqlResponse:
    if request.method != "POST":
        raise errors.bad_request("SPARQL Update must be sent with POST.", "update_via_get")
    if not settings.allow_updates:
        raise errors.forbidden("This endpoint is read-only: SPARQL Update is switched off.",
                               "updates_disabled")
    scheme, _, token = (request.authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(),
                                                             (settings.update_token or "").encode()):
        raise errors.unauthorized("SPARQL Update needs the header 'Authorization: Bearer <token>' "
                                  "with the service's update token.")
    unsupported = sorted({k for k, _ in pairs if k in ("using-graph-uri", "using-named-graph-uri")})
    if unsupported:
        raise errors.bad_request(f"{', '.join(unsupported)} is not supported; use USING / WITH "
                                 "in the update itself.", "unsupported_parameter")
    if len(text) > settings.max_query_chars:
        raise errors.payload_too_large(f"The update has {len(text)} characters; the limit is "
                                       f"{settings.max_query_chars}.", "query_too_long")
    check_services(text, settings, request.endpoint_url)
    job_answer(store.run(Job("update", text, base_iri=request.endpoint_url), settings.query_timeout_s))
    return SparqlResponse(204, b"", "text/plain", {})


def service_description(request: ProtocolRequest, store: Any, settings: Settings) -> SparqlResponse:
    """The SPARQL 1.1 Service Description of this endpoint, in an RDF format (Turtle by default)."""
    html_wanted = any(r.startswith("text/html") and q > 0 for r, q in parse_accept(request.accept))
    fmt = negotiate(request.accept, GRAPH_OFFERS) or (TURTLE if html_wanted else None)
    if fmt is None:
        raise errors.bad_request("No query: send it as the 'query' parameter.", "missing_parameter")
    info = store.run(Job("info"), settings.query_timeout_s).info or {}
    triples = describe_service(request.endpoint_url, info, settings)
    body = ox.serialize(triples, format=GRAPH_FORMATS[fmt],
                        prefixes={"sd": SD, "formats": "http://www.w3.org/ns/formats/",
                                  "void": "http://rdfs.org/ns/void#"})
    return SparqlResponse(200, body, fmt, {"Vary": "Accept"})


def describe_service(endpoint: str, info: dict[str, Any], settings: Settings) -> list[ox.Triple]:
    sd = lambda local: ox.NamedNode(SD + local)  # noqa: E731
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    service, dataset, default = ox.BlankNode("service"), ox.BlankNode("dataset"), ox.BlankNode("default")
    t = [ox.Triple(service, rdf_type, sd("Service")),
         ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
         ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
         ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
         ox.Triple(service, sd("defaultEntailmentRegime"),
                   ox.NamedNode("http://www.w3.org/ns/entailment/Simple")),
         ox.Triple(service, sd("defaultDataset"), dataset),
         ox.Triple(dataset, rdf_type, sd("Dataset")),
         ox.Triple(dataset, sd("defaultGraph"), default),
         ox.Triple(default, rdf_type, sd("Graph"))]
    if settings.allow_updates:
        t.append(ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")))
    if settings.service_allowlist:
        t.append(ox.Triple(service, sd("feature"), sd("BasicFederatedQuery")))
    for fmt in list(RESULTS_FORMATS.values()) + list(GRAPH_FORMATS.values()):
        t.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(fmt.iri)))
    if "quads" in info:
        t.append(ox.Triple(default, ox.NamedNode("http://rdfs.org/ns/void#triples"),
                           ox.Literal(str(info["quads"]),
                                      datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))))
    for i, graph in enumerate(info.get("named_graphs", ())):
        node = ox.BlankNode(f"g{i}")
        t += [ox.Triple(dataset, sd("namedGraph"), node), ox.Triple(node, rdf_type, sd("NamedGraph")),
              ox.Triple(node, sd("name"), ox.NamedNode(graph))]
    return t
