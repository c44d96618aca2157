"""Parse the professional standard «Педагог» (prof-standard-pedagog-2022-kk.txt) into typed records.

Parsing only (text -> records); `loaders/prof_standard_rdf.py` turns the records into RDF.
The layout is described in ``docs/sources.md`` §4 (shared docs).  Everything here is driven by the
structure of the text (appendix headers, row labels, codes, numbered runs), never by line numbers.

This module reads the order and its chapters, finds the appendices and checks the cards against
the list of professions of chapter 3.  App. 1 and App. 2 are read by
:mod:`loaders.prof_standard_tables`, the profession cards by :mod:`loaders.prof_standard_cards`,
cells, row labels and numbered lists by :mod:`loaders.prof_standard_text`, into the records of
:mod:`loaders.prof_standard_records`.

Anomalies found while parsing are returned as :class:`Note` records (the RDF step turns them into
``kzo:DataQualityNote``); a missing structure raises :class:`~loaders.base.SourceError`.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

from loaders.base import LoaderWarning, SourceError
from loaders.prof_standard_cards import CARD_RE, appendix_headers, parse_card
from loaders.prof_standard_records import Card, Chapter, ListedProfession, Note, OrderMeta, ProfStandard
from loaders.prof_standard_tables import parse_categories, parse_framework
from loaders.prof_standard_text import LOWER, find_line, split_numbered
from loaders.text_join import read_source_lines

#: what callers import from here besides the parser (the tests)
__all__ = ["SOURCE_FILE", "parse", "split_numbered"]

SOURCE_FILE = "prof-standard-pedagog-2022-kk.txt"

MONTHS = ("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз", "қыркүйек",
          "қазан", "қараша", "желтоқсан")
DATE_NO_RE = re.compile(rf"(\d{{4}})\s+жылғы\s+(\d{{1,2}})\s+([{LOWER}]+?)(?:дағы|дегі|тағы|тегі)\s*№\s*(\d+)")
CHAPTER_RE = re.compile(r"^(\d+)\s*-\s*тарау\.\s*(.+)$")
PROFESSION_RE = re.compile(r"^(\d+)\)\s*.*?(\d+)\s*-\s*қосымшаға\s+сәйкес\s+(.+?)\s*[–-]\s*СБШ\s+бойынша\s*"
                           r"([\d\s–-]+?)\s*деңгей")


# ---------------------------------------------------------------------------------------------
# the order and the chapters
# ---------------------------------------------------------------------------------------------


def _date(m: re.Match[str], path: Path, line: int) -> dt.date:
    month = next((i for i, stem in enumerate(MONTHS, 1) if m.group(3).startswith(stem)), None)
    if month is None:
        raise SourceError(path, line, f"unknown month name {m.group(3)!r}")
    return dt.date(int(m.group(1)), month, int(m.group(2)))


def parse_order(lines: list[str], path: Path, body_start: int, notes: list[Note]) -> OrderMeta:
    """The order text and the approval stamp: everything before the first chapter (``body_start``)."""
    def need(rx: str, what: str) -> tuple[int, re.Match[str]]:
        hit = find_line(lines, re.compile(rx), 0, body_start)
        if hit is None:
            raise SourceError(path, body_start or None, f"expected {what} before the first chapter")
        return hit

    bl, bm = need(r"Еңбек\s+[Кк]одексінің\s+(\d+)\s*-\s*бабының\s+([\d-]+\))", "the legal basis (Еңбек кодексі)")
    if "Кодексінің" in bm.group(0):
        notes.append(Note(bl, "typo", "order", "'Кодексінің' capitalised in the order's preamble "
                          "(lower case 'кодексінің' in §1)", bm.group(0)))
    rl, _ = need(r"күші\s+жойылды", "the repealed order (күші жойылды)")
    rline = lines[rl - 1]
    rdm = DATE_NO_RE.search(rline)
    regm = re.search(r"тіркеу\s+тізілімінде\s*№\s*(\d+)", rline)
    titm = re.search(r'"([^"]+)"', rline)
    if not (rdm and regm and titm):
        raise SourceError(path, rl, "expected the repealed order's title, date, number and registration")
    al, am = need(r"(\d{4})\s+жылғы\s+(\d{1,2})\s+([а-яәіңғүұқөһ]+?)(?:дағы|дегі|тағы|тегі)\s*№\s*(\d+)\s*"
                  r"бұйрығымен\s*бекітілген", "the approval stamp (№ … бұйрығымен бекітілген)")
    sl, sm = need(r"^(.*министі?р\S*\s+м\.а\.)\t\|\t(.+)$", "the signature line")
    gl, _ = need(r'"КЕЛІСІЛДІ"', 'the "КЕЛІСІЛДІ" block')
    agreed = []
    for j in range(gl, body_start):
        t = lines[j].strip()
        if not t and agreed and not lines[j + 1].strip():
            break
        if t:
            agreed.append(t)
    tl, tm = need(r'^("Педагог"\s+кәсіптік\s+стандарты)\s*$', 'the title «"Педагог" кәсіптік стандарты»')
    return OrderMeta(
        number=am.group(4), date=_date(am, path, al), line=al,
        date_text=re.sub(r"\s*№.*$", "", am.group(0)),
        signatory=sm.group(2).strip(), signatory_line=sl,
        basis_article=bm.group(1), basis_point=bm.group(2), basis_line=bl,
        repeals_number=rdm.group(4), repeals_date=_date(rdm, path, rl),
        repeals_registration=regm.group(1), repeals_title=titm.group(1), repeals_line=rl,
        agreed_with=" ".join(agreed), agreed_line=gl, title=tm.group(1), title_line=tl,
    )


def parse_chapters(lines: list[str], path: Path) -> list[Chapter]:
    chapters = []
    for i, line in enumerate(lines, 1):
        m = CHAPTER_RE.match(line.strip())
        if m:
            chapters.append(Chapter(int(m.group(1)), m.group(2).strip(), i))
    if [c.number for c in chapters] != [1, 2, 3]:
        raise SourceError(path, chapters[-1].line if chapters else None,
                          f"expected chapters 1- тарау … 3-тарау, found {[c.number for c in chapters]}")
    return chapters


def parse_professions(lines: list[str], path: Path, start: int, stop: int) -> list[ListedProfession]:
    """§11 «Кәсіптер тізімі»: "N) Осы бұйрыққа K-қосымшаға сәйкес <title> – СБШ бойынша <levels> деңгей"."""
    out = []
    for i in range(start, stop):
        m = PROFESSION_RE.match(lines[i].strip())
        if m:
            out.append(ListedProfession(int(m.group(1)), int(m.group(2)), m.group(3).strip(),
                                        re.sub(r"\s+", "", m.group(4)), i + 1))
    if not out:
        raise SourceError(path, start + 1, "expected the list of professions (§11, 'N) Осы бұйрыққа "
                          "K-қосымшаға сәйкес … – СБШ бойынша … деңгей') in chapter 3")
    return out


def parse(path: Path, rules: dict | None = None) -> ProfStandard:
    """Parse the whole document; raise :class:`SourceError` on a missing structure."""
    import yaml

    path = Path(path)
    lines = read_source_lines(path)
    if rules is None:
        rules = yaml.safe_load((Path(__file__).resolve().parent.parent / "data" / "reference"
                                / "category-labels.yaml").read_text(encoding="utf-8"))
    notes: list[Note] = []
    warnings: list[LoaderWarning] = []
    chapters = parse_chapters(lines, path)
    order = parse_order(lines, path, chapters[0].line - 1, notes)
    headers = appendix_headers(lines)
    numbers = [n for n, _ in headers]
    if numbers[:2] != [1, 2]:
        raise SourceError(path, headers[0][1] if headers else len(lines),
                          f"expected appendix headers 1-қосымша and 2-қосымша, found {numbers[:2]}")
    professions = parse_professions(lines, path, chapters[2].line, headers[0][1] - 1)
    for k, (n, ln) in enumerate(headers):
        expected = k + 1
        if n != expected:
            listed = next((p for p in professions if p.appendix == expected), None)
            where = f" (listed in §11 at l.{listed.line})" if listed else ""
            raise SourceError(path, ln, f"expected the header of appendix {expected}{where} before "
                              f"'{n}-қосымша'")
    listed_apps = sorted(p.appendix for p in professions)
    missing = [a for a in listed_apps if a not in numbers]
    if missing:
        p = next(p for p in professions if p.appendix == missing[0])
        raise SourceError(path, len(lines), f"appendix {missing[0]} (listed in §11 at l.{p.line}) not found: "
                          f"the text ends after appendix {numbers[-1]}")
    bounds = {n: (ln, headers[k + 1][1] - 1 if k + 1 < len(headers) else len(lines))
              for k, (n, ln) in enumerate(headers)}
    competences = parse_framework(lines, path, bounds[1][0], bounds[1][1], notes)
    categories = parse_categories(lines, path, bounds[2][0], bounds[2][1], rules, notes)
    cards: list[Card] = []
    for n in sorted(bounds):
        if n < 3:
            continue
        s, e = bounds[n]
        starts = [i for i in range(s, e) if CARD_RE.match(lines[i].strip())]
        if not starts:
            raise SourceError(path, s, f"expected 'КӘСІПТЕР КАРТОЧКАСЫ:' after the header of appendix {n}")
        for k, st in enumerate(starts):
            en = starts[k + 1] if k + 1 < len(starts) else e
            card = parse_card(lines, path, n, st, en, notes)
            if k and card.title != cards[-1].title:
                warnings.append(LoaderWarning(path.name, card.line, "card-title-changed",
                                              f"card at l.{card.line} in appendix {n} has title {card.title!r}, "
                                              f"not the appendix's {cards[-1].title!r}: is an appendix header "
                                              f"missing before it?"))
            cards.append(card)
    keys = Counter(c.key for c in cards)
    dup = [k for k, v in keys.items() if v > 1]
    if dup:
        c = [c for c in cards if c.key == dup[0]][1]
        raise SourceError(path, c.line, f"two cards with the key {dup[0]} (same appendix and СБШ level)")
    _check_professions(professions, cards, notes)
    return ProfStandard(order, chapters, professions, competences, categories, cards, notes, warnings,
                        len(lines))


def _levels(text: str) -> set[str]:
    m = re.fullmatch(r"(\d+)[–-](\d+)", text)
    if m:
        return {str(v) for v in range(int(m.group(1)), int(m.group(2)) + 1)}
    return {text}


def _check_professions(professions: list[ListedProfession], cards: list[Card], notes: list[Note]) -> None:
    for p in professions:
        mine = [c for c in cards if c.appendix == p.appendix]
        listed = _levels(p.levels)
        found = set().union(*(_levels(c.level) for c in mine)) if mine else set()
        if found != listed:
            notes.append(Note(p.line, "glitch", "",
                              f"§11 gives appendix {p.appendix} СБШ level(s) {p.levels}, its cards have "
                              f"{', '.join(c.level for c in mine)}", p.levels))
