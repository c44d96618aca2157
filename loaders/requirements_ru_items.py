"""Reading one item of a "Требования к квалификации" point into education paths and experience rules.

The item shapes are listed in :mod:`loaders.requirements_ru`; the rules of the whole point (and its
ladder check) are assembled there.
"""
from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Sequence

from .base import TextItem
from .requirements_ru_records import DraftRule, EducationPath, level_family
from .requirements_ru_vocab import (
    ADMIN_HEADER_RE, ALT_START_RE, CATEGORY_CODE, CATEGORY_RE, CERT_RE, CONDITION_RE, DEGREE_RE, EDU_KW_RE,
    IN_TOTAL_RE, LEAD_AND_OR_RE, MANAGER_SCHEME_RE, MASK, NOEXP_RE, NORIGHTS_RE, NORMALISE, OFFICER_RE, OR_RE,
    PROFILE_ADJ_RE, PROFILE_PHRASE_RE, PROFILE_QUOTED_RE, QUAL_HEADER_RE, RECENT_RE, RETRAIN_ADD_RE,
    SETTLEMENT_RE, STAZH_RE, TEACHING_ADDON_RE, TYPOS, YEARS_RE, MaskedSpan, experience_kind, in_quotes,
    levels_from_condition, paren_depth, parse_number)
from .text_join import line_at, line_starts

if TYPE_CHECKING:
    from .requirements_ru import PointState


class ItemParser:
    def __init__(self, item: TextItem, state: "PointState") -> None:
        self.item = item
        self.state = state
        self.t = item.text.translate(NORMALISE)
        hm = QUAL_HEADER_RE.match(self.t)
        self.begin = hm.end() if hm else 0
        self.starts = line_starts(item)

    # ---- positions
    def line(self, offset: int) -> int:
        return line_at(self.starts, offset)

    def raw(self, a: int, b: int) -> str:
        return self.item.text[a:b].strip(" ,;.")

    def note(self, offset: int, kind: str, message: str, quoted: str) -> None:
        self.state.note(self.line(offset), kind, message, quoted)

    # ---- entry
    def parse(self) -> None:
        t, b = self.t, self.begin
        body = t[b:]
        if not body.strip():
            return
        self.typo_notes()
        am = ADMIN_HEADER_RE.match(body)
        if am and len(body.strip()) < 80 and not YEARS_RE.search(body):
            self.state.admin = "oblast" if am.group("lvl").lower().startswith("област") \
                else "district"
            return
        if TEACHING_ADDON_RE.match(body):
            self.parse_addon()
            return
        lead = LEAD_AND_OR_RE.match(body)
        rest = b + (lead.end() if lead else 0)
        if MANAGER_SCHEME_RE.search(body) and not STAZH_RE.search(body):
            return
        if CATEGORY_RE.search(t, rest) and (YEARS_RE.search(t, rest) or STAZH_RE.search(t, rest)):
            self.parse_ladder(rest)
        else:
            self.parse_base(rest)

    def typo_notes(self) -> None:
        t = self.t
        for rx, canon in TYPOS:
            for m in rx.finditer(t, self.begin):
                self.note(m.start(), "typo", f"'{m.group(0)}' printed for '{canon}'",
                          self.item.text[m.start():m.end()])
        for m in re.finditer(r"\bпри\s+(?=(?:высш|сред)\w*\s+(?:и\s+\S+\s+)?уровн)", t):
            self.note(m.start(), "typo", "'при' without 'наличии' before a qualification level",
                      self.item.text[m.start():m.start() + 40].strip())
        if t.count('"', self.begin) % 2:
            pos = t.rfind('"')
            self.note(pos, "glitch", "unbalanced quotation mark",
                      self.item.text[max(self.begin, pos - 30):pos + 1].strip())

    # ---- special spans
    def spans(self, start: int) -> list[MaskedSpan]:
        t = self.t
        found: list[MaskedSpan] = []
        for kind, rx in (("noexp", NOEXP_RE), ("officer", OFFICER_RE), ("degree", DEGREE_RE),
                         ("retrain", RETRAIN_ADD_RE), ("cert", CERT_RE),
                         ("norights", NORIGHTS_RE)):
            for m in rx.finditer(t, start):
                if m.end() == m.start():
                    continue
                if any(m.start() < s.end and s.start < m.end() for s in found):
                    continue
                found.append(MaskedSpan(m.start(), m.end(), kind, m))
        found.sort(key=lambda s: s.start)
        return found

    def masked(self, spans: Sequence[MaskedSpan]) -> str:
        chars = list(self.t)
        for s in spans:
            for k in range(s.start, s.end):
                chars[k] = MASK
        return "".join(chars)

    def additional_path(self, s: MaskedSpan) -> EducationPath | None:
        raw = self.item.text[s.start:s.end].strip()
        line = self.line(s.start)
        if s.kind == "degree":
            desirable = bool(s.match.group("des")) or bool(s.match.group("ifany"))
            if s.match.group("ifany"):
                self.note(s.start, "ambiguous-rule",
                          "degree required '(при наличии)' (if any); read as desirable", raw)
            return EducationPath(level="academic-degree", desirable=desirable, raw=raw, line=line,
                                 additional=True, admin_level=self.state.admin)
        if s.kind == "retrain":
            return EducationPath(level="pedagogical-retraining",
                                 pedagogical=True if re.search(r"педагогическ", raw, re.I)
                                 else None, raw=raw, line=line, additional=True,
                                 admin_level=self.state.admin)
        if s.kind == "cert":
            return EducationPath(level="course-certificate", raw=raw, line=line, additional=True,
                                 admin_level=self.state.admin)
        return None

    # ---- teaching add-on
    def parse_addon(self) -> None:
        t = self.t
        for m in YEARS_RE.finditer(t, self.begin):
            st = STAZH_RE.search(t, self.begin, m.start())
            desc_start = st.start() if st else m.start()
            kind, pos, setting = experience_kind(t[desc_start:m.start()])
            d = DraftRule(parse_number(m.group("a")), parse_number(m.group("b")), self.raw(desc_start, m.end()),
                       self.line(m.start()), kind=kind, in_position=pos, setting=setting,
                       condition="teaching-activity")
            self.state.rules.append(d)

    # ---- ladder items
    def parse_ladder(self, rest: int) -> None:
        spans = [s for s in self.spans(rest) if s.kind in ("degree", "noexp")]
        mt = self.masked(spans)
        # condition and kind of experience
        cond = None
        for cm in CONDITION_RE.finditer(mt, rest):
            what = cm.group("what")
            if re.search(r"уровн|образовани", what, re.I):
                cond = cm
                break
        levels = levels_from_condition(cond.group("what")) if cond else ()
        st = STAZH_RE.search(mt, rest)
        kind, pos, setting = ("any", None, None)
        if st:
            stop = len(mt)
            for rx in (re.compile(r":"), CATEGORY_RE, YEARS_RE, SETTLEMENT_RE):
                m2 = rx.search(mt, st.end())
                if m2:
                    stop = min(stop, m2.start())
            kind, pos, setting = experience_kind(mt[st.start():stop])
        # tokens
        tokens: list[tuple[int, str, re.Match | MaskedSpan]] = []
        for m in CATEGORY_RE.finditer(mt, rest):
            tokens.append((m.start(), "cat", m))
        for m in YEARS_RE.finditer(mt, rest):
            tokens.append((m.start(), "years", m))
        for m in SETTLEMENT_RE.finditer(mt, rest):
            tokens.append((m.start(), "settle", m))
        for s in spans:
            if s.kind == "degree":
                tokens.append((s.start, "degree", s))
            elif s.kind == "noexp":
                self.state.no_exp = True
        tokens.sort(key=lambda x: x[0])
        pending: list[str] = []
        consumed = False
        last_emitted: list[str] = []
        settlement = None
        seg_start = rest
        prev_end = rest
        for pos_, kind_, obj in tokens:
            if kind_ == "cat":
                m = obj  # type: ignore[assignment]
                code = CATEGORY_CODE.get((m.group("c") or "").lower(), "pedagog")
                if consumed:
                    pending, consumed = [], False
                    seg_start = self._seg_start(mt, prev_end, m.start())
                pending.append(code)
            elif kind_ == "settle":
                settlement = "urban" if obj.group("s").lower().startswith("город") else "rural"
            elif kind_ == "years":
                m = obj
                cats = pending or [None]
                raw = self.raw(seg_start, m.end())
                for c in cats:
                    d = DraftRule(parse_number(m.group("a")), parse_number(m.group("b")), raw, self.line(m.start()),
                               kind=kind, in_position=pos, setting=setting, settlement=settlement,
                               category=c, levels=levels, level_stated=bool(levels))
                    self.state.rules.append(d)
                last_emitted = [c for c in cats if c]
                consumed = True
                prev_end = m.end()
            elif kind_ == "degree":
                path = self.additional_path(obj)  # type: ignore[arg-type]
                if path is not None:
                    for_c = tuple(last_emitted if consumed else pending)
                    self.state.paths.append(replace(path, for_categories=for_c))

    @staticmethod
    def _seg_start(mt: str, prev_end: int, cat_start: int) -> int:
        m = re.search(r"для\s*$", mt[prev_end:cat_start])
        return prev_end + m.start() if m else cat_start

    # ---- base items
    def parse_base(self, rest: int) -> None:
        self._paths_before = len(self.state.paths)
        spans = self.spans(rest)
        mt = self.masked(spans)
        starts_with_or = bool(re.match(r"\s*или\b", mt[rest:], re.I))
        # pieces split on top-level "или"
        cuts = [rest]
        for m in OR_RE.finditer(mt, rest):
            if paren_depth(mt, m.start()) > 0 or in_quotes(mt, m.start()):
                continue
            if not ALT_START_RE.match(mt, m.end()):
                continue
            cuts.append(m.start())
            cuts.append(m.end())
        cuts.append(len(mt))
        pieces = [(cuts[k], cuts[k + 1]) for k in range(0, len(cuts), 2)]

        item_paths: list[tuple[EducationPath, bool, int]] = []   # (path, has_noun, piece idx)
        pending: list[EducationPath] = []
        exempt_seen = False
        piece_rules: list[list[DraftRule]] = []
        item_rules: list[DraftRule] = []
        orphan_reason = None
        for idx, (a, z) in enumerate(pieces):
            p = mt[a:z]
            pspans = [s for s in spans if a <= s.start < z]
            rules_here: list[DraftRule] = []
            st = STAZH_RE.search(mt, a, z)
            pre_end = st.start() if st else z
            officer = [s for s in pspans if s.kind == "officer"]
            pre = mt[a:pre_end]
            is_edu = bool(EDU_KW_RE.search(pre)) or bool(officer)
            new_paths: list[EducationPath] = []
            if is_edu:
                new_paths = self.paths_of_piece(a, pre_end, item_paths, idx)
                for s in officer:
                    new_paths.append(EducationPath(
                        level="reserve-officer", raw=self.item.text[s.start:s.end].strip(),
                        line=self.line(s.start), admin_level=self.state.admin))
                    item_paths.append((new_paths[-1], True, idx))
            elif re.match(r"\s*по\s", p) and item_paths and not st and not YEARS_RE.search(p):
                # "ТиПО по педагогической специальности или по соответствующему профилю"
                prof = PROFILE_PHRASE_RE.search(p)
                prev = item_paths[-1][0]
                if prof:
                    clone = replace(prev, profile=prof.group(0).strip(), pedagogical=None,
                                    raw=self.raw(a, z), line=self.line(a))
                    new_paths.append(clone)
                    item_paths.append((clone, True, idx))
            if any(s.kind == "norights" for s in pspans):
                new_paths = [replace(x, grants_category_rights=False) for x in new_paths]
                item_paths = [(replace(x, grants_category_rights=False) if k == idx else x, n, k)
                              for x, n, k in item_paths]
            for s in pspans:
                extra = self.additional_path(s)
                if extra is not None:
                    if any(x.kind == "norights" for x in pspans):
                        extra = replace(extra, grants_category_rights=False)
                    self.state.paths.append(extra)
            pending.extend(new_paths)
            noexp = [s for s in pspans if s.kind == "noexp"]
            if noexp:
                self.state.no_exp = True
                exempt_seen = True
                pending = []
            # experience
            exp_start = None
            if st and (not noexp or st.start() > noexp[-1].end):
                exp_start = st.start()
            elif not is_edu and not noexp and (YEARS_RE.search(mt, a, z) or re.search(
                    r"руководящ|предприяти", p, re.I)):
                exp_start = a
            if exp_start is not None:
                rules_here = self.parse_experience(mt, exp_start, z)
                snapshot = tuple(x.level for x in pending)
                alt_of = piece_rules[-1] if (piece_rules and not is_edu and piece_rules[-1]) \
                    else None
                for d in rules_here:
                    d.levels = snapshot
                if alt_of is not None:
                    gid = alt_of[0].group or self.state.new_group()
                    for d in alt_of + rules_here:
                        d.group = gid
                    first = rules_here[0] if rules_here else None
                    for d in alt_of:
                        if d.min_years is None and first is not None:
                            d.min_years, d.max_years = first.min_years, first.max_years
                    for d in rules_here:
                        d.levels = alt_of[0].levels
                elif not is_edu and exempt_seen and not pending:
                    orphan_reason = ("experience alternative follows an education path exempt "
                                     "from experience; which path it applies to is not stated")
                    for d in rules_here:
                        d.review.append(orphan_reason)
                item_rules.extend(rules_here)
            piece_rules.append(rules_here)
        # shared noun: "высшее … педагогическое или иное профессиональное образование по профилю"
        fixed: list[EducationPath] = []
        for k, (path, has_noun, idx) in enumerate(item_paths):
            if not has_noun and path.profile is None:
                nxt = [q for q, _, j in item_paths if j == idx + 1 and q.pedagogical is False]
                if nxt and nxt[0].profile:
                    path = replace(path, profile=nxt[0].profile)
            fixed.append(path)
        extras = self.state.paths[self._paths_before:]
        del self.state.paths[self._paths_before:]
        self.state.paths.extend(sorted(extras + fixed, key=lambda x: x.line))
        # which paths the rules apply to
        all_levels = {x.level for x, _, _ in item_paths}
        for d in item_rules:
            if not d.levels:
                continue
            if exempt_seen or starts_with_or or set(d.levels) != all_levels:
                d.level_stated = True
                fams = {level_family(lv) for lv in d.levels}
                if len(fams) > 1 and exempt_seen:
                    d.review.append(
                        "experience follows several education paths (" + ", ".join(
                            sorted(fams)) + ") after an exempt one; which path it applies to is "
                        "ambiguous")
            if starts_with_or:
                d.review.append("experience is stated on an 'или' alternative of the previous "
                                "item; whether it also binds the preceding paths is not stated")
        self.state.rules.extend(item_rules)

    def paths_of_piece(self, a: int, z: int, item_paths: list, idx: int) -> list[EducationPath]:
        """Education paths of one 'или' piece (text a..z, before any 'стаж')."""
        mt_piece = self.masked(self.spans(a))[a:z]
        chunk = mt_piece.replace(MASK, " ")
        low = chunk.lower()
        raw = self.raw(a, z).replace("\n", " ")
        raw = re.sub(r"\s+", " ", raw)
        line = self.line(a + len(chunk) - len(chunk.lstrip()))
        has_noun = bool(re.search(r"образовани", low))
        profile = None
        qm = PROFILE_QUOTED_RE.search(chunk)
        if qm:
            profile = qm.group("p").strip()
        else:
            pm = PROFILE_PHRASE_RE.search(chunk)
            am = PROFILE_ADJ_RE.search(chunk)
            if am:
                profile = am.group(0)
            elif pm and not re.match(r"по\s+педагогическ", pm.group(0), re.I):
                profile = pm.group(0).strip()
        if re.search(r"не\s+по\s+педагогическ", low):
            ped: bool | None = False
        elif re.search(r"педагогическ", low):
            ped = True
        elif re.search(r"\bин\w*\b", low):
            ped = False
        else:
            ped = None
        admin = self.state.admin
        out: list[EducationPath] = []

        def add(level: str, pedagogical: bool | None = ped) -> None:
            path = EducationPath(level=level, profile=profile, pedagogical=pedagogical, raw=raw,
                                 line=line, admin_level=admin)
            out.append(path)
            item_paths.append((path, has_noun, idx))

        if re.search(r"переподготовк|документ|дополнительн\w+\s+образовани", low) and \
                not re.search(r"высш|послевуз|техническ", low):
            add("pedagogical-retraining")
        elif re.search(r"техническ\w*\s+и\s+профессиональн", low):
            add("tvet")
        elif re.search(r"высш|послевуз", low):
            if re.search(r"высш", low):
                add("higher")
            if re.search(r"послевуз", low):
                add("postgraduate")
        elif re.search(r"профессиональн\w*\s+образован", low):
            prev = [p for p, _, _ in item_paths if p.level in ("higher", "postgraduate")]
            levels = list(dict.fromkeys(p.level for p in prev)) or ["higher"]
            if not re.search(r"\bин\w*\b", low):
                self.note(a, "ambiguous-rule",
                          "'профессиональное образование' without a level; read as the "
                          "preceding level (" + ", ".join(levels) + ")", raw)
            for lv in levels:
                add(lv, False if re.search(r"\bин\w*\b", low) else ped)
        return out

    # ---- experience clauses
    def parse_experience(self, mt: str, a: int, z: int) -> list[DraftRule]:
        """Main rules of one experience clause mt[a:z] (urban/rural, в том числе, …)."""
        settle = list(SETTLEMENT_RE.finditer(mt, a, z))
        if settle:
            desc = mt[a:settle[0].start()]
            kind, pos, setting = experience_kind(desc)
            out = []
            for k, sm in enumerate(settle):
                e = settle[k + 1].start() if k + 1 < len(settle) else z
                d = self.threshold(mt, sm.start(), e, kind, pos, setting)
                d.settlement = "urban" if sm.group("s").lower().startswith("город") else "rural"
                d.raw = self.raw(a, z) if len(settle) == 1 else self.raw(sm.start(), e)
                out.append(d)
            return out
        return [self.threshold(mt, a, z, *(experience_kind(self.head_of(mt, a, z))))]

    def head_of(self, mt: str, a: int, z: int) -> str:
        m = IN_TOTAL_RE.search(mt, a, z)
        return mt[a:m.start() if m else z]

    def threshold(self, mt: str, a: int, z: int, kind: str, pos: str | None,
                  setting: str | None) -> DraftRule:
        """One rule from mt[a:z]: its number, "в том числе"/"из них" nested parts."""
        tm = IN_TOTAL_RE.search(mt, a, z)
        head_end = tm.start() if tm else z
        ym = YEARS_RE.search(mt, a, head_end)
        d = DraftRule(parse_number(ym.group("a")) if ym else None, parse_number(ym.group("b")) if ym else None,
                   self.raw(a, z), self.line(ym.start() if ym else a), kind=kind,
                   in_position=pos, setting=setting)
        if not tm:
            return d
        tail_a = tm.end()
        rm = RECENT_RE.search(mt, tail_a, z)
        if rm:
            n = parse_number(rm.group("n")) if rm.group("n") else Decimal(1)
            d.recent_years = n
            # what the recent years are: up to the next sub-clause
            nxt = re.compile(r",\s*(?=стаж|в\s+должности|на\s+руководящ|для\s)|\s+и\s+(?=в\s+должности)",
                             re.I).search(mt, rm.end(), z)
            r_end = nxt.start() if nxt else z
            rk, rp, rs = experience_kind(mt[rm.end():r_end])
            if rk == "any":
                rk = kind
            sub = DraftRule(n, None, self.raw(rm.start(), r_end), self.line(rm.start()),
                         kind=rk, in_position=rp, setting=rs, recent_years=n)
            d.includes.append(sub)
            tail_a = nxt.end() if nxt else z
        # further sub-clauses "стаж в должности … не менее 1 года", "стаж на руководящих …"
        if tail_a < z:
            parts = re.split(r",\s*(?=стаж|в\s+должности|на\s+руководящ)|\s+и\s+(?=в\s+должности)",
                             mt[tail_a:z])
            off = tail_a
            for part in parts:
                pa = mt.find(part, off)
                pz = pa + len(part)
                off = pz
                if not part.strip(" ,.;" + MASK):
                    continue
                ym2 = YEARS_RE.search(mt, pa, pz)
                sk, sp, ss = experience_kind(part)
                if ym2 is None and d.min_years is None:
                    continue
                sub = DraftRule(parse_number(ym2.group("a")) if ym2 else None,
                             parse_number(ym2.group("b")) if ym2 else None, self.raw(pa, pz),
                             self.line(ym2.start() if ym2 else pa), kind=sk, in_position=sp,
                             setting=ss)
                if d.min_years is None and ym2 is not None and not rm:
                    # "стаж педагогической работы, в том числе в системе … не менее 5 лет"
                    d.min_years, d.max_years = sub.min_years, sub.max_years
                    sub.min_years = sub.max_years = None
                    d.line = sub.line
                    d.review.append("the number follows 'в том числе'; whether it bounds the "
                                    "total or the included part is ambiguous")
                d.includes.append(sub)
        return d
