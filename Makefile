# servicedesk: `make run` starts everything, `make test` checks everything.
# Paths below are the defaults of the settings package (settings/parts.py); override both together if you move them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

APP_PY   := .venv/bin/python
RASA     := .venv-rasa/bin/rasa
RASA_PY  := .venv-rasa/bin/python
RASA_MODEL := var/rasa/models/servicedesk.tar.gz
SPACY_LAYER := var/spacy/de_servicedesk
BOT_INPUTS := config.yml $(shell find bot -name '*.yml' -o -name '*.py' 2>/dev/null) $(SPACY_LAYER)/config.cfg

export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_TELEMETRY_ENABLED := false
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: help setup setup-node setup-browser setup-ocr setup-ldap build model index rasa-model run test lint typecheck validate rasa-test unit attack integration \
        eval-nlu eval-knowledge eval-chat fit-decision calibrate bench clean kb-import kb-export migrate purge privacy-doc \
        setup-postgres test-pg setup-cluster run-cluster stop-cluster test-cluster

help:
	@echo "make run    - set up (first time: a few minutes) and start the assistant"
	@echo "make test   - lint, type checks, unit, Rasa validation and story tests, integration tests"
	@echo "other: setup build migrate kb-import kb-export purge privacy-doc eval-nlu eval-knowledge eval-chat fit-decision calibrate bench clean"

setup: node_modules/.installed
	@scripts/setup_envs.sh all

# Browser libraries (Chart.js for /insights/, axe-core for the accessibility tests), from package-lock.json.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "setup: npm not found (install Node.js 18+)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup-node: node_modules/.installed

setup-browser:
	@scripts/setup_browser.sh

# Tesseract with German and English data for the screenshots' OCR (Debian packages). `make run` only warns
# when it is missing (screenshots are then stored without their text); the tests need it.
setup-ocr:
	@scripts/setup_ocr.sh

# OpenLDAP's slapd and ldap-utils (Debian packages) for the directory tests, which start their own throwaway slapd
# with the ppolicy overlay (tests/ldap_server.py; about 0.1 s); never the packaged default database.
setup-ldap:
	@scripts/setup_ldap.sh

# Debian's PostgreSQL binaries for `make test-pg` (installed when missing; no system cluster is used).
setup-postgres:
	@scripts/setup_postgres.sh

model: setup
	@$(APP_PY) -m knowledge.model_build
	@$(APP_PY) -m knowledge.onnx_build

index: model
	@$(APP_PY) -m scripts.kb index

# The German spaCy layer Rasa's SpacyNLP loads (blank "de", lookup lemmas, the IT entity rules).
$(SPACY_LAYER)/config.cfg: knowledge/entity_patterns.jsonl knowledge/language.py scripts/build_spacy.py requirements/rasa.lock
	@$(RASA_PY) -m scripts.build_spacy $(SPACY_LAYER)

$(RASA_MODEL): $(BOT_INPUTS) requirements/rasa.lock
	@echo "Rasa: training the NLU and dialogue model (about 3 minutes on 2 cores) ..."
	@mkdir -p var/rasa/models
	$(RASA) train --config config.yml --domain bot/domain --data bot/data \
	  --out var/rasa/models --fixed-model-name servicedesk
	@touch $(RASA_MODEL)

rasa-model: setup $(RASA_MODEL)

build: model index rasa-model

run: build
	@scripts/setup_ocr.sh || echo "setup: screenshots will be stored without OCR text"
	@$(APP_PY) -m scripts.run

lint: setup
	$(APP_PY) -m ruff check .
	$(APP_PY) -m ruff format --check .

typecheck: setup
	$(APP_PY) -m mypy settings texts ops knowledge desk web actions scripts bench

validate: setup
	$(RASA) data validate --config config.yml --domain bot/domain --data bot/data --quiet

rasa-test: rasa-model
	$(RASA) test core --model $(RASA_MODEL) --stories tests/conversations \
	  --out var/rasa/results --fail-on-prediction-errors --quiet

unit: setup setup-ldap
	$(APP_PY) -m pytest tests/unit

# The standing attack suite (schemathesis, the bad-input corpus, the authorization matrix, headers); make test runs it too.
attack: setup
	$(APP_PY) -m pytest tests/attack

integration: build setup-browser setup-ocr setup-ldap
	$(APP_PY) -m pytest tests/integration

test: lint typecheck validate build rasa-test setup-browser setup-ocr setup-ldap
	$(APP_PY) -m pytest

# The records layer on a real PostgreSQL: a throwaway server of our own (ops/pg.py, under /tmp), a database per test.
PG_TESTS := tests/unit/desk tests/unit/web/test_live.py tests/postgres
test-pg: setup setup-postgres
	SERVICEDESK_TEST_PG=1 $(APP_PY) -m pytest -q $(PG_TESTS)

# Several instances on one machine (README, "Betrieb mit mehreren Instanzen"): PostgreSQL (records and Rasa's tracker
# store), Redis (Rasa's lock store), 2 Rasa servers, 2 action servers, 2 web services, nginx in front (deploy/nginx/).
# Debian's postgresql, redis-server and nginx are installed when missing; data and logs under var/cluster/.
setup-cluster:
	@scripts/setup_cluster.sh

run-cluster: build setup-cluster
	@$(APP_PY) -m scripts.cluster start

stop-cluster:
	@$(APP_PY) -m scripts.cluster stop

# The key flows and the kill -9 matrix through nginx on a cluster of its own (free ports, a throwaway PostgreSQL;
# about 2.5 minutes on two cores).
test-cluster: build setup-cluster
	SERVICEDESK_TEST_CLUSTER=1 $(APP_PY) -m pytest -q tests/cluster

# The records database named by SERVICEDESK_DATABASE_URL (SQLite file by default, or postgresql+psycopg://...) to the
# newest schema (Alembic; every process also does it at start). SQL=1 prints the SQL.
migrate: setup
	@$(APP_PY) -m desk.migrate $(if $(SQL),--sql)

# The retention purge now (the web service runs it hourly): `make purge DRY_RUN=1` only counts.
purge: setup
	@$(APP_PY) -m scripts.purge $(if $(DRY_RUN),--dry-run) $(if $(NOW),--now $(NOW))

# docs/datenschutz.md (German) from the records-of-processing register docs/register.yml and the settings.
privacy-doc: setup
	@$(APP_PY) -m scripts.privacy_doc

# Article files <-> database (the source of truth at run time). KB_DIR defaults to knowledge/articles.
kb-import: model
	@$(APP_PY) -m scripts.kb import $(KB_DIR)

kb-export: setup
	@$(APP_PY) -m scripts.kb export $(KB_DIR)

eval-nlu: rasa-model
	$(RASA_PY) -m scripts.eval_nlu

eval-knowledge: index
	$(APP_PY) -m knowledge.evaluate

calibrate: index
	$(APP_PY) -m knowledge.calibrate

# The real chat path (Rasa REST webhook and the web chat API) on the labelled chat set; SPLIT=dev|test|both.
eval-chat: build
	$(APP_PY) -m scripts.eval_chat --split $(or $(SPLIT),both)

# Re-fit the chat's decision (knowledge/decision.yml) on the development half, cross-validated.
fit-decision: build
	$(APP_PY) -m knowledge.decision_fit

bench: build setup-ocr
	$(APP_PY) -m bench.knowledge_bench
	$(APP_PY) -m bench.ocr
	$(APP_PY) -m bench.throughput
	$(APP_PY) -m bench.handoff_latency
	$(APP_PY) -m bench.kb_live
	$(APP_PY) -m bench.incident_burst

clean:
	rm -rf var
