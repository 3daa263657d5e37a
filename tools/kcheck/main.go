// kcheck: checks rendered objects the way the Kubernetes API server checks a
// create, with its own code (k8s.io/kubernetes v1.37.2): decode with the
// legacy scheme, apply the scheme's defaults, convert to the internal
// version, run the registry strategy of the kind (PrepareForCreate, then the
// kind's create validation, the common metadata validation and the
// declarative validation, as rest.ValidateCreate does). Every pod template
// is also evaluated against the restricted Pod Security Standard at its
// latest version (k8s.io/pod-security-admission/policy).
//
// With -kubeconfig it asks a cluster instead: each object is applied with a
// server-side dry run in the namespace (nothing is stored), so the cluster's
// own version, admission and installed CRDs judge it, and the Pod Security
// level is the one the namespace enforces.
//
// Usage: kcheck [-level restricted|baseline|privileged] [-kubeconfig FILE] [NAMESPACE]
//
// Input: a multi-document manifest on stdin. Output: one JSON line per
// object, {"kind", "name", "errors", "forbidden", "warnings"} or
// {"kind", "name", "skipped": true} for kinds it does not know (HTTPRoute).
// Each error and warning is {"field", "message"}: the path of the field in
// the object and what is wrong with it. Each forbidden item is {"check",
// "fields", "message"}: the Pod Security check, the fields of the pod it
// reads, and why it forbids the pod.
package main

import (
	"bufio"
	"context"
	stdjson "encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"k8s.io/kubernetes/pkg/apis/apps"
	_ "k8s.io/kubernetes/pkg/apis/apps/install"
	_ "k8s.io/kubernetes/pkg/apis/batch/install"
	"k8s.io/kubernetes/pkg/apis/core"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	_ "k8s.io/kubernetes/pkg/apis/networking/install"
	_ "k8s.io/kubernetes/pkg/apis/policy/install"
	_ "k8s.io/kubernetes/pkg/apis/rbac/install"
	"k8s.io/kubernetes/pkg/capabilities"
	"k8s.io/kubernetes/pkg/registry/apps/statefulset"
	"k8s.io/kubernetes/pkg/registry/batch/cronjob"
	"k8s.io/kubernetes/pkg/registry/batch/job"
	"k8s.io/kubernetes/pkg/registry/core/configmap"
	"k8s.io/kubernetes/pkg/registry/core/pod"
	"k8s.io/kubernetes/pkg/registry/core/secret"
	"k8s.io/kubernetes/pkg/registry/core/service"
	"k8s.io/kubernetes/pkg/registry/core/serviceaccount"
	"k8s.io/kubernetes/pkg/registry/networking/ingress"
	"k8s.io/kubernetes/pkg/registry/networking/networkpolicy"
	"k8s.io/kubernetes/pkg/registry/policy/poddisruptionbudget"
	"k8s.io/kubernetes/pkg/registry/rbac/role"
	"k8s.io/kubernetes/pkg/registry/rbac/rolebinding"
	psaapi "k8s.io/pod-security-admission/api"
	sigsyaml "sigs.k8s.io/yaml"
)

// The request size etcd accepts by default (--max-request-bytes, 1.5 MiB):
// a bigger object cannot be stored whatever its validation says.
const maxObjectBytes = 3 * 512 * 1024

// strategies are the API server's create strategies of the kinds the chart renders.
var strategies = map[schema.GroupKind]rest.RESTCreateStrategy{
	{Group: "", Kind: "Service"}:                              service.Strategy,
	{Group: "", Kind: "Secret"}:                               secret.Strategy,
	{Group: "", Kind: "ConfigMap"}:                            configmap.Strategy,
	{Group: "", Kind: "ServiceAccount"}:                       serviceaccount.Strategy,
	{Group: "", Kind: "Pod"}:                                  pod.Strategy,
	{Group: "apps", Kind: "StatefulSet"}:                      statefulset.Strategy,
	{Group: "batch", Kind: "Job"}:                             job.Strategy,
	{Group: "batch", Kind: "CronJob"}:                         cronjob.Strategy,
	{Group: "policy", Kind: "PodDisruptionBudget"}:            poddisruptionbudget.Strategy,
	{Group: "networking.k8s.io", Kind: "NetworkPolicy"}:       networkpolicy.Strategy,
	{Group: "networking.k8s.io", Kind: "Ingress"}:             ingress.Strategy,
	{Group: "rbac.authorization.k8s.io", Kind: "Role"}:        role.Strategy,
	{Group: "rbac.authorization.k8s.io", Kind: "RoleBinding"}: rolebinding.Strategy,
}

// Finding is one thing wrong with an object.
type Finding struct {
	// Field is the path of the field in the object ("" for the whole object).
	Field string `json:"field,omitempty"`
	// Check and Fields: the Pod Security check that forbids a pod template,
	// and the fields of the object it reads.
	Check   string   `json:"check,omitempty"`
	Fields  []string `json:"fields,omitempty"`
	Message string   `json:"message"`
}

// Result is the verdict on one object.
type Result struct {
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	Skipped   bool      `json:"skipped,omitempty"`
	Errors    []Finding `json:"errors"`
	Forbidden []Finding `json:"forbidden"`
	// Warnings: fields the API server would drop (unknown or duplicate) with a warning.
	Warnings []Finding `json:"warnings"`
}

// Judge checks one object given as JSON.
type Judge interface {
	Check(doc []byte) Result
}

// Checker holds what checking needs once: the decoders and the Pod Security checks.
type Checker struct {
	strict    runtime.Decoder
	lax       runtime.Decoder
	policy    *policy
	namespace string
}

// NewChecker returns a Checker for objects of the given default namespace,
// holding pod templates to the Pod Security level given.
func NewChecker(namespace string, level psaapi.Level) (*Checker, error) {
	// As kubeadm, kind and most clusters run kube-apiserver (--allow-privileged):
	// a privileged container is then the restricted profile's to forbid.
	capabilities.Setup(true, 0)
	pol, err := newPolicy(level)
	if err != nil {
		return nil, err
	}
	opts := json.SerializerOptions{Yaml: false, Strict: true}
	strict := json.NewSerializerWithOptions(json.DefaultMetaFactory, legacyscheme.Scheme, legacyscheme.Scheme, opts)
	opts.Strict = false
	lax := json.NewSerializerWithOptions(json.DefaultMetaFactory, legacyscheme.Scheme, legacyscheme.Scheme, opts)
	return &Checker{strict: strict, lax: lax, policy: pol, namespace: namespace}, nil
}

// Check validates one document (JSON) and returns its verdict.
func (c *Checker) Check(doc []byte) Result {
	var head struct {
		metav1.TypeMeta
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	res := Result{Errors: []Finding{}, Forbidden: []Finding{}, Warnings: []Finding{}}
	if err := sigsyaml.Unmarshal(doc, &head); err != nil {
		res.Errors = append(res.Errors, Finding{Message: "not an object: " + err.Error()})
		return res
	}
	res.Kind, res.Name = head.Kind, head.Metadata.Name
	gvk := head.GroupVersionKind()
	strategy, known := strategies[gvk.GroupKind()]
	if !known {
		res.Skipped = true
		return res
	}
	if len(doc) > maxObjectBytes {
		res.Errors = append(res.Errors, Finding{Message: fmt.Sprintf("object is %d bytes, more than the %d bytes etcd stores", len(doc), maxObjectBytes)})
	}
	versioned, _, err := c.strict.Decode(doc, nil, nil)
	if err != nil {
		if !runtime.IsStrictDecodingError(err) {
			res.Errors = append(res.Errors, Finding{Message: "decode: " + err.Error()})
			return res
		}
		if strictErr, ok := runtime.AsStrictDecodingError(err); ok {
			for _, e := range strictErr.Errors() {
				res.Warnings = append(res.Warnings, dropped(e.Error()))
			}
		}
		if versioned, _, err = c.lax.Decode(doc, nil, nil); err != nil {
			res.Errors = append(res.Errors, Finding{Message: "decode: " + err.Error()})
			return res
		}
	}
	legacyscheme.Scheme.Default(versioned)
	for _, spec := range podTemplates(versioned) {
		res.Forbidden = append(res.Forbidden, c.policy.evaluate(spec.meta, spec.spec, spec.path)...)
	}
	internal, err := legacyscheme.Scheme.ConvertToVersion(versioned, schema.GroupVersion{Group: gvk.Group, Version: runtime.APIVersionInternal})
	if err != nil {
		res.Errors = append(res.Errors, Finding{Message: "convert: " + err.Error()})
		return res
	}
	res.Errors = append(res.Errors, c.validate(internal, gvk, strategy)...)
	return res
}

// The strict decoder's words for a field the API server drops.
var droppedField = regexp.MustCompile(`^(?:unknown|duplicate) field "(.*)"$`)

// dropped is the warning for a field the API server would drop.
func dropped(message string) Finding {
	if m := droppedField.FindStringSubmatch(message); m != nil {
		return Finding{Field: m[1], Message: message}
	}
	return Finding{Message: message}
}

// validate runs the create path of the API server's generic registry on obj.
func (c *Checker) validate(obj runtime.Object, gvk schema.GroupVersionKind, strategy rest.RESTCreateStrategy) []Finding {
	meta, err := metaOf(obj)
	if err != nil {
		return []Finding{{Message: err.Error()}}
	}
	if meta.GetNamespace() == "" {
		meta.SetNamespace(c.namespace)
	}
	rest.FillObjectMetaSystemFields(meta)
	ctx := genericapirequest.WithNamespace(context.Background(), meta.GetNamespace())
	ctx = genericapirequest.WithRequestInfo(ctx, &genericapirequest.RequestInfo{
		IsResourceRequest: true, Verb: "create", APIGroup: gvk.Group, APIVersion: gvk.Version,
		Namespace: meta.GetNamespace(), Name: meta.GetName(),
	})
	strategy.PrepareForCreate(ctx, obj)
	if svc, ok := obj.(*core.Service); ok {
		allocate(svc)
	}
	out := []Finding{}
	for _, e := range rest.ValidateCreate(ctx, obj, strategy) {
		out = append(out, Finding{Field: e.Field, Message: e.ErrorBody()})
	}
	if sts, ok := obj.(*apps.StatefulSet); ok {
		remapVolumes(sts, out)
	}
	return out
}

// A StatefulSet's pod template is validated with a volume per claim template
// put first and the template's volumes of the same names left out, so the
// indexes of spec.template.spec.volumes in its errors are not those of the
// object: remapVolumes turns them back into paths of the object (a claim's
// volume into its claim template).
func remapVolumes(sts *apps.StatefulSet, findings []Finding) {
	claims := map[string]int{}
	for i, t := range sts.Spec.VolumeClaimTemplates {
		claims[t.Name] = i
	}
	var kept []int
	for i, v := range sts.Spec.Template.Spec.Volumes {
		if _, named := claims[v.Name]; !named {
			kept = append(kept, i)
		}
	}
	// The claims' volumes come first, in an order the validation does not keep:
	// an error about one of them points at the claim templates as a whole.
	for i := range findings {
		f := &findings[i]
		m := templateVolume.FindStringSubmatch(f.Field)
		if m == nil {
			continue
		}
		index, _ := strconv.Atoi(m[1])
		switch {
		case index < len(claims):
			f.Field = "spec.volumeClaimTemplates"
		case index-len(claims) < len(kept):
			f.Field = fmt.Sprintf("spec.template.spec.volumes[%d]%s", kept[index-len(claims)], m[2])
		}
	}
}

var templateVolume = regexp.MustCompile(`^spec\.template\.spec\.volumes\[(\d+)\](.*)$`)

// allocate fills what the Service storage allocates before validation, for a
// single-stack IPv4 cluster: the cluster IP and the IP families.
func allocate(svc *core.Service) {
	if svc.Spec.Type == core.ServiceTypeExternalName {
		return
	}
	if svc.Spec.ClusterIP == "" {
		svc.Spec.ClusterIP = "10.96.0.10"
	}
	if len(svc.Spec.ClusterIPs) == 0 {
		svc.Spec.ClusterIPs = []string{svc.Spec.ClusterIP}
	}
	if svc.Spec.IPFamilyPolicy == nil {
		single := core.IPFamilyPolicySingleStack
		svc.Spec.IPFamilyPolicy = &single
	}
	if len(svc.Spec.IPFamilies) == 0 {
		svc.Spec.IPFamilies = []core.IPFamily{core.IPv4Protocol}
	}
}

func metaOf(obj runtime.Object) (metav1.Object, error) {
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil, fmt.Errorf("%T has no object metadata", obj)
	}
	return m, nil
}

type podTemplate struct {
	path string
	meta *metav1.ObjectMeta
	spec *corev1.PodSpec
}

// podTemplates returns the pod specs of a defaulted versioned object.
func podTemplates(obj runtime.Object) []podTemplate {
	switch o := obj.(type) {
	case *corev1.Pod:
		return []podTemplate{{"spec", &o.ObjectMeta, &o.Spec}}
	case *appsv1.StatefulSet:
		return []podTemplate{{"spec.template.spec", &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec}}
	case *batchv1.Job:
		return []podTemplate{{"spec.template.spec", &o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec}}
	case *batchv1.CronJob:
		t := &o.Spec.JobTemplate.Spec.Template
		return []podTemplate{{"spec.jobTemplate.spec.template.spec", &t.ObjectMeta, &t.Spec}}
	}
	return nil
}

// CheckStream reads a manifest from r and writes one JSON line per object to w.
func CheckStream(c Judge, r io.Reader, w io.Writer) error {
	reader := utilyaml.NewYAMLReader(bufio.NewReaderSize(r, 1<<20))
	enc := stdjson.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		data, err := sigsyaml.YAMLToJSON(doc)
		if err != nil {
			return fmt.Errorf("not YAML: %w", err)
		}
		if string(data) == "null" {
			continue
		}
		if err := enc.Encode(c.Check(data)); err != nil {
			return err
		}
	}
}

func main() {
	level := flag.String("level", "restricted", "Pod Security level pod templates are held to: privileged, baseline or restricted")
	kubeconfig := flag.String("kubeconfig", "", "ask this cluster (a server-side dry run) instead of Kubernetes' code built in")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: kcheck [-level LEVEL] [-kubeconfig FILE] [NAMESPACE] < manifest")
		flag.PrintDefaults()
	}
	flag.Parse()
	namespace := "default"
	if flag.NArg() > 0 {
		namespace = flag.Arg(0)
	}
	var judge Judge
	var err error
	if *kubeconfig != "" {
		judge, err = NewServerChecker(*kubeconfig, namespace)
	} else {
		judge, err = NewChecker(namespace, psaapi.Level(*level))
	}
	if err == nil {
		err = CheckStream(judge, os.Stdin, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kcheck:", err)
		os.Exit(1)
	}
}
