# Two commands matter: `make chart` (tools, generate, lint, preview) and `make test`.
# Everything they need is installed on first use and reused afterwards.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := chart

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CHARTGEN := $(VENV)/bin/chartgen
HELM := bin/helm
HELM3 := bin/helm3
# Keep helm's plugins, caches and config inside the repository.
export HELM_PLUGINS := $(CURDIR)/.helm/plugins
export HELM_CACHE_HOME := $(CURDIR)/.helm/cache
export HELM_CONFIG_HOME := $(CURDIR)/.helm/config
export HELM_DATA_HOME := $(CURDIR)/.helm/data

.PHONY: chart tools venv py39 helm-tools argocheck go-test package services e2e e2e-deps generate lint preview test check-generated \
	unit unittest lint-python lint-examples bench clean

## chart: install what is missing, generate chart/, lint it, render the default preview
chart: tools generate lint preview

## tools: pinned helm 4, helm 3, helm-unittest and argocheck in bin/, the Python venv, and
## the Python 3.9 venv with what the hook images carry (openstacksdk 1.0, PyMySQL 1.0)
tools: helm-tools argocheck venv py39

helm-tools:
	@tools/build.sh

# Argo CD's own hook classification (gitops-engine), run on rendered objects by the tests.
argocheck:
	@tools/argocheck/build.sh

venv: $(VENV)/.installed

# Reinstalled only when the project's dependencies change.
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

py39: venv
	@$(PY) -m tests.services.py39 >/dev/null

## services: Debian packages the tests run for real (MariaDB, memcached, Apache httpd)
DEBIAN_PACKAGES := mariadb-server memcached apache2 apache2-dev libapache2-mod-wsgi-py3
services:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing $$missing"; apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

generate: venv
	@$(CHARTGEN) build

lint: helm-tools
	@$(HELM) lint --strict chart
	@$(HELM3) lint --strict chart

preview: helm-tools
	@mkdir -p build
	@$(HELM) template glance chart --namespace openstack > build/preview.yaml
	@echo "default render: build/preview.yaml ($$(grep -c '^kind:' build/preview.yaml) objects)"

## test: everything CI runs
test: tools services check-generated lint-python unit unittest go-test

check-generated: venv
	@$(CHARTGEN) build --check

lint-python: venv
	@$(VENV)/bin/ruff check chartgen hooks tests benchmarks
	@$(VENV)/bin/ruff format --check chartgen hooks tests benchmarks

# Every pytest suite at once, the end-to-end one included, for a single summary.
unit: venv helm-tools argocheck services e2e-deps
	@$(PY) -m pytest -q tests

# helm-unittest renders with the Helm engine it is built with, whichever helm starts it, so
# one run covers the suites; both Helm versions render every values file in pytest.
unittest: helm-tools
	@$(HELM) unittest chart

go-test:
	@cd tools/argocheck && go test ./...

## package: dist/glance-<version>.tgz and dist/index.yaml, reproducibly (CHART_URL= optional)
package: helm-tools lint
	@tools/package.sh $(CHART_URL)

# mod_wsgi built against the venv's Python (it needs apxs from apache2-dev), so httpd serves
# the venv's Glance in the end-to-end tests.
e2e-deps: $(VENV)/.mod_wsgi
$(VENV)/.mod_wsgi: $(VENV)/.installed | services
	@$(PY) -m pip install --quiet mod_wsgi
	@touch $@

## e2e: the rendered chart run for real (hook Jobs, API pods under httpd + mod_wsgi,
## the reference policy scenario); as root, in private mount namespaces
e2e: tools services e2e-deps
	@$(PY) -m pytest -q tests/e2e

## bench: print the chart's and the hooks' figures
bench: tools services
	@$(PY) benchmarks/bench_chart.py
	@$(PY) benchmarks/bench_hooks.py

clean:
	rm -rf build dist .pytest_cache .ruff_cache
