"""Benchmark: batch validation of generated portfolios, compiled checks vs plain pySHACL.

    .venv/bin/python bench/bench_validation.py [--n 10000] [--seed 7] [--build build]

Both sides use the same generated shapes (service/portfolio_shapes.py): pySHACL runs once over one
data graph holding every portfolio; the compiled side evaluates the same expression trees in Python,
portfolio by portfolio. The per-portfolio statuses of every shape must be identical (else exit 1).
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from rdflib import Dataset  # noqa: E402

from reference_rules import random_portfolio  # noqa: E402
from service import portfolio_shapes as ps  # noqa: E402
from service.portfolio_input import portfolio_node  # noqa: E402
from service.validation import compiled_statuses, context, rules_for, shacl_batch  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--build", type=Path, default=ROOT / "build")
    args = ap.parse_args()
    t0 = time.perf_counter()
    graph = Dataset(default_union=True)
    graph.parse(str(args.build / "dataset.nq"), format="nquads")
    ctx = context(graph)
    shapes = ps.generate_portfolio_shapes(graph, ctx.rules)
    t_setup = time.perf_counter() - t0
    rng = random.Random(args.seed)
    targets = sorted((iri, pr.categories) for iri, pr in ctx.rules.items())
    drawn = [random_portfolio(rng, targets, i) for i in range(args.n)]

    t0 = time.perf_counter()
    nodes, compiled = [], {}
    for p, position, cat in drawn:
        node = portfolio_node(p, position, cat)
        nodes.append(node)
        compiled[str(node["@id"])] = compiled_statuses(node, rules_for(ctx.rules[position], cat))
    t_compiled = time.perf_counter() - t0

    t0 = time.perf_counter()
    shacl = shacl_batch(nodes, shapes)
    t_shacl = time.perf_counter() - t0

    diff = [k for k in compiled if compiled[k] != shacl.get(k, {})]
    verdicts = {"meets": 0, "does-not-meet": 0, "needs-review": 0}
    for st in compiled.values():
        v = set(st.values())
        verdicts["does-not-meet" if "fail" in v else "needs-review" if v else "meets"] += 1
    rows = [("portfolios", f"{args.n}", ""), ("generated shapes", f"{ps.count_shapes(shapes)}", ""),
            ("setup (load graph, compile, generate)", f"{t_setup:.2f} s", ""),
            ("compiled checks", f"{t_compiled:.2f} s", f"{args.n / t_compiled:,.0f} portfolios/s"),
            ("pySHACL, one run over the batch", f"{t_shacl:.2f} s", f"{args.n / t_shacl:,.0f} portfolios/s"),
            ("speed-up", f"{t_shacl / t_compiled:.1f}x", ""),
            ("verdicts", ", ".join(f"{k} {n}" for k, n in verdicts.items()), ""),
            ("identical statuses", "yes" if not diff else f"NO ({len(diff)} differ)", "")]
    width = max(len(r[0]) for r in rows)
    for name, value, extra in rows:
        print(f"{name:<{width}}  {value:>14}  {extra}")
    for k in diff[:5]:
        print("differs:", k, compiled[k], shacl.get(k))
    return 0 if not diff else 1


if __name__ == "__main__":
    sys.exit(main())
