"""The core runs without the extras, and a command that needs one says which in one line.

"Without the extras" is real: the CLI runs in a Python that sees this environment's site-packages minus the
extras' packages (numpy, scipy, mkdocs, Material, nh3, pyarrow), so any import of them on a core path fails.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from bot.cli import COMMANDS
from bot.extras import EXTRAS, LOCKS, lock_for
from tests.emulator.webhooks import issues_event
from tests.helpers import BOT_TOKEN

ROOT = Path(__file__).resolve().parents[1]
EXTRA_PACKAGES = {"numpy", "scipy", "mkdocs", "material", "nh3", "pyarrow"}
# Installed with the core but needed only by `init` and the site: never loaded by the event commands.
NOT_ON_EVENT_PATHS = ("jinja2", "nh3", "numpy", "scipy", "mkdocs", "material", "pyarrow")
# The board's event path does not parse issue bodies either (only for a board with a stage field), and
# speaks GraphQL only: PyGithub (and requests under it), half of a short job's start, stays unloaded.
WATCHED = (*NOT_ON_EVENT_PATHS, "markdown_it", "github", "requests")
# Runs the CLI, then names on stderr's last line which of WATCHED it loaded.
RUNNER = f"""
import sys
sys.path[:0] = sys.argv[1:3]
from bot.cli import main
try:
    code = main(sys.argv[3:])
except SystemExit as exit:  # --help
    code = exit.code
print("loaded:" + ",".join(name for name in {WATCHED!r} if name in sys.modules), file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.parametrize(
    ("words", "lock"),
    [
        (["sync"], "core"),
        (["sync", "--all"], "core"),
        (["triage", "--reminders"], "core"),
        (["check-pr"], "core"),
        (["init", "--action-ref", "a/b@0"], "core"),
        (["site", "build"], "site"),
        (["site", "serve"], "site"),
        (["monitor", "--model", "m", "--metrics", "report.json"], "core"),
        (["monitor", "--model", "m", "--baseline", "a.csv", "--current", "b.csv"], "monitor"),
        (["monitor", "--model", "m", "--baseline=a.csv", "--current=b.csv"], "monitor"),
        (["monitor", "--model", "m", "--base", "a.csv", "--cur", "b.csv"], "monitor"),
        (["monitor", "--model", "m", "--baseline", "a.parquet", "--current", "b.parquet"], "parquet"),
        (["monitor", "--model", "m", "--baseline", "a.csv", "--current", "b.parquet"], "parquet"),
        (["monitor", "--model", "m", "--metrics", "report.parquet.json"], "core"),
        ([], "core"),
    ],
)
def test_each_command_line_installs_from_one_lock(words, lock):
    assert lock_for(words) == lock and lock in LOCKS


def test_every_command_but_site_and_monitor_needs_only_the_core():
    assert {name for name in COMMANDS if lock_for([name]) != "core"} == {"site"}
    assert set(EXTRAS) == {"site", "monitor", "parquet"}


@pytest.fixture(scope="module")
def core_only(tmp_path_factory) -> Path:
    """This environment's site-packages without the extras' packages, as a folder of links."""
    folder = tmp_path_factory.mktemp("core-site-packages")
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        top = entry.name.split("-")[0].split(".")[0].lower()
        if top not in EXTRA_PACKAGES and not top.startswith(("mkdocs_material", "pymdown")):
            (folder / entry.name).symlink_to(entry)
    return folder


def run_core(core_only: Path, args: list[str], *, cwd: Path, env: dict[str, str] | None = None, stdin: str = ""):
    """The CLI in a Python that has the core's packages only (-S: no site-packages, -I: no PYTHONPATH)."""
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", RUNNER, str(ROOT), str(core_only), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        input=stdin,
        timeout=120,
    )
    *errors, loaded = done.stderr.strip().splitlines() or [""]
    assert loaded.startswith("loaded:"), done.stderr
    return done.returncode, done.stdout, "\n".join(errors), [m for m in loaded[len("loaded:") :].split(",") if m]


def test_the_extras_really_are_missing_there(core_only, tmp_path):
    probe = "import importlib.util, sys; sys.path[:0] = sys.argv[1:]; print(importlib.util.find_spec('numpy'))"
    done = subprocess.run([sys.executable, "-I", "-S", "-c", probe, str(ROOT), str(core_only)], capture_output=True)
    assert done.stdout.strip() == b"None"


def test_core_commands_run_without_the_extras_and_load_nothing_heavy(core_only, tmp_path):
    code, out, err, loaded = run_core(core_only, ["--help"], cwd=tmp_path)
    assert code == 0 and "sync" in out and loaded == [], err
    code, out, err, loaded = run_core(core_only, ["validate", "--config", "sample/mlops.yml"], cwd=ROOT)
    assert code == 0 and "registry: 25 valid" in out and not set(loaded) & set(NOT_ON_EVENT_PATHS), err
    body = "- [x] Model validated\n- [x] A/B test configured\n- [ ] Monitoring set up\n"
    code, out, err, loaded = run_core(core_only, ["checklist", "-"], cwd=tmp_path, stdin=body)
    assert code == 1 and "Monitoring set up" in out + err and not set(loaded) & set(NOT_ON_EVENT_PATHS)


def test_a_monitoring_report_needs_only_the_core(core_only, tmp_path):
    (tmp_path / "mlops.yml").write_text(
        f"registry: {{path: {ROOT / 'sample' / 'registry'}}}\nmonitoring: {{status_dir: status}}\n"
    )
    shutil.copy(ROOT / "sample" / "monitoring-reports" / "fraud-detector.json", tmp_path / "report.json")
    args = ["monitor", "--config", "mlops.yml", "--model", "fraud-detector", "--metrics", "report.json"]
    args += ["--no-issues", "--status-dir", "status"]
    code, _, err, loaded = run_core(core_only, args, cwd=tmp_path)
    assert code in (0, 1) and "error" not in err and not set(loaded) & set(NOT_ON_EVENT_PATHS), err
    assert (tmp_path / "status" / "fraud-detector.json").is_file()


def test_a_board_event_runs_without_the_extras(core_only, github, tmp_path):
    repo = github.state.repo("acme/churn")
    github.state.project("acme", 3, status_options=("Backlog", "Data Prep", "Experiment", "Evaluation", "Done"))
    (tmp_path / "mlops.yml").write_text(
        f"project_url: {github.urls.web}/orgs/acme/projects/3\n"
        "columns: {Backlog: {}, Data Prep: {labels: [ml-data]}, Experiment: {}, Evaluation: {}, Done: {}}\n"
    )
    issue = github.state.issue(repo, "Clean click logs", labels=("ml-data",))
    event = issues_event("labeled", issue, github.state.user("jo"), github.urls, label=issue.labels[0])
    (tmp_path / "event.json").write_text(json.dumps(event))
    env = github.env(
        BOT_TOKEN, GITHUB_REPOSITORY="acme/churn", GITHUB_EVENT_NAME="issues", GITHUB_EVENT_PATH="event.json"
    )
    code, out, err, loaded = run_core(core_only, ["sync", "--config", "mlops.yml"], cwd=tmp_path, env=env)
    assert code == 0 and "add to Data Prep" in out, err
    assert loaded == []


@pytest.mark.parametrize(
    ("args", "extra", "missing"),
    [
        (["site", "build", "--config", "sample/mlops.yml"], "site", "mkdocs, material, nh3"),
        (
            ["monitor", "--model", "fraud-detector", "--baseline", "a.csv", "--current", "b.csv"],
            "monitor",
            "numpy, scipy",
        ),
    ],
)
def test_a_command_that_needs_a_missing_extra_says_which_in_one_line(core_only, args, extra, missing):
    code, out, err, _ = run_core(core_only, args, cwd=ROOT)
    assert code == 2 and out == ""
    assert err == f"error: this needs the '{extra}' extra ({missing} not installed): pip install 'mlops-bot[{extra}]'"


def test_setting_up_and_checking_need_only_the_core(core_only, github, tmp_path):
    github.state.repo("acme/churn")
    github.state.project("acme", 3, status_options=("Done",))
    env = github.env(BOT_TOKEN, XDG_CACHE_HOME=str(tmp_path / "cache"))
    url = f"{github.urls.web}/orgs/acme/projects/3"
    code, out, err, _ = run_core(
        core_only, ["init", "--board", "--dry-run", "--project-url", url], cwd=tmp_path, env=env
    )
    assert code == 0 and "add to 'Status': Backlog" in out, err
    code, out, err, _ = run_core(core_only, ["doctor", "--repo", "acme/churn"], cwd=tmp_path, env=env)
    assert code == 1 and "acme/churn:" in out.splitlines()[-1] and "error" not in err, err
