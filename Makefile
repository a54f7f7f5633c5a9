# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := elearn

.PHONY: run test install translations migrate demo bench courses-check clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,postgres]'
	touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d elearn/translations --statistics

migrate: install
	$(BIN)/flask db upgrade
	$(BIN)/flask elearn counters rebuild --if-empty

demo: migrate
	$(BIN)/flask elearn demo load

# The job worker (imports, exports) runs beside the server on the embedded SQLite queue and
# stops with it (Ctrl-C reaches both).
run: demo
	@$(BIN)/flask elearn worker --workers 1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# Two worker processes (pytest-xdist): every test has its own database, queue file and ports.
PYTEST_WORKERS ?= 2
test: install
	scripts/with-postgres $(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Load benchmark (not part of `make test` / CI): gunicorn + wrk on 127.0.0.1, see
# bench/README.md. BENCH_ARGS="--db postgresql", "--small", "--people 20000", …
# The seed is not in the product: run.py loads the bench plugin (bench/elearn_bench) for it.
BENCH_ARGS ?=
bench: install
	$(BIN)/pip install --quiet -e '.[dev,postgres,bench]'
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; } \
	  || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
	$(BIN)/python bench/run.py $(BENCH_ARGS)

courses-check: install
	$(BIN)/flask elearn courses check

# Extract new messages and merge them into the vi and en catalogues.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o elearn/translations/messages.pot --no-location --omit-header --sort-output .
	$(BIN)/pybabel update -i elearn/translations/messages.pot -d elearn/translations --no-fuzzy-matching --omit-header

clean:
	rm -rf $(VENV) test-output .pytest_cache
