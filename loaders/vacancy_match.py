"""Which 2020 position a vacancy announcement is for.

By the point numbers it copied ("69." / "70." / "71.", unique across the annex) checked against the
employer's organisation type; failing that, by aligning its duty list with every position's duty
sentences (:mod:`loaders.vacancy_similarity`, so a Kazakh list matches the Russian regulation).
"""
from __future__ import annotations

from dataclasses import dataclass

from loaders.vacancy_records import VacancyDoc
from loaders.vacancy_similarity import Sentence, align, sentences, sequence_score


@dataclass(frozen=True)
class PositionMatch:
    position: object            # loaders.tqc2020_records.Position2020
    method: str                 # point-numbers | duty-sequence
    score: float
    evidence: str               # a sentence a person can check
    runner_up: str | None = None


def positions_of(positions_2020) -> list:
    return list(getattr(positions_2020, "positions", positions_2020) or [])


def match_by_points(doc: VacancyDoc, positions_2020) -> PositionMatch | None:
    """The position whose points carry the numbers the announcement printed; when several
    positions qualify, the one of the employer's organisation type."""
    numbers = {}
    for v in doc.versions:
        numbers.update({k: n for k, n in v.point_numbers.items()})
    if not numbers:
        return None
    org = next((v.employer.org_type for v in doc.versions if v.employer and v.employer.org_type), None)
    candidates = [p for p in positions_of(positions_2020)
                  if all(kind in p.points and p.points[kind].number == n for kind, n in numbers.items())]
    if len(candidates) > 1 and org:
        candidates = [p for p in candidates if p.division.org_type == org] or candidates
    if len(candidates) != 1:
        return None
    pos = candidates[0]
    shown = ", ".join(f"{k} {n}" for k, n in sorted(numbers.items(), key=lambda kv: kv[1]))
    agree = ("agrees with" if org == pos.division.org_type else
             "does not match" if org else "cannot be checked against")
    return PositionMatch(pos, "point-numbers", 1.0,
                         f"points {shown} belong to {pos.notation} only; the employer's organisation "
                         f"type ({org or 'unknown'}) {agree} the position's ({pos.division.org_type})")


def regulation_duties(position) -> list[Sentence]:
    point = position.points.get("duties")
    return sentences(point.items, "ru") if point else []


def match_by_duties(doc: VacancyDoc, positions_2020, minimum: float = 0.35) -> PositionMatch | None:
    """The position whose duty sentences align best with the announcement's duties."""
    version = max(doc.versions, key=lambda v: len(v.duties.items) if v.duties else 0)
    if not version.duties:
        return None
    mine = sentences(version.duties.items, version.lang)
    ranked = sorted(((sequence_score(mine, regulation_duties(p)), p) for p in positions_of(positions_2020)),
                    key=lambda sp: -sp[0])
    if not ranked or ranked[0][0] < minimum:
        return None
    best_score, best = ranked[0]
    second = ranked[1] if len(ranked) > 1 else None
    pairs = sum(1 for i, j, _ in align(mine, regulation_duties(best)) if i is not None and j is not None)
    return PositionMatch(best, "duty-sequence", round(best_score, 3),
                         f"{pairs} of {len(mine)} duty sentences align in order with the "
                         f"{len(regulation_duties(best))} of {best.notation} (score {best_score:.2f})",
                         f"{second[1].notation} ({second[0]:.2f})" if second else None)


def match_position(doc: VacancyDoc, positions_2020) -> PositionMatch | None:
    """Point numbers plus organisation type first, duty-sequence similarity otherwise."""
    return match_by_points(doc, positions_2020) or match_by_duties(doc, positions_2020)
