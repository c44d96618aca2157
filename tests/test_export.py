"""Issue 6: dumps (ttl, nt, nq, jsonld) re-load to the same dataset; CSV tables; the export command."""
from __future__ import annotations

import csv
import io
import zipfile

import pytest
import typer
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from service.cli_export import export_command
from service.export import CSV_TABLES, write_dumps


@pytest.fixture(scope="module")
def dumps(built):
    build_dir, _ = built
    return write_dumps(build_dir)


@pytest.fixture(scope="module")
def original(built):
    build_dir, _ = built
    ds = Dataset()
    ds.parse(str(build_dir / "dataset.nq"), format="nquads")
    return ds


def _graphs(ds: Dataset) -> dict[str, Graph]:
    return {str(g.identifier): g for g in ds.graphs() if len(g)}


def _union(ds: Dataset) -> Graph:
    union = Graph()
    for g in _graphs(ds).values():
        union += g
    return union


@pytest.mark.parametrize("fmt, rdflib_format", [("nq", "nquads"), ("jsonld", "json-ld")])
def test_quad_dumps_reload_to_the_same_named_graphs(dumps, original, fmt, rdflib_format):
    ds = Dataset()
    ds.parse(str(dumps[fmt]), format=rdflib_format)
    expected, got = _graphs(original), _graphs(ds)
    assert sorted(got) == sorted(expected)
    assert all(isomorphic(expected[name], got[name]) for name in expected)


@pytest.mark.parametrize("fmt, rdflib_format", [("ttl", "turtle"), ("nt", "nt")])
def test_triple_dumps_reload_to_the_union(dumps, original, fmt, rdflib_format):
    g = Graph()
    g.parse(str(dumps[fmt]), format=rdflib_format)
    assert isomorphic(g, _union(original))


def test_csv_tables(dumps):
    folder = dumps["csv"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(CSV_TABLES)
    with zipfile.ZipFile(dumps["zip"]) as zf:
        assert sorted(zf.namelist()) == sorted(CSV_TABLES)
        assert zf.read("positions.csv") == (folder / "positions.csv").read_bytes()
    positions = list(csv.DictReader(io.StringIO((folder / "positions.csv").read_text(encoding="utf-8"))))
    assert len(positions) == 141
    teachers = next(r for r in positions if r["position"].endswith("/tqc-2020/ch3-p6"))
    assert set(teachers["isco_08"].split(";")) == {"2341", "2330"}
    matrix = list(csv.reader(io.StringIO((folder / "positions-acts.csv").read_text(encoding="utf-8"))))
    header = matrix[0]
    assert header[0] == "position" and "https://w3id.org/kz-edu/eli/kz/Z1900000293" in header
    assert len(matrix) == 1 + 141 and all(set(row[1:]) <= {"0", "1"} for row in matrix[1:])
    row = next(r for r in matrix if r[0].endswith("/tqc-2020/ch3-p6"))
    assert row[header.index("https://w3id.org/kz-edu/eli/kz/Z070000319_")] == "1"
    reqs = list(csv.DictReader(io.StringIO((folder / "requirements.csv").read_text(encoding="utf-8"))))
    assert {r["kind"] for r in reqs} == {"competency", "experience"}
    assert any(r["category"].endswith("/category/master") for r in reqs)


def test_export_command(built, tmp_path):
    build_dir, _ = built
    app = typer.Typer()
    app.command("export")(export_command)
    app.command("noop")(lambda: None)
    runner = CliRunner()
    out = tmp_path / "tables.zip"
    result = runner.invoke(app, ["export", "--format", "csv", "--out", str(out), "--build-dir", str(build_dir)])
    assert result.exit_code == 0, result.output
    assert zipfile.ZipFile(out).namelist() == list(CSV_TABLES)
    nt = tmp_path / "d.nt"
    assert runner.invoke(app, ["export", "--format", "nt", "--out", str(nt), "--build-dir", str(build_dir)]).exit_code == 0
    assert nt.stat().st_size > 0
    bad = runner.invoke(app, ["export", "--format", "xls", "--build-dir", str(build_dir)])
    assert bad.exit_code == 2 and "Unknown format" in bad.output
    none = runner.invoke(app, ["export", "--build-dir", str(tmp_path / "nothing")])
    assert none.exit_code == 2 and "No build" in none.output
