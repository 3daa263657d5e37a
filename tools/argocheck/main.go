// Command argocheck reads the output of `helm template` and prints, for each
// object, how Argo CD's sync engine classifies it: hook or not, the sync
// phases it runs in, its sync wave and, for hooks, its delete policies.
//
// The classification is gitops-engine's own code (the library Argo CD syncs
// with): hook.IsHook, hook.Types, hook.DeletePolicies, syncwaves.Wave and
// ignore.Ignore. Only the phase list is restated here, because the function
// that computes it (syncPhases in pkg/sync) is unexported; it is copied
// below line for line.
//
// Usage:
//
//	helm template glance chart | argocheck
//	argocheck render.yaml
//
// Output: one JSON object per rendered object, in input order, e.g.
//
//	{"index":3,"apiVersion":"batch/v1","kind":"Job","name":"glance-db-sync",
//	 "namespace":"openstack","hook":true,"ignored":false,"phases":["PreSync"],
//	 "wave":-5,"deletePolicies":["BeforeHookCreation"]}
//
// "ignored" is true for a hook Argo CD cannot map to a phase (e.g. a
// `helm.sh/hook: test` pod); Argo CD neither applies nor runs it.
//
// Exit status: 0 on success, 1 when the input cannot be read or parsed,
// 2 on bad arguments.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/argoproj/gitops-engine/pkg/sync/common"
	"github.com/argoproj/gitops-engine/pkg/sync/hook"
	"github.com/argoproj/gitops-engine/pkg/sync/ignore"
	"github.com/argoproj/gitops-engine/pkg/sync/syncwaves"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Result is how Argo CD classifies one object.
type Result struct {
	Index          int      `json:"index"`
	APIVersion     string   `json:"apiVersion"`
	Kind           string   `json:"kind"`
	Name           string   `json:"name"`
	Namespace      string   `json:"namespace,omitempty"`
	Hook           bool     `json:"hook"`
	Ignored        bool     `json:"ignored"`
	HookTypes      []string `json:"hookTypes"`
	Phases         []string `json:"phases"`
	Wave           int      `json:"wave"`
	DeletePolicies []string `json:"deletePolicies"`
}

// syncPhases is gitops-engine's pkg/sync.syncPhases (v0.7.3), which is not
// exported: the phases in which Argo CD applies or runs an object.
func syncPhases(obj *unstructured.Unstructured) []common.SyncPhase {
	if hook.Skip(obj) {
		return nil
	} else if hook.IsHook(obj) {
		phasesMap := make(map[common.SyncPhase]bool)
		for _, hookType := range hook.Types(obj) {
			switch hookType {
			case common.HookTypePreSync, common.HookTypeSync, common.HookTypePostSync, common.HookTypeSyncFail:
				phasesMap[common.SyncPhase(hookType)] = true
			}
		}
		var phases []common.SyncPhase
		for phase := range phasesMap {
			phases = append(phases, phase)
		}
		return phases
	}
	return []common.SyncPhase{common.SyncPhaseSync}
}

// classify returns the classification of one object. Lists are sorted: the
// library builds them from maps, so their order would change between runs.
func classify(index int, obj *unstructured.Unstructured) Result {
	r := Result{
		Index:          index,
		APIVersion:     obj.GetAPIVersion(),
		Kind:           obj.GetKind(),
		Name:           obj.GetName(),
		Namespace:      obj.GetNamespace(),
		Hook:           hook.IsHook(obj),
		Ignored:        ignore.Ignore(obj),
		Wave:           syncwaves.Wave(obj),
		HookTypes:      []string{},
		Phases:         []string{},
		DeletePolicies: []string{},
	}
	for _, t := range hook.Types(obj) {
		r.HookTypes = append(r.HookTypes, string(t))
	}
	for _, p := range syncPhases(obj) {
		r.Phases = append(r.Phases, string(p))
	}
	if r.Hook {
		for _, p := range hook.DeletePolicies(obj) {
			r.DeletePolicies = append(r.DeletePolicies, string(p))
		}
	}
	sort.Strings(r.HookTypes)
	sort.Strings(r.Phases)
	sort.Strings(r.DeletePolicies)
	return r
}

// decode splits a multi-document YAML stream into objects, dropping empty
// documents (helm template writes one for a template that renders nothing).
func decode(in io.Reader) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bufio.NewReader(in), 4096)
	var objs []*unstructured.Unstructured
	for {
		var raw map[string]interface{}
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", len(objs)+1, err)
		}
		if len(raw) == 0 {
			continue
		}
		obj := &unstructured.Unstructured{Object: raw}
		if obj.GetKind() == "" || obj.GetAPIVersion() == "" {
			return nil, fmt.Errorf("document %d: no kind or apiVersion", len(objs)+1)
		}
		objs = append(objs, obj)
	}
}

func run(args []string, stdin io.Reader, stdout io.Writer) (int, error) {
	in := stdin
	switch {
	case len(args) > 1:
		return 2, errors.New("usage: argocheck [FILE|-]")
	case len(args) == 1 && args[0] != "-":
		f, err := os.Open(args[0])
		if err != nil {
			return 1, err
		}
		defer f.Close()
		in = f
	}
	objs, err := decode(in)
	if err != nil {
		return 1, err
	}
	out := bufio.NewWriter(stdout)
	enc := json.NewEncoder(out)
	for i, obj := range objs {
		if err := enc.Encode(classify(i, obj)); err != nil {
			return 1, err
		}
	}
	return 0, out.Flush()
}

func main() {
	code, err := run(os.Args[1:], os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}
