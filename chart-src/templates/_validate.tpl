{{/*
Checks of values that the JSON schema cannot express. Each check adds messages naming the value
path and the fix; glance.validate.values fails once with all of them.
*/}}

{{/*
Runs every check and fails with all messages at once. Included first by every template.
Usage: include "glance.validate.values" .
*/}}
{{- define "glance.validate.values" -}}
{{- $messages := list -}}
{{- range $topic := list "layout" "apiNames" "keystoneEndpoint" "notifications" "networkAttachments" "extraMounts" -}}
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
{{- if and (eq (include "glance.apis.legacy" .) "true") .Values.glanceAPIs }}
glanceAPIInternal/glanceAPIExternal cannot be combined with glanceAPIs: move them to glanceAPIs.<name> with type split
{{- end }}
{{- end -}}

{{/*
API names are lowercase DNS labels, short enough that `<fullname>-<api>-<instance>-api` stays
within 52 characters (a StatefulSet name must leave room for its 11-character revision suffix
in a 63-character label).
Usage: include "glance.validate.apiNames" .
*/}}
{{- define "glance.validate.apiNames" -}}
{{- $fullname := include "glance.names.fullname" . -}}
{{- $suffix := dict "split" "-external-api" "single" "-single-api" "edge" "-edge-api" -}}
{{- $apis := .Values.glanceAPIs | default dict -}}
{{- if eq (include "glance.apis.legacy" .) "true" -}}
{{- if gt (add (len $fullname) (len "-external-api")) 52 }}
glanceAPIInternal/glanceAPIExternal: the workload name {{ printf "%s-external-api" $fullname | quote }} is longer than 52 characters: set fullnameOverride to at most {{ sub 52 (len "-external-api") }} characters
{{- end }}
{{- $apis = dict -}}
{{- else if not $apis -}}
{{- $apis = dict "default" dict -}}
{{- end -}}
{{- range $name, $api := $apis }}
{{- $type := dig "type" "split" ($api | default dict) -}}
{{- $max := int (sub 52 (add (len $fullname) 1 (len (get $suffix $type | default "-external-api")))) -}}
{{- if not (regexMatch "^[a-z]([-a-z0-9]*[a-z0-9])?$" $name) }}
glanceAPIs.{{ $name }}: the API name must be a lowercase DNS label (a-z, 0-9 and '-', starting with a letter, not ending with '-'): rename it, for example to {{ regexReplaceAll "[^a-z0-9-]+" (lower $name) "-" | trimAll "-" | default "default" | quote }}
{{- else if lt $max 1 }}
glanceAPIs.{{ $name }}: the name prefix {{ $fullname | quote }} ({{ len $fullname }} characters) leaves no room for API names of type {{ $type }}: set fullnameOverride to a shorter prefix
{{- else if gt (len $name) $max }}
glanceAPIs.{{ $name }}: the API name is {{ len $name }} characters long but at most {{ $max }} fit in the workload name {{ printf "%s-%s%s" $fullname $name (get $suffix $type) | quote }} (52 characters at most): use a shorter name, or a shorter fullnameOverride
{{- end }}
{{- end }}
{{- end -}}

{{/*
keystoneEndpoint names an existing API that is not of type edge.
Usage: include "glance.validate.keystoneEndpoint" .
*/}}
{{- define "glance.validate.keystoneEndpoint" -}}
{{- $want := .Values.keystoneEndpoint -}}
{{- $apis := .Values.glanceAPIs | default dict -}}
{{- if $want -}}
{{- if or (eq (include "glance.apis.legacy" .) "true") (not $apis) -}}
{{- if ne $want "default" }}
keystoneEndpoint: {{ $want | quote }} is not an API; the only API is "default": set keystoneEndpoint to "default" or leave it empty
{{- end }}
{{- else if not (hasKey $apis $want) }}
keystoneEndpoint: {{ $want | quote }} is not a key of glanceAPIs ({{ keys $apis | sortAlpha | join ", " }}): set it to one of them or leave it empty
{{- else if eq (dig "type" "split" (get $apis $want | default dict)) "edge" }}
keystoneEndpoint: glanceAPIs.{{ $want }} is of type edge, which is never in the catalog: name an API of type split or single
{{- end }}
{{- else if and $apis (not (include "glance.apis.catalogName" .)) }}
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
notificationsBus.cluster: {{ $bus.cluster | quote }} is set but notificationsBus.transportURLSecret is empty: create a Secret whose key transport_url holds the transport URL of that cluster and name it in notificationsBus.transportURLSecret
{{- end }}
{{- end -}}

{{/*
networkAttachments entries are `name` or `namespace/name`.
Usage: include "glance.validate.networkAttachments" .
*/}}
{{- define "glance.validate.networkAttachments" -}}
{{- $re := "^([a-z0-9]([-a-z0-9]*[a-z0-9])?/)?[a-z0-9]([-.a-z0-9]*[a-z0-9])?$" -}}
{{- range $name, $api := .Values.glanceAPIs | default dict }}
{{- range $i, $net := ($api | default dict).networkAttachments }}
{{- if not (regexMatch $re $net) }}
glanceAPIs.{{ $name }}.networkAttachments[{{ $i }}]: {{ $net | quote }} is not a NetworkAttachmentDefinition reference: write `name` or `namespace/name`
{{- end }}
{{- end }}
{{- end }}
{{- range $key := list "glanceAPIInternal" "glanceAPIExternal" }}
{{- range $i, $net := (get $.Values $key | default dict).networkAttachments }}
{{- if not (regexMatch $re $net) }}
{{ $key }}.networkAttachments[{{ $i }}]: {{ $net | quote }} is not a NetworkAttachmentDefinition reference: write `name` or `namespace/name`
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
extraMounts propagation names Glance, GlanceAPI, an API, or an instance (`external`, `internal`,
`single`, `edge`, or `<api>-<instance>`).
Usage: include "glance.validate.extraMounts" .
*/}}
{{- define "glance.validate.extraMounts" -}}
{{- $known := list "Glance" "GlanceAPI" -}}
{{- range $item := include "glance.apis.list" . | fromYamlArray -}}
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
