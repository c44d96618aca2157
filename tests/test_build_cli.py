"""The build and the CLI: summary, strict mode on unknown acts, stats and query output (issue 2)."""
from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from loaders.sources import SOURCES_DIR
from service.build import BuildFailed, build_all
from service.cli import app

runner = CliRunner()
STATUS_LAW = "https://w3id.org/kz-edu/eli/kz/Z1900000293"


def test_summary_counts_the_five_sources(built):
    build_dir, summary = built
    assert len(summary.graphs) == 10  # ontology, reference, 2008↔2020 history, labels-kk, linking, one per source
    assert summary.acts >= 24 and summary.positions >= 88 + 51
    assert summary.warnings == []
    stored = json.loads((build_dir / "build.json").read_text(encoding="utf-8"))
    assert stored["triples"] == summary.triples == sum(summary.graphs.values())


@pytest.fixture()
def sources_with_unknown_act(tmp_path):
    """A copy of the sources whose §2.1 law list also names an act the registry does not know."""
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, sources)
    path = sources / "tqc-2020-ru.txt"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[145].startswith("акты, определяющие направления")  # l.146, end of the E1 block
    lines[145] = 'Закон Республики Казахстан "О беспилотных аппаратах", ' + lines[145]
    path.write_text("\n".join(lines), encoding="utf-8")
    return sources


def test_unknown_act_is_a_warning_with_its_line(tmp_path, sources_with_unknown_act):
    summary = build_all(tmp_path / "build", sources_dir=sources_with_unknown_act, checks=False, dumps=False)
    assert any("tqc-2020-ru.txt:14" in w and "unknown-act" in w and "беспилотных" in w
               for w in summary.warnings), summary.warnings


def test_strict_build_fails_on_it_and_keeps_the_previous_build(tmp_path, sources_with_unknown_act):
    build_dir = tmp_path / "build"
    first = build_all(build_dir, checks=False, dumps=False)
    with pytest.raises(BuildFailed, match="беспилотных"):
        build_all(build_dir, strict=True, sources_dir=sources_with_unknown_act)
    assert json.loads((build_dir / "build.json").read_text(encoding="utf-8"))["release"] == first.release


def test_cli_query_lists_positions_that_must_know_the_status_law(built):
    build_dir, _ = built
    query = f"""PREFIX kzo: <https://w3id.org/kz-edu/onto#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?title ?line WHERE {{ ?p kzo:requiresKnowledgeOf <{STATUS_LAW}> ;
          skos:prefLabel ?title ; kzo:sourceLine ?line }} ORDER BY ?line LIMIT 2"""
    result = runner.invoke(app, ["query", query, "--format", "csv", "--build-dir", str(build_dir)])
    assert result.exit_code == 0, result.output
    assert result.output == ("title,line\nРуководитель дошкольной организации,98\n"
                             "Методист дошкольной организации,163\n")


def test_cli_query_json_and_syntax_error(built):
    build_dir, _ = built
    ok = runner.invoke(app, ["query", "ASK { ?s ?p ?o }", "--format", "json", "--build-dir", str(build_dir)])
    assert json.loads(ok.output) == {"boolean": True}
    rows = runner.invoke(app, ["query", "SELECT ?n WHERE { VALUES ?n { 1 } }", "--format", "json",
                               "--build-dir", str(build_dir)])
    assert json.loads(rows.output)["results"]["bindings"] == [
        {"n": {"type": "literal", "datatype": "http://www.w3.org/2001/XMLSchema#integer", "value": "1"}}]
    bad = runner.invoke(app, ["query", "SELEC ?x", "--build-dir", str(build_dir)])
    assert bad.exit_code == 1 and "SPARQL syntax error" in bad.output


def test_cli_without_a_build_says_what_to_do(tmp_path):
    result = runner.invoke(app, ["stats", "--build-dir", str(tmp_path / "nothing")])
    assert result.exit_code == 1 and "run `pedkg build` first" in result.output


def test_cli_stats_counts_classes(built):
    build_dir, _ = built
    result = runner.invoke(app, ["stats", "--build-dir", str(build_dir)])
    assert result.exit_code == 0
    assert "graph/tqc-2020-ru" in result.output and "onto#Position" in result.output
