{{/*
The release's view of the values, computed once per render: the older layout mapped into the
glanceAPIs form, defaults applied, every per-instance setting resolved. Templates read this view
and never .Values for anything the view holds.
*/}}

{{/*
Constants every template shares.
Usage: (include "glance.view.constants" . | fromYaml).port
*/}}
{{- define "glance.view.constants" -}}
port: 9292
portName: glance-api
glanceHome: /var/lib/glance
imagesDir: /var/lib/glance/images
cacheDir: /var/lib/glance/image-cache
scriptsDir: /var/lib/glance-scripts
# Names of the volume claim templates, those of the glance-operator: the claims of pod N of a
# StatefulSet are `glance-<statefulset>-N` and `glance-cache-<statefulset>-N`.
imagesClaim: glance
cacheClaim: glance-cache
{{- end -}}

{{/*
Validates the values (once: glance.validate.values fails the render with every problem) and
stores the view in `.glanceView` of the root context, where Helm keeps it for every template of
this render. Every template starts with it.
Usage: {{- include "glance.view.load" . }} ... {{ $view := .glanceView }}
*/}}
{{- define "glance.view.load" -}}
{{- if not (hasKey . "glanceView") -}}
{{- $view := dict -}}
{{- $_ := include "glance.view.compute" (dict "context" . "out" $view) -}}
{{- $_ := set . "glanceView" $view -}}
{{- include "glance.validate.values" . -}}
{{- end -}}
{{- end -}}

{{/*
Fills "out" with the view (see glance.view.load). Instances hold: api, instance (external, internal,
single or edge), type, legacy, path (the values path of the API: glanceAPIs.<api>, or the older
layout's key), paths (the values path each of replicas, customServiceConfig,
applicationCredentialSecret, storageRequest and cacheSize came from), catalog (whether the API
is in the Keystone catalog), workload
(StatefulSet and headless Service name), configSecret, tlsSecret, services (name, endpoint, url,
override), settings (the API's values over their defaults), and the resolved image, replicas,
storage, cache, apiTimeout, showLocations (whether its Glance shows image locations), debug,
customConfig, configSecrets, nodeSelector, affinity, topologySpreadConstraints and backends.
Besides instances the view holds catalogApi, catalog (its endpoint URLs) and publicService (the
Service of its public endpoint, which an Ingress or HTTPRoute exposes).
The view is built in place rather than returned as text, so values keep their types and every
character (a YAML round trip can turn a string into a number or lose control characters).
Usage: $_ := include "glance.view.compute" (dict "context" $ "out" $view)
*/}}
{{- define "glance.view.compute" -}}
{{- $view := .out -}}
{{- $ctx := .context -}}
{{- with $ctx -}}
{{- /* The values with every renamed key read under its new name (glance.view.aliases). */ -}}
{{- $v := deepCopy .Values -}}
{{- $aliased := dict -}}
{{- $_ := include "glance.view.aliases" (dict "values" $v "out" $aliased) -}}
{{- $const := include "glance.view.constants" . | fromYaml -}}
{{- $fullname := include "glance.names.fullname" . -}}
{{- $defaults := include "glance.defaults.byPath" . | fromYaml -}}
{{- $legacy := or (not (kindIs "invalid" $v.glanceAPIInternal)) (not (kindIs "invalid" $v.glanceAPIExternal)) -}}
{{- /* The APIs by name, each as the glanceAPIs form with its defaults. */ -}}
{{- $apis := dict -}}
{{- $legacyInstances := dict -}}
{{- if $legacy -}}
  {{- $api := deepCopy (index $defaults "glanceAPIs.*") -}}
  {{- $_ := set $api "type" "split" -}}
  {{- $override := dict "service" dict -}}
  {{- $_ := include "glance.view.legacyOverride" (dict "context" . "out" $override.service) -}}
  {{- $_ := set $api "override" $override -}}
  {{- $_ := set $apis "default" $api -}}
  {{- range $key, $inst := dict "glanceAPIExternal" "external" "glanceAPIInternal" "internal" -}}
    {{- $own := deepCopy (get $defaults $key) -}}
    {{- $_ := include "glance.values.overlay" (dict "base" $own "over" (deepCopy (get $v $key | default dict))) -}}
    {{- $_ := unset $own "externalEndpoints" -}}
    {{- $_ := unset $own "preserveJobs" -}}
    {{- $_ := set $legacyInstances $inst $own -}}
  {{- end -}}
{{- else -}}
  {{- $given := $v.glanceAPIs | default dict -}}
  {{- if not $given -}}
    {{- /* No API given: one single API on the file backend, a working Glance. */ -}}
    {{- $given = dict "default" (dict "type" "single") -}}
  {{- end -}}
  {{- range $name, $own := $given -}}
    {{- $api := deepCopy (index $defaults "glanceAPIs.*") -}}
    {{- $_ := include "glance.values.overlay" (dict "base" $api "over" (deepCopy ($own | default dict))) -}}
    {{- $_ := set $apis $name $api -}}
  {{- end -}}
{{- end -}}
{{- /* The catalog API: keystoneEndpoint, else the first non-edge API by name. */ -}}
{{- $catalogApi := $v.keystoneEndpoint | default "" -}}
{{- if not $catalogApi -}}
  {{- range $name := keys $apis | sortAlpha -}}
    {{- if and (not $catalogApi) (ne (get $apis $name).type "edge") -}}
      {{- $catalogApi = $name -}}
    {{- end -}}
  {{- end -}}
{{- end -}}
{{- $keystoneURL := $v.keystone.authURL | default (printf "http://keystone-internal.%s.svc:5000" .Release.Namespace) -}}
{{- $instances := list -}}
{{- $catalog := dict -}}
{{- $publicService := "" -}}
{{- range $name := keys $apis | sortAlpha -}}
  {{- $api := get $apis $name -}}
  {{- $kinds := get (dict "split" (list "external" "internal") "single" (list "single") "edge" (list "edge")) $api.type -}}
  {{- range $inst := $kinds -}}
    {{- $settings := deepCopy $api -}}
    {{- /* The glance-operator's names, the release playing the Glance resource: its GlanceAPI
           <fullname>-<api>-<instance> runs a StatefulSet of that name for a single API, and
           of that name with "-api" for the others. */ -}}
    {{- $workload := printf "%s-%s-%s%s" $fullname $name $inst (ternary "" "-api" (eq $inst "single")) -}}
    {{- /* The endpoint Services: <prefix>-<api>-<endpoint>, <prefix>-<endpoint> for the older
           layout, the prefix endpointServicePrefix or the full name. */ -}}
    {{- $servicePrefix := $v.endpointServicePrefix | default $fullname -}}
    {{- $prefix := printf "%s-%s" $servicePrefix $name -}}
    {{- if $legacy -}}
      {{- $_ := include "glance.values.overlay" (dict "base" $settings "over" (get $legacyInstances $inst)) -}}
      {{- $workload = printf "%s-%s-api" $fullname $inst -}}
      {{- $prefix = $servicePrefix -}}
    {{- end -}}
    {{- /* Where the user wrote this API, and where each setting it takes from the top level
           or from its own values came from, for messages: the key given, deprecated or not. */ -}}
    {{- $path := ternary (get (dict "internal" "glanceAPIInternal" "external" "glanceAPIExternal") $inst) (printf "glanceAPIs.%s" $name) $legacy -}}
    {{- $paths := dict
          "replicas" (printf "%s.replicas" $path)
          "customServiceConfig" (ternary (printf "%s.customServiceConfig" $path) "customServiceConfig" (ne ($settings.customServiceConfig | default "") ""))
          "applicationCredentialSecret" (ternary (printf "%s.auth.applicationCredentialSecret" $path) "auth.applicationCredentialSecret" (ne (dig "auth" "applicationCredentialSecret" "" $settings) ""))
          "storageRequest" (ternary (printf "%s.storage.storageRequest" $path) (get $aliased "storage.storageRequest" | default "storage.storageRequest") (hasKey ($settings.storage | default dict) "storageRequest"))
          "cacheSize" (ternary (printf "%s.imageCache.size" $path) "imageCache.size" (ne (toString (dig "imageCache" "size" "" $settings)) "")) -}}
    {{- $item := dict "api" $name "instance" $inst "type" $api.type "legacy" $legacy "catalog" (eq $name $catalogApi) "settings" $settings "workload" $workload "path" $path "paths" $paths -}}
    {{- $_ := set $item "configSecret" (printf "%s-config" $workload) -}}
    {{- /* Endpoint Services of the instance. */ -}}
    {{- $endpoints := get (dict "external" (list "public") "internal" (list "internal") "single" (list "public" "internal") "edge" (list "internal")) $inst -}}
    {{- $services := list -}}
    {{- $tlsSecret := "" -}}
    {{- range $endpoint := $endpoints -}}
      {{- $secret := dig "tls" "api" $endpoint "secretName" "" $settings -}}
      {{- $tlsSecret = $tlsSecret | default $secret -}}
      {{- $serviceName := printf "%s-%s" $prefix $endpoint -}}
      {{- /* An override with every part present, none of them null. */ -}}
      {{- $given := (get ((get ($settings.override | default dict) "service") | default dict) $endpoint) | default dict -}}
      {{- $meta := $given.metadata | default dict -}}
      {{- $override := dict "spec" ($given.spec | default dict) "metadata" (dict "labels" ($meta.labels | default dict) "annotations" ($meta.annotations | default dict)) -}}
      {{- with $given.endpointURL -}}
        {{- $_ := set $override "endpointURL" . -}}
      {{- end -}}
      {{- $url := printf "%s://%s.%s.svc:%d" (ternary "https" "http" (ne $secret "")) $serviceName $ctx.Release.Namespace (int $const.port) -}}
      {{- $service := dict "name" $serviceName "endpoint" $endpoint "url" (get $override "endpointURL" | default $url) "override" $override "tlsSecret" $secret -}}
      {{- $services = append $services $service -}}
      {{- if eq $name $catalogApi -}}
        {{- $_ := set $catalog $endpoint $service.url -}}
        {{- if eq $endpoint "public" -}}
          {{- $publicService = $serviceName -}}
        {{- end -}}
      {{- end -}}
    {{- end -}}
    {{- $_ := set $item "services" $services -}}
    {{- $_ := set $item "tlsSecret" $tlsSecret -}}
    {{- /* Settings an API may take from the top level. */ -}}
    {{- $_ := set $item "image" ($settings.containerImage | default $v.containerImage) -}}
    {{- $_ := set $item "replicas" (int64 $settings.replicas) -}}
    {{- $_ := set $item "apiTimeout" (int64 (ternary $v.apiTimeout $settings.apiTimeout (kindIs "invalid" $settings.apiTimeout))) -}}
    {{- /* Image locations: always shown by the instances only other services reach (internal,
           edge), by those of the public endpoint (single, external) only when asked. */ -}}
    {{- $publicLocations := ternary $v.showImageLocationsOnPublicEndpoint $settings.showImageLocationsOnPublicEndpoint (kindIs "invalid" $settings.showImageLocationsOnPublicEndpoint) -}}
    {{- $_ := set $item "showLocations" (or (has $inst (list "internal" "edge")) $publicLocations) -}}
    {{- $_ := set $item "debug" (dig "debug" "service" false $settings) -}}
    {{- $_ := set $item "nodeSelector" ($settings.nodeSelector | default $v.nodeSelector | default dict) -}}
    {{- /* An API's own affinity and spread, once set (even empty), replace the top-level ones
           whole, as the operator's per-API topologyRef replaces the top-level one. */ -}}
    {{- $_ := set $item "affinity" ((ternary $v.affinity $settings.affinity (kindIs "invalid" $settings.affinity)) | default dict) -}}
    {{- $_ := set $item "topologySpreadConstraints" ((ternary $v.topologySpreadConstraints $settings.topologySpreadConstraints (kindIs "invalid" $settings.topologySpreadConstraints)) | default list) -}}
    {{- $_ := set $item "networks" ($settings.networkAttachments | default list) -}}
    {{- $_ := set $item "configSecrets" (concat ($v.customServiceConfigSecrets | default list) ($settings.customServiceConfigSecrets | default list)) -}}
    {{- /* As the operator does: the API's customServiceConfig replaces the top-level one. */ -}}
    {{- $_ := set $item "customConfig" ($settings.customServiceConfig | default $v.customServiceConfig | default "") -}}
    {{- $backends := dict -}}
    {{- $_ := include "glance.view.backends" (dict "config" $item.customConfig "out" $backends) -}}
    {{- $_ := set $item "backends" (keys $backends | sortAlpha) -}}
    {{- $_ := set $item "fileBackend" (or (not $item.backends) (has "file" $item.backends)) -}}
    {{- $storage := deepCopy $v.storage -}}
    {{- range $k, $val := $settings.storage | default dict -}}
      {{- if not (kindIs "invalid" $val) -}}
        {{- $_ := set $storage $k $val -}}
      {{- end -}}
    {{- end -}}
    {{- /* Sizes may be numbers (1e3 unquoted): the chart writes them as text. */ -}}
    {{- $_ := set $storage "storageRequest" (include "glance.view.sizeText" $storage.storageRequest) -}}
    {{- $_ := set $item "storage" $storage -}}
    {{- $cache := deepCopy ($v.imageCache | default dict) -}}
    {{- range $k, $val := $settings.imageCache | default dict -}}
      {{- if $val -}}
        {{- $_ := set $cache $k $val -}}
      {{- end -}}
    {{- end -}}
    {{- $_ := set $cache "size" (include "glance.view.sizeText" ($cache.size | default "")) -}}
    {{- $_ := set $item "cache" $cache -}}
    {{- $instances = append $instances $item -}}
  {{- end -}}
{{- end -}}
{{- $quotas := false -}}
{{- range $k, $val := $v.quotas | default dict -}}
  {{- if gt (int64 $val) 0 -}}
    {{- $quotas = true -}}
  {{- end -}}
{{- end -}}
{{- $memcached := "" -}}
{{- if $v.memcached.servers -}}
  {{- $memcached = join "," $v.memcached.servers -}}
{{- else if $v.memcachedInstance -}}
  {{- $memcached = printf "%s.%s.svc:11211" $v.memcachedInstance .Release.Namespace -}}
{{- end -}}
{{- $types := dict -}}
{{- range $name, $api := $apis -}}
  {{- $_ := set $types $name $api.type -}}
{{- end -}}
{{- $_ := set $view "fullname" $fullname -}}
{{- $_ := set $view "legacy" $legacy -}}
{{- $_ := set $view "apiTypes" $types -}}
{{- $_ := set $view "catalogApi" $catalogApi -}}
{{- $_ := set $view "catalog" $catalog -}}
{{- $_ := set $view "publicService" $publicService -}}
{{- $_ := set $view "instances" $instances -}}
{{- $_ := set $view "quotas" $quotas -}}
{{- $_ := set $view "memcachedServers" $memcached -}}
{{- $_ := set $view "constants" $const -}}
{{- $_ := set $view "keystone" (dict "url" $keystoneURL "publicURL" ($v.keystone.publicAuthURL | default $keystoneURL)) -}}
{{- $_ := set $view "database" (dict "host" ($v.database.host | default (printf "%s.%s.svc" $v.databaseInstance .Release.Namespace)) "port" (int64 $v.database.port) "name" $v.database.name "account" $v.databaseAccount) -}}
{{- $_ := set $view "aliased" $aliased -}}
{{- end -}}
{{- end -}}

{{/*
A size as text: as written when it is text, and a number (helm reads every number as a float64)
in digits, where toString would write a whole one of seven digits or more with an exponent
(1000000 as 1e+06).
Usage: include "glance.view.sizeText" $size
*/}}
{{- define "glance.view.sizeText" -}}
{{- if and (kindIs "float64" .) (eq (floor .) .) -}}
{{- printf "%.0f" . -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}

{{/*
Reads every renamed key of glance.defaults.aliases under its new name, in "values" (changed in
place): an old key given (not null, not empty) sets the new one while the new one keeps its
default, then goes. "out" gets, for each key set so, the old key the user wrote, for messages.
Usage: $_ := include "glance.view.aliases" (dict "values" $copyOfValues "out" $aliased)
*/}}
{{- define "glance.view.aliases" -}}
{{- $values := .values -}}
{{- range $alias := include "glance.defaults.aliases" . | fromYamlArray -}}
{{- $given := get $values $alias.old -}}
{{- if and (not $alias.instance) (not (kindIs "invalid" $given)) (ne (toString $given) "") -}}
{{- $node := $values -}}
{{- $keys := splitList "." $alias.new -}}
{{- range $key := initial $keys -}}
{{- if not (kindIs "map" (get $node $key)) -}}
{{- $_ := set $node $key dict -}}
{{- end -}}
{{- $node = get $node $key -}}
{{- end -}}
{{- if eq (toJson (get $node (last $keys))) (toJson $alias.default) -}}
{{- $_ := set $node (last $keys) $given -}}
{{- $_ := set $.out $alias.new $alias.old -}}
{{- end -}}
{{- $_ := unset $values $alias.old -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The store types a customServiceConfig names in [DEFAULT] enabled_backends (`name:type, ...`),
as the keys of "out"; none when it names none (the chart's own file backend then applies).
Usage: $_ := include "glance.view.backends" (dict "config" $customConfig "out" $types)
*/}}
{{- define "glance.view.backends" -}}
{{- $types := .out -}}
{{- $section := "DEFAULT" -}}
{{- range $line := splitList "\n" .config -}}
{{- $line = trim $line -}}
{{- if regexMatch "^\\[.*\\]$" $line -}}
{{- $section = trimAll "[]" $line | trim -}}
{{- else if and (eq $section "DEFAULT") (regexMatch "^enabled_backends\\s*[=:]" $line) -}}
{{- range $entry := regexReplaceAll "^enabled_backends\\s*[=:]\\s*" $line "" | splitList "," -}}
{{- $parts := splitList ":" (trim $entry) -}}
{{- if eq (len $parts) 2 -}}
{{- $_ := set $types (trim (index $parts 1)) true -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The externalEndpoints of glanceAPIInternal / glanceAPIExternal as an override.service map
(LoadBalancer Services with MetalLB annotations), the form glanceAPIs uses, filled into "out".
Usage: $_ := include "glance.view.legacyOverride" (dict "context" $ "out" $override.service)
*/}}
{{- define "glance.view.legacyOverride" -}}
{{- $service := .out -}}
{{- $values := .context.Values -}}
{{- range $key := list "glanceAPIInternal" "glanceAPIExternal" -}}
{{- range (get $values $key | default dict).externalEndpoints -}}
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
{{- end -}}
