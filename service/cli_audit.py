"""CLI command ``pedkg audit-vacancy FILE [--lang ru|kk|en]``: compare a vacancy announcement
with the 2020 regulation of the position it is for and print the deviations.

Registered by the CLI module (``app.command("audit-vacancy")(audit_vacancy_command)``).
Exit codes: 0 no deviation of severity high or medium, 1 some found, 2 the input cannot be used.
"""
from __future__ import annotations

from pathlib import Path

import typer

from loaders.base import SourceError

ROOT = Path(__file__).resolve().parents[1]
REGULATION = ROOT / "data" / "sources" / "tqc-2020-ru.txt"


def audit_vacancy_command(
    file: Path = typer.Argument(..., help="the announcement text (UTF-8)", exists=False),
    lang: str = typer.Option("en", "--lang", help="language of the report: ru, kk or en"),
) -> None:
    """Compare a vacancy announcement with the regulation of its position."""
    from loaders.acts import Registry
    from loaders.tqc2020 import parse as parse_2020
    from loaders.vacancy import parse
    from loaders.vacancy_audit import audit, render_audit

    if lang not in ("ru", "kk", "en"):
        typer.echo(f"--lang must be ru, kk or en, not {lang!r}", err=True)
        raise typer.Exit(2)
    if not file.is_file():
        typer.echo(f"{file}: no such file", err=True)
        raise typer.Exit(2)
    try:
        doc = parse(file)
        positions = parse_2020(REGULATION)
        registry = Registry.load()
    except SourceError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    report = audit(doc, positions, registry)
    typer.echo(render_audit(report, lang, doc), nl=False)
    if report.match is None:
        raise typer.Exit(2)
    if any(d.severity in ("high", "medium") for d in report.deviations):
        raise typer.Exit(1)
