"""Benchmark: every named query over HTTP, on our service and its peers, in one run.

    .venv/bin/python bench/bench_service.py [--build build] [--reps 30] [--budget 8]
                                            [--concurrency 4] [--duration 2] [--with-remote]

Servers (started here, on free ports, over the same build/dataset.nq; stopped at the end):

- ``pedkg``: ``pedkg serve --build-dir BUILD`` (the embedded store, its query workers);
- ``rdflib``: ``rdflib-endpoint serve BUILD/dataset.nq`` (rdflib's SPARQL engine; the baseline;
  its CLI serves the endpoint at ``/``);
- ``oxigraph``: ``oxigraph serve --union-default-graph`` in memory, the dump POSTed to its
  ``/store`` (the same engine and storage as ours, with no Python in front: the practical limit);
  with ``--oxigraph-disk``: ``oxigraph serve-read-only`` over the dump loaded with ``oxigraph load``;
- ``pedkg-remote`` (with ``--with-remote``): ``pedkg serve --store-url`` over that Oxigraph server.

Each query (``queries/*.rq`` rendered with its header's example; queries with SERVICE are left
out) is sent as ``POST /sparql`` (form) with ``Accept: application/sparql-results+json``:
2 warm-up runs, then rounds of one sequential run per server (in a rotated order, so that other
load on the machine hits every server alike) until `--reps` rounds or `--budget` seconds (at
least 3 rounds), for the median and p95 latency; then `--concurrency` clients for `--duration`
seconds per server for the throughput.
Every server must return the same number of rows; a difference is reported, and one between
pedkg and Oxigraph (the same engine) fails the run (exit 1).

Writes ``bench/results/service.md`` (a Markdown table) and ``bench/results/service.json``.
Targets: median latency ≥ 20× lower than rdflib-endpoint's, and ≤ 1.5× Oxigraph server's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from service.named_queries import load_queries  # noqa: E402
from service.sparql import analyse  # noqa: E402

BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
ACCEPT = "application/sparql-results+json"
TARGET_RDFLIB, TARGET_OXIGRAPH = 20.0, 1.5


@dataclass
class Measure:
    query: str
    server: str
    rows: int
    runs: int
    p50_ms: float
    p95_ms: float
    qps: float
    error: str = ""


# ------------------------------------------------------------------ servers

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(name: str, argv: list[str], probe: str, log_dir: Path, timeout_s: float = 300,
           env: dict[str, str] | None = None) -> Iterator[str]:
    """Start `argv` in its own process group; wait until GET `probe` answers 200; stop it after."""
    log = open(log_dir / f"{name}.log", "wb")
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                               env={**os.environ, **(env or {})}, cwd=ROOT)
    started = time.monotonic()
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}; see {log.name}")
            try:
                if httpx.get(probe, timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() - started > timeout_s:
                raise RuntimeError(f"{name} did not answer within {timeout_s} s; see {log.name}")
            time.sleep(0.2)
        print(f"  {name} ready in {time.monotonic() - started:.1f} s", file=sys.stderr)
        yield probe
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        log.close()


# ------------------------------------------------------------------ measuring

def run_once(client: httpx.Client, url: str, query: str) -> int:
    """Send `query`; the number of result rows (raises on an HTTP error)."""
    response = client.post(url, data={"query": query}, headers={"Accept": ACCEPT})
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
    body = response.json()
    return len(body["results"]["bindings"]) if "results" in body else 1


def measure_query(name: str, query: str, urls: dict[str, str], args: argparse.Namespace) -> list[Measure]:
    """Latency on every server, interleaved (each round visits the servers in a rotated order, so
    a burst of load elsewhere on the machine hits them alike), then each server's throughput."""
    clients = {s: httpx.Client(timeout=120) for s in urls}
    rows: dict[str, int] = {}
    failed: dict[str, str] = {}
    times: dict[str, list[float]] = {s: [] for s in urls}
    try:
        for s, url in urls.items():
            try:
                for _ in range(2):
                    rows[s] = run_once(clients[s], url, query)
            except (RuntimeError, httpx.HTTPError) as exc:
                failed[s] = str(exc)[:200]
        live = [s for s in urls if s not in failed]
        started, rounds = time.perf_counter(), 0
        while live and rounds < args.reps and (rounds < 3 or time.perf_counter() - started < args.budget):
            for s in live[rounds % len(live):] + live[:rounds % len(live)]:
                t0 = time.perf_counter()
                run_once(clients[s], urls[s], query)
                times[s].append(time.perf_counter() - t0)
            rounds += 1
    finally:
        for c in clients.values():
            c.close()
    out = []
    for s, url in urls.items():
        if s in failed:
            out.append(Measure(name, s, -1, 0, float("nan"), float("nan"), 0.0, failed[s]))
            continue
        ts = sorted(times[s])
        p95 = ts[min(len(ts) - 1, int(round(0.95 * (len(ts) - 1))))]
        out.append(Measure(name, s, rows[s], len(ts), round(statistics.median(ts) * 1000, 2),
                           round(p95 * 1000, 2), round(throughput(url, query, args), 1)))
    return out


def throughput(url: str, query: str, args: argparse.Namespace) -> float:
    """Completed queries per second with `args.concurrency` clients for `args.duration` seconds."""
    done = [0] * args.concurrency
    stop = time.perf_counter() + args.duration

    def client_loop(i: int) -> None:
        with httpx.Client(timeout=120) as client:
            while time.perf_counter() < stop:
                run_once(client, url, query)
                done[i] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(args.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.perf_counter() - started)


# ------------------------------------------------------------------ report

def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b and a == a and b == b else float("nan")


def report(results: list[Measure], servers: list[str], meta: dict) -> tuple[str, dict, bool]:
    by = {(m.query, m.server): m for m in results}
    queries = sorted({m.query for m in results})
    head = ["query"]
    for s in servers:
        head += [f"{s} p50 ms", f"{s} p95 ms", f"{s} q/s"]
    head += ["rdflib / pedkg (p50)", "pedkg / oxigraph (p50)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    vs_rdflib, vs_oxigraph = [], []
    for q in queries:
        cells = [q]
        for s in servers:
            m = by.get((q, s))
            cells += ["error", "", ""] if m is None or m.error else [f"{m.p50_ms:g}", f"{m.p95_ms:g}", f"{m.qps:g}"]
        ours, rdf, oxi = by.get((q, "pedkg")), by.get((q, "rdflib")), by.get((q, "oxigraph"))
        r1 = ratio(rdf.p50_ms, ours.p50_ms) if ours and rdf and not (ours.error or rdf.error) else float("nan")
        r2 = ratio(ours.p50_ms, oxi.p50_ms) if ours and oxi and not (ours.error or oxi.error) else float("nan")
        if r1 == r1:
            vs_rdflib.append(r1)
        if r2 == r2:
            vs_oxigraph.append(r2)
        cells += [f"{r1:g}×", f"{r2:g}×"]
        lines.append("| " + " | ".join(cells) + " |")
    med_rdflib = round(statistics.median(vs_rdflib), 2) if vs_rdflib else float("nan")
    med_oxigraph = round(statistics.median(vs_oxigraph), 2) if vs_oxigraph else float("nan")
    ok_rdflib = bool(vs_rdflib) and med_rdflib >= TARGET_RDFLIB
    ok_oxigraph = bool(vs_oxigraph) and med_oxigraph <= TARGET_OXIGRAPH
    summary = {"median_speedup_vs_rdflib": med_rdflib, "target_vs_rdflib": TARGET_RDFLIB, "met_vs_rdflib": ok_rdflib,
               "median_ratio_vs_oxigraph": med_oxigraph, "target_vs_oxigraph": TARGET_OXIGRAPH,
               "met_vs_oxigraph": ok_oxigraph,
               "worst_ratio_vs_oxigraph": max(vs_oxigraph) if vs_oxigraph else None}
    text = "\n".join([
        "# Service benchmark: named queries over HTTP",
        "",
        f"Generated by `bench/bench_service.py` on {meta['date']} ({meta['machine']}); build of "
        f"{meta['triples']} quads; {meta['args']}; Oxigraph server {meta['oxigraph']}.",
        "Latency: sequential requests (p50/p95, ms); throughput: "
        f"{meta['concurrency']} concurrent clients for {meta['duration']} s (q/s).",
        "",
        *lines,
        "",
        f"**Median over queries** — rdflib-endpoint / pedkg: **{med_rdflib}×** "
        f"(target ≥ {TARGET_RDFLIB}×: {'met' if ok_rdflib else 'MISSED'}); pedkg / oxigraph serve: "
        f"**{med_oxigraph}×** (target ≤ {TARGET_OXIGRAPH}×: {'met' if ok_oxigraph else 'MISSED'}).",
        "",
    ])
    return text, summary, ok_rdflib and ok_oxigraph


# ------------------------------------------------------------------ main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    parser.add_argument("--reps", type=int, default=30, help="Most sequential runs per query and server.")
    parser.add_argument("--budget", type=float, default=8.0, help="Seconds of sequential runs per query and server.")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--duration", type=float, default=2.0, help="Seconds of the throughput run.")
    parser.add_argument("--only", nargs="*", default=None, help="Named queries to run (default: all).")
    parser.add_argument("--with-remote", action="store_true", help="Also pedkg in remote mode over Oxigraph.")
    parser.add_argument("--no-rdflib", action="store_true", help="Leave rdflib-endpoint out (quick runs).")
    parser.add_argument("--oxigraph-disk", action="store_true", help="Oxigraph server on disk, not in memory.")
    parser.add_argument("--out", type=Path, default=RESULTS / "service")
    args = parser.parse_args(argv)

    build = args.build.resolve()
    dump = build / "dataset.nq"
    if not dump.is_file():
        print(f"no build at {build}: run `pedkg build` first", file=sys.stderr)
        return 2
    oxigraph = BIN / "oxigraph" if (BIN / "oxigraph").is_file() else shutil.which("oxigraph")
    rdflib_endpoint = BIN / "rdflib-endpoint" if (BIN / "rdflib-endpoint").is_file() else shutil.which("rdflib-endpoint")
    if not oxigraph or not rdflib_endpoint:
        print("needs the `oxigraph` and `rdflib-endpoint` commands: pip install oxigraph rdflib-endpoint",
              file=sys.stderr)
        return 2

    queries = {}
    for name, q in sorted(load_queries(ROOT / "queries").items()):
        text = q.render(q.example_params())
        if analyse(text).service_targets:
            continue  # federation needs a second endpoint on the allow-list
        if args.only is None or name in args.only:
            queries[name] = text

    results: list[Measure] = []
    with tempfile.TemporaryDirectory(prefix="pedkg-bench-") as tmp, ExitStack() as stack:
        tmp_path = Path(tmp)
        ports = {name: free_port() for name in ("pedkg", "rdflib", "oxigraph", "pedkg-remote")}
        urls = {"oxigraph": f"http://127.0.0.1:{ports['oxigraph']}/query"}
        bind = ["--bind", f"127.0.0.1:{ports['oxigraph']}", "--union-default-graph"]
        if args.oxigraph_disk:
            subprocess.run([str(oxigraph), "load", "--location", str(tmp_path / "oxigraph"), "--file", str(dump)],
                           check=True, capture_output=True)
            command = [str(oxigraph), "serve-read-only", "--location", str(tmp_path / "oxigraph"), *bind]
        else:
            command = [str(oxigraph), "serve", *bind]
        stack.enter_context(server("oxigraph", command, urls["oxigraph"] + "?query=ASK%7B%7D", tmp_path))
        if not args.oxigraph_disk:
            loaded = httpx.post(f"http://127.0.0.1:{ports['oxigraph']}/store", content=dump.read_bytes(),
                                headers={"Content-Type": "application/n-quads"}, timeout=300)
            loaded.raise_for_status()
        urls["pedkg"] = f"http://127.0.0.1:{ports['pedkg']}/sparql"
        stack.enter_context(server("pedkg", [str(BIN / "pedkg"), "serve", "--build-dir", str(build),
                                             "--port", str(ports["pedkg"])],
                                   f"http://127.0.0.1:{ports['pedkg']}/healthz", tmp_path))
        if args.with_remote:
            urls["pedkg-remote"] = f"http://127.0.0.1:{ports['pedkg-remote']}/sparql"
            stack.enter_context(server("pedkg-remote", [str(BIN / "pedkg"), "serve", "--port", str(ports["pedkg-remote"]),
                                                        "--store-url", urls["oxigraph"]],
                                       f"http://127.0.0.1:{ports['pedkg-remote']}/healthz", tmp_path))
        if not args.no_rdflib:
            urls["rdflib"] = f"http://127.0.0.1:{ports['rdflib']}/"  # its CLI serves the endpoint at /
            stack.enter_context(server("rdflib", [str(rdflib_endpoint), "serve", str(dump), "--host", "127.0.0.1",
                                                  "--port", str(ports["rdflib"])],
                                       urls["rdflib"] + "?query=ASK%7B%7D", tmp_path, timeout_s=600))
        triples = json.loads(httpx.get(f"http://127.0.0.1:{ports['pedkg']}/healthz").text)["quads"]
        for name, text in queries.items():
            for m in measure_query(name, text, urls, args):
                results.append(m)
                print(f"  {name:<45} {m.server:<13} rows={m.rows:<5} p50={m.p50_ms:>9} ms "
                      f"p95={m.p95_ms:>9} ms {m.qps:>7} q/s {m.error}", file=sys.stderr)

    servers = list(urls)
    rows = {(m.query, m.server): m.rows for m in results if not m.error}
    mismatched = sorted({q for q, _ in rows if len({n for (q2, _), n in rows.items() if q2 == q}) > 1})
    engine_mismatch = [q for q in mismatched if rows.get((q, "pedkg")) != rows.get((q, "oxigraph"))]
    meta = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
            f"load {os.getloadavg()[0]:.1f}", "triples": triples, "concurrency": args.concurrency,
            "duration": args.duration, "oxigraph": "on disk" if args.oxigraph_disk else "in memory",
            "args": f"reps ≤ {args.reps}, budget {args.budget} s per query and server"}
    text, summary, met = report(results, servers, meta)
    if mismatched:
        text += "\n**Row counts differ** for: " + ", ".join(
            f"{q} ({', '.join(f'{s}: {rows.get((q, s), chr(8212))}' for s in servers)})" for q in mismatched) + ".\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".md").write_text(text, encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps(
        {"meta": meta, "summary": summary, "row_mismatches": mismatched,
         "results": [asdict(m) for m in results]}, indent=2, ensure_ascii=False), encoding="utf-8")
    print(text)
    return 1 if engine_mismatch else 0


if __name__ == "__main__":
    sys.exit(main())
