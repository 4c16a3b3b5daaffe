"""The published site in a real browser at scale: the 10,000-experiment site of `site_build.py`, served over
HTTP and driven in Debian's headless Chromium with Playwright, the selectors of tests/test_site.py.

Run: .venv/bin/python benchmarks/site_browser.py [--experiments 10000] [--versions 1000] [--runs 5]
     [--search-runs 3] [--issue 5000]
Prints a Markdown table (median and fastest of a few runs); a figure, not a test: nothing fails on time.
Each run opens a new browser context (an empty cache), as a first visit does.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import site_build  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1400, "height": 900}
SEARCH_TIMEOUT = 45_000  # ms: a search slower than this is reported as failed
LOG = "generated/experiments/"
ROWS = ".mlops-log .mlops-results tbody tr"  # the rows filters.js renders, 50 to a page
COUNT = ".mlops-log .mlops-count"
# Material lists a page above its matching sections; a link with an empty highlight is context, not a hit.
HITS = "a.md-search-result__link:not([href$='?h=']):not([href*='?h=#'])"
SEARCH_READY = """() => { const meta = document.querySelector('.md-search-result__meta');
  return meta !== null && !/Initializing/.test(meta.textContent); }"""
# The moment the first row is in the document, by the page's own clock (without Playwright's round trips).
ROWS_CLOCK = """(() => {
  const mark = () => { if (!window.__rowsAt && document.querySelector('.mlops-log .mlops-results tbody tr'))
    window.__rowsAt = performance.now(); };
  new MutationObserver(mark).observe(document, {childList: true, subtree: true});
})();"""
# Hits of the whole query, not of a prefix typed on the way (each keystroke is searched in turn: "500" finds
# 5000 too); with `anchor`, only the hit that links there.
FINAL_HITS = """([selector, token, anchor]) => [...document.querySelectorAll(selector)]
  .some(a => (new URL(a.href).searchParams.get('h') || '').split(' ').includes(token) && a.href.endsWith(anchor))"""
# A filter changed by the page's own event: the change handler's time (it renders synchronously) and the
# time to the next frame.
CHANGE = """async ([key, value]) => {
  const select = document.querySelector(`select[data-filter=${key}]`);
  const start = performance.now();
  select.value = value;
  select.dispatchEvent(new Event('change', {bubbles: true}));
  const handled = performance.now();
  await new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)));
  return [handled - start, performance.now() - start];
}"""
ENTRY_TEXT = """(id) => { const head = document.getElementById(id); if (!head) return '';
  const article = head.closest('article'); return (article || head.parentElement).innerText; }"""


class Result:
    """One line of the table: the seconds of each run and what was checked."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.seconds: list[float] = []
        self.failures: list[str] = []
        self.checks: list[str] = []

    def row(self) -> str:
        runs = len(self.seconds) + len(self.failures)
        if self.seconds:
            median, fastest = fmt(statistics.median(self.seconds)), fmt(min(self.seconds))
        else:
            median = fastest = "—"
        notes = list(dict.fromkeys(self.checks))  # in order, once each
        if self.failures:
            notes.append(f"{len(self.failures)} of {runs} failed: {self.failures[0]}")
        return f"| {self.what} | {runs} | {median} | {fastest} | {'; '.join(notes)} |"


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 0.9995 else f"{seconds:.2f} s"


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def mib(path: Path) -> str:
    return f"{path.stat().st_size / 2**20:.2f} MiB"


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address) -> None:
            pass  # a browser that drops a connection (a page closed mid-download) is not news

    server = Server(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def repeat(result: Result, runs: int, once: Callable[[int], float | None]) -> None:
    """`once(run)` returns the seconds it measured (None: nothing to time); a failure is recorded, not raised."""
    from playwright.sync_api import Error as PlaywrightError

    for run in range(runs):
        try:
            seconds = once(run)
        except (PlaywrightError, AssertionError) as error:
            result.failures.append(str(error).strip().splitlines()[0][:160])
        else:
            if seconds is not None:
                result.seconds.append(seconds)


def watch(page, errors: list[str]) -> None:
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))


def measure(browser, base: str, site: Path, args: argparse.Namespace) -> tuple[list[str], list[Result]]:
    """Every measure in the browser; also the script errors the pages reported."""
    data = json.loads((site / LOG / "log.json").read_text())
    column = {name: index for index, name in enumerate(data["columns"])}
    experiments = data["experiments"]
    total = len(experiments)
    errors: list[str] = []

    def fresh(clock: bool = False):
        context = browser.new_context(viewport=VIEWPORT)
        if clock:
            context.add_init_script(ROWS_CLOCK)
        page = context.new_page()
        page.set_default_timeout(90_000)
        watch(page, errors)
        return context, page

    def cells(page, index: int) -> set[str]:
        return set(page.eval_on_selector_all(ROWS, f"rows => rows.map(r => r.cells[{index}].innerText.trim())"))

    # ---- (a) the log index, and (b) a filter applied on it ------------------------------------------------
    shown = min(50, total)
    index_wall = Result(f"Log index: `goto` → first {shown} rows shown (driven)")
    index_page = Result("Log index: navigation start → first row in the DOM (page clock)")
    models = sorted({data["models"][row[column["model"]]] for row in experiments} - {""})
    picks = [models[(len(models) // 2 + step) % len(models)] for step in range(2 * args.runs)]
    matching = {m: sum(data["models"][row[column["model"]]] == m for row in experiments) for m in set(picks)}
    filter_wall = Result(f"Filter: select a model over {total:,} experiments → rows updated (driven)")
    filter_script = Result("Filter: the change handler (filter + render 50 rows, page clock)")
    filter_frame = Result("Filter: change → next frame (page clock)")

    def log_index(run: int) -> float:
        context, page = fresh(clock=True)
        try:
            started = time.perf_counter()
            page.goto(f"{base}/{LOG}", wait_until="commit")
            page.wait_for_selector(ROWS)
            wall = time.perf_counter() - started
            index_page.seconds.append(page.evaluate("window.__rowsAt") / 1000)
            count = page.inner_text(COUNT)
            assert count.startswith(f"Experiments 1 to {shown} of {total}"), count
            assert page.locator(ROWS).count() == shown
            index_wall.checks.append(f"{shown} rows, “{count}”")

            model = picks[2 * run]
            started = time.perf_counter()
            page.select_option("select[data-filter=model]", model)
            page.wait_for_function(
                "(text) => document.querySelector('.mlops-log .mlops-count').textContent.includes(text)",
                arg=f"of {matching[model]}" + (f" matching ({total} in all)" if matching[model] < total else ""),
            )
            filter_wall.seconds.append(time.perf_counter() - started)
            assert cells(page, 1) == {model}, cells(page, 1)
            assert f"model={model}" in page.url, page.url
            filter_wall.checks.append("only the model's rows, its name in the URL")

            handled, frame = page.evaluate(CHANGE, ["model", picks[2 * run + 1]])
            filter_script.seconds.append(handled / 1000)
            filter_frame.seconds.append(frame / 1000)
            assert cells(page, 1) == {picks[2 * run + 1]}
            return wall
        finally:
            context.close()

    repeat(index_wall, args.runs, log_index)

    # ---- (c) a shared address with filters ------------------------------------------------------------------
    owner_of = {name: index for index, name in enumerate(data["owners"])}
    owner = sorted(name for name in data["owners"] if name)[0]
    outcome = data["outcomes"][1 if len(data["outcomes"]) > 1 else 0]
    found = sum(
        row[column["owner"]] == owner_of[owner] and data["outcomes"][row[column["outcome"]]]["key"] == outcome["key"]
        for row in experiments
    )
    page_number = 2 if found > 50 else 1
    first, last = 50 * (page_number - 1) + 1, min(found, 50 * page_number)
    query = urlencode({"owner": owner, "outcome": outcome["key"], "page": page_number})
    shared_wall = Result(f"Shared address `?{query}` → rows shown (driven)")
    shared_page = Result("Shared address: navigation start → first row in the DOM (page clock)")

    def shared(run: int) -> float:
        context, page = fresh(clock=True)
        try:
            expected = f"Experiments {first} to {last} of {found} matching ({total} in all)"
            started = time.perf_counter()
            page.goto(f"{base}/{LOG}?{query}", wait_until="commit")
            page.wait_for_selector(ROWS)
            wall = time.perf_counter() - started
            shared_page.seconds.append(page.evaluate("window.__rowsAt") / 1000)
            assert page.inner_text(COUNT) == expected, page.inner_text(COUNT)
            assert cells(page, 2) == {owner} and cells(page, 3) == {outcome["title"]}
            assert page.eval_on_selector("select[data-filter=owner]", "s => s.value") == owner
            shared_wall.checks.append(f"“{expected}”, the selects restored")
            return wall
        finally:
            context.close()

    repeat(shared_wall, args.runs, shared)

    # ---- (d) search -----------------------------------------------------------------------------------------
    number = args.issue if args.issue else total // 2
    row = next((row for row in experiments if row[column["number"]] == number), experiments[0])
    number = row[column["number"]]
    anchor = f"{data['repositories'][row[column['repository']]]['anchor']}-{number}"
    month = f"/{LOG}{data['months'][row[column['month']]]['href']}"
    model = models[len(models) // 2]
    ready = Result("Search index ready: home page `goto` → “Type to start searching”")
    searches = [
        (str(number), f"{month}#{anchor}", f"its entry ({month}#{anchor}) listed"),
        (model, f"/generated/models/{model}/", "hits of the whole name listed"),
        ("lightgbm", "lightgbm", "hits of the whole word listed"),
    ]
    typed = {query: Result(f"Search “{query}” typed: first keystroke → {what}") for query, _, what in searches}
    pasted = {query: Result(f"Search “{query}” pasted (one keyup) → the same") for query, _, _ in searches}
    opened = Result(f"Open the “{number}” hit → month page `load`")
    landings: dict[str, list[str]] = {query: [] for query, _, _ in searches}

    def search(query: str, target: str) -> Callable[[int], float]:
        token = [word for word in re.split(r"[\s\-#,:]+", query.lower()) if word][-1]
        result = typed[query]

        def listed(page) -> None:
            wanted = f"#{anchor}" if target.startswith("/generated/experiments/") else ""
            page.wait_for_function(FINAL_HITS, arg=[HITS, token, wanted], polling=50, timeout=SEARCH_TIMEOUT)

        def once(run: int) -> float:
            context, page = fresh()
            try:
                started = time.perf_counter()
                page.goto(f"{base}/", wait_until="commit")
                page.wait_for_function(SEARCH_READY, polling=50)
                ready.seconds.append(time.perf_counter() - started)
                page.click(".md-search__input")
                started = time.perf_counter()
                page.fill(".md-search__input", query)
                page.keyboard.press("End")  # Material searches on keyup
                listed(page)
                pasted[query].seconds.append(time.perf_counter() - started)
                # Then typed a key at a time, as tests/test_site.py does: the search runs for each prefix.
                page.eval_on_selector(".md-search-result__list", "list => list.replaceChildren()")
                page.keyboard.press("ControlOrMeta+A")
                started = time.perf_counter()
                page.keyboard.type(query, delay=20)
                listed(page)
                seconds = time.perf_counter() - started
                links = page.eval_on_selector_all(HITS, "links => links.map(a => a.getAttribute('href'))")
                top = urlsplit(links[0])
                if target.startswith("/generated/experiments/"):
                    rank = next(i for i, link in enumerate(links) if link.endswith(f"#{anchor}")) + 1
                    result.checks.append("its entry is the first hit" if rank == 1 else f"its entry is hit {rank}")
                clicked = time.perf_counter()
                with page.expect_navigation(wait_until="load"):
                    page.locator(HITS).first.click()
                if target.startswith("/generated/experiments/"):
                    opened.seconds.append(time.perf_counter() - clicked)
                landed = urlsplit(page.url)
                where = landed.path + (f"#{landed.fragment}" if landed.fragment else "")
                if target.startswith("/"):
                    path, _, fragment = target.partition("#")
                    right = landed.path == path and landed.fragment == fragment
                else:  # any entry that holds the word
                    right = bool(landed.fragment) and target in page.evaluate(ENTRY_TEXT, landed.fragment).lower()
                if right and landed.fragment:
                    box = page.evaluate(
                        "(id) => document.getElementById(id).getBoundingClientRect().top", landed.fragment
                    )
                    right = 0 <= box < VIEWPORT["height"] - 100
                    where += "" if right else f" (not in view: {box:.0f} px from the top)"
                landings[query].append(("✓ " if right else "✗ ") + where)
                if not right:
                    result.checks.append(f"first hit {top.path}?{top.query}#{top.fragment}")
                return seconds
            finally:
                context.close()

        return once

    for query, target, _ in searches:
        repeat(typed[query], args.search_runs, search(query, target))
    for query, target, _ in searches:
        if not landings[query]:
            continue
        right = sum(landing.startswith("✓") for landing in landings[query])
        wrong = sorted({landing[2:] for landing in landings[query] if landing.startswith("✗")})
        example = next((landing[2:] for landing in landings[query] if landing.startswith("✓")), "")
        what = target if target.startswith("/") else f"an entry holding “{target}”, e.g. {example}"
        typed[query].checks.append(f"clicking the first hit lands on {what}: {right} of {len(landings[query])}")
        typed[query].checks.extend(f"landed on {landing}" for landing in wrong)

    # ---- (e) the largest page -------------------------------------------------------------------------------
    largest = max(site.rglob("*.html"), key=lambda path: path.stat().st_size)
    address = largest.parent.relative_to(site).as_posix() + "/"
    articles = largest.read_text().count('<article class="mlops-experiment"')
    holds = f", {articles} experiments" if articles else ""
    heavy_wall = Result(f"Largest page `{address}` ({mib(largest)}{holds}) → `load` (driven)")
    heavy_page = Result("Largest page: navigation start → `load` event end (page clock)")

    def heavy(run: int) -> float:
        context, page = fresh()
        try:
            started = time.perf_counter()
            page.goto(f"{base}/{address}", wait_until="load")
            wall = time.perf_counter() - started
            heavy_page.seconds.append(
                page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000
            )
            shown = page.locator("article.mlops-experiment").count()
            assert shown == articles, shown
            if articles:
                heavy_wall.checks.append(f"{shown} entries")
            return wall
        finally:
            context.close()

    repeat(heavy_wall, args.runs, heavy)

    return errors, [
        index_wall,
        index_page,
        filter_wall,
        filter_script,
        filter_frame,
        shared_wall,
        shared_page,
        ready,
        typed[searches[0][0]],
        pasted[searches[0][0]],
        opened,
        *(line for query, _, _ in searches[1:] for line in (typed[query], pasted[query])),
        heavy_wall,
        heavy_page,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experiments", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5, help="runs of each page measure")
    parser.add_argument("--search-runs", type=int, default=3, help="runs of each search")
    parser.add_argument("--issue", type=int, default=5_000, help="the issue number to search for")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: run tools/install-system-deps.sh")
    from playwright.sync_api import sync_playwright

    load_start = load()
    build = Result(f"Site build: `mlops-bot site build`, {args.experiments:,} experiments, {args.versions:,} versions")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        site_build.make_data(folder, args.experiments, args.versions)
        generated = time.perf_counter() - started
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "bot", "site", "build", "--config", "mlops.yml"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )
        build.seconds.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(done.stderr[-2000:] or done.stdout[-2000:])
        build.checks.append(f"data made in {generated:.1f} s beforehand; {done.stdout.strip().splitlines()[-1]}")
        site = folder / "site"
        load_browser = load()
        server, base = serve(site)
        results: list[Result] = []
        errors: list[str] = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    errors, results = measure(browser, base, site, args)
                finally:
                    browser.close()
        finally:
            server.shutdown()
            server.server_close()
        index_size = mib(site / "search" / "search_index.json")
        log_size = mib(site / LOG / "log.json")
    print("| Measure | Runs | Median | Fastest | Checked |")
    print("|---|---:|---:|---:|---|")
    for result in [build, *results]:
        print(result.row())
    print()
    print(f"Search index (search/search_index.json): {index_size}; experiment log data ({LOG}log.json): {log_size}.")
    print(f"Script errors in the pages: {len(errors)}" + (f", the first: {errors[0][:200]}" if errors else "") + ".")
    print(f"Load average (1, 5, 15 min): {load_start} at start, {load_browser} before the browser, {load()} at end.")
    print(
        f"Note: Chromium {CHROMIUM} headless on {os.cpu_count()} cores, a new browser context (empty cache) per run, "
        "the site served by http.server on 127.0.0.1; “driven” times are Playwright's wall clock, “page clock” "
        "times the page's own performance.now(); searches start once the index is ready, typed at 20 ms a key."
    )


if __name__ == "__main__":
    main()
