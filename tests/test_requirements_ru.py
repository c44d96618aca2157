"""Qualification requirements of tqc-2020-ru.txt: the line joiner and the requirement parser.

Every passage is pinned by its line numbers in the real source (docs/sources.md §1.4–§1.6).
"""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from loaders.base import TextItem
from loaders.requirements_ru import (
    EDUCATION_LEVELS, EXPERIENCE_KINDS, QualificationParse, parse_qualification)
from loaders.text_join import HEADING_RE, join_items, join_lines, line_at, line_starts, read_lines

SRC = Path(__file__).resolve().parents[1] / "data" / "sources" / "tqc-2020-ru.txt"
LINES = read_lines(SRC)
ALL_ITEMS = join_items(LINES, 1)

QUAL_HEADER = re.compile(r"^\d+\s*\.?\s*Требования\s+к\s+квалификации\s*:")
NEXT_POINT = re.compile(r"^(?:\d+\s*\.?\s*[А-ЯЁ]|Параграф|Глава|Раздел)")


def items(first: int, last: int) -> list[TextItem]:
    """The logical items of source lines first..last (1-based, inclusive)."""
    return join_items(LINES[first - 1:last], first)


def parse(first: int, last: int) -> QualificationParse:
    return parse_qualification(items(first, last))


def qualification_points() -> list[list[TextItem]]:
    """Each "N. Требования к квалификации:" point: its header item up to the next point."""
    points = []
    for k, it in enumerate(ALL_ITEMS):
        if QUAL_HEADER.match(it.text):
            j = k + 1
            while j < len(ALL_ITEMS) and not NEXT_POINT.match(ALL_ITEMS[j].text):
                j += 1
            points.append(ALL_ITEMS[k:j])
    return points


POINTS = qualification_points()


def rules_by(q: QualificationParse, **kw) -> list:
    return [r for r in q.experience if all(getattr(r, k) == v for k, v in kw.items())]


def d(x) -> Decimal:
    return Decimal(x)


# ---------------------------------------------------------------------------------------------
# the joiner

class TestJoin:
    def test_file_has_8004_physical_lines(self):
        # 8003 newlines; the last line holds one space and no newline
        assert len(LINES) == 8004

    def test_wrapped_lines_join_with_one_space(self):
        (it,) = items(154, 157)
        assert it.line == 154 and it.end_line == 157
        assert it.text.startswith("высшее и (или) послевузовское педагогическое образование, "
                                  "педагогический стаж работы: для городской местности – 5 лет")
        assert "  " not in it.text

    def test_page_break_dropped_and_punctuation_line_joined(self):
        # l.214 ends the first item; l.215–217 are a page break; l.220 starts with ":"
        got = items(209, 224)
        assert [(i.line, i.end_line) for i in got] == [(209, 214), (218, 220), (221, 224)]
        assert "в дошкольных организациях: для городской местности - не менее 5 лет" in got[1].text

    def test_page_break_inside_a_sentence(self):
        # l.7107 is followed by a page break (l.7108–7110); the sentence continues on l.7111
        (it,) = items(7106, 7114)
        assert "(среднее специальное, среднее профессиональное), стаж работы" in it.text
        assert it.raw.count("\n") == 8   # raw keeps the physical lines, blanks included

    def test_trailing_open_parenthesis_joins_without_space(self):
        (it,) = join_items(LINES[1853:1856], 1854)
        assert "образования (дефектолог" in it.text
        assert "олигофренопедагог, сурдопедагог, тифлопедагог)" in it.text

    def test_headings_start_their_own_item(self):
        heads = [i for i in ALL_ITEMS if HEADING_RE.match(i.text)]
        assert len(heads) == 98
        first_r2 = next(i for i in heads if i.text.startswith("Раздел 2."))
        assert first_r2.line == 5779
        # the title wraps onto a column-0 line and stays in the heading item
        p1 = next(i for i in heads if i.line == 5782)
        assert p1.text == ("Параграф 1. Руководитель организации технического и "
                           "профессионального, послесреднего образования")

    def test_without_heading_detection_a_heading_continues_the_item(self):
        got = join_items(LINES[157:164], 158, starts_item=None)
        assert got[-1].text.endswith("не менее 5 лет. Параграф 2. Методист дошкольной организации")

    def test_seven_space_items(self):
        (it,) = [i for i in ALL_ITEMS if i.line == 3242]
        assert not it.text.startswith(" ")

    def test_join_lines(self):
        assert join_lines(["а (", "б", ", в", "", "   ", ") г"]) == "а (б, в) г"

    def test_line_offsets(self):
        (it,) = items(4677, 4681)
        starts = line_starts(it)
        assert [no for _, no in starts] == [4677, 4678, 4679, 4680, 4681]
        assert line_at(starts, it.text.index("желательно")) == 4679
        bare = TextItem(text=it.text, line=4677, end_line=4681)
        assert line_starts(bare) == [(0, 4677)]


# ---------------------------------------------------------------------------------------------
# passages

class TestPreschoolHead:
    """§2.1 п.8 (l.153–161): urban 5 with the last 2 in preschool, rural 3 with the last 1."""

    q = parse(153, 161)

    def test_education(self):
        assert [(p.level, p.pedagogical) for p in self.q.education] == [
            ("higher", True), ("postgraduate", True)]
        assert not self.q.no_experience_required

    def test_urban_rural(self):
        urban = rules_by(self.q, settlement="urban")
        rural = rules_by(self.q, settlement="rural")
        assert len(urban) == len(rural) == 1
        u, r = urban[0], rural[0]
        assert (u.min_years, u.recent_years, u.kind, u.line) == (d(5), d(2), "pedagogical", 155)
        assert (r.min_years, r.recent_years, r.kind, r.line) == (d(3), d(1), "pedagogical", 156)
        (ui,) = u.includes
        assert (ui.min_years, ui.recent_years, ui.setting) == (d(2), d(2), "дошкольной организации")
        (ri,) = r.includes
        assert (ri.min_years, ri.recent_years, ri.setting) == (d(1), d(1), "дошкольной организации")
        assert not u.needs_review and u.education_level is None

    def test_teaching_addon(self):
        (addon,) = rules_by(self.q, condition="teaching-activity")
        assert (addon.min_years, addon.kind, addon.line, addon.settlement) == (
            d(5), "pedagogical", 161, None)
        assert len(self.q.experience) == 3


class TestPreschoolMethodist:
    """§2.2 п.11 (l.208–224): the base 3/1 rule — which path? — and two ladders."""

    q = parse(208, 224)

    def test_exempt_paths_and_no_experience(self):
        assert self.q.no_experience_required
        levels = [p.level for p in self.q.education]
        assert levels == ["higher", "postgraduate", "higher", "postgraduate",
                          "pedagogical-retraining", "tvet"]

    def test_base_rule_needs_review(self):
        base = rules_by(self.q, category=None)
        assert [(r.settlement, r.min_years) for r in base] == [("urban", d(3)), ("rural", d(1))]
        for r in base:
            assert r.needs_review and "ambiguous" in r.review_reason
            assert r.education_level is None
            assert r.education_levels == ("pedagogical-retraining", "tvet")
            assert r.kind == "pedagogical" and r.setting == "дошкольных организациях"
            assert r.line == 214
        assert any(n.kind == "ambiguous-rule" and n.line == 214 for n in self.q.notes)

    def test_master_for_higher(self):
        master = rules_by(self.q, category="master")
        assert [(r.settlement, r.min_years, r.education_level) for r in master] == [
            ("urban", d(5), "higher"), ("rural", d(3), "higher")]
        assert master[0].education_levels == ("higher", "postgraduate")

    @pytest.mark.parametrize("cat", ["moderator", "expert", "researcher"])
    def test_lower_categories_for_tvet(self, cat):
        got = rules_by(self.q, category=cat)
        assert [(r.settlement, r.min_years, r.education_level) for r in got] == [
            ("urban", d(5), "tvet"), ("rural", d(3), "tvet")]
        assert not any(r.needs_review for r in got)


class TestSchoolDirector:
    """§3.1 п.43, variant 1) (l.1281–1285): 5 years incl. the last 2 and 1 year as deputy."""

    q = parse(1281, 1285)

    def test_nested(self):
        (r,) = self.q.experience
        assert (r.min_years, r.kind, r.recent_years, r.line) == (d(5), "pedagogical", d(2), 1281)
        recent, deputy = r.includes
        assert (recent.min_years, recent.recent_years, recent.kind) == (d(2), d(2), "pedagogical")
        assert (deputy.min_years, deputy.kind, deputy.line) == (d(1), "in-position", 1285)
        # "областных или республиканских, или международных" does not open an alternative
        assert deputy.in_position.startswith("заместителя руководителя в общеобразовательных")
        assert deputy.in_position.endswith("конкурсов исполнителей и спортивных соревнований")
        assert r.alternative_group is None and not r.needs_review

    def test_whole_point_has_all_variants(self):
        q = parse(1269, 1311)
        tops = [(r.min_years, r.line) for r in q.experience]
        assert tops == [(d(5), 1273), (d(5), 1281), (d(3), 1293), (d(5), 1304)]
        small_school = q.experience[2]
        (inc,) = small_school.includes
        assert (inc.min_years, inc.recent_years, inc.setting) == (
            d(1), d(1), "организации образования")
        military = q.experience[3]
        (mgr,) = military.includes
        assert (mgr.kind, mgr.min_years) == ("managerial", d(1))


class TestTeacherLadder:
    """§3.6 п.58 (l.1652–1662): no experience for the base paths, then 2/3/4 and master 5."""

    q = parse(1652, 1662)

    def test_base(self):
        assert self.q.no_experience_required
        assert {p.level for p in self.q.education} == {
            "higher", "postgraduate", "pedagogical-retraining", "tvet"}
        (tvet,) = [p for p in self.q.education if p.level == "tvet"]
        assert tvet.pedagogical is True and tvet.profile == "по соответствующему профилю"

    def test_ladder(self):
        got = {r.category: (r.min_years, r.education_level, r.education_levels, r.kind)
               for r in self.q.experience}
        assert got == {
            "master": (d(5), "higher", ("higher",), "pedagogical"),
            "moderator": (d(2), None, ("higher", "tvet"), "pedagogical"),
            "expert": (d(3), None, ("higher", "tvet"), "pedagogical"),
            "researcher": (d(4), None, ("higher", "tvet"), "pedagogical"),
        }
        assert all(r.category for r in self.q.experience)
        assert not self.q.notes


class TestMethodologicalService:
    """Глава 8 п.218 (l.5579–5588): oblast 10 years with a degree, district 5."""

    q = parse(5579, 5588)

    def test_admin_levels(self):
        assert [(r.admin_level, r.min_years, r.kind, r.line) for r in self.q.experience] == [
            ("oblast", d(10), "pedagogical", 5584), ("district", d(5), "pedagogical", 5588)]

    def test_degree_at_oblast_only(self):
        degrees = [p for p in self.q.education if p.level == "academic-degree"]
        assert [(p.admin_level, p.additional, p.desirable, p.line) for p in degrees] == [
            ("oblast", True, False, 5583)]
        district = [p for p in self.q.education if p.admin_level == "district"]
        assert {p.level for p in district} == {"higher", "postgraduate", "pedagogical-retraining"}

    def test_if_any_degree_is_desirable(self):
        q = parse(5667, 5680)   # п.224: "наличие академической степени (при наличии)"
        (deg,) = [p for p in q.education if p.level == "academic-degree"]
        assert deg.desirable and deg.admin_level == "oblast"
        assert any(n.kind == "ambiguous-rule" and "(при наличии)" in n.quoted for n in q.notes)


class TestTvetDirector:
    """R2.1 п.233 (l.5842–5854): education 5 incl. 1 as deputy, or enterprise 5 incl. 3 managing."""

    q = parse(5842, 5854)

    def test_alternatives(self):
        a, b = self.q.experience
        assert a.alternative_group is not None and a.alternative_group == b.alternative_group
        assert (a.min_years, a.kind, a.setting, a.line) == (d(5), "any", "сфере образования", 5849)
        (dep,) = a.includes
        assert (dep.kind, dep.min_years, dep.line) == ("in-position", d(1), 5850)
        assert dep.in_position.startswith("заместителя руководителя организации технического")
        assert (b.min_years, b.kind, b.line) == (d(5), "enterprise", 5851)
        (mgr,) = b.includes
        assert (mgr.kind, mgr.min_years, mgr.line) == ("managerial", d(3), 5852)
        assert not a.needs_review and not b.needs_review

    def test_other_alternatives(self):
        q = parse(5177, 5181)   # п.196: pedagogical 5 or managerial 3
        assert [(r.kind, r.min_years, r.alternative_group) for r in q.experience] == [
            ("pedagogical", d(5), 1), ("managerial", d(3), 1)]
        q = parse(4899, 4901)   # п.188: "в системе образования или по соответствующему профилю"
        assert [(r.kind, r.min_years, r.alternative_group) for r in q.experience] == [
            ("pedagogical", d(2), 1), ("specialty", d(2), 1)]


class TestIrregular:
    def test_ranges(self):
        q = parse(4768, 4770)
        assert [(r.category, r.min_years, r.max_years, r.line) for r in q.experience] == [
            ("moderator", d(3), d(4), 4769), ("expert", d(4), d(5), 4770),
            ("researcher", d(5), d(6), 4770)]

    def test_number_words(self):
        q = parse(6199, 6204)   # "не менее пяти лет … не менее одного года"
        assert [(r.min_years, r.line, r.kind) for r in q.experience] == [
            (d(5), 6201, "any"), (d(1), 6203, "managerial")]
        assert q.experience[0].alternative_group == q.experience[1].alternative_group == 1
        (one,) = parse(6296, 6299).experience
        assert (one.min_years, one.line) == (d(1), 6299)
        (one,) = parse(6498, 6500).experience
        assert (one.min_years, one.line, one.setting) == (d(1), 6500, "организации образования")

    def test_number_word_shared_by_alternatives(self):
        # R2.17 l.7106–7114: "стаж … в организации ТиПО или стаж … среднего руководящего
        # состава … не менее трех лет" — both alternatives get 3
        a, b = parse(7106, 7114).experience
        assert (a.min_years, b.min_years, b.line) == (d(3), d(3), 7114)
        assert a.alternative_group == b.alternative_group is not None
        assert (a.kind, b.kind) == ("any", "managerial")

    def test_sentence_joined_with_dot_dlya(self):
        q = parse(4902, 4904)   # "…исследователя не менее 7 лет. для педагога-мастера – 8 лет."
        assert [(r.category, r.min_years) for r in q.experience] == [
            ("moderator", d(3)), ("expert", d(5)), ("researcher", d(7)), ("master", d(8))]
        assert q.experience[-1].line == 4904

    def test_base_requirement_despite_categories(self):
        q = parse(4899, 4904)   # §6.13: 2 years, then 3/5/7/8
        assert [r.min_years for r in q.experience if r.category is None] == [d(2), d(2)]
        assert not q.no_experience_required

    def test_shared_number_for_two_categories(self):
        q = parse(415, 425)     # §2.4: "для педагога-модератора и педагога-эксперта не менее 2 лет"
        higher = [(r.category, r.min_years) for r in q.experience if r.education_level == "higher"]
        assert higher == [("moderator", d(2)), ("expert", d(2)), ("researcher", d(3)),
                          ("master", d(5))]
        tvet = [(r.category, r.min_years) for r in q.experience if r.education_level == "tvet"]
        assert tvet == [("moderator", d(2)), ("expert", d(3)), ("researcher", d(4))]
        assert {r.in_position for r in q.experience} == {"воспитателя дошкольной организации"}

    def test_number_after_v_tom_chisle_is_ambiguous(self):
        q = parse(5345, 5346)   # "стаж педагогической работы, в том числе в системе ПК не менее 5"
        (r,) = q.experience
        assert r.min_years == d(5) and r.needs_review
        assert r.includes[0].setting == "системе повышения квалификации"

    def test_alternative_after_exempt_path_needs_review(self):
        q = parse(7424, 7428)   # "… без предъявления … или стаж работы в организациях … 3 лет"
        (r,) = q.experience
        assert (r.kind, r.min_years, r.needs_review) == ("enterprise", d(3), True)

    def test_or_item_experience_needs_review(self):
        q = parse(2308, 2316)   # "…;" / "или ТиПО …, педагогический стаж работы не менее 5 лет."
        (r,) = q.experience
        assert (r.min_years, r.education_level, r.needs_review) == (d(5), "tvet", True)


class TestSuspicious:
    @pytest.mark.parametrize("first,last,line", [(7105, 7119, 7116), (7213, 7224, 7221)])
    def test_moderator_five_years_for_higher(self, first, last, line):
        q = parse(first, last)
        notes = [n for n in q.notes if n.kind == "suspicious-rule"]
        assert len(notes) == 1
        (n,) = notes
        assert n.line == line
        assert "для педагога-модератора не менее 5 лет" in n.quoted
        (r,) = [r for r in q.experience if r.line == line]
        assert (r.category, r.min_years, r.education_level, r.needs_review) == (
            "moderator", d(5), "higher", True)
        # the TVET-level moderator rule of the same point is not flagged
        (low,) = [r for r in q.experience if r.category == "moderator" and r.line != line]
        assert low.min_years == d(2) and not low.needs_review

    def test_only_these_two_in_the_file(self):
        sus = [(n.line) for pts in POINTS for n in parse_qualification(pts).notes
               if n.kind == "suspicious-rule"]
        assert sus == [7116, 7221]


class TestEducationVocabulary:
    def test_course_certificate_without_category_rights(self):
        q = parse(2045, 2053)
        got = [(p.level, p.pedagogical, p.grants_category_rights, p.additional, p.line)
               for p in q.education]
        assert got == [("tvet", None, True, False, 2046), ("tvet", False, False, False, 2047),
                       ("course-certificate", None, False, True, 2048)]
        assert q.education[0].profile == "Специальное образование"
        assert q.no_experience_required
        assert any(n.kind == "typo" and n.quoted == "предьявления" for n in q.notes)

    def test_desirable_degree(self):
        q = parse(4673, 4681)
        degrees = [p for p in q.education if p.level == "academic-degree"]
        assert [(p.desirable, p.for_categories, p.line) for p in degrees] == [
            (True, ("expert",), 4679), (True, ("researcher",), 4680)]
        assert [(r.category, r.min_years) for r in q.experience] == [
            ("moderator", d(3)), ("expert", d(4)), ("researcher", d(5))]

    def test_required_degree_for_two_categories(self):
        q = parse(7758, 7764)
        (deg,) = [p for p in q.education if p.level == "academic-degree"]
        assert deg.for_categories == ("researcher", "master") and not deg.desirable

    def test_reserve_officers(self):
        q = parse(6891, 6902)
        levels = [(p.level, p.line) for p in q.education]
        assert levels == [("higher", 6892), ("postgraduate", 6892), ("reserve-officer", 6893)]
        assert q.education[0].profile == ("Преподаватель начального военного обучения и "
                                          "физического воспитания")
        assert q.education[2].raw.startswith("офицеры запаса, прошедшие военную службу")
        assert q.no_experience_required

    def test_profiles_and_pedagogy(self):
        q = parse(1786, 1795)
        assert [(p.level, p.profile) for p in q.education] == [
            ("higher", "Психология"), ("higher", "медицинское"),
            ("tvet", "по соответствующему профилю")]
        q = parse(1098, 1113)   # "педагогическое образование или иное профессиональное …"
        hi = [(p.pedagogical, p.profile) for p in q.education if p.level == "higher"]
        assert hi == [(True, None), (False, "по соответствующему профилю")]
        q = parse(1439, 1445)   # "педагогическое или иное профессиональное образование по профилю"
        hi = [(p.pedagogical, p.profile) for p in q.education if p.level == "higher"]
        assert hi == [(True, "по соответствующему профилю"), (False, "по соответствующему профилю")]

    def test_additional_retraining(self):
        q = parse(7313, 7321)
        (re_,) = [p for p in q.education if p.level == "pedagogical-retraining"]
        assert re_.additional

    def test_typo_and_glitch_notes(self):
        q = parse(6793, 6798)   # 'профилям"' — a stray quote
        assert [n.kind for n in q.notes] == ["ambiguous-rule", "glitch"]
        q = parse(706, 715)     # "при среднего уровня квалификации"
        assert any(n.kind == "typo" and n.line == 713 for n in q.notes)
        q = parse(324, 334)     # "среденего"
        assert any(n.kind == "typo" and n.quoted == "среденего" and n.line == 332
                   for n in q.notes)


# ---------------------------------------------------------------------------------------------
# the whole document

class TestWholeDocument:
    def test_88_points(self):
        assert len(POINTS) == 88
        assert not any("компетенц" in p[0].text for p in POINTS)

    def test_every_point_parses(self):
        for pts in POINTS:
            q = parse_qualification(pts)
            assert q.education, pts[0].line
            for p in q.education:
                assert p.level in EDUCATION_LEVELS
            for r in q.experience:
                assert r.kind in EXPERIENCE_KINDS
                assert r.min_years is not None or r.needs_review, (pts[0].line, r.raw)
                assert pts[0].line <= r.line <= pts[-1].end_line
            assert not any("not parsed" in n.message for n in q.notes)

    def test_totals(self):
        qs = [parse_qualification(pts) for pts in POINTS]
        assert sum(bool(q.experience) for q in qs) == 88
        assert sum(q.no_experience_required for q in qs) == 47
        assert sum(len(q.education) for q in qs) == 420
        assert sum(len(q.experience) for q in qs) == 281
        assert sum(len(q.notes) for q in qs) == 17

    def test_no_ladder_inversions_elsewhere(self):
        # every per-category ladder is non-decreasing in the category order except the two flagged
        order = ["moderator", "expert", "researcher", "master"]
        for pts in POINTS:
            q = parse_qualification(pts)
            for r in q.experience:
                if r.needs_review and r.review_reason.startswith("suspicious"):
                    continue
                for s in q.experience:
                    if (r.category in order and s.category in order
                            and order.index(r.category) < order.index(s.category)
                            and r.settlement == s.settlement
                            and r.education_levels == s.education_levels):
                        assert r.min_years <= s.min_years, (r.line, s.line)


_text = st.lists(st.sampled_from(
    list("абвгдеиклмнопрстуя ,.;:()-–\"0123456789") + [
        " или ", " и (или) ", " стаж ", " не менее ", " лет", " года", " для педагога-",
        "модератора", "эксперта", "мастера", " при наличии ", "высшего", " уровня квалификации ",
        "без предъявления требований к стажу работы", " в том числе ", "последние ",
        "для городской местности", "для сельской местности", " на уровне области:",
        "техническое и профессиональное образование", "документ", "офицеры запаса",
        "желательно наличие ученой степени", "пяти", "одного", " в должности ", "\ue000"]),
    max_size=80).map("".join) | st.text(max_size=200)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_text, st.integers(min_value=1, max_value=9000)), max_size=6))
def test_never_raises(pairs):
    its = [TextItem(text=t, line=n, end_line=n, raw=t) for t, n in pairs]
    q = parse_qualification(its)
    assert isinstance(q, QualificationParse)
    assert not any("not parsed" in n.message for n in q.notes)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=60), max_size=20), st.integers(min_value=1, max_value=100))
def test_join_items_never_raises_and_keeps_lines(lines, first):
    got = join_items(lines, first)
    for it in got:
        assert first <= it.line <= it.end_line < first + max(len(lines), 1)
        assert it.text == it.text.strip()
