"""The action's install step (tools/action-install.sh) and the lock files it installs from.

The end-to-end tests install from the package index, as the action does, into a cache kept under .venv/
between runs (so only the first run downloads).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from functools import cache
from pathlib import Path

import pytest
import yaml

from bot.extras import LOCKS

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "action-install.sh"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
EXTRA_DISTRIBUTIONS = {"numpy", "scipy", "mkdocs", "mkdocs-material", "nh3", "pyarrow", "babel", "pygments"}
EVENT_VENV_BUDGET = 80 * 1024 * 1024


def name_of(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;@]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


@cache
def pins(lock: str) -> dict[str, set[str]]:
    """{distribution: {versions}} of a lock file (a universal lock may pin two versions behind markers)."""
    text = (ROOT / "locks" / f"{lock}.txt").read_text()
    found: dict[str, set[str]] = {}
    for requirement in re.split(r"(?<!\\)\n(?!\s)", text):
        if not requirement.strip() or requirement.startswith("#"):
            continue
        assert "--hash=sha256:" in requirement, f"locks/{lock}.txt: no hash for {requirement.splitlines()[0]}"
        match = re.match(r"([A-Za-z0-9_.-]+)==([^\s;\\]+)", requirement)
        assert match, f"locks/{lock}.txt: not pinned: {requirement.splitlines()[0]}"
        found.setdefault(name_of(match.group(1)), set()).add(match.group(2))
    return found


def declared(extra: str | None) -> set[str]:
    if extra is None:
        return {name_of(r) for r in PYPROJECT["project"]["dependencies"]}
    named = PYPROJECT["project"]["optional-dependencies"][extra]
    return {name_of(r) for r in named if not r.startswith("mlops-bot")}


@pytest.mark.parametrize("lock", LOCKS)
def test_each_lock_pins_with_hashes_everything_its_extra_declares(lock):
    assert declared(None) <= set(pins(lock))
    if lock != "core":
        assert declared(lock) <= set(pins(lock))
    if lock == "parquet":
        assert declared("monitor") <= set(pins(lock))


def test_the_core_lock_holds_none_of_the_extras_and_shares_its_pins_with_them():
    assert not EXTRA_DISTRIBUTIONS & set(pins("core"))
    for lock in LOCKS[1:]:
        for name, versions in pins("core").items():
            assert pins(lock)[name] == versions, f"locks/{lock}.txt pins {name} differently: run tools/lock.sh"


def test_the_installer_and_the_build_backend_are_pinned_with_hashes():
    (uv_pin,) = [r for r in PYPROJECT["project"]["optional-dependencies"]["test"] if r.startswith("uv==")]
    version = uv_pin.removeprefix("uv==").split()[0]
    wheels = re.findall(
        r"^uv @ (\S+) ; .+\\\n\s+--hash=sha256:[0-9a-f]{64}$", (ROOT / "locks" / "uv.txt").read_text(), re.M
    )
    assert len(wheels) == 4 and all(f"/uv-{version}-py3-none-" in url for url in wheels)
    assert all(url.startswith("https://files.pythonhosted.org/") for url in wheels)
    assert "hatchling" in pins("build")


def test_the_action_installs_with_the_script_and_caches_what_it_plans():
    steps = yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"]
    by_name = {step["name"]: step for step in steps}
    plan, restore = by_name["Plan the install"], by_name["Restore the install cache"]
    install, run = by_name["Install mlops-bot"], by_name["Run mlops-bot"]
    venv = '"$RUNNER_TEMP/mlops-bot"'
    assert plan["run"].startswith(f'bash "$GITHUB_ACTION_PATH/tools/action-install.sh" --plan "$MLOPS_COMMAND" {venv}')
    assert install["run"] == f'bash "$GITHUB_ACTION_PATH/tools/action-install.sh" "$MLOPS_COMMAND" {venv}'
    assert restore["uses"].startswith("actions/cache@") and re.search(r"@[0-9a-f]{40} #", restore["uses"] + " #")
    assert restore["with"]["key"] == "${{ steps.install-plan.outputs.cache-key }}"
    assert run["env"]["MLOPS_VENV"] == "${{ runner.temp }}/mlops-bot"
    assert [s["name"] for s in steps].index("Install mlops-bot") < [s["name"] for s in steps].index("Run mlops-bot")


# ---- end to end, from the package index ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def install_cache(tmp_path_factory) -> Path:
    kept = ROOT / ".venv"
    return kept / "action-install-cache" if kept.is_dir() else tmp_path_factory.mktemp("install-cache")


def action_install(command: str, venv: Path, cache_dir: Path, *flags: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MLOPS_INSTALL_CACHE": str(cache_dir)}
    return subprocess.run(
        ["bash", str(SCRIPT), *flags, command, str(venv)], capture_output=True, text=True, env=env, timeout=600
    )


def size_of(folder: Path) -> int:
    return sum(path.lstat().st_size for path in folder.rglob("*") if not path.is_dir())


def test_an_event_job_gets_the_core_only_and_a_second_run_does_nothing(install_cache, tmp_path):
    venv = tmp_path / "venv"
    done = action_install("sync", venv, install_cache)
    assert done.returncode == 0, done.stderr
    assert size_of(venv) <= EVENT_VENV_BUDGET
    installed = subprocess.run([venv / "bin" / "python", "-m", "pip", "--version"], capture_output=True)
    assert installed.returncode != 0  # no pip either: nothing but what the bot runs on
    (site_packages,) = venv.glob("lib/python*/site-packages")
    assert not {p.name for p in site_packages.iterdir()} & {"numpy", "scipy", "mkdocs", "material", "nh3"}
    version = subprocess.run([venv / "bin" / "mlops-bot", "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == f"mlops-bot {PYPROJECT['project']['version']}"
    needs_site = subprocess.run([venv / "bin" / "mlops-bot", "site", "build"], capture_output=True, text=True)
    assert needs_site.returncode == 2 and "pip install 'mlops-bot[site]'" in needs_site.stderr
    plan = action_install("sync", venv, install_cache, "--plan")
    assert "ready=true" in plan.stdout.splitlines()
    assert action_install("triage", venv, install_cache).returncode == 0  # same lock: already there


def warm_up(venv: Path, env: dict[str, str]) -> None:
    """What a job's run imports: the CLI, and PyGithub (the largest)."""
    subprocess.run([venv / "bin" / "mlops-bot", "--help"], env=env, capture_output=True, check=True)
    subprocess.run([venv / "bin" / "python", "-c", "import bot.github.client"], env=env, check=True)


def test_compiled_modules_kept_in_the_cache_serve_the_next_jobs_fresh_venv(install_cache, tmp_path):
    venv, pycache = tmp_path / "venv", tmp_path / "pycache"
    env = {"PATH": os.environ["PATH"], "PYTHONPYCACHEPREFIX": str(pycache)}  # as action.yml runs the bot
    assert action_install("sync", venv, install_cache).returncode == 0
    warm_up(venv, env)
    compiled = {path: path.stat().st_mtime_ns for path in pycache.rglob("*.pyc")}
    assert any("/github/" in str(path) for path in compiled)  # PyGithub, the largest import
    shutil.rmtree(venv)  # the next job: a new venv from the same cache
    assert action_install("sync", venv, install_cache).returncode == 0
    warm_up(venv, env)
    assert {path: path.stat().st_mtime_ns for path in pycache.rglob("*.pyc")} == compiled  # none compiled again


def test_the_site_lock_builds_the_handbook(install_cache, tmp_path):
    venv = tmp_path / "venv"
    done = action_install("site build", venv, install_cache)
    assert done.returncode == 0, done.stderr
    shutil.copy(ROOT / "mkdocs.yml", tmp_path)
    for folder in ("site_src", "sample"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("generated"))
    built = subprocess.run(
        [venv / "bin" / "mlops-bot", "site", "build", "--config", "sample/mlops.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "site" / "generated" / "models" / "index.html").is_file()


def test_a_lock_that_misses_a_dependency_fails_the_install(install_cache, tmp_path):
    broken = tmp_path / "checkout"
    shutil.copytree(ROOT, broken, ignore=shutil.ignore_patterns(".venv", ".git", "site", "test-artifacts", "generated"))
    core = broken / "locks" / "core.txt"
    core.write_text(re.sub(r"^pyyaml==.*?(?=^\S)", "", core.read_text(), flags=re.M | re.S))
    done = subprocess.run(
        ["bash", str(broken / "tools" / "action-install.sh"), "sync", str(tmp_path / "venv")],
        capture_output=True,
        text=True,
        env={**os.environ, "MLOPS_INSTALL_CACHE": str(install_cache)},
        timeout=600,
    )
    assert done.returncode != 0 and "pyyaml" in done.stderr.lower()
