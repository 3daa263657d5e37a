//go:build tools

// Package kubescore pins kube-score, the linter run on the chart's renders (see
// build.sh). Nothing here is compiled; the blank import only
// makes `go mod tidy` keep the pin.
package kubescore

import (
	_ "github.com/zegl/kube-score/cmd/kube-score"
)
