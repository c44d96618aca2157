"""Requirement phrases of the 2008 characteristics: education paths, degrees, experience.

A requirement paragraph is one Kazakh sentence of alternatives («… немесе …»), each possibly with
its own condition («… үшін -») and experience clause («кем дегенде N жыл …»).
"""
from __future__ import annotations

import re
from decimal import Decimal

from .tqc2008_records import EducationPath, Experience, Requirement

# --------------------------------------------------------------------------- requirements
NUMBER_WORDS = {"бір": 1, "екі": 2, "үш": 3, "төрт": 4, "бес": 5, "алты": 6, "жеті": 7,
                "сегіз": 8, "тоғыз": 9, "он": 10}
_NUM = r"\d+(?:[.,]\d+)?|" + "|".join(NUMBER_WORDS)
YEARS = re.compile(rf"кем\s+дегенде\s+(?P<a>{_NUM})\s+жыл(?:дан)?"
                   rf"|(?<![\w.,-])(?P<b>{_NUM})\s+жыл(?:дан)?\s+кем\s+(?:болмауы|емес)", re.I)
ANY_YEARS = re.compile(rf"(?<![\w-])(?:{_NUM})\s+жыл", re.I)
CLAUSE_START = re.compile(r"(?:(?<=білім)|(?<=білімі)|(?<=дәрежесі)|(?<=атағы)|(?<=\)))"
                          r"\s*(?:,|\s+және\s*,?|\s+немесе)\s+|,\s+(?:оның\s+ішінде|немесе)\s+")
CLAUSE_TAIL = re.compile(r"(?:\s+(?:жұмыс|еңбек)\s+өтілі)?(?:\s+бар)?(?:\s+бол(?:мауы|уы))?"
                         r"(?:\s+тиіс)?")
KIND_CUES = (
    ("managerial", re.compile(r"басшы\w*\s+(?:қызмет|лауазым)\w*|басқару\s+(?:лауазым|орган)\w*"
                              r"|жетекші\s+лауазым\w*")),
    ("pedagogical", re.compile(r"(?:ғылыми-)?педагогикалық\s+(?:еңбек|жұмыс|қызмет|лауазым|өтіл)\w*")),
    ("specialty", re.compile(r"мамандығы\s+бойынша|бейін\w*(?:\s+сәйкес)?|профил\w*(?:\s+сай)?")),
)
IN_POSITION = re.compile(r"^(?P<pos>.+?)\s+қызметінде\s+кем\s+дегенде")
HIGHER = re.compile(r"(?<![\w-])жоғары(?![\w-])")
TVET = re.compile(r"техникалық\s+және\s+кәсіптік|орта\s+кәсіптік|кәсіптік\s+орта|арнаулы\s+орта"
                  r"|арнайы\s+орта")
# every pattern that may run over masked text (long blanked runs) starts where a run starts:
# (?<!\s) keeps the search linear
PATH_SPLIT = re.compile(r"(?<!\s)(?:\s*,)?\s+(?:немесе|не\s+болмаса)\s+"
                        r"|(?<=білім)\s+және\s+(?=техникалық\s+және\s+кәсіптік|жоғары)")
CONDITION = re.compile(r"(?:^|,\s*)(?P<cond>[^,]{1,200}?\s+үшін)\s*-\s*")
TRAILING_WORDS = {"болуы", "тиіс", "және", "немесе"}


def _trim(seg: str) -> str:
    """A path phrase without its trailing «болуы тиіс», «және», punctuation (whitespace collapsed)."""
    words = seg.replace(",", " , ").split()
    while words and (words[-1] in TRAILING_WORDS or words[-1] in (",", ".")):
        words.pop()
    return " ".join(words).replace(" , ", ", ").strip(" ,.")


def mask_quoted(text: str) -> str:
    """Blank out (…) and "…" contents with «·», keeping offsets, so that words and separators
    inside them are ignored (and no long whitespace run is made for a regex to backtrack over)."""
    if not any(c in text for c in '()"'):
        return text
    out, depth, quote, last = [], 0, False, 0
    for m in re.finditer(r'[()"]', text):
        seg = text[last:m.start()]
        out.append("·" * len(seg) if (depth or quote) else seg)
        ch = m.group(0)
        if ch == '"':
            quote = not quote
        elif ch == "(":
            depth += 1
        else:
            depth = max(depth - 1, 0)
        out.append(ch)
        last = m.end()
    seg = text[last:]
    out.append("·" * len(seg) if (depth or quote) else seg)
    return "".join(out)


def _years(m: re.Match[str]) -> Decimal:
    n = (m.group("a") or m.group("b")).lower()
    return Decimal(NUMBER_WORDS[n]) if n in NUMBER_WORDS else Decimal(n.replace(",", "."))


def _kinds(clause: str) -> list[tuple[str, ...]]:
    """Experience kinds named in a clause; several lists when cues are joined by «немесе»."""
    cues = sorted((m.start(), m.end(), kind) for kind, rx in KIND_CUES for m in rx.finditer(clause))
    if not cues:
        return [("any",)]
    alts: list[list[str]] = [[cues[0][2]]]
    for (_, e1, k1), (s2, _, k2) in zip(cues, cues[1:]):
        if clause[e1:s2].strip() == "немесе" and k1 != k2:
            alts.append([k2])
        elif k2 not in alts[-1]:
            alts[-1].append(k2)
    return [tuple(a) for a in alts]


def parse_requirement(sl, start: int, mid: bool, warn) -> Requirement:
    item = sl.item(start)
    text = item.text
    base = sl.text.index(text, start)
    masked = mask_quoted(text)
    found: list[dict] = []
    cut = list(text)
    prev_end, group = 0, 0
    for m in YEARS.finditer(masked):
        seps = [c for c in CLAUSE_START.finditer(masked, prev_end) if c.end() <= m.start()]
        sep = seps[-1] if seps else None
        a = sep.end() if sep else prev_end
        end = CLAUSE_TAIL.match(masked, m.end()).end()
        clause = text[a:end].strip()
        sep_text = sep.group(0) if sep else ""
        line = sl.line_at(base + a)
        inner = bool(found) and bool(re.search(r"оның\s+ішінде", sep_text))
        alternative = bool(found and sep and sep.start() == prev_end and "немесе" in sep_text)
        if not (inner or alternative):
            group += 1
        applies_next = clause.endswith("бар")
        for kinds in _kinds(clause):
            pos = IN_POSITION.match(clause)
            entry = dict(years=_years(m), kinds=("in-position",) if pos else kinds, text=clause,
                         line=line, group=group, in_position=pos.group("pos") if pos else None,
                         next=end if applies_next else None)
            if inner:
                found[-1]["inner"] = entry
                break
            found.append(entry)
        keep_sep = sep is not None and "," not in sep_text and "және" not in sep_text
        c0 = a if (sep is None or keep_sep) else sep.start()
        cut[c0:end] = [" "] * (end - c0)
        prev_end = end
    for m in ANY_YEARS.finditer(masked):
        if not any(e["text"] and e["text"] in text and text.index(e["text"]) <= m.start()
                   < text.index(e["text"]) + len(e["text"]) for e in found + [
                       f.get("inner", {}) for f in found] if e):
            warn(sl.line_at(base + m.start()), "unparsed-experience",
                 f"a number of years that is not read as an experience requirement: "
                 f"«{text[m.start():m.end() + 10]}…»")
    edu = "".join(cut)
    paths, review = _paths(edu, text, found)

    def build(e: dict) -> Experience:
        inner = build(e["inner"]) if e.get("inner") else None
        level = None
        if e.get("next") is not None:
            level = next((p.level for off, p in paths if off >= e["next"]), None)
        return Experience(e["years"], e["kinds"], e["text"], e["line"], e["group"],
                          e["in_position"], inner, level)

    return Requirement(item, tuple(p for _, p in paths), tuple(build(e) for e in found),
                       mid, tuple(review))


def _degrees(edu: str) -> tuple[str, list[dict]]:
    """Cut degree and academic-title items out of the education text."""
    masked = mask_quoted(edu)
    items, cut, prev = [], list(edu), 0
    for m in re.finditer(r"дәрежесі|атағы", masked):
        seps = [s.end() for s in re.finditer(r",\s*|(?<!\s)\s+және\s+", masked[:m.start()])]
        a = max([prev] + [s for s in seps if s >= prev])
        body, mbody = edu[a:m.end()], masked[a:m.end()]
        alt = bool(re.match(r"\s*(?:немесе|не\s+болмаса)\s", mbody))
        if m.group(0) == "атағы":
            items.append({"title": True, "alt": alt})
        else:
            codes = []
            for w in re.finditer(r"докторы|кандидаты|PhD|магистр", mbody):
                code = {"докторы": "doctor-of-sciences", "кандидаты": "candidate-of-sciences",
                        "PhD": "phd", "магистр": "master"}[w.group(0)]
                codes.append(code)
            fm = re.search(r"(?<!\s)\s+ғылымдарының", mbody)
            field_words = mbody[max(0, fm.start() - 60):fm.start()].split() if fm else []
            items.append({"degrees": codes, "alt": alt,
                          "field": field_words[-1] if field_words else None,
                          "text": body.strip()})
        cut[a:m.end()] = [" "] * (m.end() - a)
        prev = m.end()
    return "".join(cut), items


def _paths(edu: str, full: str, exps: list[dict]) -> tuple[list[tuple[int, EducationPath]], list[str]]:
    """Education paths (alternatives) with the degrees and title they need."""
    review: list[str] = []
    edu, deg_items = _degrees(edu)
    degrees: list[str] = []
    field_ = None
    title_required = title_alt = False
    for it in deg_items:
        if it.get("title"):
            title_alt, title_required = (True, title_required) if it["alt"] else (title_alt, True)
        else:
            degrees += [d for d in it["degrees"] if d not in degrees]
            field_ = field_ or it["field"]
    parts: list[tuple[int, str, str | None]] = []     # (offset, text, condition)
    cm = CONDITION.search(mask_quoted(edu))
    chunks = [(0, edu[:cm.start()] if cm else edu, None)]
    if cm:
        chunks.append((cm.end(), edu[cm.end():], re.sub(r"\s+", " ", cm.group("cond")).strip()))
    for off, chunk, cond in chunks:
        masked = mask_quoted(chunk)
        if re.search(r"(?<=білім)\s+және\s+(?=техникалық\s+және\s+кәсіптік|жоғары)", masked) or \
                re.search(r"білімі?\s+және\s+(?=техникалық|жоғары)", masked):
            review.append("two education levels joined by «және»: both required, or either?")
        a = 0
        for m in list(PATH_SPLIT.finditer(masked)) + [None]:
            b = m.start() if m else len(chunk)
            seg = chunk[a:b]
            clean = _trim(seg)
            if clean:
                parts.append((off + a + len(seg) - len(seg.lstrip()), clean, cond))
            a = m.end() if m else b
    paths: list[tuple[int, EducationPath]] = []
    for off, seg, cond in parts:
        mseg = mask_quoted(seg)
        hm, tm = HIGHER.search(mseg), TVET.search(mseg)
        level = None
        if hm or tm:
            level = "higher" if hm and (not tm or hm.start() < tm.start()) else "tvet"
        profile = _profile(seg)
        if level is None and not profile and paths:
            o, prev = paths[-1]
            if re.search(r"білім", prev.text):
                review.append(f"«{seg}» names no education level: read with «{prev.text}»")
            paths[-1] = (o, EducationPath(**{**prev.__dict__, "text": f"{prev.text} немесе {seg}"}))
            continue
        inferred = level is None and bool(paths)
        if inferred:
            level = paths[-1][1].level
        if level is None:
            review.append(f"no education level in «{seg}»")
            level = "higher"
        extra = dict(degrees=tuple(degrees), degree_field=field_,
                     academic_title=title_required) if level == "higher" else {}
        paths.append((off, EducationPath(
            level=level, text=seg, pedagogical=True if re.search(r"педагогикалық", mseg) else None,
            profile=profile, additional=bool(re.search(r"қосымша|қайта\s+даярлау", mseg)),
            condition=cond, level_inferred=inferred, **extra)))
    if title_alt:       # "… дәрежесі, не болмаса ғылыми атағы": a second way through the title
        for off, p in list(paths):
            if p.level == "higher" and p.degrees:
                paths.append((off, EducationPath(**{**p.__dict__, "degrees": (),
                                                    "degree_field": None, "academic_title": True})))
                break
    return paths, review


def _profile(seg: str) -> str | None:
    if m := re.search(r'"([^"]+)"\s+мамандығы', seg):
        return m.group(1).strip()
    for m in re.finditer(r"(?<!\s)\s+мамандығы\s+бойынша", seg):
        before = seg[max(0, m.start() - 60):m.start()].split()
        if before and re.fullmatch(r"[\w-]+", before[-1]):
            return before[-1]
    for m in re.finditer(r"\(([^)]*)\)|/([^/]*)/", seg):
        inner = (m.group(1) or m.group(2) or "").strip()
        if inner and not TVET.search(inner):
            return inner
    return None
