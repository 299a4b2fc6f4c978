# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# pytest processes for make test (each test file runs whole in one of them): three on two
# cores, since many tests wait on servers, browsers and time limits rather than compute
TEST_PROCESSES ?= 3

.PHONY: setup build run test lint format bench bench-build bench-endpoint bench-search bench-web bench-kpi bench-kbo soak fuzz clean

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

build: setup              ## validate every source and build the store under var/, with the KPIs of past years
	$(BIN)/kg build
	@# the KPIs of past years are computed on a built store, then loaded by a second build
	$(BIN)/kg snapshot --past
	$(BIN)/kg build

run: build                ## set up, build, serve on http://127.0.0.1:8000
	$(BIN)/kg serve

test: setup               ## lint, format check, type check, then the whole test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	@# bytecode is cached (__pycache__/, git-ignored) even where the environment says not to:
	@# every pytest process and every server a test starts would compile the project again
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n $(TEST_PROCESSES) --dist loadfile

lint: setup
	$(BIN)/ruff check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: bench-build bench-endpoint bench-search bench-web bench-kpi bench-federation  ## every benchmark, S and M

bench-build: setup        ## kg build vs oxigraph load; the validator vs pyshacl
	$(BIN)/python -m bench

bench-endpoint: setup     ## /sparql vs oxigraph serve-read-only with and without --timeout-s, concurrency 8 (M)
	@command -v wrk >/dev/null || { echo "the endpoint benchmark needs wrk: apt-get install wrk"; exit 1; }
	$(BIN)/python -m bench.endpoint --size M

bench-search: setup       ## the search index vs a SPARQL CONTAINS scan (M)
	$(BIN)/python -m bench.search --size M

bench-web: setup          ## entity page, search, autocomplete, saved-query API vs /sparql (S, M)
	$(BIN)/python -m bench.web --sizes S M

bench-kpi: setup          ## every KPI, the network metrics and a snapshot (S, M)
	$(BIN)/python -m bench.kpi --sizes S M

bench-federation: setup   ## search asking two peer maps vs this map alone; a hung and a refused peer
	$(BIN)/python -m bench.federation

bench-kbo: setup          ## kg import kbo on a synthetic full-size register extract vs a csv pass
	$(BIN)/python -m bench.kbo

fuzz: setup               ## the OpenAPI fuzz run, long and random (tests/test_fuzz.py): 0 answers of 500
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-300} FUZZ_RANDOM=1 $(BIN)/pytest --timeout 3600 -s tests/test_fuzz.py

soak: setup               ## 10 minutes of ordinary, runaway, slow and hostile clients (not in make test)
	$(BIN)/python -m bench.soak --duration 600

clean:
	rm -rf var .pytest_cache .ruff_cache
