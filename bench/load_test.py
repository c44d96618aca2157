"""Bounded load test on loopback: a live ``pedkg serve`` under N concurrent clients.

    .venv/bin/python bench/load_test.py                      # 16 clients x 60 s x 3 runs
    .venv/bin/python bench/load_test.py --clients 4 --duration 5 --runs 1 --out -

Starts ``pedkg serve`` on a free port over the build (``--build-dir``), then mixes:
named queries (/api/queries/<name> with their examples), raw SPARQL (GET JSON, POST CSV), page
views (/ and /id/... when the pages exist, else /healthz and the service description) and
validations (POST /validate with examples/*.json, when the route exists).  Reports per kind the
request count, 5xx count, p50/p99 latency; the throughput; and the RSS of the service (main
process plus its query workers) before and after each run.  Results: bench/results/load.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import quote, urlencode

REPO = Path(__file__).resolve().parents[1]
PEDKG = REPO / ".venv" / "bin" / "pedkg"
SIMPLE = "PREFIX kzo: <https://w3id.org/kz-edu/onto#> SELECT ?p WHERE { ?p a kzo:Position } LIMIT 20"
CSV_QUERY = ("PREFIX kzo: <https://w3id.org/kz-edu/onto#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
             "SELECT ?p ?label WHERE { ?p a kzo:Position ; skos:prefLabel ?label } ORDER BY ?p LIMIT 200")

Request = tuple[str, str, bytes, dict[str, str]]  # method, target, body, headers


# ---------------------------------------------------------------- the service under test

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid: int) -> int:
    """Resident memory of `pid` and all its descendants (kB), from /proc."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


class Service:
    """`pedkg serve` in a subprocess on a free port (stopped by its pid only)."""

    def __init__(self, build_dir: Path, workers: int = 2, timeout_s: float = 30.0) -> None:
        self.port = free_port()
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.log = open(os.devnull, "wb")
        self.process = subprocess.Popen(
            [str(PEDKG), "serve", "--port", str(self.port), "--build-dir", str(build_dir),
             "--queries-dir", str(REPO / "queries"), "--workers", str(workers), "--timeout", str(timeout_s)],
            cwd=str(REPO), env=env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 180
        while True:
            try:
                if get(self.port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("pedkg serve did not start")
            time.sleep(0.2)

    @property
    def rss_mb(self) -> float:
        return rss_kb(self.process.pid) / 1024

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()


def get(port: int, target: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", target, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# ---------------------------------------------------------------- the request mix

def request_mix(port: int) -> dict[str, list[Request]]:
    """Requests by kind, discovered from the running service."""
    kinds: dict[str, list[Request]] = {}
    listing = json.loads(get(port, "/api/queries")[1])["queries"]
    kinds["named"] = [("GET", f"/api/queries/{q['name']}.json"
                       + ("?" + quote(q["example"], safe="=&%:/") if q.get("example") else ""), b"", {})
                      for q in listing if not q["name"].startswith("federation-")]
    kinds["sparql"] = [
        ("GET", "/sparql?" + urlencode({"query": SIMPLE}), b"", {"Accept": "application/sparql-results+json"}),
        ("POST", "/sparql", CSV_QUERY.encode(), {"Content-Type": "application/sparql-query", "Accept": "text/csv"}),
        ("POST", "/sparql", urlencode({"query": SIMPLE}).encode(),
         {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/csv"}),
        ("GET", "/sparql?" + urlencode({"query": CSV_QUERY, "format": "json"}), b"", {}),
    ]
    if get(port, "/", {"Accept": "text/html"})[0] == 200:
        rows = json.loads(get(port, "/sparql?" + urlencode({"query": SIMPLE}))[1])["results"]["bindings"]
        ids = [r["p"]["value"].replace("https://w3id.org/kz-edu", "") for r in rows]
        kinds["page"] = [("GET", "/", b"", {"Accept": "text/html"})] + [
            ("GET", quote(i), b"", {"Accept": "text/html"}) for i in ids[:10]] + [
            ("GET", quote(i), b"", {"Accept": "text/turtle"}) for i in ids[:5]]
    else:
        kinds["page"] = [("GET", "/healthz", b"", {}), ("GET", "/sparql", b"", {"Accept": "text/turtle"})]
    probe = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    probe.request("POST", "/validate", body=b"{}", headers={"Content-Type": "application/json"})
    wired = probe.getresponse().status != 404
    probe.close()
    examples = sorted((REPO / "examples").glob("*.json")) if (REPO / "examples").is_dir() else []
    if wired and examples:
        kinds["validate"] = [("POST", "/validate", json.dumps({"portfolio": json.loads(p.read_text("utf-8")),
                                                                "lang": lang}).encode(),
                              {"Content-Type": "application/json"}) for p in examples for lang in ("ru", "kk", "en")]
    return kinds


# ---------------------------------------------------------------- the clients

@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)
    errors: int = 0  # connection failures
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            counts = self.statuses.setdefault(kind, {})
            counts[status] = counts.get(status, 0) + 1

    @property
    def server_errors(self) -> int:
        return sum(n for counts in self.statuses.values() for s, n in counts.items() if s >= 500)

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.latencies.values())


def client_loop(port: int, kinds: dict[str, list[Request]], stop: Callable[[], bool], tally: Tally,
                seed: int) -> None:
    rng = random.Random(seed)
    names = sorted(kinds)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while not stop():
        kind = rng.choice(names)
        method, target, body, headers = rng.choice(kinds[kind])
        started = time.perf_counter()
        try:
            conn.request(method, target, body=body or None, headers=headers)
            response = conn.getresponse()
            response.read()
            tally.add(kind, response.status, time.perf_counter() - started)
            if response.getheader("connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        except (OSError, http.client.HTTPException):
            with tally.lock:
                tally.errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.close()


def run_load(port: int, kinds: dict[str, list[Request]], clients: int, duration_s: float) -> tuple[Tally, float]:
    tally = Tally()
    deadline = time.monotonic() + duration_s
    threads = [threading.Thread(target=client_loop, args=(port, kinds, lambda: time.monotonic() > deadline,
                                                          tally, i), daemon=True) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration_s + 180)
    return tally, time.monotonic() - started


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def warm_up(port: int, kinds: dict[str, list[Request]]) -> dict[str, dict[int, int]]:
    """Every request once, so lazy caches (pages, validation graph) are filled before measuring;
    returns the statuses seen, by kind."""
    tally = Tally()
    for kind, requests in kinds.items():
        for method, target, body, headers in requests:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=180)
            conn.request(method, target, body=body or None, headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            tally.add(kind, response.status, 0.0)
    return tally.statuses


# ---------------------------------------------------------------- report

def report(runs: list[dict], clients: int, duration_s: float, kinds: dict[str, list[Request]]) -> str:
    lines = ["# Load test", "",
             f"`bench/load_test.py`: {clients} concurrent clients on loopback, {duration_s:g} s per run, "
             f"{len(runs)} runs against one `pedkg serve` (2 query workers, the whole build). "
             "Kinds are drawn at random with equal weight: " +
             ", ".join(f"{k} ({len(v)} distinct requests)" for k, v in sorted(kinds.items())) + ".", "",
             f"Machine: {os.cpu_count()} CPUs; Python {sys.version.split()[0]}; "
             f"date {time.strftime('%Y-%m-%d %H:%M')}.", "",
             "| run | requests | throughput (req/s) | 5xx | connection errors | RSS before (MB) | RSS after (MB) |",
             "|---|---|---|---|---|---|---|"]
    for i, r in enumerate(runs, 1):
        lines.append(f"| {i} | {r['total']} | {r['throughput']:.1f} | {r['server_errors']} | {r['errors']} | "
                     f"{r['rss_before']:.0f} | {r['rss_after']:.0f} |")
    lines += ["", "Latency per kind (all runs together):", "",
              "| kind | requests | statuses | p50 (ms) | p99 (ms) |", "|---|---|---|---|---|"]
    merged: dict[str, list[float]] = {}
    statuses: dict[str, dict[int, int]] = {}
    for r in runs:
        for kind, values in r["latencies"].items():
            merged.setdefault(kind, []).extend(values)
        for kind, counts in r["statuses"].items():
            for s, n in counts.items():
                statuses.setdefault(kind, {})[s] = statuses.setdefault(kind, {}).get(s, 0) + n
    for kind in sorted(merged):
        values = merged[kind]
        counts = ", ".join(f"{s}: {n}" for s, n in sorted(statuses[kind].items()))
        lines.append(f"| {kind} | {len(values)} | {counts} | {percentile(values, 50) * 1000:.1f} | "
                     f"{percentile(values, 99) * 1000:.1f} |")
    growth = runs[-1]["rss_after"] - runs[0]["rss_before"]
    lines += ["", f"Memory: {runs[0]['rss_before']:.0f} MB before the first run, {runs[-1]['rss_after']:.0f} MB "
                  f"after the last ({growth:+.0f} MB over {len(runs)} runs).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--build-dir", type=Path, default=REPO / "build")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "load.md"), help="'-': stdout only")
    args = parser.parse_args(argv)
    service = Service(args.build_dir, args.workers)
    try:
        kinds = request_mix(service.port)
        warm_up(service.port, kinds)
        runs = []
        for i in range(args.runs):
            before = service.rss_mb
            tally, elapsed = run_load(service.port, kinds, args.clients, args.duration)
            after = service.rss_mb
            runs.append({"total": tally.total, "throughput": tally.total / elapsed,
                         "server_errors": tally.server_errors, "errors": tally.errors,
                         "rss_before": before, "rss_after": after,
                         "latencies": tally.latencies, "statuses": tally.statuses})
            print(f"run {i + 1}: {tally.total} requests, {tally.total / elapsed:.1f}/s, "
                  f"5xx {tally.server_errors}, RSS {before:.0f} -> {after:.0f} MB", file=sys.stderr)
    finally:
        service.stop()
    text = report(runs, args.clients, args.duration, kinds)
    print(text)
    if args.out != "-":
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text, encoding="utf-8")
    return 1 if any(r["server_errors"] or r["errors"] for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
