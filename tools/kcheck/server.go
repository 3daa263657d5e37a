package main

import (
	"context"
	"fmt"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	psaapi "k8s.io/pod-security-admission/api"
)

// ServerChecker asks a cluster: each object goes through a server-side
// apply with dryRun=All (validated, defaulted and admitted, never stored),
// and its pod templates are held to the Pod Security level the namespace
// enforces.
type ServerChecker struct {
	client    dynamic.Interface
	mapper    meta.RESTMapper
	warnings  *warnings
	local     *Checker
	namespace string
}

// warnings collects the warnings the API server sends back for a request.
type warnings struct {
	mu   sync.Mutex
	seen []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, message string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen = append(w.seen, message)
}

func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.seen
	w.seen = nil
	return out
}

// NewServerChecker connects to the cluster of a kubeconfig file and reads the
// Pod Security level the namespace enforces (privileged when unlabelled).
func NewServerChecker(kubeconfig, namespace string) (*ServerChecker, error) {
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	w := &warnings{}
	config.WarningHandler = w
	client, err := dynamic.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	disco, err := discovery.NewDiscoveryClientForConfig(config)
	if err != nil {
		return nil, err
	}
	level, err := enforcedLevel(context.Background(), client, namespace)
	if err != nil {
		return nil, err
	}
	local, err := NewChecker(namespace, level)
	if err != nil {
		return nil, err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disco))
	return &ServerChecker{client: client, mapper: mapper, warnings: w, local: local, namespace: namespace}, nil
}

// enforcedLevel is the Pod Security level a namespace enforces.
func enforcedLevel(ctx context.Context, client dynamic.Interface, namespace string) (psaapi.Level, error) {
	gvr := schemaGVR("", "v1", "namespaces")
	ns, err := client.Resource(gvr).Get(ctx, namespace, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "", fmt.Errorf("namespace %q does not exist in the cluster: create it first", namespace)
	}
	if err != nil {
		return "", err
	}
	if level := ns.GetLabels()[psaapi.EnforceLevelLabel]; level != "" {
		return psaapi.Level(level), nil
	}
	return psaapi.LevelPrivileged, nil
}

// Check applies one object with a server-side dry run.
func (s *ServerChecker) Check(doc []byte) Result {
	res := Result{Errors: []Finding{}, Forbidden: []Finding{}, Warnings: []Finding{}}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(doc); err != nil {
		res.Errors = append(res.Errors, Finding{Message: "not an object: " + err.Error()})
		return res
	}
	res.Kind, res.Name = obj.GetKind(), obj.GetName()
	gvk := obj.GroupVersionKind()
	mapping, err := s.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		res.Errors = append(res.Errors, Finding{Message: fmt.Sprintf("the cluster serves no %s: install the API (its CRD) first", gvk.GroupVersion().WithKind(gvk.Kind))})
		return res
	}
	// Pod Security of workloads is only a warning at admission; hold their
	// templates to the namespace's level here, as the pods will be.
	local := s.local.Check(doc)
	res.Forbidden = local.Forbidden
	namespace := obj.GetNamespace()
	if namespace == "" {
		namespace = s.namespace
	}
	var resource dynamic.ResourceInterface = s.client.Resource(mapping.Resource)
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		resource = s.client.Resource(mapping.Resource).Namespace(namespace)
	}
	s.warnings.take()
	_, err = resource.Patch(context.Background(), obj.GetName(), types.ApplyPatchType, doc, metav1.PatchOptions{
		DryRun:          []string{metav1.DryRunAll},
		Force:           boolPtr(true),
		FieldManager:    "kcheck",
		FieldValidation: "Strict",
	})
	// Pod Security admission's warnings (workloads) and refusals (pods) say again what the
	// local evaluation of the namespace's level found, with the fields it reads.
	for _, w := range s.warnings.take() {
		if !strings.Contains(w, "PodSecurity") {
			res.Warnings = append(res.Warnings, Finding{Message: w})
		}
	}
	if err != nil {
		for _, f := range refusal(err) {
			if !strings.Contains(f.Message, "violates PodSecurity") {
				res.Errors = append(res.Errors, f)
			}
		}
	}
	return res
}

// refusal turns an API server's error into findings, one per cause.
func refusal(err error) []Finding {
	status, ok := err.(apierrors.APIStatus)
	if !ok {
		return []Finding{{Message: err.Error()}}
	}
	details := status.Status().Details
	if details == nil || len(details.Causes) == 0 {
		return []Finding{{Message: status.Status().Message}}
	}
	out := []Finding{}
	for _, c := range details.Causes {
		out = append(out, Finding{Field: c.Field, Message: c.Message})
	}
	return out
}

func boolPtr(b bool) *bool { return &b }

var _ rest.WarningHandler = &warnings{}

func schemaGVR(group, version, resource string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: group, Version: version, Resource: resource}
}
