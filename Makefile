# appealgen: `make demo` builds the bundled examples, `make test` runs every check.
# Both install what they need first (system packages via apt-get when root, then .venv).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test system-deps venv lint typecheck pytest bench clean examples

system-deps:
	bash scripts/system-deps.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV) || { echo "python3 -m venv failed: apt-get install -y python3-venv" >&2; exit 1; }
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,cluster]'
	touch $(STAMP)

venv: $(STAMP)

demo: system-deps venv
	@rm -rf packets/ACCT-* packets/npi-* packets/era-claims
	@$(BIN)/appealgen build examples/*/claim.yaml --out packets; code=$$?; \
	  if [ $$code -ne 0 ] && [ $$code -ne 3 ]; then exit $$code; fi; \
	  echo "(ACCT-4004 fails its check on purpose: it lacks progress notes)"
	@echo "== X12 835: examples/era/remittance-2026-10-14.835 (a packet only where something is sent)"
	@$(BIN)/appealgen build examples/era/remittance-2026-10-14.835 --workspace examples/era \
	  --attachments-root examples/era/records --out packets
	@echo "packets written to packets/"
	@echo "== tracking log (packets/demo-log.sqlite): import, a submission, a decision, the queue, the report"
	@rm -f packets/demo-log.sqlite packets/demo-log.sqlite.*
	@export APPEALGEN_DATABASE_URL=packets/demo-log.sqlite APPEALGEN_USER=demo; set -e; \
	  $(BIN)/appealgen log import examples/era/remittance-2026-10-14.835 --as-of 2026-11-22; \
	  $(BIN)/appealgen log record ACCT-9001 sent --method fax --ref FAX-DEMO-1 --date 2026-10-20 --as-of 2026-11-22; \
	  $(BIN)/appealgen log record ACCT-9001 decision --outcome upheld --ref RD-DEMO-1 --date 2026-11-10 \
	    --as-of 2026-11-22; \
	  $(BIN)/appealgen log show ACCT-9001 --as-of 2026-11-22; \
	  $(BIN)/appealgen queue --as-of 2026-11-22; \
	  $(BIN)/appealgen report --as-of 2026-11-22 --from 2026-10-01 --to 2026-11-22 --out packets/demo-report.html; \
	  $(BIN)/appealgen report --as-of 2026-11-22 --from 2026-10-01 --to 2026-11-22 --format pdf \
	    --out packets/demo-report.pdf

lint: venv
	$(BIN)/ruff check appealgen tests bench scripts

typecheck: venv
	$(BIN)/mypy appealgen tests scripts bench

# The log's tests also run on PostgreSQL: a throwaway server, stopped afterwards (scripts/with-postgres).
pytest: venv
	bash scripts/with-postgres $(BIN)/pytest

test: system-deps venv lint typecheck pytest

bench: system-deps venv
	$(BIN)/python bench/bench_batch.py --claims $${CLAIMS:-100}
	$(BIN)/python bench/bench_era.py
	$(BIN)/python bench/bench_build.py
	$(BIN)/python bench/bench_cluster.py --claims $${CLAIMS:-100}
	$(BIN)/python bench/bench_log.py
	$(BIN)/python bench/bench_report.py

# Regenerate the synthetic example documents and the Word letter templates (overwrites).
examples: venv
	$(BIN)/python scripts/make_examples.py
	$(BIN)/python scripts/make_letter_templates.py

clean:
	rm -rf packets/ACCT-* dist build .pytest_cache .mypy_cache .ruff_cache
