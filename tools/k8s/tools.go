//go:build tools

// Package k8s pins the Kubernetes control plane the tests in tests/kubernetes
// run (see build.sh): etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler, kubectl and KWOK, all built from this one module so they
// share the k8s.io/* versions and the Go build cache. Nothing here is
// compiled; the blank imports only make `go mod tidy` keep the pins.
package k8s

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "sigs.k8s.io/kwok/cmd/kwok"
)
