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

.PHONY: chart tools venv py39 glance26 helm-tools argocheck kcheck kube-score registry fuzz go-test package publish services e2e e2e-deps generate diagrams lint lint-platform preview test check-generated \
	unit lane-e2e lane-hooks unittest lint-python lint-examples bench golden fast help clean k8s-tools k8s

## chart: install what is missing, generate chart/, lint it, draw README's diagrams of a
## release, render the default preview
chart: tools generate lint diagrams preview

## tools: pinned helm 4, helm 3, helm-unittest, argocheck, kube-score and the OCI registry in
## bin/, the Python venv, and the Python 3.9 venv with what the hook images carry (openstacksdk
## 1.0, PyMySQL 1.0, oslo.config 9.1)
tools: helm-tools argocheck kcheck kube-score registry k8s-tools venv py39

helm-tools:
	@tools/build.sh

# Argo CD's own hook classification (gitops-engine), run on rendered objects by the tests.
argocheck:
	@tools/argocheck/build.sh

# The API server's own create validation and the restricted Pod Security Standard
# (k8s.io/kubernetes, k8s.io/pod-security-admission), run on rendered objects by tests/fuzz.
kcheck:
	@tools/kcheck/build.sh

# kube-score, the linter platform teams run on charts, pinned in tools/kube-score: the tests score
# every render with it (tests/chart/test_linters.py, `make lint-platform`).
kube-score:
	@tools/kube-score/build.sh

# The CNCF distribution registry, pinned in tools/registry: tests/kubernetes/test_publish.py
# starts it on 127.0.0.1, pushes the signed chart to it and installs from it.
registry:
	@tools/registry/build.sh

# The Kubernetes control plane of tests/kubernetes (etcd, kube-apiserver, controller-manager,
# scheduler, kubectl, KWOK) and Argo CD's sync engine; about 10 minutes cold on 2 cores.
k8s-tools:
	@tools/k8s/build.sh

venv: $(VENV)/.installed

# Reinstalled only when the project's dependencies change.
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

py39: venv
	@$(PY) -m tests.services.py39 >/dev/null

## glance26: the previous release, Glance 26 (2023.1) on Python 3.9, in .venv-glance26, pinned by
## tests/services/glance26-requirements.txt (rebuilt when that file changes; about 2 minutes cold)
glance26: venv
	@$(PY) -m tests.services.glance26 >/dev/null

## services: Debian packages the tests run for real (MariaDB, memcached, Apache httpd, a Ceph
## cluster with its Python bindings and qemu-img for the image conversion plugin)
DEBIAN_PACKAGES := mariadb-server memcached apache2 apache2-dev libapache2-mod-wsgi-py3 gnupg
# Without recommends: the tests start a mon, a mgr and an OSD, nothing Ceph recommends.
CEPH_PACKAGES := ceph-mon ceph-osd ceph-mgr ceph-common python3-rados python3-rbd qemu-utils
services:
	@missing() { for p in "$$@"; do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done; }; \
	base=$$(missing $(DEBIAN_PACKAGES)); ceph=$$(missing $(CEPH_PACKAGES)); \
	if [ -n "$$base$$ceph" ]; then \
		echo "installing" $$base $$ceph; apt-get update -qq; \
		export DEBIAN_FRONTEND=noninteractive; \
		if [ -n "$$base" ]; then apt-get install -y -qq $$base >/dev/null; fi; \
		if [ -n "$$ceph" ]; then \
			apt-get install -y -qq --no-install-recommends $$ceph >/dev/null; fi; fi

generate: venv
	@$(CHARTGEN) build

# README's diagrams of the objects of a release, drawn from renders of the generated chart.
diagrams: venv helm-tools generate
	@$(CHARTGEN) diagrams

lint: helm-tools
	@$(HELM) lint --strict chart
	@$(HELM3) lint --strict chart

## lint-platform: the linters platform teams run on charts: kube-score on the default render and
## every example (the checks it may fail are in lint/kube-score-ignored.yaml, each with its
## reason), chart-testing's Chart.yaml schema and yamllint rules (lint/chart-testing), and the
## examples' schema line; `make test` runs them too
lint-platform: venv helm-tools kube-score
	@$(PY) -m pytest -q -p no:cacheprovider tests/chart/test_linters.py

preview: helm-tools
	@mkdir -p build
	@$(HELM) template glance chart --namespace openstack > build/preview.yaml
	@echo "default render: build/preview.yaml ($$(grep -c '^kind:' build/preview.yaml) objects)"

## test: everything CI runs
test: tools services check-generated lint-python go-test unit

check-generated: venv helm-tools
	@$(CHARTGEN) build --check
	@$(CHARTGEN) diagrams --check

lint-python: venv
	@$(VENV)/bin/ruff check chartgen hooks pod tests benchmarks tools
	@$(VENV)/bin/ruff format --check chartgen hooks pod tests benchmarks tools

# The Go programs the suites start (helm, kcheck, argocheck, helm-unittest) each live a fraction
# of a second, much of it collecting garbage: a fourfold heap target (GOGC=400) spares a sixth
# (helm3, kcheck) to a third (helm-unittest) of their CPU for ~20 MB more each (helm peaks at
# 77 MB), and changes nothing they print. Set on the suites' commands alone: the Go builds and
# tests/kubernetes' control plane keep Go's default.
SUITE_GO := GOGC=400

# The suites in two lanes at once, one per core, each printing its output when it ends (make's
# --output-sync); then the real-cluster suite alone, as a busy machine would stretch the
# timeouts it waits on. The lanes take about the same time: the chart's Argo CD and packaging
# checks and the renders of every values file run in lane-hooks to even them.
LANE_E2E := tests/e2e $(addprefix tests/chart/,test_rendered.py test_glanceconf.py \
	test_httpd.py)
unit: venv helm-tools argocheck kcheck kube-score registry k8s-tools services e2e-deps
	@$(MAKE) --no-print-directory -j2 --output-sync=target lane-e2e lane-hooks
	@$(PY) -m pytest -q $(K8S_PROCESSES) tests/kubernetes

# tests/kubernetes waits more than it works: its cases run side by side, in this many
# processes, on one control plane (each test has its own release and namespace).
K8S_PROCESSES := -n 6

## lane-e2e: the helm-unittest suites, then the end-to-end run, the rendered test cases and
## the Glance option checker
lane-e2e: unittest venv argocheck kcheck services e2e-deps
	@$(SUITE_GO) $(PY) -m pytest -q $(LANE_E2E)

## lane-hooks: every other suite but tests/kubernetes: the hooks, the fuzz runs, the generator,
## the pod programs, the golden render, the Argo CD and packaging checks, the renders of every
## values file (a new suite lands here)
lane-hooks: venv helm-tools argocheck py39 kcheck kube-score services glance26
	@$(SUITE_GO) $(PY) -m pytest -q tests $(addprefix --ignore=,$(LANE_E2E) tests/kubernetes)

# helm-unittest renders with the Helm engine it is built with, whichever helm starts it, so
# one run covers the suites; both Helm versions render every values file in pytest.
unittest: helm-tools
	@$(SUITE_GO) $(HELM) unittest chart

go-test:
	@cd tools/argocheck && go test ./...
	@cd tools/kcheck && go test ./...

## fuzz: thousands of generated and mutated values files through both Helms and kcheck
## (FUZZ_EXAMPLES generated documents, FUZZ_MUTATIONS mutations, FUZZ_SEED; default 2000 each)
fuzz: helm-tools kcheck venv
	@$(SUITE_GO) FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-2000} FUZZ_MUTATIONS=$${FUZZ_MUTATIONS:-2000} \
		$(PY) -m pytest -q -p no:cacheprovider tests/fuzz

## package: dist/glance-<version>.tgz and dist/index.yaml, the same bytes under Helm 4 and
## Helm 3 (HELM=bin/helm3); CHART_URL= where dist/ is served; SIGN_KEY= a GnuPG key to sign
## with, and SIGN_KEY_URL= where its public key is (writes the .prov file)
package: helm-tools lint
	@tools/package.sh $(CHART_URL)

## publish: package, then push the chart and its signature to REGISTRY=oci://HOST/PATH
## (PUSH_FLAGS=--plain-http for a registry without TLS)
publish: package
	@tools/publish.sh $(REGISTRY) $(PUSH_FLAGS)

# mod_wsgi built against the venv's Python (it needs apxs from apache2-dev), so httpd serves
# the venv's Glance in the end-to-end tests; Debian's rados and rbd bindings linked into the
# venv (the same Python ABI; checked), so that Glance stores into the tests' Ceph clusters; and
# Glance 26, the release they upgrade from.
e2e-deps: $(VENV)/.mod_wsgi $(VENV)/.ceph glance26
$(VENV)/.mod_wsgi: $(VENV)/.installed | services
	@$(PY) -m pip install --quiet mod_wsgi
	@touch $@
$(VENV)/.ceph: $(VENV)/.installed | services
	@$(PY) -m tests.services.ceph
	@touch $@

## e2e: the rendered chart run for real (hook Jobs, API pods under httpd + mod_wsgi,
## the reference policy scenario, the Ceph and edge scenarios on real Ceph clusters); as root,
## in private mount namespaces
e2e: tools services e2e-deps
	@$(PY) -m pytest -q tests/e2e

## k8s: the chart on a real Kubernetes control plane alone (install, upgrade, rollback,
## uninstall with both Helms, helm test, an Argo CD sync); `make test` includes it
k8s: helm-tools k8s-tools registry venv
	@$(PY) -m pytest -q $(K8S_PROCESSES) tests/kubernetes

## bench: print the chart's, the hooks' and the API's serving figures, the last two (file
## store, then Ceph beside its own rbd tool) as root
bench: tools services e2e-deps
	@$(PY) benchmarks/bench_chart.py
	@$(PY) benchmarks/bench_hooks.py
	@$(PY) benchmarks/bench_serving.py
	@$(PY) benchmarks/bench_ceph.py

## fast: the suites that need neither root nor services: generator, renders under both Helms,
## pod programs, golden renders, helm-unittest (about a minute and a half warm: two processes,
## which share their renders)
fast: venv helm-tools argocheck kcheck kube-score
	@$(SUITE_GO) $(PY) -m pytest -q -n 2 tests/chartgen tests/chart tests/pod tests/test_golden.py \
		tests/test_self_contained.py --deselect tests/chart/test_httpd.py
	@$(SUITE_GO) $(HELM) unittest chart

## golden: rewrite the golden renders of tests/golden (one per example it names) after an
## intended change of the output
golden: helm-tools
	@for case in tests/golden/*/; do \
		name=$$(basename $$case); \
		$(HELM) template glance chart --namespace openstack -f examples/$$name.yaml > $$case/manifest.yaml; \
		echo "wrote $${case}manifest.yaml"; done

## help: list the targets and what they do
help:
	@awk '/^## [a-z0-9-]+:/ { sub(/^## /, ""); print; next } /^## / { sub(/^## /, "    "); print }' $(MAKEFILE_LIST)

clean:
	rm -rf build dist .pytest_cache .ruff_cache
