{{/*
Checks of values that the JSON schema cannot express, run once per render by glance.view.load
on the view it computed. Each check adds messages naming the value path and the fix;
glance.validate.values fails once with all of them.
*/}}

{{/*
Runs every check and fails with all messages at once. The failure text is an interface:
`chartgen validate` reads it back (chartgen/validate.py, render_problems), so keep its form:
a line "values are not valid:", then one "  - <path>: <message>" line per problem.
Usage: include "glance.validate.values" .
*/}}
{{- define "glance.validate.values" -}}
{{- $messages := list -}}
{{- range $topic := list "layout" "apiNames" "keystoneEndpoint" "notifications" "extraMounts" "fileBackend" "configVariables" "applicationCredential" "podSecurity" "scheduling" "sizes" "objects" "resources" "schedules" "probes" -}}
{{- $found := include (printf "glance.validate.%s" $topic) $ | trim -}}
{{- if $found -}}
{{- $messages = concat $messages (splitList "\n" $found) -}}
{{- end -}}
{{- end -}}
{{- if $messages -}}
{{- fail (printf "\n\nvalues are not valid:\n  - %s\n" (join "\n  - " $messages)) -}}
{{- end -}}
{{- end -}}

{{/*
The older glanceAPIInternal / glanceAPIExternal cannot be mixed with glanceAPIs.
Usage: include "glance.validate.layout" .
*/}}
{{- define "glance.validate.layout" -}}
{{- if and .glanceView.legacy .Values.glanceAPIs }}
glanceAPIInternal/glanceAPIExternal: cannot be combined with glanceAPIs: move them to glanceAPIs.<name> with type split
{{- end }}
{{- end -}}

{{/*
API names are lowercase DNS labels that start with a letter (they name Services), short enough
that every workload name stays within 52 characters (a StatefulSet name must leave room for its
11-character revision suffix in a 63-character label). A name that is not one is quoted in the
message, never put in its path, where a line break or a space it holds would cut the line.
Usage: include "glance.validate.apiNames" .
*/}}
{{- define "glance.validate.apiNames" -}}
{{- $view := .glanceView -}}
{{- $fullname := $view.fullname -}}
{{- if $view.legacy -}}
{{- if gt (add (len $fullname) (len "-external-api")) 52 }}
glanceAPIInternal/glanceAPIExternal: the workload name {{ printf "%s-external-api" $fullname | quote }} is longer than 52 characters: set fullnameOverride to at most {{ sub 52 (len "-external-api") }} characters
{{- end }}
{{- else }}
{{- $suffix := dict "split" "-external-api" "single" "-single" "edge" "-edge-api" -}}
{{- range $name, $type := $view.apiTypes }}
{{- $max := int (sub 52 (add (len $fullname) 1 (len (get $suffix $type)))) -}}
{{- if not (regexMatch "^[a-z]([-a-z0-9]*[a-z0-9])?$" $name) }}
{{- $suggestion := regexReplaceAll "[^a-z0-9-]+" (lower $name) "-" | trimAll "-" | default "default" }}
glanceAPIs: the API name {{ $name | quote }} is not a lowercase DNS label (a-z, 0-9 and '-', starting with a letter, not ending with '-'): rename it, for example to {{ ternary $suggestion (printf "api-%s" $suggestion) (regexMatch "^[a-z]" $suggestion) | quote }}
{{- else if lt $max 1 }}
glanceAPIs.{{ $name }}: the name prefix {{ $fullname | quote }} ({{ len $fullname }} characters) leaves no room for API names of type {{ $type }}: set fullnameOverride to a shorter prefix
{{- else if gt (len $name) $max }}
glanceAPIs.{{ $name }}: the API name is {{ len $name }} characters long but at most {{ $max }} fit in the workload name {{ printf "%s-%s%s" $fullname $name (get $suffix $type) | quote }} (52 characters at most): use a shorter name, or a shorter fullnameOverride
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
keystoneEndpoint names an existing API that is not of type edge.
Usage: include "glance.validate.keystoneEndpoint" .
*/}}
{{- define "glance.validate.keystoneEndpoint" -}}
{{- $view := .glanceView -}}
{{- $want := .Values.keystoneEndpoint -}}
{{- $names := keys $view.apiTypes | sortAlpha -}}
{{- if $want -}}
{{- if not (hasKey $view.apiTypes $want) }}
{{- if or $view.legacy (not .Values.glanceAPIs) }}
keystoneEndpoint: {{ $want | quote }} is not an API; the only API is "default": set keystoneEndpoint to "default" or leave it empty
{{- else }}
keystoneEndpoint: {{ $want | quote }} is not a key of glanceAPIs ({{ join ", " $names }}): set it to one of them or leave it empty
{{- end }}
{{- else if eq (get $view.apiTypes $want) "edge" }}
keystoneEndpoint: glanceAPIs.{{ $want }} is of type edge, which is never in the catalog: name an API of type split or single
{{- end }}
{{- else if not $view.catalogApi }}
glanceAPIs: every API is of type edge, so none can be registered in the Keystone catalog: add an API of type split or single
{{- end }}
{{- end -}}

{{/*
Notifications need a transport URL the chart can read: a RabbitMQ cluster name alone is not
enough, since the chart cannot create bus users.
Usage: include "glance.validate.notifications" .
*/}}
{{- define "glance.validate.notifications" -}}
{{- $bus := .Values.notificationsBus | default dict -}}
{{- if and $bus.cluster (not $bus.transportURLSecret) }}
{{- /* The URL form the operator's TransportURL would have given: a user of the cluster, its Service, the vhost. */}}
{{- $url := printf "rabbit://%s:PASSWORD@%s.%s.svc:5672/%s" ($bus.user | default "USER") $bus.cluster .Release.Namespace ($bus.vhost | default "") }}
notificationsBus.cluster: {{ $bus.cluster | quote }} is set but notificationsBus.transportURLSecret is empty, and the chart cannot ask the cluster for a user: create a Secret whose key transport_url holds the cluster's transport URL (kubectl create secret generic glance-transport-url --namespace {{ .Release.Namespace }} --from-literal=transport_url={{ $url }}), then set notificationsBus.transportURLSecret: glance-transport-url
{{- end }}
{{- end -}}

{{/*
extraMounts propagation names Glance, GlanceAPI, an API, or an instance (`external`, `internal`,
`single`, `edge`, or `<api>-<instance>`).
Usage: include "glance.validate.extraMounts" .
*/}}
{{- define "glance.validate.extraMounts" -}}
{{- $known := list "Glance" "GlanceAPI" -}}
{{- range $item := .glanceView.instances -}}
{{- $known = concat $known (list $item.api $item.instance (printf "%s-%s" $item.api $item.instance)) -}}
{{- end -}}
{{- $known = $known | uniq -}}
{{- range $i, $group := .Values.extraMounts }}
{{- range $j, $vol := $group.extraVol }}
{{- range $k, $target := $vol.propagation }}
{{- if not (has $target $known) }}
extraMounts[{{ $i }}].extraVol[{{ $j }}].propagation[{{ $k }}]: {{ $target | quote }} names no API: use one of {{ join ", " $known }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
The file backend keeps each image on the volume of the pod that stored it, so no other pod can
serve it: refused for a split API (its public and internal instances are different pods, as the
operator's webhook also refuses) and for more than one replica on per-pod volumes. The older
layout is kept as the operator's README writes it, with a NOTES warning instead.
Usage: include "glance.validate.fileBackend" .
*/}}
{{- define "glance.validate.fileBackend" -}}
{{- $seen := dict -}}
{{- range $item := .glanceView.instances }}
{{- if and $item.fileBackend (not $item.legacy) (gt (int64 $item.replicas) 0) (not (hasKey $seen $item.api)) }}
{{- if eq $item.type "split" }}
{{- $_ := set $seen $item.api true }}
glanceAPIs.{{ $item.api }}: a split API on the file backend loses images (its public and internal instances are different pods, each with its own store): use type single, or a shared backend in customServiceConfig ([DEFAULT] enabled_backends, e.g. rbd, swift, s3, cinder)
{{- else if and (gt (int64 $item.replicas) 1) (not $item.storage.external) }}
{{- $_ := set $seen $item.api true }}
glanceAPIs.{{ $item.api }}.replicas: {{ $item.replicas }} replicas on the file backend each keep their images on their own volume, so an image uploaded through one pod cannot be read through another: use 1 replica, a shared backend in customServiceConfig, or storage.external with a volume every pod mounts (extraMounts at /var/lib/glance/images)
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
customServiceConfig may use the operator's template variables (`{{ .Name }}`); a name the
chart does not know is refused.
Usage: include "glance.validate.configVariables" .
*/}}
{{- define "glance.validate.configVariables" -}}
{{- $known := include "glance.config.variableNames" . | fromYaml -}}
{{- $seen := dict -}}
{{- range $item := .glanceView.instances }}
{{- $path := ternary (ternary (printf "glanceAPI%s.customServiceConfig" (title $item.instance)) "customServiceConfig" (ne ($item.settings.customServiceConfig | default "") "")) (ternary (printf "glanceAPIs.%s.customServiceConfig" $item.api) "customServiceConfig" (ne ($item.settings.customServiceConfig | default "") "")) $item.legacy -}}
{{- range $ref := regexFindAll "\\{\\{[^}]*\\}\\}" $item.customConfig -1 }}
{{- $name := regexReplaceAll "^\\{\\{-?\\s*\\.([A-Za-z0-9_]+)\\s*-?\\}\\}$" $ref "${1}" -}}
{{- $line := "" -}}
{{- if eq $name $ref -}}
{{- $line = printf "%s: %s is not a template variable the chart expands: write `{{ .Name }}` with one of %s" $path $ref (join ", " $known.all) -}}
{{- else if not (has $name $known.all) -}}
{{- $line = printf "%s: unknown template variable %s: use one of %s" $path $name (join ", " $known.all) -}}
{{- end -}}
{{- if and $line (not (hasKey $seen $line)) }}
{{- $_ := set $seen $line true }}
{{ $line }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
An instance with an application credential never gets the service user's password, and one
without gets no application credential: its customServiceConfig may use only the template
variables of the credential it has. glance_store's swift and cinder stores take an application
credential (swift_store_application_credential_id / _secret, cinder_store_application_credential_id
/ _secret), so the message names those.
Usage: include "glance.validate.applicationCredential" .
*/}}
{{- define "glance.validate.applicationCredential" -}}
{{- $seen := dict -}}
{{- range $item := .glanceView.instances }}
{{- $secret := include "glance.config.applicationCredential" (dict "context" $ "item" $item) -}}
{{- $own := dig "auth" "applicationCredentialSecret" "" $item.settings -}}
{{- $path := ternary (printf "glanceAPIs.%s.auth.applicationCredentialSecret" $item.api) "auth.applicationCredentialSecret" (ne $own "") -}}
{{- $config := ternary (ternary (printf "glanceAPI%s.customServiceConfig" (title $item.instance)) "customServiceConfig" (ne ($item.settings.customServiceConfig | default "") "")) (ternary (printf "glanceAPIs.%s.customServiceConfig" $item.api) "customServiceConfig" (ne ($item.settings.customServiceConfig | default "") "")) $item.legacy -}}
{{- $line := "" -}}
{{- if and $secret (regexMatch "\\{\\{-?\\s*\\.ServicePassword\\s*-?\\}\\}" $item.customConfig) -}}
{{- $line = printf "%s: %q is set, so the pods of API %s get no service password, but %s uses {{ .ServicePassword }}: a swift or cinder store takes the credential instead (swift_store_application_credential_id = {{ .ApplicationCredentialID }}, swift_store_application_credential_secret = {{ .ApplicationCredentialSecret }}, or the cinder_store_ options of the same names), or leave %s empty to keep the password" $path $secret $item.api $config $path -}}
{{- else if and (not $secret) (regexMatch "\\{\\{-?\\s*\\.ApplicationCredential(ID|Secret)\\s*-?\\}\\}" $item.customConfig) -}}
{{- $line = printf "%s uses {{ .ApplicationCredentialID }} or {{ .ApplicationCredentialSecret }}, but API %s logs in with the service password: set glanceAPIs.%s.auth.applicationCredentialSecret (or auth.applicationCredentialSecret) to the Secret of the credential, or use {{ .ServicePassword }}" $config $item.api $item.api -}}
{{- end -}}
{{- if and $line (not (hasKey $seen $line)) }}
{{- $_ := set $seen $line true }}
{{ $line }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Every pod the chart makes runs under the restricted Pod Security Standard (only
backendHostAccess relaxes it, for the API containers alone): security contexts and extraMounts
volumes that would break it are refused, naming the field and the rule.
Usage: include "glance.validate.podSecurity" .
*/}}
{{- define "glance.validate.podSecurity" -}}
{{- $pod := dict -}}
{{- range $k, $v := .Values.podSecurityContext | default dict -}}
{{- if not (kindIs "invalid" $v) -}}
{{- $_ := set $pod $k $v -}}
{{- end -}}
{{- end -}}
{{- $container := dict -}}
{{- range $k, $v := .Values.containerSecurityContext | default dict -}}
{{- if not (kindIs "invalid" $v) -}}
{{- $_ := set $container $k $v -}}
{{- end -}}
{{- end -}}
{{- $why := "the chart's pods run under the restricted Pod Security Standard" -}}
{{- range $key, $sc := dict "podSecurityContext" $pod "containerSecurityContext" $container }}
{{- range $id := list "runAsUser" "runAsGroup" "fsGroup" }}
{{- if and (hasKey $sc $id) (lt (int64 (get $sc $id)) 0) }}
{{ $key }}.{{ $id }}: must be 0 or more
{{- end }}
{{- end }}
{{- if and (hasKey $sc "runAsUser") (eq (toString $sc.runAsUser) "0") }}
{{ $key }}.runAsUser: 0 (root) is not allowed: {{ $why }}
{{- end }}
{{- with dig "seccompProfile" "type" "" $sc }}
{{- if not (has . (list "RuntimeDefault" "Localhost")) }}
{{ $key }}.seccompProfile.type: {{ . | quote }} is not allowed: use RuntimeDefault or Localhost ({{ $why }})
{{- end }}
{{- end }}
{{- with dig "appArmorProfile" "type" "" $sc }}
{{- if eq . "Unconfined" }}
{{ $key }}.appArmorProfile.type: "Unconfined" is not allowed: {{ $why }}
{{- end }}
{{- end }}
{{- with dig "seLinuxOptions" "type" "" $sc }}
{{- if not (has . (list "container_t" "container_init_t" "container_kvm_t" "container_engine_t")) }}
{{ $key }}.seLinuxOptions.type: {{ . | quote }} is not allowed: use container_t, container_init_t, container_kvm_t or container_engine_t ({{ $why }})
{{- end }}
{{- end }}
{{- if or (dig "seLinuxOptions" "user" "" $sc) (dig "seLinuxOptions" "role" "" $sc) }}
{{ $key }}.seLinuxOptions: user and role must be empty: {{ $why }}
{{- end }}
{{- if dig "windowsOptions" "hostProcess" false $sc }}
{{ $key }}.windowsOptions.hostProcess: must not be true: {{ $why }}
{{- end }}
{{- end }}
{{- if not (has (dig "seccompProfile" "type" "" $pod) (list "RuntimeDefault" "Localhost")) }}
{{- if not (has (dig "seccompProfile" "type" "" $container) (list "RuntimeDefault" "Localhost")) }}
podSecurityContext.seccompProfile.type: must be RuntimeDefault or Localhost (here or in containerSecurityContext): {{ $why }}
{{- end }}
{{- end }}
{{- if and (ne (toString (dig "runAsNonRoot" "" $pod)) "true") (ne (toString (dig "runAsNonRoot" "" $container)) "true") }}
podSecurityContext.runAsNonRoot: must be true (here or in containerSecurityContext): {{ $why }}
{{- end }}
{{- $safe := list "kernel.shm_rmid_forced" "net.ipv4.ip_local_port_range" "net.ipv4.ip_unprivileged_port_start" "net.ipv4.tcp_syncookies" "net.ipv4.ping_group_range" "net.ipv4.ip_local_reserved_ports" "net.ipv4.tcp_keepalive_time" "net.ipv4.tcp_fin_timeout" "net.ipv4.tcp_keepalive_intvl" "net.ipv4.tcp_keepalive_probes" -}}
{{- range $i, $sysctl := $pod.sysctls | default list }}
{{- if not (kindIs "map" $sysctl) }}
podSecurityContext.sysctls[{{ $i }}]: must be a sysctl, with a name and a value
{{- else if not (has $sysctl.name $safe) }}
podSecurityContext.sysctls[{{ $i }}].name: {{ $sysctl.name | quote }} is not a safe sysctl: {{ $why }}
{{- end }}
{{- end }}
{{- if dig "privileged" false $container }}
containerSecurityContext.privileged: must not be true: {{ $why }} (backendHostAccess gives the API containers what the cinder store needs)
{{- end }}
{{- if ne (toString (dig "allowPrivilegeEscalation" "" $container)) "false" }}
containerSecurityContext.allowPrivilegeEscalation: must be false: {{ $why }}
{{- end }}
{{- if not (has "ALL" (dig "capabilities" "drop" list $container)) }}
containerSecurityContext.capabilities.drop: must include ALL: {{ $why }}
{{- end }}
{{- range $i, $cap := dig "capabilities" "add" list $container }}
{{- if ne $cap "NET_BIND_SERVICE" }}
containerSecurityContext.capabilities.add[{{ $i }}]: {{ $cap | quote }} is not allowed (only NET_BIND_SERVICE): {{ $why }}
{{- end }}
{{- end }}
{{- with dig "procMount" "" $container }}
{{- if ne . "Default" }}
containerSecurityContext.procMount: {{ . | quote }} is not allowed: {{ $why }}
{{- end }}
{{- end }}
{{- $allowed := list "configMap" "csi" "downwardAPI" "emptyDir" "ephemeral" "persistentVolumeClaim" "projected" "secret" -}}
{{- range $i, $group := .Values.extraMounts }}
{{- range $j, $vol := $group.extraVol }}
{{- range $k, $volume := $vol.volumes }}
{{- range $type, $_ := omit ($volume | default dict) "name" }}
{{- if not (has $type $allowed) }}
extraMounts[{{ $i }}].extraVol[{{ $j }}].volumes[{{ $k }}].{{ $type }}: this volume type is not allowed: use one of {{ join ", " $allowed }} ({{ $why }})
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Kubernetes' rules for tolerations and probes that a schema of each field alone cannot state:
keys and values of tolerations as their operator needs them, one handler per probe, a grace
period for liveness probes only.
Usage: include "glance.validate.scheduling" .
*/}}
{{- define "glance.validate.scheduling" -}}
{{- range $i, $given := .Values.tolerations }}
{{- $t := $given | default dict -}}
{{- $operator := $t.operator | default "Equal" -}}
{{- if and $t.key (not (include "glance.validate.isQualifiedName" $t.key)) }}
tolerations[{{ $i }}].key: {{ $t.key | quote }} is not a valid taint key (an optional DNS prefix and "/", then up to 63 characters of letters, digits, "-", "_" and ".")
{{- end }}
{{- if and (eq $operator "Equal") (not (include "glance.validate.isLabelValue" ($t.value | default ""))) }}
tolerations[{{ $i }}].value: {{ $t.value | quote }} is not a valid label value (up to 63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit)
{{- end }}
{{- if and (not $t.key) (ne $operator "Exists") }}
tolerations[{{ $i }}]: a toleration without a key must have operator Exists (it then matches every taint)
{{- end }}
{{- if and (eq $operator "Exists") $t.value }}
tolerations[{{ $i }}].value: must be empty with operator Exists
{{- end }}
{{- if and (not (kindIs "invalid" $t.tolerationSeconds)) (ne ($t.effect | default "") "NoExecute") }}
tolerations[{{ $i }}].tolerationSeconds: only a toleration with effect NoExecute may set it
{{- end }}
{{- end }}
{{- range $kind, $probe := .Values.probes | default dict }}
{{- if $probe }}
{{- $handlers := list -}}
{{- range $h := list "exec" "httpGet" "tcpSocket" "grpc" -}}
{{- if and (hasKey $probe $h) (not (kindIs "invalid" (index $probe $h))) -}}
{{- $handlers = append $handlers $h -}}
{{- end -}}
{{- end -}}
{{- if ne (len $handlers) 1 }}
probes.{{ $kind }}: a probe needs exactly one of exec, httpGet, tcpSocket or grpc{{ with $handlers }} (it has {{ join ", " . }}){{ end }}
{{- end }}
{{- if and (eq $kind "liveness") (not (kindIs "invalid" $probe.successThreshold)) (ne (int64 $probe.successThreshold) 1) }}
probes.liveness.successThreshold: must be 1 for a liveness probe
{{- end }}
{{- if and (eq $kind "readiness") (not (kindIs "invalid" $probe.terminationGracePeriodSeconds)) }}
probes.readiness.terminationGracePeriodSeconds: only a liveness probe may set it
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Kubernetes' size limits, checked where the values are: a Secret holds at most 1 MiB (a config
Secret holds customServiceConfig and policy, beside about 16 KiB of generated files) and an
object's annotations at most 256 KiB: commonAnnotations and podAnnotations leave room for the
chart's own, and the objects that take annotations of their own (the ServiceAccount, the
Ingress, each Service; the API pods their networks) are counted whole, keys and values.
Usage: include "glance.validate.sizes" .
*/}}
{{- define "glance.validate.sizes" -}}
{{- $policy := len (.Values.policy | default "") -}}
{{- $seen := dict -}}
{{- range $item := .glanceView.instances }}
{{- $custom := len $item.customConfig -}}
{{- if and (gt (add $custom $policy 16384) 1048576) (not (hasKey $seen $item.api)) }}
{{- $_ := set $seen $item.api true }}
{{- $path := ternary (printf "glanceAPIs.%s.customServiceConfig" $item.api) "customServiceConfig" (ne ($item.settings.customServiceConfig | default "") "") -}}
{{ ternary $path "policy" (ge $custom $policy) }}: the configuration Secret of API {{ $item.api }} would pass Kubernetes' limit of 1 MiB ({{ $custom }} bytes of customServiceConfig, {{ $policy }} of policy): move the rest into customServiceConfigSecrets
{{- end }}
{{- end }}
{{- range $key := list "commonAnnotations" "podAnnotations" }}
{{- $size := 0 -}}
{{- range $k, $v := get $.Values $key | default dict -}}
{{- $size = add $size (len $k) (len (toString $v)) -}}
{{- end -}}
{{- if gt $size 196608 }}
{{ $key }}: {{ $size }} bytes of annotations leave no room within Kubernetes' limit of 256 KiB per object for the chart's own: keep them under 192 KiB
{{- end }}
{{- end }}
{{- $objects := dict -}}
{{- if .Values.serviceAccount.create -}}
{{- $_ := set $objects "serviceAccount.annotations" (dict "own" .Values.serviceAccount.annotations "object" "the ServiceAccount") -}}
{{- end -}}
{{- if .Values.ingress.enabled -}}
{{- $_ := set $objects "ingress.annotations" (dict "own" .Values.ingress.annotations "object" "the Ingress") -}}
{{- end -}}
{{- range $item := .glanceView.instances -}}
{{- range $service := $item.services -}}
{{- $_ := set $objects (printf "glanceAPIs.%s.override.service.%s.metadata.annotations" $item.api $service.endpoint) (dict "own" $service.override.metadata.annotations "object" (printf "the Service %s" $service.name)) -}}
{{- end -}}
{{- end -}}
{{- range $path, $object := $objects }}
{{- $size := 0 -}}
{{- range $k, $v := merge (deepCopy ($object.own | default dict)) ($.Values.commonAnnotations | default dict) -}}
{{- $size = add $size (len $k) (len (toString $v)) -}}
{{- end -}}
{{- if gt $size 262144 }}
{{ $path }}: {{ $object.object }} would carry {{ $size }} bytes of annotations with commonAnnotations, more than Kubernetes' limit of 262144 (256 KiB) per object: keep them together under it
{{- end }}
{{- end }}
{{- range $item := .glanceView.instances }}
{{- with $item.networks }}
{{- $own := dict "checksum/config" (repeat 64 "0") "checksum/scripts" (repeat 64 "0") "k8s.v1.cni.cncf.io/networks" (include "glance.pod.networks" (dict "context" $ "networks" .)) -}}
{{- $size := 0 -}}
{{- range $k, $v := merge $own ($.Values.podAnnotations | default dict) -}}
{{- $size = add $size (len $k) (len (toString $v)) -}}
{{- end -}}
{{- if gt $size 262144 }}
podAnnotations: the pods of {{ $item.workload }} would carry {{ $size }} bytes of annotations with the chart's, {{ len . }} networks among them, more than Kubernetes' limit of 262144 (256 KiB) per object: shorten podAnnotations or attach fewer networks
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Rules of Kubernetes' own validation for the objects values carry, which their OpenAPI schema
does not state: names, references, and the keys of labels and annotations.
Usage: include "glance.validate.objects" .
*/}}
{{- define "glance.validate.objects" -}}
{{- $label := "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" -}}
{{- range $i, $group := .Values.extraMounts }}
{{- range $j, $vol := $group.extraVol }}
{{- $at := printf "extraMounts[%d].extraVol[%d]" $i $j -}}
{{- $names := list -}}
{{- range $k, $given := $vol.volumes }}
{{- $volume := $given | default dict -}}
{{- $names = append $names ($volume.name | default "") -}}
{{- if not (regexMatch $label (toString ($volume.name | default ""))) }}
{{ $at }}.volumes[{{ $k }}].name: {{ $volume.name | default "" | quote }} is not a lowercase DNS label
{{- end }}
{{- $refs := dict "secret" "secretName" "configMap" "name" "persistentVolumeClaim" "claimName" -}}
{{- range $type, $field := $refs }}
{{- if and (hasKey $volume $type) (not (get ((get $volume $type) | default dict) $field)) }}
{{ $at }}.volumes[{{ $k }}].{{ $type }}.{{ $field }}: required
{{- end }}
{{- end }}
{{- end }}
{{- range $k, $given := $vol.mounts }}
{{- $mount := $given | default dict -}}
{{- if not (has ($mount.name | default "") $names) }}
{{ $at }}.mounts[{{ $k }}].name: {{ $mount.name | default "" | quote }} names no volume of this extraVol
{{- end }}
{{- if not (hasPrefix "/" (toString ($mount.mountPath | default ""))) }}
{{ $at }}.mounts[{{ $k }}].mountPath: must be an absolute path
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- range $item := .glanceView.instances }}
{{- range $service := $item.services }}
{{- with $service.override.spec.type }}
{{- if not (has . (list "ClusterIP" "NodePort" "LoadBalancer")) }}
glanceAPIs.{{ $item.api }}.override.service.{{ $service.endpoint }}.spec.type: {{ . | quote }} is not one of ClusterIP, NodePort, LoadBalancer
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- range $i, $given := .Values.networkPolicy.from }}
{{- $peer := $given | default dict -}}
{{- if and (kindIs "invalid" $peer.podSelector) (kindIs "invalid" $peer.namespaceSelector) (kindIs "invalid" $peer.ipBlock) }}
networkPolicy.from[{{ $i }}]: a peer needs podSelector, namespaceSelector or ipBlock
{{- end }}
{{- end }}
{{- $spreads := dict "topologySpreadConstraints" .Values.topologySpreadConstraints -}}
{{- range $name, $api := .Values.glanceAPIs | default dict -}}
{{- $_ := set $spreads (printf "glanceAPIs.%s.topologySpreadConstraints" $name) (($api | default dict).topologySpreadConstraints | default list) -}}
{{- end -}}
{{- range $path, $constraints := $spreads }}
{{- range $i, $given := $constraints }}
{{- $c := $given | default dict -}}
{{- if lt (int64 ($c.maxSkew | default 0)) 1 }}
{{ $path }}[{{ $i }}].maxSkew: must be 1 or more
{{- end }}
{{- if not $c.topologyKey }}
{{ $path }}[{{ $i }}].topologyKey: required
{{- end }}
{{- if not (has $c.whenUnsatisfiable (list "DoNotSchedule" "ScheduleAnyway")) }}
{{ $path }}[{{ $i }}].whenUnsatisfiable: must be DoNotSchedule or ScheduleAnyway
{{- end }}
{{- end }}
{{- end }}
{{- $keyed := dict "commonLabels" .Values.commonLabels "podLabels" .Values.podLabels "nodeSelector" .Values.nodeSelector "commonAnnotations" .Values.commonAnnotations "podAnnotations" .Values.podAnnotations "serviceAccount.annotations" .Values.serviceAccount.annotations "ingress.annotations" .Values.ingress.annotations -}}
{{- range $name, $api := .Values.glanceAPIs | default dict -}}
{{- $_ := set $keyed (printf "glanceAPIs.%s.nodeSelector" $name) (($api | default dict).nodeSelector | default dict) -}}
{{- end -}}
{{- range $item := .glanceView.instances -}}
{{- range $service := $item.services -}}
{{- $at := printf "glanceAPIs.%s.override.service.%s.metadata" $item.api $service.endpoint -}}
{{- $_ := set $keyed (printf "%s.labels" $at) $service.override.metadata.labels -}}
{{- $_ := set $keyed (printf "%s.annotations" $at) $service.override.metadata.annotations -}}
{{- end -}}
{{- end -}}
{{- range $path, $map := $keyed }}
{{- range $k, $_ := $map | default dict }}
{{- if not (include "glance.validate.isQualifiedName" $k) }}
{{ $path }}: the key {{ $k | quote }} is not a valid label or annotation key (an optional DNS prefix and "/", then up to 63 characters of letters, digits, "-", "_" and ".")
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Kubernetes' rules for the compute resources of a container: names of resources a container can
request, amounts that are quantities, a request at most its limit. Huge pages and extended
resources (<domain>/<name>) cannot be overcommitted: a request needs a limit equal to it. They
come whole, extended resources as integers, huge pages as pages of the size their name gives,
and huge pages need cpu or memory beside them. Claims name the pod's resource claims, and the
chart's pods have none. Amounts compare exactly (_quantity.tpl).
Usage: include "glance.validate.resources" .
*/}}
{{- define "glance.validate.resources" -}}
{{- $quantity := "^[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?[0-9]{1,3}))?$" -}}
{{- $counted := include "glance.quantity.orderKey" "9223372036854775e0" -}}
{{- $bytes := include "glance.quantity.orderKey" "9223372036854775807e0" -}}
{{- $resources := dict "hooks.resources" (.Values.hooks.resources | default dict) -}}
{{- range $name, $api := .Values.glanceAPIs | default dict -}}
{{- $_ := set $resources (printf "glanceAPIs.%s.resources" $name) (($api | default dict).resources | default dict) -}}
{{- end -}}
{{- range $key := list "glanceAPIInternal" "glanceAPIExternal" -}}
{{- $_ := set $resources (printf "%s.resources" $key) ((get $.Values $key | default dict).resources | default dict) -}}
{{- end -}}
{{- range $path, $r := $resources }}
{{- $keys := dict "requests" dict "limits" dict -}}
{{- $names := concat (keys ($r.requests | default dict)) (keys ($r.limits | default dict)) -}}
{{- range $part := list "requests" "limits" }}
{{- range $res, $amount := get $r $part | default dict }}
{{- $at := printf "%s.%s.%s" $path $part $res -}}
{{- if not (include "glance.validate.isContainerResource" $res) }}
{{ $path }}.{{ $part }}: {{ $res | quote }} is not a resource a container can request: use cpu, memory, ephemeral-storage, hugepages-<page size> (as hugepages-2Mi) or an extended resource <domain>/<name>
{{- else if not (regexMatch $quantity (toString $amount)) }}
{{ $at }}: {{ toString $amount | quote }} is not a quantity (for example 500m, 2, 1Gi)
{{- else }}
{{- $value := include "glance.quantity.decimal" $amount -}}
{{- $key := include "glance.quantity.orderKey" $value -}}
{{- $_ := set (get $keys $part) $res $key -}}
{{- if hasPrefix "hugepages-" $res }}
{{- $size := include "glance.quantity.decimal" (trimPrefix "hugepages-" $res) -}}
{{- if or (gt $key $bytes) (gt (include "glance.quantity.orderKey" $size) $counted) (ne (mod (include "glance.quantity.ceiling" $value | atoi) (include "glance.quantity.ceiling" $size | atoi)) 0) }}
{{ $at }}: {{ toString $amount | quote }} is not a whole number of pages of {{ trimPrefix "hugepages-" $res }}: use a multiple of {{ trimPrefix "hugepages-" $res }}
{{- end }}
{{- else if and (contains "/" $res) (not (contains "kubernetes.io/" $res)) (or (hasPrefix "-" (regexReplaceAll "^[^e]*e" $value "")) (gt $key $counted)) }}
{{ $at }}: {{ toString $amount | quote }} is not a whole number of at most 9223372036854775, as an extended resource needs
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- range $res, $request := $keys.requests }}
{{- $exact := or (hasPrefix "hugepages-" $res) (and (contains "/" $res) (not (contains "kubernetes.io/" $res))) -}}
{{- $given := toString (get $r.requests $res) -}}
{{- if not (hasKey ($r.limits | default dict) $res) }}
{{- if $exact }}
{{ $path }}.limits.{{ $res }}: required, since {{ $res }} cannot be overcommitted: set it to the request, {{ $given | quote }}
{{- end }}
{{- else if hasKey $keys.limits $res }}
{{- $limit := toString (get $r.limits $res) -}}
{{- if and $exact (ne $request (get $keys.limits $res)) }}
{{ $path }}.requests.{{ $res }}: the request {{ $given | quote }} differs from the limit {{ $limit | quote }}, but {{ $res }} cannot be overcommitted: set both to the same amount
{{- else if gt $request (get $keys.limits $res) }}
{{ $path }}.requests.{{ $res }}: the request {{ $given | quote }} is more than the limit {{ $limit | quote }}: lower the request or raise the limit
{{- end }}
{{- end }}
{{- end }}
{{- $huge := false -}}
{{- range $names -}}
{{- if hasPrefix "hugepages-" . -}}
{{- $huge = true -}}
{{- end -}}
{{- end -}}
{{- if and $huge (not (has "cpu" $names)) (not (has "memory" $names)) }}
{{ $path }}: huge pages need a cpu or memory request or limit beside them: add one
{{- end }}
{{- if $r.claims }}
{{ $path }}.claims: the chart's pods declare no resource claims (spec.resourceClaims) for a container to use: remove it
{{- end }}
{{- end }}
{{- end -}}

{{/*
A CronJob schedule as the CronJob controller reads it (the schema holds its shape of five
fields): each value within its field's range (minute 0-59, hour 0-23, day of month 1-31, month
1-12 or jan-dec, day of week 0-6 or sun-sat), ranges from low to high, steps of 1 or more.
Usage: include "glance.validate.schedules" .
*/}}
{{- define "glance.validate.schedules" -}}
{{- $schedules := dict "dbPurge.schedule" .Values.dbPurge.schedule -}}
{{- range $key, $schedule := pick (.Values.imageCache | default dict) "cleanerScheduler" "prunerScheduler" -}}
{{- $_ := set $schedules (printf "imageCache.%s" $key) $schedule -}}
{{- end -}}
{{- range $name, $api := .Values.glanceAPIs | default dict -}}
{{- range $key, $schedule := pick (($api | default dict).imageCache | default dict) "cleanerScheduler" "prunerScheduler" -}}
{{- $_ := set $schedules (printf "glanceAPIs.%s.imageCache.%s" $name $key) $schedule -}}
{{- end -}}
{{- end -}}
{{- $months := dict "jan" 1 "feb" 2 "mar" 3 "apr" 4 "may" 5 "jun" 6 "jul" 7 "aug" 8 "sep" 9 "oct" 10 "nov" 11 "dec" 12 -}}
{{- $days := dict "sun" 0 "mon" 1 "tue" 2 "wed" 3 "thu" 4 "fri" 5 "sat" 6 -}}
{{- $fields := list (dict "name" "minute" "min" 0 "max" 59 "names" dict "hint" "") (dict "name" "hour" "min" 0 "max" 23 "names" dict "hint" "") (dict "name" "day of month" "min" 1 "max" 31 "names" dict "hint" "") (dict "name" "month" "min" 1 "max" 12 "names" $months "hint" " or jan-dec") (dict "name" "day of week" "min" 0 "max" 6 "names" $days "hint" " or sun-sat") -}}
{{- range $path, $given := $schedules }}
{{- $schedule := toString $given -}}
{{- if and $schedule (not (hasPrefix "@" $schedule)) }}
{{- range $i, $text := regexSplit " +" $schedule -1 }}
{{- $field := index $fields $i -}}
{{- range $item := splitList "," $text | compact }}
{{- $parts := splitList "/" $item -}}
{{- $ends := splitList "-" (first $parts) -}}
{{- $numbers := list -}}
{{- $problem := "" -}}
{{- if or (gt (len $parts) 2) (gt (len $ends) 2) (has "" $ends) -}}
{{- $problem = printf "%q in %q is not a %s, a range or a step: write for example 5, 1-5, */15 or 0-30/10" $item $schedule $field.name -}}
{{- else if and (eq (len $parts) 2) (not (regexMatch "^0*[1-9][0-9]{0,17}$" (last $parts))) -}}
{{- $problem = printf "the step %q in %q is not a whole number of 1 or more" (last $parts) $schedule -}}
{{- else if not (has (first $parts) (list "*" "?")) -}}
{{- range $end := $ends -}}
{{- if hasKey $field.names (lower $end) -}}
{{- $numbers = append $numbers (get $field.names (lower $end)) -}}
{{- else if and (regexMatch "^0*[0-9]{1,2}$" $end) (le (atoi $end) (int $field.max)) (ge (atoi $end) (int $field.min)) -}}
{{- $numbers = append $numbers (atoi $end) -}}
{{- else if not $problem -}}
{{- $problem = printf "%q in %q is not a %s: use %d-%d%s" $end $schedule $field.name $field.min $field.max $field.hint -}}
{{- end -}}
{{- end -}}
{{- if and (not $problem) (gt (int (first $numbers)) (int (last $numbers))) -}}
{{- $problem = printf "the %s range %q in %q ends before it starts: write the lower value first" $field.name (first $parts) $schedule -}}
{{- end -}}
{{- end -}}
{{- with $problem }}
{{ $path }}: {{ . }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
An API's override.probes: an Exec probe runs a command and nothing else; the command is only
for Exec; path, port and scheme are only for an HTTP GET.
Usage: include "glance.validate.probes" .
*/}}
{{- define "glance.validate.probes" -}}
{{- range $name, $api := .Values.glanceAPIs | default dict }}
{{- range $probe, $conf := dig "override" "probes" dict ($api | default dict) }}
{{- $path := printf "glanceAPIs.%s.override.probes.%s" $name $probe }}
{{- $conf = $conf | default dict }}
{{- $http := keys (pick $conf "path" "port" "scheme") | sortAlpha }}
{{- if eq ($conf.type | default "") "Exec" }}
{{- if not $conf.command }}
{{ $path }}: type Exec needs a command: set command, for example ["/bin/true"], or use type HTTP
{{- end }}
{{- with $http }}
{{ $path }}: {{ join ", " . }} only apply to an HTTP probe, not to type Exec: remove them or use type HTTP
{{- end }}
{{- else if hasKey $conf "command" }}
{{ $path }}: command only applies to type Exec: set type: Exec, or remove command
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
"true" for a qualified name (a label, annotation or taint key): an optional DNS subdomain of at
most 253 characters and "/", then at most 63 letters, digits, "-", "_" and "."; empty otherwise.
Usage: include "glance.validate.isQualifiedName" "example.com/team"
*/}}
{{- define "glance.validate.isQualifiedName" -}}
{{- $name := regexReplaceAll "^.*/" . "" -}}
{{- if and (regexMatch "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$" .) (le (len $name) 63) (le (len .) (add 254 (len $name))) -}}
true
{{- end -}}
{{- end -}}

{{/*
"true" for a label value: empty, or at most 63 letters, digits, "-", "_" and ".", starting and
ending with a letter or digit; empty otherwise.
Usage: include "glance.validate.isLabelValue" "v1.2"
*/}}
{{- define "glance.validate.isLabelValue" -}}
{{- if and (regexMatch "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$" .) (le (len .) 63) -}}
true
{{- end -}}
{{- end -}}

{{/*
"true" for a resource a container can request (ValidateContainerResourceName): cpu, memory,
ephemeral-storage, huge pages of a page size (hugepages-2Mi), or <domain>/<name>. The domain is a
DNS subdomain: of at most 253 characters under kubernetes.io, else an extended resource's, of at
most 244 that starts with neither requests. nor hugepages- (names Kubernetes reads otherwise).
Empty otherwise.
Usage: include "glance.validate.isContainerResource" "example.com/gpu"
*/}}
{{- define "glance.validate.isContainerResource" -}}
{{- $domain := regexReplaceAll "/.*$" . "" -}}
{{- if has . (list "cpu" "memory" "ephemeral-storage") -}}
true
{{- else if regexMatch "^hugepages-[1-9][0-9]{0,50}([KMGTPE]i|[kMGTPE])?$" . -}}
true
{{- else if and (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$" .) (not (hasPrefix "hugepages-" .)) -}}
{{- if contains "kubernetes.io/" . -}}
{{- if le (len $domain) 253 -}}
true
{{- end -}}
{{- else if and (le (len $domain) 244) (not (hasPrefix "requests." .)) -}}
true
{{- end -}}
{{- end -}}
{{- end -}}
