# Atrophy Assistant: every entry point. `make run` to chat, `make test` to run every test.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
MODEL := models/atrophy.tar.gz
SPACY_PIPELINE := build/spacy/en_atrophy/meta.json
ENCODER := build/encoder/all-MiniLM-L6-v2/vocab.txt
STROKE_CLASSIFIER := build/red_flags/classifier.joblib
STROKE_CORPUS := $(wildcard data/red_flags/corpus/*.yml) tests/data/red_flag_messages.yml $(wildcard data/nlu*.yml) \
	$(wildcard data/questions/corpus/*.yml)
TOPIC_CLASSIFIER := build/questions/topic_classifier.joblib
QUESTION_CORPUS := $(wildcard data/questions/corpus/*.yml) $(wildcard data/nlu*.yml) data/questions/topics.yml

export RASA_TELEMETRY_ENABLED := false
export RASA_CACHE_DIRECTORY ?= $(HOME)/.cache/atrophy-assistant/rasa
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

TRAINING_INPUTS := config.yml domain.yml $(wildcard data/*.yml) \
	addons/red_flag_classifier.py addons/stroke_conversation_policy.py addons/question_topic_classifier.py \
	addons/compiled_lm_featurizer.py addons/input_limit.py \
	$(SPACY_PIPELINE) $(ENCODER)

.PHONY: help install build train run shell validate test test-rasa test-pytest lock clean web chromium test-nlu lint
.PHONY: audit bench bench-figures profile replicas retention eval-red-flags red-flag-figures content-check content-list question-figures

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: $(VENV)/.installed  ## create .venv and sync it from the lock (seconds when nothing changed)

# The project itself is installed editable after the sync (which removes what the lock does not list): every
# process imports atrophy, addons, actions and scripts through it, from wherever it starts.
$(VENV)/.installed: requirements/requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv && $(BIN)/uv --version | grep -q ' $(UV_VERSION)' || $(BIN)/python -m pip install -q uv==$(UV_VERSION)
	$(BIN)/uv pip sync --python $(BIN)/python requirements/requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --no-deps --no-build-isolation -e .
	touch $@

lock:  ## recompile the lock file from requirements.in and the overrides
	$(BIN)/uv pip compile --python-version 3.11.7 --overrides requirements/overrides.txt \
		requirements/requirements.in -o requirements/requirements.lock

build: install $(SPACY_PIPELINE) $(STROKE_CLASSIFIER) $(TOPIC_CLASSIFIER)  ## build the spaCy pipeline, the sentence encoder, the stroke and question-topic classifiers, load the knowledge base (only what changed)
	$(BIN)/python -m atrophy.loader --if-needed

$(SPACY_PIPELINE): scripts/build_spacy.py data/red_flags/lexicon.yml | $(VENV)/.installed
	$(BIN)/python scripts/build_spacy.py build/spacy/en_atrophy

$(ENCODER): scripts/build_encoder.py | $(VENV)/.installed
	$(BIN)/python scripts/build_encoder.py build/encoder/all-MiniLM-L6-v2

$(STROKE_CLASSIFIER): $(ENCODER) $(SPACY_PIPELINE) $(STROKE_CORPUS) scripts/train_red_flags.py \
		atrophy/red_flags/classifier.py atrophy/red_flags/normalise.py atrophy/red_flags/encoder.py atrophy/saved_model.py \
		atrophy/red_flags/rules.py atrophy/red_flags/lexicon.py data/red_flags/lexicon.yml data/red_flags/shorthand.yml
	$(BIN)/python scripts/build_cache.py $@ $^ requirements/requirements.lock -- $(BIN)/python scripts/train_red_flags.py

$(TOPIC_CLASSIFIER): $(ENCODER) $(QUESTION_CORPUS) scripts/train_questions.py atrophy/questions/classifier.py atrophy/saved_model.py \
		atrophy/questions/catalogue.py atrophy/red_flags/normalise.py atrophy/red_flags/encoder.py \
		data/knowledge/atrophy.yml data/red_flags/shorthand.yml
	$(BIN)/python scripts/build_cache.py $@ $^ requirements/requirements.lock -- $(BIN)/python scripts/train_questions.py

train: build $(MODEL)  ## train the model when its inputs changed

$(MODEL): $(TRAINING_INPUTS) | $(VENV)/.installed
	$(BIN)/rasa train --fixed-model-name atrophy --out models

run: build train web  ## start the action server, the Rasa server (REST on :5005) and the web chat page (:8080); Ctrl-C stops all
	scripts/run.sh server

shell: build train  ## chat in the terminal (rasa shell) with the action server running
	scripts/run.sh shell

validate: build  ## check the training data and domain for conflicts
	$(BIN)/rasa data validate --fail-on-warnings

test-rasa: validate train
	$(BIN)/rasa test core --stories tests/stories --model $(MODEL) --fail-on-prediction-errors --out results/core

test-pytest: build train web chromium
	$(BIN)/python -m pytest

test-nlu: build  ## 5-fold NLU cross-validation into results/nlu, failing below intent F1 0.95 / entity F1 0.90
	$(BIN)/rasa test nlu --nlu data --config config.yml --cross-validation --folds 5 --out results/nlu
	$(BIN)/python scripts/check_nlu_report.py results/nlu

eval-red-flags: build  ## the stroke red-flag decision on the frozen test splits, per category; fails below the bars
	$(BIN)/python scripts/evaluate_red_flags.py --check --json results/red_flags.json

red-flag-figures: build  ## write the frozen-split figures of the red-flag decision into the README
	$(BIN)/python scripts/evaluate_red_flags.py --readme --json results/red_flags.json

content-check: install  ## fail when a knowledge entry is past its review date; list those due within 90 days
	$(BIN)/python scripts/content_check.py

question-figures: build train web  ## the frozen question split through the running bot over REST, per topic, into the README
	$(BIN)/python scripts/evaluate_questions.py --readme --json results/questions.json

# The NLU cross-validation (`make test-nlu`, about 11 minutes) is not part of `make test`: it measures DIET on its own
# examples; the frozen question split through the running bot (tests/e2e/test_questions_frozen_end_to_end.py) is the
# figure that says how questions in other people's words are answered.
test: lint content-list eval-red-flags test-rasa test-pytest  ## every test: lint, content review dates listed, the red-flag frozen split, data validation, rasa test (stories) and pytest (incl. the frozen question split over REST)

lint: install  ## ruff: pyflakes, pycodestyle, import order and the formatter's layout (120 columns, pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

content-list: install
	$(BIN)/python scripts/content_check.py --list-only

PIP_AUDIT := pip-audit==2.7.3
audit: install web  ## known vulnerabilities of the locked Python packages (pip-audit) and the widget (npm audit); not a CI gate
	$(BIN)/uv tool run --from $(PIP_AUDIT) pip-audit -r requirements/requirements.lock --no-deps --disable-pip \
		--progress-spinner off; py=$$?; npm audit --omit=dev; js=$$?; exit $$((py || js))

web: node_modules/.installed  ## install the web chat widget from package-lock.json (npm ci; no-op when current)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

chromium:  ## install Debian's chromium for the browser tests (no-op when /usr/bin/chromium exists)
	@test -x /usr/bin/chromium || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --no-install-recommends chromium; }

bench: build train  ## benchmark against a stock `rasa init` bot (latency, throughput, memory, cold start, training) into results/bench.json and the README
	$(BIN)/python scripts/bench.py --readme

profile: build train  ## py-spy on the Rasa server under the bench's 20-conversation load: seconds per part of a message's path
	$(BIN)/python scripts/profile_server.py

bench-figures: install  ## the README's benchmark table from results/bench.json
	$(BIN)/python scripts/bench.py --readme-only

REPLICAS ?= 2
replicas: build train  ## run REPLICAS (2) Rasa servers + action servers on PostgreSQL and Redis (deploy/README.md)
	$(BIN)/python scripts/replicas.py --replicas $(REPLICAS)

DAYS ?= 30
retention: install  ## delete conversations older than DAYS (30) days from the tracker store
	$(BIN)/python -m addons.retention --days $(DAYS)

clean:  ## remove the venv, the build and trained models
	rm -rf $(VENV) build models results
