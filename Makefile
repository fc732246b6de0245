# Sakura Alumni — the commands of the README's Quick start.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000
export ALUMNI_ENV ?= development

.PHONY: run test lint typecheck install translations compile-translations bench clean load

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,run]'
	touch $@

install: $(VENV)/.installed compile-translations

# Mozilla's ical.js, an independent parser the calendar tests read our feeds with (needs node), and
# the Nu HTML checker (vnu-jar, run with Java) the page tests check our HTML with.
tests/js/node_modules/.installed: tests/js/package.json
	@if command -v npm >/dev/null; then \
	  npm install --prefix tests/js --no-audit --no-fund --silent --no-package-lock && touch $@; \
	else echo "npm not found: the ical.js and Nu HTML checks will be skipped"; fi

# Compiled catalogues (.mo) are build products: made here, never committed.
compile-translations: $(VENV)/.installed
	@if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
	  $(VENV)/bin/pybabel compile -d translations >/dev/null; fi

# The web server, the mail worker and the scheduler (Procfile) under honcho: Ctrl-C stops all three.
# Links in mail, calendar URLs and ticket QR codes follow HOST and PORT unless BASE_URL is set; it is
# fixed here, before honcho gives each process a PORT of its own.
run: export HOST := $(HOST)
run: export PORT := $(PORT)
run: install
	$(FLASK) db upgrade
	$(FLASK) demo load
	@$(FLASK) demo logins
	@BASE_URL=$$($(PY) -c 'from alumni.config import _base_url; print(_base_url())'); \
	  echo "serving $$BASE_URL (mail without MAIL_SERVER goes to instance/mail/)"; \
	  BASE_URL=$$BASE_URL PYTHONUNBUFFERED=1 PATH="$(CURDIR)/$(VENV)/bin:$$PATH" \
	  exec $(VENV)/bin/honcho start --port $(PORT)

# The suite runs on SQLite, then — where TEST_DATABASE_URL names a PostgreSQL database — again on it.
# ruff (rules in pyproject.toml) over the code, tests and benchmarks.
lint: install
	$(VENV)/bin/ruff check alumni tests bench wsgi.py migrations/env.py

# mypy over the service layer and the models (settings in pyproject.toml).
typecheck: install
	$(VENV)/bin/mypy

test: install lint typecheck tests/js/node_modules/.installed
	env -u TEST_DATABASE_URL ALUMNI_ENV=testing $(PY) -m pytest $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== the same suite on PostgreSQL ($$TEST_DATABASE_URL) =="; \
	  ALUMNI_ENV=testing $(PY) -m pytest $(PYTEST_ARGS); \
	else echo "TEST_DATABASE_URL is not set: the suite ran on SQLite only."; fi

# Extract every marked string (Python, Jinja pages and mail), merge it into each catalogue (making
# missing ones), compile. tests/test_i18n.py fails while anything is untranslated or fuzzy.
LOCALES := ja zh_Hans hi id th vi fr es ar
translations: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -c TRANSLATORS: --sort-by-file \
	  --project "Sakura Alumni" -o translations/messages.pot . >/dev/null
	@for l in $(LOCALES); do \
	  if [ -f translations/$$l/LC_MESSAGES/messages.po ]; then \
	    $(VENV)/bin/pybabel update --no-fuzzy-matching -i translations/messages.pot -d translations -l $$l >/dev/null; \
	  else $(VENV)/bin/pybabel init -i translations/messages.pot -d translations -l $$l >/dev/null; fi; \
	done
	$(VENV)/bin/pybabel compile -d translations --statistics 2>&1 | grep -v "^compiling" || true

bench: install
	$(PY) -m bench.run

# 200 simulated users for 60 s against gunicorn on 127.0.0.1 and PostgreSQL (LOAD_DATABASE_URL;
# its schema is dropped and rebuilt), while `flask mail deliver` drains the outbox; checks the
# invariants and prints latency and throughput (bench/load.py).
load: install
	$(PY) -m bench.load

clean:
	rm -rf $(VENV) instance .pytest_cache
