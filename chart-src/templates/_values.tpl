{{/*
Helpers on values.
*/}}

{{/*
Sets every key of "over" into "base", recursing into maps present in both, and changes "base"
in place. Unlike sprig's merge it keeps false, 0 and "" from "over" (replicas: 0 and
debug.service: false must win over a default); a null removes the key, as Helm removes a
default its values set to null (`resources: {limits: {cpu: null}}`). Lists are replaced, not
merged.
Usage: $_ := include "glance.values.overlay" (dict "base" $copyOfDefaults "over" $userMap)
*/}}
{{- define "glance.values.overlay" -}}
{{- $base := .base -}}
{{- range $k, $v := .over -}}
{{- $cur := get $base $k -}}
{{- if kindIs "invalid" $v -}}
{{- $_ := unset $base $k -}}
{{- else if and (kindIs "map" $v) (kindIs "map" $cur) -}}
{{- $_ := include "glance.values.overlay" (dict "base" $cur "over" $v) -}}
{{- else -}}
{{- $_ := set $base $k $v -}}
{{- end -}}
{{- end -}}
{{- end -}}
