# `make serve` and `make test` work on a fresh machine: they create .venv and install everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install serve test build bench bench-quick clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

build: $(STAMP)
	$(BIN)/pedkg build

serve: $(STAMP)
	$(BIN)/pedkg serve

test: $(STAMP)
	$(BIN)/python -m pytest

# Benchmarks and the national-scale measurements (not part of `make test`); results in bench/results/.
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/pedkg build && $(BIN)/python bench/run_all.py

bench-quick: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/pedkg build && $(BIN)/python bench/run_all.py --quick

clean:
	rm -rf build
