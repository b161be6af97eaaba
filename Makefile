# Two commands for a newcomer: `make demo` and `make test`. Set-up is shared, idempotent and
# quick once done (a stamp file records that the venv matches pyproject.toml).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup browser demo test bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch first and pinned: this version installs a CPU build; anything else pulls CUDA.
	$(PIP) install --disable-pip-version-check -q torch==2.13.0
	$(PIP) install --disable-pip-version-check -q -e '.[topics,report,dev,spark]'
	# jieba_fast (COMPLAINTS_JIEBA=fast, optional) builds from source and needs a C compiler.
	$(PIP) install --disable-pip-version-check -q 'jieba_fast==0.53' \
	  || echo "warning: jieba_fast did not build; COMPLAINTS_JIEBA=fast is unavailable (plain jieba, the default, is unaffected)"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/complaints demo --out demo --library complaint-library

# Headless Chromium (Debian's package) and a CJK font for the report's browser test. Installed
# only when missing; without apt (or root) it warns and the browser test skips with the reason.
browser:
	@command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q . || { \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    chromium fonts-wqy-microhei) \
	  || echo "warning: could not install chromium with apt-get; the report browser test will be skipped"; }

test: setup browser
	$(PY) -m pytest -q

bench: setup
	$(PY) bench/ingest_bench.py
	$(PY) bench/segment_bench.py
	$(PY) bench/embed_bench.py --n 2000

clean:
	rm -rf $(VENV) complaint-library demo
