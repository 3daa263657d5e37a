//go:build tools

// Package tools pins the command-line tools this repository builds into bin/
// (see build.sh). Nothing here is compiled into anything; the blank imports
// only make `go mod tidy` keep the pinned versions in go.mod.
package tools

import (
	_ "github.com/helm-unittest/helm-unittest/cmd/helm-unittest"
	_ "helm.sh/helm/v3/cmd/helm"
	_ "helm.sh/helm/v4/cmd/helm"
)
