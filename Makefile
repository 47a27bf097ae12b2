# Two commands do everything on a fresh machine with Python >= 3.11:
#   make reproduce   # validation report at quick scale -> reports/
#   make test        # pytest, including the notebooks
# Both create .venv and install the project into it when needed.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SCALE  ?= quick
NB_BUILD := build/notebooks

.PHONY: install test reproduce bench bench-quick lab derive notebooks clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Convert the jupytext percent notebooks to .ipynb for nbval (never collected as .py files).
notebooks: $(STAMP)
	rm -rf $(NB_BUILD) && mkdir -p $(NB_BUILD)
	for f in $(wildcard notebooks/*.py); do \
	  $(PY) -m jupytext --quiet --to ipynb -o $(NB_BUILD)/$$(basename $${f%.py}).ipynb $$f || exit 1; \
	done

test: notebooks
	MPLBACKEND=Agg $(PY) -m pytest tests $(NB_BUILD) --nbval-lax --nbval-current-env --nbval-cell-timeout=600

reproduce: $(STAMP)
	MPLBACKEND=Agg $(PY) -m theory reproduce --scale $(SCALE)

# The benchmarks also need the optional peers (extra "bench": jitcode); make test never does.
BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(PY) -m benchmarks

bench-quick: $(BENCH_STAMP)
	$(PY) -m benchmarks --quick

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/

clean:
	rm -rf build reports/*.md reports/*.json reports/figures
