"""Whole-document tests of the vacancy loaders (sources.md §3, §5): parse, match, model, audit."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import RDF, Literal, URIRef

from loaders.namespaces import KZID, KZO, ORG, SCHEMA
from loaders.vacancy import parse, parse_amount, parse_text, split_languages
from loaders.vacancy_audit import audit, match_by_duties, match_by_points, match_position, render_audit

SOURCES = Path(__file__).resolve().parents[1] / "data" / "sources"
KOK = SOURCES / "vacancy-kokshetau-assistant.txt"
MET = SOURCES / "vacancy-methodist-2024-kk.txt"


@pytest.fixture(scope="module")
def kok():
    return parse(KOK)


@pytest.fixture(scope="module")
def met():
    return parse(MET)


@pytest.fixture(scope="module")
def positions():
    tqc2020 = pytest.importorskip("loaders.tqc2020", reason="loaders/tqc2020.py (the lead's parser) is absent")
    return tqc2020.parse(SOURCES / "tqc-2020-ru.txt")


@pytest.fixture(scope="module")
def registry():
    acts = pytest.importorskip("loaders.acts", reason="loaders/acts.py is absent")
    try:
        return acts.Registry.load()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"legal-acts registry not loadable yet: {exc}")


@pytest.fixture(scope="module")
def kok_report(kok, positions, registry):
    return audit(kok, positions, registry)


@pytest.fixture(scope="module")
def met_report(met, positions, registry):
    return audit(met, positions, registry)


# -- Kokshetau: parse -------------------------------------------------------------------------

def test_kokshetau_halves_split_by_script(kok):
    assert [(v.lang, v.line, v.end_line) for v in kok.versions] == [("kk", 1, 200), ("ru", 201, 402)]


def test_kokshetau_employer(kok):
    kk, ru = kok.version("kk"), kok.version("ru")
    assert ru.employer.legal_form == "КГУ" and kk.employer.legal_form == "КММ"
    assert ru.employer.name.startswith("Школа - гимназия № 13 города Кокшетау")
    assert kk.employer.name.endswith("№ 13 мектеп-гимназиясы")
    assert ru.employer.org_type == kk.employer.org_type == "secondary"
    assert ru.employer.parents == ("управления образования Акмолинской области",
                                   "отдела образования по городу Кокшетау")
    assert (ru.employer.span.line, kk.employer.span.line, kk.employer.span.end_line) == (201, 2, 3)


def test_kokshetau_address_and_contacts(kok):
    ru, kk = kok.version("ru"), kok.version("kk")
    assert (ru.address.postcode, ru.address.region, ru.address.locality, ru.address.street) == (
        "020000", "Акмолинская область", "город Кокшетау", "ул.Саина 26А")
    assert (kk.address.region, kk.address.locality, kk.address.street) == (
        "Ақмола облысы", "Көкшетау қаласы", "Ж.Саина көшесі 26А")
    assert ru.address.span.line == 395 and kk.address.span.line == 198
    assert ru.contacts.phones == ("77-07-26",) and ru.contacts.emails == ("ekos13@mail.ru",)


def test_kokshetau_salary(kok):
    for v in kok.versions:
        assert (v.salary.min_value, v.salary.max_value, v.salary.currency) == (100000, 135322, "KZT")
        assert v.salary.basis == "length-of-service"
    assert kok.version("ru").salary.span.line == 209 and kok.version("kk").salary.span.line == 8


def test_kokshetau_points_and_blocks(kok):
    ru, kk = kok.version("ru"), kok.version("kk")
    assert ru.point_numbers == kk.point_numbers == {"knowledge": 69, "qualification": 70, "competencies": 71}
    assert len(ru.duties.items) == 10 and len(kk.duties.items) == 12
    assert ru.duties.items[0].line == 215 and ru.knowledge.header_line == 257
    assert [lv.label for lv in ru.levels] == ["педагог", "педагог-модератор", "педагог", "педагог-исследователь"]
    assert [lv.category for lv in kk.levels] == ["pedagog", "moderator", "expert", "researcher"]
    assert [lv.refers_to for lv in kk.levels] == [None, None, "moderator", "expert"]
    assert ru.levels[3].refers_to_text == '"педагог-ассистент" первой категории'


def test_kokshetau_ten_documents_5_and_9_conditional(kok):
    for v in kok.versions:
        assert [d.number for d in v.documents] == list(range(1, 11))
        assert [d.number for d in v.documents if d.conditional] == [5, 9]
        third = v.documents[2]
        assert not third.conditional and third.partial_condition in ("при наличии", "бар болса")
        assert v.documents[9].form_annex == "11"
    assert kok.version("ru").documents[0].form_annex == "10"
    assert kok.version("kk").documents[0].form_annex is None  # annex number printed in Russian only
    assert [d.line for d in kok.version("ru").documents] == [342, 347, 350, 352, 356, 358, 365, 367, 369, 375]


def test_kokshetau_legal_basis(kok):
    for v in kok.versions:
        acts = {(a.number, a.date, a.role) for a in v.legal_acts}
        assert acts == {("568", date(2021, 11, 19), "basis"), ("432", date(2021, 11, 22), "basis"),
                        ("57", date(2012, 2, 21), "amended")}


def test_kokshetau_relative_deadline_once(kok):
    for v, line, repeat in ((kok.version("kk"), 179, 193), (kok.version("ru"), 378, 389)):
        d = v.deadline
        assert (d.kind, d.working_days, d.start_event, d.line, d.repeated_at) == (
            "relative", 7, "publication", line, (repeat,))
        assert d.start is None and d.end is None
    assert "в течение семи рабочих дней со дня опубликования объявления" in kok.version("ru").deadline.text
    assert kok.version("ru").return_rule.line == 380 and kok.version("kk").return_rule.line == 182


# pinned passages: words and numbers split across lines (sources.md §3.5)

def test_pinned_l166_168_order_number_joined(kok):
    doc6 = kok.version("kk").documents[5]
    assert (doc6.line, doc6.end_line) == (164, 170)
    assert "№ ҚР ДСМ-175/2020 бұйрығымен" in doc6.text
    act = doc6.acts[0]
    assert (act.number, act.date, act.registration, act.line) == ("ҚР ДСМ-175/2020", date(2020, 10, 30), "21579", 166)


def test_pinned_l280_282_hyphen_joined(kok):
    item = kok.version("ru").qualification.items[1]
    assert (item.line, item.end_line) == (279, 282)
    assert "для педагога-эксперта – не менее 4 лет" in item.text
    expert = [e for e in kok.version("ru").experience if e.category == "expert"]
    assert [(e.min_years, e.line) for e in expert] == [(4, 279)]


def test_pinned_l369_371_spaced_dash_joined(kok):
    doc9 = kok.version("ru").documents[8]
    assert (doc9.line, doc9.end_line) == (369, 374)
    assert "(далее - НКТ)" in doc9.text and "педагога-модератора, педагога-эксперта" in doc9.text


def test_pinned_l141_142_and_l144_145_numbers_split(kok):
    acts = {a.number: a for a in kok.version("kk").legal_acts}
    assert acts["57"].line == 141 and acts["57"].date == date(2012, 2, 21)
    assert acts["568"].line == 144 and acts["568"].date == date(2021, 11, 19)
    assert acts["432"].issuer.startswith("Қазақстан Республикасы Еңбек")


# -- methodist: parse -------------------------------------------------------------------------

def test_methodist_one_kazakh_version_no_title_no_employer(met):
    assert [(v.lang, v.line, v.end_line) for v in met.versions] == [("kk", 1, 218)]
    v = met.versions[0]
    assert v.employer is None and v.title is None and v.address is None
    assert len(v.duties.items) == 34 and v.duties.items[0].line == 2 and v.duties.items[-1].line == 35
    assert [it.line for it in v.knowledge.items] == [37, 38, 39, 40, 41, 42]
    assert v.form is not None and v.form.line == 134


def test_methodist_salary_decimal_commas(met):
    s = met.versions[0].salary
    assert (s.min_value, s.max_value, s.currency) == (Decimal("124586.88"), Decimal("148300.86"), "KZT")
    assert s.basis == "category-and-service" and s.education == "жоғары білім"


def test_methodist_window_keeps_double_dot(met):
    d = met.versions[0].deadline
    assert (d.kind, d.start, d.end, d.line) == ("absolute", date(2024, 7, 16), date(2024, 7, 24), 65)
    assert d.text == "16.07.2024 – 24.07..2024ж"
    assert "24.07..2024ж" in d.raw


def test_methodist_pinned_l57_59_experience(met):
    v = met.versions[0]
    claims = {(e.category, e.min_years, e.line) for e in v.experience}
    assert claims == {(None, 0, 57), ("moderator", 2, 58), ("expert", 3, 58), ("researcher", 4, 58),
                      ("master", 5, 59)}
    assert {e.kind for e in v.experience if e.category} == {"specialty"}
    assert next(e for e in v.experience if e.category == "master").education_levels == ("higher",)
    assert next(e for e in v.experience if e.category == "moderator").education_levels == ("higher", "tvet")


def test_methodist_thirteen_documents(met):
    docs = met.versions[0].documents
    assert [d.number for d in docs] == list(range(1, 14))
    assert [d.line for d in docs] == list(range(69, 82))
    assert {d.number: d.condition for d in docs if d.conditional} == {
        5: "if-available", 9: "if-available", 10: "applies-to", 11: "exemption", 13: "applies-to"}
    nine = docs[8]
    assert nine.line == 77 and nine.condition_text == "болғанжағдайда"   # pinned l.77, glued words kept
    assert docs[0].form_annex == "10" and docs[5].acts[0].number == "ҚР ДСМ-175/2020"


# -- matching ---------------------------------------------------------------------------------

def test_match_kokshetau_by_points_and_org_type(kok, positions):
    m = match_position(kok, positions)
    assert (m.position.key, m.method) == ("ch3-p9", "point-numbers")
    assert "secondary" in m.evidence


def test_match_methodist_by_duty_sequence(met, positions):
    assert match_by_points(met, positions) is None
    m = match_position(met, positions)
    assert (m.position.key, m.method) == ("ch6-p13", "duty-sequence")
    assert m.score > 0.9 and m.evidence.startswith("34 of 34")


def test_match_kokshetau_by_duties_alone_agrees(kok, positions):
    assert match_by_duties(kok, positions).position.key == "ch3-p9"


# -- variants: edited copies ------------------------------------------------------------------

def _halves(text: str) -> tuple[list[str], list[str]]:
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines[:200], lines[200:]


def test_variant_reversed_language_order(kok):
    kk, ru = _halves(KOK.read_text(encoding="utf-8"))
    doc = parse_text("\n".join(ru + kk), "reversed.txt")
    # the Kazakh half opens with a blank line, which stays with the half before it
    assert [(v.lang, v.line) for v in doc.versions] == [("ru", 1), ("kk", len(ru) + 2)]
    for v in doc.versions:
        same = kok.version(v.lang)
        assert [d.number for d in v.documents if d.conditional] == [5, 9]
        assert (v.salary.min_value, v.salary.max_value) == (same.salary.min_value, same.salary.max_value)
        assert v.employer.name == same.employer.name and v.point_numbers == same.point_numbers


def test_variant_other_school_salary_and_position(positions):
    text = KOK.read_text(encoding="utf-8")
    text = (text.replace("Школа - гимназия № 13 города Кокшетау", "Ясли-сад № 7 «Балапан» города Кокшетау")
                .replace("№ 13 мектеп-гимназиясы", "№ 7 «Балапан» бөбекжай-балабақшасы")
                .replace("от 100 000 до 135 322 тенге", "от 95 500,50 до 120 000 тенге")
                .replace("100 000 теңгеден 135 322 теңгеге", "95 500,50 теңгеден 120 000 теңгеге")
                .replace("69. ", "30. ").replace("70. ", "31. ").replace("71. ", "32. "))
    doc = parse_text(text, "variant.txt")
    for v in doc.versions:
        assert v.employer.org_type == "preschool"
        assert (v.salary.min_value, v.salary.max_value) == (Decimal("95500.50"), Decimal("120000"))
    m = match_position(doc, positions)
    assert (m.position.key, m.method) == ("ch2-p7", "point-numbers")   # §2.7, the preschool assistant
    assert "agrees" in m.evidence


def test_variant_org_type_disagreement_is_reported(positions):
    text = KOK.read_text(encoding="utf-8").replace("Школа - гимназия № 13", "Колледж № 13")
    text = text.replace("мектеп-гимназиясы", "колледжі")
    m = match_position(parse_text(text, "college.txt"), positions)
    assert m.position.key == "ch3-p9" and "does not match" in m.evidence


def test_variant_methodist_fewer_duties_and_dot_decimals(positions):
    lines = MET.read_text(encoding="utf-8").split("\n")
    del lines[10:16]                                         # six duties dropped
    text = "\n".join(lines).replace("124586,88", "130000,00")
    doc = parse_text(text, "met-variant.txt")
    assert len(doc.versions[0].duties.items) == 28
    assert doc.versions[0].salary.min_value == Decimal("130000.00")
    assert match_position(doc, positions).position.key == "ch6-p13"


def test_single_language_russian_text_is_one_version():
    kk, ru = _halves(KOK.read_text(encoding="utf-8"))
    doc = parse_text("\n".join(ru) + "\n", "ru-only.txt")
    assert [(v.lang, v.line, v.end_line) for v in doc.versions] == [("ru", 1, len(ru))]


@given(st.integers(min_value=0, max_value=999_999), st.integers(min_value=0, max_value=99))
def test_amounts_with_spaces_and_decimal_commas(whole, cents):
    grouped = f"{whole:,}".replace(",", " ")
    assert parse_amount(f"{grouped},{cents:02d}") == Decimal(f"{whole}.{cents:02d}")


def test_split_languages_without_text_is_russian():
    assert split_languages(["", "123", ""]) == [("ru", 1, 3)]


# -- audit: methodist -------------------------------------------------------------------------

def _kinds(report, lang):
    return [d.kind for d in report.deviations if d.lang == lang]


def test_methodist_thresholds_2345_vs_3578_and_base(met_report):
    got = {dict(d.details)["category"]: (dict(d.details)["vacancy_years"], dict(d.details)["regulation_years"])
           for d in met_report.of_kind("experience-threshold-differs")}
    assert got == {"base": ("0", "2"), "moderator": ("2", "3"), "expert": ("3", "5"),
                   "researcher": ("4", "7"), "master": ("5", "8")}
    master = next(d for d in met_report.of_kind("experience-threshold-differs")
                  if dict(d.details)["category"] == "master")
    assert (master.vacancy_line, master.regulation_line, master.severity) == (59, 4903, "high")


def test_methodist_acts_missing_and_ethics_added(met_report):
    missing = {dict(d.details)["act"] for d in met_report.of_kind("act-missing")}
    assert missing == {"code-trudovoi", "law-o-pravah-rebenka"}
    assert not met_report.of_kind("act-added")
    ethics = [d for d in met_report.of_kind("knowledge-added") if dict(d.details)["topic"] == "pedagogical ethics"]
    assert len(ethics) == 1 and ethics[0].vacancy_line == 39
    assert dict(ethics[0].details)["in_no_position"] == "True"


def test_methodist_no_competencies_no_duty_deviation(met_report):
    assert len(met_report.of_kind("competencies-omitted")) == 1
    assert not [k for k in _kinds(met_report, "kk") if k.startswith("duty-")]


# -- audit: Kokshetau -------------------------------------------------------------------------

def test_kokshetau_kk_requirement_reversed_and_experience_kind(kok_report):
    rev = kok_report.of_kind("requirement-meaning-reversed", "kk")
    assert len(rev) == 1 and "педагогикалық мамандықтар бойынша" in rev[0].vacancy_text
    assert "не по педагогическим" in rev[0].regulation_text and rev[0].regulation_line == 2046
    kind = kok_report.of_kind("experience-kind-differs", "kk")
    assert len(kind) == 1 and "педагогикалық өтілі" in kind[0].vacancy_text
    assert "стаж работы по специальности" in kind[0].regulation_text
    assert dict(kind[0].details)["vacancy_value"] == "pedagogical"
    assert kok_report.of_kind("category-rights-differ", "kk")


def test_kokshetau_kk_acts_and_hybrid_name(kok_report):
    missing = {dict(d.details)["act"] for d in kok_report.of_kind("act-missing", "kk")}
    assert missing == {"convention-o-pravah-rebenka", "law-o-korrektsionnoi-podderzhke", "law-o-yazykah"}
    hybrid = kok_report.of_kind("act-name-hybrid", "kk")
    assert len(hybrid) == 1 and hybrid[0].vacancy_line == 66


def test_kokshetau_kk_duties_and_categories(kok_report):
    added = sorted(d.vacancy_line for d in kok_report.of_kind("duty-added", "kk"))
    assert added == [21, 31]
    changed = sorted(d.vacancy_line for d in kok_report.of_kind("duty-changed", "kk"))
    assert changed == [27, 59]
    chain = kok_report.of_kind("category-chain-differs", "kk")
    assert {d.vacancy_line for d in chain} == {111, 122}
    assert {dict(d.details)["topic"] for d in kok_report.of_kind("knowledge-added", "kk")} >= {
        "age psychology", "special psychology", "psychodiagnostics", "prevention and correction of behaviour"}


def test_kokshetau_ru_verbatim_copy_carries_regulation_anomalies(kok_report):
    ru = _kinds(kok_report, "ru")
    assert set(ru) == {"regulation-anomaly-copied"}
    anomalies = {dict(d.details)["anomaly"] for d in kok_report.deviations if d.lang == "ru"}
    assert anomalies == {"category-mislabel", "broken-reference", "missing-level", "typo"}
    typos = {(d.vacancy_text, d.vacancy_line) for d in kok_report.deviations
             if d.lang == "ru" and dict(d.details)["anomaly"] == "typo"}
    assert typos == {("обучающего", 215), ("предьявления", 274)}
    assert any(d.vacancy_line == 306 for d in kok_report.deviations if d.lang == "ru")


def test_render_audit_in_three_languages(kok, kok_report):
    en, ru, kk = (render_audit(kok_report, lang, kok) for lang in ("en", "ru", "kk"))
    assert "Audit of vacancy-kokshetau-assistant.txt" in en and "§3.9" in en
    assert "Проверка" in ru and "смысл требования обращён" in ru
    assert "тексеруі" in kk and "талаптың мағынасы керісінше" in kk
    with pytest.raises(ValueError):
        render_audit(kok_report, "de")


# -- RDF --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def graphs(positions, registry):
    from loaders.vacancy_rdf import load
    return {p.stem: load(p, registry, positions) for p in (KOK, MET)}


def test_rdf_vacancy_contract(graphs):
    g = graphs["vacancy-kokshetau-assistant"].graph
    v = KZID["vacancy/vacancy-kokshetau-assistant"]
    assert (v, RDF.type, KZO.Vacancy) in g
    assert (v, KZO.forPosition, KZID["position/tqc-2020/ch3-p9"]) in g
    sal = g.value(v, SCHEMA.baseSalary)
    assert g.value(sal, SCHEMA.minValue).toPython() == Decimal("100000")
    assert g.value(sal, SCHEMA.maxValue).toPython() == Decimal("135322")
    assert str(g.value(sal, SCHEMA.currency)) == "KZT"
    docs = sorted(g.objects(v, KZO.requiresDocument), key=lambda d: g.value(d, SCHEMA.position).toPython())
    assert len(docs) == 10
    assert {g.value(d, SCHEMA.position).toPython() for d in docs if g.value(d, KZO.conditional).toPython()} == {5, 9}
    assert {lbl.language for lbl in g.objects(docs[0], URIRef("http://www.w3.org/2000/01/rdf-schema#label"))} == {"kk", "ru"}
    assert {str(o) for o in g.objects(v, KZO.hasLanguageVersion)} == {f"{v}/kk", f"{v}/ru"}
    org = g.value(v, SCHEMA.hiringOrganization)
    assert (org, RDF.type, ORG.Organization) in g
    addr = g.value(org, SCHEMA.address)
    assert str(g.value(addr, SCHEMA.postalCode)) == "020000"
    assert g.value(v, SCHEMA.validThrough) is None
    assert Literal(7) in set(g.objects(g.value(v, KZO.hasApplicationDeadline), KZO.workingDays))


def test_rdf_methodist_window_and_position(graphs):
    g = graphs["vacancy-methodist-2024-kk"].graph
    v = KZID["vacancy/vacancy-methodist-2024-kk"]
    assert (v, KZO.forPosition, KZID["position/tqc-2020/ch6-p13"]) in g
    assert g.value(v, SCHEMA.validThrough).toPython() == date(2024, 7, 24)
    assert len(list(g.objects(v, KZO.requiresDocument))) == 13
    assert g.value(g.value(v, SCHEMA.baseSalary), SCHEMA.minValue).toPython() == Decimal("124586.88")


def test_rdf_provenance_on_every_node_and_deviations(graphs):
    for name, result in graphs.items():
        g = result.graph
        for node in set(g.subjects(RDF.type, None)):
            assert (node, KZO.sourceFile, Literal(f"{name}.txt")) in g, node
            assert g.value(node, KZO.sourceLine) is not None, node
        devs = list(g.subjects(RDF.type, KZO.VacancyDeviation))
        assert devs and all(g.value(d, KZO.about) is not None and g.value(d, KZO.deviationOf) is not None
                            for d in devs)


def test_cli_audit_vacancy_command():
    typer = pytest.importorskip("typer")
    from typer.testing import CliRunner

    from service.cli_audit import audit_vacancy_command
    app = typer.Typer()
    app.command("audit-vacancy")(audit_vacancy_command)
    app.command("noop")(lambda: None)
    runner = CliRunner()
    out = runner.invoke(app, ["audit-vacancy", str(MET), "--lang", "kk"])
    assert out.exit_code == 1 and "§6.13" in out.output
    assert runner.invoke(app, ["audit-vacancy", "no-such-file.txt"]).exit_code == 2
    assert runner.invoke(app, ["audit-vacancy", str(MET), "--lang", "de"]).exit_code == 2
