# The project's public commands. Each one installs what it needs into .venv
# first, so a fresh clone with only Python 3.11 and the package registries
# works: `make demo` shows a report, `make test` runs the suite.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt constraints.txt pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: venv browser demo login test test-integration lint bench bench-logs bench-graph bench-faults bench-report lock clean

## The locked dependencies, then the project's package (src/process_report) editable,
## so Airflow, the tests and the dev tools import the one copy of the library.
$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(VENV)/bin/uv pip install --quiet --python $(PY) \
		-r requirements.txt -r requirements-dev.txt -c constraints.txt
	$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

venv: $(STAMP)

## Debian's Chromium, for the report's rendering tests and the demo's screenshots.
browser:
	command -v chromium >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

## Run the whole DAG on the embedded default and print where the report is.
demo: venv browser
	$(PY) -m dev.run_demo

## The whole test suite (README's test command; .ci/run calls it).
test: venv browser
	$(PY) -m pytest

## Only the tests that need a real PostgreSQL (CI reruns them against the
## machine's server with PROCESS_DB_TEST_URI).
test-integration: venv
	$(PY) -m pytest -m integration

## One-time Microsoft 365 sign-in for `auth: delegated` (device code).
login: venv
	$(PY) -m process_report.graph.login

## Benchmarks write JSON to out/bench/ (the corpora are built once and kept there).
bench: bench-logs bench-graph bench-faults bench-report

bench-logs: venv
	command -v rg >/dev/null || (apt-get update -qq && apt-get install -y -qq ripgrep)
	$(PY) -m dev.bench_logs

bench-graph: venv
	$(PY) -m dev.bench_graph

## The whole DAG clean and under a Graph fault mix (throttling, latency, short-lived
## tokens, token-endpoint 503s, a lost send answer): out/bench/faults.json.
bench-faults: venv
	$(PY) -m dev.bench_faults $(BENCH_FAULTS_ARGS)

bench-report: venv
	$(PY) -m dev.bench_report

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## Re-resolve constraints.txt after editing requirements*.txt.
lock: venv
	$(VENV)/bin/uv pip compile --quiet --no-header --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 \
		requirements.txt requirements-dev.txt -o constraints.txt

clean:
	rm -rf out .pytest_cache .ruff_cache .hypothesis
