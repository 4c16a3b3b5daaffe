#!/usr/bin/env bash
# The composite action's last step: run `mlops-bot` with the words of MLOPS_COMMAND, adding
# --config when the configuration file is present. Inputs arrive as environment variables only.
# MLOPS_VENV is the environment tools/action-install.sh made; without it, `mlops-bot` from PATH.
set -euo pipefail
read -r -a words <<< "${MLOPS_COMMAND:?the action needs a command}"
config=()
if [ -n "${MLOPS_CONFIG_FILE:-}" ] && [ -f "$MLOPS_CONFIG_FILE" ]; then
  config=(--config "$MLOPS_CONFIG_FILE")
fi
if [ -z "${MLOPS_PROJECT_TOKEN:-}" ]; then
  unset MLOPS_PROJECT_TOKEN
fi
exec "${MLOPS_VENV:+$MLOPS_VENV/bin/}mlops-bot" "${words[0]}" "${config[@]}" "${words[@]:1}"
