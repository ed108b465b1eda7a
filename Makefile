# Two commands, from a fresh clone: `make demo` and `make test`. Everything lives in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint install dev postgres chromium frontend clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the package definition changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed frontend
dev: $(VENV)/.installed-dev frontend

# The web app's front-end libraries from the npm registry, pinned by package-lock.json, copied into
# the static folder at install time (git-ignored; never a CDN, never committed): ECharts for the
# charts, Swagger UI for /docs. --ignore-scripts: no package runs code at install (swagger-ui-dist
# depends on @scarf/scarf, whose install script would report the download).
VENDOR := src/pumpview/web/static/vendor
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "Installing Node.js and npm for the front-end packages"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

VENDORED := $(VENDOR)/echarts.min.js $(VENDOR)/swagger-ui-bundle.js $(VENDOR)/swagger-ui.css
$(VENDOR)/echarts.min.js: node_modules/.installed
	@mkdir -p $(@D)
	cp node_modules/echarts/dist/echarts.min.js $@
$(VENDOR)/swagger-ui%: node_modules/.installed
	@mkdir -p $(@D)
	cp node_modules/swagger-ui-dist/$(@F) $@

frontend: $(VENDORED)

# The browser tests drive Debian's Chromium through Playwright (which never downloads a browser).
CHROMIUM := /usr/bin/chromium
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "Installing Chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	fi

demo: install
	$(BIN)/pumpview demo

lint: dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# The storage and sync tests start a throwaway PostgreSQL server of their own; install one if missing.
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then \
		echo "Installing PostgreSQL for the storage tests"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi

# Every test, spread over the machine's cores (pytest-xdist): on CI's 2 cores the suite takes half
# the time it takes in one process. The inner loop: .venv/bin/pytest -m "not browser".
test: lint postgres chromium
	$(BIN)/pytest -n auto

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache node_modules $(VENDOR)
