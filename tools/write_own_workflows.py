"""Writes this repository's own mlops-bot workflows from the templates `mlops-bot init` uses.

Here the action is this checkout (`uses: ./`) and the site is the bundled sample's.
Rerun after editing a template: .venv/bin/python tools/write_own_workflows.py
"""

from pathlib import Path

from bot.scaffold.workflows import render_workflows

ROOT = Path(__file__).resolve().parents[1]

for name, text in render_workflows(action="./", config="sample/mlops.yml", snapshot=False).items():
    (ROOT / ".github" / "workflows" / name).write_text(text, encoding="utf-8")
