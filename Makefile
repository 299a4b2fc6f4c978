# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: setup build run test lint format bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Front-end libraries (YASGUI), pinned in package-lock.json, served locally by the endpoint.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed (Node.js 18+): apt-get install npm"; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts
	touch $(NODE_STAMP)

setup: $(STAMP) $(NODE_STAMP)  ## .venv with the project and its test tools; node_modules

build: setup              ## validate every source and build the store under var/
	$(BIN)/kg build

run: build                ## set up, build, serve on http://127.0.0.1:8000
	$(BIN)/kg serve

test: setup               ## lint, format check, then the whole test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup              ## S and M benchmarks side by side with reference tools
	$(BIN)/python -m bench

clean:
	rm -rf var .pytest_cache .ruff_cache
