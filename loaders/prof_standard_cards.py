"""The profession cards of the professional standard (App. 3 and on).

One card per «КӘСІПТЕР КАРТОЧКАСЫ:» line, keyed by (appendix, СБШ level); its rows are read by
their labels, never by position, because rows are shifted by empty cells.
"""
from __future__ import annotations

import re
from pathlib import Path

from loaders.base import SourceError
from loaders.prof_standard_records import (Card, EducationRef, LabourFunction, ListItem, Note, RelatedOccupation,
                                           Task)
from loaders.prof_standard_text import (CYR_TO_LAT, LOWER, UPPER, cells, check_run, clean_item, label_of,
                                        split_numbered)

APPENDIX_RE = re.compile(r"кәсіптік\s*стандартына\s*(\d+)\s*-\s*қосымша\s*$")
CARD_RE = re.compile(r"^КӘСІПТЕР\s+КАРТОЧКАСЫ\s*:\s*(.*)$")
FUNCTION_RE = re.compile(r"^(\d+\.\s*)?кәсіби\s+қызмет(?:і)?\s*(\d+)\s*\.\s*(.*)$", re.IGNORECASE | re.S)
TASK_RE = re.compile(r"^(?:(\d+)\s*-\s*)?міндет\s*:\s*(.*)$", re.IGNORECASE | re.S)
SKILLS_LABEL_RE = re.compile(r"білік\s+[пм]ен\s+дағдылар(?:ы)?\s*:", re.IGNORECASE)
KNOWLEDGE_LABEL_RE = re.compile(r"^білім\s*:", re.IGNORECASE)
OCC_CODE_RE = re.compile(r"^\d[\d\s–—-]*\d$|^\d+$")
EDU_CODE_RE = re.compile(r"4S\d{8}|5[АA][ВB]\d{8}|5[ВB]\d{6}|6\s?[ВB]\s?\d{2,3}|\d{6,8}")
APPLIED_RE = re.compile(r"Қолданбалы\s+бакалавриат\s*:", re.IGNORECASE)
REQUIRED_ROWS = {"code": "Код", "group_code": "Топ коды", "profession": "Мамандық",
                    "level": "СБШ бойынша біліктілік деңгейі", "purpose": "Қызметтің негізгі мақсаты",
                    "main_functions": "Кәсіби қызметі | Негізгі кәсіби қызметі",
                    "personal": "Жеке құзыреттерге қойылатын талаптар",
                    "related": "СБШ шеңберіндегі басқа мамандықтармен байланыс",
                    "education": "Білім беру және біліктілік жүйесімен байланыс"}
SIMPLE_ROWS = ("code", "group_code", "profession", "aliases", "level", "purpose", "personal", "handbooks")
GLUE_LU_RE = re.compile(rf"(?<=[{LOWER})])(?=[{UPPER}])")


def appendix_headers(lines: list[str]) -> list[tuple[int, int]]:
    """(appendix number, 1-based line) of every appendix header."""
    return [(int(m.group(1)), i) for i, line in enumerate(lines, 1) if (m := APPENDIX_RE.search(line))]


class CardParser:
    """Reads the rows of one card (lines[start] is its «КӘСІПТЕР КАРТОЧКАСЫ:» line)."""

    def __init__(self, lines: list[str], path: Path, appendix: int, start: int, end: int,
                 notes: list[Note]) -> None:
        self.lines, self.path, self.notes = lines, path, notes
        self.start, self.end = start, end
        m = CARD_RE.match(lines[start].strip())
        self.card = Card(appendix, m.group(1).strip().strip('"«»') if m else "", start + 1)
        self.seen: dict[str, int] = {}
        self.mode: str | None = None
        self.segments: list[tuple[str, int]] = []
        self.fn: LabourFunction | None = None
        self.task: Task | None = None

    @property
    def base(self) -> str:
        return f"card/{self.card.key}"

    def error(self, line: int, message: str) -> SourceError:
        return SourceError(self.path, line, message)

    def run(self) -> Card:
        card = self.card
        last = card.line
        for i in range(self.start + 1, self.end):
            no = i + 1
            cs = [c for c in cells(self.lines[i]) if c]
            if not cs:
                continue
            last = no
            lab = label_of(cs[0])
            if lab is not None:
                self.flush()
            if lab in SIMPLE_ROWS:
                self.simple(lab, cs, no)
            elif lab in ("main_functions", "additional"):
                self.once(lab, no)
                rest = cs[1:]
                if lab == "main_functions":
                    if not rest or not re.match(r"^негізгі\s+кәсіби\s+қызмет", rest[0], re.IGNORECASE):
                        raise self.error(no, "expected 'Негізгі кәсіби қызметі' after 'Кәсіби қызметі'")
                    rest = rest[1:]
                    stray = re.match(r"^(\d+\.)\s*", cs[0])
                    if stray:
                        self.notes.append(Note(no, "glitch", self.base, f"stray '{stray.group(1)}' before "
                                               "the row label 'Кәсіби қызметі'", cs[0]))
                self.mode = "main" if lab == "main_functions" else "additional"
                self.segments = [(" ".join(rest), no)] if rest else []
            elif lab in ("function", "task", "knowledge", "skills"):
                self.mode = "detail"
                for c in cs:
                    self.detail(c, no)
            elif lab == "related":
                self.once(lab, no)
                self.mode = "related"
                self.related(cs[1:], no)
            elif lab == "education":
                self.once(lab, no)
                self.mode = None
                self.education(cs[1:], no)
            elif self.mode in ("main", "additional"):
                self.segments.append((" ".join(cs), no))
            elif self.mode == "related" and OCC_CODE_RE.match(cs[0]):
                self.related(cs, no)
            else:
                raise self.error(no, f"unrecognised row in the card of l.{card.line}: {cs[0][:50]!r}")
        self.flush()
        card.end_line = last
        self.finish()
        return card

    # -- rows -----------------------------------------------------------------------------------

    def once(self, lab: str, no: int) -> None:
        if lab in self.seen:
            raise self.error(no, f"row '{REQUIRED_ROWS.get(lab, lab)}' repeated (first at l.{self.seen[lab]}): "
                             "is a 'КӘСІПТЕР КАРТОЧКАСЫ:' line missing before it?")
        self.seen[lab] = no

    def simple(self, lab: str, cs: list[str], no: int) -> None:
        self.once(lab, no)
        value = " ".join(cs[1:]).strip()
        if lab == "aliases":
            parts = [value] if "(" in value else re.split(r"\s*,\s*|\s+/\s+", value)
            value = tuple(p for p in parts if p)
        elif lab == "level" and not re.fullmatch(r"\d+(?:\.\d+)?(?:-\d+)?", value):
            raise self.error(no, f"expected an СБШ level like '5', '6.1' or '4-5', found {value!r}")
        # each simple row fills the card field named by its label, and that field's "_line"
        setattr(self.card, lab, value)
        setattr(self.card, f"{lab}_line", no)

    def flush(self) -> None:
        if self.mode not in ("main", "additional"):
            return
        what = "main function list" if self.mode == "main" else "additional function list"
        items: list[ListItem] = []
        for text, no in self.segments:
            items.extend(split_numbered(text, no, self.base, self.notes, what, check=False))
        check_run(items, self.segments[0][1] if self.segments else self.card.line, self.base, self.notes, what)
        if self.mode == "main":
            self.card.main_functions = items
        else:
            self.card.additional_functions = items
        self.segments = []
        self.mode = None

    def detail(self, cell: str, no: int) -> None:
        lab = label_of(cell)
        if lab == "function":
            m = FUNCTION_RE.match(cell)
            number = int(m.group(2))
            if m.group(1):
                self.notes.append(Note(no, "glitch", self.base, f"stray '{m.group(1).strip()}' before "
                                       "a labour function heading", cell[:30]))
            self.fn = LabourFunction(number, clean_item(m.group(3)), cell, no)
            self.card.functions.append(self.fn)
            self.task = None
        elif lab == "task":
            if self.fn is None:
                raise self.error(no, "a task ('N-міндет:') before any labour function heading "
                                 "('Кәсіби қызметі N. …')")
            m = TASK_RE.match(cell)
            number = int(m.group(1)) if m.group(1) else None
            self.task = Task(number, clean_item(m.group(2)), no)
            self.fn.tasks.append(self.task)
        elif lab in ("knowledge", "skills"):
            if self.task is None:
                raise self.error(no, f"'{cell[:12]}…' outside a task ('N-міндет:')")
            if lab == "knowledge":
                body = KNOWLEDGE_LABEL_RE.sub("", cell, count=1)
                inner = SKILLS_LABEL_RE.search(body)
                if inner:
                    self.notes.append(Note(no, "glitch", self.task_path(),
                                           "knowledge and skills printed in one cell", body[inner.start() - 12:inner.end()]))
                    self.set_list("knowledge", body[:inner.start()], no)
                    self.set_list("skills", body[inner.end():], no)
                else:
                    self.set_list("knowledge", body, no)
            else:
                m = SKILLS_LABEL_RE.match(cell)
                self.set_list("skills", cell[m.end():], no)
        else:
            raise self.error(no, f"unexpected cell in a labour function: {cell[:50]!r}")

    def task_path(self) -> str:
        fi = self.card.functions.index(self.fn) + 1
        ti = self.fn.tasks.index(self.task) + 1
        return f"{self.base}/function/{fi}/task/{ti}"

    def set_list(self, kind: str, body: str, no: int) -> None:
        target = self.task.knowledge if kind == "knowledge" else self.task.skills
        if target:
            raise self.error(no, f"a second '{kind}' list for the task of l.{self.task.line}")
        what = "knowledge list" if kind == "knowledge" else "skills list"
        target.extend(split_numbered(body, no, self.task_path(), self.notes, what))

    def related(self, cs: list[str], no: int) -> None:
        if len(cs) < 2 or not OCC_CODE_RE.match(cs[0]):
            raise self.error(no, "expected 'code | title' of a related occupation")
        printed = cs[0]
        code = re.sub(r"\s+", "", printed.replace("–", "-").replace("—", "-"))
        self.card.related.append(RelatedOccupation(code, printed, " ".join(cs[1:]), no))

    def education(self, cs: list[str], no: int) -> None:
        c = self.card
        c.education_line = no
        for cell in cs:
            if m := re.match(r"^білім\s+деңгейі\s*:\s*", cell, re.IGNORECASE):
                c.education_levels = cell[m.end():].strip()
            elif m := re.match(r"^маманды[қғ]\w*\s*:\s*", cell, re.IGNORECASE):
                body = cell[m.end():]
                q = re.search(r"біліктілік\w*\s*:\s*", body, re.IGNORECASE)
                if q:
                    self.notes.append(Note(no, "glitch", self.base, "specialty and qualification printed "
                                           "in one cell", body[max(0, q.start() - 15):q.end() + 10]))
                    self.codes(body[:q.start()], no, "specialty")
                    self.codes(body[q.end():], no, "qualification")
                else:
                    self.codes(body, no, "specialty")
            elif m := re.match(r"^біліктілік\w*\s*:\s*", cell, re.IGNORECASE):
                self.codes(cell[m.end():], no, "qualification")
            else:
                raise self.error(no, f"unexpected cell in the education row: {cell[:40]!r}")

    def codes(self, body: str, no: int, kind: str) -> None:
        parts = APPLIED_RE.split(body)
        for k, part in enumerate(parts):
            applied = k > 0
            found = list(EDU_CODE_RE.finditer(part))
            lead = part[:found[0].start()] if found else part
            if lead.strip(" ;.,"):
                self.card.education_free_text.append(lead.strip(" ;.,"))
            for j, m in enumerate(found):
                tail = part[m.end():found[j + 1].start() if j + 1 < len(found) else len(part)]
                glue = GLUE_LU_RE.search(tail)
                title = clean_item(tail[:glue.start()] if glue else tail)
                if glue and tail[glue.start():].strip(" ;.,"):
                    self.card.education_free_text.append(clean_item(tail[glue.start():]))
                printed = m.group(0)
                code = re.sub(r"\s+", "", printed).translate(CYR_TO_LAT)
                if code.startswith("4S"):
                    family = "tvet-qualification"
                elif code.startswith("5AB"):
                    family = "applied-bachelor-qualification"
                elif code.startswith("5B"):
                    family = "higher-specialty-legacy"
                    self.notes.append(Note(no, "glitch", self.base, f"pre-2018 higher-education specialty "
                                           f"code {printed} among current codes", printed))
                elif code.startswith("6B"):
                    family = "higher-group"
                else:
                    family = "applied-bachelor-specialty" if applied else "tvet-specialty"
                    if len(code) != 8:
                        self.notes.append(Note(no, "glitch", self.base, f"TVET specialty code {printed} has "
                                               f"{len(code)} digits instead of 8 (truncated)", printed))
                if " " in printed:
                    self.notes.append(Note(no, "glitch", self.base, f"education code printed with a space: "
                                           f"{printed!r}", printed))
                self.card.education.append(EducationRef(family, code, printed, title, no))

    # -- checks ---------------------------------------------------------------------------------

    def finish(self) -> None:
        c = self.card
        for lab, text in REQUIRED_ROWS.items():
            if lab not in self.seen:
                raise self.error(c.line, f"the card '{c.title}' (l.{c.line}–{c.end_line}) has no row '{text}'")
        if not c.functions:
            raise self.error(c.line, f"the card '{c.title}' (l.{c.line}) has no labour function heading "
                             "('Кәсіби қызметі N. …')")
        numbers = [f.number for f in c.functions]
        if numbers != list(range(1, len(numbers) + 1)):
            self.notes.append(Note(c.functions[0].line, "glitch", self.base,
                                   f"labour functions numbered {numbers}"))
        if len(c.main_functions) != len(c.functions):
            self.notes.append(Note(self.seen["main_functions"], "glitch", self.base,
                                   f"the main list names {len(c.main_functions)} labour functions, the card "
                                   f"details {len(c.functions)}"))
        for fi, fn in enumerate(c.functions, 1):
            if not fn.tasks:
                raise self.error(fn.line, "a labour function without tasks ('N-міндет:')")
            tnum = [t.number for t in fn.tasks]
            if None in tnum:
                self.notes.append(Note(fn.tasks[tnum.index(None)].line, "glitch", f"{self.base}/function/{fi}",
                                       "task printed as 'Міндет:' without its number", "Міндет:"))
            elif tnum != list(range(1, len(tnum) + 1)):
                self.notes.append(Note(fn.line, "glitch", f"{self.base}/function/{fi}",
                                       f"tasks numbered {tnum}"))
            for ti, t in enumerate(fn.tasks, 1):
                if not t.knowledge or not t.skills:
                    raise self.error(t.line, f"the task of l.{t.line} lacks its "
                                     f"{'knowledge (Білім:)' if not t.knowledge else 'skills (Білік пен дағдылары:)'}")


def parse_card(lines: list[str], path: Path, appendix: int, start: int, end: int, notes: list[Note]) -> Card:
    """Parse one card: ``start`` is the 0-based index of its «КӘСІПТЕР КАРТОЧКАСЫ:» line, ``end`` exclusive."""
    return CardParser(lines, path, appendix, start, end, notes).run()
