# SIG – make targets.  `make demo` and `make test` are the two README commands;
# both set up whatever is missing first, and running them twice is harmless.

VENV      := .venv
PY        := $(VENV)/bin/python
SIG       := $(VENV)/bin/sig
PYBABEL   := $(VENV)/bin/pybabel
DEB_PKGS  := python3-venv postgresql chromium
STAMP     := $(VENV)/.installed

.PHONY: demo test setup system-packages python-packages translations extract-messages \
        lint benchmark load clean

## demo: set up, create instance keys, migrate, load demo data, serve on http://127.0.0.1:5000
demo: setup
	$(SIG) init-instance --demo
	$(SIG) db upgrade
	$(SIG) demo load
	@echo "SIG is starting on http://127.0.0.1:5000 (Ctrl-C stops it)"
	$(VENV)/bin/gunicorn --bind 127.0.0.1:5000 --workers 2 "sig:create_app()"

## test: set up, then run the whole suite on SQLite and PostgreSQL, browser tests included
test: setup
	$(VENV)/bin/pytest

## setup: Debian packages, the virtualenv with the project and its test extras, translations
setup: system-packages python-packages translations

system-packages:
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

python-packages: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

## translations: compile the message catalogues (Swedish; English is the source text)
translations: python-packages
	$(PYBABEL) compile -d sig/translations

## extract-messages: refresh messages.pot and merge new texts into the Swedish catalogue
extract-messages: python-packages
	$(PYBABEL) extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -k pgettext:1c,2 -k _p:1c,2 --no-location --sort-output \
	  --project SIG -o sig/translations/messages.pot .
	$(PYBABEL) update -i sig/translations/messages.pot -d sig/translations --no-fuzzy-matching --ignore-obsolete

## load: the personas' mixed journeys (Locust, 50 users for 2 minutes) against a fresh demo
## instance served by gunicorn with 2 workers; prints the request statistics
LOAD_DIR  := /tmp/sig-load
LOAD_PORT := 5055
load: setup
	$(PY) -m pip install -q -e ".[load]"
	rm -rf $(LOAD_DIR)
	SIG_INSTANCE_PATH=$(LOAD_DIR) $(SIG) init-instance --demo
	SIG_INSTANCE_PATH=$(LOAD_DIR) $(SIG) db upgrade
	SIG_INSTANCE_PATH=$(LOAD_DIR) $(SIG) demo load > /dev/null
	SIG_INSTANCE_PATH=$(LOAD_DIR) $(VENV)/bin/gunicorn -w 2 -b 127.0.0.1:$(LOAD_PORT) \
	  --pid $(LOAD_DIR)/gunicorn.pid --daemon "sig:create_app()"
	sleep 3; $(VENV)/bin/locust -f benchmarks/locustfile.py --headless -u 50 -r 10 -t 2m \
	  --host http://127.0.0.1:$(LOAD_PORT) --only-summary; status=$$?; \
	  kill $$(cat $(LOAD_DIR)/gunicorn.pid); exit $$status

## benchmark: the statistics dashboard and the case pages on a synthetic municipality of
## 10,000 youths (the case pages are driven by wrk, installed here; on SQLite and then on a
## throwaway PostgreSQL server)
benchmark: setup
	@dpkg -s wrk >/dev/null 2>&1 || { SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends wrk; }
	$(PY) benchmarks/statistics_dashboard.py
	$(PY) benchmarks/case_pages.py
	$(PY) benchmarks/case_pages.py --postgres

## lint: ruff
lint: python-packages
	$(VENV)/bin/ruff check sig auth consent tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
