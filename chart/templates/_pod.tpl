{{/*
Pieces of the Glance pods: API StatefulSets, image cache and db purge CronJobs.
*/}}

{{/*
Image of one instance: the API's containerImage, else the top-level one.
Usage: include "glance.pod.image" (dict "context" $ "item" $item)
*/}}
{{- define "glance.pod.image" -}}
{{- $item := .item | default dict -}}
{{- (dig "settings" "containerImage" "" $item) | default .context.Values.containerImage -}}
{{- end -}}

{{/*
Names extraMounts propagation may use to reach the pods of one instance (or, without item, of
pods that are not API pods: only Glance).
Usage: include "glance.pod.targets" (dict "item" $item) | fromYamlArray
*/}}
{{- define "glance.pod.targets" -}}
{{- if .item -}}
{{- toYaml (list "Glance" "GlanceAPI" .item.api .item.instance (printf "%s-%s" .item.api .item.instance)) -}}
{{- else -}}
{{- toYaml (list "Glance") -}}
{{- end -}}
{{- end -}}

{{/*
Volumes and mounts of extraMounts whose propagation names one of the targets (empty propagation
means Glance), as YAML {volumes, mounts}.
Usage: include "glance.pod.extraMounts" (dict "context" $ "item" $item) | fromYaml
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
{{- toYaml (dict "volumes" $volumes "mounts" $mounts) -}}
{{- end -}}

{{/*
The customServiceConfigSecrets of one instance: top-level ones, then the API's, in order.
Usage: include "glance.pod.configSecrets" (dict "context" $ "item" $item) | fromYamlArray
*/}}
{{- define "glance.pod.configSecrets" -}}
{{- $own := list -}}
{{- if .item -}}
{{- $own = .item.settings.customServiceConfigSecrets | default list -}}
{{- end -}}
{{- toYaml (concat (.context.Values.customServiceConfigSecrets | default list) $own) -}}
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
Init container of every Glance pod: runs init-config.py, which fills /etc/glance/glance.conf.d
with the generated files, the passwords (from the user's Secret, through the environment) and
the customServiceConfigSecrets.
Usage: include "glance.pod.initContainer" (dict "context" $ "item" $item)
*/}}
{{- define "glance.pod.initContainer" -}}
{{- $v := .context.Values -}}
- name: glance-config
  image: {{ include "glance.pod.image" . | quote }}
  imagePullPolicy: {{ $v.imagePullPolicy }}
  command: ["python3", "/var/lib/config-data/default/init-config.py"]
  env:
    - name: DB_ACCOUNT
      value: {{ include "glance.config.databaseAccount" .context | quote }}
    - name: DB_HOST
      value: {{ include "glance.config.databaseHost" .context | quote }}
    - name: DB_PORT
      value: {{ $v.database.port | quote }}
    - name: DB_NAME
      value: {{ $v.database.name | quote }}
    - name: DB_PASSWORD
      valueFrom:
        secretKeyRef:
          name: {{ $v.secret }}
          key: {{ $v.passwordSelectors.database }}
    - name: SERVICE_PASSWORD
      valueFrom:
        secretKeyRef:
          name: {{ $v.secret }}
          key: {{ $v.passwordSelectors.service }}
    {{- with $v.notificationsBus.transportURLSecret }}
    - name: TRANSPORT_URL
      valueFrom:
        secretKeyRef:
          name: {{ . }}
          key: transport_url
    {{- end }}
  securityContext:
    {{- toYaml $v.containerSecurityContext | nindent 4 }}
  volumeMounts:
    {{- include "glance.pod.configMounts" . | nindent 4 }}
    - name: config-d
      mountPath: /etc/glance/glance.conf.d
{{- end -}}

{{/*
Mounts of the config Secret and of the customServiceConfigSecrets (for the init container).
Usage: include "glance.pod.configMounts" (dict "context" $ "item" $item)
*/}}
{{- define "glance.pod.configMounts" -}}
- name: config-data
  mountPath: /var/lib/config-data/default
  readOnly: true
{{- range $i, $name := include "glance.pod.configSecrets" . | fromYamlArray }}
- name: {{ printf "custom-config-%02d" $i }}
  mountPath: {{ printf "/var/lib/config-data/secrets/%02d" $i }}
  readOnly: true
{{- end }}
{{- end -}}

{{/*
Mounts of the Glance container for its configuration: the config Secret (httpd.conf, the WSGI
script), glance.conf.d, my.cnf, policy.yaml and the CA bundle of tls.caBundleSecretName (where
the image's system trust store reads it).
Usage: include "glance.pod.glanceMounts" (dict "context" $ "item" $item)
*/}}
{{- define "glance.pod.glanceMounts" -}}
- name: config-data
  mountPath: /var/lib/config-data/default
  readOnly: true
- name: config-d
  mountPath: /etc/glance/glance.conf.d
  {{- /* writable in debug mode, so a person can change the configuration and restart */}}
  readOnly: {{ not (dig "settings" "debug" "service" false (.item | default dict)) }}
- name: config-data
  mountPath: /etc/my.cnf
  subPath: my.cnf
  readOnly: true
{{- if .context.Values.policy }}
- name: config-data
  mountPath: /etc/glance/policy.yaml
  subPath: policy.yaml
  readOnly: true
{{- end }}
{{- if dig "settings" "tls" "caBundleSecretName" "" (.item | default dict) }}
- name: ca-bundle
  mountPath: /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem
  subPath: tls-ca-bundle.pem
  readOnly: true
{{- end }}
{{- end -}}

{{/*
Volumes for the configuration: the config Secret, the glance.conf.d emptyDir (in memory, it
holds the passwords), the CA bundle and the customServiceConfigSecrets.
Usage: include "glance.pod.configVolumes" (dict "context" $ "item" $item "secret" $configSecretName)
*/}}
{{- define "glance.pod.configVolumes" -}}
- name: config-data
  secret:
    secretName: {{ .secret }}
    defaultMode: 0440
- name: config-d
  emptyDir:
    medium: Memory
{{- with dig "settings" "tls" "caBundleSecretName" "" (.item | default dict) }}
- name: ca-bundle
  secret:
    secretName: {{ . }}
{{- end }}
{{- range $i, $name := include "glance.pod.configSecrets" . | fromYamlArray }}
- name: {{ printf "custom-config-%02d" $i }}
  secret:
    secretName: {{ $name }}
{{- end }}
{{- end -}}

{{/*
Scheduling and identity fields shared by every Glance pod spec. Hook pods ("hook" true) run
before the release's ServiceAccount exists, so they keep the namespace's default one.
Usage: include "glance.pod.common" (dict "context" $ "item" $item "hook" false)
*/}}
{{- define "glance.pod.common" -}}
{{- $v := .context.Values -}}
{{- if not .hook -}}
serviceAccountName: {{ include "glance.names.serviceAccount" .context }}
{{ end -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml $v.podSecurityContext | nindent 2 }}
{{- with $v.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- $nodeSelector := $v.nodeSelector }}
{{- if .item }}
{{- if .item.settings.nodeSelector }}
{{- $nodeSelector = .item.settings.nodeSelector }}
{{- end }}
{{- end }}
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
Storage of one instance, as YAML {storageClass, storageRequest, external}: the API's storage,
else the top-level storage, else the deprecated top-level storageClass / storageRequest (which
apply while storage.storageClass is empty / storage.storageRequest is at its default, 10G).
Usage: include "glance.pod.storage" (dict "context" $ "item" $item) | fromYaml
*/}}
{{- define "glance.pod.storage" -}}
{{- $v := .context.Values -}}
{{- $top := $v.storage | default dict -}}
{{- $own := .item.settings.storage | default dict -}}
{{- $class := $top.storageClass | default "" -}}
{{- if and (not $class) $v.storageClass -}}
{{- $class = $v.storageClass -}}
{{- end -}}
{{- $request := $top.storageRequest | default "10G" -}}
{{- if and (eq $request "10G") $v.storageRequest -}}
{{- $request = $v.storageRequest -}}
{{- end -}}
{{- $external := $top.external | default false -}}
{{- if hasKey $own "storageClass" -}}
{{- $class = $own.storageClass -}}
{{- end -}}
{{- with $own.storageRequest -}}
{{- $request = . -}}
{{- end -}}
{{- if hasKey $own "external" -}}
{{- $external = $own.external -}}
{{- end -}}
{{- toYaml (dict "storageClass" $class "storageRequest" $request "external" $external) -}}
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
Env of a container working on an image cache. Glance keys each node's cache in the database
by the URL the node is reached at (worker_self_reference_url, required by the centralized_db
cache driver; older Glance ignores it): the pod's own name in its headless Service. "pod" is
the pod's name, or empty in the pod itself, which then reads its name from the downward API.
Usage: include "glance.pod.cacheEnv" (dict "context" $ "item" $item "pod" "")
*/}}
{{- define "glance.pod.cacheEnv" -}}
{{- $scheme := ternary "https" "http" (ne .item.tlsSecret "") -}}
{{- if not .pod -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
{{ end -}}
- name: OS_DEFAULT__WORKER_SELF_REFERENCE_URL
  value: {{ printf "%s://%s.%s.%s.svc:9292" $scheme (.pod | default "$(POD_NAME)") .item.workload .context.Release.Namespace | quote }}
{{- end -}}
