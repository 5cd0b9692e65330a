# The project's public commands. Each one installs what it needs into .venv
# first, so a fresh clone with only Python 3.11 and the package registries
# works: `make demo` shows a report, `make test` runs the suite.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt constraints.txt pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: venv browser compose-cli email-tools demo screenshots-ui login preflight test test-integration test-scheduler lint bench bench-logs bench-scan bench-redact bench-graph bench-faults bench-report bench-viewer bench-history bench-dag lock clean

## The locked dependencies, then the project's package (src/process_report) editable,
## so Airflow, the tests and the dev tools import the one copy of the library.
## Byte-compiled at install: where PYTHONDONTWRITEBYTECODE is set (CI machines), every
## Airflow subprocess would otherwise recompile Airflow's modules (seconds of CPU each).
$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) \
		-r requirements.txt -r requirements-dev.txt -c constraints.txt
	$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

venv: $(STAMP)

## $(call debian_package,COMMAND,PACKAGE,WHAT HAPPENS WITHOUT IT): install a Debian
## package when its command is missing. That needs root and apt-get; without them it
## says so in one line and the make goes on (the tests then skip, or fail under CI=true).
define debian_package
	@command -v $(1) >/dev/null || \
	{ [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; } || \
	echo "$(1) is not installed and could not be (needs root and apt-get: apt-get install $(2)); $(3)"
endef

## Debian's Chromium, for the report's rendering tests and the demo's screenshots.
browser:
	$(call debian_package,chromium,chromium,make demo skips its screenshots and the browser tests are skipped)

## Debian's docker-compose, for checking docker-compose.yaml with `docker-compose config`.
compose-cli:
	$(call debian_package,docker-compose,docker-compose,the docker-compose.yaml checks that need it are skipped)

## The email's HTML checks (package.json, package-lock.json): doiuse-email (caniemail
## data) and html-validate, installed exactly as locked; Node.js from Debian if missing.
NODE_STAMP := node_modules/.installed-$(shell cat package.json package-lock.json | cksum | cut -d' ' -f1)

$(NODE_STAMP): package.json package-lock.json
	command -v npm >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

email-tools: $(NODE_STAMP)

## Run the whole DAG on the embedded default and print where the report is.
demo: venv browser email-tools
	$(PY) -m dev.run_demo

## Screenshots of the DAG in Airflow's real UI, signed in (api-server, headless
## Chromium): its Details tab and doc naming the report time and zone, and the trigger
## form's Report day picker, under out/ui/.
screenshots-ui: venv browser
	$(PY) -m dev.ui_screenshots

## Check the setup without sending anything: the settings variable, process_db,
## msgraph_default (sign-in, mailbox, OneDrive root), logs_dir, [api] base_url.
## Reads connections and the variable from the secrets backend or AIRFLOW_CONN_* /
## AIRFLOW_VAR_* (the DAG client_process_report_preflight also sees the metadata DB).
preflight: venv
	$(PY) -m process_report.tasks.preflight

## The whole test suite (README's test command; .ci/run calls it).
test: venv browser compose-cli email-tools
	$(PY) -m pytest

## Only the tests that need a real PostgreSQL (CI reruns them against the
## machine's server with PROCESS_DB_TEST_URI).
test-integration: venv
	$(PY) -m pytest -m integration

## The real scheduler tests in their full form: Airflow's scheduler, DAG processor and
## API server with LocalExecutor, then a Celery worker (the machine's Redis), on
## PostgreSQL, driven by the README's Operations commands. `make test` runs the quick form.
test-scheduler: venv
	SCHEDULER_TESTS=full $(PY) -m pytest tests/scheduler

## One-time Microsoft 365 sign-in for `auth: delegated` (device code).
login: venv
	$(PY) -m process_report.graph.login

## Benchmarks write JSON to out/bench/ (the corpora are built once and kept there).
bench: bench-logs bench-scan bench-redact bench-graph bench-faults bench-report bench-viewer bench-history bench-dag

## Failure logs against ripgrep, then the worst cases for memory and 100,000 small
## files, each in its own process: 7 GB of corpora kept in out/bench/, each run's spool
## beside them. BENCH_LOGS_ARGS="--case many_small_files" runs that case only.
bench-logs: venv
	command -v rg >/dev/null || (apt-get update -qq && apt-get install -y -qq ripgrep)
	$(PY) -m dev.bench_logs $(BENCH_LOGS_ARGS)

## The task scan_failure_logs's extraction alone, offline, on bench-dag's big day with
## the task's inputs (300 API keys, Airflow's masker, its store): out/bench/scan.json,
## medians of 3 runs and digests of the extracts. BENCH_SCAN_ARGS="--size 100000 --runs 1".
bench-scan: venv
	$(PY) -m dev.bench_scan $(BENCH_SCAN_ARGS)

## Redaction throughput on 100 MB of log text, and the masking of 3,000 client API keys:
## out/bench/redact.json.
bench-redact: venv
	$(PY) -m dev.bench_redact $(BENCH_REDACT_ARGS)

bench-graph: venv
	$(PY) -m dev.bench_graph

## The whole DAG clean and under a Graph fault mix (throttling, latency, short-lived
## tokens, token-endpoint 503s, a lost send answer): out/bench/faults.json.
bench-faults: venv
	$(PY) -m dev.bench_faults $(BENCH_FAULTS_ARGS)

bench-report: venv
	$(PY) -m dev.bench_report

## The viewer's run page on a 50,000-process day with 2,000 failures: out/bench/viewer.json.
bench-viewer: venv
	$(PY) -m dev.bench_viewer

## The report's memory: 14 archived days of 20,000 processes read and compared, the
## day's record built (out/bench/history.json; bench-dag adds it to dag.json).
bench-history: venv
	$(PY) -m dev.bench_history

## The whole DAG on a big day (20,000 processes) with LocalExecutor on a PostgreSQL
## metadata DB, at 1,000 to 100,000 processes and at 20,000 over 3,000 clients:
## out/bench/dag.json, dag_scaling.json and dag_scaling.png, and each day's email under
## out/bench/dag/<day>/email/ (dev.compare_email). Log corpora are built once under
## out/bench/dag/ (about 7 GB). The big day also runs triggered for the real scheduler,
## timed from the trigger to the run's end (--scheduler-size; 0: not).
## BENCH_DAG_ARGS="--sizes 20000 --plain-size 0" runs the big day only;
## "--sizes 20000 100000 --clients-axis" a subset.
bench-dag: venv
	$(PY) -m dev.bench_dag $(BENCH_DAG_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## Re-resolve constraints.txt after editing requirements*.txt. Only uv is needed: the
## full install (`venv`) would check the edited requirements against the old lock.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(VENV)/bin/uv pip compile --quiet --no-header --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 \
		requirements.txt requirements-dev.txt -o constraints.txt

clean:
	rm -rf out .pytest_cache .ruff_cache .hypothesis
