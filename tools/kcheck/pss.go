package main

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psaapi "k8s.io/pod-security-admission/api"
	psapolicy "k8s.io/pod-security-admission/policy"
)

// podFields names, per Pod Security check, the fields of a pod spec it reads,
// relative to the spec: "securityContext.X" is read on the pod, "*.X" on every
// container (init and ephemeral ones included), where a value from values
// most likely set it. Findings carry them so that a reader can tell which
// value caused the refusal.
var podFields = map[psapolicy.CheckID][]string{
	"allowPrivilegeEscalation":   {"*.securityContext.allowPrivilegeEscalation"},
	"appArmorProfile":            {"securityContext.appArmorProfile", "*.securityContext.appArmorProfile"},
	"capabilities_baseline":      {"*.securityContext.capabilities.add"},
	"capabilities_restricted":    {"*.securityContext.capabilities"},
	"hostNamespaces":             {"hostNetwork", "hostPID", "hostIPC"},
	"hostPathVolumes":            {"volumes"},
	"hostPorts":                  {"*.ports"},
	"hostProbesAndHostLifecycle": {"*.livenessProbe", "*.readinessProbe", "*.startupProbe", "*.lifecycle"},
	"privileged":                 {"*.securityContext.privileged"},
	"procMount":                  {"*.securityContext.procMount"},
	"procMount_restricted":       {"*.securityContext.procMount"},
	"restrictedVolumes":          {"volumes"},
	"runAsNonRoot":               {"securityContext.runAsNonRoot", "*.securityContext.runAsNonRoot"},
	"runAsUser":                  {"securityContext.runAsUser", "*.securityContext.runAsUser"},
	"seLinuxOptions":             {"securityContext.seLinuxOptions", "*.securityContext.seLinuxOptions"},
	"seccompProfile_baseline":    {"securityContext.seccompProfile", "*.securityContext.seccompProfile"},
	"seccompProfile_restricted":  {"securityContext.seccompProfile", "*.securityContext.seccompProfile"},
	"sysctls":                    {"securityContext.sysctls"},
	"windowsHostProcess":         {"hostUsers", "securityContext.windowsOptions", "*.securityContext.windowsOptions"},
}

// policy runs the Pod Security checks of one level, each on its own, so
// that every finding says which check made it.
type policy struct {
	level  psaapi.Level
	checks []namedCheck
}

type namedCheck struct {
	id  psapolicy.CheckID
	run psapolicy.CheckPodFn
}

// newPolicy returns the checks of a level at their latest version, without
// the baseline checks a restricted one replaces (as the evaluator does).
func newPolicy(level psaapi.Level) (*policy, error) {
	p := &policy{level: level}
	if level == psaapi.LevelPrivileged {
		return p, nil
	}
	if level != psaapi.LevelBaseline && level != psaapi.LevelRestricted {
		return nil, fmt.Errorf("unknown Pod Security level %q: use privileged, baseline or restricted", level)
	}
	all := psapolicy.DefaultChecks()
	overridden := map[psapolicy.CheckID]bool{}
	for _, c := range all {
		latest := c.Versions[len(c.Versions)-1]
		if c.Level == psaapi.LevelRestricted && level == psaapi.LevelRestricted {
			for _, id := range latest.OverrideCheckIDs {
				overridden[id] = true
			}
		}
	}
	for _, c := range all {
		if overridden[c.ID] || (c.Level == psaapi.LevelRestricted && level == psaapi.LevelBaseline) {
			continue
		}
		if _, known := podFields[c.ID]; !known {
			return nil, fmt.Errorf("Pod Security check %q reads fields kcheck does not know", c.ID)
		}
		p.checks = append(p.checks, namedCheck{c.ID, c.Versions[len(c.Versions)-1].CheckPod})
	}
	sort.Slice(p.checks, func(i, j int) bool { return p.checks[i].id < p.checks[j].id })
	return p, nil
}

// evaluate returns a finding per check the pod fails; prefix is the path of
// the pod spec in its object ("spec.template.spec").
func (p *policy) evaluate(meta *metav1.ObjectMeta, spec *corev1.PodSpec, prefix string) []Finding {
	out := []Finding{}
	for _, c := range p.checks {
		r := c.run(meta, spec)
		if r.Allowed {
			continue
		}
		message := r.ForbiddenReason
		if r.ForbiddenDetail != "" {
			message += " (" + r.ForbiddenDetail + ")"
		}
		out = append(out, Finding{
			Check:   string(c.id),
			Fields:  expand(podFields[c.id], spec, prefix),
			Message: fmt.Sprintf("Pod Security %q: %s", p.level, message),
		})
	}
	return out
}

// expand turns the fields of podFields into paths in the object: one per
// container for "*." fields.
func expand(fields []string, spec *corev1.PodSpec, prefix string) []string {
	var out []string
	for _, f := range fields {
		if len(f) < 2 || f[:2] != "*." {
			out = append(out, prefix+"."+f)
			continue
		}
		for i := range spec.InitContainers {
			out = append(out, fmt.Sprintf("%s.initContainers[%d].%s", prefix, i, f[2:]))
		}
		for i := range spec.Containers {
			out = append(out, fmt.Sprintf("%s.containers[%d].%s", prefix, i, f[2:]))
		}
		for i := range spec.EphemeralContainers {
			out = append(out, fmt.Sprintf("%s.ephemeralContainers[%d].%s", prefix, i, f[2:]))
		}
	}
	return out
}
