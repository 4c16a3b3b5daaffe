"""`mlops-bot site serve` as a person runs it: one rebuild per edit, and no server left behind when it stops."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]
QUIET_SECONDS = 6.0  # a looping server rebuilt every ~1.5 s: four rebuilds would show in this time


def make_project(folder: Path) -> Path:
    """A team repository with its own copy of the sample registry, so a test can edit it."""
    shutil.copytree(ROOT / "site_src", folder / "site_src", ignore=shutil.ignore_patterns("generated"))
    shutil.copytree(ROOT / "sample" / "registry", folder / "registry")
    (folder / "mkdocs.yml").write_text(
        (ROOT / "mkdocs.yml").read_text().replace("config: sample/mlops.yml", "config: mlops.yml")
    )
    config = yaml.safe_load((ROOT / "sample" / "mlops.yml").read_text())
    config["registry"] = {"path": "registry"}
    config["monitoring"] = {"status_dir": str(ROOT / "sample" / "monitoring")}
    config["site"] = {"title": "Serve", "snapshot": str(ROOT / "sample" / "snapshot.json")}
    (folder / "mlops.yml").write_text(yaml.safe_dump(config))
    return folder


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting to be reaped has stopped)."""
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except FileNotFoundError:
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Served:
    process: subprocess.Popen
    port: int
    lines: list[str] = field(default_factory=list)

    def wait_for(self, text: str, count: int = 1, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while sum(text in line for line in self.lines) < count:
            assert self.process.poll() is None, "".join(self.lines)
            assert time.monotonic() < deadline, f"no {text!r} x{count} in:\n" + "".join(self.lines)
            time.sleep(0.1)

    def count(self, text: str) -> int:
        return sum(text in line for line in self.lines)

    def get(self, path: str) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/{path}", timeout=30) as answer:
            return answer.read().decode()

    def mkdocs_pid(self) -> int:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        (pid,) = [int(c) for c in children]
        assert "mkdocs" in Path(f"/proc/{pid}/cmdline").read_text()
        return pid


@pytest.fixture
def served(tmp_path) -> Iterator[Served]:
    project = make_project(tmp_path)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MLOPS_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "site", "serve", "--config", "mlops.yml", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=project,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Served(process, port)
    reader = threading.Thread(target=lambda: server.lines.extend(iter(process.stdout.readline, "")), daemon=True)
    reader.start()
    server.wait_for("Serving on")
    yield server
    if process.poll() is None:
        process.kill()
        process.wait()


def test_one_edit_to_the_registry_rebuilds_once(served, tmp_path):
    assert "0.66" in served.get("generated/models/fraud-detector/")
    builds = served.count("Building documentation")  # the first build
    assert not any("reaches end of life" in line or "not included in the" in line for line in served.lines)
    version = tmp_path / "registry" / "fraud-detector" / "3.1.0.yml"
    version.write_text(version.read_text().replace("precision_at_1pct_fpr: 0.66", "precision_at_1pct_fpr: 0.6789"))
    served.wait_for("Reloading browsers")
    time.sleep(QUIET_SECONDS)
    assert served.count("Detected file changes") == 1 and served.count("Building documentation") == builds + 1
    assert "0.6789" in served.get("generated/models/fraud-detector/")


def test_terminating_the_bot_stops_mkdocs_and_frees_the_port(served):
    mkdocs = served.mkdocs_pid()
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=30) == 0  # a server stopped on request is not a failure
    assert not alive(mkdocs)
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", served.port), timeout=2):
        pass


def test_killing_the_bot_outright_still_stops_mkdocs(served):
    mkdocs = served.mkdocs_pid()
    served.process.kill()  # SIGKILL: no handler runs; Linux tells the child its parent is gone
    served.process.wait(timeout=30)
    deadline = time.monotonic() + 30
    while alive(mkdocs):
        assert time.monotonic() < deadline, "mkdocs outlived the bot"
        time.sleep(0.1)


@pytest.mark.parametrize("address", ["8000", "localhost:", "localhost:99999", ":8000"])
def test_a_bad_dev_addr_is_a_usage_error(tmp_path, address):
    result = run_cli(["site", "serve", "--dev-addr", address], cwd=tmp_path)
    assert result.code == 2 and "HOST:PORT" in result.stderr and "Traceback" not in result.stderr


def test_mkdocs_itself_reports_project_errors_and_registry_warnings_in_one_line(tmp_path):
    project = make_project(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MLOPS_"))}
    bogus = project / "registry" / "fraud-detector" / "3.2.0.yml"
    bogus.write_text(bogus.read_text().replace("stage: candidate", "stage: bogus"))
    strict = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=project, env=env, capture_output=True, text=True
    )
    said = strict.stdout + strict.stderr
    assert strict.returncode == 1 and "Aborted with 1 warnings in strict mode!" in said
    assert "WARNING -  registry/fraud-detector/3.2.0.yml:" in said and "left out of the site" in said
    config = yaml.safe_load((project / "mlops.yml").read_text())
    (project / "broken.json").write_text('{"version": 1')
    (project / "mlops.yml").write_text(yaml.safe_dump({**config, "site": {"snapshot": "broken.json"}}))
    broken = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build"], cwd=project, env=env, capture_output=True, text=True
    )
    said = broken.stdout + broken.stderr
    assert broken.returncode == 1 and "Traceback" not in said and "ERROR   -  broken.json: not a snapshot: " in said
