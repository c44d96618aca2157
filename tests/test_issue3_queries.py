"""The named queries on history (2008 ↔ 2020), the professional standard, its cards and the vacancies:
queries/history-*.rq, standard-descriptors.rq, cards-by-level.rq, vacancy-deviations.rq — exact spot
checks against the bundled sources (docs/sources.md §2.6, §4.3, §4.4, §5.2)."""
from __future__ import annotations

from pathlib import Path

import pytest

from service.named_queries import load_named_queries

CATALOGUE = load_named_queries(Path(__file__).resolve().parents[1] / "queries")
KZID = "https://w3id.org/kz-edu/id/"
POS = KZID + "position/tqc-2020/"
OLD = KZID + "position/tqc-2008/"
ELI = "https://w3id.org/kz-edu/eli/kz/"
CODE = "https://w3id.org/kz-edu/code/"
CARD = KZID + "standard/pedagog-2022/card/"
METHODIST = KZID + "vacancy/vacancy-methodist-2024-kk"
KOKSHETAU = KZID + "vacancy/vacancy-kokshetau-assistant"
NAMES = ("history-changes", "history-only-in-one-version", "history-acts-then-and-now",
         "standard-descriptors", "cards-by-level", "vacancy-deviations")


@pytest.fixture(scope="module")
def run(store):
    def run(name: str, **params: str) -> list[dict]:
        query = CATALOGUE[name]
        solutions = store.query(query.render({**query.example_params(), **params}),
                                use_default_graph_as_union=True)
        names = [v.value for v in solutions.variables]
        return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in solutions]

    return run


@pytest.mark.parametrize("name", NAMES)
def test_query_is_catalogued_with_three_languages(name):
    query = CATALOGUE[name]
    for lang in ("en", "ru", "kk"):
        assert query.titles.get(lang) and query.descriptions.get(lang), (name, lang)
    assert query.params and all(p.default is not None and p.help for p in query.params)
    assert query.example


@pytest.mark.parametrize("name", NAMES)
def test_example_and_defaults_answer(name, run, store):
    assert run(name)
    assert list(store.query(CATALOGUE[name].render({}), use_default_graph_as_union=True))


# -- history-changes ---------------------------------------------------------------------------------

def test_history_changes_school_director(run):
    rows = run("history-changes")              # default: ch3-p1, closeMatch of 2008 block s3-b3
    assert {(r["block"], r["mapping"]) for r in rows} == {(OLD + "s3-b3", "closeMatch")}
    acts = {(r["change"], r["item"]) for r in rows if r["aspect"] == "act"}
    assert acts == {
        ("removed", ELI + "minted/law-o-borbe-s-korruptsiei"),
        ("removed", ELI + "minted/law-o-pravah-rebenka"),
        ("added", ELI + "K1500000414"), ("added", ELI + "Z1900000293"), ("added", ELI + "Z1500000410"),
        ("added", ELI + "minted/law-o-yazykah"), ("added", ELI + "minted/law-o-voinskoi-sluzhbe"),
    }
    removed = next(r for r in rows if r["item"] == ELI + "minted/law-o-borbe-s-korruptsiei")
    assert (removed["sourceFile"], removed["sourceLine"]) == ("tqc-2008-kk.txt", "874")
    added = next(r for r in rows if r["item"] == ELI + "Z1900000293")
    assert (added["sourceFile"], added["sourceLine"]) == ("tqc-2020-ru.txt", "1254")
    then = [(r["minYears"], r["sourceFile"], r["sourceLine"]) for r in rows if r["change"] == "then"]
    assert then == [("5", "tqc-2008-kk.txt", "880")]
    now = sorted((r["minYears"], r["sourceLine"]) for r in rows if r["change"] == "now")
    assert now == [("3", "1292"), ("5", "1272"), ("5", "1280"), ("5", "1303")]
    assert all(r["sourceFile"] == "tqc-2020-ru.txt" for r in rows if r["change"] == "now")


def test_history_changes_generic_2008_blocks(run):
    rows = run("history-changes", position=POS + "ch3-p8")
    assert {(r["block"], r["mapping"]) for r in rows} == {(OLD + "s3-b12", "narrowMatch"),
                                                         (OLD + "s3-b13", "narrowMatch")}
    assert run("history-changes", position=POS + "ch3-p9") == []   # no 2008 counterpart


# -- history-only-in-one-version ---------------------------------------------------------------------

def test_seventeen_2008_blocks_without_counterpart(run):
    rows = run("history-only-in-one-version", version="2008")
    assert {r["position"] for r in rows} == {OLD + k for k in (
        *(f"s1-b{i}" for i in range(1, 11)), "s2-b2", "s3-b5", "s3-b6", "s3-b8", "s3-b22", "s3-b25", "s3-b26")}
    assert len(rows) == 17
    rector = next(r for r in rows if r["position"] == OLD + "s1-b1")
    assert rector["title"] == "Жоғары оқу орнының ректоры"
    assert (rector["sourceFile"], rector["organisationType"]) == ("tqc-2008-kk.txt", CODE + "org-type/higher")


def test_2020_positions_without_2008_counterpart(run):
    rows = run("history-only-in-one-version", version="2020")
    keys = {r["position"] for r in rows}
    assert {POS + "ch3-p9", POS + "ch7-p4", POS + "ch7-p5", POS + "ch6-p13"} <= keys  # §2.6 false friends
    assert POS + "ch3-p6" not in keys and POS + "ch3-p8" not in keys
    ch3p9 = next(r for r in rows if r["position"] == POS + "ch3-p9")
    assert ch3p9["title"] == "Педагог-ассистент организации среднего образования"
    both = run("history-only-in-one-version", version="any")
    assert len(both) == len(rows) + 17


# -- history-acts-then-and-now -----------------------------------------------------------------------

def test_acts_then_and_now(run):
    rows = {r["act"]: r for r in run("history-acts-then-and-now")}
    def counts(key):
        r = rows[ELI + key]
        return r["change"], int(r["positions2008"]), int(r["positions2020"])
    assert counts("minted/law-o-borbe-s-korruptsiei") == ("kept", 47, 5)
    assert counts("Z070000319_") == ("kept", 51, 88)
    assert counts("Z1900000293") == ("new", 0, 80)
    assert counts("Z1500000410") == ("new", 0, 73)
    assert counts("minted/law-gylym-turaly-2008") == ("dropped", 10, 0)
    assert rows[ELI + "minted/law-o-borbe-s-korruptsiei"]["status"] == CODE + "act-status/repealed"
    dropped = run("history-acts-then-and-now", change="dropped")
    assert {r["act"] for r in dropped} == {ELI + "minted/law-gylym-turaly-2008",
                                           ELI + "minted/law-askeri-mindettilik",
                                           ELI + "minted/law-dene-shynyktyru-2008"}
    assert all(int(r["positions2008"]) == 0 for r in run("history-acts-then-and-now", change="new"))


# -- standard-descriptors ----------------------------------------------------------------------------

def test_descriptor_3_2_expert(run):
    rows = run("standard-descriptors")
    assert len(rows) == 1
    row = rows[0]
    assert row["descriptor"] == KZID + "standard/pedagog-2022/descriptor/3.2/expert"
    assert row["notation"] == "3.2" and row["categoryLabel"] == "педагог-сарапшы"
    assert row["criterionLabel"] == "Қауіпсіз, қолайлы оқыту және дамыту ортасын құру"
    assert row["competence"] == KZID + "standard/pedagog-2022/competence/3"
    assert (row["sourceFile"], row["sourceLine"]) == ("prof-standard-pedagog-2022-kk.txt", "170")
    assert row["text"]


def test_descriptors_per_category_and_criterion(run):
    master = run("standard-descriptors", criterion="any", category=CODE + "category/master")
    assert len(master) == 9                                  # nine criterion rows (§4.3)
    assert run("standard-descriptors", criterion="1.1") == []  # criteria 1.1–1.5 have none
    total = sum(len(run("standard-descriptors", criterion="any", category=CODE + f"category/{c}"))
                for c in ("pedagog", "moderator", "expert", "researcher", "master"))
    assert total == 45


# -- cards-by-level ----------------------------------------------------------------------------------

def test_cards_by_level(run):
    every = run("cards-by-level", level="any")
    assert len({r["card"] for r in every}) == 13
    six = {r["card"] for r in run("cards-by-level", level="6")}
    assert {CARD + "app5-level-6.1", CARD + "app5-level-6.2", CARD + "app4-level-6-7", CARD + "app10-level-6"} <= six
    assert CARD + "app3-level-5" not in six
    assert {r["card"] for r in run("cards-by-level", level="6.1")} == {CARD + "app5-level-6.1"}
    four = run("cards-by-level", level="4")
    assert {r["card"] for r in four} == {CARD + "app4-level-4-5"}
    assert {r["printedLevel"] for r in four} == {"4-5"}
    primary = run("cards-by-level", level="any", code="2361")
    assert {r["card"] for r in primary} == {CARD + "app4-level-4-5", CARD + "app4-level-6-7"}
    social = next(r for r in every if r["card"] == CARD + "app10-level-6")
    assert (social["occupationCode"], social["level"], social["sourceLine"]) == ("2379-9-007", "6", "606")


# -- vacancy-deviations ------------------------------------------------------------------------------

def test_methodist_experience_thresholds(run):
    rows = run("vacancy-deviations")
    assert rows and {r["position"] for r in rows} == {POS + "ch6-p13"}
    thresholds = [r for r in rows if r["kind"] == CODE + "deviation-kind/experience-threshold-differs"]
    comments = sorted(r["comment"] for r in thresholds)
    for asked, printed in ((2, 3), (3, 5), (4, 7), (5, 8)):
        assert any(f"asks {asked} years, the regulation {printed}" in c for c in comments), comments
    assert any("asks 0 years (none), the regulation 2" in c for c in comments)
    assert len(thresholds) == 5
    assert all(r["severity"] == CODE + "severity/high" and r["severityLabel"] == "high" for r in thresholds)
    assert {r["vacancyLine"] for r in thresholds} == {"57", "58", "59"}
    assert all(r["vacancyFile"] == "vacancy-methodist-2024-kk.txt" for r in thresholds)
    assert {r["regulationFile"] for r in thresholds} == {"tqc-2020-ru.txt"}
    assert {int(r["regulationLine"]) for r in thresholds} <= set(range(4899, 4905))
    master = next(r for r in thresholds if "master" in r["comment"])
    assert "педагог-шебер" in master["vacancyText"] and "8 лет" in master["regulationText"]


def test_deviation_filters(run):
    high = run("vacancy-deviations", severity="high")
    assert high and all(r["severity"] == CODE + "severity/high" for r in high)
    kk = run("vacancy-deviations", vacancy=KOKSHETAU, lang="kk")
    assert {r["position"] for r in kk} == {POS + "ch3-p9"}
    reversed_ = [r for r in kk if r["kind"] == CODE + "deviation-kind/requirement-meaning-reversed"]
    assert len(reversed_) == 1 and reversed_[0]["kindLabel"] == "талаптың мағынасы керісінше"
    assert len(kk) == 31
