"""The MLflow bridge against a real MLflow tracking server (one per session, see tests/mlflow_server.py).

Every test imports the models it changes into its own folder, so tests that move aliases or delete
versions each use a registered model of their own.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.records.forms import forms, render_body
from tests.helpers import BOT_TOKEN, run_cli
from tests.mlflow_server import ADMIN, GIT_COMMIT, READER, FaultyProxy, MlflowServer, free_port, running_server

# The session's server starts and is populated inside the first test that needs it: minutes on a busy machine.
pytestmark = pytest.mark.timeout(900)

CONFIG = """\
repositories: [acme/ml-platform]
registry: {{path: registry}}
site: {{snapshot: snapshot.json}}
mlflow:
  tracking_uri: {url}
  stages:
    aliases: {{champion: production, challenger: staging}}
  metrics: [auc, f1]
"""


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    with running_server(tmp_path_factory.mktemp("mlflow")) as server:
        yield server


@pytest.fixture
def project(tmp_path: Path, mlflow_server: MlflowServer) -> Path:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "mlops.yml").write_text(CONFIG.format(url=mlflow_server.url))
    return tmp_path


def import_models(
    project: Path, server: MlflowServer, *args: str, credentials: tuple[str, str] = ADMIN, **env: str
) -> tuple[int, dict, str]:
    result = run_cli(
        ["registry", "import", "mlflow", "--format", "json", *args], cwd=project, env=server.env(credentials, **env)
    )
    payload = json.loads(result.stdout) if result.code == 0 else {}
    return result.code, payload, result.stderr


def read(project: Path, model: str, version: str) -> dict:
    return yaml.safe_load((project / "registry" / model / f"{version}.yml").read_text())


def snapshot_of_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ---- import ----------------------------------------------------------------------------------------------------------
def test_first_import_writes_valid_files_with_stages_from_aliases(project, mlflow_server):
    code, report, stderr = import_models(project, mlflow_server, "--model", "churn-classifier")
    assert code == 0, stderr
    assert report["counts"]["created"] == 2 and report["problems"] == []
    champion, challenger = read(project, "churn-classifier", "1"), read(project, "churn-classifier", "2")
    run = mlflow_server.made["runs"]["churn-0"]
    assert champion["stage"] == "production" and challenger["stage"] == "staging"
    assert champion["artifact_uri"].startswith("file://" + str(mlflow_server.root / "artifacts"))
    assert champion["framework"]["name"] == "sklearn" and champion["framework"]["version"][0].isdigit()
    assert champion["signature"] == {
        "inputs": [{"name": "input", "type": "float64", "shape": [-1, 2]}],
        "outputs": [{"name": "output", "type": "int64", "shape": [-1]}],
    }
    assert champion["provenance"] == {
        "git_commit": GIT_COMMIT,
        "dataset_snapshot_uri": "https://data.acme.example/churn/2026-10.parquet",
        "environment_lockfile_uri": champion["artifact_uri"] + "/python_env.yaml",
    }
    assert champion["metrics"] == {"auc": 0.81, "f1": 0.74} and champion["headline_metric"] == "auc"
    assert champion["owner"] == "retention-ml" and champion["task"].startswith("Predict which subscribers")
    assert champion["links"] == {
        "repository": "acme/ml-platform",
        "experiment_issue": 1,
        "mlflow_run": f"{mlflow_server.url}/#/experiments/{run['experiment_id']}/runs/{run['run_id']}",
        "mlflow_model_version": f"{mlflow_server.url}/#/models/churn-classifier/versions/1",
    }
    assert [step["stage"] for step in champion["stage_history"]] == ["candidate", "production"]
    assert champion["mlflow"]["model"] == "churn-classifier" and champion["mlflow"]["run_id"] == run["run_id"]
    assert "password" not in (project / "registry" / "churn-classifier" / "1.yml").read_text()
    # The files validate, and the report says what the PR gate will think of a new file that is not a candidate.
    validated = run_cli(["validate", "registry"], cwd=project)
    assert validated.code == 0, validated.stdout
    stage = next(f for f in report["files"] if f["path"].endswith("/1.yml"))["stage_change"]
    assert stage["to"] == "production" and "must start as 'candidate'" in stage["gate_problem"]
    # Requests: the model, its versions, then per version its run, download URI and MLmodel file.
    assert report["requests_by_endpoint"] == {
        "registered-models/get": 1,
        "model-versions/search": 1,
        "runs/get": 2,
        "model-versions/get-download-uri": 2,
        "model-versions/get-artifact": 2,
    }


def test_a_rerun_with_nothing_new_changes_no_file(project, mlflow_server):
    assert import_models(project, mlflow_server)[0] == 0
    before = snapshot_of_files(project / "registry")
    code, report, _ = import_models(project, mlflow_server)
    assert code == 0 and report["written"] == [] and report["counts"]["updated"] == 0
    assert snapshot_of_files(project / "registry") == before
    assert report["counts"]["unchanged"] == len(report["files"]) >= 10
    # A version's source never changes: its MLmodel file and storage address are not read again.
    assert set(report["requests_by_endpoint"]) == {"registered-models/search", "model-versions/search", "runs/get"}


def test_a_persons_edits_are_kept_and_a_conflict_is_reported_once(project, mlflow_server):
    assert import_models(project, mlflow_server, "--model", "search-ranker")[0] == 0
    path = project / "registry" / "search-ranker" / "1.yml"
    text = path.read_text()
    text = text.replace("metrics:\n", "# Measured on the 2026-10 hold-out.\nmetrics:\n")
    text = text.replace("stage: production", "stage: production  # approved by the model council")
    text = text.replace("  auc: 0.81\n", "  auc: 0.815\n")  # a person corrects an imported value
    text += "model_card:\n  intended_use: Rank search results.\n"
    path.write_text(text)

    code, report, _ = import_models(project, mlflow_server, "--model", "search-ranker")
    assert code == 0
    entry = next(f for f in report["files"] if f["path"].endswith("/1.yml"))
    assert entry["action"] == "unchanged" and entry["kept"] == ["metrics.auc"] and entry["conflicts"] == []
    assert path.read_text() == text

    # MLflow changes the owner and the description; the person changed the owner too.
    mlflow_server.rest(
        "POST",
        "model-versions/set-tag",
        {"name": "search-ranker", "version": "1", "key": "mlops.owner", "value": "search-team"},
    )
    mlflow_server.rest(
        "PATCH",
        "model-versions/update",
        {"name": "search-ranker", "version": "1", "description": "Ranker trained on October clicks"},
    )
    text = text.replace("model_card:", "owner: relevance-guild\nmodel_card:")
    path.write_text(text)
    code, report, _ = import_models(project, mlflow_server, "--model", "search-ranker")
    entry = next(f for f in report["files"] if f["path"].endswith("/1.yml"))
    assert entry["conflicts"] == [{"field": "owner", "file": "relevance-guild", "mlflow": "search-team"}]
    assert entry["changed"] == ["description"] and entry["kept"] == ["metrics.auc"]
    data = read(project, "search-ranker", "1")
    assert data["owner"] == "relevance-guild" and data["description"] == "Ranker trained on October clicks"
    assert data["model_card"] == {"intended_use": "Rank search results."} and data["metrics"]["auc"] == 0.815
    after = path.read_text()
    assert "# Measured on the 2026-10 hold-out.\nmetrics:" in after and "# approved by the model council" in after

    # Reported once: MLflow has not moved since, so the person's value simply stands.
    code, report, _ = import_models(project, mlflow_server, "--model", "search-ranker")
    entry = next(f for f in report["files"] if f["path"].endswith("/1.yml"))
    assert entry["conflicts"] == [] and set(entry["kept"]) == {"metrics.auc", "owner"} and report["written"] == []
    # --force takes MLflow's value everywhere a person changed one; the rest stays.
    code, report, _ = import_models(project, mlflow_server, "--model", "search-ranker", "--force")
    data = read(project, "search-ranker", "1")
    assert data["owner"] == "search-team" and data["metrics"]["auc"] == 0.81
    assert data["model_card"] == {"intended_use": "Rank search results."}


def test_an_alias_that_moved_proposes_a_stage_change(project, mlflow_server):
    assert import_models(project, mlflow_server, "--model", "Fraud Detector")[0] == 0
    assert read(project, "fraud-detector", "2")["stage"] == "staging"
    # The challenger is promoted: champion moves to version 2, which loses its challenger alias.
    promoted = {"name": "Fraud Detector", "alias": "champion", "version": "2"}
    mlflow_server.rest("POST", "registered-models/alias", promoted)
    mlflow_server.rest("DELETE", "registered-models/alias", {"name": "Fraud Detector", "alias": "challenger"})
    code, report, _ = import_models(project, mlflow_server, "--model", "Fraud Detector")
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert code == 0
    moved = next(f for f in report["files"] if f["path"].endswith("fraud-detector/2.yml"))
    assert moved["stage_change"] == {
        "from": "staging",
        "to": "production",
        "reason": "alias champion",
        "gate_problem": None,
    }
    data = read(project, "fraud-detector", "2")
    assert data["stage"] == "production"
    assert data["stage_history"][-1] == {"stage": "production", "date": today, "note": "MLflow alias champion"}
    # Version 1 lost its alias: nothing maps it now, so its stage stays as it was (never guessed).
    first = next(f for f in report["files"] if f["path"].endswith("fraud-detector/1.yml"))
    assert first["action"] == "unchanged" and read(project, "fraud-detector", "1")["stage"] == "production"


def test_a_version_deleted_in_mlflow_is_reported_and_its_file_kept(project, mlflow_server):
    assert import_models(project, mlflow_server, "--model", "ticket-router")[0] == 0
    kept = (project / "registry" / "ticket-router" / "2.yml").read_bytes()
    mlflow_server.rest("DELETE", "model-versions/delete", {"name": "ticket-router", "version": "2"})
    code, report, _ = import_models(project, mlflow_server, "--model", "ticket-router")
    assert code == 0
    assert report["deleted_in_mlflow"] == [
        {"path": "registry/ticket-router/2.yml", "model": "ticket-router", "version": "2", "stage": "staging"}
    ]
    assert (project / "registry" / "ticket-router" / "2.yml").read_bytes() == kept
    text = run_cli(["registry", "import", "mlflow", "--model", "ticket-router"], cwd=project, env=mlflow_server.env())
    assert "is no longer in MLflow; the file is kept" in text.stdout


def test_a_version_without_a_run_is_imported_with_what_its_model_says(project, mlflow_server):
    code, report, _ = import_models(project, mlflow_server, "--model", "no-run-model")
    assert code == 0
    data = read(project, "no-run-model", "1")
    assert data["framework"]["name"] == "mlflow.pyfunc" and data["stage"] == "candidate"
    assert "metrics" not in data and "mlflow_run" not in data["links"] and "run_id" not in data["mlflow"]
    assert data["provenance"] == {"environment_lockfile_uri": data["artifact_uri"] + "/python_env.yaml"}
    entry = report["files"][0]
    assert entry["missing"] == ["signature", "provenance.git_commit", "provenance.dataset_snapshot_uri"]
    text = run_cli(["registry", "import", "mlflow", "--model", "no-run-model"], cwd=project, env=mlflow_server.env())
    assert "incomplete until a person or MLflow fills in: signature (log the model with a signature);" in text.stdout
    failed = run_cli(["validate", "registry"], cwd=project)
    assert failed.code == 1 and "git_commit" in failed.stdout


def test_a_file_that_mirrors_another_version_is_not_merged(project, mlflow_server):
    folder = project / "registry" / "no-run-model"
    folder.mkdir(parents=True)
    text = (
        "model_name: no-run-model\nversion: '1'\nmlflow:\n  model: churn-classifier\n  version: '1'\n  imported: {}\n"
    )
    (folder / "1.yml").write_text(text)
    code, report, _ = import_models(project, mlflow_server, "--model", "no-run-model")
    assert code == 0 and report["files"] == [] and report["written"] == []
    assert "mirrors another MLflow model version (churn-classifier 1)" in report["problems"][0]
    assert (folder / "1.yml").read_text() == text


def test_a_symbolic_link_out_of_the_registry_is_not_followed(project, mlflow_server, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (project / "registry").mkdir()
    (project / "registry" / "no-run-model").symlink_to(outside, target_is_directory=True)
    code, report, _ = import_models(project, mlflow_server, "--model", "no-run-model")
    assert code == 0 and report["written"] == [] and "a symbolic link leads it out of" in report["problems"][0]
    assert list(outside.iterdir()) == []


def test_a_dry_run_writes_nothing(project, mlflow_server):
    code, report, _ = import_models(project, mlflow_server, "--model", "churn-classifier", "--dry-run")
    assert code == 0 and report["counts"]["created"] == 2 and report["written"] == []
    assert not (project / "registry").exists()


# ---- failures --------------------------------------------------------------------------------------------------
def test_a_server_that_is_down_exits_3_and_writes_nothing(project, mlflow_server):
    assert import_models(project, mlflow_server, "--model", "churn-classifier")[0] == 0
    before = snapshot_of_files(project / "registry")
    closed = f"http://127.0.0.1:{free_port()}"
    result = run_cli(
        ["registry", "import", "mlflow", "--tracking-uri", closed],
        cwd=project,
        env=mlflow_server.env(MLFLOW_HTTP_REQUEST_MAX_RETRIES="2"),
    )
    assert result.code == 3
    assert result.stderr.strip() == (
        f"error: cannot reach the MLflow tracking server at {closed} (connection refused) after 3 attempt(s)"
    )
    assert snapshot_of_files(project / "registry") == before


def test_an_unknown_model_is_a_usage_error(project, mlflow_server):
    code, _, stderr = import_models(project, mlflow_server, "--model", "no-such-model")
    assert code == 2
    assert stderr.strip() == f"error: MLflow at {mlflow_server.url} has no registered model named 'no-such-model'"


def test_wrong_credentials_and_refused_permission_exit_3_without_echoing_secrets(project, mlflow_server):
    code, _, stderr = import_models(project, mlflow_server, credentials=("admin", "not-the-password"))
    assert code == 3 and "permission refused (HTTP 401" in stderr and "not-the-password" not in stderr
    assert len(stderr.strip().splitlines()) == 1
    code, _, stderr = import_models(project, mlflow_server, "--model", "restricted-model", credentials=READER)
    assert code == 3 and "permission refused (HTTP 403" in stderr and READER[1] not in stderr
    assert not (project / "registry").exists()
    # A token goes as a bearer token (this server wants basic auth, so it is refused: but it was sent).
    code, _, stderr = import_models(project, mlflow_server, MLFLOW_TRACKING_TOKEN="tok-secret-123")
    assert code == 3 and "tok-secret-123" not in stderr


def test_server_errors_are_retried_and_counted(project, mlflow_server):
    with FaultyProxy(mlflow_server.url, match="runs/get", failures=2) as proxy:
        result = run_cli(
            ["registry", "import", "mlflow", "--tracking-uri", proxy.url, "--model", "churn-classifier",
             "--format", "json"],
            cwd=project,
            env=mlflow_server.env(),
        )  # fmt: skip
    assert result.code == 0, result.stderr
    report = result.json()
    assert report["retries"] == 2 and report["counts"]["created"] == 2
    assert sum(1 for line in proxy.seen if "runs/get" in line) == 4


# ---- the experiment log ----------------------------------------------------------------------------------------
def test_snapshot_shows_named_and_tagged_runs_on_experiment_cards(project, mlflow_server, github):
    runs = mlflow_server.made["runs"]
    repo = github.state.repo("acme/ml-platform")
    experiment = forms()["experiment"]
    hypothesis = "If we re-weight, then AUC improves because positives count more."
    first = github.state.issue(
        repo,
        "Experiment: re-weight",
        labels=("ml-experiment",),
        body=render_body(
            experiment,
            {
                "hypothesis": hypothesis,
                "dataset": "churn-2026-10",
                "mlflow_runs": f"{mlflow_server.url}/#/experiments/{runs['untagged']['experiment_id']}"
                f"/runs/{runs['untagged']['run_id']}\nhttps://elsewhere.example/#/experiments/1/runs/{'a' * 32}",
            },
        ),
    )
    second = github.state.issue(
        repo,
        "Experiment: bare id",
        labels=("ml-experiment",),
        body=render_body(
            experiment, {"hypothesis": hypothesis, "dataset": "d", "mlflow_runs": runs["churn-1"]["run_id"]}
        ),
    )
    assert (first.number, second.number) == (1, 2)  # the churn runs are tagged mlops.issue acme/ml-platform#1 and #2
    result = run_cli(
        ["snapshot", "--format", "json"], cwd=project, env={**github.env(BOT_TOKEN), **mlflow_server.env()}
    )
    assert result.code == 0, result.stderr
    assert "elsewhere.example" in result.stderr and "not read" in result.stderr  # a foreign server is never asked
    issues = {i["number"]: i for i in json.loads((project / "snapshot.json").read_text())["issues"]}
    shown = issues[1]["mlflow_runs"]
    assert [r["run_id"] for r in shown] == [runs["untagged"]["run_id"], runs["churn-0"]["run_id"]]
    assert shown[0]["metrics"] == {"ndcg": 0.61} and shown[0]["params"] == {"depth": "6"} and not shown[0]["tagged"]
    assert shown[1]["metrics"] == {"auc": 0.81, "f1": 0.74} and shown[1]["tagged"]
    assert shown[1]["params"] == {"C": "1.0", "max_iter": "200", "solver": "lbfgs"}
    assert shown[1]["url"] == (
        f"{mlflow_server.url}/#/experiments/{runs['churn-0']['experiment_id']}/runs/{runs['churn-0']['run_id']}"
    )
    assert [r["run_id"] for r in issues[2]["mlflow_runs"]] == [runs["churn-1"]["run_id"]]


def test_snapshot_keeps_the_issues_when_mlflow_is_down(project, mlflow_server, github):
    github.state.issue(github.state.repo("acme/ml-platform"), "Experiment", labels=("ml-experiment",), body="x")
    config = project / ".github" / "mlops.yml"
    config.write_text(config.read_text().replace(mlflow_server.url, f"http://127.0.0.1:{free_port()}"))
    env = {**github.env(BOT_TOKEN), **mlflow_server.env(MLFLOW_HTTP_REQUEST_MAX_RETRIES="0")}
    result = run_cli(["snapshot"], cwd=project, env=env)
    assert result.code == 0 and "MLflow runs not refreshed: cannot reach" in result.stderr
    assert json.loads((project / "snapshot.json").read_text())["issues"][0]["number"] == 1


def test_the_mlflow_package_is_not_a_runtime_dependency():
    import tomllib

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert not any(d.lower().startswith("mlflow") for d in project["project"]["dependencies"])
    assert os.path.exists(Path(__file__).parents[1] / "bot" / "mlflow" / "client.py")
