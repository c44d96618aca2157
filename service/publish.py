"""`pedkg publish --to URL`: load the current build into a remote store over the Graph Store Protocol.

One ``PUT <to>?graph=<IRI>`` per named graph of the build's ``dataset.nq`` (body: N-Triples), and
``PUT <to>?default`` for triples in the default graph, if any.  Each PUT replaces that graph
whole; graphs of the store that the build does not have are left alone (and listed).  Then one
``SELECT ?g (COUNT(*) AS ?n) ... GROUP BY ?g`` on the store's query endpoint checks that every
graph holds exactly the triples sent; any difference fails the command (exit code 1).

The query endpoint is ``--sparql``, else guessed beside the graph store: ``…/store`` →
``…/query`` then ``…/sparql`` (Oxigraph server, our own service), ``…/data`` → ``…/query`` then
``…/sparql`` (Fuseki), ``…/rdf-graphs/service`` and ``…/sparql-graph-crud`` → ``…/sparql``; the first
that answers the count is used.

Not atomic across graphs: a failure leaves the graphs already sent in place (re-run to finish).
A blank node shared between two graphs of the dump becomes two blank nodes (one per PUT).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import quote

import httpx
import pyoxigraph as ox
import typer

NTRIPLES = "application/n-triples"
DEFAULT_GRAPH = ""  # key of the default graph in the counts
COUNT_QUERY = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
DEFAULT_COUNT_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
_SIBLINGS = {"store": ("query", "sparql"), "data": ("query", "sparql"),
             "rdf-graphs/service": ("sparql",), "sparql-graph-crud": ("sparql",)}


class PublishError(Exception):
    """The store refused or failed a request; the message says which and why."""


@dataclass
class PublishReport:
    sent: dict[str, int] = field(default_factory=dict)  # graph IRI ("" = default) -> triples sent
    found: dict[str, int] = field(default_factory=dict)  # graph IRI -> triples the store counts
    query_url: str = ""
    seconds: float = 0.0

    @property
    def mismatches(self) -> dict[str, tuple[int, int]]:
        return {g: (n, self.found.get(g, 0)) for g, n in self.sent.items() if self.found.get(g, 0) != n}

    @property
    def extra_graphs(self) -> list[str]:
        return sorted(g for g in self.found if g not in self.sent and g != DEFAULT_GRAPH)


def dataset_path(build_dir: Path) -> Path:
    """The build's N-Quads dump (``current/dataset.nq``, or ``dataset.nq`` of a flat build)."""
    for candidate in (build_dir / "current" / "dataset.nq", build_dir / "dataset.nq"):
        if candidate.is_file():
            return candidate
    raise PublishError(f"{build_dir}: no build here (no dataset.nq); run `pedkg build` first")


def graphs_of(dump: Path) -> dict[str, list[ox.Triple]]:
    """The dump's triples by graph IRI ("" for the default graph), without duplicates."""
    graphs: dict[str, dict[ox.Triple, None]] = defaultdict(dict)
    for quad in ox.parse(path=str(dump), format=ox.RdfFormat.N_QUADS):
        name = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else DEFAULT_GRAPH
        graphs[name][quad.triple] = None
    return {g: list(triples) for g, triples in graphs.items()}


def query_url_candidates(graph_store_url: str) -> list[str]:
    """Where the query endpoint usually is, beside `graph_store_url`.

    >>> query_url_candidates("http://localhost:7878/store")
    ['http://localhost:7878/query', 'http://localhost:7878/sparql']
    >>> query_url_candidates("http://localhost:3030/ds/data")
    ['http://localhost:3030/ds/query', 'http://localhost:3030/ds/sparql']
    """
    url = graph_store_url.split("?", 1)[0].rstrip("/")
    for tail, siblings in _SIBLINGS.items():
        if url.endswith("/" + tail):
            base = url[: -len(tail)]
            return [base + s for s in siblings]
    return []


def publish(build_dir: Path, to: str, *, token: str | None = None, sparql_url: str | None = None,
            timeout_s: float = 300.0, progress: Callable[[str], None] = lambda _: None,
            transport: httpx.BaseTransport | None = None) -> PublishReport:
    """PUT every graph of the build to the Graph Store at `to`, then count them on the store.

    :raises PublishError: no build, the store refused a request, or it cannot be reached.
    """
    started = time.monotonic()
    if not to.startswith(("http://", "https://")):
        raise PublishError(f"--to must be an http(s) URL of a Graph Store endpoint, got {to!r}")
    candidates = [sparql_url] if sparql_url else query_url_candidates(to)
    if not candidates:
        raise PublishError(f"cannot guess the query endpoint beside {to}; give it with --sparql URL")
    graphs = graphs_of(dataset_path(build_dir))
    report = PublishReport()
    headers = {"User-Agent": "pedagog-kg publish"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    separator = "&" if "?" in to else "?"
    with httpx.Client(headers=headers, timeout=timeout_s, transport=transport) as client:
        for name in sorted(graphs):
            triples = graphs[name]
            progress(f"PUT {name or 'default graph'} ({len(triples)} triples)")
            target = f"{to}{separator}graph={quote(name, safe='')}" if name else f"{to}{separator}default"
            body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) if triples else b""
            response = _request(client, "PUT", target, content=body, headers={"Content-Type": NTRIPLES})
            if response.status_code not in (200, 201, 204):
                raise PublishError(f"PUT {target} answered HTTP {response.status_code}: "
                                   f"{_excerpt(response)}")
            report.sent[name] = len(triples)
        progress("counting the triples on the store")
        report.query_url, report.found = _count(client, candidates, DEFAULT_GRAPH in graphs)
    report.seconds = round(time.monotonic() - started, 2)
    return report


def _count(client: httpx.Client, candidates: list[str], with_default: bool) -> tuple[str, dict[str, int]]:
    failures: list[str] = []
    for url in candidates:
        rows = _select(client, url, COUNT_QUERY, failures)
        if rows is None:
            continue
        found = {row["g"]: int(row["n"]) for row in rows if "g" in row}
        if with_default:  # (a store whose default graph is the union counts every graph here)
            default_rows = _select(client, url, DEFAULT_COUNT_QUERY, failures) or [{}]
            found[DEFAULT_GRAPH] = int(default_rows[0].get("n", -1))
        return url, found
    raise PublishError("the graphs were sent, but no query endpoint answered the count ("
                       + "; ".join(failures) + "); check them with --sparql URL")


def _select(client: httpx.Client, url: str, query: str, failures: list[str]) -> list[dict[str, str]] | None:
    response = _request(client, "POST", url, data={"query": query},
                        headers={"Accept": "application/sparql-results+json"})
    if response.status_code != 200:
        failures.append(f"{url}: HTTP {response.status_code}")
        return None
    try:
        solutions = ox.parse_query_results(response.content, ox.QueryResultsFormat.JSON)
    except (SyntaxError, ValueError):
        failures.append(f"{url}: not SPARQL JSON results")
        return None
    names = [v.value for v in solutions.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in solutions]


def _request(client: httpx.Client, method: str, url: str, **kwargs: object) -> httpx.Response:
    try:
        return client.request(method, url, **kwargs)  # type: ignore[arg-type]
    except httpx.TimeoutException:
        raise PublishError(f"{method} {url}: no answer within the time limit (raise --timeout)") from None
    except httpx.TransportError as exc:
        raise PublishError(f"{method} {url}: cannot reach the store ({exc or type(exc).__name__})") from None


def _excerpt(response: httpx.Response, limit: int = 500) -> str:
    text = " ".join(response.text.split())
    return (text[:limit] + " …") if len(text) > limit else text or "(no message)"


def publish_command(
    to: str = typer.Option(..., "--to", help="Graph Store Protocol endpoint of the store, e.g. "
                           "http://localhost:7878/store (Oxigraph) or http://localhost:3030/ds/data (Fuseki)."),
    token: Optional[str] = typer.Option(None, "--token", envvar="PEDKG_PUBLISH_TOKEN",
                                        help="Bearer token the store asks for (env: PEDKG_PUBLISH_TOKEN)."),
    build_dir: Path = typer.Option(Path("build"), "--build-dir", help="The build to publish."),
    sparql: Optional[str] = typer.Option(None, "--sparql", help="The store's query endpoint for the "
                                         "check (default: guessed beside --to)."),
    timeout: float = typer.Option(300.0, "--timeout", help="Time limit of each request, in seconds."),
) -> None:
    """Load the build into a remote store (one PUT per named graph), then check the counts."""
    try:
        report = publish(build_dir, to, token=token, sparql_url=sparql, timeout_s=timeout,
                         progress=lambda step: typer.echo(step, err=True))
    except PublishError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    for graph in report.extra_graphs:
        typer.echo(f"note: the store also has {graph} (not in this build; left as it is)", err=True)
    if report.mismatches:
        for graph, (sent, found) in sorted(report.mismatches.items()):
            typer.secho(f"mismatch: {graph or 'default graph'}: sent {sent} triples, the store counts {found}",
                        fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    typer.echo(f"published {len(report.sent)} graphs, {sum(report.sent.values())} triples to {to} "
               f"in {report.seconds} s; counts checked on {report.query_url}")
