# Two commands on a fresh machine with only python3 and make: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test lint typecheck unit bench eval train clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/protocol-bot chat

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

eval: $(STAMP)
	$(BIN)/protocol-bot eval ../shared/eval/dev_questions.jsonl

# Reproduce the shipped encoder from the corpus (fixed seed; ~30 min on 2 cores). Never run by `make run` or CI.
train: $(STAMP)
	$(BIN)/python -m training.validate
	$(BIN)/python -m training.encoder --seed 13 --epochs 3 --batch-size 32 --lr 5e-5 --max-seq 128

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) .protocol-bot .mypy_cache .pytest_cache .ruff_cache
