{{/*
Glance's and the operator's own rules between values: those that need what the chart computes
(object names, the APIs a name refers to, the backends a configuration enables, the template
variables it expands). Everything else has its one judge elsewhere: shapes, grammars and the
rules JSON Schema can state are the generated schema's (schemas/), and Kubernetes' rules are
Kubernetes' own validation, which `chartgen validate` runs on the render.

Each rule adds problems through glance.validate.problem: a values path (the key the user wrote,
deprecated or not, from the view's items) and a message that says what to do.
glance.validate.values runs every rule once per render and fails it with all of them.
*/}}

{{/*
Runs every rule and fails the render once with every problem. The text is an interface, read
back by `chartgen validate` (chartgen/refusal.py): a line "values are not valid:", then one
"  - <path>: <message>" line per problem, the path holding neither ": " nor a line break.
Usage: include "glance.validate.values" .
*/}}
{{- define "glance.validate.values" -}}
{{- $found := dict "problems" list -}}
{{- range $rule := list "apiNames" "keystoneEndpoint" "extraMounts" "fileBackend" "cephConfig" "configVariables" "applicationCredential" "singleTLS" "gatewayAPI" "policy" "egressStores" -}}
{{- $_ := include (printf "glance.validate.%s" $rule) (dict "context" $ "found" $found) -}}
{{- end -}}
{{- with $found.problems -}}
{{- $lines := list -}}
{{- range $problem := . -}}
{{- $lines = append $lines (printf "  - %s: %s" $problem.path $problem.message) -}}
{{- end -}}
{{- fail (printf "\n\nvalues are not valid:\n%s\n" (join "\n" ($lines | uniq))) -}}
{{- end -}}
{{- end -}}

{{/*
Adds one problem to "found" (the dict glance.validate.values passes to each rule).
Usage: $_ := include "glance.validate.problem" (dict "found" .found "path" "glanceAPIs.x.replicas" "message" "...")
*/}}
{{- define "glance.validate.problem" -}}
{{- if or (contains ": " .path) (contains "\n" .path) -}}
{{- fail (printf "chart bug: the problem path %q is not a values path" .path) -}}
{{- end -}}
{{- $_ := set .found "problems" (append .found.problems (dict "path" .path "message" .message)) -}}
{{- end -}}

{{/*
Every workload name stays within 52 characters (a StatefulSet name must leave room for its
11-character revision suffix in a 63-character label), so an API's name is at most what the
name prefix and the instance's suffix leave. The schema holds its grammar.
Usage: $_ := include "glance.validate.apiNames" (dict "context" $ "found" $found)
*/}}
{{- define "glance.validate.apiNames" -}}
{{- $view := .context.glanceView -}}
{{- $fullname := $view.fullname -}}
{{- $suffix := dict "external" "-external-api" "internal" "-internal-api" "single" "-single" "edge" "-edge-api" -}}
{{- range $item := $view.instances -}}
{{- $max := int (sub 52 (add (len $fullname) 1 (len (get $suffix $item.instance)))) -}}
{{- if $item.legacy -}}
{{- if gt (len $item.workload) 52 -}}
{{- $_ := include "glance.validate.problem" (dict "found" $.found "path" $item.path "message" (printf "the workload name %q is longer than 52 characters: set fullnameOverride to at most %d characters" $item.workload (sub 52 (sub (len $item.workload) (len $fullname))))) -}}
{{- end -}}
{{- else if lt $max 1 -}}
{{- $_ := include "glance.validate.problem" (dict "found" $.found "path" $item.path "message" (printf "the name prefix %q (%d characters) leaves no room for API names of type %s: set fullnameOverride to a shorter prefix" $fullname (len $fullname) $item.type)) -}}
{{- else if gt (len $item.api) $max -}}
{{- $_ := include "glance.validate.problem" (dict "found" $.found "path" $item.path "message" (printf "the API name is %d characters long but at most %d fit in the workload name %q (52 characters at most): use a shorter name, or a shorter fullnameOverride" (len $item.api) $max $item.workload)) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
keystoneEndpoint names an existing API that is not of type edge; with none given, some API must
be one the catalog can list.
Usage: $_ := include "glance.validate.keystoneEndpoint" (dict "context" $ "found" $found)
*/}}
{{- define "glance.validate.keystoneEndpoint" -}}
{{- $view := .context.glanceView -}}
{{- $want := .context.Values.keystoneEndpoint -}}
{{- $names := keys $view.apiTypes | sortAlpha -}}
{{- $message := "" -}}
{{- if and $want (not (hasKey $view.apiTypes $want)) -}}
{{- $message = printf "%q is not an API (%s): set it to one of them or leave it empty" $want (join ", " $names) -}}
{{- else if and $want (eq (get $view.apiTypes $want) "edge") -}}
{{- $message = printf "glanceAPIs.%s is of type edge, which is never in the catalog: name an API of type split or single" $want -}}
{{- else if not $view.catalogApi -}}
{{- $message = "every API is of type edge, so none can be registered in the Keystone catalog: add an API of type split or single" -}}
{{- end -}}
{{- with $message -}}
{{- $_ := include "glance.validate.problem" (dict "found" $.found "path" (ternary "keystoneEndpoint" "glanceAPIs" (ne $want "")) "message" .) -}}
{{- end -}}
{{- end -}}

{{/*
extraMounts propagation names Glance, GlanceAPI, an API, or an instance (`external`,
`internal`, `single`, `edge`, or `<api>-<instance>`).
Usage: $_ := include "glance.validate.extraMounts" (dict "context" $ "found" $found)
*/}}
{{- define "glance.validate.extraMounts" -}}
{{- $known := list "Glance" "GlanceAPI" -}}
{{- range $item := .context.glanceView.instances -}}
{{- $known = concat $known (list $item.api $item.instance (printf "%s-%s" $item.api $item.instance)) -}}
{{- end -}}
{{- $known = $known | uniq -}}
{{- range $i, $group := .context.Values.extraMounts -}}
{{- range $j, $vol := $group.extraVol -}}
{{- range $k, $target := $vol.propagation -}}
{{- if not (has $target $known) -}}
{{- $_ := include "glance.validate.problem" (dict "found" $.found "path" (printf "extraMounts[%d].extraVol[%d].propagation[%d]" $i $j $k) "message" (printf "%q names no API: use one of %s" $target (join ", " $known))) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The file backend keeps each image on the volume of the pod that stored it, so no other pod can
serve it: refused for a split API (its public and internal instances are different pods, as the
operator's webhook also refuses) and for more than one replica on per-pod volumes. The older
layout is kept as the operator's README writes it, with a NOTES warning instead.
Usage: $_ := include "glance.validate.fileBackend" (dict "context" $ "found" $found)
*/}}
{{- define "glance.validate.fileBackend" -}}
{{- range $item := .context.glanceView.instances -}}
{{- if and $item.fileBackend (not $item.legacy) (gt (int64 $item.replicas) 0) -}}
{{- if eq $item.type "split" -}}
{{- $_ := include "glance.validate.problem" (dict "found" $.found "path" $item.path "message" "a split API on the file backend loses images (its public and internal instances are different pods, each with its own store): use type single, or a shared backend in customServiceConfig ([DEFAULT] enabled_backends, e.g. rbd, swift, s3, cinder)") -}}
{{- else if and (gt (int64 $item.replicas) 1) (not $item.storage.external) -}}
{{- $_ := include "glance.validate.problem" (dict "found" $.found "path" $item.paths.replicas "message" (printf "%d replicas on the file backend each keep their images on their own volume, so an image uploaded through one pod cannot be read through another: use 1 replica, a shared backend in customServiceConfig, or storage.external with a volume every pod mounts (extraMounts at /var/lib/glance/images)" $item.replicas)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
An rbd store reads ceph.conf (rbd_store_ceph_conf, /etc/ceph/ceph.conf by default), and
librados the keyring beside it: an API with one needs a volume of extraMounts mounted there on
its pods, or Glance fails to load with nothing in its log that says why.
Usage: $_ := include "glance.validate.cephConfig" (dict "context" $ "found" $found)
*/}}
{{- define "glance.validate.cephConfig" -}}
{{- range $item := .context.glanceView.instances -}}
{{- if has "rbd" $item.backends -}}
{{- $dirs := list "/etc/ceph" -}}
{{- range $conf := regexFindAll "(?m)^\\s*rbd_store_ceph_conf\\s*=\\s*\\S+" $item.customConfig -1 -}}
{{- $dirs = append $dirs (dir (regexReplaceAll "^\\s*rbd_store_ceph_conf\\s*=\\s*" $conf "")) -}}
{{- end -}}
{{- $extra := dict -}}
{{- $_ := include "glance.pod.extraMounts" (dict "context" $.context "item" $item "out" $extra) -}}
{{- $mounted := false -}}
{{- range $mount := $extra.mounts -}}
{{- range $dir := $dirs -}}
{{- if or (eq (toString $mount.mountPath) $dir) (hasPrefix (printf "%s/" $dir) (toString $mount.mountPath)) -}}
{{- $mounted = true -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if not $mounted -}}
{{- $_ := include "glance.validate.problem" (dict "found" $.found "path" $item.paths.customServiceConfig "message" (printf "API %s stores images in Ceph (an rbd store of [DEFAULT] enabled_backends), but no extraMounts volume of its pods is mounted at /etc/ceph, where Glance reads ceph.conf and librados the keyring: mount the Secret that holds ceph.conf and ceph.client.<rbd_store_user>.keyring there, with propagation Glance, GlanceAPI or %s (README, \"Ceph\")" $item.api $item.api)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
customServiceConfig may use the operator's template variables (`{{ .Name }}`); a name the chart
does not know is refused.
Usage: $_ := include "glance.validate.configVariables" (dict "context" $ "found" $found)
*/}}
{{- define "glance.validate.configVariables" -}}
{{- $known := (include "glance.config.variableNames" .context | fromYaml).all -}}
{{- range $item := .context.glanceView.instances -}}
{{- range $ref := regexFindAll "\\{\\{[^}]*\\}\\}" $item.customConfig -1 -}}
{{- $name := regexReplaceAll "^\\{\\{-?\\s*\\.([A-Za-z0-9_]+)\\s*-?\\}\\}$" $ref "${1}" -}}
{{- if eq $name $ref -}}
{{- $_ := include "glance.validate.problem" (dict "found" $.found "path" $item.paths.customServiceConfig "message" (printf "%s is not a template variable the chart expands: write `{{ .Name }}` with one of %s" $ref (join ", " $known))) -}}
{{- else if not (has $name $known) -}}
{{- $_ := include "glance.validate.problem" (dict "found" $.found "path" $item.paths.customServiceConfig "message" (printf "unknown template variable %s: use one of %s" $name (join ", " $known))) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
An instance with an application credential never gets the service user's password, and one
without gets no application credential: its customServiceConfig may use only the template
variables of the credential it has. glance_store's swift and cinder stores take an application
credential (swift_store_application_credential_id / _secret, cinder_store_application_credential_id
/ _secret), so the message names those.
Usage: $_ := include "glance.validate.applicationCredential" (dict "context" $ "found" $found)
*/}}
{{- define "glance.validate.applicationCredential" -}}
{{- range $item := .context.glanceView.instances -}}
{{- $secret := include "glance.config.applicationCredential" (dict "context" $.context "item" $item) -}}
{{- $config := $item.paths.customServiceConfig -}}
{{- $credential := $item.paths.applicationCredentialSecret -}}
{{- if and $secret (regexMatch "\\{\\{-?\\s*\\.ServicePassword\\s*-?\\}\\}" $item.customConfig) -}}
{{- $_ := include "glance.validate.problem" (dict "found" $.found "path" $config "message" (printf "uses {{ .ServicePassword }}, but %s is set, so the pods of API %s get no service password: a swift or cinder store takes the credential instead (swift_store_application_credential_id = {{ .ApplicationCredentialID }}, swift_store_application_credential_secret = {{ .ApplicationCredentialSecret }}, or the cinder_store_ options of the same names), or leave %s empty to keep the password" $credential $item.api $credential)) -}}
{{- else if and (not $secret) (regexMatch "\\{\\{-?\\s*\\.ApplicationCredential(ID|Secret)\\s*-?\\}\\}" $item.customConfig) -}}
{{- $_ := include "glance.validate.problem" (dict "found" $.found "path" $config "message" (printf "uses {{ .ApplicationCredentialID }} or {{ .ApplicationCredentialSecret }}, but API %s logs in with the service password: set glanceAPIs.%s.auth.applicationCredentialSecret (or auth.applicationCredentialSecret) to the Secret of the credential, or use {{ .ServicePassword }}" $item.api $item.api)) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
A single API serves both endpoints from one httpd port, and TLS is on or off for a port as a
whole: with a certificate for one endpoint only, the other would be served over TLS with a
certificate that does not name it, while the catalog and helm test would reach it as http. So
both endpoints have a certificate (the same Secret when its certificate names both hosts), or
neither.
Usage: $_ := include "glance.validate.singleTLS" (dict "context" $ "found" $found)
*/}}
{{- define "glance.validate.singleTLS" -}}
{{- range $item := .context.glanceView.instances -}}
{{- if eq $item.instance "single" -}}
{{- $secrets := dict -}}
{{- range $service := $item.services -}}
{{- $_ := set $secrets $service.endpoint $service.tlsSecret -}}
{{- end -}}
{{- range $pair := list (list "public" "internal") (list "internal" "public") -}}
{{- $given := get $secrets (index $pair 0) -}}
{{- $missing := index $pair 1 -}}
{{- if and $given (not (get $secrets $missing)) -}}
{{- $_ := include "glance.validate.problem" (dict "found" $.found "path" (printf "%s.tls.api.%s.secretName" $item.path $missing) "message" (printf "API %s is of type single: its pods serve the public and internal endpoints on one port, which is TLS for both or for neither, and tls.api.%s has a certificate: give the %s endpoint its certificate too (the Secret %s serves both when its certificate names both Services' hosts), remove tls.api.%s, or use type split, whose endpoints are served by pods of their own" $item.api (index $pair 0) $missing $given (index $pair 0))) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
An HTTPRoute is an object of the Gateway API, which a cluster serves only once its CRDs are
installed: without them the API server refuses the whole release with "no matches for kind
HTTPRoute". helm install and upgrade read the cluster's APIs into .Capabilities; a render
without a cluster (helm template) knows only the versions given with --api-versions, as Argo CD
passes those of its destination cluster (or the Application's spec.source.helm.apiVersions).
Usage: $_ := include "glance.validate.gatewayAPI" (dict "context" $ "found" $found)
*/}}
{{- define "glance.validate.gatewayAPI" -}}
{{- $version := "gateway.networking.k8s.io/v1" -}}
{{- if and .context.Values.httpRoute.enabled (not (.context.Capabilities.APIVersions.Has $version)) -}}
{{- $_ := include "glance.validate.problem" (dict "found" .found "path" "httpRoute.enabled" "message" (printf "the cluster serves no Gateway API (%s), so it would refuse the HTTPRoute: install the Gateway API's CRDs first, or turn httpRoute off; where the chart renders without a cluster, declare the API (helm template --api-versions %s; Argo CD passes its cluster's APIs, or the Application's spec.source.helm.apiVersions when set)" $version $version)) -}}
{{- end -}}
{{- end -}}

{{/*
Glance reads policy.yaml as a YAML map of rule names to check strings, and the chart adds its
location rules to that map (glance.config.policyFile): any other text is refused here, where
Glance would fail each request it checks.
Usage: $_ := include "glance.validate.policy" (dict "context" $ "found" $found)
*/}}
{{- define "glance.validate.policy" -}}
{{- $rules := fromYaml (.context.Values.policy | default "") -}}
{{- /* fromYaml answers text that is no YAML map with a map of the one key Error. */ -}}
{{- if and (eq (len $rules) 1) (hasKey $rules "Error") -}}
{{- $_ := include "glance.validate.problem" (dict "found" .found "path" "policy" "message" (printf `is not a YAML map of Glance rule names to check strings (%s): write one rule a line, "rule_name": "check string"` (get $rules "Error"))) -}}
{{- end -}}
{{- end -}}

{{/*
The egress NetworkPolicy lets the API pods reach only what it names: an API that stores images
anywhere but its file store (a Ceph cluster, Swift, S3, cinder) needs a rule for that store in
networkPolicy.egress.stores, or every upload and download fails.
Usage: $_ := include "glance.validate.egressStores" (dict "context" $ "found" $found)
*/}}
{{- define "glance.validate.egressStores" -}}
{{- $egress := .context.Values.networkPolicy.egress -}}
{{- if and $egress.enabled (not $egress.stores) -}}
{{- range $item := .context.glanceView.instances -}}
{{- $remote := without $item.backends "file" -}}
{{- if $remote -}}
{{- $_ := include "glance.validate.problem" (dict "found" $.found "path" "networkPolicy.egress.stores" "message" (printf "API %s stores images in %s, which the egress NetworkPolicy lets no pod reach: add a rule for the store (for Ceph, its monitors and OSDs on ports 3300, 6789 and 6800-7300), or turn networkPolicy.egress.enabled off" $item.api (join ", " ($remote | uniq)))) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
