"""Site pages as a pure function: lineage, trends, the experiment log's data, the board and the home page."""

from __future__ import annotations

import copy
import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import load_config
from bot.records.registry import ModelVersion, read_registry
from bot.site import raw_html
from bot.site.charts import trend_chart
from bot.site.lineage import ModelMatcher, Produced, page_href, pull_number
from bot.site.render import render_site

ROOT = Path(__file__).resolve().parents[1]
CONFIG = load_config(ROOT / "sample" / "mlops.yml", environ={})


@pytest.fixture(scope="module")
def sample() -> tuple[list[ModelVersion], dict]:
    models, problems = read_registry(ROOT / "sample" / "registry")
    assert problems == []
    return models, json.loads((ROOT / "sample" / "snapshot.json").read_text())


def issue(number: int, **changes) -> dict:
    entry = {
        "repository": "acme/ml-platform",
        "number": number,
        "title": f"Experiment {number} (churn-classifier)",
        "url": f"https://ghe.acme.test/acme/ml-platform/issues/{number}",
        "state": "open",
        "labels": ["ml-experiment"],
        "milestone": None,
        "author": "ana",
        "created_at": "2026-10-01T10:00:00Z",
        "updated_at": "2026-10-02T10:00:00Z",
        "closed_at": None,
        "kind": "experiment",
        "column": "Experiment",
        "stage": "Active",
        "record": {"fields": {"hypothesis": "If a then b because c."}, "extra_sections": {}, "problems": []},
    }
    return {**entry, **changes}


def version(name: str, number: str, stage: str, metrics: dict, **data) -> ModelVersion:
    source = yaml.safe_load((ROOT / "sample/registry/churn-classifier/2.0.0.yml").read_text())
    body = copy.deepcopy(source)
    body.update(model_name=name, version=number, stage=stage, metrics=metrics, **data)
    return ModelVersion(f"registry/{name}/{number}.yml", name, number, stage, body)


def snapshot(issues: list[dict], server: str = "https://ghe.acme.test") -> dict:
    return {"version": 1, "generated_at": "2026-11-03T09:30:00Z", "server_url": server, "issues": issues}


# ---- lineage ------------------------------------------------------------------------------------------------
def test_a_version_links_its_experiment_deployment_stage_changes_and_file_on_the_snapshots_server():
    model = version(
        "churn-classifier",
        "3.0.0",
        "production",
        {"auc": 0.9},
        links={"repository": "acme/ml-platform", "experiment_issue": 7, "deployment_issue": 8},
        stage_history=[
            {"stage": "candidate", "date": "2026-10-01", "pr": 41, "commit": "ABCDEF1234567"},
            {"stage": "production", "date": "2026-10-20", "pr": "https://x/acme/ml-platform/pull/57"},
            {"stage": "archived", "date": "2026-10-21", "pr": "javascript:alert(1)", "commit": "not-a-sha"},
        ],
    )
    model.data["provenance"]["environment_lockfile_uri"] = "git+https://ghe.acme.test/acme/training@abc#uv.lock"
    pages = render_site([model], snapshot([issue(7)]), CONFIG)
    page = pages["generated/models/churn-classifier.md"]
    assert 'href="../../experiments/2026-10/#e-acme-ml-platform-7"' in page  # the experiment on the site
    assert 'href="https://ghe.acme.test/acme/ml-platform/issues/7"' in page
    assert 'href="https://ghe.acme.test/acme/ml-platform/issues/8"' in page  # not in the snapshot: built
    assert 'href="https://ghe.acme.test/acme/ml-platform/pull/41"' in page
    assert 'href="https://ghe.acme.test/acme/ml-platform/commit/abcdef1234567"' in page
    assert 'href="https://ghe.acme.test/acme/ml-platform/pull/57"' in page
    assert "javascript" not in page and "not-a-sha" not in page
    assert 'href="https://ghe.acme.test/acme/ml-platform/blob/HEAD/registry/churn-classifier/3.0.0.yml"' in page
    commit = model.data["provenance"]["git_commit"]
    assert f'href="https://ghe.acme.test/acme/training/commit/{commit}"' in page  # the training code's repository
    month = pages["generated/experiments/2026-10.md"]
    assert 'href="../../models/churn-classifier/#v-3-0-0"' in month and "churn-classifier 3.0.0" in month


def test_the_sample_experiments_name_the_versions_they_produced(sample):
    models, data = sample
    pages = render_site(models, data, CONFIG)
    produced = [m for m in models if (m.data.get("links") or {}).get("experiment_issue")]
    assert produced
    for model in produced:
        number = model.data["links"]["experiment_issue"]
        entry = next(i for i in data["issues"] if i["number"] == number)
        assert entry["kind"] == "experiment"  # the sample's links hold (`mlops-bot validate` checks them)
        month = pages[f"generated/experiments/{entry['created_at'][:7]}.md"]
        assert f"../../models/{model.name}/#v-{model.version.replace('.', '-')}" in month


@pytest.mark.parametrize(
    ("source", "target", "directory_urls", "expected"),
    [
        ("generated/experiments/2026-05.md", "generated/models/a.md", True, "../../models/a/"),
        ("generated/models/index.md", "generated/models/a.md", True, "a/"),
        ("generated/models/a.md", "generated/models/a.md", True, "./"),
        ("index.md", "generated/board.md", True, "generated/board/"),
        ("generated/experiments/index.md", "generated/experiments/2026-05.md", False, "2026-05.html"),
        ("index.md", "generated/models/index.md", False, "generated/models/index.html"),
    ],
)
def test_pages_link_to_each_other_relatively(source, target, directory_urls, expected):
    assert page_href(source, target, "", directory_urls) == expected


@given(st.integers(min_value=1, max_value=10**9))
def test_a_pull_request_is_read_in_any_spelling(number):
    for spelling in (number, str(number), f"#{number}", f"https://github.com/a/b/pull/{number}"):
        assert pull_number(spelling) == number


@given(st.one_of(st.text(max_size=40), st.integers(max_value=0), st.booleans(), st.none(), st.floats()))
def test_anything_else_is_no_pull_request(value):
    assert pull_number(value) is None or str(pull_number(value)) in str(value)


def test_an_experiment_belongs_to_the_model_it_produced_else_the_one_it_names():
    matcher = ModelMatcher(["churn", "churn-classifier", "fraud-detector"])
    produced = [Produced("fraud-detector", "1.0.0", "production")]
    assert matcher.model_of({"title": "Try it (churn-classifier)", "labels": []}, produced) == "fraud-detector"
    assert matcher.model_of({"title": "Try it (churn-classifier)", "labels": []}, []) == "churn-classifier"
    assert matcher.model_of({"title": "about churning", "labels": []}, []) == ""
    assert matcher.model_of({"title": "churn-classifier vs fraud-detector", "labels": []}, []) == ""  # which?


# ---- trends -------------------------------------------------------------------------------------------------
def test_a_model_page_charts_each_shared_metric_across_versions_with_stage_markers():
    models = [
        version("m", "1.0.0", "archived", {"auc": 0.80, "latency": 40}),
        version("m", "1.1.0", "production", {"auc": 0.84, "latency": 44, "only_once": 1}),
        version("m", "2.0.0", "candidate", {"auc": 0.86}, headline_metric="auc"),
    ]
    page = render_site(models, None, CONFIG)["generated/models/m.md"]
    assert page.count('<svg class="mlops-chart"') == 2  # auc and latency; only_once is not shared
    assert "auc (headline metric) by version" in page
    assert "<polygon" in page and 'stroke="var(--mlops-stage-archived' in page  # production, archived marks
    assert "(+0.02)" in page and "(+0.04)" in page  # the comparison table's change against the version before
    assert "No issue snapshot yet" in page


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True, width=32)),
            st.sampled_from(["candidate", "staging", "production", "archived", "bogus"]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_trend_charts_are_well_formed_svg_for_any_values(points):
    values = [v for v, _ in points]
    svg = trend_chart("t", [f"1.{n}" for n in range(len(points))], values, [s for _, s in points])
    tree = ET.fromstring(svg)
    for element in tree.iter():
        for name in ("x", "y", "cx", "cy", "y1", "y2"):
            if name in element.attrib:
                assert math.isfinite(float(element.attrib[name])), svg[:200]
    assert "nan" not in svg.lower() and "inf" not in svg.lower()


# ---- the experiment log ----------------------------------------------------------------------------------------
def test_the_log_data_holds_every_experiment_compactly_and_safely(sample):
    models, data = sample
    hostile = issue(999, title="</script><img src=x onerror=alert(1)>", author=None)
    pages = render_site(models, {**data, "issues": [*data["issues"], hostile]}, CONFIG)
    text = pages["generated/experiments/log.json"]
    assert "<" not in text
    log = json.loads(text)
    experiments = [i for i in data["issues"] if i["kind"] == "experiment"]
    assert len(log["experiments"]) == len(experiments) + 1
    row = dict(zip(log["columns"], next(r for r in log["experiments"] if r[0] == 999), strict=True))
    assert row["title"].startswith("</script>") and log["owners"][row["owner"]] == ""
    assert log["months"][row["month"]]["href"] == "2026-10/" and log["repositories"][0]["anchor"] == (
        "e-acme-ml-platform"
    )
    assert set(log["models"]) >= {"churn-classifier", "fraud-detector"}


# ---- board and home ------------------------------------------------------------------------------------------
def test_the_board_shows_age_and_assignee_and_only_recently_done_work():
    issues = [
        issue(1, assignees=["bo", "eli"]),
        issue(2),
        issue(3, assignees=[]),
        issue(4, state="closed", column="Done", closed_at="2026-10-30T10:00:00Z"),
        issue(5, state="closed", column="Done", closed_at="2026-08-01T10:00:00Z", title="Old and done"),
    ]
    page = render_site([], snapshot(issues), CONFIG)["generated/board.md"]
    assert "32 d old · bo, eli" in page and "opened by ana" in page and "unassigned" in page
    assert "closed 3 d ago" in page and "Old and done" not in page
    assert 'id="column-experiment"' in page


def test_the_home_page_shows_production_incidents_wip_and_this_months_decisions():
    incident = issue(
        20,
        kind="monitoring-incident",
        title="Incident: drift",
        column="Monitoring",
        record={"fields": {"model": "churn-classifier 3.0.0"}, "extra_sections": {}, "problems": []},
    )
    decided = issue(
        21,
        state="closed",
        column="Done",
        closed_at="2026-11-02T10:00:00Z",
        labels=["ml-experiment", "outcome: promote"],
    )
    crowd = [issue(100 + n) for n in range(9)]  # Experiment's limit is 8
    models = [version("churn-classifier", "3.0.0", "production", {"auc": 0.9}, headline_metric="auc")]
    home = render_site(models, snapshot([incident, decided, *crowd]), CONFIG)["generated/home.md"]
    glance = home.split("--8<-- [start:glance]")[1].split("--8<-- [end:glance]")[0]
    assert 'href="generated/models/churn-classifier/#v-3-0-0"' in glance and "auc 0.9" in glance
    assert "Incident: drift" in glance
    assert 'href="generated/board/#column-experiment">Experiment</a>: 9 open, limit 8' in glance
    assert "Decided in November 2026" in glance and "#21" in glance and "Promoted" in glance
    assert '<time datetime="2026-11-03T09:30:00Z">3 November 2026, 09:30 UTC</time>' in glance


def test_every_generated_page_says_as_of_when(sample):
    models, data = sample
    pages = render_site(models, data, CONFIG)
    for path, text in pages.items():
        if path.endswith(".md"):
            assert 'As of <time datetime="2026-11-01T08:00:00Z">' in text, path


# ---- finished HTML held out of Markdown -------------------------------------------------------------------------
PLAIN = st.text(alphabet=st.sampled_from("<>!-/ ab\nmlops:html"), max_size=40).filter(
    lambda text: raw_html.START not in text and raw_html.END not in text
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(PLAIN, PLAIN), max_size=5), PLAIN)
def test_held_blocks_come_back_where_their_placeholders_land(pairs, tail):
    page = "".join(f"{text}{raw_html.START}{block}{raw_html.END}" for text, block in pairs) + tail
    held_page, held = raw_html.hold(page, "f00d")
    assert raw_html.START not in held_page and len(held.blocks) == len(pairs)
    expected = "".join(f"{text}\n\n{block}\n\n" for text, block in pairs) + tail
    assert raw_html.restore(held_page, held) == expected


def test_an_unclosed_marker_is_left_as_text_and_ids_are_collected():
    page = f'a{raw_html.START}<h2 id="e-1">x</h2><p id="two">{raw_html.END}b{raw_html.START}c'
    held_page, held = raw_html.hold(page, "beef")
    assert held.blocks == ['<h2 id="e-1">x</h2><p id="two">']
    assert held_page.endswith(f"b{raw_html.START}c")
    assert raw_html.anchor_ids(held) == {"e-1", "two"}
    assert raw_html.restore("<p>no placeholder</p>", held) == "<p>no placeholder</p>"
