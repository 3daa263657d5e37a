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
{{- if eq (include "glance.config.quotasOn" .) "true" -}}
{{- $q := .Values.quotas -}}
{{- $limits := dict
      "image_size_total" $q.imageSizeTotal
      "image_stage_total" $q.imageStageTotal
      "image_count_total" $q.imageCountTotal
      "image_count_uploading" $q.imageCountUpload -}}
{{- range $name, $value := $limits -}}
{{- if not $value -}}
{{- $_ := set $limits $name -1 -}}
{{- end -}}
{{- end -}}
{{- toJson $limits -}}
{{- end -}}
{{- end -}}

{{/*
An env var read from the user's Secret.
Usage: include "glance.hooks.secretEnv" (dict "context" $ "name" "DB_PASSWORD" "key" .Values.passwordSelectors.database)
*/}}
{{- define "glance.hooks.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .context.Values.secret }}
      key: {{ .key }}
- name: {{ .name }}_KEY
  value: {{ printf "%s/%s" .context.Values.secret .key | quote }}
{{- end -}}

{{/*
The spec of a hook Job running one hook program.
Usage: include "glance.hooks.jobSpec" (dict "context" $ "component" "db-sync" "image" $image "script" "db_sync.py" "env" $envYaml)
*/}}
{{- define "glance.hooks.jobSpec" -}}
{{- $v := .context.Values -}}
{{- $extra := include "glance.pod.extraMounts" (dict "context" .context) | fromYaml -}}
backoffLimit: {{ $v.hooks.backoffLimit }}
activeDeadlineSeconds: {{ $v.hooks.activeDeadlineSeconds }}
template:
  metadata:
    labels:
      {{- include "glance.labels.pod" (dict "context" .context "component" .component) | nindent 6 }}
  spec:
    restartPolicy: Never
    {{- include "glance.pod.common" (dict "context" .context "hook" true) | nindent 4 }}
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
          {{- with $extra.mounts }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
    volumes:
      - name: hook-scripts
        configMap:
          name: {{ include "glance.hooks.scriptsName" .context }}
          defaultMode: 0444
      - name: tmp
        emptyDir: {}
      {{- with $extra.volumes }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
{{- end -}}

{{/*
Environment of the db sync hook (see the docstring of hooks/db_sync.py).
Usage: include "glance.hooks.dbSyncEnv" .
*/}}
{{- define "glance.hooks.dbSyncEnv" -}}
{{- $v := .Values -}}
- name: DB_HOST
  value: {{ include "glance.config.databaseHost" . | quote }}
- name: DB_PORT
  value: {{ $v.database.port | quote }}
- name: DB_NAME
  value: {{ $v.database.name | quote }}
- name: DB_USER
  value: {{ include "glance.config.databaseAccount" . | quote }}
{{ include "glance.hooks.secretEnv" (dict "context" . "name" "DB_PASSWORD" "key" $v.passwordSelectors.database) }}
- name: DB_CREATE
  value: {{ $v.database.create | quote }}
{{- if $v.database.create }}
- name: DB_ROOT_USER
  value: {{ $v.database.rootUser | quote }}
{{ include "glance.hooks.secretEnv" (dict "context" . "name" "DB_ROOT_PASSWORD" "key" $v.passwordSelectors.databaseRoot) }}
{{- end }}
- name: DB_WAIT_SECONDS
  value: {{ $v.database.waitSeconds | quote }}
{{- /* glance-manage needs only the database URL, which the hook passes in its environment. */}}
- name: GLANCE_CONFIG_DIR
  value: ""
{{- end -}}

{{/*
Environment of the Keystone registration hook (see the docstring of hooks/keystone_register.py).
Usage: include "glance.hooks.keystoneEnv" .
*/}}
{{- define "glance.hooks.keystoneEnv" -}}
{{- $v := .Values -}}
{{- $catalog := include "glance.apis.catalog" . | fromYaml -}}
- name: OS_AUTH_URL
  value: {{ include "glance.config.keystoneURL" . | quote }}
- name: OS_USERNAME
  value: {{ $v.keystone.adminUser | quote }}
{{ include "glance.hooks.secretEnv" (dict "context" . "name" "OS_PASSWORD" "key" $v.passwordSelectors.admin) }}
- name: OS_PROJECT_NAME
  value: {{ $v.keystone.adminProject | quote }}
- name: OS_USER_DOMAIN_NAME
  value: {{ $v.keystone.domain | quote }}
- name: OS_PROJECT_DOMAIN_NAME
  value: {{ $v.keystone.domain | quote }}
- name: OS_REGION_NAME
  value: {{ $v.keystone.region | quote }}
- name: OS_INTERFACE
  value: internal
- name: SERVICE_PROJECT
  value: {{ $v.keystone.serviceProject | quote }}
- name: SERVICE_USER
  value: {{ $v.serviceUser | quote }}
{{ include "glance.hooks.secretEnv" (dict "context" . "name" "SERVICE_PASSWORD" "key" $v.passwordSelectors.service) }}
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
- name: REGISTERED_LIMITS
  value: {{ include "glance.hooks.registeredLimits" . | quote }}
{{- if eq (include "glance.config.quotasOn" .) "true" }}
{{- /* [oslo_limit] logs in with a system-scoped token to read the limits. */}}
- name: SERVICE_SYSTEM_ROLES
  value: reader
{{- end }}
{{- end -}}
