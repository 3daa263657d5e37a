//go:build tools

// Package registry pins the OCI registry the packaging tests push the chart
// to (see build.sh): the CNCF distribution registry. Nothing here is
// compiled; the blank import only makes `go mod tidy` keep the pin.
package registry

import (
	_ "github.com/distribution/distribution/v3/cmd/registry"
)
