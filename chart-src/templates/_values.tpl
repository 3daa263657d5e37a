{{/*
Helpers on values.
*/}}

{{/*
Sets every key of "over" into "base", recursing into maps present in both, and changes "base"
in place. Unlike sprig's merge it keeps false, 0 and "" from "over" (replicas: 0 and
debug.service: false must win over a default). Lists are replaced, not merged.
Usage: $_ := include "glance.values.overlay" (dict "base" $copyOfDefaults "over" $userMap)
*/}}
{{- define "glance.values.overlay" -}}
{{- $base := .base -}}
{{- range $k, $v := .over -}}
{{- $cur := get $base $k -}}
{{- if and (kindIs "map" $v) (kindIs "map" $cur) -}}
{{- $_ := include "glance.values.overlay" (dict "base" $cur "over" $v) -}}
{{- else -}}
{{- $_ := set $base $k $v -}}
{{- end -}}
{{- end -}}
{{- end -}}
