"""The MLflow bridge's pure parts: the three-way merge, in-place YAML edits, MLflow facts -> registry fields,
run references in issues, and the configuration. No server: tests/test_mlflow.py has the real one."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import MlflowConfig, load_config
from bot.errors import ConfigError, UsageError
from bot.mlflow.client import TrackingServer, _equals, redact
from bot.mlflow.facts import ModelFile, RegisteredModelFacts, RunFacts, VersionFacts
from bot.mlflow.fields import (
    ImportedVersion,
    StageChoice,
    imported_version,
    issue_reference,
    registry_name,
    registry_version,
    stage_for,
)
from bot.mlflow.plan import HEADER, digest, plan_file
from bot.mlflow.runs import named_runs
from bot.mlflow.yaml_edit import AppendItems, RemoveKey, SetKey, apply_edits, dump

TODAY = dt.date(2026, 12, 1)
TRANSITIONS = {"candidate": ("staging", "archived"), "staging": ("production", "archived"), "production": ("archived",)}


def mlflow_config(**changes: Any) -> MlflowConfig:
    base = {
        "configured": True,
        "tracking_uri": "https://mlflow.acme.example",
        "models": (),
        "names": {},
        "stage_aliases": {"champion": "production", "challenger": "staging"},
        "stage_tags": {},
        "metrics": (),
        "params": (),
        "path": "{model}/{version}.yml",
    }
    return MlflowConfig(**{**base, **changes})


def imported(values: dict[tuple[str, ...], Any], stage: str | None = None) -> ImportedVersion:
    return ImportedVersion(
        "churn",
        "3",
        values,
        StageChoice(stage, f"alias for {stage}") if stage else None,
        {"model": "churn", "version": "3"},
        "2026-11-02",
    )


COMPLETE = {
    ("artifact_uri",): "s3://models/churn/3",
    ("framework",): {"name": "xgboost", "version": "2.1.1"},
    ("signature",): {"inputs": [{"name": "x", "type": "double"}], "outputs": [{"name": "y", "type": "double"}]},
    ("provenance", "git_commit"): "a" * 40,
    ("provenance", "dataset_snapshot_uri"): "s3://data/churn/2026-11",
    ("provenance", "environment_lockfile_uri"): "s3://models/churn/3/python_env.yaml",
    ("metrics", "auc"): 0.81,
}


def first_import(values=COMPLETE, stage: str | None = None) -> str:
    plan = plan_file(
        "registry/churn/3.yml", None, imported(values, stage), force=False, today=TODAY, transitions=TRANSITIONS
    )
    assert plan.action == "create" and plan.text is not None
    return plan.text


def again(text: str, values=COMPLETE, stage: str | None = None, force: bool = False):
    return plan_file(
        "registry/churn/3.yml",
        (text, yaml.safe_load(text)),
        imported(values, stage),
        force=force,
        today=TODAY,
        transitions=TRANSITIONS,
    )


# ---- the three-way merge ----------------------------------------------------------------------------------------
def test_a_new_file_is_complete_ordered_and_starts_its_history():
    text = first_import(stage="staging")
    data = yaml.safe_load(text)
    assert text.startswith(HEADER)
    assert list(data)[:7] == ["model_name", "version", "artifact_uri", "framework", "signature", "provenance", "stage"]
    assert data["stage_history"] == [
        {"stage": "candidate", "date": "2026-11-02"},
        {"stage": "staging", "date": "2026-12-01", "note": "MLflow alias for staging"},
    ]
    assert set(data["mlflow"]["imported"]) == {"artifact_uri", "framework", "signature", "stage", "metrics.auc"} | {
        "provenance.git_commit",
        "provenance.dataset_snapshot_uri",
        "provenance.environment_lockfile_uri",
    }


def test_nothing_new_means_the_same_bytes():
    text = first_import(stage="production")
    plan = again(text, stage="production")
    assert plan.action == "unchanged" and plan.text is None and plan.stage_change is None


@pytest.mark.parametrize(
    ("file_value", "mlflow_value", "expected", "outcome"),
    [
        (0.81, 0.83, 0.83, "changed"),  # untouched here: MLflow's new value is taken
        (0.9, 0.81, 0.9, "kept"),  # edited here, MLflow unchanged: the edit stays
        (0.9, 0.83, 0.9, "conflict"),  # both changed: the file's stays, reported
        (0.83, 0.83, 0.83, "same"),  # both changed alike
        (None, 0.81, None, "kept"),  # a person deleted it: it stays deleted
        (0.81, None, None, "changed"),  # MLflow no longer has it and nobody edited it: removed
    ],
)
def test_the_three_way_merge_of_one_field(file_value, mlflow_value, expected, outcome):
    text = first_import()
    if file_value is None:
        text = text.replace("metrics:\n  auc: 0.81\n", "")
    else:
        text = text.replace("auc: 0.81", f"auc: {file_value}")
    values = {k: v for k, v in COMPLETE.items() if k != ("metrics", "auc")}
    if mlflow_value is not None:
        values[("metrics", "auc")] = mlflow_value
    plan = again(text, values)
    written = yaml.safe_load(plan.text) if plan.text else yaml.safe_load(text)
    assert (written.get("metrics") or {}).get("auc") == expected
    assert ("metrics.auc" in plan.changed) == (outcome == "changed")
    assert ("metrics.auc" in plan.kept) == (outcome == "kept")
    assert [c.field for c in plan.conflicts] == (["metrics.auc"] if outcome == "conflict" else [])
    if outcome == "conflict":  # reported once: the base moves to MLflow's value, so a rerun keeps the file's quietly
        assert again(plan.text, values).conflicts == ()
        forced = again(plan.text, values, force=True)
        assert yaml.safe_load(forced.text)["metrics"]["auc"] == mlflow_value


def test_a_hand_written_file_meets_the_import_without_losing_anything():
    hand = (
        "# Written by the churn team.\n"
        "model_name: churn\nversion: '3'\n"
        "artifact_uri: s3://elsewhere/churn/3   # the copy we serve\n"
        "owner: retention\n"
        "model_card:\n  intended_use: Retention offers.\n  # to be reviewed\n  limitations: Only EU data.\n"
        "stage: staging\n"
        "stage_history:\n  - stage: candidate\n    date: '2026-11-01'\n"
    )
    plan = again(hand, stage="production")
    after = plan.text
    data = yaml.safe_load(after)
    # No record of an earlier import: where the file and MLflow differ, both are a person's word against MLflow's.
    assert [c.field for c in plan.conflicts] == ["artifact_uri", "stage"] and plan.stage_change is None
    assert data["artifact_uri"] == "s3://elsewhere/churn/3" and "# the copy we serve" in after
    assert "# Written by the churn team.\n" in after and "  # to be reviewed\n" in after
    assert data["owner"] == "retention" and data["model_card"]["limitations"] == "Only EU data."
    assert data["framework"] == COMPLETE[("framework",)] and data["stage"] == "staging"
    assert list(data)[-1] == "mlflow" and plan.rewritten is False

    forced = again(hand, stage="production", force=True)
    data = yaml.safe_load(forced.text)
    assert data["stage"] == "production" and forced.stage_change.old == "staging"
    assert forced.stage_change.gate_problem is None
    assert data["stage_history"][-1] == {
        "stage": "production",
        "date": "2026-12-01",
        "note": "MLflow alias for production",
    }
    assert "  - stage: candidate\n    date: '2026-11-01'\n  - stage: production" in forced.text  # the list's indent
    assert data["model_card"]["intended_use"] == "Retention offers." and "  # to be reviewed\n" in forced.text


def test_an_unmapped_version_keeps_the_stage_a_person_set():
    text = first_import(stage="staging")
    text = text.replace("stage: staging\n", "stage: archived\n", 1)
    plan = again(text, stage=None)
    assert plan.stage_change is None and plan.conflicts == ()
    assert yaml.safe_load(plan.text or text)["stage"] == "archived"


def test_a_stage_move_the_gate_refuses_is_reported():
    text = first_import()  # a candidate
    plan = again(text, stage="production")
    assert plan.stage_change.gate_problem == "stage 'candidate' may move to staging, archived; not to 'production'"


def test_a_value_in_the_way_of_an_imported_field_is_a_conflict_not_a_loss():
    text = first_import().replace("metrics:\n  auc: 0.81\n", "metrics: see the evaluation issue\n")
    assert again(text).kept == ("metrics.auc",)  # MLflow unchanged: the person's text stands
    plan = again(text, {**COMPLETE, ("metrics", "auc"): 0.9})
    assert [c.field for c in plan.conflicts] == ["metrics.auc"]
    assert yaml.safe_load(plan.text)["metrics"] == "see the evaluation issue"


def test_missing_required_fields_are_listed():
    values = {("artifact_uri",): "s3://m/1", ("metrics", "auc"): 0.5}
    plan = plan_file("registry/churn/3.yml", None, imported(values), force=False, today=TODAY, transitions=TRANSITIONS)
    assert plan.missing == (
        "framework",
        "signature",
        "provenance.git_commit",
        "provenance.dataset_snapshot_uri",
        "provenance.environment_lockfile_uri",
    )


def test_fields_not_read_this_time_are_left_as_they_are():
    text = first_import().replace("    type: double\n  outputs", "    type: float64\n  outputs")  # a person's fix
    values = {k: v for k, v in COMPLETE.items() if k != ("signature",)}
    unread = ImportedVersion(
        "churn", "3", values, None, {"model": "churn", "version": "3"}, None, (), frozenset({("signature",)})
    )
    plan = plan_file(
        "registry/churn/3.yml", (text, yaml.safe_load(text)), unread, force=False, today=TODAY, transitions=TRANSITIONS
    )
    assert plan.action == "unchanged" and plan.kept == () and plan.changed == ()
    assert "signature" not in plan.missing


def test_digests_ignore_key_order():
    assert digest({"a": 1, "b": [1, 2]}) == digest({"b": [1, 2], "a": 1}) != digest({"a": 1, "b": [2, 1]})


# ---- in-place YAML edits ------------------------------------------------------------------------------------------
def test_edits_keep_comments_and_inline_comments():
    text = "# head\na: 1  # why one\nb:\n  c: 2\n# about d\nd: [1, 2]\n"
    expected = {"a": 5, "b": {"c": 3}, "d": [1, 2], "e": "new"}
    result = apply_edits(text, [SetKey("a", 5), SetKey("b", {"c": 3}), SetKey("e", "new")], expected)
    assert result == "# head\na: 5  # why one\nb:\n  c: 3\n# about d\nd: [1, 2]\ne: new\n"


def test_flow_style_and_shared_anchors_are_not_edited_in_place():
    assert apply_edits("{a: 1, b: 2}\n", [SetKey("a", 3)], {"a": 3, "b": 2}) is None
    shared = "a: &x {k: 1}\nb: *x\n"
    assert apply_edits(shared, [SetKey("a", {"k": 2})], {"a": {"k": 2}, "b": {"k": 1}}) is None  # b would dangle
    assert apply_edits("# only a comment\n", [SetKey("a", 1)], {"a": 1}) == "# only a comment\na: 1\n"


KEYS = st.sampled_from(["alpha", "beta", "gamma", "delta", "stage_history", "metrics"])
SCALARS = st.one_of(
    st.integers(-1000, 1000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\t\x85\u2028\u2029"), max_size=30),
    st.booleans(),
    st.none(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["x", "y", "z w"]), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(
    original=st.dictionaries(KEYS, VALUES, min_size=1, max_size=5),
    changes=st.dictionaries(KEYS, st.one_of(st.just("<remove>"), VALUES), max_size=4),
    comment=st.booleans(),
)
def test_any_edit_reads_back_as_intended_and_leaves_other_keys_byte_for_byte(original, changes, comment):
    text = ("# kept\n" if comment else "") + dump(original)
    expected = dict(original)
    edits = []
    for key, value in changes.items():
        if value == "<remove>":
            expected.pop(key, None)
            edits.append(RemoveKey(key))
        elif isinstance(original.get(key), list) and original[key] and isinstance(value, list) and value:
            expected[key] = [*original[key], *value]
            edits.append(AppendItems(key, tuple(value)))
        else:
            expected[key] = value
            edits.append(SetKey(key, value))
    result = apply_edits(text, edits, expected)
    assert result is not None
    assert yaml.safe_load(result) == (expected or None)
    if comment:
        assert result.startswith("# kept\n")
    for key in original:
        if key not in changes:
            assert dump({key: original[key]}) in result


# ---- facts -> fields ----------------------------------------------------------------------------------------------
def version_facts(**changes: Any) -> VersionFacts:
    base = VersionFacts(
        model="Churn Model",
        version="4",
        source="models:/m-1",
        run_id="r" * 32,
        status="READY",
        created_ms=1_790_000_000_000,
        user_id="ana",
        description="",
        tags={},
        aliases=("champion",),
        artifact_uri="mlflow-artifacts:/3/models/m-1/artifacts",
    )
    return VersionFacts(**{**base.__dict__, **changes})


MLMODEL = """
flavors:
  python_function: {env: {conda: conda.yaml, virtualenv: python_env.yaml}, loader_module: mlflow.xgboost}
  xgboost: {xgb_version: 2.1.1, data: model.xgb}
mlflow_version: 3.1.0
signature:
  inputs: '[{"type": "double", "name": "tenure", "required": true},
    {"type": "array", "items": {"type": "string"}, "name": "plans"}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}]'
  params: null
"""


def test_a_version_becomes_registry_fields():
    run = RunFacts.from_json(
        {
            "info": {"run_id": "r" * 32, "experiment_id": "3", "run_name": "train", "status": "FINISHED"},
            "data": {
                "metrics": [
                    {"key": "auc", "value": 0.7, "step": 0, "timestamp": 1},
                    {"key": "auc", "value": 0.8, "step": 5, "timestamp": 2},
                    {"key": "loss", "value": "NaN", "step": 0, "timestamp": 1},
                ],
                "tags": [
                    {"key": "mlflow.source.git.commit", "value": "ABCDEF1234567"},
                    {"key": "mlops.issue", "value": "https://github.com/acme/ml/issues/42"},
                ],
            },
            "inputs": {
                "dataset_inputs": [
                    {
                        "tags": [{"key": "mlflow.data.context", "value": "training"}],
                        "dataset": {"name": "d", "digest": "1", "source": '{"uri": "s3://data/churn/11"}'},
                    }
                ]
            },
        }
    )
    version = version_facts(run=run, model_file=ModelFile.parse(MLMODEL))
    model = RegisteredModelFacts("Churn Model", "Churn", {"mlops.owner": "retention"}, {"champion": "4"})
    result = imported_version(
        model,
        version,
        mlflow_config(metrics=("auc", "loss")),
        server_url="https://mlflow.acme.example",
        repositories=(),
        name="churn-model",
        version_name="4",
    )
    values = result.values
    artifacts = "https://mlflow.acme.example/api/2.0/mlflow-artifacts/artifacts/3/models/m-1/artifacts"
    assert values[("artifact_uri",)] == artifacts
    assert values[("framework",)] == {"name": "xgboost", "version": "2.1.1"}
    assert values[("signature",)] == {
        "inputs": [{"name": "tenure", "type": "double"}, {"name": "plans", "type": "array<string>"}],
        "outputs": [{"name": "output", "type": "float32", "shape": [-1]}],
    }
    assert values[("provenance", "git_commit")] == "abcdef1234567"
    assert values[("provenance", "dataset_snapshot_uri")] == "s3://data/churn/11"
    assert values[("provenance", "environment_lockfile_uri")] == artifacts + "/python_env.yaml"
    assert values[("metrics", "auc")] == 0.8 and ("metrics", "loss") not in values  # NaN fits no registry file
    assert values[("links", "repository")] == "acme/ml" and values[("links", "experiment_issue")] == 42
    assert values[("links", "mlflow_model_version")] == "https://mlflow.acme.example/#/models/Churn%20Model/versions/4"
    assert values[("owner",)] == "retention" and values[("created",)] == "2026-09-21"
    assert result.stage == StageChoice("production", "alias champion")


def test_tags_a_person_set_win_over_what_mlflow_recorded():
    version = version_facts(
        tags={"mlops.framework": "onnx", "mlops.framework_version": "1.17", "mlops.dataset": "s3://d/x"},
        model_file=ModelFile.parse(MLMODEL),
    )
    model = RegisteredModelFacts("Churn Model", "", {}, {})
    values = imported_version(
        model, version, mlflow_config(), server_url="https://m", repositories=("a/b",), name="c", version_name="4"
    ).values
    assert values[("framework",)] == {"name": "onnx", "version": "1.17"}
    assert values[("provenance", "dataset_snapshot_uri")] == "s3://d/x"


@pytest.mark.parametrize(
    ("aliases", "tags", "stage", "note"),
    [
        (("champion",), {}, "production", None),
        (("latest",), {}, None, None),
        ((), {"env": "prod"}, "production", None),
        (("challenger",), {"env": "prod"}, None, "the stage mapping disagrees"),
        (("champion",), {"env": "prod"}, "production", None),  # both say production: no disagreement
    ],
)
def test_stages_come_only_from_the_mapping(aliases, tags, stage, note):
    config = mlflow_config(stage_tags={"env": {"prod": "production"}})
    choice, problem = stage_for(version_facts(aliases=aliases, tags=tags), config)
    assert (choice.stage if choice else None) == stage
    assert (problem or "").startswith(note or "")
    assert (problem is None) == (note is None)


@pytest.mark.parametrize(
    ("name", "configured", "expected"),
    [
        ("churn-classifier", {}, "churn-classifier"),
        ("Fraud Detector", {}, "fraud-detector"),
        ("prod.ml.Churn_Model", {}, "prod.ml.churn_model"),
        ("Ünïcode!!", {}, "n-code"),
        ("!!!", {}, None),
        ("!!!", {"!!!": "bangs"}, "bangs"),
    ],
)
def test_registry_names(name, configured, expected):
    assert registry_name(name, mlflow_config(names=configured)) == expected


def test_the_path_template_makes_the_registry_version():
    assert registry_version("7", mlflow_config(path="{model}/v{version}.yml")) == "v7"
    assert registry_version("7", mlflow_config(path="{model}/{version}.0.0.yaml")) == "7.0.0"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", (None, 12)),
        ("#12", (None, 12)),
        ("acme/ml#7", ("acme/ml", 7)),
        ("https://github.example/acme/ml/issues/9", ("acme/ml", 9)),
        ("twelve", None),
        ("#0", None),
        ("12; rm -rf /", None),
    ],
)
def test_issue_references(text, expected):
    assert issue_reference(text) == expected


# ---- runs named on issues -------------------------------------------------------------------------------------
def test_runs_are_read_only_from_the_configured_server():
    run, other = "0123456789abcdef" * 2, "fedcba9876543210" * 2
    issue = {
        "record": {
            "fields": {
                "notes": f"see https://mlflow.acme.example/#/experiments/3/runs/{run} and "
                f"https://evil.example/#/experiments/3/runs/{other}",
                "mlflow_runs": f"{other}\n{'a' * 40}\nhttps://mlflow.acme.example/ml/experiments/3/runs/{run}",
            },
            "extra_sections": {},
        }
    }
    ids, foreign = named_runs(issue, "https://MLflow.acme.example/")
    assert ids == [run, other]  # a bare ID in the form's field means the configured server; a 40-digit hash is no run
    assert foreign == [f"https://evil.example/#/experiments/3/runs/{other}"]


# ---- configuration and credentials -----------------------------------------------------------------------------
def test_the_mlflow_section_is_read_into_its_typed_section(tmp_path):
    (tmp_path / "mlops.yml").write_text(
        "mlflow:\n  tracking_uri: https://mlflow.acme.example\n  models: [churn]\n"
        "  stages: {aliases: {champion: production}, tags: {env: {prod: production}}}\n"
        "  metrics: [auc]\n  path: '{model}/v{version}.yml'\n"
    )
    config = load_config(tmp_path / "mlops.yml").mlflow
    assert config.configured and config.tracking_uri == "https://mlflow.acme.example"
    assert config.stage_aliases == {"champion": "production"} and config.stage_tags == {"env": {"prod": "production"}}
    assert config.metrics == ("auc",) and config.path == "{model}/v{version}.yml" and config.models == ("churn",)
    assert not load_config(None, environ={}).mlflow.configured


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ("tracking_uri: https://user:secret@mlflow.acme.example", "mlflow.tracking_uri"),
        ("stages: {aliases: {champion: prod}}", "mlflow.stages.aliases.champion"),
        ("path: '{version}/{model}.yml'", "mlflow.path"),
        ("names: {Churn: Not Valid}", "mlflow.names.Churn"),
    ],
)
def test_a_bad_mlflow_section_names_its_field(tmp_path, section, field):
    (tmp_path / "mlops.yml").write_text(f"mlflow:\n  {section}\n")
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path / "mlops.yml")
    assert error.value.location.field == field


def test_credentials_in_a_tracking_uri_are_taken_out_of_the_address():
    server = TrackingServer.parse("https://ana:s%40cret@mlflow.acme.example:8443/prefix/")
    assert server == TrackingServer("https://mlflow.acme.example:8443/prefix", "ana", "s@cret")
    assert redact("https://ana:secret@host/x") == "https://host/x"
    with pytest.raises(UsageError, match="http"):
        TrackingServer.parse("databricks")


def test_search_filters_quote_names_with_the_quote_they_lack():
    assert _equals("name", "a'b") == 'name = "a\'b"' and _equals("name", "ab") == "name = 'ab'"
    with pytest.raises(UsageError):
        _equals("name", "a'b\"c")


# ---- runs on the experiment log ------------------------------------------------------------------------------------
def test_the_sample_site_shows_mlflow_runs_on_the_churn_experiments():
    from pathlib import Path

    from bot.records.registry import read_registry
    from bot.site.render import render_site

    root = Path(__file__).resolve().parents[1]
    config = load_config(root / "sample" / "mlops.yml", environ={})
    snapshot = json.loads((root / "sample" / "snapshot.json").read_text())
    with_runs = [i for i in snapshot["issues"] if i.get("mlflow_runs")]
    assert len(with_runs) >= 5 and all(i["kind"] == "experiment" for i in with_runs)
    models, _ = read_registry(root / "sample" / "registry")
    pages = render_site(models, snapshot, config)
    month = next(p for name, p in pages.items() if "/experiments/" in name and "churn-classifier 2.0.0 attempt 2" in p)
    assert "<dt>MLflow runs</dt>" in month and "auc <strong>0.851</strong>" in month
    assert "learning_rate=0.05, max_depth=6, n_estimators=500" in month
    assert 'href="https://mlflow.acme.example/#/experiments/3/runs/' in month
    assert "\n\n" not in month[month.index("<dt>MLflow runs</dt>") - 300 : month.index("<dt>MLflow runs</dt>") + 300]


def test_run_names_and_values_from_mlflow_are_escaped_on_the_card():
    from pathlib import Path

    from bot.site.render import render_site

    root = Path(__file__).resolve().parents[1]
    config = load_config(root / "sample" / "mlops.yml", environ={})
    snapshot = json.loads((root / "sample" / "snapshot.json").read_text())
    issue = next(i for i in snapshot["issues"] if i.get("mlflow_runs"))
    issue["mlflow_runs"] = [
        {
            "run_id": "f" * 32,
            "name": "<script>alert(1)</script>",
            "url": "javascript:alert(1)",
            "status": "RUNNING",
            "started": None,
            "metrics": {"<b>auc</b>": 0.5},
            "params": {"x": "<img src=x onerror=alert(1)>"},
            "tagged": False,
        }
    ]
    page = "".join(render_site([], snapshot, config).values())
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "javascript:alert" not in page and "<b>auc</b>" not in page
    assert '<span class="mlops-badge">running</span>' in page


def test_a_file_that_lost_its_name_and_version_gets_them_back():
    text = first_import().replace("model_name: churn\n", "")
    plan = again(text)
    assert yaml.safe_load(plan.text)["model_name"] == "churn" and plan.action == "update"


def test_retry_settings_are_read_from_mlflows_variables():
    from bot.mlflow.client import HttpSettings

    settings = HttpSettings.from_env(
        {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "0.5"}
    )
    assert (settings.max_retries, settings.backoff, settings.jitter, settings.timeout) == (2, 0.5, 1.0, 120.0)
    with pytest.raises(UsageError, match="MLFLOW_HTTP_REQUEST_TIMEOUT"):
        HttpSettings.from_env({"MLFLOW_HTTP_REQUEST_TIMEOUT": "soon"})


def test_the_bridges_pure_parts_do_no_io():
    """Planning, fields, facts and YAML edits never reach the network, the client or the command line."""
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "bot" / "mlflow"
    for name in ("facts.py", "fields.py", "plan.py", "yaml_edit.py"):
        tree = ast.parse((package / name).read_text(encoding="utf-8"))
        imported = {
            alias.name if isinstance(node, ast.Import) else node.module or ""
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert not {
            m for m in imported if m.startswith(("requests", "bot.mlflow.client", "bot.cli", "os", "pathlib"))
        }, name
