"""Measure the service at one size of synthetic national data, beside its peers, in one run.

    .venv/bin/python bench/measure.py --teachers 10000 [--reps 20] [--rdflib] [--keep-data]

For a size it:
1. generates the synthetic graph (bench/generate.py) into bench/data/n<N>/synthetic.nq;
2. loads build/dataset.nq + synthetic.nq into a pyoxigraph store (bulk_load, in a child process:
   time and peak memory) laid out as a build directory, and into an Oxigraph server store
   (`oxigraph load`), then compacts both (`optimize`: a read-only store never compacts itself, and
   an uncompacted one answers 2-3x slower); times of each step, store sizes on disk;
3. starts `pedkg serve --build-dir bench/data/n<N>/build` (embedded store, 2 query workers),
   `oxigraph serve-read-only --union-default-graph` (the peer), and `pedkg serve` in remote-store
   mode over that Oxigraph server (PEDKG_STORE_URL); optionally rdflib-endpoint (rdflib's engine);
4. times every named query (queries/*.rq, its example) and the analyst aggregates
   (bench/aggregates/*.rq) over HTTP on each, p50/p95, while sampling the memory (RSS of the
   process and its workers, psutil) of each server;
5. batch validation of the generated teachers' portfolios (service/validation.py), compiled checks
   vs plain pySHACL on the same generated shapes.

Writes bench/results/results-<N>.json. Timings are wall-clock on this machine (2 cores).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from bench.generate import generate, load_regulation  # noqa: E402
from service import named_queries  # noqa: E402

BIN = Path(sys.executable).parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
SKIP_QUERIES = {"federation-isco-labels"}  # needs a second endpoint on the allow-list
JSON_ACCEPT = "application/sparql-results+json"


# ------------------------------------------------------------------------------ helpers
def du(path: Path) -> int:
    """Bytes on disk under `path` (files only, symlinks not followed)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


class MemorySampler:
    """Peak RSS of a process and its children, sampled in a thread."""

    def __init__(self, pid: int, every_s: float = 0.2) -> None:
        self.proc = psutil.Process(pid)
        self.every_s = every_s
        self.peak = 0
        self.last = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def sample(self) -> int:
        try:
            procs = [self.proc] + self.proc.children(recursive=True)
        except psutil.NoSuchProcess:
            return 0
        total = 0
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.last = self.sample()
            self.peak = max(self.peak, self.last)
            self._stop.wait(self.every_s)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join(2)
        return self.peak


@contextmanager
def server(cmd: list[str], ready_url: str, env: dict[str, str] | None = None, timeout_s: float = 900,
           log: Path | None = None) -> Iterator[dict[str, Any]]:
    """Start a server process, wait until `ready_url` answers 200, yield facts, then stop it."""
    log = log or RESULTS / "tmp" / "server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    fh = open(log, "ab")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
                            start_new_session=True)
    sampler = MemorySampler(proc.pid)
    info: dict[str, Any] = {"pid": proc.pid, "sampler": sampler}
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{cmd[0]} exited with {proc.returncode}; see {log}")
            try:
                if httpx.get(ready_url, timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - t0 > timeout_s:
                raise RuntimeError(f"{cmd[0]} not ready after {timeout_s} s; see {log}")
            time.sleep(0.1)
        info["ready_s"] = round(time.perf_counter() - t0, 2)
        info["rss_ready"] = sampler.sample()
        yield info
    finally:
        info["rss_peak"] = sampler.stop()
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # our own session: the server and its workers only
            proc.wait(20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(5)
        fh.close()


def time_requests(send, reps: int, warmup: int = 1, budget_s: float = 120.0) -> dict[str, Any]:
    """Call `send()` (returns an httpx.Response) warmup+reps times; latencies in ms."""
    out: dict[str, Any] = {}
    lat: list[float] = []
    started = time.perf_counter()
    for i in range(warmup + reps):
        t0 = time.perf_counter()
        try:
            r = send()
        except httpx.TimeoutException:
            out["error"] = "timeout"
            break
        dt = (time.perf_counter() - t0) * 1000
        if r.status_code != 200:
            out["error"] = f"HTTP {r.status_code}: {r.text[:200]}"
            break
        if i >= warmup:
            lat.append(dt)
        else:
            out["bytes"] = len(r.content)
            try:
                out["rows"] = len(r.json()["results"]["bindings"])
            except Exception:
                pass
        if time.perf_counter() - started > budget_s and lat:
            break
    if lat:
        out.update({"n": len(lat), "p50_ms": round(pct(lat, 0.5), 2), "p95_ms": round(pct(lat, 0.95), 2),
                    "mean_ms": round(statistics.fmean(lat), 2)})
    return out


# ------------------------------------------------------------------------------ the steps
def load_embedded(build_dir: Path, files: list[Path]) -> dict[str, Any]:
    """bulk_load `files` into build_dir/store in a child process: seconds, child peak RSS."""
    store = build_dir / "store"
    if build_dir.exists():
        shutil.rmtree(build_dir)
    build_dir.mkdir(parents=True)
    code = ("import sys, time, resource, json, pyoxigraph as ox\n"
            "t=time.perf_counter(); s=ox.Store(sys.argv[1])\n"
            "for f in sys.argv[2:]: s.bulk_load(path=f, format=ox.RdfFormat.N_QUADS)\n"
            "s.flush(); loaded=time.perf_counter()-t\n"
            "ru=resource.getrusage(resource.RUSAGE_SELF); cpu=ru.ru_utime+ru.ru_stime\n"
            "t=time.perf_counter(); s.optimize(); s.flush(); optimized=time.perf_counter()-t; n=len(s); del s\n"
            "ru=resource.getrusage(resource.RUSAGE_SELF)\n"
            "print(json.dumps({'seconds': loaded, 'quads': n, 'cpu_s': cpu, 'optimize_s': optimized,"
            " 'peak_rss': ru.ru_maxrss*1024}))\n")
    out = subprocess.run([sys.executable, "-c", code, str(store), *map(str, files)], check=True,
                         capture_output=True, text=True)
    facts = json.loads(out.stdout.strip().splitlines()[-1])
    summary = json.loads((ROOT / "build" / "build.json").read_text(encoding="utf-8"))
    summary.update({"release": f"bench-{build_dir.parent.name}", "triples": facts["quads"]})
    (build_dir / "build.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    return {"seconds": round(facts["seconds"], 2), "cpu_s": round(facts["cpu_s"], 2), "quads": facts["quads"],
            "optimize_s": round(facts["optimize_s"], 2), "peak_rss": facts["peak_rss"], "disk_bytes": du(store),
            "loadavg": os.getloadavg()[0]}


def load_oxigraph_server(location: Path, files: list[Path]) -> dict[str, Any]:
    if location.exists():
        shutil.rmtree(location)
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen([str(BIN / "oxigraph"), "load", "--location", str(location),
                             *sum((["--file", str(f)] for f in files), [])],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = MemorySampler(proc.pid)
    _, err = proc.communicate()
    peak = sampler.stop()
    if proc.returncode:
        raise RuntimeError(f"oxigraph load failed: {err.decode()[-500:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    subprocess.run([str(BIN / "oxigraph"), "optimize", "--location", str(location)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return {"seconds": round(seconds, 2), "cpu_s": round(cpu, 2), "peak_rss": peak,
            "optimize_s": round(time.perf_counter() - t0, 2), "disk_bytes": du(location),
            "loadavg": os.getloadavg()[0]}


def query_set(queries_dir: Path) -> dict[str, str]:
    qs = named_queries.load_queries(str(queries_dir))
    return {name: q.render(q.example_params()) for name, q in sorted(qs.items()) if name not in SKIP_QUERIES}


def bench_endpoints(endpoints: dict[str, dict], named: dict[str, str], aggregates: dict[str, str],
                    reps: int, agg_reps: int, timeout_s: float, budget_s: float = 30.0) -> dict[str, Any]:
    """Latencies of every query on every endpoint: {query: {endpoint: stats}}."""
    client = httpx.Client(timeout=timeout_s)
    out: dict[str, Any] = {"named": {}, "aggregates": {}}
    for group, qs, n in (("named", named, reps), ("aggregates", aggregates, agg_reps)):
        for name, text in qs.items():
            row = out[group].setdefault(name, {})
            for ep, spec in endpoints.items():
                if group == "aggregates" and not spec.get("aggregates", True):
                    continue
                url, kind = spec["url"], spec["kind"]
                if kind == "pedkg" and group == "named":
                    send = lambda u=url, q=name: client.get(f"{u}/api/queries/{q}.json",
                                                            params=spec["examples"][q])
                elif kind == "pedkg":
                    send = lambda u=url, t=text: client.post(f"{u}/sparql", data={"query": t},
                                                             headers={"Accept": JSON_ACCEPT})
                else:
                    send = lambda u=url, t=text, to=spec.get("timeout_s", timeout_s): client.post(
                        u, data={"query": t}, headers={"Accept": JSON_ACCEPT}, timeout=to)
                row[ep] = time_requests(send, min(n, spec.get("max_reps", n)), budget_s=spec.get("budget_s", budget_s))
                print(f"    {group:10} {name:45} {ep:14} {row[ep].get('p50_ms', row[ep].get('error'))}",
                      flush=True)
    client.close()
    return out


def bench_validation(teachers: list, shacl_n: int) -> dict[str, Any]:
    """Batch validation of generated portfolios: the validation API vs plain pySHACL."""
    try:
        from service import portfolio_shapes as ps
        from service import validation as V
        from service.portfolio_input import check_portfolio, portfolio_node
    except ImportError as exc:
        return {"available": False, "reason": f"service.validation not importable: {exc}"}
    needed = ("context", "rules_for", "compiled_statuses", "shacl_batch", "validate_portfolio")
    missing = [n for n in needed if not hasattr(V, n)]
    if missing:
        return {"available": False, "reason": "not available yet: service.validation lacks " + ", ".join(missing)}
    out: dict[str, Any] = {"available": True, "portfolios": len(teachers)}
    t0 = time.perf_counter()
    ctx = V.context()
    shapes = ps.generate_portfolio_shapes(ctx.graph, ctx.rules)
    out["setup_s"] = round(time.perf_counter() - t0, 2)
    dicts = [t.portfolio_dict() for t in teachers]
    # (a) the batch core: check the input, build the node, run the compiled checks
    t0 = time.perf_counter()
    nodes, compiled, skipped = [], {}, 0
    for d in dicts:
        p = check_portfolio(d, today=None)
        pr = ctx.rules.get(f"https://w3id.org/kz-edu/id/position/tqc-2020/{p.position}")
        if pr is None:
            skipped += 1
            continue
        cat = p.category if p.category in pr.rules else None
        node = portfolio_node(p, pr.position, cat)
        nodes.append(node)
        compiled[str(node["@id"])] = V.compiled_statuses(node, V.rules_for(pr, cat))
    dt = time.perf_counter() - t0
    out["compiled"] = {"seconds": round(dt, 3), "per_s": round(len(nodes) / dt, 1), "skipped": skipped}
    # (b) the full report per portfolio (verdict, reasons in 3 languages), as POST /validate does
    sample = dicts[: min(len(dicts), 5000)]
    t0 = time.perf_counter()
    verdicts: dict[str, int] = {}
    for d in sample:
        try:
            r = V.validate_portfolio(d, shacl=False)
            verdicts[r.verdict] = verdicts.get(r.verdict, 0) + 1
        except Exception as exc:  # a generated portfolio the API refuses is a finding, not a crash
            verdicts[type(exc).__name__] = verdicts.get(type(exc).__name__, 0) + 1
    dt = time.perf_counter() - t0
    out["report_api"] = {"portfolios": len(sample), "seconds": round(dt, 3), "per_s": round(len(sample) / dt, 1),
                         "verdicts": verdicts}
    # (c) plain pySHACL, one run over a batch, same shapes
    sub = nodes[:shacl_n]
    t0 = time.perf_counter()
    shacl = V.shacl_batch(sub, shapes)
    dt = time.perf_counter() - t0
    agree = sum(1 for n in sub if compiled[str(n["@id"])] == shacl.get(str(n["@id"]), {}))
    out["pyshacl"] = {"portfolios": len(sub), "seconds": round(dt, 3), "per_s": round(len(sub) / dt, 1),
                      "identical_statuses": agree}
    out["speedup_compiled_vs_pyshacl"] = round(out["compiled"]["per_s"] / out["pyshacl"]["per_s"], 1)
    return out


def rdflib_endpoint_cmd(files: list[Path], port: int) -> list[str]:
    code = ("import sys, uvicorn\n"
            "from rdflib import Dataset\n"
            "from rdflib_endpoint import SparqlEndpoint\n"
            "ds = Dataset(default_union=True)\n"
            "for f in sys.argv[2:]: ds.parse(f, format='nquads')\n"
            "app = SparqlEndpoint(graph=ds, path='/sparql')\n"
            "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[1]), log_level='warning')\n")
    return [sys.executable, "-c", code, str(port), *map(str, files)]


# ------------------------------------------------------------------------------ one size
def measure(teachers: int, reps: int = 20, agg_reps: int = 5, seed: int = 2025, rdflib: bool = False,
            remote: bool = True, keep_data: bool = False, shacl_n: int = 1000, validation_n: int = 20000,
            timeout_s: float = 600.0) -> dict[str, Any]:
    work = DATA / f"n{teachers}"
    work.mkdir(parents=True, exist_ok=True)
    res: dict[str, Any] = {"teachers": teachers, "seed": seed, "machine": {
        "cores": os.cpu_count(), "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version()}, "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "loadavg_start": os.getloadavg()}
    build_nq = ROOT / "build" / "dataset.nq"
    print(f"== {teachers:,} teachers", flush=True)

    # 1. generate
    t0 = time.perf_counter()
    regulation = load_regulation(ROOT / "build" / "store")
    syn = work / "synthetic.nq"
    gen = generate(teachers, syn, seed, regulation=regulation, keep=min(teachers, validation_n))
    res["generate"] = {"seconds": round(time.perf_counter() - t0, 2), "quads": gen.expected["quads"],
                       "bytes": syn.stat().st_size}
    res["expected"] = {k: v for k, v in gen.expected.items()}
    print(f"  generated {gen.expected['quads']:,} quads in {res['generate']['seconds']} s", flush=True)

    # 2. load
    files = [build_nq, syn]
    res["load_embedded"] = load_embedded(work / "build", files)
    print(f"  embedded load {res['load_embedded']}", flush=True)
    res["load_oxigraph"] = load_oxigraph_server(work / "oxstore", files)
    print(f"  oxigraph load {res['load_oxigraph']}", flush=True)
    res["quads_total"] = res["load_embedded"]["quads"]

    # 3-4. serve and query
    named = query_set(ROOT / "queries")
    aggregates = query_set(ROOT / "bench" / "aggregates")
    examples = {name: q.example_params() for name, q in named_queries.load_queries(str(ROOT / "queries")).items()}
    p_emb, p_ox, p_rem, p_rdf = free_port(), free_port(), free_port(), free_port()
    logs = RESULTS / "tmp"
    res["servers"] = {}
    pedkg = [str(BIN / "pedkg"), "serve", "--port"]
    with server(pedkg + [str(p_emb), "--build-dir", str(work / "build"), "--workers", "2",
                         "--timeout", str(timeout_s)],
                f"http://127.0.0.1:{p_emb}/healthz", log=logs / f"pedkg-{teachers}.log") as emb, \
         server([str(BIN / "oxigraph"), "serve-read-only", "--location", str(work / "oxstore"),
                 "--bind", f"127.0.0.1:{p_ox}", "--union-default-graph", "--timeout-s", str(int(timeout_s))],
                f"http://127.0.0.1:{p_ox}/query?query=ASK%7B%7D", log=logs / f"oxigraph-{teachers}.log") as ox:
        endpoints: dict[str, dict] = {
            "pedkg-embedded": {"url": f"http://127.0.0.1:{p_emb}", "kind": "pedkg", "examples": examples},
            "oxigraph-serve": {"url": f"http://127.0.0.1:{p_ox}/query", "kind": "sparql"},
        }
        servers = {"pedkg-embedded": emb, "oxigraph-serve": ox}
        rem_ctx = server(pedkg + [str(p_rem), "--timeout", str(timeout_s)], f"http://127.0.0.1:{p_rem}/healthz",
                         env={"PEDKG_STORE_URL": f"http://127.0.0.1:{p_ox}/query"},
                         log=logs / f"pedkg-remote-{teachers}.log") if remote else None
        rdf_ctx = server(rdflib_endpoint_cmd(files, p_rdf), f"http://127.0.0.1:{p_rdf}/sparql?query=ASK%7B%7D",
                         log=logs / f"rdflib-{teachers}.log", timeout_s=1800) if rdflib else None
        rem = rem_ctx.__enter__() if rem_ctx else None
        rdf = None
        try:
            if rem is not None:
                endpoints["pedkg-remote"] = {"url": f"http://127.0.0.1:{p_rem}", "kind": "pedkg",
                                             "examples": examples}
                servers["pedkg-remote"] = rem
            if rdf_ctx is not None:
                try:
                    rdf = rdf_ctx.__enter__()
                    endpoints["rdflib-endpoint"] = {"url": f"http://127.0.0.1:{p_rdf}/sparql", "kind": "sparql",
                                                    "budget_s": 20.0, "max_reps": 3, "timeout_s": 60.0}
                    servers["rdflib-endpoint"] = rdf
                except Exception as exc:
                    res["rdflib_error"] = str(exc)
                    rdf_ctx = None
            res["latency"] = bench_endpoints(endpoints, named, aggregates, reps, agg_reps, timeout_s)
        finally:
            if rdf_ctx is not None and rdf is not None:
                rdf_ctx.__exit__(None, None, None)
            if rem_ctx is not None:
                rem_ctx.__exit__(None, None, None)
            for name, info in servers.items():
                if name in ("pedkg-embedded", "oxigraph-serve"):
                    info["rss_peak"] = info["sampler"].stop()
    for name, info in servers.items():
        res["servers"][name] = {k: v for k, v in info.items() if k not in ("sampler", "pid")}

    # 5. validation
    res["validation"] = bench_validation(gen.kept, shacl_n)
    print(f"  validation {json.dumps({k: v for k, v in res['validation'].items() if k != 'report_api'})}",
          flush=True)

    res["loadavg_end"] = os.getloadavg()
    res["disk_free_after"] = shutil.disk_usage(str(ROOT)).free
    res["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"results-{teachers}.json").write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    if not keep_data:
        for sub in ("build", "oxstore"):
            shutil.rmtree(work / sub, ignore_errors=True)
        syn.unlink(missing_ok=True)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--teachers", type=int, default=10_000)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--agg-reps", type=int, default=5)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--rdflib", action="store_true", help="also time rdflib-endpoint (small sizes only)")
    ap.add_argument("--no-remote", action="store_true")
    ap.add_argument("--keep-data", action="store_true")
    ap.add_argument("--shacl-n", type=int, default=1000)
    args = ap.parse_args(argv)
    measure(args.teachers, args.reps, args.agg_reps, args.seed, args.rdflib, not args.no_remote, args.keep_data,
            args.shacl_n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
