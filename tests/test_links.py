"""Registry links held against the snapshot: `validate` and `site build` name each one that does not hold."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.records.links import link_problems, named_models, words_of
from bot.records.registry import read_registry
from bot.site.snapshot import read_snapshot
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample"


def sample_problems() -> list[str]:
    models, problems = read_registry(SAMPLE / "registry")
    assert problems == []
    return [str(p) for p in link_problems(models, read_snapshot(SAMPLE / "snapshot.json"))]


def test_every_link_of_the_bundled_sample_holds():
    assert sample_problems() == []
    models, _ = read_registry(SAMPLE / "registry")
    links = [m.data["links"] for m in models]
    assert all("experiment_issue" in link for link in links)
    assert sum("deployment_issue" in link for link in links) == sum(m.stage != "candidate" for m in models)


@pytest.fixture
def team(tmp_path) -> Path:
    """A repository holding a copy of the sample registry and snapshot, to break on purpose."""
    shutil.copytree(SAMPLE / "registry", tmp_path / "registry")
    shutil.copy(SAMPLE / "snapshot.json", tmp_path / "snapshot.json")
    (tmp_path / "mlops.yml").write_text(
        "repositories: [acme/ml-platform]\nregistry: {path: registry}\nsite: {snapshot: snapshot.json}\n"
    )
    return tmp_path


def snapshot_issue(folder: Path, title_part: str, kind: str) -> dict:
    issues = json.loads((folder / "snapshot.json").read_text())["issues"]
    return next(i for i in issues if title_part in i["title"] and i["kind"] == kind)


def set_link(folder: Path, file: str, field: str, value) -> int:
    """Point `links.<field>` of a registry file at `value`; returns the line it is on."""
    path = folder / "registry" / file
    data = yaml.safe_load(path.read_text())
    data["links"][field] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line.strip().startswith(f"{field}:"))


def warnings_of(folder: Path) -> list[str]:
    models, _ = read_registry(folder / "registry")
    return [str(p) for p in link_problems(models, read_snapshot(folder / "snapshot.json"))]


def test_each_kind_of_broken_link_is_named_at_its_line(team):
    churn_experiment = snapshot_issue(team, "(churn-classifier)", "experiment")["number"]
    ticket_deployment = snapshot_issue(team, "Deploy ticket-router 0.4.0", "deployment")["number"]
    late = max(
        i["number"]
        for i in json.loads((team / "snapshot.json").read_text())["issues"]
        if "(fraud-detector)" in i["title"]
    )
    lines = {
        "missing": set_link(team, "ticket-router/0.5.0.yml", "experiment_issue", 9999),
        "other model": set_link(team, "ticket-router/0.4.0.yml", "experiment_issue", churn_experiment),
        "wrong kind": set_link(team, "ticket-router/0.3.0.yml", "experiment_issue", ticket_deployment),
        "other version": set_link(team, "ticket-router/0.3.0.yml", "deployment_issue", ticket_deployment),
        "too late": set_link(team, "fraud-detector/3.0.0.yml", "experiment_issue", late),
    }
    found = warnings_of(team)
    expected = [
        f"registry/fraud-detector/3.0.0.yml:{lines['too late']}:3: links.experiment_issue: acme/ml-platform#{late} "
        f"was opened on",
        f"registry/ticket-router/0.3.0.yml:{lines['wrong kind']}:3: links.experiment_issue: "
        f"acme/ml-platform#{ticket_deployment} is a deployment issue, not an experiment",
        f"registry/ticket-router/0.3.0.yml:{lines['other version']}:3: links.deployment_issue: "
        f"acme/ml-platform#{ticket_deployment} deploys ticket-router 0.4.0, not 0.3.0",
        f"registry/ticket-router/0.4.0.yml:{lines['other model']}:3: links.experiment_issue: "
        f"acme/ml-platform#{churn_experiment} is about churn-classifier, not ticket-router",
        f"registry/ticket-router/0.5.0.yml:{lines['missing']}:3: links.experiment_issue: acme/ml-platform#9999 is "
        f"not in the snapshot (deleted, transferred, or without an ml-* label)",
    ]
    assert len(found) == len(expected)
    for line, start in zip(sorted(found), expected, strict=True):
        assert line.startswith(str(team / start)), (line, start)


def test_links_to_a_repository_outside_the_snapshot_are_named(team):
    set_link(team, "ticket-router/0.4.0.yml", "repository", "acme/elsewhere")
    (found,) = [w for w in warnings_of(team) if "0.4.0" in w and "experiment_issue" in w]
    assert "acme/elsewhere is not in the snapshot, so the link cannot be checked" in found


def test_no_snapshot_means_no_link_checks(team):
    models, _ = read_registry(team / "registry")
    assert link_problems(models, None) == []


# ---- which model an issue is about ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("title", "model_field", "named", "version"),
    [
        ("Experiment: add lag features (demand-forecast)", None, {"demand-forecast"}, None),
        ("Compare churn-classifier and fraud-detector.", None, {"churn-classifier", "fraud-detector"}, None),
        ("Experiment: churn-classifier-v2 ideas", None, set(), None),  # not the name as a word
        ("Deploy", "churn-classifier 2.1.0", {"churn-classifier"}, "2.1.0"),
        ("Deploy", "churn-classifier@v2.1.0", {"churn-classifier"}, "2.1.0"),
        ("Deploy", "The churn-classifier 2.1.0, please", {"churn-classifier"}, "2.1.0"),
        ("Deploy", "brand-new-model", {"brand-new-model"}, None),
    ],
)
def test_the_model_an_issue_is_about(title, model_field, named, version):
    issue = {"title": title, "record": {"fields": {"model": model_field} if model_field else {}}}
    found = named_models(issue, frozenset({"churn-classifier", "fraud-detector", "demand-forecast"}))
    assert found.models == named and found.version == version


@given(st.text(max_size=2000))
def test_reading_names_from_any_title_is_linear_and_total(text):
    words = words_of(text)
    assert all(w and not w.endswith((".", "-", "_")) for w in words if w)


# ---- the commands -------------------------------------------------------------------------------------
def test_validate_warns_with_file_and_line_and_strict_fails(team):
    line = set_link(team, "ticket-router/0.5.0.yml", "experiment_issue", 9999)
    lenient = run_cli(["validate", "--config", "mlops.yml"], cwd=team)
    assert lenient.code == 0, lenient.stdout
    assert f"warning: registry/ticket-router/0.5.0.yml:{line}:3: links.experiment_issue:" in lenient.stdout
    assert lenient.stdout.splitlines()[-1].endswith("0 problem(s), 1 warning(s)")
    strict = run_cli(["validate", "--config", "mlops.yml", "--strict"], cwd=team, env={"GITHUB_ACTIONS": "true"})
    assert strict.code == 1
    assert f"::warning file=registry/ticket-router/0.5.0.yml,line={line},col=3::" in strict.stdout


def test_validate_names_a_broken_snapshot(team):
    (team / "snapshot.json").write_text("{")
    result = run_cli(["validate", "--config", "mlops.yml"], cwd=team)
    assert result.code == 1 and "snapshot.json: not a snapshot" in result.stdout


def test_site_build_leaves_out_bad_files_with_a_line_each_and_strict_fails(team):
    shutil.copytree(ROOT / "site_src", team / "site_src", ignore=shutil.ignore_patterns("generated"))
    (team / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text().replace("sample/mlops.yml", "mlops.yml"))
    bogus = team / "registry" / "ticket-router" / "0.5.0.yml"
    bogus.write_text(bogus.read_text().replace("stage: staging", "stage: bogus"))
    (team / "registry" / "ticket-router" / "0.6.0.yml").write_text(
        "model_name: ticket-router\nversion: 0.6.0\ncreated: 2026-02-30\n"
    )
    (team / "registry" / "ticket-router" / "0.7.0.yml").write_text("model_name: [unclosed\n")
    (team / "registry" / "ticket-router" / "0.8.0.yml").write_bytes(b"\xff\xfe not text")
    built = run_cli(["site", "build", "--config", "mlops.yml"], cwd=team, timeout=300)
    assert built.code == 0, built.stderr
    warnings = [line for line in built.stderr.splitlines() if line.startswith("warning: ")]
    assert any("0.5.0.yml:" in w and "stage: 'bogus'" in w and "left out of the site" in w for w in warnings)
    assert any("0.6.0.yml:3:10: created: '2026-02-30' is not a valid date" in w for w in warnings)
    assert any("0.7.0.yml:" in w and "invalid YAML" in w for w in warnings)
    assert any("0.8.0.yml" in w and "cannot read" in w for w in warnings)
    assert "warning: 4 registry file(s) left out of the site" in built.stderr
    assert "Traceback" not in built.stderr and "reaches end of life" not in built.stderr
    assert "not included in the" not in built.stderr
    catalog = (team / "site" / "generated" / "models" / "ticket-router" / "index.html").read_text()
    assert "0.4.0" in catalog and "0.5.0" not in catalog
    strict = run_cli(["site", "build", "--config", "mlops.yml", "--strict"], cwd=team, timeout=300)
    assert strict.code == 1 and strict.stderr.splitlines()[-1] == (
        "error: 4 warning(s) about the registry, and --strict fails on them"
    )
