# zenohub: the two commands.
#   make serve   create .venv, install zenohub, process the digits demo, serve http://localhost:5006
#   make test    install test needs (incl. Debian's chromium) and run the whole suite

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: serve test install install-test chromium lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

install: $(STAMP)

$(TSTAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install-test: $(TSTAMP)

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-dejavu-core; \
	fi

serve: install
	$(BIN)/zenohub run

test: install-test chromium
	$(BIN)/python -m pytest

lint: install-test
	$(BIN)/ruff check zenohub apps tests benchmarks
	$(BIN)/ruff format --check zenohub apps tests benchmarks
	$(BIN)/mypy zenohub

# sliceline (the discovery benchmark's alternative) lives in its own venv, never in zenohub's
SLICELINE := .venv-sliceline/bin/python
$(SLICELINE):
	$(PYTHON) -m venv .venv-sliceline
	.venv-sliceline/bin/python -m pip install --quiet sliceline

bench: install-test chromium $(SLICELINE)
	$(BIN)/python benchmarks/pipeline.py
	$(BIN)/python benchmarks/crossfilter.py
	$(BIN)/python benchmarks/browser_brush.py
	$(BIN)/python benchmarks/discovery.py --sliceline-python $(SLICELINE)
	$(BIN)/python benchmarks/projection.py

clean:
	rm -rf $(VENV) .venv-sliceline examples/*/.zenohub_cache test-artifacts
