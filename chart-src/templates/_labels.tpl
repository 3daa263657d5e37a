{{/*
Labels and the metadata block every object opens with.
*/}}

{{/*
Labels that select the pods of one component (and, for the APIs, of one instance).
Usage: include "glance.labels.selector" (dict "context" $ "component" "api" "instance" $inst)
*/}}
{{- define "glance.labels.selector" -}}
{{- $ctx := .context -}}
app.kubernetes.io/name: {{ include "glance.names.name" $ctx | quote }}
app.kubernetes.io/instance: {{ $ctx.Release.Name | quote }}
app.kubernetes.io/component: {{ .component | quote }}
{{- with .instance }}
glance.openstack.org/api: {{ .api | quote }}
glance.openstack.org/api-instance: {{ .instance | quote }}
{{- end }}
{{- end -}}

{{/*
Standard labels of every object: commonLabels, then the selector labels, version, chart, part-of
and managed-by (which win over commonLabels of the same key).
Usage: include "glance.labels.standard" (dict "context" $ "component" "api" "instance" $inst)
*/}}
{{- define "glance.labels.standard" -}}
{{- $ctx := .context -}}
{{- $labels := deepCopy ($ctx.Values.commonLabels | default dict) -}}
{{- range $k, $v := include "glance.labels.selector" . | fromYaml }}
{{- $_ := set $labels $k $v }}
{{- end }}
{{- with $ctx.Chart.AppVersion }}
{{- $_ := set $labels "app.kubernetes.io/version" (toString .) }}
{{- end }}
{{- $_ := set $labels "app.kubernetes.io/part-of" "openstack" }}
{{- $_ := set $labels "app.kubernetes.io/managed-by" $ctx.Release.Service }}
{{- $_ := set $labels "helm.sh/chart" (include "glance.names.chart" $ctx) }}
{{- toYaml $labels }}
{{- end -}}

{{/*
The metadata block of every object: name, namespace, the standard labels (plus "labels" of the
caller), and commonAnnotations (plus "annotations" of the caller, which win).
Usage: metadata: {{ include "glance.labels.metadata" (dict "context" $ "name" $name "component" "api") | nindent 2 }}
*/}}
{{- define "glance.labels.metadata" -}}
{{- $ctx := .context -}}
{{- $labels := include "glance.labels.standard" . | fromYaml -}}
{{- range $k, $v := .labels }}
{{- $_ := set $labels $k (toString $v) }}
{{- end }}
{{- $annotations := deepCopy ($ctx.Values.commonAnnotations | default dict) -}}
{{- range $k, $v := .annotations }}
{{- $_ := set $annotations $k (toString $v) }}
{{- end -}}
name: {{ .name | quote }}
namespace: {{ $ctx.Release.Namespace | quote }}
labels:
  {{- toYaml $labels | nindent 2 }}
{{- with $annotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
Labels of a pod template: podLabels, then the standard labels (which win on the same key).
Usage: include "glance.labels.pod" (dict "context" $ "component" "api" "instance" $item)
*/}}
{{- define "glance.labels.pod" -}}
{{- $labels := deepCopy (.context.Values.podLabels | default dict) -}}
{{- range $k, $v := include "glance.labels.standard" . | fromYaml }}
{{- $_ := set $labels $k $v }}
{{- end }}
{{- toYaml $labels }}
{{- end -}}

{{/*
Labels the glance-operator sets on the StatefulSet, the pods and the Services of a GlanceAPI, so
that what finds them by those labels still does: service, component, glanceAPI
(`glance-<api>-<instance>`) and owner (the GlanceAPI's name, `<fullname>-<api>-<instance>`). No
selector the chart renders uses them, so they can change without recreating a StatefulSet.
Usage: include "glance.labels.operator" (dict "context" $ "instance" $item)
*/}}
{{- define "glance.labels.operator" -}}
service: glance
component: glance-api
glanceAPI: {{ printf "glance-%s-%s" .instance.api .instance.instance | quote }}
owner: {{ printf "%s-%s-%s" .context.glanceView.fullname .instance.api .instance.instance | quote }}
{{- end -}}
