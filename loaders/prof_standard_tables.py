"""App. 1 (the competence framework) and App. 2 (criteria by category) of the professional standard.

* App. 1: a competence's first row has three cells, later rows two; competence titles are glued
  to their descriptions and are split at the first lower→upper case glue (or "title:Desc"); a
  competence is keyed by its criteria's prefix, whatever number it is printed with;
* App. 2: six-cell criterion rows, one-cell group rows, one merged one-cell row of criteria.
"""
from __future__ import annotations

import re
from pathlib import Path

from loaders.base import SourceError
from loaders.prof_standard_records import (CategoryTable, Competence, Criterion, CriterionRow, Descriptor,
                                           GroupRow, Indicator, MergedRow, Note)
from loaders.prof_standard_text import CYR_TO_LAT, LOWER, UPPER, cells, clean_item, find_line

GLUE_RE = re.compile(rf"(?<=[{LOWER}])(?=[{UPPER}])|:(?=\s*[{UPPER}])")
HOMOGLYPH_RE = re.compile(r"(?<![\w])([АВС])([12])(?![\w])")   # Cyrillic A/B/C before a CEFR digit


# ---------------------------------------------------------------------------------------------
# App. 1: the competence framework
# ---------------------------------------------------------------------------------------------


def _split_title(rest: str) -> tuple[str, str]:
    m = GLUE_RE.search(rest)
    if not m:
        return rest.strip(), ""
    return rest[:m.start()].strip(), rest[m.end():].strip()


def _criterion(cell: str, line: int, path: Path) -> tuple[str, str]:
    m = re.match(r"^(\d+\.\d+)\.?\s*(.+)$", cell)
    if not m:
        raise SourceError(path, line, f"expected a criterion code 'N.N' at the start of {cell[:40]!r}")
    return m.group(1), m.group(2).strip()


def _indicators(cell: str, crit: str, line: int, path: Path, notes: list[Note]) -> tuple[Indicator, ...]:
    starts = list(re.finditer(rf"(?:^|;)\s*({re.escape(crit)}\.(\d+))\.?", cell))
    if not starts or starts[0].start() != 0:
        raise SourceError(path, line, f"expected indicators '{crit}.1 …' of criterion {crit}")
    out = []
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(cell)
        text = clean_item(cell[m.end():end])
        code = m.group(1)
        if not cell[m.end():end].startswith((" ", "\t")):
            notes.append(Note(line, "glitch", f"indicator/{code}", f"indicator code {code} glued to its text",
                              cell[m.start(1):m.end() + 12]))
        cefr = None
        for h in HOMOGLYPH_RE.finditer(text):
            cefr = h.group(1).translate(CYR_TO_LAT) + h.group(2)
            notes.append(Note(line, "glitch", f"indicator/{code}",
                              f"CEFR level written with a Cyrillic letter (U+{ord(h.group(1)):04X}); "
                              f"read as {cefr}", h.group(0)))
        out.append(Indicator(code, text, line, cefr))
    numbers = [int(m.group(2)) for m in starts]
    if numbers != list(range(1, len(numbers) + 1)):
        notes.append(Note(line, "glitch", f"criterion/{crit}", f"indicators numbered {numbers}"))
    return tuple(out)


def parse_framework(lines: list[str], path: Path, start: int, stop: int, notes: list[Note]) -> list[Competence]:
    hdr = find_line(lines, re.compile(r"^Құзыреттер\t\|\tКритерийлер\t\|\tИндикаторлар"), start, stop)
    if hdr is None:
        raise SourceError(path, start + 1, "expected the App. 1 header row 'Құзыреттер | Критерийлер | "
                          "Индикаторлар'")
    comps: list[dict] = []
    for i in range(hdr[0], stop):
        raw = lines[i]
        if not raw.strip():
            if comps:
                break
            continue
        cs = cells(raw)
        no = i + 1
        if len(cs) == 3:
            m = re.match(r"^(\d+(?:\.\d+)*)\.\s*(.+)$", cs[0])
            if not m:
                raise SourceError(path, no, "expected a numbered competence 'N. Title…' in the first cell")
            title, desc = _split_title(m.group(2))
            comps.append(dict(printed=m.group(1), title=title, desc=desc, raw=cs[0], line=no, criteria=[]))
            cs = cs[1:]
        elif len(cs) != 2 or not comps:
            raise SourceError(path, no, f"expected 2 or 3 cells in the competence table, found {len(cs)}")
        code, ctitle = _criterion(cs[0], no, path)
        if not re.match(rf"{re.escape(code)}\s", cs[0]):
            notes.append(Note(no, "glitch", f"criterion/{code}", f"criterion code {code} glued to its title",
                              cs[0][:len(code) + 12]))
        comps[-1]["criteria"].append(Criterion(code, ctitle, no, _indicators(cs[1], code, no, path, notes)))
    out = []
    for c in comps:
        prefixes = {cr.code.split(".")[0] for cr in c["criteria"]}
        if len(prefixes) != 1:
            raise SourceError(path, c["line"], f"criteria of one competence have prefixes {sorted(prefixes)}")
        key = prefixes.pop()
        if c["printed"] != key:
            notes.append(Note(c["line"], "glitch", f"competence/{key}",
                              f"competence printed as '{c['printed']}.' but its criteria are {key}.x",
                              c["raw"][:len(c["printed"]) + 20]))
        if c["desc"]:
            glue = c["raw"][len(c["printed"]) + 1:].strip()[len(c["title"]):][:1]
            notes.append(Note(c["line"], "glitch", f"competence/{key}",
                              "competence title glued to its description"
                              + (" with ':'" if glue == ":" else ""),
                              c["raw"][len(c["printed"]) + 1:].strip()[max(0, len(c["title"]) - 10):len(c["title"]) + 12]))
        out.append(Competence(key, c["printed"], c["title"], c["desc"], c["raw"], c["line"], tuple(c["criteria"])))
    if not out:
        raise SourceError(path, hdr[0], "expected competence rows after the App. 1 header row")
    return out


# ---------------------------------------------------------------------------------------------
# App. 2: criteria by category
# ---------------------------------------------------------------------------------------------


def category_slug(label: str, rules: dict) -> str | None:
    norm = re.sub(r"\s*[–—-]\s*", "-", label.lower().replace('"', "").replace("«", "").replace("»", "")).strip()
    for rule in rules["category"]:
        if norm in rule.get("exact", ()):
            return rule["slug"]
        if any(stem in norm for stem in rule.get("stems", ())):
            return rule["slug"]
    return None


def parse_categories(lines: list[str], path: Path, start: int, stop: int, rules: dict,
                     notes: list[Note]) -> CategoryTable:
    hdr = find_line(lines, re.compile(r"^Құзыреттілік\s+критерийлері\t\|\t"), start, stop)
    if hdr is None:
        raise SourceError(path, start + 1, "expected the App. 2 header row 'Құзыреттілік критерийлері | …'")
    hl = hdr[0]
    labels = cells(lines[hl - 1])[1:]
    cats = []
    for lab in labels:
        slug = category_slug(lab, rules)
        if slug is None:
            raise SourceError(path, hl, f"unknown category column {lab!r}")
        cats.append((slug, lab))
    groups, merged, rows = [], [], []
    for i in range(hl, stop):
        raw = lines[i]
        no = i + 1
        if not raw.strip():
            if rows:
                break
            continue
        cs = cells(raw)
        if len(cs) == 1 and re.match(rf"^\d\.[{UPPER}]", cs[0]):
            groups.append(GroupRow(cs[0][0], cs[0][2:].strip(), no))
        elif len(cs) == 1 and re.match(r"^\d\.\d", cs[0]):
            parts = list(re.finditer(r"(\d\.\d)\s*", cs[0]))
            items = tuple((m.group(1), cs[0][m.end():(parts[k + 1].start() if k + 1 < len(parts) else None)].strip())
                          for k, m in enumerate(parts))
            merged.append(MergedRow(no, cs[0], items))
            notes.append(Note(no, "glitch", "", "App. 2 row runs criteria " + ", ".join(c for c, _ in items)
                              + " together in one cell with no per-category descriptors (merged cell)",
                              cs[0][:60]))
        elif len(cs) == len(cats) + 1 and re.match(r"^\d\.\d", cs[0]):
            code, title = _criterion(cs[0], no, path)
            title = title.rstrip(".")
            descs = tuple(Descriptor(code, slug, lab, text, no) for (slug, lab), text in zip(cats, cs[1:]))
            for d in descs:
                if not d.text:
                    raise SourceError(path, no, f"empty descriptor for {code} / {d.category_label}")
            rows.append(CriterionRow(code, title, no, descs))
        else:
            raise SourceError(path, no, f"unexpected App. 2 row with {len(cs)} cells: {raw[:50]!r}")
    if not rows:
        raise SourceError(path, hl, "expected criterion rows after the App. 2 header row")
    return CategoryTable(hl, tuple(cats), tuple(groups), tuple(merged), tuple(rows))
