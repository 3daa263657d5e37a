// Command argosync syncs the output of `helm template` into a namespace the way
// Argo CD's application controller does, with Argo CD's own sync engine
// (github.com/argoproj/gitops-engine v0.7.3, the newest the module proxy
// serves): the cluster cache gives the live state, sync.Reconcile pairs it with
// the target objects, and a sync context runs the phases (PreSync, Sync,
// PostSync), the waves in each phase, health checks between waves and the
// hooks' delete policies, until the operation completes.
//
// Like Argo CD (and unlike gitops-engine's sample engine, which skips hooks
// when nothing differs), every sync runs the hooks. Objects are tracked by the
// annotation argocd.argoproj.io/tracking-id, as Argo CD's annotation tracking
// does, and pruned when a later sync no longer renders them.
//
// Usage:
//
//	helm template glance chart -n openstack | argosync --kubeconfig K -n openstack --app glance
//
// Output: one JSON object: the sync status before and after the sync
// ("Synced" or "OutOfSync", comparing the ordinary objects as Argo CD does),
// the operation's phase and message, the result of each object and hook in
// execution order, and the objects still out of sync afterwards with their
// diff. Exit status: 0 when the operation succeeded, 1 otherwise.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/argoproj/gitops-engine/pkg/cache"
	"github.com/argoproj/gitops-engine/pkg/diff"
	"github.com/argoproj/gitops-engine/pkg/sync"
	"github.com/argoproj/gitops-engine/pkg/sync/common"
	"github.com/argoproj/gitops-engine/pkg/utils/kube"
	"github.com/argoproj/gitops-engine/pkg/utils/tracing"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	"k8s.io/klog/v2/klogr"
)

const trackingAnnotation = "argocd.argoproj.io/tracking-id"

type result struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	Message   string `json:"message"`
	HookType  string `json:"hookType,omitempty"`
	HookPhase string `json:"hookPhase,omitempty"`
	SyncPhase string `json:"syncPhase"`
}

type drift struct {
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	Live  string `json:"live"`
	Want  string `json:"want"`
	Error string `json:"error,omitempty"`
}

type report struct {
	Before  string   `json:"syncStatusBefore"`
	After   string   `json:"syncStatusAfter"`
	Phase   string   `json:"phase"`
	Message string   `json:"message"`
	Results []result `json:"results"`
	Drift   []drift  `json:"outOfSync"`
	Seconds float64  `json:"seconds"`
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the cluster")
	namespace := flag.String("n", "", "namespace of the application")
	app := flag.String("app", "", "application name (tracking id prefix)")
	revision := flag.String("revision", "HEAD", "revision recorded for the sync")
	timeout := flag.Duration("timeout", 3*time.Minute, "how long the operation may take")
	flag.Parse()
	klog.InitFlags(nil)
	_ = flag.Set("v", "0")
	if *kubeconfig == "" || *namespace == "" || *app == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: argosync --kubeconfig FILE -n NAMESPACE --app NAME < manifest.yaml")
		os.Exit(2)
	}
	rep, err := run(*kubeconfig, *namespace, *app, *revision, *timeout)
	if rep != nil {
		out, _ := json.Marshal(rep)
		fmt.Println(string(out))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "argosync:", err)
		os.Exit(1)
	}
}

func run(kubeconfig, namespace, app, revision string, timeout time.Duration) (*report, error) {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		return nil, err
	}
	targets, err := kube.SplitYAML(data)
	if err != nil {
		return nil, err
	}
	for _, obj := range targets {
		if obj.GetNamespace() == "" {
			obj.SetNamespace(namespace)
		}
		annotations := obj.GetAnnotations()
		if annotations == nil {
			annotations = map[string]string{}
		}
		annotations[trackingAnnotation] = trackingID(app, obj)
		obj.SetAnnotations(annotations)
	}
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	// client-go's default of 5 requests a second makes listing the cluster take seconds.
	config.QPS, config.Burst = 100, 200
	log := klogr.New()
	clusterCache := cache.NewClusterCache(config,
		cache.SetNamespaces([]string{namespace}),
		cache.SetLogr(log),
		cache.SetPopulateResourceInfoHandler(func(un *unstructured.Unstructured, _ bool) (interface{}, bool) {
			id := un.GetAnnotations()[trackingAnnotation]
			return id, id != ""
		}),
	)
	if err := clusterCache.EnsureSynced(); err != nil {
		return nil, err
	}
	defer clusterCache.Invalidate()
	isManaged := func(r *cache.Resource) bool {
		id, _ := r.Info.(string)
		return id != "" && len(id) > len(app) && id[:len(app)+1] == app+":"
	}
	kubectl := &kube.KubectlCmd{Log: log, Tracer: tracing.NopTracer{}}
	start := time.Now()
	rep := &report{}

	reconcile := func() (sync.ReconciliationResult, error) {
		live, err := clusterCache.GetManagedLiveObjs(targets, isManaged)
		if err != nil {
			return sync.ReconciliationResult{}, err
		}
		return sync.Reconcile(targets, live, namespace, clusterCache), nil
	}
	compare := func() (sync.ReconciliationResult, *diff.DiffResultList, error) {
		rec, err := reconcile()
		if err != nil {
			return rec, nil, err
		}
		diffs, err := diff.DiffArray(rec.Target, rec.Live, diff.WithLogr(log))
		return rec, diffs, err
	}
	_, diffs, err := compare()
	if err != nil {
		return nil, err
	}
	rep.Before = status(diffs)

	// As Argo CD's application controller does, each step of the operation starts from a
	// fresh reconciliation of the cache (which is how the sync sees its hooks' live state)
	// and from the state the previous step left.
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	startedAt := metav1.Now()
	var phase common.OperationPhase
	var message string
	var results []common.ResourceSyncResult
	for {
		rec, err := reconcile()
		if err != nil {
			return nil, err
		}
		opts := []sync.SyncOpt{sync.WithLogr(log), sync.WithPrune(true)}
		if phase != "" {
			opts = append(opts, sync.WithInitialState(phase, message, results, startedAt))
		}
		syncCtx, cleanup, err := sync.NewSyncContext(revision, rec, config, config, kubectl,
			namespace, clusterCache.GetOpenAPISchema(), opts...)
		if err != nil {
			return nil, err
		}
		syncCtx.Sync()
		if ctx.Err() != nil {
			syncCtx.Terminate()
		}
		phase, message, results = syncCtx.GetState()
		cleanup()
		if phase.Completed() {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
	if ctx.Err() != nil {
		message = "timed out: " + message
	}
	rep.Phase, rep.Message = string(phase), message
	for _, r := range results {
		rep.Results = append(rep.Results, result{
			Kind: r.ResourceKey.Kind, Name: r.ResourceKey.Name, Status: string(r.Status),
			Message: r.Message, HookType: string(r.HookType), HookPhase: string(r.HookPhase),
			SyncPhase: string(r.SyncPhase),
		})
	}

	// Let the cache see the sync's own writes before comparing again.
	time.Sleep(time.Second)
	rec, diffs, err := compare()
	if err != nil {
		return rep, err
	}
	rep.After = status(diffs)
	for i, d := range diffs.Diffs {
		if !d.Modified {
			continue
		}
		obj := rec.Target[i]
		if obj == nil {
			obj = rec.Live[i]
		}
		rep.Drift = append(rep.Drift, drift{
			Kind: obj.GetKind(), Name: obj.GetName(),
			Live: string(d.NormalizedLive), Want: string(d.PredictedLive),
		})
	}
	rep.Seconds = time.Since(start).Seconds()
	if phase != common.OperationSucceeded {
		return rep, errors.New("sync " + string(phase) + ": " + message)
	}
	return rep, nil
}

// trackingID is Argo CD's annotation tracking id: <app>:<group>/<kind>:<namespace>/<name>.
func trackingID(app string, obj *unstructured.Unstructured) string {
	gvk := obj.GroupVersionKind()
	return fmt.Sprintf("%s:%s/%s:%s/%s", app, gvk.Group, gvk.Kind, obj.GetNamespace(), obj.GetName())
}

func status(diffs *diff.DiffResultList) string {
	if diffs.Modified {
		return "OutOfSync"
	}
	return "Synced"
}
