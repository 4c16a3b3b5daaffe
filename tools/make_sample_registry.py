"""Writes the bundled sample registry (sample/registry): 8 models, versions in every stage.

The story (dates, the experiment and deployment issue of each version) is in tools/sample_plan.py, shared with
tools/make_sample_snapshot.py so that every link holds. Deterministic; rerun both after changing the plan:
.venv/bin/python tools/make_sample_registry.py && .venv/bin/python tools/make_sample_snapshot.py
"""

from __future__ import annotations

import hashlib
import itertools
import shutil
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.sample_plan import MODELS, REPO, plan  # noqa: E402

__all__ = ["MODELS", "main"]


def main() -> None:
    root = ROOT / "sample" / "registry"
    story = plan()
    if root.exists():
        shutil.rmtree(root)
    m_indexes = {model[0]: index for index, model in enumerate(MODELS)}
    # Pull requests share the issues' numbers on GitHub: number them after the last issue.
    pull_numbers = itertools.count(max(issue.number for issue in story.issues) + 1)
    for version in story.versions:
        name, task, owner, (fw, fw_version), headline, inputs, outputs, _ = version.model
        m_index, v_index = m_indexes[name], version.index
        digest = hashlib.sha1(f"{name}@{version.version}".encode()).hexdigest()
        history = []
        for stage, day in version.history:
            step = {"stage": stage, "date": day.isoformat(), "by": f"{owner}-lead" if stage == "production" else owner}
            if stage != "candidate":  # every later move went through a pull request and the gate
                step["pr"] = next(pull_numbers)
                step["commit"] = hashlib.sha1(f"{name}@{version.version}:{stage}".encode()).hexdigest()
            history.append(step)
        record = {
            "model_name": name,
            "version": version.version,
            "artifact_uri": f"s3://acme-models/{name}/{version.version}/model.tar.gz",
            "framework": {"name": fw, "version": fw_version},
            "signature": {
                "inputs": [{"name": n, "type": t, **({"shape": [-1]} if t != "string" else {})} for n, t in inputs],
                "outputs": [{"name": n, "type": t} for n, t in outputs],
            },
            "provenance": {
                "git_commit": digest,
                "dataset_snapshot_uri": f"s3://acme-data/{name}/snapshots/{version.created:%Y-%m}-01/",
                "environment_lockfile_uri": f"git+https://github.com/acme/ml@{digest[:12]}#uv.lock",
            },
            "stage": version.stage,
            "stage_history": history,
            "owner": owner,
            "task": task,
            "created": version.created.isoformat(),
            "headline_metric": headline,
            "metrics": {headline: version.value, "latency_p99_ms": round(40 + 13 * m_index + 2 * v_index, 1)},
            "links": {
                "repository": REPO,
                "experiment_issue": story.number(version.experiment),
                **({"deployment_issue": story.number(version.deployment)} if version.deployment else {}),
            },
            "model_card": {
                "intended_use": f"{task}, for the teams listed as owners and their downstream services.",
                "out_of_scope_use": "Decisions about individuals without human review; any market it was not "
                "trained on.",
                "limitations": "Trained on the last 18 months of data; seasonal effects older than that are "
                "not represented.",
                "risks": "Scores drift when upstream feature definitions change; monitor the input PSI.",
                "evaluation_slices": [
                    {"name": "new customers", "metrics": {headline: round(version.value * 0.95, 3)}},
                    {"name": "returning customers", "metrics": {headline: round(version.value * 1.02, 3)}},
                ],
            },
        }
        target = root / name / f"{version.version}.yml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(record, sort_keys=False, width=110), encoding="utf-8")
    print(f"sample/registry: {len(story.versions)} versions of {len(MODELS)} models")


if __name__ == "__main__":
    main()
