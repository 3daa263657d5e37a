package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

const manifest = `---
# Source: glance/templates/glance-serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: glance
---
apiVersion: batch/v1
kind: Job
metadata:
  name: db-sync
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-5"
    helm.sh/hook-delete-policy: hook-succeeded,before-hook-creation
---
apiVersion: batch/v1
kind: Job
metadata:
  name: register
  annotations:
    helm.sh/hook: post-install,post-upgrade
---
apiVersion: v1
kind: Pod
metadata:
  name: test
  annotations:
    helm.sh/hook: test
---
# an empty document, as helm template writes for a template that renders nothing
`

func classifyAll(t *testing.T, in string) []Result {
	t.Helper()
	var out bytes.Buffer
	code, err := run(nil, strings.NewReader(in), &out)
	if code != 0 || err != nil {
		t.Fatalf("run: code %d, err %v", code, err)
	}
	var results []Result
	dec := json.NewDecoder(&out)
	for dec.More() {
		var r Result
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		results = append(results, r)
	}
	return results
}

func TestClassify(t *testing.T) {
	got := classifyAll(t, manifest)
	if len(got) != 4 {
		t.Fatalf("want 4 objects, got %d: %+v", len(got), got)
	}
	sa, dbSync, register, test := got[0], got[1], got[2], got[3]
	if sa.Hook || sa.Ignored || strings.Join(sa.Phases, ",") != "Sync" || sa.Wave != 0 {
		t.Errorf("ServiceAccount: %+v", sa)
	}
	if !dbSync.Hook || strings.Join(dbSync.Phases, ",") != "PreSync" || dbSync.Wave != -5 ||
		strings.Join(dbSync.DeletePolicies, ",") != "BeforeHookCreation,HookSucceeded" {
		t.Errorf("db sync Job: %+v", dbSync)
	}
	// No delete policy: Argo CD's default, BeforeHookCreation.
	if !register.Hook || strings.Join(register.Phases, ",") != "PostSync" ||
		strings.Join(register.DeletePolicies, ",") != "BeforeHookCreation" {
		t.Errorf("registration Job: %+v", register)
	}
	if !test.Hook || !test.Ignored || len(test.Phases) != 0 {
		t.Errorf("test Pod: %+v", test)
	}
}

func TestBadInput(t *testing.T) {
	var out bytes.Buffer
	if code, err := run(nil, strings.NewReader("apiVersion: v1\nmetadata: {name: x}\n"), &out); code != 1 || err == nil {
		t.Errorf("object without kind: code %d, err %v", code, err)
	}
	if code, err := run([]string{"a", "b"}, strings.NewReader(""), &out); code != 2 || err == nil {
		t.Errorf("two arguments: code %d, err %v", code, err)
	}
	if code, err := run([]string{"/nonexistent"}, strings.NewReader(""), &out); code != 1 || err == nil {
		t.Errorf("missing file: code %d, err %v", code, err)
	}
}
