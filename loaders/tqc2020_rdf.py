"""Modeller of the 2020 regulation: parsed records -> RDF in the graph of tqc-2020-ru.txt.

Vocabulary and IRI patterns: docs/model.md. Every node carries kzo:sourceFile and kzo:sourceLine.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import yaml
from rdflib import RDFS, URIRef
from rdflib.namespace import SKOS

from loaders.acts import Registry
from loaders.base import LoaderWarning, LoadResult, TextItem
from loaders.namespaces import KZCODE, KZID, KZO, SCHEMA
from loaders.quality_checks import QualityNote, known_typos, category_level_slug, document_notes, effective_category
from loaders.rdf_builder import GraphBuilder
from loaders.requirements_ru import parse_qualification
from loaders.sources import regulation_act_key
from loaders.text_join import line_at, line_starts, read_source_lines
from loaders.tqc2020 import REFERENCE_DIR, parse
from loaders.tqc2020_records import Division, Position2020

RDF_VALUE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#value")
ADDITIONAL_KNOWLEDGE_RE = re.compile(r"дополнительно\s+должен\s+знать", re.IGNORECASE)


@lru_cache(maxsize=1)
def _category_mentions() -> list[tuple[re.Pattern[str], str]]:
    data = yaml.safe_load((REFERENCE_DIR / "category-labels.yaml").read_text(encoding="utf-8"))
    return [(re.compile(m["pattern"], re.IGNORECASE), m["concept"]) for m in data["mentions"]]


def position_iri(key: str) -> URIRef:
    return KZID[f"position/tqc-2020/{key}"]


def load(path: Path, registry: Registry) -> LoadResult:
    """Parse and model one file of the 2020 regulation; unknown acts become warnings."""
    parsed = parse(path)
    model = _Modeller(GraphBuilder(parsed.file), registry)
    for division in parsed.divisions:
        model.division(division)
    for pos in parsed.positions:
        model.position(pos)
    notes = document_notes(read_source_lines(path), parsed.positions) + model.notes
    model.emit_notes(notes)
    return LoadResult(parsed.file, model.b.graph, parsed.warnings + model.warnings)


class _Modeller:
    def __init__(self, builder: GraphBuilder, registry: Registry) -> None:
        self.b = builder
        self.registry = registry
        self.regulation = URIRef(registry.get(regulation_act_key(builder.source_file)).iri)
        self.notes: list[QualityNote] = []
        self.warnings: list[LoaderWarning] = []

    def division(self, div: Division) -> None:
        iri = KZID[f"tqc-2020/{div.key}"]
        self.b.node(iri, KZO.DocumentDivision, div.line)
        self.b.text(iri, SKOS.prefLabel, div.title, "ru")
        self.b.add(iri, URIRef("http://purl.org/dc/terms/isPartOf"), self.b.document)

    # -- position ---------------------------------------------------------------------------
    def position(self, pos: Position2020) -> None:
        b = self.b
        iri = position_iri(pos.key)
        last = max((it.end_line for pt in pos.points.values() for it in pt.items), default=pos.title_line)
        b.node(iri, KZO.Position, pos.title_line, last)
        b.text(iri, SKOS.prefLabel, pos.title, "ru")
        for alias in pos.aliases:
            b.text(iri, SKOS.altLabel, alias, "ru")
        b.text(iri, SKOS.notation, pos.notation)
        b.integer(iri, KZO.paragraphNumber, pos.paragraph)
        b.add(iri, KZO.division, KZID[f"tqc-2020/{pos.division.key}"])
        b.code(iri, KZO.organisationType, "org-type", pos.division.org_type)
        b.add(iri, KZO.definedIn, self.regulation)
        self._duties(pos, iri)
        self._knowledge(pos, iri)
        qualification = self._qualification(pos, iri)
        self._levels(pos, iri, qualification)

    def _duties(self, pos: Position2020, iri: URIRef) -> None:
        point = pos.point("duties")
        for k, item in enumerate(point.items if point else (), start=1):
            duty = URIRef(f"{iri}/duty/{k}")
            self.b.node(duty, KZO.Duty, item.line, item.end_line)
            self.b.text(duty, RDF_VALUE, item.text, "ru")
            self.b.integer(duty, SCHEMA.position, k)
            self.b.integer(duty, KZO.pointNumber, point.number)
            self.b.add(iri, KZO.hasDuty, duty)

    def _knowledge(self, pos: Position2020, iri: URIRef) -> None:
        point = pos.point("knowledge")
        if point is None:
            return
        area_no = 0
        for item in point.items:
            if self._cite_acts(pos, iri, item, point.number):
                continue
            for piece in (p.strip(" .") for p in item.text.split(";")):
                if not piece:
                    continue
                area_no += 1
                area = URIRef(f"{iri}/knowledge/{area_no}")
                self.b.node(area, KZO.KnowledgeArea, item.line, item.end_line)
                self.b.text(area, RDF_VALUE, piece, "ru")
                self.b.integer(area, SCHEMA.position, area_no)
                self.b.integer(area, KZO.pointNumber, point.number)
                self.b.add(iri, KZO.requiresKnowledgeArea, area)

    def _cite_acts(self, pos: Position2020, iri: URIRef, item: TextItem, point_number: int) -> bool:
        """Record the acts one law item names (with the raw damaged text); False if it names none."""
        matches = self.registry.match(item.text, lang="ru")
        unknown = self.registry.unknown_act_names(item.text, lang="ru")
        for name in unknown:
            self.warnings.append(LoaderWarning(self.b.source_file, item.line, "unknown-act",
                                               f"{pos.notation}: act name not in the registry: {name!r}"))
            self.notes.append(QualityNote(item.line, "unknown-act", pos.key, "",
                                          f"{pos.notation}: cites an act the registry does not know", name))
        if not matches:
            return bool(unknown)
        starts = line_starts(item)
        for match in matches:
            act = URIRef(match.iri)
            self.b.add(iri, KZO.requiresKnowledgeOf, act)
            citation = URIRef(f"{iri}/cites/{match.key}")
            offset = item.text.find(match.evidence)
            line = line_at(starts, offset) if offset >= 0 else item.line  # where the name is printed
            self.b.node(citation, KZO.ActCitation, line)
            self.b.add(citation, KZO.citedAct, act)
            self.b.add(citation, KZO.citedBy, iri)
            self.b.integer(citation, KZO.pointNumber, point_number)
            self.b.text(citation, KZO.evidence, match.evidence)
            self.b.text(citation, KZO.rawText, item.raw)
            if self.registry.get(match.key).status == "suspect":
                self.notes.append(QualityNote(line, "suspect-act", pos.key, f"cites/{match.key}",
                                              f"{pos.notation}: cites an act that is probably a slip of "
                                              "the source (see the registry's status note)", match.evidence))
        return True

    # -- qualification requirements ---------------------------------------------------------
    def _qualification(self, pos: Position2020, iri: URIRef) -> URIRef | None:
        point = pos.point("qualification")
        if point is None:
            return None
        b = self.b
        q = URIRef(f"{iri}/qualification")
        b.node(q, KZO.QualificationRequirement, point.header_line, point.items[-1].end_line if point.items else None)
        b.text(q, RDF_VALUE, " ".join(it.text for it in point.items), "ru")
        b.integer(q, KZO.pointNumber, point.number)
        b.add(iri, KZO.hasQualificationRequirement, q)
        for k, item in enumerate(point.items):
            if k and ADDITIONAL_KNOWLEDGE_RE.search(point.items[k - 1].text):
                self._cite_acts(pos, iri, item, point.number)
        parsed = parse_qualification(point.items)
        for k, path in enumerate(parsed.education, start=1):
            e = URIRef(f"{q}/education/{k}")
            b.node(e, KZO.EducationPath, path.line)
            b.code(e, KZO.educationLevel, "education", path.level)
            b.code(iri, KZO.acceptsEducation, "education", path.level)
            b.text(e, KZO.educationProfile, path.profile)
            b.boolean(e, KZO.pedagogicalEducation, path.pedagogical)
            if not path.grants_category_rights:
                b.boolean(e, KZO.grantsCategoryRights, False)
            if path.desirable:
                b.boolean(e, KZO.desirable, True)
            if path.additional:
                b.boolean(e, KZO.additional, True)
            for category in path.for_categories:
                b.code(e, KZO.category, "category", category)
            b.text(e, RDF_VALUE, path.raw, "ru")
            b.add(q, KZO.hasEducationPath, e)
        counter = Counter()
        self.experience_nodes: dict[str, list[URIRef]] = {}
        for rule in parsed.experience:
            self._experience(q, rule, counter, iri)
        if parsed.no_experience_required:
            b.boolean(q, KZO.noExperienceRequired, True)
        for note in parsed.notes:
            if note.kind == "typo" and any(t["wrong"] in note.quoted for t in known_typos()):
                continue  # recorded once, at its exact line, by quality_checks.text_notes
            self.notes.append(QualityNote(note.line, note.kind, pos.key, "qualification",
                                          f"{pos.notation}: {note.message}", note.quoted))
        if not pos.levels:
            text = " ".join(it.text for it in point.items)
            for pattern, concept in _category_mentions():
                if pattern.search(text):
                    b.add(q, KZO.mentionsCategory, KZCODE[concept])
        return q

    def _experience(self, parent: URIRef, rule, counter: Counter, pos_iri: URIRef) -> URIRef:
        b = self.b
        counter["n"] += 1
        e = URIRef(f"{pos_iri}/qualification/experience/{counter['n']}")
        b.node(e, KZO.ExperienceRequirement, rule.line)
        b.decimal(e, KZO.minYears, rule.min_years)
        b.decimal(e, KZO.maxYears, rule.max_years)
        b.code(e, KZO.settlementType, "settlement", rule.settlement)
        b.code(e, KZO.educationLevel, "education", rule.education_level)
        b.code(e, KZO.administrativeLevel, "admin-level", rule.admin_level)
        b.code(e, KZO.experienceKind, "experience-kind", rule.kind)
        b.text(e, KZO.inPosition, rule.in_position, "ru")
        b.decimal(e, KZO.recentYears, rule.recent_years)
        b.code(e, KZO.category, "category", rule.category)
        b.text(e, KZO.condition, rule.condition)
        b.text(e, KZO.experienceSetting, rule.setting, "ru")
        if rule.alternative_group is not None:
            b.integer(e, KZO.alternativeGroup, rule.alternative_group)
        if rule.needs_review:
            b.boolean(e, KZO.needsReview, True)
            b.text(e, KZO.reviewReason, rule.review_reason, "en")
        b.text(e, RDF_VALUE, rule.raw, "ru")
        rel = KZO.includesRequirement if parent != URIRef(f"{pos_iri}/qualification") else KZO.hasExperienceRequirement
        b.add(parent, rel, e)
        self.experience_nodes.setdefault(rule.category or "", []).append(e)
        for inner in rule.includes:
            self._experience(e, inner, counter, pos_iri)
        return e

    # -- category levels --------------------------------------------------------------------
    def _levels(self, pos: Position2020, iri: URIRef, qualification: URIRef | None) -> None:
        b = self.b
        point = pos.point("competencies")
        for i, level in enumerate(pos.levels):
            slug = category_level_slug(pos.levels, i)
            c = URIRef(f"{iri}/category/{slug}")
            end = level.statements[-1].end_line if level.statements else level.line
            b.node(c, KZO.CategoryRequirement, level.line, end)
            category = effective_category(pos.levels, i)
            b.code(c, KZO.category, "category", category)
            if level.category and level.category != category:
                b.code(c, KZO.printedCategory, "category", level.category)
            b.text(c, RDFS.label, level.label, "ru")
            b.integer(c, KZO.levelNumber, level.number)
            b.integer(c, KZO.pointNumber, point.number)
            b.text(c, KZO.refersToCategoryText, level.refers_to_text, "ru")
            b.code(c, KZO.refersToCategory, "category", level.refers_to)
            for k, statement in enumerate(level.statements, start=1):
                s = URIRef(f"{c}/statement/{k}")
                b.node(s, KZO.CompetencyStatement, statement.line, statement.end_line)
                b.text(s, RDF_VALUE, statement.text, "ru")
                b.integer(s, SCHEMA.position, k)
                b.add(c, KZO.hasCompetencyStatement, s)
            for e in getattr(self, "experience_nodes", {}).get(category or "-", []):
                b.add(c, KZO.hasExperienceRequirement, e)
            b.add(iri, KZO.hasCategoryRequirement, c)

    # -- notes ------------------------------------------------------------------------------
    def emit_notes(self, notes: list[QualityNote]) -> None:
        seen: Counter = Counter()
        for note in notes:
            about = position_iri(note.about) if note.about else self.b.document
            if note.about and note.part:
                about = URIRef(f"{about}/{note.part}")
            key = note.kind
            seen[(note.line, key)] += 1
            if seen[(note.line, key)] > 1:
                key = f"{key}-{seen[(note.line, key)]}"
            self.b.note(key, about, note.line, note.kind, note.message, note.quoted)
