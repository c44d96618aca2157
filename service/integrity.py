"""Integrity of a build: `shapes/integrity.shapes.ttl` run with pySHACL over the union graph.

>>> report = check_integrity(dataset)          # doctest: +SKIP
>>> report.conforms, len(report.violations), len(report.warnings)   # doctest: +SKIP

Violations mean the build is wrong; warnings are known anomalies of the sources (kept as printed,
recorded as data-quality notes) and facts not yet verified. Findings are sorted (shape, focus node,
path, value) so two runs over the same build give the same report.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, Graph
from rdflib.namespace import SH

SHAPES_PATH = Path(__file__).resolve().parents[1] / "shapes" / "integrity.shapes.ttl"
SHAPE_NS = "https://w3id.org/kz-edu/shapes#"


@dataclass(frozen=True, order=True)
class Finding:
    """One sh:ValidationResult, flattened."""

    shape: str          # the named shape that produced it (shape:Position-hasDuty), else the node shape
    focus: str
    path: str = ""
    value: str = ""
    message: str = ""
    severity: str = "Violation"

    def __str__(self) -> str:
        where = f" {self.path.rsplit('#', 1)[-1]}" if self.path else ""
        return f"[{self.severity}] {self.shape}: {self.focus}{where}: {self.message}"


@dataclass
class IntegrityReport:
    violations: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    results: Graph | None = None

    @property
    def conforms(self) -> bool:
        return not self.violations

    def counts(self) -> dict[str, dict[str, int]]:
        """{"violations": {shape: n}, "warnings": {shape: n}}"""
        return {"violations": dict(sorted(Counter(f.shape for f in self.violations).items())),
                "warnings": dict(sorted(Counter(f.shape for f in self.warnings).items()))}

    def to_dict(self) -> dict:
        return {"conforms": self.conforms, "counts": self.counts(),
                "violations": [f.__dict__ for f in self.violations],
                "warnings": [f.__dict__ for f in self.warnings]}

    def summary(self) -> str:
        lines = [f"integrity: {len(self.violations)} violation(s), {len(self.warnings)} warning(s)"]
        for kind, counts in self.counts().items():
            lines += [f"  {kind[:-1]} {shape}: {n}" for shape, n in counts.items()]
        return "\n".join(lines)


def load_shapes(path: Path = SHAPES_PATH) -> Graph:
    return Graph().parse(path, format="turtle")


def union_graph(dataset_graph: Graph) -> Graph:
    """A plain Graph with every triple of a Dataset's named graphs (pySHACL checks a Dataset per graph)."""
    if type(dataset_graph) is Graph:
        return dataset_graph
    g = Graph()
    for prefix, ns in dataset_graph.namespaces():
        g.bind(prefix, ns, override=False)
    if hasattr(dataset_graph, "quads"):
        for s, p, o, _ in dataset_graph.quads((None, None, None, None)):
            g.add((s, p, o))
    else:
        for t in dataset_graph:
            g.add(t)
    return g


def _shape_name(results: Graph, source_shape, shapes: Graph) -> str:
    """The readable name of the shape a result came from (walk up from a blank property shape)."""
    node = source_shape
    for _ in range(4):
        if not hasattr(node, "startswith") or not str(node).startswith(SHAPE_NS):
            parent = next(iter(shapes.subjects(SH.property, node)), None) or \
                next(iter(shapes.subjects(SH.sparql, node)), None)
            if parent is None:
                break
            node = parent
        else:
            return "shape:" + str(node)[len(SHAPE_NS):]
    return str(source_shape) if not hasattr(node, "startswith") else "shape:" + str(node).split("#")[-1]


def check_integrity(dataset_graph: Graph, shapes: Graph | None = None) -> IntegrityReport:
    """Run the integrity shapes over the union of the dataset's graphs."""
    from pyshacl import validate

    shapes = shapes if shapes is not None else load_shapes()
    data = union_graph(dataset_graph)
    _, results, _ = validate(data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True)
    report = IntegrityReport(results=results)
    for r in results.subjects(RDF.type, SH.ValidationResult):
        if (None, SH.detail, r) in results:
            continue  # nested detail of another result
        severity = str(results.value(r, SH.resultSeverity)).rsplit("#", 1)[-1]
        message = next((str(m) for m in results.objects(r, SH.resultMessage)
                        if getattr(m, "language", None) == "en"), None) or \
            str(results.value(r, SH.resultMessage) or "")
        f = Finding(_shape_name(results, results.value(r, SH.sourceShape), shapes),
                    str(results.value(r, SH.focusNode)), str(results.value(r, SH.resultPath) or ""),
                    str(results.value(r, SH.value) or ""), message, severity)
        (report.violations if severity == "Violation" else report.warnings).append(f)
    report.violations.sort()
    report.warnings.sort()
    return report
