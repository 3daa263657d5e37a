{{/*
Object names. Every name the chart gives derives from glance.names.fullname, which is kept to
40 characters so that the longest derived names (`<fullname>-<api>-<instance>-api` and its
revisions and CronJobs) stay within Kubernetes' limits.
*/}}

{{/*
Name of the chart, or nameOverride.
Usage: include "glance.names.name" .
*/}}
{{- define "glance.names.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Prefix of every object name: fullnameOverride, else the release name when it contains the chart
name, else `<release>-<chart>`; at most 40 characters.
Usage: include "glance.names.fullname" .
*/}}
{{- define "glance.names.fullname" -}}
{{- $name := include "glance.names.name" . -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/*
Value of the helm.sh/chart label: `<chart>-<version>`.
Usage: include "glance.names.chart" .
*/}}
{{- define "glance.names.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Name of the ServiceAccount of the Glance pods.
Usage: include "glance.names.serviceAccount" .
*/}}
{{- define "glance.names.serviceAccount" -}}
{{- default (include "glance.names.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{/*
A name of a base and a suffix kept within a length limit: both joined when short enough, else
the head of the base, a hash of the whole name and the suffix, so that distinct long names stay
distinct, the suffix stays readable, and the result never changes between renders.
Usage: include "glance.names.limit" (dict "name" $workload "suffix" "-cache-cleaner-0" "max" 52)
*/}}
{{- define "glance.names.limit" -}}
{{- $suffix := .suffix | default "" -}}
{{- $full := printf "%s%s" .name $suffix -}}
{{- if le (len $full) (int .max) -}}
{{- $full -}}
{{- else -}}
{{- printf "%s-%s%s" (trunc (int (sub (sub (int .max) (len $suffix)) 9)) .name | trimSuffix "-") (sha256sum $full | trunc 8) $suffix -}}
{{- end -}}
{{- end -}}

{{/*
Name of the ConfigMap holding the programs the Glance pods run (chart/files/pod).
Usage: include "glance.names.podScripts" .
*/}}
{{- define "glance.names.podScripts" -}}
{{- printf "%s-pod-scripts" (include "glance.names.fullname" .) -}}
{{- end -}}

{{/*
Name of the ConfigMap where the password rollout hook keeps the fingerprint of the passwords
the API pods started with (hooks/password_rollout.py).
Usage: include "glance.names.passwordFingerprint" .
*/}}
{{- define "glance.names.passwordFingerprint" -}}
{{- printf "%s-password-fingerprint" (include "glance.names.fullname" .) -}}
{{- end -}}
