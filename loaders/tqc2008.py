"""Structural parser of the 2008 characteristics (``tqc-2008-kk.txt``): text -> typed records.

The layout (``docs/sources.md`` §2.2–2.5), which is the only thing this parser relies on:

* a preamble (the order), then three sections, each opened by a column-0 line ``"N. …"`` (N = 1, 2,
  3 in order) whose heading runs until the phrase «Үлгі Біліктілік сипаттамалары»; an editorial
  note («Ескерту. …», indented) may interrupt a heading, and the heading's tail may share its line
  with the first title (§3, l.778);
* position blocks, unnumbered: a title of column-0 lines, then indented labelled paragraphs —
  duties («Қызметтік/Лауазымдық міндеттер(і):»), knowledge («Білуге міндетті:»), requirements
  («Біліктілікке қойылатын талаптар:», possibly in the middle of a line); unlabelled indented
  paragraphs continue the current part; a paragraph «… үшін қосымша:» / «Қосымша … үшін:» opens an
  add-on role; «Ескерту. …» paragraphs are editorial notes;
* column-0 lines continue the current paragraph, except a run of column-0 lines that follows a
  blank line after a finished sentence *and* is followed by a duty label (or a note): that run is
  the next title (or a section heading).

Nothing here knows a title or a line number of the file.  Blocks are split by
:mod:`loaders.tqc2008_blocks`, requirement phrases parsed by :mod:`loaders.tqc2008_requirements`
(education paths, degrees, experience), into the records of :mod:`loaders.tqc2008_records`.
"""
from __future__ import annotations

import re
from pathlib import Path

from .base import LoaderWarning, SourceError, TextItem
from .text_join import read_lines
from .tqc2008_blocks import Concat, JoinedLines, Scanner, classify, duty_sentences, knowledge_areas
from .tqc2008_records import AddOn, Anomaly, Block, Document2008, EditorialNote, Section
from .tqc2008_requirements import mask_quoted, parse_requirement

# --------------------------------------------------------------------------- title patterns and organisation types
GENITIVE = re.compile(r"(ның|нің|дың|дің|тың|тің)$")
ABBREVIATION = re.compile(r"^[А-ЯӘҒҚҢӨҰҮҺІЁA-Z]{2,}$")


def _org_rules(*rules: tuple[str, str]) -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(p, re.I), slug) for p, slug in rules)


#: organisation types named in headings and titles (kzcode:org-type slugs), first match wins
ORG_RULES = _org_rules(
    (r"жоғары\s+(?:және\s+жоғары\s+білімнен\s+кейінгі\s+)?(?:білім\s+ұйым|оқу\s+орн)", "higher"),
    (r"техникалық\s+және\s+кәсіптік|орта\s+оқу\s+орнынан\s+кейінгі", "tvet"),
    (r"біліктілікті\s+көтеретін\s+институт", "adult-training"),
    (r"мектепке\s+дейінгі", "preschool"),
    (r"консультация|ПМПК", "special"),
    (r"лагер", "camp"),
    (r"мектептен\s+тыс|қосымша\s+білім", "additional-children"),
    (r"жалпы\s+(?:орта\s+)?білім|мектеп|лицей|гимназия|интернат", "secondary"),
)

#: kinds of organisation only the 2008 text names; a title naming one overrides its section's type
ORG_RULES_SPECIFIC = _org_rules(
    (r"оқу-өндірістік\s+комбинат", "training-production-complex"),
    (r"лагер", "camp"),
    (r"дарынды\s+балалармен", "gifted-centre"),
    (r"спорт\s+ұйым", "sports"),
)


# --------------------------------------------------------------------------- titles, notes, organisation types
def _org_type(text: str, rules=ORG_RULES) -> str | None:
    """The kind of organisation named first in ``text`` (None if it names none)."""
    hits = sorted((m.start(), slug) for rx, slug in rules if (m := rx.search(text)))
    return hits[0][1] if hits else None


def _split_titles(title: str, heads: set[str]) -> tuple[str, ...]:
    """Split a joint title «X-тың аға тәлімгері, тәлімгер» where a comma follows a position noun."""
    masked = mask_quoted(title)
    parts, a = [], 0
    for m in re.finditer(r",\s*", masked):
        seg = title[a:m.start()]
        last = re.sub(r"\(.*?\)", "", seg).split()[-1:] or [""]
        if _is_head(last[0], heads):
            parts.append(seg.strip())
            a = m.end()
    parts.append(title[a:].strip())
    return tuple(p for p in parts if p)


def _is_head(word: str, heads: set[str]) -> bool:
    w = word.lower()
    for h in heads:
        short, long_ = sorted((w, h), key=len)
        if long_.startswith(short) and long_[len(short):] in ("", "ы", "і", "сы", "сі"):
            return True
    return False


def _head(title: str) -> str:
    words = re.sub(r"\([^)]*\)\s*$", "", title).split()
    return words[-1].lower().strip(",") if words else ""


def _aliases(title: str) -> tuple[str, ...]:
    m = re.search(r"\(([^()]+)\)\s*$", title)
    if not m:
        return ()
    inner = m.group(1).strip()
    last = inner.split()[-1]
    if "," in inner or GENITIVE.search(last) or ABBREVIATION.match(inner):
        return ()
    return (inner,)


def _note(item: TextItem) -> EditorialNote:
    text = item.text
    order = re.search(r"N\s*(\d+)", text)
    date = re.search(r"\d{2}\.\d{2}\.\d{4}", text)
    replaced: tuple[str, ...] = ()
    replacement = None
    if (k := text.find("деген сөздер")) > 0 and "ауыстырылды" in text:
        replaced = tuple(re.sub(r"\s+", " ", q).strip()
                         for q in re.findall(r'"([^"]+)"', text[:k]))
        rest = re.findall(r'"([^"]+)"', text[k:])
        replacement = re.sub(r"\s+", " ", rest[0]).replace("( ", "(").strip() if rest else None
    return EditorialNote(item, order.group(1) if order else None,
                         date.group(0) if date else None, replaced, replacement)


def _old_term_cores(notes: list[EditorialNote]) -> list[tuple[str, list[str]]]:
    """Word sequences of the education terms a note replaced ("орта кәсіптік (…) білім" -> орта кәсіптік)."""
    cores = []
    for n in notes:
        for term in n.replaced_terms:
            words = re.sub(r"\([^)]*\)?", " ", term).split()
            words = [w for w in words if w not in ("білім", "немесе")]
            if words:
                cores.append((term, words))
    return cores


# --------------------------------------------------------------------------- the document
def parse(path: str | Path) -> Document2008:
    """Parse ``tqc-2008-kk.txt`` into sections and position blocks.

    :raises SourceError: when the structure is missing (no section heading, a block without a
        duty, knowledge or requirement label, …), naming the file and the line.
    """
    path = Path(path)
    try:
        lines = read_lines(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(path, None, f"cannot read the source: {exc.__class__.__name__}") from None
    scanner = Scanner(path, lines)
    warnings: list[LoaderWarning] = []
    scanner.warnings = warnings

    def warn(line: int | None, code: str, message: str) -> None:
        warnings.append(LoaderWarning(path.name, line, code, message))

    scanner.scan()
    if len(scanner.sections) != 3:
        warn(scanner.sections[-1].line, "section-count",
             f"{len(scanner.sections)} sections found where the annex has 3")
    sections: list[Section] = []
    all_notes: list[EditorialNote] = []
    for rs in scanner.sections:
        notes = tuple(_note(JoinedLines(p.lines, lines).item(0)) for p in rs.notes)
        all_notes += notes
        heading = re.sub(r"^\d+\.\s*", "", rs.heading or "")
        kinds = {slug for rx, slug in ORG_RULES if rx.search(heading)}
        sections.append(Section(rs.number, heading, rs.line, rs.end_line,
                                kinds.pop() if len(kinds) == 1 else None, notes, rs.glued_line))
    heads = {_head(" ".join(l.strip() for _, l in rb.title_lines)) for rb in scanner.blocks}
    blocks: list[Block] = []
    slices: dict[str, list] = {}
    for rb in scanner.blocks:
        title_line = rb.title_lines[0][0]
        parts = classify(rb, title_line, scanner)
        title = JoinedLines(rb.title_lines, lines).text
        if not parts.requirements:
            raise SourceError(path, title_line, f"the block «{title}» has no «Біліктілікке "
                                                "қойылатын талаптар:» label")
        sec = sections[rb.section - 1]
        index = sum(1 for b in blocks if b.section == rb.section) + 1
        for n in parts.notes:
            all_notes.append(_note(n))
        know = Concat([(sl, st) for sl, st in parts.knowledge], lines)
        duties = [d for sl, st, g in parts.duties for d in duty_sentences(sl, st, g)]
        addons = []
        for role, slot in parts.addons.items():
            ad = [d for sl, st in slot["duties"] for d in duty_sentences(sl, st, None)]
            ak = Concat(slot["knowledge"], lines).item() if slot["knowledge"] else None
            ends = [d.item.end_line for d in ad] + ([ak.end_line] if ak else [])
            addons.append(AddOn(role, slot["line"], max(ends, default=slot["line"]), tuple(ad), ak))
        reqs = tuple(parse_requirement(sl, st, mid, warn) for sl, st, mid in parts.requirements)
        for r in reqs:
            if not r.item.text.endswith("."):
                warn(r.item.end_line, "unfinished-requirement",
                     f"the requirement of «{title}» does not end with a full stop: "
                     f"is the text cut? «…{r.item.text[-40:]}»")
        end_line = max(p.lines[-1][0] for p in rb.paras)
        while not lines[end_line - 1].strip():
            end_line -= 1
        block = Block(
            section=rb.section, index=index, title=title, line=title_line,
            title_end_line=rb.title_lines[-1][0], titles=_split_titles(title, heads),
            aliases=_aliases(title), org_type=(_org_type(title, ORG_RULES_SPECIFIC) or sec.org_type
                      or _org_type(title) or "other"),
            duties=tuple(duties), knowledge=know.item(), areas=knowledge_areas(know),
            requirements=reqs, addons=tuple(addons),
            notes=tuple(_note(n) for n in parts.notes), end_line=end_line)
        blocks.append(block)
        slices[block.key] = [sl for sl, _, _ in parts.requirements]
    m = re.search(r"N\s*(\d+)\s+Бұйрығы", " ".join(lines[:15]))
    doc = Document2008(path, JoinedLines([(i + 1, l) for i, l in enumerate(lines[:4])], lines).text,
                       m.group(1) if m else None, sections, blocks, warnings=warnings)
    _find_anomalies(doc, all_notes, slices)
    return doc


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace('"', "")).strip().lower()


def _find_anomalies(doc: Document2008, notes: list[EditorialNote], slices: dict) -> None:
    out = doc.anomalies
    for s in doc.sections:
        if s.glued_tail_line:
            out.append(Anomaly(
                "glitch", s.glued_tail_line, "Үлгі Біліктілік сипаттамалары",
                f"the tail «Үлгі Біліктілік сипаттамалары» of the heading of section {s.number} "
                f"(l.{s.line}) is printed after an editorial note, on the line of the first "
                "position title", block=next(b.key for b in doc.blocks if b.section == s.number)))
    # a block with two requirement labels: is one of them another block's requirement?
    for b in doc.blocks:
        if len(b.requirements) < 2:
            continue
        copies = []
        for i, r in enumerate(b.requirements):
            twins = [o for o in doc.blocks if o is not b and any(
                _norm(x.item.text) == _norm(r.item.text) for x in o.requirements)]
            # a wording shared by exactly one other block is that block's own; a wording many
            # blocks share is a common formula and proves nothing
            if len(twins) == 1:
                twin = twins[0]
                copies.append(i)
                out.append(Anomaly(
                    "copy-paste", r.item.line, r.item.text,
                    f"block {b.key} has {len(b.requirements)} requirement labels; requirement "
                    f"{i + 1} (l.{r.item.line}–{r.item.end_line}) is word for word the "
                    f"requirement of block {twin.key} «{twin.title}» (l.{twin.requirements[0].item.line})",
                    block=b.key, related=twin.key, index=i))
        if not copies:
            out.append(Anomaly("glitch", b.requirements[1].item.line, b.requirements[1].item.text,
                               f"block {b.key} has {len(b.requirements)} requirement labels",
                               block=b.key, index=1))
    # a title that is another block's title plus a possessive ending
    for b in doc.blocks:
        for o in doc.blocks:
            t, u = b.title.lower(), o.title.lower()
            if t != u and t.startswith(u) and t[len(u):] in ("ы", "і", "сы", "сі"):
                out.append(Anomaly(
                    "typo", b.line, b.title,
                    f"title «{b.title}» carries a possessive ending: block {o.key} (l.{o.line}) "
                    f"spells the same title «{o.title}»", block=b.key, related=o.key))
    # education terms an amendment replaced "throughout the text" that survive in requirements
    cores = _old_term_cores(notes)
    replacement_paren = re.compile(r"\(\s*арнайы\s+орта,\s*кәсіптік\s+орта\s*\)")
    for b in doc.blocks:
        for i, (r, sl) in enumerate(zip(b.requirements, slices[b.key])):
            text = replacement_paren.sub(lambda m: " " * len(m.group(0)), r.item.text)
            text = re.sub(r"техникалық\s+және\s+кәсіптік", lambda m: " " * len(m.group(0)), text)
            base = sl.text.index(r.item.text)
            for words in {tuple(w) for _, w in cores}:
                orders = [list(words)] + ([list(words[::-1])] if len(words) == 2 else [])
                for ws in orders:
                    m = re.search(r"(?<![\w-])" + r"\s+".join(map(re.escape, ws)) + r"(?![\w-])", text)
                    if m:
                        line = sl.line_at(base + m.start())
                        order = "" if ws == list(words) else " (words in reverse order)"
                        after = set(re.findall(r"[\w-]+", text[m.end():m.end() + 50].lower()))
                        term = max((t for t, w in cores if tuple(w) == words),
                                   key=lambda t: (len(after & set(re.findall(r"[\w-]+", t))), len(t)))
                        n = next(n for n in notes if term in n.replaced_terms)
                        out.append(Anomaly(
                            "glitch", line, r.item.text[m.start():m.end() + 30].strip(),
                            f"the old education term «{term}»{order} survives in block {b.key}, "
                            f"although the note at l.{n.item.line} (Order N {n.amending_order}) "
                            f"replaced it throughout the text by «{n.replacement}»",
                            block=b.key, index=i))
                        break
                else:
                    continue
                break
