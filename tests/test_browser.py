"""Issue 5: the web pages in a real browser — headless Chromium driven over the DevTools protocol
(``websocket-client``), against a live server on a random 127.0.0.1 port.

Needs Debian's ``chromium`` (``apt-get install -y chromium``); without it (or without the
``websocket-client`` package) these tests are skipped with the reason.  No browser is downloaded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

from service.settings import Settings
from service_fixtures import REPO, free_port, live_server

CHROMIUM = os.environ.get("PEDKG_CHROMIUM") or shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
try:
    import websocket  # the PyPI package websocket-client
except ImportError:  # pragma: no cover - depends on the environment
    websocket = None

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install -y chromium)"),
    pytest.mark.skipif(websocket is None, reason="the websocket-client package is not installed"),
]

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-default-apps", "--mute-audio", "--remote-debugging-port=0"]
WAIT_S = 20.0


class Browser:
    """One Chromium page over the DevTools protocol; collects console errors and exceptions."""

    def __init__(self, executable: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="pedkg-chromium-")
        self.process = subprocess.Popen([executable, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        port = self._devtools_port()
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=WAIT_S, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        self.errors: list[str] = []
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")

    def _devtools_port(self) -> int:
        deadline = time.monotonic() + WAIT_S
        assert self.process.stderr is not None
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            match = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if match:
                return int(match.group(1))
            if not line and self.process.poll() is not None:
                break
        raise RuntimeError("Chromium did not open its DevTools port")

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params or {}}))
        while True:
            message = self._receive()
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def _receive(self) -> dict[str, Any]:
        message = json.loads(self.ws.recv())
        if "method" in message:
            self._record(message)
        return message

    def _record(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.errors.append(f"exception: {details.get('exception', {}).get('description') or details.get('text')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append("console: " + " ".join(str(a.get("value", a.get("description", "")))
                                                      for a in params.get("args", [])))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.errors.append(f"log: {entry.get('text')} {entry.get('url', '')}")

    def goto(self, url: str) -> None:
        self.events.clear()
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def wait_event(self, method: str) -> None:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            if any(e["method"] == method for e in self.events):
                return
            self._receive()
        raise TimeoutError(f"no {method} within {WAIT_S} s")

    def js(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str) -> Any:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"{expression} stayed false for {WAIT_S} s; errors: {self.errors}")

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
            shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def site(built) -> Iterator[str]:
    build_dir, _ = built
    settings = Settings(build_dir=str(build_dir), queries_dir=str(REPO / "queries"), port=free_port())
    with live_server(settings) as sparql_url:
        yield sparql_url[: -len("/sparql")]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    b = Browser(CHROMIUM)
    try:
        yield b
    finally:
        b.close()


@pytest.fixture()
def clean(browser: Browser) -> Browser:
    browser.errors.clear()
    return browser


@pytest.mark.parametrize("path", ["/", "/?q=учитель", "/-/sparql", "/-/ladder", "/onto", "/code/category",
                                  "/id/position/tqc-2020/ch3-p9", "/id/position/tqc-2008/s3-b28",
                                  "/eli/kz/Z070000319_", "/-/network"])
def test_pages_load_without_console_errors(site, clean, path):
    clean.goto(site + path)
    assert clean.js("document.querySelector('h1') !== null")
    assert clean.js("getComputedStyle(document.body).marginTop") == "0px"  # the stylesheet applied
    if path == "/-/network":
        assert int(clean.wait_for("document.getElementById('network').getAttribute('data-nodes')")) > 50
    assert clean.errors == []


def test_query_runs_from_the_editor(site, clean):
    clean.goto(site + "/-/sparql")
    assert clean.js("document.querySelectorAll('#highlight .tok-keyword').length") > 0
    query = ("PREFIX kzo: <https://w3id.org/kz-edu/onto#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
             "SELECT ?p ?label WHERE { ?p a kzo:Position ; skos:prefLabel ?label } ORDER BY ?p LIMIT 7")
    clean.js(f"var t = document.getElementById('query'); t.value = {json.dumps(query)};"
             "t.dispatchEvent(new Event('input')); document.getElementById('run').click(); true")
    assert clean.wait_for("document.querySelectorAll('#results table tbody tr').length") == 7
    headers = clean.js("Array.from(document.querySelectorAll('#results th')).map(th => th.textContent)")
    assert headers == ["?p", "?label"]
    assert clean.js("document.querySelector('#results td a').getAttribute('href')").startswith("/id/position/")
    assert "format=csv" in clean.js("document.getElementById('dl-csv').getAttribute('href')")
    assert clean.js("document.querySelectorAll('#highlight .tok-var').length") >= 4
    assert clean.errors == []


def test_named_query_example_runs_from_the_editor(site, clean):
    clean.goto(site + "/-/sparql")
    clean.js("var s = document.getElementById('examples'); s.value = 'category-ladder';"
             "s.dispatchEvent(new Event('change')); document.getElementById('run').click(); true")
    assert clean.wait_for("document.querySelectorAll('#results table tbody tr').length") > 0
    assert "SELECT" in clean.js("document.getElementById('query').value")
    assert clean.errors == []


@pytest.mark.parametrize("word, expected", [("жетекшісі", "/id/position/tqc-2008/s3-b28"),
                                            ("ассистент", "/id/position/tqc-2020/ch3-p9")])
def test_search_from_the_home_page(site, clean, word, expected):
    clean.goto(site + "/")
    clean.js(f"document.getElementById('q').value = {json.dumps(word)};"
             "document.querySelector('form.search button').click(); true")
    clean.wait_event("Page.loadEventFired")
    clean.wait_for("document.getElementById('results') !== null")
    hrefs = clean.js("Array.from(document.querySelectorAll('#results a')).map(a => a.getAttribute('href'))")
    assert expected in hrefs
    assert clean.errors == []


def test_network_filter_redraws(site, clean):
    clean.goto(site + "/-/network")
    everything = int(clean.wait_for("document.getElementById('network').getAttribute('data-nodes')"))
    clean.js("var s = document.getElementById('org-type'); s.value = s.options[1].value;"
             "document.getElementById('network').removeAttribute('data-nodes');"
             "s.dispatchEvent(new Event('change')); true")
    fewer = int(clean.wait_for("document.getElementById('network').getAttribute('data-nodes')"))
    assert 0 < fewer < everything
    assert clean.errors == []
