"""The data behind the endpoint: where it comes from, and the engines that run queries on it.

Sources (`DatasetSource`):
- ``store``: the build's on-disk pyoxigraph store, opened with `Store.read_only` by every worker;
- ``snapshot``: an N-Quads file (the `--data` files merged and checked once by `load_data_files`,
  or the build's ``dataset.nq`` when updates are allowed); every worker loads it into memory.

Engines (both take a `Job` and return a `JobResult` with the serialized body):
- `WorkerPool` — the service's engine.  Queries run in separate worker processes, so a query that
  overruns its time limit is *really* stopped: the worker is killed (SIGKILL) and replaced, while
  the other workers go on answering.  An update runs on one worker, which then writes a new
  snapshot; the other workers load it before their next job (updates are never written to the build).
- `LocalEngine` — runs jobs in the calling process; no enforceable time limit (tests and tools).
"""

from __future__ import annotations

import itertools
import json
import logging
import multiprocessing
import os
import queue
import shutil
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable

import pyoxigraph as ox

from . import errors

log = logging.getLogger("pedkg.service")

# Builds whose N-Quads dump is at most this size are served from memory (see `open_engine`).
IN_MEMORY_MAX_DUMP_BYTES = 100_000_000
_EXTRA_SUFFIXES = {"owl": ox.RdfFormat.RDF_XML, "jsonld": ox.RdfFormat.JSON_LD,
                   "ntriples": ox.RdfFormat.N_TRIPLES, "nquads": ox.RdfFormat.N_QUADS}


class DataLoadError(ValueError):
    """A data file could not be read; the message names the file, line and column."""


def guess_format(path: Path) -> ox.RdfFormat:
    """The RDF format of `path` from its suffix.

    >>> guess_format(Path("x.trig")).name
    'TriG'
    """
    ext = path.suffix.lower().lstrip(".")
    fmt = _EXTRA_SUFFIXES.get(ext) or ox.RdfFormat.from_extension(ext)
    if fmt is None:
        raise DataLoadError(f"{path}: unknown RDF file suffix {path.suffix!r} (use .ttl, .nt, .nq, "
                            ".trig, .rdf/.owl/.xml or .jsonld)")
    return fmt


def load_data_files(paths: Iterable[str | Path], store: ox.Store | None = None) -> ox.Store:
    """Load RDF files into `store` (a new in-memory one by default); quad formats keep their graphs.

    :raises DataLoadError: a file is missing, has an unknown suffix or is malformed (with its line).
    """
    store = ox.Store() if store is None else store
    for raw in paths:
        path = Path(raw)
        fmt = guess_format(path)
        if not path.is_file():
            raise DataLoadError(f"{path}: no such file")
        try:
            store.load(path=str(path), format=fmt, base_iri=path.resolve().as_uri())
        except SyntaxError as exc:
            where = f" line {exc.lineno} column {exc.offset}" if exc.lineno else ""
            message = str(exc.msg if hasattr(exc, "msg") and exc.msg else exc).split(" (", 1)[0]
            raise DataLoadError(f"{path}:{where}: {message}") from None
        except (OSError, ValueError) as exc:
            raise DataLoadError(f"{path}: {exc}") from None
    return store


@dataclass(frozen=True)
class DatasetSource:
    kind: str  # "store" | "snapshot"
    path: str
    generation: int = 0

    def open(self) -> ox.Store:
        if self.kind == "store":
            return ox.Store.read_only(self.path)
        store = ox.Store()
        store.bulk_load(path=self.path, format=ox.RdfFormat.N_QUADS)
        return store


@dataclass(frozen=True)
class Job:
    """One unit of work for an engine (picklable: it crosses to a worker process)."""

    kind: str  # "query" | "update" | "info"
    text: str = ""
    use_union: bool = True
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    results_format: str | None = None  # media type for SELECT/ASK
    graph_format: str | None = None  # media type for CONSTRUCT/DESCRIBE
    max_rows: int = 10000
    base_iri: str | None = None
    snapshot_to: str | None = None  # update: where to write the new snapshot


@dataclass(frozen=True)
class JobResult:
    body: bytes = b""
    media_type: str = ""
    truncated: bool = False
    info: dict[str, Any] | None = None
    error: tuple[int, str, str] | None = None  # (status, code, message) for client errors


def run_job(store: ox.Store, job: Job) -> JobResult:
    """Execute `job` on `store` and serialize the outcome; client errors come back as data."""
    try:
        return _execute(store, job)
    except (SyntaxError, NotAcceptable, OSError, RuntimeError) as exc:
        # Drop the failed frames' locals (pyoxigraph iterators) here, in the thread that made them.
        traceback.clear_frames(exc.__traceback__)
        return JobResult(error=_classify(exc))


def _execute(store: ox.Store, job: Job) -> JobResult:
    if job.kind == "info":
        graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
        return JobResult(info={"quads": len(store), "named_graphs": graphs})
    if job.kind == "update":
        store.update(job.text, base_iri=job.base_iri)
        if job.snapshot_to:
            store.dump(job.snapshot_to, format=ox.RdfFormat.N_QUADS)
        return JobResult(body=b"", media_type="text/plain")
    kwargs: dict[str, Any] = {"base_iri": job.base_iri}
    if job.default_graphs is not None or job.named_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs or ()]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs or ()]
    else:
        kwargs["use_default_graph_as_union"] = job.use_union
    outcome = store.query(job.text, **kwargs)
    return serialize_outcome(outcome, job.results_format, job.graph_format, job.max_rows)


def _classify(exc: BaseException) -> tuple[int, str, str]:
    if isinstance(exc, SyntaxError):
        return 400, "query_syntax", f"SPARQL syntax error: {exc}"
    if isinstance(exc, NotAcceptable):
        return 406, "not_acceptable", str(exc)
    if isinstance(exc, OSError):  # pyoxigraph: a failing SERVICE call, or a read-only store
        log.warning("query failed: %s", exc)
        if "read-only" in str(exc).lower() or "read only" in str(exc).lower():
            return 403, "read_only", "This store is read-only."
        return 502, "federation_failed", "A SERVICE call of the query failed; check the remote endpoint."
    # RuntimeError: pyoxigraph's evaluation errors, which depend on the query
    return 400, "query_evaluation", f"The query cannot be evaluated: {exc}"


class NotAcceptable(Exception):
    """The client accepts no format for this query form."""


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RESULTS_FORMATS = {f.media_type.split(";")[0]: f for f in (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML,
                                             ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV)}
GRAPH_FORMATS = {f.media_type.split(";")[0]: f for f in (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES,
                                           ox.RdfFormat.JSON_LD, ox.RdfFormat.RDF_XML)}


def _term_json(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {"subject": _term_json(term.subject),
                                       "predicate": _term_json(term.predicate),
                                       "object": _term_json(term.object)}}


def serialize_outcome(outcome: Any, results_format: str | None, graph_format: str | None,
                      max_rows: int) -> JobResult:
    """Serialize a query outcome, keeping at most `max_rows` rows or triples.

    SELECT rows are collected (up to the cap), written as SPARQL JSON, and for the other
    formats re-read and written by pyoxigraph's own serializers, so every format is pyoxigraph's.
    """
    if isinstance(outcome, ox.QueryTriples):
        if graph_format is None:
            raise NotAcceptable("CONSTRUCT and DESCRIBE answer with an RDF graph format")
        triples = list(itertools.islice(outcome, max_rows + 1))
        body = ox.serialize(triples[:max_rows], format=GRAPH_FORMATS[graph_format])
        return JobResult(body=body, media_type=graph_format, truncated=len(triples) > max_rows)
    if results_format is None:
        raise NotAcceptable("SELECT and ASK answer with a SPARQL results format")
    fmt = RESULTS_FORMATS[results_format]
    if isinstance(outcome, ox.QueryBoolean):
        return JobResult(body=outcome.serialize(format=fmt), media_type=results_format)
    names = [v.value for v in outcome.variables]
    rows = list(itertools.islice(outcome, max_rows + 1))
    truncated = len(rows) > max_rows
    bindings = []
    for row in rows[:max_rows]:
        binding = {}
        for i, name in enumerate(names):
            term = row[i]
            if term is not None:
                binding[name] = _term_json(term)
        bindings.append(binding)
    body = json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}},
                      ensure_ascii=False, separators=(",", ":")).encode()
    if fmt != ox.QueryResultsFormat.JSON:
        body = ox.parse_query_results(body, ox.QueryResultsFormat.JSON).serialize(format=fmt)
    return JobResult(body=body, media_type=results_format, truncated=truncated)


def result_error(result: JobResult) -> errors.ApiError | None:
    if result.error is None:
        return None
    status, code, message = result.error
    return errors.ApiError(status, code, message)


class LocalEngine:
    """Runs jobs in this process, on one store.  No enforceable time limit."""

    hard_timeout = False

    def __init__(self, store: ox.Store, description: dict[str, Any] | None = None) -> None:
        self.store = store
        self.description = description or {"kind": "memory"}
        self._lock = threading.Lock()

    def run(self, job: Job, timeout_s: float) -> JobResult:
        if job.kind == "update":
            with self._lock:
                return run_job(self.store, replace(job, snapshot_to=None))
        return run_job(self.store, job)

    def close(self) -> None:
        pass


# pyoxigraph parses and plans queries recursively: a long collection or a deep nesting that fits the
# query-length cap can overflow the default 8 MB stack and kill the worker. Jobs run on one thread
# with a large stack instead (address space is reserved, memory is used only as deep as it goes).
WORKER_STACK_BYTES = 1 << 30
# A runaway query can also grow a worker's memory without bound before its time limit; the cap turns
# that into a failed allocation in this worker (answered 503, the worker replaced), not a starved host.
WORKER_MEMORY_BYTES = int(os.environ.get("PEDKG_WORKER_MEMORY_BYTES", 6 << 30)) + WORKER_STACK_BYTES


def _worker_main(conn: Any, source: DatasetSource) -> None:
    """Worker process: limit its memory, then serve jobs on a thread with a large stack."""
    import resource
    import threading

    try:
        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))
    except (ValueError, OSError):  # a lower hard limit set by the operator stays in force
        pass
    threading.stack_size(WORKER_STACK_BYTES)
    worker = threading.Thread(target=_serve_jobs, args=(conn, source), name="pedkg-jobs")
    worker.start()
    worker.join()


def _serve_jobs(conn: Any, source: DatasetSource) -> None:
    """Open the source, then answer jobs until the pipe closes."""
    try:
        store = source.open()
    except Exception as exc:  # reported to the parent, which fails to start
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        job_source, job = message
        if job_source != source:
            source, store = job_source, job_source.open()
        conn.send(run_job(store, job))


class _Worker:
    def __init__(self, ctx: Any, source: DatasetSource) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, source), daemon=True,
                                   name="pedkg-query-worker")
        self.process.start()
        child.close()

    def wait_ready(self, timeout_s: float) -> None:
        if not self.conn.poll(timeout_s):
            self.kill()
            raise RuntimeError("a query worker did not start in time")
        status, detail = self.conn.recv()
        if status != "ready":
            self.kill()
            raise RuntimeError(f"a query worker could not open the data: {detail}")

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class WorkerPool:
    """A fixed number of worker processes; a job that overruns its limit kills its worker."""

    hard_timeout = True

    def __init__(self, source: DatasetSource, size: int = 2, description: dict[str, Any] | None = None,
                 snapshot_dir: str | None = None, start_timeout_s: float = 120.0) -> None:
        self._ctx = multiprocessing.get_context("spawn")
        self.source = source
        self.size = size
        self.description = description or {"kind": source.kind, "path": source.path}
        self._snapshot_dir = snapshot_dir
        self._start_timeout_s = start_timeout_s
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._update_lock = threading.Lock()
        self._closed = False
        self._generation = itertools.count(1)
        workers = [_Worker(self._ctx, source) for _ in range(size)]
        try:
            for w in workers:
                w.wait_ready(start_timeout_s)
        except Exception:
            for w in workers:
                w.kill()
            raise
        self._workers = set(workers)
        for w in workers:
            self._idle.put(w)

    def pids(self) -> list[int]:
        """Process ids of the live workers (for health checks and tests)."""
        return sorted(w.process.pid for w in list(self._workers) if w.process.is_alive())

    def run(self, job: Job, timeout_s: float) -> JobResult:
        if job.kind == "update":
            return self._update(job, timeout_s)
        return self._dispatch(job, time.monotonic() + timeout_s, timeout_s)

    def _dispatch(self, job: Job, deadline: float, timeout_s: float) -> JobResult:
        try:
            worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise errors.timeout(timeout_s) from None
        try:
            worker.conn.send((self.source, job))
            if worker.conn.poll(max(0.0, deadline - time.monotonic())):
                result = worker.conn.recv()
                self._idle.put(worker)
                return result
        except (EOFError, OSError) as exc:  # the worker died: out of memory, or a crash in the engine
            self._replace(worker)
            log.warning("query worker died (%s); replaced", type(exc).__name__)
            raise errors.ApiError(503, "query_aborted",
                                  "The query exhausted the resources of its worker (memory or stack) and "
                                  "was stopped; narrow it. Other requests are not affected.") from None
        self._replace(worker)
        raise errors.timeout(timeout_s)

    def _update(self, job: Job, timeout_s: float) -> JobResult:
        if self.source.kind != "snapshot" or self._snapshot_dir is None:
            return JobResult(error=(403, "read_only", "This store is read-only."))
        deadline = time.monotonic() + timeout_s
        with self._update_lock:
            generation = next(self._generation)
            target = os.path.join(self._snapshot_dir, f"snapshot-{generation}.nq")
            result = self._dispatch(replace(job, snapshot_to=target), deadline, timeout_s)
            if result.error is None:
                self.source = DatasetSource("snapshot", target, generation)
            return result

    def _replace(self, worker: _Worker) -> None:
        """Kill `worker` now; start its successor in the background."""
        worker.kill()
        self._workers.discard(worker)
        if self._closed:
            return

        def start() -> None:
            try:
                fresh = _Worker(self._ctx, self.source)
                fresh.wait_ready(self._start_timeout_s)
            except Exception as exc:  # logged; the pool answers with fewer workers
                log.error("could not replace a query worker: %s", exc)
                return
            if self._closed:
                fresh.kill()
            else:
                self._workers.add(fresh)
                self._idle.put(fresh)

        threading.Thread(target=start, name="pedkg-worker-respawn", daemon=True).start()

    def close(self) -> None:
        """Stop every worker, busy or idle."""
        self._closed = True
        for worker in list(self._workers):
            worker.kill()
        self._workers.clear()
        if self._snapshot_dir:
            shutil.rmtree(self._snapshot_dir, ignore_errors=True)


def open_engine(settings: Any) -> Any:
    """The engine `settings` ask for: a remote store (`store_url`), else `--data` files, else the
    build (store, or dataset.nq when updates are allowed).

    :raises DataLoadError: a data file is malformed, or there is no build.
    """
    build = Path(settings.build_dir)
    # ---- remote store (issue 5): a SPARQL 1.1 Protocol client, see service/remote_store.py
    if settings.store_url:
        from .remote_store import open_remote_engine

        try:
            return open_remote_engine(settings)
        except ValueError as exc:
            raise DataLoadError(str(exc)) from None
    # ---- end remote store
    if settings.data_files:
        description = {"kind": "data", "files": list(settings.data_files)}
        store = load_data_files(settings.data_files)
        if settings.query_workers == 0:
            return LocalEngine(store, description)
        snapshot_dir = tempfile.mkdtemp(prefix="pedkg-snapshots-")
        snapshot = os.path.join(snapshot_dir, "snapshot-0.nq")
        store.dump(snapshot, format=ox.RdfFormat.N_QUADS)
        return WorkerPool(DatasetSource("snapshot", snapshot), settings.query_workers, description,
                          snapshot_dir)
    store_dir, dump = build / "store", build / "dataset.nq"
    if not store_dir.is_dir() and not dump.is_file():
        raise DataLoadError(f"{build}: no build here (no store/ nor dataset.nq); run `pedkg build` "
                            "or pass --data FILE")
    description = {"kind": "build", "path": str(build.resolve()),
                   "built_at": _mtime(dump if dump.is_file() else store_dir)}
    summary = build / "build.json"
    if summary.is_file():
        facts = json.loads(summary.read_text(encoding="utf-8"))
        description.update({k: facts[k] for k in ("release", "triples", "positions", "acts") if k in facts})
    if settings.allow_updates or not store_dir.is_dir():
        if not dump.is_file():
            raise DataLoadError(f"{dump}: updates need the N-Quads dump of the build")
        if settings.query_workers == 0:
            return LocalEngine(load_data_files([dump]), description)
        snapshot_dir = tempfile.mkdtemp(prefix="pedkg-snapshots-")
        return WorkerPool(DatasetSource("snapshot", str(dump.resolve())), settings.query_workers,
                          description, snapshot_dir)
    if settings.query_workers == 0:
        return LocalEngine(ox.Store.read_only(str(store_dir)), description)
    # ---- speed (issue 5 benchmark): a small build is answered from memory.  pyoxigraph's in-memory
    # store answers the named queries 2-10x faster than the read-only on-disk one (see
    # bench/README.md); each worker pays about twice the dump's size in RAM and ~0.1 s per 2 MB to load.
    if dump.is_file() and dump.stat().st_size <= IN_MEMORY_MAX_DUMP_BYTES:
        description["in_memory"] = True
        return WorkerPool(DatasetSource("snapshot", str(dump.resolve())), settings.query_workers, description)
    # ---- end speed
    return WorkerPool(DatasetSource("store", str(store_dir.resolve())), settings.query_workers, description)


def _mtime(path: Path) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(path.stat().st_mtime))
