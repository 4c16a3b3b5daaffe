#!/usr/bin/env bash
# Writes the lock files the action installs from (locks/*.txt: exact versions with their hashes), from
# pyproject.toml. Run it after changing a dependency, from a checkout with `make test` done:
#   bash tools/lock.sh             keep the current pins where they still fit
#   bash tools/lock.sh --upgrade   move every pin to the newest release allowed
# Locks: core.txt (the event jobs), site.txt, monitor.txt and parquet.txt (the core and that extra; shared
# pins are taken from core.txt), build.txt (what builds the wheel) and uv.txt (the installer itself).
set -euo pipefail
cd "$(dirname "$0")/.."
uv=${UV:-.venv/bin/uv}
python=${PYTHON:-.venv/bin/python}
upgrade=()
if [ "${1:-}" = "--upgrade" ]; then
  upgrade=(--upgrade)
fi
compile=("$uv" pip compile --no-config --universal --python-version 3.11 --generate-hashes --quiet
  --custom-compile-command "bash tools/lock.sh" "${upgrade[@]}")

"${compile[@]}" pyproject.toml -o locks/core.txt
for extra in site monitor parquet; do
  "${compile[@]}" pyproject.toml --extra "$extra" --constraint locks/core.txt -o "locks/$extra.txt"
done
"$python" -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' \
  | "${compile[@]}" - -o locks/build.txt

# uv itself, installed by pip: one direct wheel URL per platform, since pip would otherwise weigh each of the
# thousands of files uv has on the index (seconds). The version is the test extra's `uv==` pin.
"$python" - <<'PY'
import json
import re
import tomllib
import urllib.request

test_extra = tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["test"]
version = next(re.fullmatch(r"uv==([\w.]+).*", spec).group(1) for spec in test_extra if spec.startswith("uv=="))
request = urllib.request.Request(
    "https://pypi.org/simple/uv/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
)
files = {f["filename"]: f for f in json.load(urllib.request.urlopen(request, timeout=60))["files"]}
platforms = {  # wheel platform tag -> the environment marker that selects it
    "manylinux_2_17_x86_64.manylinux2014_x86_64": "sys_platform == 'linux' and platform_machine == 'x86_64'",
    "manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64": (
        "sys_platform == 'linux' and platform_machine == 'aarch64'"
    ),
    "macosx_10_12_x86_64": "sys_platform == 'darwin' and platform_machine == 'x86_64'",
    "macosx_11_0_arm64": "sys_platform == 'darwin' and platform_machine == 'arm64'",
}
lines = [
    "# The installer the action uses (tools/action-install.sh), one wheel per platform it supports.",
    "# Written by: bash tools/lock.sh",
]
for tag, marker in platforms.items():
    wheel = files[f"uv-{version}-py3-none-{tag}.whl"]
    lines += [f"uv @ {wheel['url']} ; {marker} \\", f"    --hash=sha256:{wheel['hashes']['sha256']}"]
open("locks/uv.txt", "w").write("\n".join(lines) + "\n")
PY
echo "locks written: $(ls locks | tr '\n' ' ')"
