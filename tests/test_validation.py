"""Issue 4: portfolios checked against a position and a category (generated SHACL shapes)."""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
import yaml
from rdflib import Graph
from typer.testing import CliRunner

from reference_rules import Reference, random_portfolio, verdict
from service import portfolio_shapes as ps
from service.portfolio_input import PortfolioError, check_portfolio, parse_text, portfolio_node, read_portfolio
from service.validation import (LookupFailed, compiled_statuses, context, rules_for, shacl_batch,
                                validate_json, validate_portfolio)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def graph(built):
    """The union of the build's named graphs, as one plain rdflib Graph."""
    from service.validation import load_dataset

    return load_dataset(built[0] / "dataset.nq")


@pytest.fixture(scope="session")
def ctx(graph):
    return context(graph)


@pytest.fixture(scope="session")
def shapes(graph, ctx):
    return ps.generate_portfolio_shapes(graph, ctx.rules)


def check(name, graph, **kw):
    report = validate_portfolio(read_portfolio(EXAMPLES / name), graph=graph, **kw)
    assert report.shacl_agrees is True, "compiled checks and pySHACL disagree"
    return report, {r.rule: r.status for r in report.requirements}


# -- shapes ---------------------------------------------------------------------------------
def test_every_position_yields_shapes(graph, ctx, shapes):
    from rdflib import RDF, URIRef
    from rdflib.namespace import SH
    from loaders.namespaces import KZO

    positions = set(graph.subjects(RDF.type, KZO.Position))
    assert len(ctx.rules) == len(positions) > 80
    selects = " ".join(str(o) for o in shapes.objects(None, SH.select))
    for p in positions:
        assert f"<{p}>" in selects, p
        pr = ctx.rules[str(p)]
        for c in pr.categories or (None,):
            assert pr.rules[c][0].id == "education"
            assert any(str(s).split("#")[-1] in (f"{ps.shape_base(pr.key, c)}-education",
                                                  f"{ps.shape_base(pr.key, c)}-education-review")
                       for s in shapes.subjects(SH.target, None)), (pr.key, c)
    assert ps.count_shapes(shapes) > 1000
    assert all(isinstance(s, URIRef) for s in shapes.subjects(SH.severity, None))


def test_shapes_serialise_and_reload(shapes):
    ttl = shapes.serialize(format="turtle")
    assert len(Graph().parse(data=ttl, format="turtle")) == len(shapes)


def test_messages_have_same_placeholders_in_all_languages():
    fields = re.compile(r"{(\w+)}")
    for key, texts in ps.messages()["rules"].items():
        assert set(texts) == set(ps.LANGS), key
        assert len({frozenset(fields.findall(t)) for t in texts.values()}) == 1, key


# -- examples, one per failure kind -----------------------------------------------------------
def test_readme_example_fails_with_a_readable_reason(graph):
    report, st = check("readme-teacher-expert.yaml", graph)
    assert report.verdict == "does-not-meet" and st["experience"] == "fail"
    line = next(r for r in report.requirements if r.rule == "experience")
    assert "не менее 3 лет" in line.message["ru"] and "2.5" in line.message["ru"]
    assert "tqc-2020-ru.txt" in line.message["en"] and f"line {line.cite.line}" in line.message["en"]
    assert line.cite.point == 58 and "кемінде 3 жыл" in line.message["kk"]


@pytest.mark.parametrize("name, verdict_, rule, status", [
    ("teacher-expert-meets.json", "meets", "experience", "pass"),
    ("teacher-master-skips-category.yaml", "does-not-meet", "prerequisite", "fail"),
    ("special-educator-tvet.yaml", "does-not-meet", "education", "fail"),
    ("assistant-needs-review.yaml", "needs-review", "experience", "pass"),
    ("director-preschool.yaml", "needs-review", "experience", "needs-review"),
    ("methodist-ttl.ttl", "meets", "experience", "pass"),
    ("teacher-jsonld.jsonld", "meets", "prerequisite", "pass"),
])
def test_examples(graph, name, verdict_, rule, status):
    report, st = check(name, graph)
    assert report.verdict == verdict_ and st[rule] == status


def test_category_not_offered_and_category_less_position(graph):
    base = {"person_id": "X", "education": [{"level": "higher", "pedagogical": True}],
            "experience": {"pedagogical": 10}}
    r = validate_portfolio(base, "ch3-p10", "pedagog", graph=graph)  # social teacher: from moderator up
    assert r.verdict == "does-not-meet" and [x.rule for x in r.requirements] == ["category-offered"]
    r = validate_portfolio(base, "ch8-p5", None, graph=graph)
    assert r.verdict == "meets" and r.shacl_agrees


def test_urban_rural_thresholds(graph):
    base = {"person_id": "U", "education": [{"level": "higher", "pedagogical": True}]}
    def run(years, settlement):
        return validate_portfolio({**base, "experience": {"pedagogical": years, "settlement": settlement}},
                                  "ch2-p2", "moderator", graph=graph)
    urban, rural, unknown = run(2, "urban"), run(2, "rural"), run(2, None)
    st = lambda r: {x.rule: x.status for x in r.requirements}["experience"]  # noqa: E731
    assert (st(urban), st(rural)) != ("pass", "pass") or st(unknown) == "pass"
    assert all(r.shacl_agrees for r in (urban, rural, unknown))


def test_vacancy_documents(graph, tmp_path):
    from service.cli_validate import load_vacancy

    merged, iri = load_vacancy(EXAMPLES / "vacancy-example.yaml", graph)
    p = read_portfolio(EXAMPLES / "teacher-expert-meets.json")
    p["documents"] = ["заявление об участии в конкурсе", "Документ удостоверяющий личность"]
    report = validate_portfolio(p, vacancy=iri, graph=merged)
    docs = [r for r in report.requirements if r.kind == "document"]
    assert [d.status for d in docs] == ["pass", "pass", "fail", "fail"]
    assert report.verdict == "does-not-meet" and report.shacl_agrees


def test_report_is_deterministic_and_exports_shacl(graph):
    a = validate_portfolio(read_portfolio(EXAMPLES / "readme-teacher-expert.yaml"), graph=graph)
    b = validate_portfolio(read_portfolio(EXAMPLES / "readme-teacher-expert.yaml"), graph=graph)
    assert json.dumps(a.to_dict(), ensure_ascii=False) == json.dumps(b.to_dict(), ensure_ascii=False)
    assert "sh:ValidationReport" in a.shacl_report("turtle")
    assert json.loads(a.shacl_report("json-ld"))


# -- resolution and bad input -----------------------------------------------------------------
def test_position_resolution(graph, ctx):
    iri = "https://w3id.org/kz-edu/id/position/tqc-2020/ch3-p9"
    from service.validation import resolve_position
    assert resolve_position(iri, ctx).position == iri == resolve_position("ch3-p9", ctx).position
    assert resolve_position("Педагог-ассистент организации среднего образования", ctx).position == iri
    with pytest.raises(LookupFailed) as e:
        resolve_position("Социальный педагог", ctx)
    assert len(e.value.candidates) >= 3 and all(c["chapter"] for c in e.value.candidates)
    with pytest.raises(LookupFailed) as e:
        resolve_position("Социальный пидагог организации", ctx)
    assert e.value.candidates and "unknown position" in str(e.value)


@pytest.mark.parametrize("text, fmt, where", [
    ('{"person_id": "A",\n "education": [}', "json", (2, 16)),
    ("person_id: A\neducation: [\n  - level", "yaml", (3, 3)),
    ("@prefix kzo: <https://w3id.org/kz-edu/onto#> .\n<x> a kzo:Portfolio ;\n kzo:personId \"A .\n", "turtle", (3, 14)),
])
def test_malformed_input_has_line_and_column(text, fmt, where):
    with pytest.raises(PortfolioError) as e:
        parse_text(text, fmt)
    issue = e.value.issues[0]
    assert (issue.line, issue.column)[0] == where[0] and issue.column is not None


@pytest.mark.parametrize("fmt, text", [("json", "[" * 100_000), ("yaml", "[" * 100_000)])
def test_deeply_nested_input_is_refused_not_crashed(fmt, text):
    with pytest.raises(PortfolioError, match="nested too deeply"):
        parse_text(text, fmt)


@pytest.mark.parametrize("data, needle", [
    ({"person_id": "A", "education": [], "salary": 1}, "unknown field(s) 'salary'"),
    ({"person_id": "A", "education": [{"level": "higher", "grade": 5}]}, "unknown field(s) 'grade'"),
    ({"person_id": "A", "education": [], "experience": {"total": -1}}, "impossible value -1"),
    ({"person_id": "A", "education": [], "category": {"awarded": "2999-01-01"}}, "in the future"),
    ({"person_id": "A", "education": [], "target": {"category": "guru"}}, "'guru' does not exist"),
    ({"person_id": "A", "education": [{"level": "phd"}]}, "'phd' does not exist"),
])
def test_impossible_values(data, needle):
    with pytest.raises(PortfolioError) as e:
        check_portfolio(data)
    assert needle in str(e.value)


def test_unknown_rdf_property_is_named():
    ttl = ("@prefix kzo: <https://w3id.org/kz-edu/onto#> .\n"
           "<https://x/p> a kzo:Portfolio ; kzo:personId \"A\" ; kzo:favouriteColour \"red\" .\n")
    with pytest.raises(PortfolioError, match="kzo:favouriteColour"):
        parse_text(ttl, "turtle")


def test_validate_json_api(graph):
    body = {"portfolio": yaml.safe_load((EXAMPLES / "readme-teacher-expert.yaml").read_text()), "lang": "en"}
    out = validate_json(body, graph=graph)
    assert out["verdict"] == "does-not-meet" and isinstance(out["requirements"][0]["message"], str)
    from service.errors import ApiError
    with pytest.raises(ApiError) as e:
        validate_json({"portfolio": {"person_id": "A", "education": [], "x": 1}}, graph=graph)
    assert e.value.status == 400 and "x" in str(e.value.to_json())
    with pytest.raises(ApiError) as e:
        validate_json({**body, "position": "Социальный педагог"}, graph=graph)
    assert e.value.to_json()


def test_cli_batch(graph, tmp_path, monkeypatch):
    import typer
    from service import cli_validate, validation

    monkeypatch.setattr(validation, "default_graph", lambda: graph)
    monkeypatch.setattr(cli_validate, "default_graph", lambda: graph)
    app = typer.Typer()
    app.command("validate")(cli_validate.validate_command)
    app.command("noop")(lambda: None)
    out = tmp_path / "report.csv"
    res = CliRunner().invoke(app, ["validate", str(EXAMPLES / "batch.csv"), "--out", str(out)])
    assert res.exit_code == 2, res.output
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("line,person_id") and len(rows) == 8
    assert sum("bad-input" in r for r in rows) == 3 and json.loads(out.with_suffix(".json").read_text())
    res = CliRunner().invoke(app, ["validate", str(EXAMPLES / "teacher-expert-meets.json"), "--lang", "kk"])
    assert res.exit_code == 0 and "сәйкес келеді" in res.output
    res = CliRunner().invoke(app, ["validate", str(EXAMPLES / "readme-teacher-expert.yaml"), "--format", "json"])
    assert res.exit_code == 1 and '"does-not-meet"' in res.output


# -- agreement on generated portfolios -------------------------------------------------------------
def _kind(rule_id: str) -> str:
    return "additional" if rule_id.startswith("additional") else \
        "category-note" if rule_id.startswith("category-note") else rule_id


def _focus(ctx, targets):
    """The targets with an additional path or a conditional (teaching) experience requirement."""
    return [t for t in targets if any(r.id.startswith("additional") or any(a.condition for a in r.atoms)
                                      for rules in ctx.rules[t[0]].rules.values() for r in rules)]


def test_reference_rules_agree_with_compiled_checks(graph, ctx):
    rng, ref = random.Random(11), Reference(graph)
    targets = sorted((iri, pr.categories) for iri, pr in ctx.rules.items())
    focus = _focus(ctx, targets)
    assert len(focus) >= 10
    rank = {"fail": 0, "needs-review": 1, "pass": 2}
    seen: dict[str, set] = {}
    for i in range(4000):
        p, position, cat = random_portfolio(rng, targets if i < 3000 else focus, i)
        node = portfolio_node(p, position, cat)
        got: dict[str, str] = {}
        for _, rule in rules_for(ctx.rules[position], cat):
            if not rule.info:
                k, s = _kind(rule.id), ps.status(rule, node)
                got[k] = min(got.get(k, "pass"), s, key=rank.get)
        expected = ref.statuses(p, position, cat)
        assert got == expected, (p, position, cat)
        assert verdict(got) == verdict(expected)
        for k, v in got.items():
            seen.setdefault(k, set()).add(v)
    assert seen["additional"] == seen["experience"] == {"pass", "fail", "needs-review"}


def test_shacl_agrees_with_compiled_checks_on_a_batch(graph, ctx, shapes):
    rng = random.Random(5)
    targets = sorted((iri, pr.categories) for iri, pr in ctx.rules.items())
    focus = _focus(ctx, targets)
    nodes, compiled = [], {}
    for i in range(160):
        p, position, cat = random_portfolio(rng, targets if i < 100 else focus, i)
        node = portfolio_node(p, position, cat)
        nodes.append(node)
        compiled[str(node["@id"])] = compiled_statuses(node, rules_for(ctx.rules[position], cat))
    assert shacl_batch(nodes, shapes) == compiled


# -- additional requirements and the teaching add-on, on real positions ------------------------------
def run(graph, portfolio, position, category):
    report = validate_portfolio({"person_id": "A", **portfolio}, position, category, graph=graph)
    assert report.shacl_agrees is True
    return report, {r.rule: r for r in report.requirements}


def additional_lines(report):
    return [r for r in report.requirements if r.rule.startswith("additional")]


@pytest.mark.parametrize("teaching, addon, experience", [
    (True, "fail", "fail"),            # teaches: "дополнительно ... педагогический стаж не менее 5 лет" applies
    (False, "pass", "needs-review"),   # does not teach: not applicable (the base rule is at best review)
    (None, "needs-review", "needs-review"),  # unknown: would fail -> review, never a false fail
])
def test_teaching_activity_addon_ch2_p1(graph, teaching, addon, experience):
    exp = {"pedagogical": 4, "settlement": "rural"}
    if teaching is not None:
        exp["teaching_activity"] = teaching
    _, lines = run(graph, {"education": [{"level": "higher", "pedagogical": True}], "experience": exp,
                           "category": {"current": "expert"}}, "ch2-p1", None)
    part = next(x for x in lines["experience"].parts if "преподавательской" in x["text"]["ru"])
    assert (part["status"], lines["experience"].status) == (addon, experience)
    assert lines["teaching-addon"].status == "pass"


def test_teaching_activity_addon_passes_when_met_or_unknown(graph):
    for teaching in (True, None):
        exp = {"pedagogical": 6, "settlement": "rural", **({"teaching_activity": True} if teaching else {})}
        _, lines = run(graph, {"education": [{"level": "higher", "pedagogical": True}], "experience": exp,
                               "category": {"current": "expert"}}, "ch2-p1", None)
        assert [x["status"] for x in lines["experience"].parts][-1] == "pass"


def test_category_scoped_desirable_degree_ch6_p11(graph):
    base = {"education": [{"level": "higher", "pedagogical": True}], "experience": {"specialty": 5}}
    report, _ = run(graph, {**base, "category": {"current": "moderator"}}, "ch6-p11", "expert")
    assert [(r.status, r.kind) for r in additional_lines(report)] == [("info", "desirable")]
    assert report.verdict == "meets"  # desirable: never changes the verdict
    report, _ = run(graph, {**base, "category": {"current": "pedagog"}}, "ch6-p11", "moderator")
    assert additional_lines(report) == []  # the degree is asked for expert and researcher only


@pytest.mark.parametrize("category, current, degree, status", [
    ("researcher", "expert", None, "fail"), ("researcher", "expert", "PhD", "pass"),
    ("master", "researcher", None, "fail"), ("master", "researcher", "Кандидат наук", "pass"),
    ("expert", "moderator", None, None), ("pedagog", None, None, None),
])
def test_category_scoped_degree_s2_p23(graph, category, current, degree, status):
    portfolio = {"education": [{"level": "higher", "pedagogical": True, "profile": "Специальное образование"}],
                 "experience": {"specialty": 6}, "category": {"current": current} if current else {}}
    if degree:
        portfolio["academic_degree"] = degree
    report, _ = run(graph, portfolio, "s2-p23", category)
    assert [r.status for r in additional_lines(report)] == ([status] if status else [])
    assert report.verdict == ("does-not-meet" if status == "fail" else "meets")


def test_retraining_as_additional_requirement(graph):
    rows = graph.query("""
        PREFIX kzo: <https://w3id.org/kz-edu/onto#>
        SELECT DISTINCT ?p WHERE {
          ?p a kzo:Position ; kzo:hasQualificationRequirement/kzo:hasEducationPath ?e .
          ?e kzo:additional true ;
             kzo:educationLevel <https://w3id.org/kz-edu/code/education/pedagogical-retraining> .
          FILTER NOT EXISTS { ?e kzo:category ?c } FILTER NOT EXISTS { ?p kzo:hasCategoryRequirement ?r }
        } ORDER BY ?p""")
    positions = [str(r[0]) for r in rows]
    assert len(positions) >= 2, positions
    base = {"experience": {"total": 6, "enterprise": 4, "specialty": 4}}
    for position in positions:
        higher = [{"level": "higher", "pedagogical": True}]
        report, _ = run(graph, {**base, "education": higher}, position, None)
        assert [r.status for r in additional_lines(report)] == ["fail"], position
        assert "переподготовка" in additional_lines(report)[0].message["ru"]
        report, _ = run(graph, {**base, "education": [*higher, {"level": "pedagogical-retraining"}]}, position, None)
        assert [r.status for r in additional_lines(report)] == ["pass"], position
        report, _ = run(graph, {**base, "education": higher, "academic_degree": "PhD",
                                "certificates": ["Сертификат"]}, position, None)
        assert [r.status for r in additional_lines(report)] == ["fail"], "a degree is not retraining"


def test_retraining_marked_non_pedagogical_needs_review_s2_p6(graph):
    edu = [{"level": "higher", "pedagogical": True}, {"level": "pedagogical-retraining", "pedagogical": False}]
    report, _ = run(graph, {"education": edu, "experience": {"total": 6}}, "s2-p6", None)
    assert [r.status for r in additional_lines(report)] == ["needs-review"]


def test_certificate_of_an_alternative_path_is_never_a_false_fail_ch3_p9(graph):
    tvet = {"education": [{"level": "tvet", "pedagogical": False}], "experience": {"specialty": 3}}
    report, _ = run(graph, tvet, "ch3-p9", "pedagog")  # tied to a path without category rights
    assert [r.status for r in additional_lines(report)] == ["needs-review"]
    report, _ = run(graph, {**tvet, "certificates": ["Сертификат курсов ПК"]}, "ch3-p9", "pedagog")
    assert [r.status for r in additional_lines(report)] == ["pass"]
    report, _ = run(graph, {**tvet, "category": {"current": "pedagog"}}, "ch3-p9", "moderator")
    assert additional_lines(report) == []
