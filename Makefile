# The two Quick start commands: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench lock clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The main job on the bundled sample: no token, no network.
demo: $(BIN)/.installed
	$(BIN)/mlops-bot validate --config sample/mlops.yml
	$(BIN)/mlops-bot site build --config sample/mlops.yml
	@echo "The sample site is in site/: serve it with $(BIN)/python -m http.server -d site (then open http://localhost:8000/), or preview it live with $(BIN)/mlops-bot site serve --config sample/mlops.yml"

# The whole test suite (installs the system packages it needs when it can), one worker per core. Each
# test module stays on one worker, so its fixtures (the sample site, the MLflow server) are built once.
test: $(BIN)/.installed
	bash tools/install-system-deps.sh
	$(BIN)/python -m pytest -n auto --dist loadscope

lint: $(BIN)/.installed
	$(BIN)/ruff check bot tests benchmarks tools
	$(BIN)/ruff format --check bot tests benchmarks tools

# The request budget, then the event job beside actions/add-to-project: ADD_TO_PROJECT_DIR names a
# checkout of it (benchmarks/event_job.py says how to get one).
bench: $(BIN)/.installed
	$(BIN)/python benchmarks/board_sync.py
	$(BIN)/python benchmarks/event_job.py

# The lock files the action installs from, rewritten from pyproject.toml (UPGRADE=1: newest releases).
lock: $(BIN)/.installed
	bash tools/lock.sh $(if $(UPGRADE),--upgrade)

clean:
	rm -rf $(VENV) site test-artifacts site_src/generated
