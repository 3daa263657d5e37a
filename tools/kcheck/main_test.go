package main

import (
	"bytes"
	stdjson "encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"
)

// pod is a Pod that passes validation and the restricted profile; %s is
// inserted into its spec.
const podYAML = `
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: openstack}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: c
    image: example/c:1
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
      %s
  %s
`

func check(t *testing.T, manifest string) []Result {
	t.Helper()
	checker, err := NewChecker("openstack", "restricted")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := CheckStream(checker, strings.NewReader(manifest), &out); err != nil {
		t.Fatal(err)
	}
	var results []Result
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r Result
		if err := stdjson.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		results = append(results, r)
	}
	return results
}

func podWith(container, spec string) string {
	return strings.Replace(strings.Replace(podYAML, "%s", container, 1), "%s", spec, 1)
}

func TestValidPodPasses(t *testing.T) {
	r := check(t, podWith("", ""))
	if len(r) != 1 || len(r[0].Errors)+len(r[0].Forbidden)+len(r[0].Warnings) != 0 || r[0].Kind != "Pod" || r[0].Name != "p" {
		t.Fatalf("want one clean Pod p, got %+v", r)
	}
}

func TestRefusals(t *testing.T) {
	cases := map[string]struct {
		manifest  string
		errors    []string
		forbidden []string
	}{
		"secret volume without secretName": {
			manifest: podWith("", "volumes: [{name: s, secret: {}}]"),
			errors:   []string{"spec.volumes[0].secret.secretName: Required value"},
		},
		"request above limit": {
			manifest: strings.Replace(podWith("", ""), "image: example/c:1", "image: example/c:1\n    resources: {requests: {cpu: 2}, limits: {cpu: 1}}", 1),
			errors:   []string{`spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1`},
		},
		"toleration without key, operator Equal": {
			manifest: podWith("", "tolerations: [{effect: NoSchedule, operator: Equal}]"),
			errors:   []string{`spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when ` + "`key`" + ` is empty, which means "match all values and all keys"`},
		},
		"toleration without key or operator": {
			manifest: podWith("", "tolerations: [{effect: NoSchedule}]"),
			errors:   []string{`spec.tolerations[0].operator: Invalid value: "": operator must be Exists when ` + "`key`" + ` is empty, which means "match all values and all keys"`},
		},
		"privileged container": {
			manifest: strings.Replace(podWith("", ""), "allowPrivilegeEscalation: false", "privileged: true", 1),
			errors:   []string{},
			forbidden: []string{
				`allowPrivilegeEscalation [spec.containers[0].securityContext.allowPrivilegeEscalation]: Pod Security "restricted": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false)`,
				`privileged [spec.containers[0].securityContext.privileged]: Pod Security "restricted": privileged (container "c" must not set securityContext.privileged=true)`,
			},
		},
		"annotations over 256 KiB": {
			manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, annotations: {a: " + strings.Repeat("x", 256*1024) + "}}\n",
			errors:   []string{"metadata.annotations: Too long: may not be more than 262144 bytes"},
		},
		"ConfigMap data over 1 MiB": {
			manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: " + strings.Repeat("x", 1024*1024+1) + "}\n",
			errors:   []string{"[]: Too long: may not be more than 1048576 bytes"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := check(t, tc.manifest)[0]
			if tc.forbidden == nil {
				tc.forbidden = []string{}
			}
			if !equal(lines(r.Errors), tc.errors) || !equal(lines(r.Forbidden), tc.forbidden) {
				t.Fatalf("errors %q, forbidden %q; want %q, %q", r.Errors, r.Forbidden, tc.errors, tc.forbidden)
			}
		})
	}
}

func TestStatefulSetVolumeErrorsNameTheTemplatesVolume(t *testing.T) {
	manifest := `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s, namespace: openstack}
spec:
  serviceName: s
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: c
        image: example/c:1
        securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
      volumes:
      - {name: data, emptyDir: {}}
      - {name: good, emptyDir: {}}
      - {name: Bad, emptyDir: {}}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`
	r := check(t, manifest)[0]
	if len(r.Errors) != 1 || r.Errors[0].Field != "spec.template.spec.volumes[2].name" {
		t.Fatalf("got %+v", r.Errors)
	}
}

func TestUnknownKindSkipped(t *testing.T) {
	r := check(t, "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\n")
	if len(r) != 1 || !r[0].Skipped || r[0].Kind != "HTTPRoute" {
		t.Fatalf("want HTTPRoute skipped, got %+v", r)
	}
}

func TestUnknownFieldWarns(t *testing.T) {
	r := check(t, podWith("", "bogus: 1"))[0]
	if len(r.Warnings) != 1 || r.Warnings[0].Field != "spec.bogus" || r.Warnings[0].Message != `unknown field "spec.bogus"` || len(r.Errors) != 0 {
		t.Fatalf("got %+v", r)
	}
}

func TestChartDefaultRenderPasses(t *testing.T) {
	root, _ := filepath.Abs("../..")
	cmd := exec.Command(filepath.Join(root, "bin", "helm"), "template", "glance", filepath.Join(root, "chart"), "--namespace", "openstack")
	manifest, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm template (run `make tools`): %v", err)
	}
	results := check(t, string(manifest))
	kinds := map[string]bool{}
	for _, r := range results {
		kinds[r.Kind] = true
		if r.Skipped || len(r.Errors)+len(r.Forbidden)+len(r.Warnings) != 0 {
			t.Errorf("%s/%s: %+v", r.Kind, r.Name, r)
		}
	}
	for _, kind := range []string{"StatefulSet", "Service", "Secret", "CronJob", "Job", "Pod"} {
		if !kinds[kind] {
			t.Errorf("the default render has no %s", kind)
		}
	}
}

func TestBaselineAllowsWhatOnlyRestrictedForbids(t *testing.T) {
	checker, err := NewChecker("openstack", "baseline")
	if err != nil {
		t.Fatal(err)
	}
	manifest := strings.Replace(podWith("", ""), "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true", 1)
	if r := checker.Check(jsonOf(t, manifest)); len(r.Forbidden) != 0 {
		t.Fatalf("baseline forbids %+v", r.Forbidden)
	}
	if _, err := NewChecker("openstack", "strict"); err == nil {
		t.Fatal("an unknown level is accepted")
	}
}

// lines writes findings as "<field>: <message>", or "<check> [<fields>]:
// <message>" for Pod Security findings.
func lines(findings []Finding) []string {
	out := []string{}
	for _, f := range findings {
		if f.Check != "" {
			out = append(out, fmt.Sprintf("%s [%s]: %s", f.Check, strings.Join(f.Fields, " "), f.Message))
		} else {
			out = append(out, f.Field+": "+f.Message)
		}
	}
	return out
}

func jsonOf(t *testing.T, manifest string) []byte {
	t.Helper()
	data, err := sigsyaml.YAMLToJSON([]byte(manifest))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func equal(a, b []string) bool {
	return strings.Join(a, "\n") == strings.Join(b, "\n")
}
