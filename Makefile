# chokepoint: the two set-up commands are `make run` and `make test`.
# Everything is installed into .venv by these targets; nothing by hand.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test install install-dev bench bench-load bench-api screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(STAMP)

install-dev: $(DEV_STAMP)

## make run: install, load the bundled lists on first use, serve the API on
## http://127.0.0.1:8000 (prints a first admin key on a fresh install)
run: $(STAMP)
	$(BIN)/chokepoint lists load --bundled
	$(BIN)/chokepoint serve --bootstrap-key

## make test: install the dev dependencies and run the whole suite
test: $(DEV_STAMP)
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	$(BIN)/pytest -q -n 2 --dist loadfile

## make bench: the benchmarks under bench/ (results in bench/out/, summarised in BENCHMARKS.md);
## the HTTP load benchmark of the service is separate: `make bench-api` (~25 min, needs wrk)
bench: $(DEV_STAMP)
	$(BIN)/python bench/load_lists.py
	$(BIN)/python bench/quality.py
	$(BIN)/python bench/speed.py
	$(BIN)/python bench/assess.py

## make bench-api: /match under load with wrk against `chokepoint serve` (bench/out/api.md); installs wrk if missing
bench-api: $(DEV_STAMP)
	@command -v wrk >/dev/null 2>&1 || { echo "wrk not found: installing the Debian package (apt-get install -y wrk)"; \
		apt-get install -y wrk || { echo "could not install wrk: run 'sudo apt-get install -y wrk'"; exit 1; }; }
	$(BIN)/python bench/load_api.py

## make bench-monitor: monitoring at scale (~30 min): 1,000,000 synthetic parties, a 2,000-entity OFAC SDN
## delta re-screened end to end, against a full re-screen (bench/out/monitor.md); QUICK=1 for 50,000 parties
.PHONY: bench-monitor
bench-monitor: $(DEV_STAMP)
	$(BIN)/python bench/monitor.py $(if $(QUICK),--quick,)

## make bench-spark: batch screening, the local engine (1 and 2 processes) against Spark local[1] and local[2]
## (bench/out/spark.md; ~45 min at 1M rows); ROWS=10000000 for 10M rows (hours per configuration; see BENCHMARKS.md 7)
.PHONY: bench-spark bench-index-scale
bench-spark: $(DEV_STAMP)
	$(BIN)/python bench/spark.py --rows $(or $(ROWS),1000000) --resume

## make bench-index-scale: the list index at 1,000,000 synthetic listed entities (~15 min, ~6 GB of memory),
## then which listed queries found no match (bench/out/index_scale.md, index_scale_misses.md)
bench-index-scale: $(DEV_STAMP)
	$(BIN)/python bench/index_scale.py
	$(BIN)/python bench/index_scale_misses.py

## make screenshots: rerun the browser tests, writing the page screenshots to docs/screenshots/
screenshots: $(DEV_STAMP)
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	CHOKEPOINT_SCREENSHOTS=1 $(BIN)/pytest -q tests/service/test_browser.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info
