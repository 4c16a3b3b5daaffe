"""How long the bot takes on hostile input: every parser of the pure core over the hostile corpus, then the
command line on the worst files (exit code and the one line it prints).

Run: .venv/bin/python benchmarks/hostile_inputs.py [--repeat 3] [--all]
Prints Markdown tables: the worst time per parser (best of --repeat runs of each input, so a busy machine
inflates it less), the overall worst, and the CLI runs. The README's "Limits" section carries the figures.
The corpus is tests/hostile_corpus.py; tests/test_hostile_inputs.py checks what each input gives.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.errors import BotError  # noqa: E402
from tests.hostile_corpus import billion_laughs, cases, markdown_bodies, report_inputs  # noqa: E402


def timed(run, repeat: int) -> tuple[float, str]:
    """The best of `repeat` runs, and what the input gave: "read" or the refusal."""
    best, outcome = float("inf"), ""
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            run()
            outcome = "read"
        except BotError as exc:
            outcome = f"refused: {exc.message[:60]}"
        best = min(best, time.perf_counter() - started)
    return best, outcome


def core(repeat: int, show_all: bool) -> float:
    worst: dict[str, tuple[float, str, str]] = {}
    rows = []
    for case in cases():
        seconds, outcome = timed(case.run, repeat)
        rows.append((case.parser, case.shape, seconds, outcome))
        if seconds >= worst.get(case.parser, (-1.0, "", ""))[0]:
            worst[case.parser] = (seconds, case.shape, outcome)
    if show_all:
        print("| Parser | Input | Time | Outcome |\n|---|---|---:|---|")
        for parser, shape, seconds, outcome in rows:
            print(f"| {parser} | {shape} | {seconds * 1000:.1f} ms | {outcome} |")
        print()
    print(f"Pure core: {len(rows)} hostile inputs, best of {repeat} runs each.\n")
    print("| Parser | Worst input | Worst time | Outcome |\n|---|---|---:|---|")
    for parser, (seconds, shape, outcome) in worst.items():
        print(f"| {parser} | {shape} | {seconds * 1000:.0f} ms | {outcome} |")
    overall = max(worst.values())
    print(f"\nOverall worst: {overall[0] * 1000:.0f} ms ({overall[1]}).\n")
    return overall[0]


def cli() -> float:
    """The real command line, as a workflow runs it: wall time, exit code and the line it prints."""
    worst = 0.0
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        files = {
            "laughs.yml": billion_laughs(),
            "registry/bomb/1.yml": billion_laughs(),
            "registry/dates/1.yml": "created: 2026-02-30\n",
            "registry/deep/1.yml": "a: " + "[" * 900 + "]" * 900,
            "registry.yml": f"registry: {{path: {ROOT / 'sample' / 'registry'}}}\n",
            "hostile-registry.yml": "registry: {path: registry}\n",
            "body.md": markdown_bodies()["table rows"],
            "links.md": markdown_bodies()["link openers"],
            "report.json": report_inputs()["a 10,000-digit integer"],
            "mixed.json": report_inputs()["time zones mixed (aware, then naive)"],
            "big.csv": report_inputs()["a CSV field past the csv module's limit"],
            "windows.csv": report_inputs()["50,000 windows"],
            "base.csv": "plan\n" + "".join(f"c{n}\n" for n in range(50_000)) * 2,
            "now.csv": "plan\n" + "".join(f"c{n}\n" for n in range(10)) * 1_000,
        }
        for name, text in files.items():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            (work / name).write_text(text, encoding="utf-8")
        monitor = ["monitor", "--config", "registry.yml", "--model", "fraud-detector", "--no-issues"]
        runs = {
            "validate (configuration: billion laughs)": ["validate", "--config", "laughs.yml"],
            "validate (registry: bomb, impossible date, 900 deep)": [
                "validate",
                "--config",
                "hostile-registry.yml",
                "registry",
            ],
            "checklist (65,536 characters of table rows)": ["checklist", "body.md"],
            "checklist (65,536 characters of link openers)": ["checklist", "links.md"],
            "monitor (a 10,000-digit integer)": [*monitor, "--metrics", "report.json"],
            "monitor (time zones mixed)": [*monitor, "--metrics", "mixed.json"],
            "monitor (a 200,000-character CSV field)": [*monitor, "--metrics", "big.csv"],
            "monitor (50,000 windows)": [*monitor, "--metrics", "windows.csv"],
            "monitor (samples of 50,000 categories)": [*monitor, "--baseline", "base.csv", "--current", "now.csv"],
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MLOPS_"))}
        env["PYTHONPATH"] = str(ROOT)
        print("| Command | Wall time | Exit | What it printed (last line) |\n|---|---:|---:|---|")
        for label, args in runs.items():
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "bot", *args], cwd=work, env=env, capture_output=True, text=True, check=False
            )
            seconds = time.perf_counter() - started
            worst = max(worst, seconds)
            said = (done.stderr.strip() or done.stdout.strip()).splitlines()
            traceback = " (TRACEBACK)" if "Traceback" in done.stderr else ""
            last = said[-1][:110].replace("|", "\\|") if said else ""
            print(f"| {label} | {seconds:.2f} s | {done.returncode} | {last}{traceback} |")
    print(f"\nSlowest command, start-up included: {worst:.2f} s.")
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each input; the best counts")
    parser.add_argument("--all", action="store_true", help="print every input's time, not only each parser's worst")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"Machine: {os.cpu_count()} CPUs, load average {load:.1f} at start (a busy machine slows every figure).\n")
    core(args.repeat, args.all)
    cli()


if __name__ == "__main__":
    main()
