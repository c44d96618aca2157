"""The records a vacancy announcement is parsed into (:mod:`loaders.vacancy`).

Every record keeps the lines it was read from, so the RDF and the audit can cite the announcement
line by line.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from loaders.base import LoaderWarning, TextItem


@dataclass(frozen=True)
class Span:
    """A passage of the source: its joined text, first and last line, the lines as printed."""

    text: str
    line: int
    end_line: int
    raw: str = ""


@dataclass(frozen=True)
class Employer:
    name: str                    # the name inside the quotes, as printed (spaces collapsed)
    legal_form: str | None       # "КГУ", "КММ", ... as printed
    org_type: str | None         # slug in kzcode:org-type, inferred from the name; None if unsure
    parents: tuple[str, ...]     # the bodies the name nests in, outermost first (as printed)
    span: Span


@dataclass(frozen=True)
class Address:
    postcode: str | None
    region: str | None
    locality: str | None
    street: str | None
    span: Span


@dataclass(frozen=True)
class Contacts:
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    span: Span


@dataclass(frozen=True)
class Salary:
    min_value: Decimal | None
    max_value: Decimal | None
    currency: str                # "KZT"
    basis: str | None            # "length-of-service" | "category-and-service" | None
    education: str | None        # the education the amounts apply to, as printed ("жоғары білім")
    span: Span


@dataclass(frozen=True)
class EducationClaim:
    """One alternative education path of the requirements, as the announcement states it."""

    text: str
    line: int
    levels: tuple[str, ...]                 # kzcode:education slugs
    profile: str | None                     # "Специальное образование", "Арнаулы білім", ...
    pedagogical: bool | None                # True "по педагогическим", False "не по педагогическим"
    grants_category_rights: bool | None     # False "не претендует на категории"
    assigned_category: str | None           # kk "бұл ретте үміткер біліктілік санаты педагог"
    experience_required: bool | None        # False "без предъявления требований к стажу"


@dataclass(frozen=True)
class ExperienceClaim:
    """A minimum length of service the announcement asks (per category or as a base)."""

    min_years: Decimal
    category: str | None          # kzcode:category slug; None for the base requirement
    kind: str | None              # kzcode:experience-kind slug: pedagogical | specialty | any
    education_levels: tuple[str, ...]   # the qualification level(s) the clause applies to
    text: str
    line: int


@dataclass(frozen=True)
class LevelClaim:
    """One level of the per-category competencies ("2) педагог-модератор:")."""

    number: int | None
    label: str
    category: str | None
    refers_to_text: str | None
    refers_to: str | None
    statements: tuple[TextItem, ...]
    line: int


@dataclass(frozen=True)
class ActRef:
    """An order cited by number and date (legal basis, document forms)."""

    number: str
    date: date | None
    issuer: str | None
    role: str                    # basis | amended | form
    registration: str | None
    title: str | None
    line: int
    raw: str


@dataclass(frozen=True)
class RequiredDocument:
    number: int
    text: str
    line: int
    end_line: int
    conditional: bool
    condition: str | None         # if-available | applies-to | exemption
    condition_text: str | None
    partial_condition: str | None  # a "при наличии" qualifying only part of the item
    form_annex: str | None         # "10" for "по форме согласно приложению 10"
    acts: tuple[ActRef, ...]
    raw: str


@dataclass(frozen=True)
class Deadline:
    kind: str                     # relative | absolute
    text: str
    line: int
    end_line: int
    working_days: int | None = None
    start_event: str | None = None      # publication
    start: date | None = None
    end: date | None = None
    raw: str = ""
    repeated_at: tuple[int, ...] = ()


@dataclass
class Point:
    """A numbered (or unnumbered) block of the regulation copied into the announcement."""

    number: int | None
    header_line: int
    items: list[TextItem]


@dataclass
class VacancyVersion:
    """One language version of an announcement."""

    lang: str
    line: int
    end_line: int
    employer: Employer | None = None
    title: Span | None = None
    salary: Salary | None = None
    duties: Point | None = None
    knowledge: Point | None = None
    qualification: Point | None = None
    competencies: Point | None = None
    education: list[EducationClaim] = field(default_factory=list)
    experience: list[ExperienceClaim] = field(default_factory=list)
    levels: list[LevelClaim] = field(default_factory=list)
    legal_basis: Span | None = None
    legal_acts: list[ActRef] = field(default_factory=list)
    submission: Span | None = None
    documents: list[RequiredDocument] = field(default_factory=list)
    deadline: Deadline | None = None
    return_rule: Span | None = None
    extra_info: Span | None = None
    address: Address | None = None
    contacts: Contacts | None = None
    form: Span | None = None

    @property
    def point_numbers(self) -> dict[str, int]:
        found = {}
        for kind in ("duties", "knowledge", "qualification", "competencies"):
            point = getattr(self, kind)
            if point is not None and point.number is not None:
                found[kind] = point.number
        return found


@dataclass
class VacancyDoc:
    file: str
    stem: str
    line_count: int
    versions: list[VacancyVersion]
    warnings: list[LoaderWarning] = field(default_factory=list)

    def version(self, lang: str) -> VacancyVersion | None:
        return next((v for v in self.versions if v.lang == lang), None)
