{{/*
The APIs to deploy, expanded into instances. One instance is one workload (StatefulSet), its
headless Service, its config Secret, and the endpoint Services it backs.
*/}}

{{/*
The instances of every API, as a YAML list (read it with fromYamlArray). Each item holds:
api (API name), instance (external, internal, single or edge), type, legacy (from
glanceAPIInternal / glanceAPIExternal), workload (StatefulSet and headless Service name),
configSecret, catalog (whether the API is the one in the Keystone catalog), tlsSecret, settings
(the API's values over their defaults) and services (the endpoint Services it backs: name,
endpoint, url, override).
Usage: include "glance.apis.list" . | fromYamlArray
*/}}
{{- define "glance.apis.list" -}}
{{- $ctx := . -}}
{{- $fullname := include "glance.names.fullname" . -}}
{{- $defaults := include "glance.defaults.byPath" . | fromYaml -}}
{{- $instances := list -}}
{{- $catalog := include "glance.apis.catalogName" . -}}
{{- if eq (include "glance.apis.legacy" .) "true" -}}
  {{- /* The older layout: one split API whose two instances have their own values. */ -}}
  {{- $override := include "glance.apis.legacyOverride" . | fromYaml -}}
  {{- range $key, $inst := dict "glanceAPIExternal" "external" "glanceAPIInternal" "internal" -}}
    {{- $settings := deepCopy (index $defaults "glanceAPIs.*") -}}
    {{- $_ := include "glance.values.overlay" (dict "base" $settings "over" (deepCopy (get $defaults $key))) -}}
    {{- $_ := include "glance.values.overlay" (dict "base" $settings "over" (deepCopy (get $ctx.Values $key | default dict))) -}}
    {{- $_ := unset $settings "externalEndpoints" -}}
    {{- $_ := unset $settings "preserveJobs" -}}
    {{- $_ := set $settings "type" "split" -}}
    {{- $_ := set $settings "override" $override -}}
    {{- $item := dict "api" "default" "instance" $inst "type" "split" "legacy" true "catalog" true "settings" $settings -}}
    {{- $_ := set $item "workload" (printf "%s-%s-api" $fullname $inst) -}}
    {{- $_ := set $item "servicePrefix" $fullname -}}
    {{- $instances = append $instances $item -}}
  {{- end -}}
{{- else -}}
  {{- $apis := .Values.glanceAPIs | default dict -}}
  {{- if not $apis -}}
    {{- $apis = dict "default" dict -}}
  {{- end -}}
  {{- range $name := keys $apis | sortAlpha -}}
    {{- $settings := deepCopy (index $defaults "glanceAPIs.*") -}}
    {{- $_ := include "glance.values.overlay" (dict "base" $settings "over" (deepCopy (get $apis $name | default dict))) -}}
    {{- $kinds := list "single" -}}
    {{- if eq $settings.type "split" -}}
      {{- $kinds = list "external" "internal" -}}
    {{- else if eq $settings.type "edge" -}}
      {{- $kinds = list "edge" -}}
    {{- end -}}
    {{- range $inst := $kinds -}}
      {{- $item := dict "api" $name "instance" $inst "type" $settings.type "legacy" false "catalog" (eq $name $catalog) "settings" $settings -}}
      {{- $_ := set $item "workload" (printf "%s-%s-%s-api" $fullname $name $inst) -}}
      {{- $_ := set $item "servicePrefix" (printf "%s-%s" $fullname $name) -}}
      {{- $instances = append $instances $item -}}
    {{- end -}}
  {{- end -}}
{{- end -}}
{{- range $item := $instances -}}
  {{- $endpoints := list "public" "internal" -}}
  {{- if eq $item.instance "external" -}}
    {{- $endpoints = list "public" -}}
  {{- else if or (eq $item.instance "internal") (eq $item.instance "edge") -}}
    {{- $endpoints = list "internal" -}}
  {{- end -}}
  {{- $services := list -}}
  {{- $tlsSecret := "" -}}
  {{- range $endpoint := $endpoints -}}
    {{- $secret := dig "tls" "api" $endpoint "secretName" "" $item.settings -}}
    {{- $tlsSecret = $tlsSecret | default $secret -}}
    {{- $name := printf "%s-%s" $item.servicePrefix $endpoint -}}
    {{- $override := dig "override" "service" $endpoint dict $item.settings -}}
    {{- $url := printf "%s://%s.%s.svc:9292" (ternary "https" "http" (ne $secret "")) $name $ctx.Release.Namespace -}}
    {{- $services = append $services (dict "name" $name "endpoint" $endpoint "url" (get $override "endpointURL" | default $url) "override" $override) -}}
  {{- end -}}
  {{- $_ := set $item "services" $services -}}
  {{- $_ := set $item "tlsSecret" $tlsSecret -}}
  {{- $_ := set $item "configSecret" (printf "%s-config" $item.workload) -}}
  {{- $_ := unset $item "servicePrefix" -}}
{{- end -}}
{{- printf "%s\n" (toYaml $instances) -}}
{{- end -}}

{{/*
"true" when the older glanceAPIInternal / glanceAPIExternal layout is used.
Usage: eq (include "glance.apis.legacy" .) "true"
*/}}
{{- define "glance.apis.legacy" -}}
{{- $v := .Values -}}
{{- $internal := and (hasKey $v "glanceAPIInternal") (not (kindIs "invalid" $v.glanceAPIInternal)) -}}
{{- $external := and (hasKey $v "glanceAPIExternal") (not (kindIs "invalid" $v.glanceAPIExternal)) -}}
{{- ternary "true" "false" (or $internal $external) -}}
{{- end -}}

{{/*
Name of the API whose endpoints go in the Keystone catalog: keystoneEndpoint, else the first
non-edge API by name ("default" for the older layout or no APIs).
Usage: include "glance.apis.catalogName" .
*/}}
{{- define "glance.apis.catalogName" -}}
{{- $apis := .Values.glanceAPIs | default dict -}}
{{- if .Values.keystoneEndpoint -}}
{{- .Values.keystoneEndpoint -}}
{{- else if or (eq (include "glance.apis.legacy" .) "true") (not $apis) -}}
default
{{- else -}}
{{- $found := "" -}}
{{- range $name := keys $apis | sortAlpha -}}
{{- if and (not $found) (ne (dig "type" "split" (get $apis $name | default dict)) "edge") -}}
{{- $found = $name -}}
{{- end -}}
{{- end -}}
{{- $found -}}
{{- end -}}
{{- end -}}

{{/*
The externalEndpoints of glanceAPIInternal / glanceAPIExternal as an override.service map
(LoadBalancer Services with MetalLB annotations), the form glanceAPIs uses.
Usage: include "glance.apis.legacyOverride" . | fromYaml
*/}}
{{- define "glance.apis.legacyOverride" -}}
{{- $service := dict -}}
{{- range $key := list "glanceAPIInternal" "glanceAPIExternal" -}}
{{- range (get $.Values $key | default dict).externalEndpoints -}}
{{- $annotations := dict -}}
{{- with .ipAddressPool -}}
{{- $_ := set $annotations "metallb.universe.tf/address-pool" . -}}
{{- end -}}
{{- $ips := .loadBalancerIPs | default list -}}
{{- with $ips -}}
{{- $_ := set $annotations "metallb.universe.tf/loadBalancerIPs" (join "," .) -}}
{{- end -}}
{{- if or (not (hasKey . "sharedIP")) .sharedIP -}}
{{- $shareKey := .sharedIPKey | default (first $ips) | default "" -}}
{{- with $shareKey -}}
{{- $_ := set $annotations "metallb.universe.tf/allow-shared-ip" . -}}
{{- end -}}
{{- end -}}
{{- $_ := set $service .endpoint (dict "metadata" (dict "annotations" $annotations) "spec" (dict "type" "LoadBalancer")) -}}
{{- end -}}
{{- end -}}
{{- toYaml (dict "service" $service) -}}
{{- end -}}

{{/*
The endpoint URLs of the API in the Keystone catalog, as YAML {api, public, internal}.
Usage: include "glance.apis.catalog" . | fromYaml
*/}}
{{- define "glance.apis.catalog" -}}
{{- $out := dict "api" (include "glance.apis.catalogName" .) -}}
{{- range $item := include "glance.apis.list" . | fromYamlArray -}}
{{- if $item.catalog -}}
{{- range $item.services -}}
{{- $_ := set $out .endpoint .url -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}
