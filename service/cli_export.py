"""CLI command ``pedkg export --format ttl|nt|nq|jsonld|csv [--out PATH] [--build-dir DIR]``.

Registered by the CLI module: ``app.command("export")(export_command)``.
Without ``--out`` the file goes to ``<build-dir>/current/dumps/`` (``dataset.<ext>``, or the folder
``csv/``). For ``csv``, an ``--out`` ending in ``.zip`` writes one zip of the tables, anything else
a folder. Exit codes: 0 written, 2 no build or an unknown format.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def export_command(
    fmt: str = typer.Option("ttl", "--format", "-f", help="ttl, nt, nq, jsonld or csv"),
    out: Optional[Path] = typer.Option(None, "--out", "-o",
                                       help="file (or, for csv, folder or .zip) to write; default: "
                                            "<build-dir>/current/dumps/"),
    build_dir: Path = typer.Option(Path("build"), "--build-dir", help="the build directory"),
) -> None:
    """Export the current build as an RDF dump or as CSV tables."""
    from .export import ExportError, export

    try:
        path = export(fmt, out, build_dir)
    except ExportError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(str(path))
