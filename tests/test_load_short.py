"""Issue 8: a short load test (the full one is bench/load_test.py, results in bench/results/load.md).

4 concurrent clients for 5 s against a live ``pedkg serve`` over the build, mixing named queries,
raw SPARQL, page views and validations: no 5xx, no connection errors, memory flat (< 50 MB growth
across the run, measured after a warm-up).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("load_test", REPO / "bench" / "load_test.py")
load_test = importlib.util.module_from_spec(_spec)
sys.modules["load_test"] = load_test  # dataclasses look their module up there
_spec.loader.exec_module(load_test)


def test_short_load_has_no_5xx_and_flat_memory(built):
    service = load_test.Service(built[0], workers=2)
    try:
        kinds = load_test.request_mix(service.port)
        assert {"named", "sparql", "page"} <= set(kinds)
        warm = load_test.warm_up(service.port, kinds)
        assert not [k for k, counts in warm.items() if any(s >= 500 for s in counts)], warm
        before = service.rss_mb
        tally, elapsed = load_test.run_load(service.port, kinds, clients=4, duration_s=5.0)
        after = service.rss_mb
    finally:
        service.stop()
    assert tally.total > 20, tally.statuses
    assert tally.server_errors == 0 and tally.errors == 0, tally.statuses
    assert all(s < 400 for counts in tally.statuses.values() for s in counts), tally.statuses
    assert after - before < 50, f"RSS grew from {before:.0f} MB to {after:.0f} MB"
