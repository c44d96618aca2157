"""Growth plots and log-log fits from bench/results/results-*.json (matplotlib, Agg backend).

    .venv/bin/python bench/plots.py        # writes bench/results/*.png and bench/results/growth.json

The growth of a cost c against the size n (quads in the store) is fitted as c = a·n^k by least
squares on log c, log n: k ≈ 1 linear, k < 1 sub-linear (≈ 0: flat), k > 1 worse than linear.
"""
from __future__ import annotations

import json
import math
import statistics
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
ENDPOINTS = ("pedkg-embedded", "oxigraph-serve", "pedkg-remote", "rdflib-endpoint")


def load_results(results_dir: Path = RESULTS) -> list[dict[str, Any]]:
    runs = [json.loads(p.read_text(encoding="utf-8")) for p in results_dir.glob("results-*.json")]
    return sorted(runs, key=lambda r: r["teachers"])


def fit(xs: list[float], ys: list[float]) -> dict[str, float] | None:
    """Log-log slope k and coefficient a of y = a·x^k (None with fewer than 2 usable points)."""
    pts = [(x, y) for x, y in zip(xs, ys) if x and y and x > 0 and y > 0 and not math.isnan(y)]
    if len(pts) < 2:
        return None
    lx, ly = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
    k, loga = np.polyfit(lx, ly, 1)
    return {"slope": round(float(k), 3), "a": float(math.exp(loga)), "points": len(pts)}


def predict(f: dict[str, float] | None, x: float) -> float | None:
    return None if f is None else f["a"] * x ** f["slope"]


def verdict(k: float | None) -> str:
    if k is None:
        return "n/a"
    if k < 0.2:
        return "flat"
    if k < 0.85:
        return "sub-linear"
    if k <= 1.15:
        return "linear"
    return "worse than linear"


def series(runs: list[dict], getter) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for r in runs:
        try:
            y = getter(r)
        except (KeyError, TypeError):
            y = None
        if y is not None:
            xs.append(r["quads_total"])
            ys.append(y)
    return xs, ys


def median_p50(r: dict, endpoint: str, group: str = "named") -> float | None:
    vals = [q[endpoint]["p50_ms"] for q in r["latency"][group].values() if endpoint in q and "p50_ms" in q[endpoint]]
    return statistics.median(vals) if vals else None


def growth(runs: list[dict]) -> dict[str, Any]:
    """Every cost series with its fit."""
    out: dict[str, Any] = {}

    def add(name: str, getter, unit: str) -> None:
        xs, ys = series(runs, getter)
        f = fit(xs, ys)
        out[name] = {"unit": unit, "x_quads": xs, "y": ys, "fit": f, "verdict": verdict(f and f["slope"])}

    add("generate seconds", lambda r: r["generate"]["seconds"], "s")
    add("load embedded (pyoxigraph bulk_load) seconds", lambda r: r["load_embedded"]["seconds"], "s")
    add("load embedded CPU seconds", lambda r: r["load_embedded"]["cpu_s"], "s")
    add("load oxigraph (oxigraph load) seconds", lambda r: r["load_oxigraph"]["seconds"], "s")
    add("load oxigraph CPU seconds", lambda r: r["load_oxigraph"]["cpu_s"], "s")
    add("compact embedded (pyoxigraph optimize) seconds", lambda r: r["load_embedded"]["optimize_s"], "s")
    add("compact oxigraph (oxigraph optimize) seconds", lambda r: r["load_oxigraph"]["optimize_s"], "s")
    add("store on disk, embedded", lambda r: r["load_embedded"]["disk_bytes"] / 2**20, "MiB")
    add("store on disk, oxigraph", lambda r: r["load_oxigraph"]["disk_bytes"] / 2**20, "MiB")
    for ep in ENDPOINTS:
        add(f"peak memory {ep}", lambda r, ep=ep: r["servers"][ep]["rss_peak"] / 2**20, "MiB")
        add(f"start-up {ep}", lambda r, ep=ep: r["servers"][ep]["ready_s"], "s")
        add(f"named queries median p50 {ep}", lambda r, ep=ep: median_p50(r, ep), "ms")
    names = sorted({q for r in runs for q in r["latency"]["named"]})
    for q in names:
        for ep in ENDPOINTS:
            add(f"named {q} p50 {ep}", lambda r, q=q, ep=ep: r["latency"]["named"][q][ep]["p50_ms"], "ms")
    aggs = sorted({q for r in runs for q in r["latency"]["aggregates"]})
    for q in aggs:
        for ep in ENDPOINTS:
            add(f"aggregate {q} p50 {ep}", lambda r, q=q, ep=ep: r["latency"]["aggregates"][q][ep]["p50_ms"], "ms")
    add("validation compiled portfolios/s", lambda r: r["validation"]["compiled"]["per_s"], "1/s")
    add("validation pySHACL portfolios/s", lambda r: r["validation"]["pyshacl"]["per_s"], "1/s")
    return out


def _loglog(ax, title: str, ylabel: str) -> None:
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("quads in the store")
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.3)


def _plot(ax, g: dict, key: str, label: str, style: str = "o-") -> None:
    s = g.get(key)
    if not s or not s["y"]:
        return
    k = s["fit"]["slope"] if s["fit"] else None
    ax.plot(s["x_quads"], s["y"], style, label=f"{label} (k={k:.2f})" if k is not None else label)


def plot_all(runs: list[dict], g: dict, out_dir: Path = RESULTS) -> list[Path]:
    paths = []

    def save(fig, name: str) -> None:
        fig.tight_layout()
        p = out_dir / name
        fig.savefig(p, dpi=110)
        plt.close(fig)
        paths.append(p)

    fig, ax = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label in (("load embedded (pyoxigraph bulk_load) seconds", "pyoxigraph bulk_load, wall"),
                       ("load embedded CPU seconds", "pyoxigraph bulk_load, CPU"),
                       ("load oxigraph (oxigraph load) seconds", "oxigraph load, wall"),
                       ("load oxigraph CPU seconds", "oxigraph load, CPU"),
                       ("compact embedded (pyoxigraph optimize) seconds", "pyoxigraph optimize, wall"),
                       ("compact oxigraph (oxigraph optimize) seconds", "oxigraph optimize, wall"),
                       ("generate seconds", "generate (N-Quads)")):
        _plot(ax[0], g, key, label)
    _loglog(ax[0], "Build/load time", "seconds")
    ax[0].legend(fontsize=7)
    for key, label in (("store on disk, embedded", "pyoxigraph store"), ("store on disk, oxigraph", "oxigraph server store")):
        _plot(ax[1], g, key, label)
    _loglog(ax[1], "Store size on disk", "MiB")
    ax[1].legend(fontsize=7)
    save(fig, "load_and_disk.png")

    fig, ax = plt.subplots(figsize=(6, 4.2))
    for ep in ENDPOINTS:
        _plot(ax, g, f"peak memory {ep}", ep)
    _loglog(ax, "Peak memory of the serving processes (RSS, incl. workers)", "MiB")
    ax.legend(fontsize=7)
    save(fig, "memory.png")

    fig, ax = plt.subplots(1, 2, figsize=(12, 4.6))
    names = sorted({q for r in runs for q in r["latency"]["named"]})
    for q in names:
        _plot(ax[0], g, f"named {q} p50 pedkg-embedded", q, ".-")
    _loglog(ax[0], "Named queries p50, pedkg (embedded store)", "ms")
    ax[0].legend(fontsize=5, ncol=2)
    for ep in ENDPOINTS:
        _plot(ax[1], g, f"named queries median p50 {ep}", ep)
    _loglog(ax[1], "Median over named queries of p50", "ms")
    ax[1].legend(fontsize=7)
    save(fig, "latency_named.png")

    fig, ax = plt.subplots(figsize=(6.5, 4.4))
    aggs = sorted({q for r in runs for q in r["latency"]["aggregates"]})
    for q in aggs:
        for ep, style in (("pedkg-embedded", "o-"), ("oxigraph-serve", "s--"), ("pedkg-remote", "^:")):
            _plot(ax, g, f"aggregate {q} p50 {ep}", f"{q} / {ep}", style)
    _loglog(ax, "Analyst aggregates over the national data, p50", "ms")
    ax.legend(fontsize=6)
    save(fig, "latency_aggregates.png")

    fig, ax = plt.subplots(figsize=(6, 4.2))
    _plot(ax, g, "validation compiled portfolios/s", "compiled checks (service.validation)")
    _plot(ax, g, "validation pySHACL portfolios/s", "plain pySHACL, same shapes")
    _loglog(ax, "Batch validation throughput (per size's run)", "portfolios / s")
    ax.legend(fontsize=7)
    save(fig, "validation.png")
    return paths


def main() -> int:
    runs = load_results()
    if not runs:
        print("no bench/results/results-*.json yet; run bench/measure.py or bench/run_all.py", file=sys.stderr)
        return 1
    g = growth(runs)
    (RESULTS / "growth.json").write_text(json.dumps(g, indent=1), encoding="utf-8")
    for p in plot_all(runs, g):
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
