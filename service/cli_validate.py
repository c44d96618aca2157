"""`pedkg validate`: check one portfolio or a CSV batch against a position and a target category.

Exit codes: 0 meets; 1 does not meet or needs review (in a batch: any row); 2 bad input (a malformed
file, an unknown position or category; in a batch: any bad row, the other rows are still checked).
The lead registers `validate_command` on the typer app (`app.command("validate")(validate_command)`).
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Annotated, Optional

import typer
import yaml
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from loaders.namespaces import KZID, KZO, SCHEMA
from service.portfolio_input import PortfolioError, format_of, read_batch, read_portfolio
from service.validation import LookupFailed, default_graph, validate_portfolio
from service.integrity import union_graph

FORMATS = ("text", "json", "turtle", "json-ld")
EXIT = {"meets": 0, "does-not-meet": 1, "needs-review": 1}


def load_vacancy(path: Path, graph: Graph) -> tuple[Graph, str]:
    """The graph with the vacancy of `path` added, and the vacancy's IRI.

    Turtle / JSON-LD: a file with one kzo:Vacancy. YAML / JSON: {"id", "position", "documents": [...]}.
    """
    fmt = format_of(path)
    merged = union_graph(graph)
    if merged is graph:
        merged = Graph()
        merged += graph
    if fmt in ("turtle", "json-ld"):
        try:
            v = Graph().parse(path, format=fmt)
        except Exception as e:
            raise PortfolioError([], f"{path}: malformed vacancy file: {e}")
        found = sorted(v.subjects(RDF.type, KZO.Vacancy), key=str)
        if len(found) != 1:
            raise PortfolioError([], f"{path}: expected one kzo:Vacancy, found {len(found)}")
        merged += v
        return merged, str(found[0])
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if fmt in ("yaml", "json") else None
    if not isinstance(data, dict) or not isinstance(data.get("documents", []), list):
        raise PortfolioError([], f"{path}: a vacancy is a mapping with 'position' and a 'documents' list")
    iri = KZID[f"vacancy/local/{data.get('id') or path.stem}"]
    merged.add((iri, RDF.type, KZO.Vacancy))
    if data.get("position"):
        merged.add((iri, KZO.forPosition, URIRef(data["position"]) if ":" in data["position"]
                    else KZID[f"position/tqc-2020/{data['position']}"]))
    for k, doc in enumerate(data.get("documents", []), start=1):
        d = URIRef(f"{iri}/document/{k}")
        merged.add((iri, KZO.requiresDocument, d))
        merged.add((d, RDFS.label, Literal(str(doc))))
        merged.add((d, SCHEMA.position, Literal(k)))
        merged.add((d, KZO.sourceFile, Literal(path.name)))
    return merged, str(iri)


def _print_report(console: Console, report, lang: str) -> None:
    d = report.to_dict(lang)
    colour = {"meets": "green", "does-not-meet": "red", "needs-review": "yellow"}[report.verdict]
    console.print(f"[bold]{d['person_id']}[/bold] → {d['position']['title']} ({d['position']['slug']}), "
                  f"{d['category'] or '-'}: [bold {colour}]{d['verdict_text']}[/bold {colour}]")
    for line in report.lines(lang):
        console.print("  " + line, markup=False)


def validate_command(
    file: Annotated[Path, typer.Argument(help="Portfolio (JSON, YAML, Turtle, JSON-LD) or a batch CSV.")],
    position: Annotated[Optional[str], typer.Option(help="Position IRI, slug (ch3-p9) or title; overrides the portfolio.")] = None,
    category: Annotated[Optional[str], typer.Option(help="Target category (pedagog, moderator, expert, researcher, master).")] = None,
    vacancy: Annotated[Optional[Path], typer.Option(help="Vacancy file (Turtle/JSON-LD kzo:Vacancy, or YAML with documents).")] = None,
    lang: Annotated[str, typer.Option(help="Language of the messages: ru, kk or en.")] = "ru",
    out: Annotated[Optional[Path], typer.Option(help="Write the report here (batch: the CSV; the JSON goes beside it).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="Single portfolio: text, json, turtle or json-ld (the SHACL report).")] = "text",
) -> None:
    """Check a portfolio (or a CSV batch) against a position and a target category."""
    console, err = Console(), Console(stderr=True)
    if lang not in ("ru", "kk", "en") or fmt not in FORMATS:
        err.print(f"bad option: --lang must be ru/kk/en, --format one of {', '.join(FORMATS)}")
        raise typer.Exit(2)
    try:
        graph = default_graph()
        vac_iri = None
        if vacancy is not None:
            graph, vac_iri = load_vacancy(vacancy, graph)
        if file.suffix.lower() == ".csv":
            raise typer.Exit(_batch(file, position, category, vac_iri, graph, lang, out, console, err))
        report = validate_portfolio(read_portfolio(file), position, category, vacancy=vac_iri, graph=graph,
                                    shacl=fmt in ("turtle", "json-ld"))
    except LookupFailed as e:
        err.print(f"error: {e}", markup=False)
        for c in e.candidates:
            err.print(f"  {c['slug']:10} {c['title']} — {c['chapter']}", markup=False)
        raise typer.Exit(2)
    except (PortfolioError, FileNotFoundError) as e:
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(2)
    if fmt == "text":
        text = None
        _print_report(console, report, lang)
    elif fmt == "json":
        text = json.dumps(report.to_dict(lang), ensure_ascii=False, indent=2)
    else:
        text = report.shacl_report(fmt)
    if text is not None:
        if out:
            out.write_text(text, encoding="utf-8")
        else:
            console.print(text, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT[report.verdict])


BATCH_COLUMNS = ("line", "person_id", "position", "category", "verdict", "failed", "needs_review", "error")


def _batch(file: Path, position, category, vac_iri, graph, lang, out, console, err) -> int:
    rows = read_batch(file.read_text(encoding="utf-8"), str(file))
    records, exit_code = [], 0
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as progress:
        task = progress.add_task(f"validating {file.name}", total=len(rows))
        for line, row in rows:
            rec = {"line": line, "person_id": row.get("person_id", "") if isinstance(row, dict) else ""}
            try:
                if isinstance(row, PortfolioError):
                    raise row
                report = validate_portfolio(row, position, category, vacancy=vac_iri, graph=graph, shacl=False)
                rec.update(position=report.position["slug"], category=report.category or "", verdict=report.verdict,
                           failed=" ".join(r.rule for r in report.requirements if r.status == "fail"),
                           needs_review=" ".join(r.rule for r in report.requirements if r.status == "needs-review"),
                           report=report.to_dict(lang))
                exit_code = max(exit_code, EXIT[report.verdict])
            except PortfolioError as e:
                rec.update(verdict="bad-input", error=str(e))
                exit_code = 2
            records.append(rec)
            progress.advance(task)
    csv_path = out or file.with_name(file.stem + ".report.csv")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=BATCH_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    csv_path.write_text(buf.getvalue(), encoding="utf-8")
    json_path = csv_path.with_suffix(".json")
    json_path.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    verdicts = {v: sum(1 for r in records if r["verdict"] == v)
                for v in ("meets", "does-not-meet", "needs-review", "bad-input")}
    console.print(f"{len(records)} row(s): " + ", ".join(f"{k} {n}" for k, n in verdicts.items())
                  + f"\nreports: {csv_path}, {json_path}")
    for r in records:
        if r["verdict"] == "bad-input":
            err.print(f"  line {r['line']}: {r['error']}", markup=False)
    return exit_code
