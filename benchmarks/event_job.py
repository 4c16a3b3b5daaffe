"""What one `issues.labeled` event costs before the board changes: setup, process start and run, measured,
side by side with the reference JavaScript action actions/add-to-project on the same GitHub emulator.

    .venv/bin/python benchmarks/event_job.py --add-to-project DIR [--runs 5] [--cold-runs 3]

Setup is tools/action-install.sh, exactly what action.yml runs: cold (an empty cache: uv, the dependencies
and the wheel's build backend come from the package index) and warm (a fresh venv from the cache the action
restores). actions/cache's own download of that cache on a runner is not measured here.

add-to-project's code is not part of this repository. DIR (or ADD_TO_PROJECT_DIR) is a checkout of it, of
which only the committed bundle dist/index.js is run, with this machine's node, inputs as INPUT_* variables:
    git clone --depth 1 --branch v2.0.0 https://github.com/actions/add-to-project /tmp/add-to-project
It adds the issue to the board (two requests) and sets no column; mlops-bot adds it and sets its Status
column (three requests). Prints a Markdown table; the README carries the last run's figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import DEFAULTS  # noqa: E402
from tests.emulator import GitHubEmulator  # noqa: E402
from tests.emulator.graphql_api import github_schema  # noqa: E402
from tests.emulator.webhooks import issues_event  # noqa: E402

TOKEN = "ghp_benchmark"
COLUMNS = tuple(DEFAULTS["columns"])
HOW_TO_GET = "git clone --depth 1 --branch v2.0.0 https://github.com/actions/add-to-project /tmp/add-to-project"


def timed(command: list[str], **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, command))} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return elapsed, done


def summary(values: list[float]) -> tuple[float, float]:
    """(median, fastest) of some measurements."""
    return statistics.median(values), min(values)


def folder_bytes(folder: Path) -> int:
    return sum(path.lstat().st_size for path in folder.rglob("*") if not path.is_dir())


@dataclass(frozen=True)
class Job:
    """An event job's folders: its work directory, the venv the action makes, the cache it keeps."""

    work: Path

    @property
    def venv(self) -> Path:
        return self.work / "venv"

    @property
    def cache(self) -> Path:
        return self.work / "cache"

    def env(self) -> dict[str, str]:
        """What the action's run step has: a clean environment, compiled modules kept in the cache."""
        return {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/tmp"),
            "PYTHONPYCACHEPREFIX": str(self.cache / "pycache"),
        }

    def install(self) -> float:
        shutil.rmtree(self.venv, ignore_errors=True)
        env = {**os.environ, "MLOPS_INSTALL_CACHE": str(self.cache)}
        elapsed, _ = timed(["bash", str(ROOT / "tools" / "action-install.sh"), "sync", str(self.venv)], env=env)
        return elapsed


# ---- setup -------------------------------------------------------------------------------------------------
def measure_setup(job: Job, runs: int, cold_runs: int) -> dict[str, object]:
    def cold() -> float:
        shutil.rmtree(job.cache, ignore_errors=True)
        return job.install()

    cold_figures = summary([cold() for _ in range(cold_runs)])
    cache_mb = folder_bytes(job.cache) / 1e6  # before any compiled module is added
    return {
        "cold": cold_figures,
        "warm": summary([job.install() for _ in range(runs)]),
        "venv_mb": folder_bytes(job.venv) / 1e6,
        "cache_mb": cache_mb,
    }


# ---- start and run against the emulator --------------------------------------------------------------------
class Board:
    """A fresh emulator per measurement, holding one labelled issue that is not on the board yet."""

    def __init__(self, job: Job, label: str = "ml-data") -> None:
        work = job.work
        self.github = GitHubEmulator().start()
        self.github.state.add_token(TOKEN, "mlops-bot")
        repo = self.github.state.repo("acme/churn")
        self.project = self.github.state.project("acme", 1, status_options=COLUMNS)
        issue = self.github.state.issue(repo, "Clean the click logs", labels=(label,))
        event = issues_event("labeled", issue, self.github.state.user("jo"), self.github.urls, label=issue.labels[0])
        self.event_path = work / "event.json"
        self.event_path.write_text(json.dumps(event))
        self.output = work / "github-output"
        self.output.write_text("")
        (work / "mlops.yml").write_text(f"project_url: {self.project_url}\n")  # default settings otherwise
        self.env = {
            **job.env(),
            **self.github.env(TOKEN),
            "GITHUB_REPOSITORY": "acme/churn",
            "GITHUB_EVENT_NAME": "issues",
            "GITHUB_EVENT_PATH": str(self.event_path),
            "GITHUB_OUTPUT": str(self.output),
        }

    @property
    def project_url(self) -> str:
        return f"{self.github.urls.web}/orgs/acme/projects/1"

    def __enter__(self) -> Board:
        return self

    def __exit__(self, *exc: object) -> None:
        self.github.stop()

    def requests(self) -> int:
        return len(self.github.requests)


def add_to_project_env(board: Board, labeled: str = "") -> dict[str, str]:
    return {
        **board.env,
        "INPUT_PROJECT-URL": board.project_url,
        "INPUT_GITHUB-TOKEN": TOKEN,
        "INPUT_LABELED": labeled,
        "INPUT_LABEL-OPERATOR": "OR",
    }


@dataclass(frozen=True)
class Run:
    start: float  # from the process's spawn to its first request reaching the emulator
    total: float  # the whole process
    requests: int


def run_against(board: Board, command: list[str], env: dict[str, str], cwd: Path) -> Run:
    """Run a command against the board, noting when its first request arrives."""
    first: list[float] = []
    serve = board.github.handle

    def noting_the_first(*args: object, **kwargs: object):
        if not first:
            first.append(time.perf_counter())
        return serve(*args, **kwargs)

    board.github.handle = noting_the_first  # the emulator's request handler looks it up on the instance
    started = time.perf_counter()
    total, _ = timed(command, env=env, cwd=cwd)
    return Run(first[0] - started, total, board.requests())


def measure_runs(job: Job, bundle: Path, runs: int) -> dict[str, object]:
    bot = [str(job.venv / "bin" / "mlops-bot")]
    timed([*bot, "--help"], env=job.env())  # compiles the modules, as the first job after an install does

    def bot_help() -> float:
        return timed([*bot, "--help"], env=job.env())[0]

    def bot_run() -> Run:
        with Board(job) as board:
            run = run_against(board, [*bot, "sync", "--config", "mlops.yml"], board.env, job.work)
            (item,) = board.project.items
            assert item.values, "the bot sets the Status column"
        return run

    def node_run() -> Run:
        with Board(job) as board:
            run = run_against(board, ["node", str(bundle)], add_to_project_env(board), job.work)
            (item,) = board.project.items
            assert not item.values, "add-to-project sets no column"
        return run

    github_schema()  # the emulator parses GitHub's schema once per process: not part of any run
    bot_run(), node_run()  # untimed: the first of each reads its files from disk
    bot_runs = [bot_run() for _ in range(runs)]
    node_runs = [node_run() for _ in range(runs)]
    with Board(job) as board:
        imports = (
            import_seconds(job.venv / "bin" / "python", ["--help"], cwd=job.work, env=job.env()),
            import_seconds(job.venv / "bin" / "python", ["sync", "--config", "mlops.yml"], cwd=job.work, env=board.env),
        )
    return {"help": summary([bot_help() for _ in range(runs)]), "bot": bot_runs, "node": node_runs, "imports": imports}


def import_seconds(python: Path, args: list[str], **kwargs) -> float:
    """Total import time (python -X importtime: the top-level imports' cumulative times) of `mlops-bot ARGS`."""
    code = f"import sys; from bot.cli import main; sys.exit(main({args!r}))"
    done = subprocess.run([str(python), "-X", "importtime", "-c", code], capture_output=True, text=True, **kwargs)
    rows = [line.split("|") for line in done.stderr.splitlines() if line.startswith("import time:")]
    return sum(int(cumulative) for _, cumulative, name in rows[1:] if not name.startswith("  ")) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--add-to-project", default=os.environ.get("ADD_TO_PROJECT_DIR"), metavar="DIR")
    parser.add_argument("--runs", type=int, default=5, help="measurements of each warm figure (median)")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold installs from the index (median)")
    args = parser.parse_args()
    if not args.add_to_project or not (Path(args.add_to_project) / "dist" / "index.js").is_file():
        raise SystemExit(f"give --add-to-project DIR (or ADD_TO_PROJECT_DIR), a checkout of it: {HOW_TO_GET}")
    bundle = Path(args.add_to_project).resolve() / "dist" / "index.js"
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()

    with tempfile.TemporaryDirectory() as tmp:
        job = Job(Path(tmp))
        setup = measure_setup(job, args.runs, args.cold_runs)
        run = measure_runs(job, bundle, args.runs)
    load = os.getloadavg()[0]

    def s(pair: tuple[float, float]) -> str:
        return f"{pair[0]:.2f} s ({pair[1]:.2f})"

    bot_runs, node_runs = run["bot"], run["node"]
    bot_requests, node_requests = bot_runs[0].requests, node_runs[0].requests
    bundle_mb = bundle.stat().st_size / 1e6
    rows = [
        (
            "setup, cold: empty cache, from the index",
            f"{s(setup['cold'])}; venv {setup['venv_mb']:.0f} MB, cache {setup['cache_mb']:.0f} MB",
            f"0 s: node ships with the runner, the {bundle_mb:.1f} MB bundle with the action",
        ),
        ("setup, warm: from the action's cache", s(setup["warm"]), "0 s"),
        ("start: `mlops-bot --help`", s(run["help"]), "-"),
        (
            "start: process spawned to its first request",
            s(summary([r.start for r in bot_runs])),
            s(summary([r.start for r in node_runs])),
        ),
        (
            "run: one `issues.labeled`, issue not on the board, whole process",
            f"{s(summary([r.total for r in bot_runs]))}: {bot_requests} requests, added **and Status set**",
            f"{s(summary([r.total for r in node_runs]))}: {node_requests} requests, added, **no column set**",
        ),
    ]
    print(f"| median of runs (fastest) | mlops-bot (`sync`) | actions/add-to-project (node {node}) |")
    print("|---|---|---|")
    for name, ours, theirs in rows:
        print(f"| {name} | {ours} | {theirs} |")
    imports_help, imports_sync = run["imports"]
    print(
        f"\nImports (python -X importtime): `--help` {imports_help:.2f} s, `sync` {imports_sync:.2f} s. "
        f"Load average at the end: {load:.1f} on {os.cpu_count()} cores."
    )


if __name__ == "__main__":
    main()
