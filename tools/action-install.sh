#!/usr/bin/env bash
# The composite action's install step, also what benchmarks/event_job.py times:
#
#   tools/action-install.sh COMMAND VENV         create VENV with what `mlops-bot COMMAND` needs
#   tools/action-install.sh --plan COMMAND VENV  print the cache directory and keys, as step outputs
#
# COMMAND is the action's `command` input, one string ("sync", "site build", "monitor --baseline a.parquet
# ..."): it picks the lock file (bot/extras.py, lock_for): locks/core.txt, or the core and one extra.
# Everything is installed in hash-checking mode: uv (pinned, from the package index, by pip) from
# locks/uv.txt, the dependencies from the lock file, and mlops-bot itself as a wheel built from this
# checkout with the build backend of locks/build.txt. The cache (MLOPS_INSTALL_CACHE, default
# ~/.cache/mlops-bot) keeps uv, its download cache and the built wheel; with it the install sends no request.
# The action also keeps compiled modules there (PYTHONPYCACHEPREFIX=CACHE/pycache when it runs the bot): uv
# links the venv's files from its cache, so their timestamps, and the compiled modules, stay valid.
# Linux and macOS; Python from PATH (MLOPS_PYTHON to choose another).
set -euo pipefail

usage() {
  echo "usage: $0 [--plan] COMMAND VENV" >&2
  exit 2
}
plan=false
if [ "${1:-}" = "--plan" ]; then
  plan=true
  shift
fi
[ $# -eq 2 ] || usage
read -r -a words <<< "$1"
venv=$2

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${MLOPS_INSTALL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlops-bot}
python=${MLOPS_PYTHON:-$(command -v python3 || command -v python || true)}
[ -n "$python" ] || { echo "error: no python3 on PATH: set up Python first, or set MLOPS_PYTHON" >&2; exit 2; }

if command -v sha256sum > /dev/null; then hasher=(sha256sum); else hasher=(shasum -a 256); fi

# One Python start answers every question: the lock file for the command and this Python's version.
read -r lock python_version < <(
  "$python" -I -c 'import sys; sys.path.insert(0, sys.argv[1]); from bot.extras import lock_for
print(lock_for(sys.argv[2:]), "%d.%d.%d" % sys.version_info[:3])' "$root" "${words[@]}"
)
[ -n "${python_version:-}" ] || { echo "error: $python cannot read $root/bot/extras.py" >&2; exit 2; }
uv_version=$(sed -n 's|^uv @ .*/uv-\([^-]*\)-.*|\1|p' "$root/locks/uv.txt" | head -n 1)
locks_digest=$(cat "$root/locks/$lock.txt" "$root/locks/build.txt" "$root/locks/uv.txt" | "${hasher[@]}" | cut -c1-16)
# What the wheel is built from: a change to any of it builds a new wheel.
source_digest=$(
  cd "$root"
  find pyproject.toml README.md mkdocs.yml bot schemas site_src .github/ISSUE_TEMPLATE -type f \
    ! -path 'site_src/generated/*' ! -name '*.pyc' -print0 | LC_ALL=C sort -z | xargs -0 "${hasher[@]}" \
    | "${hasher[@]}" | cut -c1-16
)
prefix="mlops-bot-$(uname -s)-$(uname -m)-py$python_version-$lock-$locks_digest-"
key="$prefix$source_digest"
marker="$venv/.mlops-bot-install"

if $plan; then
  ready=false
  if [ -f "$marker" ] && [ "$(cat "$marker")" = "$key" ]; then
    ready=true
  fi
  echo "cache-dir=$cache"
  echo "cache-key=$key"
  echo "restore-key=$prefix"
  echo "ready=$ready"
  exit 0
fi
if [ -f "$marker" ] && [ "$(cat "$marker")" = "$key" ]; then
  exit 0  # this job installed it already (an earlier step of the same job)
fi

mkdir -p "$cache"
uv_home="$cache/uv-$uv_version"
uv="$uv_home/bin/uv"
if [ ! -x "$uv" ]; then
  rm -rf "$uv_home"
  "$python" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-input \
    --no-deps --require-hashes --target "$uv_home" -r "$root/locks/uv.txt"
  [ -x "$uv" ] || { echo "error: locks/uv.txt has no uv for $(uname -s) $(uname -m)" >&2; exit 2; }
fi
export UV_CACHE_DIR="$cache/uv-cache" UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1

[ -x "$venv/bin/python" ] || "$uv" venv --quiet --no-config --python "$python" "$venv"
install=("$uv" pip install --quiet --no-config --python "$venv/bin/python" --require-hashes -r "$root/locks/$lock.txt")
extra=""
[ "$lock" = core ] || extra="[$lock]"
requirement="$venv/mlops-bot-requirement.txt"
wheels="$cache/wheels/$source_digest"

# The package itself, checked against the lock: a dependency missing from the lock fails the install.
install_with_wheel() {
  local wheel
  wheel=$(ls "$wheels"/mlops_bot-*.whl)
  printf 'mlops-bot%s @ file://%s --hash=sha256:%s\n' "$extra" "$wheel" "$("${hasher[@]}" < "$wheel" | cut -c1-64)" \
    > "$requirement"
  "${install[@]}" -r "$requirement" "$@"
}

if ls "$wheels"/mlops_bot-*.whl > /dev/null 2>&1; then
  # One call. From the cache alone when it has everything; from the index otherwise.
  install_with_wheel --offline 2> /dev/null || install_with_wheel
else
  # The wheel of this checkout builds (CPU) while the dependencies download (network).
  rm -rf "$wheels" "$wheels.tmp"
  "$uv" build --quiet --no-config --wheel --python "$python" --require-hashes \
    --build-constraints "$root/locks/build.txt" --out-dir "$wheels.tmp" "$root" &
  builder=$!
  "${install[@]}" --offline 2> /dev/null || "${install[@]}"
  wait "$builder"
  mv "$wheels.tmp" "$wheels"
  install_with_wheel --offline
fi
echo "$key" > "$marker"
