"""What one `issues.labeled` event costs before the board changes: setup, process start and run, measured,
side by side with the reference JavaScript action actions/add-to-project on the same GitHub emulator.

    .venv/bin/python benchmarks/event_job.py --add-to-project DIR [--runs 7] [--cold-runs 3]

Setup is tools/action-install.sh, exactly what action.yml runs: cold (an empty cache: uv, the dependencies
and the wheel's build backend come from the package index) and warm (a fresh venv from the cache the action
restores). actions/cache's own download of that cache on a runner is not measured here.

add-to-project's code is not part of this repository. DIR (or ADD_TO_PROJECT_DIR) is a checkout of it, of
which only the committed bundle dist/index.js is run, with this machine's node, inputs as INPUT_* variables:
    git clone --depth 1 --branch v2.0.0 https://github.com/actions/add-to-project /tmp/add-to-project
It adds the issue to the board (two requests) and sets no column; mlops-bot adds it and sets its Status
column (three requests).

Each figure is the median of the runs, with the fastest in parentheses, in wall-clock seconds and in the
CPU seconds of the measured processes (on a shared machine the CPU figure moves least with the load).
Prints a Markdown table; the README carries the last run's figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float  # user + system seconds of the command and its children


def timed(command: list[str], on_start: Callable[[int], None] = lambda pid: None, **kwargs) -> Timing:
    """Run a command to its end; `on_start` gets its process id as soon as it runs."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    on_start(process.pid)
    out, err = process.communicate()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, command))} failed ({process.returncode}):\n{out}\n{err}")
    return Timing(wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)


def cpu_seconds_of(pid: int) -> float:
    """The user and system CPU seconds a running process has used so far (Linux's /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def figures(timings: list[Timing]) -> str:
    """`1.23 s (0.98), CPU 0.40 s`: median wall time, fastest, median CPU time."""
    wall = [t.wall for t in timings]
    return f"{statistics.median(wall):.2f} s ({min(wall):.2f}), CPU {statistics.median(t.cpu for t in timings):.2f} s"


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

    def install(self) -> Timing:
        shutil.rmtree(self.venv, ignore_errors=True)
        env = {**os.environ, "MLOPS_INSTALL_CACHE": str(self.cache)}
        return timed(["bash", str(ROOT / "tools" / "action-install.sh"), "sync", str(self.venv)], env=env)

    def cold_install(self) -> Timing:
        shutil.rmtree(self.cache, ignore_errors=True)
        return self.install()


# ---- start and run against the emulator --------------------------------------------------------------------
class Board:
    """A fresh emulator holding one labelled issue that is not on the board yet, and its `issues.labeled`."""

    def __init__(self, job: Job) -> None:
        self.github = GitHubEmulator().start()
        self.github.state.add_token(TOKEN, "mlops-bot")
        repo = self.github.state.repo("acme/churn")
        self.project = self.github.state.project("acme", 1, status_options=COLUMNS)
        issue = self.github.state.issue(repo, "Clean the click logs", labels=("ml-data",))
        event = issues_event("labeled", issue, self.github.state.user("jo"), self.github.urls, label=issue.labels[0])
        (job.work / "event.json").write_text(json.dumps(event))
        (job.work / "github-output").write_text("")
        (job.work / "mlops.yml").write_text(f"project_url: {self.project_url}\n")  # default settings otherwise
        self.env = {
            **job.env(),
            **self.github.env(TOKEN),
            "GITHUB_REPOSITORY": "acme/churn",
            "GITHUB_EVENT_NAME": "issues",
            "GITHUB_EVENT_PATH": str(job.work / "event.json"),
            "GITHUB_OUTPUT": str(job.work / "github-output"),
        }

    @property
    def project_url(self) -> str:
        return f"{self.github.urls.web}/orgs/acme/projects/1"

    def add_to_project_env(self) -> dict[str, str]:
        return {**self.env, "INPUT_PROJECT-URL": self.project_url, "INPUT_GITHUB-TOKEN": TOKEN}

    def __enter__(self) -> Board:
        return self

    def __exit__(self, *exc: object) -> None:
        self.github.stop()


@dataclass(frozen=True)
class Run:
    start: Timing  # from the process's spawn to its first request reaching the emulator
    total: Timing  # the whole process
    requests: int
    column_set: bool


def run_against(job: Job, command: list[str], env_of: Callable[[Board], dict[str, str]]) -> Run:
    """Run a command against a fresh board, noting when its first request arrives and the CPU used by then."""
    with Board(job) as board:
        pid: list[int] = []
        first: list[Timing] = []
        serve = board.github.handle

        def noting_the_first(*args: object, **kwargs: object):
            if not first:
                first.append(Timing(time.perf_counter() - started, cpu_seconds_of(pid[0])))
            return serve(*args, **kwargs)

        board.github.handle = noting_the_first  # the emulator's request handler looks it up on the instance
        started = time.perf_counter()
        total = timed(command, pid.append, env=env_of(board), cwd=job.work)
        (item,) = board.project.items
        return Run(first[0], total, len(board.github.requests), bool(item.values))


def import_seconds(python: Path, args: list[str], **kwargs) -> float:
    """Total import time (python -X importtime: the top-level imports' cumulative times) of `mlops-bot ARGS`."""
    code = f"import sys; from bot.cli import main; sys.exit(main({args!r}))"
    done = subprocess.run([str(python), "-X", "importtime", "-c", code], capture_output=True, text=True, **kwargs)
    rows = [line.split("|") for line in done.stderr.splitlines() if line.startswith("import time:")]
    return sum(int(cumulative) for _, cumulative, name in rows[1:] if not name.startswith("  ")) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--add-to-project", default=os.environ.get("ADD_TO_PROJECT_DIR"), metavar="DIR")
    parser.add_argument("--runs", type=int, default=7, help="measurements of each warm figure")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold installs from the index")
    args = parser.parse_args()
    if not args.add_to_project or not (Path(args.add_to_project) / "dist" / "index.js").is_file():
        raise SystemExit(f"give --add-to-project DIR (or ADD_TO_PROJECT_DIR), a checkout of it: {HOW_TO_GET}")
    bundle = Path(args.add_to_project).resolve() / "dist" / "index.js"
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()

    with tempfile.TemporaryDirectory() as tmp:
        job = Job(Path(tmp))
        cold = [job.cold_install() for _ in range(args.cold_runs)]
        cache_mb = folder_bytes(job.cache) / 1e6
        warm = [job.install() for _ in range(args.runs)]
        venv_mb = folder_bytes(job.venv) / 1e6

        bot = [str(job.venv / "bin" / "mlops-bot")]
        timed([*bot, "--help"], env=job.env())  # compiles the modules, as the first job after an install does
        help_runs = [timed([*bot, "--help"], env=job.env()) for _ in range(args.runs)]
        github_schema()  # the emulator parses GitHub's schema once per process: part of no run

        def bot_run() -> Run:
            return run_against(job, [*bot, "sync", "--config", "mlops.yml"], lambda board: board.env)

        def node_run() -> Run:
            return run_against(job, ["node", str(bundle)], Board.add_to_project_env)

        bot_run(), node_run()  # untimed: the first of each reads its files from disk
        bot_runs = [bot_run() for _ in range(args.runs)]
        node_runs = [node_run() for _ in range(args.runs)]
        assert all(r.column_set for r in bot_runs) and not any(r.column_set for r in node_runs)
        with Board(job) as board:
            python = job.venv / "bin" / "python"
            imports = (
                import_seconds(python, ["--help"], cwd=job.work, env=job.env()),
                import_seconds(python, ["sync", "--config", "mlops.yml"], cwd=job.work, env=board.env),
            )
    load = os.getloadavg()[0]

    rows = [
        (
            "setup, cold: empty cache, from the index",
            f"{figures(cold)}; venv {venv_mb:.0f} MB, cache {cache_mb:.0f} MB",
            f"0 s: node ships with the runner, the {bundle.stat().st_size / 1e6:.1f} MB bundle with the action",
        ),
        ("setup, warm: a fresh venv from the action's cache", figures(warm), "0 s"),
        ("start: `mlops-bot --help`", figures(help_runs), "-"),
        (
            "start: spawned to first request",
            figures([r.start for r in bot_runs]),
            figures([r.start for r in node_runs]),
        ),
        (
            "run: whole process, one `issues.labeled`, issue not on the board",
            f"{figures([r.total for r in bot_runs])}: {bot_runs[0].requests} requests, added **and Status set**",
            f"{figures([r.total for r in node_runs])}: {node_runs[0].requests} requests, added, **no column set**",
        ),
    ]
    print(f"| median (fastest) | mlops-bot `sync` | actions/add-to-project (node {node}) |")
    print("|---|---|---|")
    for name, ours, theirs in rows:
        print(f"| {name} | {ours} | {theirs} |")
    print(
        f"\nImports (python -X importtime): `--help` {imports[0]:.2f} s, `sync` {imports[1]:.2f} s. "
        f"{args.runs} runs ({args.cold_runs} cold). Load average at the end: {load:.1f} on {os.cpu_count()} cores."
    )


if __name__ == "__main__":
    main()
