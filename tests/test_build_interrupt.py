"""Interrupted and concurrent builds (design.md, "Habits": writes are atomic; a failed build leaves
the previous build and the running service intact).

* `pedkg build` killed with SIGKILL at random points leaves the previous build byte-for-byte intact,
  `current` pointing at a complete release, and a reader of the old release answering;
* the next build cleans the `.staging-*` directories a killed build leaves;
* two builds started together are serialised by the lock: both succeed, never two stagings at once;
* a service switches to a new build without dropping requests (service/reload.py).
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pyoxigraph
import pytest

from service.build import build_all

REPO = Path(__file__).resolve().parents[1]
PEDKG = Path(sys.executable).parent / "pedkg"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
#: a build runs in about 6 s on an idle machine; a stuck one is killed after this
BUILD_TIMEOUT = 120


def pedkg_build(build_dir: Path) -> subprocess.Popen:
    """`pedkg build` in its own process group (so that a kill reaches nothing else)."""
    return subprocess.Popen([str(PEDKG), "build", "--build-dir", str(build_dir)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def count(store: pyoxigraph.Store) -> int:
    return int(next(iter(store.query(COUNT)))["n"].value)


def snapshot(build_dir: Path) -> dict:
    """What a reader of the build sees: the current release, its files and its store."""
    current = build_dir / "current"
    assert current.is_symlink(), "no `current` link"
    release = current.resolve()
    assert release.parent == (build_dir / "releases").resolve() and not release.name.startswith(".")
    for name in ("build.json", "dataset.nq", "store"):
        assert (build_dir / name).resolve() == release / name, f"{name} does not lead to current/{name}"
    summary = json.loads((release / "build.json").read_text(encoding="utf-8"))
    assert summary["release"] == release.name
    nq = release / "dataset.nq"
    assert nq.read_bytes().endswith(b" .\n"), "dataset.nq is cut"
    store = pyoxigraph.Store.read_only(str(release / "store"))
    quads = count(store)
    del store
    assert quads > 50_000 and summary["positions"] > 100
    return {"release": release.name, "build.json": sha256(release / "build.json"), "dataset.nq": sha256(nq),
            "quads": quads, "lines": nq.read_bytes().count(b"\n")}


def releases_are_complete(build_dir: Path) -> None:
    """Under releases/ only complete releases, plus ignorable `.staging-*` directories."""
    for p in (build_dir / "releases").iterdir():
        if p.name.startswith(".staging-"):
            continue
        assert (p / "build.json").is_file() and (p / "dataset.nq").is_file() and (p / "store").is_dir(), \
            f"half-written release {p.name}: {sorted(q.name for q in p.iterdir())}"


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory) -> Path:
    """A build directory holding one complete build (made in-process: faster than the CLI)."""
    d = tmp_path_factory.mktemp("interrupt") / "build"
    started = time.monotonic()
    build_all(d)
    d.joinpath(".seconds").write_text(str(time.monotonic() - started))
    return d


def test_killed_builds_leave_the_previous_build_intact(build_dir: Path) -> None:
    before = snapshot(build_dir)
    reader = pyoxigraph.Store.read_only(str(build_dir / "current" / "store"))
    assert count(reader) == before["quads"]
    # spread the kills over the build's phases: start-up, loaders, dataset.nq, store, switch
    seconds = float((build_dir / ".seconds").read_text()) + 1.5  # + the CLI's start-up
    rnd = random.Random(os.environ.get("PEDKG_KILL_SEED", "20"))
    delays = [f * seconds * rnd.uniform(0.9, 1.1) for f in (0.1, 0.4, 0.7, 0.95)]
    outcomes = []
    for delay in delays:
        proc = pedkg_build(build_dir)
        time.sleep(delay)
        finished = proc.poll() is not None
        if not finished:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(BUILD_TIMEOUT)
        outcomes.append((round(delay, 2), "finished" if finished else "killed"))
        releases_are_complete(build_dir)
        now = snapshot(build_dir)
        if finished:
            assert proc.returncode == 0, proc.stderr.read().decode()
            before = now  # the build won the race: the new release is current and complete
        else:
            assert now == before, f"a build killed after {delay:.2f} s changed the current build"
        # the reader opened on the first release still answers
        assert count(reader) > 50_000, "the reader of the old release stopped answering"
    assert any(kind == "killed" for _, kind in outcomes), outcomes

    # the next build completes and removes what the killed ones left
    proc = pedkg_build(build_dir)
    _, err = proc.communicate(timeout=BUILD_TIMEOUT)
    assert proc.returncode == 0, err.decode()
    after = snapshot(build_dir)
    assert after["release"] != before["release"]
    assert after["dataset.nq"] == before["dataset.nq"], "two builds of the same sources differ"
    assert not list((build_dir / "releases").glob(".staging-*")), "stagings of killed builds left behind"
    releases_are_complete(build_dir)
    assert count(reader) == before["quads"], "the reader of the previous release stopped answering"


def test_two_builds_at_once_are_serialised(build_dir: Path) -> None:
    before = snapshot(build_dir)
    seen_stagings: set[str] = set()
    overlap: list[list[str]] = []
    stop = threading.Event()

    def watch() -> None:  # never two stagings at once: the second build waits for the lock
        while not stop.is_set():
            try:
                now = [p.name for p in (build_dir / "releases").iterdir() if p.name.startswith(".staging-")]
            except FileNotFoundError:
                now = []
            seen_stagings.update(now)
            if len(now) > 1:
                overlap.append(now)
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        procs = [pedkg_build(build_dir) for _ in range(2)]
        results = [p.communicate(timeout=BUILD_TIMEOUT) for p in procs]
    finally:
        stop.set()
        watcher.join(5)
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0, err.decode()
    assert not overlap, f"two builds wrote at once: {overlap[:3]}"
    assert len(seen_stagings) >= 2, f"the watcher saw {seen_stagings}: did both builds run?"
    after = snapshot(build_dir)
    stamps = sorted(out.decode().split("built ", 1)[1].split(":", 1)[0] for p, (out, _) in zip(procs, results))
    assert after["release"] in stamps
    assert after["dataset.nq"] == before["dataset.nq"]
    assert not list((build_dir / "releases").glob(".staging-*"))
    releases_are_complete(build_dir)


def test_service_switches_to_a_new_build_without_dropping_requests(build_dir: Path, monkeypatch) -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*httpx2.*")
        from fastapi.testclient import TestClient
    from service import build
    from service.app import create_app
    from service.settings import Settings

    old = snapshot(build_dir)["release"]
    app = create_app(Settings(build_dir=str(build_dir), query_workers=0))
    failures: list[str] = []
    answered = [0]
    stop = threading.Event()
    with TestClient(app) as client:
        def hammer() -> None:
            while not stop.is_set():
                r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"},
                               headers={"accept": "application/sparql-results+json"})
                if r.status_code != 200:
                    failures.append(f"{r.status_code}: {r.text[:200]}")
                answered[0] += 1

        thread = threading.Thread(target=hammer, daemon=True)
        thread.start()
        try:
            # a quick build (the ontology graph only: the switch is what is tested)
            from loaders.namespaces import graph_iri
            from loaders.ontology_files import ontology_graph
            monkeypatch.setattr(build, "collect_graphs",
                                lambda *_: ({graph_iri("ontology"): ontology_graph()}, []))
            new = build.build_all(build_dir).release
            assert new != old and (build_dir / "current").resolve().name == new
            deadline = time.monotonic() + 10
            seen = None
            while time.monotonic() < deadline:
                seen = client.get("/healthz").json()["source"].get("release")
                if seen == new:
                    break
                time.sleep(0.2)
        finally:
            stop.set()
            thread.join(10)
    assert not failures, f"{len(failures)} of {answered[0]} requests failed during the switch: {failures[:3]}"
    assert answered[0] > 0
    assert seen == new, f"the service still serves release {seen}, not the new build {new}"
