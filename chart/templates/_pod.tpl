{{/*
Pieces of the Glance pods: API StatefulSets, image cache and db purge CronJobs.
*/}}

{{/*
Names extraMounts propagation may use to reach the pods of one API instance. Only API pods
run Glance's stores (the keyrings, shares and certificates extraMounts carry are theirs), so
Glance reaches them as GlanceAPI does, and no hook or CronJob pod gets extraMounts.
Usage: include "glance.pod.targets" (dict "item" $item) | fromYamlArray
*/}}
{{- define "glance.pod.targets" -}}
{{- toYaml (list "Glance" "GlanceAPI" .item.api .item.instance (printf "%s-%s" .item.api .item.instance)) -}}
{{- end -}}

{{/*
Fills "out" with the volumes and mounts of extraMounts whose propagation names one of the
instance's targets (empty propagation means Glance): {volumes, mounts}. Filled in place, so
the user's objects reach the manifest untouched.
Usage: $_ := include "glance.pod.extraMounts" (dict "context" $ "item" $item "out" $extra)
*/}}
{{- define "glance.pod.extraMounts" -}}
{{- $targets := include "glance.pod.targets" . | fromYamlArray -}}
{{- $volumes := list -}}
{{- $mounts := list -}}
{{- range $group := .context.Values.extraMounts -}}
{{- range $vol := $group.extraVol -}}
{{- $propagation := $vol.propagation | default (list "Glance") -}}
{{- $match := false -}}
{{- range $propagation -}}
{{- if has . $targets -}}
{{- $match = true -}}
{{- end -}}
{{- end -}}
{{- if $match -}}
{{- $volumes = concat $volumes ($vol.volumes | default list) -}}
{{- $mounts = concat $mounts ($vol.mounts | default list) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $_ := set .out "volumes" $volumes -}}
{{- $_ := set .out "mounts" $mounts -}}
{{- end -}}

{{/*
The value of the k8s.v1.cni.cncf.io/networks annotation (Multus) for a list of
`name` / `namespace/name` entries: a JSON list of {name, namespace}.
Usage: include "glance.pod.networks" (dict "context" $ "networks" $list)
*/}}
{{- define "glance.pod.networks" -}}
{{- $out := list -}}
{{- range .networks -}}
{{- $parts := splitList "/" . -}}
{{- if eq (len $parts) 2 -}}
{{- $out = append $out (dict "name" (index $parts 1) "namespace" (index $parts 0)) -}}
{{- else -}}
{{- $out = append $out (dict "name" . "namespace" $.context.Release.Namespace) -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/*
An env var read from a key of the user's Secret (values secret, or the Secret "secret" names).
With "named" true, also `<name>_KEY` holding "<secret>/<key>", which the hooks name in their
messages.
Usage: include "glance.pod.secretEnv" (dict "context" $ "name" "OS_PASSWORD" "key" .Values.passwordSelectors.admin "named" false)
*/}}
{{- define "glance.pod.secretEnv" -}}
{{- $secret := .secret | default .context.Values.secret -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret | quote }}
      key: {{ .key | quote }}
{{- if .named }}
- name: {{ .name }}_KEY
  value: {{ printf "%s/%s" $secret .key | quote }}
{{- end }}
{{- end -}}

{{/*
DB_PASSWORD: the database account's password, from database.secret when set, else from
values secret (key passwordSelectors.database).
Usage: include "glance.pod.databasePasswordEnv" (dict "context" $ "named" false)
*/}}
{{- define "glance.pod.databasePasswordEnv" -}}
{{- $v := .context.Values -}}
{{ include "glance.pod.secretEnv" (dict "context" .context "name" "DB_PASSWORD" "key" $v.passwordSelectors.database "named" .named "secret" $v.database.secret) }}
{{- end -}}

{{/*
The database settings of a container: where the database is and which account Glance uses.
The same names serve the pods' init container and the db sync hook ("named": see
glance.pod.secretEnv).
Usage: include "glance.pod.databaseEnv" (dict "context" $ "named" false)
*/}}
{{- define "glance.pod.databaseEnv" -}}
{{- $db := .context.glanceView.database -}}
- name: DB_HOST
  value: {{ $db.host | quote }}
- name: DB_PORT
  value: {{ $db.port | quote }}
- name: DB_NAME
  value: {{ $db.name | quote }}
- name: DB_USER
  value: {{ $db.account | quote }}
{{ include "glance.pod.databasePasswordEnv" (dict "context" .context "named" .named) }}
{{- end -}}

{{/*
APPLICATION_CREDENTIAL_ID and APPLICATION_CREDENTIAL_SECRET from the keys AC_ID and AC_SECRET
of an application credential's Secret (the operator's layout of it).
Usage: include "glance.pod.applicationCredentialEnv" $secretName
*/}}
{{- define "glance.pod.applicationCredentialEnv" -}}
{{- $secret := . -}}
{{- range $i, $name := list "APPLICATION_CREDENTIAL_ID" "APPLICATION_CREDENTIAL_SECRET" }}
{{- if $i }}
{{ end -}}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret | quote }}
      key: {{ ternary "AC_ID" "AC_SECRET" (eq $i 0) }}
{{- end }}
{{- end -}}

{{/*
Init container of every Glance pod: runs init_config.py (chart/files/pod), which fills
/etc/glance/glance.conf.d with the generated files, the passwords (from the user's Secret,
through the environment; the application credential's Secret instead of the service password
when the instance has one) and the customServiceConfigSecrets. An API pod's ("api" true) also
gets the memcached secret key. With "databaseOnly" (the CronJobs, whose Glance reads only its
database) it gets the database password alone: no Keystone login, no transport URL.
Usage: include "glance.pod.initContainer" (dict "context" $ "item" $item "api" true)
*/}}
{{- define "glance.pod.initContainer" -}}
{{- $v := .context.Values -}}
{{- $const := .context.glanceView.constants -}}
- name: glance-config
  image: {{ .item.image | quote }}
  imagePullPolicy: {{ $v.imagePullPolicy }}
  command: ["python3", "{{ $const.scriptsDir }}/init_config.py"]
  env:
    {{- include "glance.pod.databaseEnv" (dict "context" .context) | nindent 4 }}
    {{- if not .databaseOnly }}
    {{- $appCred := include "glance.config.applicationCredential" . }}
    {{- if $appCred }}
    {{- /* With an application credential the pod never gets the service user's password. */}}
    {{- include "glance.pod.applicationCredentialEnv" $appCred | nindent 4 }}
    {{- else }}
    {{- include "glance.pod.secretEnv" (dict "context" .context "name" "SERVICE_PASSWORD" "key" $v.passwordSelectors.service) | nindent 4 }}
    {{- end }}
    {{- with and .api (include "glance.tls.memcacheSecretKeyEnv" .context) }}
    {{- . | nindent 4 }}
    {{- end }}
    {{- with $v.notificationsBus.transportURLSecret }}
    - name: TRANSPORT_URL
      valueFrom:
        secretKeyRef:
          name: {{ . | quote }}
          key: transport_url
    {{- end }}
    {{- end }}
  securityContext:
    {{- toYaml $v.containerSecurityContext | nindent 4 }}
  {{- with $v.initContainer.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  volumeMounts:
    {{- include "glance.pod.configMounts" . | nindent 4 }}
    - name: config-d
      mountPath: /etc/glance/glance.conf.d
{{- end -}}

{{/*
Mounts of the config Secret, the pod scripts and the customServiceConfigSecrets (for the init
container).
Usage: include "glance.pod.configMounts" (dict "context" $ "item" $item)
*/}}
{{- define "glance.pod.configMounts" -}}
- name: config-data
  mountPath: /var/lib/config-data/default
  readOnly: true
- name: pod-scripts
  mountPath: {{ .context.glanceView.constants.scriptsDir }}
  readOnly: true
{{- range $i, $name := .item.configSecrets }}
- name: {{ printf "custom-config-%02d" $i }}
  mountPath: {{ printf "/var/lib/config-data/secrets/%02d" $i }}
  readOnly: true
{{- end }}
{{- end -}}

{{/*
Mounts of the Glance container for its configuration: the config Secret (httpd.conf), the pod
scripts (the WSGI script), glance.conf.d, my.cnf, policy.yaml, the CA bundle of
tls.caBundleSecretName (where the image's system trust store reads it) and the database's TLS
files (database.tls), which every Glance pod reads the database with.
Usage: include "glance.pod.glanceMounts" (dict "context" $ "item" $item)
*/}}
{{- define "glance.pod.glanceMounts" -}}
- name: config-data
  mountPath: /var/lib/config-data/default
  readOnly: true
- name: pod-scripts
  mountPath: {{ .context.glanceView.constants.scriptsDir }}
  readOnly: true
- name: config-d
  mountPath: /etc/glance/glance.conf.d
  {{- /* writable in debug mode, so a person can change the configuration and restart */}}
  readOnly: {{ not .item.debug }}
- name: config-data
  mountPath: /etc/my.cnf
  subPath: my.cnf
  readOnly: true
- name: config-data
  mountPath: /etc/glance/policy.yaml
  subPath: policy.yaml
  readOnly: true
{{- if dig "tls" "caBundleSecretName" "" .item.settings }}
- name: ca-bundle
  mountPath: /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem
  subPath: tls-ca-bundle.pem
  readOnly: true
{{- end }}
{{- include "glance.tls.mounts" (dict "context" .context "hops" (list "database")) }}
{{- end -}}

{{/*
Volumes for the configuration: the config Secret, the pod scripts, the glance.conf.d emptyDir
(in memory, it holds the passwords), the CA bundle, the customServiceConfigSecrets and the
database's TLS files.
Usage: include "glance.pod.configVolumes" (dict "context" $ "item" $item)
*/}}
{{- define "glance.pod.configVolumes" -}}
- name: config-data
  secret:
    secretName: {{ .item.configSecret | quote }}
    defaultMode: 0440
- name: pod-scripts
  configMap:
    name: {{ include "glance.names.podScripts" .context | quote }}
    defaultMode: 0444
- name: config-d
  emptyDir:
    medium: Memory
{{- with dig "tls" "caBundleSecretName" "" .item.settings }}
- name: ca-bundle
  secret:
    secretName: {{ . | quote }}
{{- end }}
{{- range $i, $name := .item.configSecrets }}
- name: {{ printf "custom-config-%02d" $i }}
  secret:
    secretName: {{ $name | quote }}
    defaultMode: 0440
{{- end }}
{{- include "glance.tls.volumes" (dict "context" .context "hops" (list "database")) }}
{{- end -}}

{{/*
Scheduling and identity fields shared by every Glance pod spec. Hook pods ("hook" true) run
before the release's ServiceAccount exists, so they keep the namespace's default one, unless
they are given an "account" of their own (a hook that talks to the Kubernetes API), which gets
its token mounted.
Usage: include "glance.pod.common" (dict "context" $ "item" $item "hook" false "account" "")
*/}}
{{- define "glance.pod.common" -}}
{{- $v := .context.Values -}}
{{- if .account -}}
serviceAccountName: {{ .account | quote }}
automountServiceAccountToken: true
{{- else -}}
{{- if not .hook -}}
serviceAccountName: {{ include "glance.names.serviceAccount" .context | quote }}
{{ end -}}
automountServiceAccountToken: false
{{- end }}
securityContext:
  {{- toYaml $v.podSecurityContext | nindent 2 }}
{{- with $v.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . | quote }}
  {{- end }}
{{- end }}
{{- $nodeSelector := $v.nodeSelector -}}
{{- if .item -}}
{{- $nodeSelector = .item.nodeSelector -}}
{{- end -}}
{{- with $nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
The affinity of an API instance's pods: the one given (the API's own, else the top-level one),
or, with none given, replicaAntiAffinity's spread of its replicas over nodes (empty for none).
Usage: include "glance.pod.affinity" (dict "context" $ "item" $item) | fromYaml
*/}}
{{- define "glance.pod.affinity" -}}
{{- $mode := .context.Values.replicaAntiAffinity -}}
{{- if .item.affinity -}}
{{- toYaml .item.affinity -}}
{{- else if ne $mode "none" -}}
{{- $term := dict "topologyKey" "kubernetes.io/hostname" "labelSelector" (dict "matchLabels" (include "glance.labels.selector" (dict "context" .context "component" "api" "instance" .item) | fromYaml)) -}}
{{- if eq $mode "hard" -}}
{{- toYaml (dict "podAntiAffinity" (dict "requiredDuringSchedulingIgnoredDuringExecution" (list $term))) -}}
{{- else -}}
{{- toYaml (dict "podAntiAffinity" (dict "preferredDuringSchedulingIgnoredDuringExecution" (list (dict "weight" 100 "podAffinityTerm" $term)))) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Node folders an API pod mounts when backendHostAccess is on, by volume name suffix: the
devices, the iSCSI initiator and node database, and udev's view of attached disks.
Usage: include "glance.pod.hostPaths" . | fromYaml
*/}}
{{- define "glance.pod.hostPaths" -}}
dev: /dev
iscsi: /etc/iscsi
iscsi-nodes: /var/lib/iscsi
udev: /run/udev
{{- end -}}

{{/*
Env of a container that names its own Glance node: worker_self_reference_url, the URL other
API pods reach this one at (its name in the headless Service). Glance needs it to forward a
glance-direct import to the pod that staged the data, and the centralized_db image cache keys
each node's cache by it. "pod" is the pod's name, or empty in the pod itself, which then reads
its name from the downward API.
Usage: include "glance.pod.selfEnv" (dict "context" $ "item" $item "pod" "")
*/}}
{{- define "glance.pod.selfEnv" -}}
{{- $scheme := ternary "https" "http" (ne .item.tlsSecret "") -}}
{{- if not .pod -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
{{ end -}}
- name: OS_DEFAULT__WORKER_SELF_REFERENCE_URL
  value: {{ printf "%s://%s.%s.%s.svc:%d" $scheme (.pod | default "$(POD_NAME)") .item.workload .context.Release.Namespace (int .context.glanceView.constants.port) | quote }}
{{- end -}}

{{/*
Checksum of the programs in the pod scripts ConfigMap, on every pod that mounts it, so a new
chart version of them rolls the pods.
Usage: include "glance.pod.scriptsChecksum" .
*/}}
{{- define "glance.pod.scriptsChecksum" -}}
{{- $all := list -}}
{{- range $path, $_ := .Files.Glob "files/pod/*.py" -}}
{{- $all = append $all ($.Files.Get $path) -}}
{{- end -}}
{{- sha256sum (join "\n" $all) -}}
{{- end -}}

{{/*
The probes of an API's Glance container, as YAML: the chart's GET of /healthcheck (or the
top-level probes.readiness / probes.liveness, which replace it), then the API's
override.probes over them field by field, as the operator applies them. A startup probe is
rendered only when override.probes.startupProbes asks for one; it starts from the liveness
probe. Path, port or scheme make the probe an HTTP GET; type Exec makes it run the command.
Usage: include "glance.pod.probes" (dict "context" $ "item" $item "scheme" "HTTP")
*/}}
{{- define "glance.pod.probes" -}}
{{- $v := .context.Values -}}
{{- $http := dict "path" "/healthcheck" "port" .context.glanceView.constants.portName "scheme" .scheme -}}
{{- /* Ready while the default store answers too (pod/glance_wsgi.py): a pod whose Ceph is
       down leaves its Service; alive while Glance answers, so it is not restarted for it. */ -}}
{{- $ready := merge (dict "path" "/healthcheck/store") $http -}}
{{- $readiness := $v.probes.readiness | default (dict "httpGet" $ready "periodSeconds" 10 "timeoutSeconds" 5 "failureThreshold" 3) -}}
{{- $liveness := $v.probes.liveness | default (dict "httpGet" $http "initialDelaySeconds" 5 "periodSeconds" 30 "timeoutSeconds" 10 "failureThreshold" 3) -}}
{{- $given := (.item.settings.override | default dict).probes | default dict -}}
{{- $plan := list (list "readinessProbe" $readiness $given.readinessProbes) (list "livenessProbe" $liveness $given.livenessProbes) -}}
{{- with $given.startupProbes }}{{ $plan = append $plan (list "startupProbe" $liveness .) }}{{ end -}}
{{- range $step := $plan }}
{{- $probe := deepCopy (index $step 1) }}
{{- $conf := index $step 2 | default dict }}
{{- if eq ($conf.type | default "") "Exec" }}
{{- $probe = omit $probe "httpGet" "tcpSocket" "grpc" }}
{{- $_ := set $probe "exec" (dict "command" $conf.command) }}
{{- else if or (eq ($conf.type | default "") "HTTP") $conf.path $conf.port $conf.scheme }}
{{- $get := deepCopy ($probe.httpGet | default $http) }}
{{- $probe = omit $probe "exec" "tcpSocket" "grpc" }}
{{- with $conf.path }}{{ $_ := set $get "path" . }}{{ end }}
{{- with $conf.port }}{{ $_ := set $get "port" (int .) }}{{ end }}
{{- with $conf.scheme }}{{ $_ := set $get "scheme" . }}{{ end }}
{{- $_ := set $probe "httpGet" $get }}
{{- end }}
{{- /* As in the operator, 0 or a missing field keeps the value below it. */}}
{{- range $field := list "initialDelaySeconds" "timeoutSeconds" "periodSeconds" "failureThreshold" }}
{{- with get $conf $field }}{{ $_ := set $probe $field (int .) }}{{ end }}
{{- end }}
{{ index $step 0 }}:
  {{- toYaml $probe | nindent 2 }}
{{- end }}
{{- end -}}
