# Two commands set everything up on a fresh machine (Python >= 3.10 with venv, and make):
#   make demo   the main job: train LeNet on the embedded digits
#   make test   lint + the whole test suite
# Each creates .venv and installs what it needs into it.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# PyTorch is only an oracle for the tests. `make test TORCH=` skips installing it (those
# tests then report themselves as skipped).
TORCH ?= torch==2.13.0

.PHONY: demo test lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable .
	touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[test]' $(TORCH)
	touch $@

demo: $(VENV)/.runtime
	$(BIN)/minicnn train

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis .ruff_cache
