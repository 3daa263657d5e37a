{{/*
TLS of the connections the chart's pods open to the services Glance depends on, one switch per
hop: the database and memcached are reached over TLS once their CA bundle Secret is given
(database.tls, memcached.tls), Keystone once its URL is https (verified against
keystone.caBundleSecretName when given, else the image's trust store). The server's certificate
and host name are always verified. A client certificate (a kubernetes.io/tls Secret) is
optional. The TLS of Glance's own endpoints is the APIs' tls (api-statefulset.yaml).
*/}}

{{/*
The files of each hop that has TLS files, as YAML: hop -> {caSecret, ca, clientSecret, cert, key}
(clientSecret, cert and key only with a client certificate); the Secrets are mounted under
/etc/pki/tls/glance-<hop>-ca and /etc/pki/tls/glance-<hop>-client.
Usage: include "glance.tls.hops" . | fromYaml
*/}}
{{- define "glance.tls.hops" -}}
{{- $v := .Values -}}
{{- $given := dict
      "database" (dict "ca" $v.database.tls.caBundleSecretName "client" $v.database.tls.clientCertSecretName)
      "memcached" (dict "ca" $v.memcached.tls.caBundleSecretName "client" $v.memcached.tls.clientCertSecretName)
      "keystone" (dict "ca" $v.keystone.caBundleSecretName "client" "") -}}
{{- $hops := dict -}}
{{- range $hop, $secrets := $given -}}
{{- if $secrets.ca -}}
{{- $files := dict "caSecret" $secrets.ca "ca" (printf "/etc/pki/tls/glance-%s-ca/tls-ca-bundle.pem" $hop) -}}
{{- with $secrets.client -}}
{{- $dir := printf "/etc/pki/tls/glance-%s-client" $hop -}}
{{- $_ := merge $files (dict "clientSecret" . "cert" (printf "%s/tls.crt" $dir) "key" (printf "%s/tls.key" $dir)) -}}
{{- end -}}
{{- $_ := set $hops $hop $files -}}
{{- end -}}
{{- end -}}
{{- toYaml $hops -}}
{{- end -}}

{{/*
The volume mounts of the TLS files of the hops named (of those that have files).
Usage: include "glance.tls.mounts" (dict "context" $ "hops" (list "database" "keystone"))
*/}}
{{- define "glance.tls.mounts" -}}
{{- $all := include "glance.tls.hops" .context | fromYaml -}}
{{- range $hop := .hops -}}
{{- with get $all $hop }}
- name: {{ $hop }}-ca
  mountPath: {{ dir .ca }}
  readOnly: true
{{- if .clientSecret }}
- name: tls-{{ $hop }}-client
  mountPath: {{ dir .cert }}
  readOnly: true
{{- end }}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The volumes of the TLS files of the hops named: the CA bundle's key tls-ca-bundle.pem (as the
operator's combined-ca-bundle holds it), and the client certificate's Secret, readable by the
pod's group only.
Usage: include "glance.tls.volumes" (dict "context" $ "hops" (list "database" "keystone"))
*/}}
{{- define "glance.tls.volumes" -}}
{{- $all := include "glance.tls.hops" .context | fromYaml -}}
{{- range $hop := .hops -}}
{{- with get $all $hop }}
- name: {{ $hop }}-ca
  secret:
    secretName: {{ .caSecret | quote }}
    items:
      - key: tls-ca-bundle.pem
        path: tls-ca-bundle.pem
{{- if .clientSecret }}
- name: tls-{{ $hop }}-client
  secret:
    secretName: {{ .clientSecret | quote }}
    defaultMode: 0440
{{- end }}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The database's TLS files for the db hooks (hooks/db_sync.py reads them): DB_TLS_CA, and
DB_TLS_CERT and DB_TLS_KEY with a client certificate. Empty without database.tls.
Usage: include "glance.tls.databaseEnv" .
*/}}
{{- define "glance.tls.databaseEnv" -}}
{{- with (include "glance.tls.hops" . | fromYaml).database }}
- name: DB_TLS_CA
  value: {{ .ca | quote }}
{{- if .clientSecret }}
- name: DB_TLS_CERT
  value: {{ .cert | quote }}
- name: DB_TLS_KEY
  value: {{ .key | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
OS_CACERT, the CA bundle openstacksdk verifies Keystone with, for the pods that log in to
Keystone (registration hook, helm test); empty without keystone.caBundleSecretName.
Usage: include "glance.tls.keystoneEnv" .
*/}}
{{- define "glance.tls.keystoneEnv" -}}
{{- with (include "glance.tls.hops" . | fromYaml).keystone }}
- name: OS_CACERT
  value: {{ .ca | quote }}
{{- end }}
{{- end -}}

{{/*
MEMCACHE_SECRET_KEY, the key keystonemiddleware signs (MAC) or encrypts (ENCRYPT) its cached
tokens with, from the Secret of memcached.secretKey, for the init container of the API pods,
which writes it into 03-secrets.conf; empty without memcached.securityStrategy.
Usage: include "glance.tls.memcacheSecretKeyEnv" .
*/}}
{{- define "glance.tls.memcacheSecretKeyEnv" -}}
{{- $memcached := .Values.memcached -}}
{{- if and $memcached.securityStrategy .glanceView.memcachedServers -}}
{{- include "glance.pod.secretEnv" (dict "context" . "name" "MEMCACHE_SECRET_KEY" "key" $memcached.secretKey.key "secret" $memcached.secretKey.secretName) -}}
{{- end -}}
{{- end -}}
