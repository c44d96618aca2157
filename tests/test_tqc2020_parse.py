"""Whole-document tests of the 2020 structural parser on the real tqc-2020-ru.txt."""
from __future__ import annotations

from collections import Counter

import pytest

from loaders.base import SourceError
from loaders.quality_checks import document_notes, effective_category
from loaders.text_join import read_lines
from loaders.tqc2020 import aliases_of, category_of, parse, split_reference
from loaders.sources import SOURCES_DIR

SOURCE = SOURCES_DIR / "tqc-2020-ru.txt"


@pytest.fixture(scope="module")
def parsed():
    return parse(SOURCE)


@pytest.fixture(scope="module")
def positions(parsed):
    return {p.key: p for p in parsed.positions}


def test_88_positions_in_the_chapters_of_sources_md(parsed):
    assert len(parsed.positions) == 88
    per_division = Counter(p.division.key for p in parsed.positions)
    assert per_division == {"ch2": 9, "ch3": 13, "ch4": 9, "ch5": 6, "ch6": 15, "ch7": 6, "ch8": 5, "s2": 25}


def test_tvet_positions_hang_under_razdel_2_not_glava_8(positions):
    tvet = [p for p in positions.values() if p.division.key == "s2"]
    assert len(tvet) == 25
    assert all(p.division.org_type == "tvet" for p in tvet)
    assert positions["s2-p1"].title_line == 5782
    assert positions["ch8-p5"].division.org_type == "methodological"
    assert not any(p.division.key == "ch8" and p.paragraph > 5 for p in positions.values())


def test_every_position_has_duties_knowledge_and_qualification(parsed):
    for pos in parsed.positions:
        for kind in ("duties", "knowledge", "qualification"):
            assert pos.point(kind) is not None and pos.point(kind).items, (pos.key, kind)
    assert not parsed.warnings


def test_points_are_numbered_through_the_annex(parsed):
    numbers = sorted(pt.number for p in parsed.positions for pt in p.points.values())
    assert numbers == list(range(6, 323))  # Глава 1 holds 1–5; the file stops after point 322


def test_53_positions_have_competencies(parsed):
    assert sum(1 for p in parsed.positions if p.point("competencies")) == 53
    assert sum(1 for p in parsed.positions if p.levels) == 53


def test_header_variants_are_recognised(positions):
    # "223 Должен знать:" without the dot (l.5655), "...компетенции:" (l.3637)
    assert positions["ch8-p3"].point("knowledge").header_line == 5655
    assert positions["ch5-p5"].point("competencies").header_line == 3637
    # §2.6: the qualification text starts on the header line
    first = positions["s2-p4"].point("qualification").items[0]
    assert first.line == positions["s2-p4"].point("qualification").header_line


def test_titles_are_joined_across_lines(positions):
    # l.1854–1856: "...образования (" / "дефектолог, ..." / ", сурдопедагог, тифлопедагог)"
    assert positions["ch3-p8"].title == (
        "Специальный педагог организации среднего образования (дефектолог, учитель-дефектолог, "
        "логопед, учитель-логопед, олигофренопедагог, сурдопедагог, тифлопедагог)")
    assert positions["ch6-p15"].title.endswith("(далее - УМЦДО)")


def test_repeated_titles_are_distinct_positions(parsed):
    social = [p.key for p in parsed.positions if p.title == "Социальный педагог"]
    assert social == ["ch3-p10", "ch6-p5", "s2-p25"]
    assistants = [p.key for p in parsed.positions if p.title.startswith("Педагог-ассистент")]
    assert assistants == ["ch2-p7", "ch3-p9", "s2-p24"]


def test_aliases_keep_names_and_drop_scopes():
    assert aliases_of("Специальный педагог (учитель-логопед/логопед)") == ("учитель-логопед", "логопед")
    assert aliases_of("Вожатый, старший вожатый") == ("Вожатый", "старший вожатый")
    assert aliases_of("Руководитель (директор) института повышения квалификации (филиала)") == ("директор",)
    assert aliases_of("Инструктор по физической культуре (по плаванию) дошкольной организации") == ()
    assert aliases_of("Заведующий кабинетом (отделом)") == ()


@pytest.mark.parametrize("label,slug", [
    ('"педагог (без категории)', "pedagog"), ("педагог – модератор", "moderator"),
    ("педагог-эксперт ", "expert"), ('"педагог - исследователь"', "researcher"),
    ("педагог-исследовать", "researcher"), ("педагог-мастер", "master"),
    ("педагог-ассистент", None), ("методисту ДО", None), ("педагогу высшего уровня квалификации", None),
    ("педагог-сарапшы", "expert"), ("педагог-зерттеуші", "researcher"), ("педагог-шебер", "master"),
])
def test_category_labels(label, slug):
    assert category_of(label) == slug


def test_reference_lines_are_split_into_target_and_tail():
    assert split_reference('должен отвечать требованиям, предъявляемым к квалификации "педагог-эксперт", а также:') \
        == ("педагог-эксперт", "")
    assert split_reference("должен отвечать общим требованиям, предъявляемым методисту ДО: знать содержание") \
        == ("методисту ДО", "знать содержание")
    assert split_reference("владеть методикой дошкольного воспитания") is None


def test_category_ladder_of_a_full_position(positions):
    levels = positions["ch2-p4"].levels
    assert [l.category for l in levels] == ["pedagog", "moderator", "expert", "researcher", "master"]
    assert [l.refers_to for l in levels[1:]] == ["pedagog", "moderator", "expert", "researcher"]


def test_ch3_p9_keeps_the_mislabelled_level_as_printed(positions):
    levels = positions["ch3-p9"].levels
    assert [l.label for l in levels] == ["педагог", "педагог-модератор", "педагог", "педагог-исследователь"]
    assert levels[2].line == 2072
    assert [effective_category(levels, i) for i in range(4)] == ["pedagog", "moderator", "expert", "researcher"]


def test_ch4_p7_unnumbered_master_block(positions):
    levels = positions["ch4-p7"].levels
    assert levels[-1].number is None and levels[-1].label is None
    assert levels[-1].refers_to == "researcher"
    assert effective_category(levels, len(levels) - 1) == "master"


@pytest.fixture(scope="module")
def notes(parsed):
    return document_notes(read_lines(SOURCE), parsed.positions)


def _has(notes, line, kind, about=None):
    return any(n.line == line and n.kind == kind and (about is None or n.about == about) for n in notes)


def test_anomalies_of_sources_md_are_recorded(notes):
    assert _has(notes, 2072, "category-mislabel", "ch3-p9")          # "3) педагог:" for эксперт
    assert _has(notes, 4402, "typo", "ch6-p8")                        # "педагог-исследовать"
    assert _has(notes, 3054, "broken-reference", "ch4-p8")            # модератор refers to itself
    assert _has(notes, 7680, "broken-reference", "s2-p22")            # мастер refers to itself
    assert _has(notes, 3180, "broken-reference", "ch4-p9")            # мастер -> эксперт (skipped)
    assert _has(notes, 4164, "broken-reference", "ch6-p5")
    assert _has(notes, 2058, "broken-reference", "ch3-p9")            # "педагог-ассистент"
    assert _has(notes, 6515, "typo") and _has(notes, 7978, "typo")    # "к к квалификации"
    assert _has(notes, 1569, "copy-paste", "ch3-p5")                  # knowledge item repeated
    assert _has(notes, 1313, "glitch", "ch3-p2")                      # ")" without "("
    assert _has(notes, 3637, "glitch", "ch5-p5")                      # levels numbered 2)–5)
    for line in (332, 839, 2047, 694, 826, 5897, 4953, 1204):
        assert _has(notes, line, "typo"), line


def test_no_note_on_a_well_formed_ladder(notes):
    assert not [n for n in notes if n.about == "ch2-p4" and n.kind != "typo" and n.line != 429]


def test_empty_and_headless_files_fail_with_file_and_line(tmp_path):
    empty = tmp_path / "tqc-2020-ru.txt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(SourceError, match="tqc-2020-ru.txt: no position found"):
        parse(empty)
    orphan = tmp_path / "orphan.txt"
    orphan.write_text("Параграф 1. Учитель\n\n      6. Должностные обязанности: Учит.\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"orphan.txt:1: a \"Параграф\" before any"):
        parse(orphan)
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00\x01" * 10)
    with pytest.raises(SourceError, match="binary.txt: not UTF-8"):
        parse(binary)


def test_a_position_without_points_is_an_error_naming_its_line(tmp_path):
    text = "Глава 2. Дошкольное воспитание и обучение\n\nПараграф 1. Воспитатель\n\nсплошной текст\n"
    path = tmp_path / "broken.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError, match="broken.txt:3: position \"Воспитатель\" has no numbered point"):
        parse(path)
