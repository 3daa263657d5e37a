{{/*
Pieces of the hook Jobs (db sync before install and upgrade, Keystone registration after).
*/}}

{{/*
Where the hook programs are mounted in hook pods.
Usage: include "glance.hooks.scriptsPath" .
*/}}
{{- define "glance.hooks.scriptsPath" -}}
/var/lib/glance-hooks
{{- end -}}

{{/*
Name of the ConfigMap holding the hook programs.
Usage: include "glance.hooks.scriptsName" .
*/}}
{{- define "glance.hooks.scriptsName" -}}
{{- printf "%s-hook-scripts" (include "glance.names.fullname" .) -}}
{{- end -}}

{{/*
Annotations of a hook object: its phases, its weight, and the delete policy preserveJobs
chooses. Argo CD reads the same annotations: pre-* become PreSync, post-* PostSync, and the
weight orders objects within a phase.
Usage: include "glance.hooks.annotations" (dict "context" $ "hook" "pre-install,pre-upgrade" "weight" -10 "keep" false)
*/}}
{{- define "glance.hooks.annotations" -}}
helm.sh/hook: {{ .hook }}
helm.sh/hook-weight: {{ .weight | quote }}
{{- if or .keep .context.Values.preserveJobs }}
helm.sh/hook-delete-policy: before-hook-creation
{{- else }}
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end }}
{{- end -}}

{{/*
Keystone registered limits from quotas, as JSON: every Glance resource once any quota is on,
0 (unset) registered as -1, which oslo.limit reads as unlimited. Empty when quotas are off.
Usage: include "glance.hooks.registeredLimits" .
*/}}
{{- define "glance.hooks.registeredLimits" -}}
{{- if .glanceView.quotas -}}
{{- $q := .Values.quotas -}}
{{- $limits := dict
      "image_size_total" $q.imageSizeTotal
      "image_stage_total" $q.imageStageTotal
      "image_count_total" $q.imageCountTotal
      "image_count_uploading" $q.imageCountUpload -}}
{{- range $name, $value := $limits -}}
{{- $_ := set $limits $name (ternary (int64 $value) -1 (gt (int64 $value) 0)) -}}
{{- end -}}
{{- toJson $limits -}}
{{- end -}}
{{- end -}}

{{/*
The spec of a hook Job running one hook program.
"account" names a ServiceAccount of the hook's own (empty: none, no token); "backoffLimit"
replaces hooks.backoffLimit; "tls" names the hops whose TLS files the hook mounts (database,
keystone: glance.tls.hops).
Usage: include "glance.hooks.jobSpec" (dict "context" $ "component" "db-sync" "image" $image "script" "db_sync.py" "env" $envYaml "account" "" "tls" (list "database"))
*/}}
{{- define "glance.hooks.jobSpec" -}}
{{- $v := .context.Values -}}
{{- if not (kindIs "invalid" .backoffLimit) }}
backoffLimit: {{ int64 .backoffLimit }}
{{- else }}
backoffLimit: {{ int64 $v.hooks.backoffLimit }}
{{- end }}
activeDeadlineSeconds: {{ int64 $v.hooks.activeDeadlineSeconds }}
template:
  metadata:
    labels:
      {{- include "glance.labels.pod" (dict "context" .context "component" .component) | nindent 6 }}
  spec:
    restartPolicy: Never
    {{- include "glance.pod.common" (dict "context" .context "hook" true "account" .account) | nindent 4 }}
    containers:
      - name: {{ .component }}
        image: {{ .image | quote }}
        imagePullPolicy: {{ $v.imagePullPolicy }}
        command: ["python3", "{{ include "glance.hooks.scriptsPath" .context }}/{{ .script }}"]
        env:
          - name: PYTHONDONTWRITEBYTECODE
            value: "1"
          {{- .env | nindent 10 }}
        securityContext:
          {{- toYaml $v.containerSecurityContext | nindent 10 }}
        {{- with $v.hooks.resources }}
        resources:
          {{- toYaml . | nindent 10 }}
        {{- end }}
        volumeMounts:
          - name: hook-scripts
            mountPath: {{ include "glance.hooks.scriptsPath" .context }}
            readOnly: true
          - name: tmp
            mountPath: /tmp
          {{- with include "glance.tls.mounts" (dict "context" .context "hops" (.tls | default list)) | trim }}
          {{- . | nindent 10 }}
          {{- end }}
    volumes:
      - name: hook-scripts
        configMap:
          name: {{ include "glance.hooks.scriptsName" .context | quote }}
          defaultMode: 0444
      - name: tmp
        emptyDir: {}
      {{- with include "glance.tls.volumes" (dict "context" .context "hops" (.tls | default list)) | trim }}
      {{- . | nindent 6 }}
      {{- end }}
{{- end -}}

{{/*
Environment of the db sync hook (see the docstring of hooks/db_sync.py).
Usage: include "glance.hooks.dbSyncEnv" .
*/}}
{{- define "glance.hooks.dbSyncEnv" -}}
{{- $v := .Values -}}
{{ include "glance.pod.databaseEnv" (dict "context" . "named" true) }}
- name: DB_CREATE
  value: {{ $v.database.create | quote }}
{{- if $v.database.create }}
- name: DB_ROOT_USER
  value: {{ $v.database.rootUser | quote }}
{{ include "glance.pod.secretEnv" (dict "context" . "name" "DB_ROOT_PASSWORD" "key" $v.passwordSelectors.databaseRoot "named" true) }}
{{- end }}
- name: DB_WAIT_SECONDS
  value: {{ int64 $v.database.waitSeconds | quote }}
{{- /* glance-manage needs only the database URL, which the hook passes in its environment. */}}
- name: GLANCE_CONFIG_DIR
  value: ""
- name: DB_PHASE
  value: expand
{{- include "glance.tls.databaseEnv" . }}
{{- end -}}

{{/*
Name of the db contract hook's ServiceAccount, Role, RoleBinding and Job.
Usage: include "glance.hooks.contractName" .
*/}}
{{- define "glance.hooks.contractName" -}}
{{- printf "%s-db-contract" (include "glance.names.fullname" .) -}}
{{- end -}}

{{/*
Environment of the db contract hook (hooks/db_contract.py): the account Glance
uses (the contract needs no root), and the StatefulSets whose rollout it waits for, a minute
less than the Job may run.
Usage: include "glance.hooks.contractEnv" .
*/}}
{{- define "glance.hooks.contractEnv" -}}
{{- $v := .Values -}}
{{ include "glance.pod.databaseEnv" (dict "context" . "named" true) }}
- name: DB_WAIT_SECONDS
  value: {{ int64 $v.database.waitSeconds | quote }}
- name: GLANCE_CONFIG_DIR
  value: ""
- name: NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: STATEFULSETS
  value: {{ include "glance.hooks.workloads" . | quote }}
- name: ROLLOUT_WAIT_SECONDS
  value: {{ max 10 (sub (int64 $v.hooks.activeDeadlineSeconds) 60) | quote }}
{{- include "glance.tls.databaseEnv" . }}
{{- end -}}

{{/*
Environment of the Keystone registration hook (see the docstring of hooks/keystone_register.py).
Usage: include "glance.hooks.keystoneEnv" .
*/}}
{{- define "glance.hooks.keystoneEnv" -}}
{{- $v := .Values -}}
{{- $catalog := .glanceView.catalog -}}
{{- /* The service user's password is the hook's to set while an instance logs in with it;
       once every instance has an application credential, the hook leaves it alone. */ -}}
{{- $password := false -}}
{{- range $item := .glanceView.instances -}}
{{- if not (include "glance.config.applicationCredential" (dict "context" $ "item" $item)) -}}
{{- $password = true -}}
{{- end -}}
{{- end -}}
{{ include "glance.hooks.keystoneLoginEnv" . }}
- name: OS_INTERFACE
  value: internal
- name: SERVICE_PROJECT
  value: {{ $v.keystone.serviceProject | quote }}
- name: SERVICE_USER
  value: {{ $v.serviceUser | quote }}
{{- if $password }}
{{ include "glance.pod.secretEnv" (dict "context" . "name" "SERVICE_PASSWORD" "key" $v.passwordSelectors.service "named" true) }}
{{- end }}
- name: SERVICE_ROLES
  value: {{ join "," $v.keystone.serviceRoles | quote }}
- name: SERVICE_NAME
  value: glance
- name: SERVICE_TYPE
  value: image
- name: ENDPOINT_PUBLIC_URL
  value: {{ $catalog.public | default "" | quote }}
- name: ENDPOINT_INTERNAL_URL
  value: {{ $catalog.internal | default "" | quote }}
- name: REGION
  value: {{ $v.keystone.region | quote }}
- name: KEYSTONE_WAIT_SECONDS
  value: {{ int64 $v.keystone.waitSeconds | quote }}
- name: REGISTERED_LIMITS
  value: {{ include "glance.hooks.registeredLimits" . | quote }}
{{- if and .glanceView.quotas $password }}
{{- /* [oslo_limit] logs in with a system-scoped token to read the limits (with the password;
       an application credential's token is scoped to its project). */}}
- name: SERVICE_SYSTEM_ROLES
  value: reader
{{- end }}
{{- end -}}

{{/*
The OS_* environment of a Keystone login as the admin user of values keystone, its password
from the user's Secret, as openstacksdk and the hooks read it.
Usage: include "glance.hooks.keystoneLoginEnv" .
*/}}
{{- define "glance.hooks.keystoneLoginEnv" -}}
{{- $v := .Values -}}
{{ include "glance.hooks.keystoneSiteEnv" . }}
- name: OS_USERNAME
  value: {{ $v.keystone.adminUser | quote }}
{{ include "glance.pod.secretEnv" (dict "context" . "name" "OS_PASSWORD" "key" $v.passwordSelectors.admin "named" true) }}
- name: OS_PROJECT_NAME
  value: {{ $v.keystone.adminProject | quote }}
{{- end -}}

{{/*
Where a Keystone login goes, whoever logs in: the URL, the domain of the user and of the
project, the region, and OS_CACERT with keystone.caBundleSecretName (the pod mounts it:
glance.tls.mounts).
Usage: include "glance.hooks.keystoneSiteEnv" .
*/}}
{{- define "glance.hooks.keystoneSiteEnv" -}}
{{- $v := .Values -}}
- name: OS_AUTH_URL
  value: {{ .glanceView.keystone.url | quote }}
- name: OS_USER_DOMAIN_NAME
  value: {{ $v.keystone.domain | quote }}
- name: OS_PROJECT_DOMAIN_NAME
  value: {{ $v.keystone.domain | quote }}
- name: OS_REGION_NAME
  value: {{ $v.keystone.region | quote }}
{{- include "glance.tls.keystoneEnv" . }}
{{- end -}}

{{/*
The environment of a Keystone login as the Glance service user, the way the catalog API logs in
(hooks/release_check.py reads it): with its application credential when it has one, else with
the service user's password on the service project. Never the admin's password.
Usage: include "glance.hooks.serviceLoginEnv" .
*/}}
{{- define "glance.hooks.serviceLoginEnv" -}}
{{- $v := .Values -}}
{{- $appCred := "" -}}
{{- range $item := .glanceView.instances -}}
{{- if $item.catalog -}}
{{- $appCred = include "glance.config.applicationCredential" (dict "context" $ "item" $item) -}}
{{- end -}}
{{- end -}}
{{ include "glance.hooks.keystoneSiteEnv" . }}
{{- if $appCred }}
{{ include "glance.pod.applicationCredentialEnv" $appCred }}
{{- else }}
- name: SERVICE_USER
  value: {{ $v.serviceUser | quote }}
- name: SERVICE_PROJECT
  value: {{ $v.keystone.serviceProject | quote }}
{{ include "glance.pod.secretEnv" (dict "context" . "name" "SERVICE_PASSWORD" "key" $v.passwordSelectors.service "named" true) }}
{{- end }}
{{- end -}}

{{/*
Name of the resize hook's ServiceAccount, Role, RoleBinding and Job.
Usage: include "glance.hooks.resizeName" .
*/}}
{{- define "glance.hooks.resizeName" -}}
{{- printf "%s-resize" (include "glance.names.fullname" .) -}}
{{- end -}}

{{/*
What the resize hook compares (see the docstring of hooks/statefulset_resize.py): each API
StatefulSet, its replicas and the volume claims it should have, as JSON.
Usage: include "glance.hooks.resizeTargets" .
*/}}
{{- define "glance.hooks.resizeTargets" -}}
{{- $out := list -}}
{{- range $item := .glanceView.instances -}}
{{- $claims := dict -}}
{{- if not $item.storage.external -}}
{{- $_ := set $claims $.glanceView.constants.imagesClaim (dict "size" $item.storage.storageRequest "storageClass" $item.storage.storageClass "value" $item.paths.storageRequest) -}}
{{- end -}}
{{- with $item.cache.size -}}
{{- $_ := set $claims $.glanceView.constants.cacheClaim (dict "size" . "storageClass" $item.storage.storageClass "value" $item.paths.cacheSize) -}}
{{- end -}}
{{- $out = append $out (dict "name" $item.workload "api" $item.api "replicas" $item.replicas "claims" $claims) -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/*
Environment of the resize hook (see the docstring of hooks/statefulset_resize.py).
Usage: include "glance.hooks.resizeEnv" .
*/}}
{{- define "glance.hooks.resizeEnv" -}}
- name: NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: STATEFULSETS
  value: {{ include "glance.hooks.resizeTargets" . | quote }}
{{- end -}}

{{/*
Name of the password rollout hook's ServiceAccount, Role, RoleBinding and Job.
Usage: include "glance.hooks.rolloutName" .
*/}}
{{- define "glance.hooks.rolloutName" -}}
{{- printf "%s-password-rollout" (include "glance.names.fullname" .) -}}
{{- end -}}

{{/*
Environment of the password rollout hook (see the docstring of hooks/password_rollout.py): the
Secret values the API pods read when they start (the database password, the service password
or the application credentials, the transport URL), and what to restart. It waits for the restart a minute less than the Job may run.
Usage: include "glance.hooks.rolloutEnv" .
*/}}
{{- define "glance.hooks.rolloutEnv" -}}
{{- $v := .Values -}}
{{- $watched := list "DB_PASSWORD" -}}
{{- /* The service password counts while an instance logs in with it; an application
       credential is watched by its Secret's keys (a new Secret name rolls by checksum). */ -}}
{{- $password := false -}}
{{- $credentials := list -}}
{{- range $item := .glanceView.instances -}}
{{- $secret := include "glance.config.applicationCredential" (dict "context" $ "item" $item) -}}
{{- if not $secret -}}
{{- $password = true -}}
{{- else if not (has $secret $credentials) -}}
{{- $credentials = append $credentials $secret -}}
{{- end -}}
{{- end -}}
- name: NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
{{ include "glance.pod.databasePasswordEnv" (dict "context" .) }}
{{- if $password }}
{{- $watched = append $watched "SERVICE_PASSWORD" }}
{{ include "glance.pod.secretEnv" (dict "context" . "name" "SERVICE_PASSWORD" "key" $v.passwordSelectors.service) }}
{{- end }}
{{- range $i, $secret := $credentials }}
{{- range $key := list "AC_ID" "AC_SECRET" }}
{{- $watched = append $watched (printf "%s_%d" $key $i) }}
- name: {{ printf "%s_%d" $key $i }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret | quote }}
      key: {{ $key }}
{{- end }}
{{- end }}
{{- with $v.notificationsBus.transportURLSecret }}
{{- $watched = append $watched "TRANSPORT_URL" }}
- name: TRANSPORT_URL
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: transport_url
{{- end }}
{{- with include "glance.tls.memcacheSecretKeyEnv" . }}
{{- $watched = append $watched "MEMCACHE_SECRET_KEY" }}
{{ . }}
{{- end }}
- name: WATCHED
  value: {{ toJson $watched | quote }}
- name: STATEFULSETS
  value: {{ include "glance.hooks.workloads" . | quote }}
- name: STATE_CONFIGMAP
  value: {{ include "glance.names.passwordFingerprint" . | quote }}
- name: WAIT_SECONDS
  value: {{ max 10 (sub (int64 $v.hooks.activeDeadlineSeconds) 60) | quote }}
{{- end -}}

{{/*
Names of the API StatefulSets of the release, as JSON.
Usage: include "glance.hooks.workloads" .
*/}}
{{- define "glance.hooks.workloads" -}}
{{- $out := list -}}
{{- range $item := .glanceView.instances -}}
{{- $out = append $out $item.workload -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/*
The hooks that talk to the Kubernetes API, each with a ServiceAccount, Role and RoleBinding of
its own (every other hook pod runs without a token), as a YAML list: name, component, the
phases and weight of the three objects (before the Job of the same phases), what the Role
allows (rules) and why (purpose).
Usage: include "glance.hooks.identities" . | fromYamlArray
*/}}
{{- define "glance.hooks.identities" -}}
{{- $workloads := include "glance.hooks.workloads" . | fromJsonArray -}}
{{- $const := .glanceView.constants -}}
{{- $claims := list -}}
{{- range $item := .glanceView.instances -}}
{{- range $ordinal := until (int $item.replicas) -}}
{{- $claims = concat $claims (list (printf "%s-%s-%d" $const.imagesClaim $item.workload $ordinal) (printf "%s-%s-%d" $const.cacheClaim $item.workload $ordinal)) -}}
{{- end -}}
{{- end -}}
{{- $resize := list
      (dict "apiGroups" (list "apps") "resources" (list "statefulsets") "resourceNames" $workloads "verbs" (list "get" "delete"))
      (dict "apiGroups" (list "") "resources" (list "persistentvolumeclaims") "verbs" (list "list")) -}}
{{- with $claims -}}
{{- $resize = append $resize (dict "apiGroups" (list "") "resources" (list "persistentvolumeclaims") "resourceNames" . "verbs" (list "patch")) -}}
{{- end -}}
{{- $out := list (dict
      "name" (include "glance.hooks.resizeName" .) "component" "statefulset-resize"
      "hook" "pre-upgrade,pre-rollback" "weight" -20 "rules" $resize
      "purpose" "read and delete (orphaning their pods) this release's API StatefulSets, and expand the claims their pods use (listing claims cannot be limited by name)") -}}
{{- if .glanceView.instances -}}
{{- $out = append $out (dict
      "name" (include "glance.hooks.rolloutName" .) "component" "password-rollout"
      "hook" "post-install,post-upgrade" "weight" 2
      "rules" (list
        (dict "apiGroups" (list "") "resources" (list "configmaps") "resourceNames" (list (include "glance.names.passwordFingerprint" .)) "verbs" (list "get" "patch"))
        (dict "apiGroups" (list "apps") "resources" (list "statefulsets") "resourceNames" $workloads "verbs" (list "get" "patch")))
      "purpose" "read and annotate the password fingerprint ConfigMap (which holds no code) and this release's API StatefulSets (whose pod template annotation restarts their pods)") -}}
{{- end -}}
{{- $out = append $out (dict
      "name" (include "glance.hooks.contractName" .) "component" "db-contract"
      "hook" "post-install,post-upgrade" "weight" 2
      "rules" (list (dict "apiGroups" (list "apps") "resources" (list "statefulsets") "resourceNames" $workloads "verbs" (list "get")))
      "purpose" "read this release's API StatefulSets (their rollout status)") -}}
{{- toYaml $out -}}
{{- end -}}
