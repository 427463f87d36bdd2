# Two commands do all the set-up on a fresh machine:
#   make demo   installs tallyrules with its packs and extracts from the bundled seed article
#   make test   installs the test tools and runs lint, type checks and the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml plugins/military/pyproject.toml plugins/territory/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dask,spacy]' -e plugins/military -e plugins/territory
	touch $(STAMP)

.PHONY: install browser demo test lint bench quality fuzz clean
install: $(STAMP)

demo: $(STAMP)
	$(BIN)/tallyrules extract examples/seed-article.txt --format table

lint: $(STAMP)
	$(BIN)/ruff check src tests plugins benchmarks fuzz
	$(BIN)/mypy

# The HTML view is tested in a real browser: Debian's headless Chromium and its driver (nothing is
# downloaded at run time). As root with apt-get they are installed here; otherwise that test skips.
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	            chromium chromium-driver fonts-dejavu-core >/dev/null; \
	    else \
	        echo "note: no chromium/chromedriver and not root: the browser test will skip"; \
	    fi; \
	fi

test: lint browser
	$(BIN)/tallyrules test rules plugins
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/throughput.py

quality: $(STAMP)
	$(BIN)/python benchmarks/quality.py

# Fuzz the rule parser for a bounded time (outside `make test`): atheris when it installs, else hypothesis.
FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	$(BIN)/python -m pip install --quiet atheris || echo "atheris did not install: fuzzing with hypothesis"
	$(BIN)/python fuzz/fuzz_rule_parser.py --seconds $(FUZZ_SECONDS)

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
