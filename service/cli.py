"""`pedkg`: the one command-line entry point (build, stats, query, serve, ...)."""
from __future__ import annotations

import csv
import io
import json
import sys
from enum import Enum
from pathlib import Path

import pyoxigraph
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from loaders.base import SourceError
from service.build import BuildFailed, build_all, current_release, read_summary

app = typer.Typer(help="pedagog-kg: the knowledge graph of Kazakhstan's teacher-position regulations.",
                  no_args_is_help=True, add_completion=False)
err = Console(stderr=True, soft_wrap=True)
out = Console()


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {escape(message)}")  # a quoted "[/…]" of a source is not markup
    raise typer.Exit(code)


@app.command()
def build(
    build_dir: Path = typer.Option(Path("build"), help="Where the build is written."),
    strict: bool = typer.Option(False, help="Fail on any warning (e.g. an act the registry does not know)."),
) -> None:
    """Run every loader and write build/dataset.nq and the embedded store (atomically)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("building", total=None)
        try:
            summary = build_all(build_dir, strict=strict,
                                progress=lambda step: bar.update(task, description=f"building: {step}"))
        except (SourceError, BuildFailed) as exc:
            _fail(f"{exc} (the previous build, if any, is unchanged)")
    for warning in summary.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    for violation in summary.integrity_violations:
        err.print(f"[red]integrity:[/red] {escape(violation)}")
    checked = summary.integrity
    out.print(f"integrity: {sum(checked.get('violations', {}).values())} violations, "
              f"{sum(checked.get('warnings', {}).values())} warnings (known source anomalies); "
              f"{summary.portfolio_shapes} portfolio shapes generated")
    out.print(f"built {summary.release}: {summary.positions} positions, {summary.acts} acts, "
              f"{summary.triples} triples in {len(summary.graphs)} graphs, "
              f"{len(summary.warnings)} warnings, {summary.seconds} s")


def open_build_store(build_dir: Path) -> pyoxigraph.Store:
    """The current build's store, read-only; exits with a hint when there is no build."""
    release = current_release(build_dir)
    if release is None:
        _fail(f"no build in {build_dir}/: run `pedkg build` first")
    return pyoxigraph.Store.read_only(str(release / "store"))


@app.command()
def stats(build_dir: Path = typer.Option(Path("build"), help="The build to describe.")) -> None:
    """Counts per named graph and per class of the current build."""
    store = open_build_store(build_dir)
    summary = read_summary(build_dir) or {}
    table = Table("graph", "triples", title=f"build {summary.get('release', '?')}")
    for graph, n in sorted(summary.get("graphs", {}).items()):
        table.add_row(graph, str(n))
    out.print(table)
    classes = Table("class", "instances")
    query = ("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n) ?c")
    for row in store.query(query, use_default_graph_as_union=True):
        classes.add_row(row["c"].value, row["n"].value)
    out.print(classes)


def _term_text(term) -> str:
    return "" if term is None else term.value


def render_solutions(solutions: pyoxigraph.QuerySolutions, fmt: OutputFormat) -> str:
    """SELECT results as a rich table (rendered to text), CSV, or SPARQL JSON."""
    if fmt is OutputFormat.json:
        return solutions.serialize(format=pyoxigraph.QueryResultsFormat.JSON).decode() + "\n"
    names = [v.value for v in solutions.variables]
    rows = [[_term_text(row[name]) for name in names] for row in solutions]
    if fmt is OutputFormat.csv:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(rows)
        return buf.getvalue()
    table = Table(*names)
    for row in rows:
        table.add_row(*row)
    console = Console(file=io.StringIO(), width=200)
    console.print(table)
    console.print(f"{len(rows)} rows")
    return console.file.getvalue()


@app.command()
def query(
    sparql: str = typer.Argument(None, help="A SPARQL query (or '-' to read it from stdin)."),
    named: str = typer.Option(None, help="Run a named query from queries/ instead."),
    param: list[str] = typer.Option([], help="Parameter of a named query, NAME=VALUE (repeatable)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, csv or json."),
    build_dir: Path = typer.Option(Path("build"), help="The build to query."),
) -> None:
    """Answer a SPARQL query from the current build."""
    if named:
        from service.named_queries import NamedQueryError, load_named_queries

        try:
            queries = load_named_queries()
            if named not in queries:
                _fail(f"no named query {named!r}; known: {', '.join(sorted(queries))}")
            values = dict(p.split("=", 1) for p in param if "=" in p)
            bad = [p for p in param if "=" not in p]
            if bad:
                _fail(f"--param expects NAME=VALUE, got {bad[0]!r}")
            sparql = queries[named].render(values)
        except NamedQueryError as exc:
            _fail(str(exc))
    elif sparql is None or sparql == "-":
        sparql = sys.stdin.read()
    store = open_build_store(build_dir)
    try:
        result = store.query(sparql, use_default_graph_as_union=True)
    except SyntaxError as exc:
        _fail(f"SPARQL syntax error: {exc}")
    if isinstance(result, pyoxigraph.QuerySolutions):
        sys.stdout.write(render_solutions(result, fmt))
    elif isinstance(result, pyoxigraph.QueryBoolean):
        sys.stdout.write(json.dumps({"boolean": bool(result)}) + "\n" if fmt is OutputFormat.json
                         else f"{bool(result)}\n")
    else:
        sys.stdout.write(pyoxigraph.serialize(result, format=pyoxigraph.RdfFormat.TURTLE).decode())


def _register_commands() -> None:
    """Commands that live in their own modules (one job each)."""
    from service.cli_audit import audit_vacancy_command
    from service.cli_export import export_command
    from service.cli_validate import validate_command
    from service.publish import publish_command
    from service.server import serve_command

    app.command("serve")(serve_command)
    app.command("audit-vacancy")(audit_vacancy_command)
    app.command("export")(export_command)
    app.command("validate")(validate_command)
    app.command("publish")(publish_command)


_register_commands()

if __name__ == "__main__":
    app()
