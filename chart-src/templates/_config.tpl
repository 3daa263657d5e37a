{{/*
Configuration of one API instance: the content of its config Secret. Nothing here holds a
password; those reach the pod at run time, written by the init container's init_config.py
(chart/files/pod).
*/}}

{{/*
Fills "out" with the keys and contents of the config Secret of one instance. Its hash is the
pod template's checksum/config, so a change rolls exactly the instances it touches.
Usage: $_ := include "glance.config.data" (dict "context" $ "item" $item "out" $data)
*/}}
{{- define "glance.config.data" -}}
{{- $ctx := .context -}}
{{- $data := .out -}}
{{- $_ := set $data "00-config.conf" (include "glance.config.glanceConf" .) -}}
{{- with .item.customConfig -}}
{{- $_ := set $data "01-custom.conf" (include "glance.config.expand" (dict "context" $ctx "item" $.item "text" .)) -}}
{{- end -}}
{{- $_ := set $data "httpd.conf" (include "glance.config.httpdConf" .) -}}
{{- $_ := set $data "my.cnf" (include "glance.config.myCnf" .) -}}
{{- with $ctx.Values.policy -}}
{{- $_ := set $data "policy.yaml" . -}}
{{- end -}}
{{- end -}}

{{/*
The Secret holding the Keystone application credential (keys AC_ID, AC_SECRET) an instance logs
in with: its API's auth.applicationCredentialSecret, else the top-level one; empty when it logs
in with the service user's password.
Usage: include "glance.config.applicationCredential" (dict "context" $ "item" $item)
*/}}
{{- define "glance.config.applicationCredential" -}}
{{- dig "auth" "applicationCredentialSecret" "" .item.settings | default ((.context.Values.auth | default dict).applicationCredentialSecret) -}}
{{- end -}}

{{/*
The template variables customServiceConfig may use, as the operator names them, as YAML:
"render" (filled in when the chart renders), "runtime" (secrets, filled in by the init
container from the user's Secret, never written into a manifest) and "all".
Usage: (include "glance.config.variableNames" . | fromYaml).all
*/}}
{{- define "glance.config.variableNames" -}}
{{- $render := list "ServiceUser" "KeystoneInternalURL" "KeystonePublicURL" "Region" "QuotaEnabled" "ShowImageDirectUrl" "ShowMultipleLocations" "ImageConversion" "CacheEnabled" "CacheMaxSize" "ImageCacheDir" "MemcachedServers" -}}
{{- $runtime := list "ServicePassword" "ApplicationCredentialID" "ApplicationCredentialSecret" "DatabaseConnection" "TransportURL" -}}
render: {{ toJson $render }}
runtime: {{ toJson $runtime }}
all: {{ toJson (concat $render $runtime | sortAlpha) }}
{{- end -}}

{{/*
A customServiceConfig with the operator's render-time template variables (`{{ .Region }}`)
replaced by their values for one instance; the secret ones stay for the init container.
Usage: include "glance.config.expand" (dict "context" $ "item" $item "text" $ini)
*/}}
{{- define "glance.config.expand" -}}
{{- $ctx := .context -}}
{{- $view := $ctx.glanceView -}}
{{- $item := .item -}}
{{- $cache := $item.cache.size | default "" -}}
{{- $values := dict
      "ServiceUser" $ctx.Values.serviceUser
      "KeystoneInternalURL" $view.keystone.url
      "KeystonePublicURL" $view.keystone.publicURL
      "Region" $ctx.Values.keystone.region
      "QuotaEnabled" (toString $view.quotas)
      "ShowImageDirectUrl" (toString (ne $item.instance "external"))
      "ShowMultipleLocations" (toString (ne $item.instance "external"))
      "ImageConversion" (toString (has "rbd" $item.backends))
      "CacheEnabled" (toString (ne $cache ""))
      "CacheMaxSize" (ternary (include "glance.config.bytes" $cache) "0" (ne $cache ""))
      "ImageCacheDir" $view.constants.cacheDir
      "MemcachedServers" $view.memcachedServers -}}
{{- $text := .text -}}
{{- range $name, $value := $values -}}
{{- $text = regexReplaceAll (printf "\\{\\{-?\\s*\\.%s\\s*-?\\}\\}" $name) $text (replace "$" "$$" (toString $value)) -}}
{{- end -}}
{{- $text -}}
{{- end -}}

{{/*
A Kubernetes quantity (10G, 1.5Gi, 500M) in bytes.
Usage: include "glance.config.bytes" "10G"
*/}}
{{- define "glance.config.bytes" -}}
{{- $number := regexReplaceAll "^([0-9.]+).*$" . "${1}" -}}
{{- $unit := regexReplaceAll "^[0-9.]+" . "" -}}
{{- $factors := dict "" 1.0 "K" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "P" 1e15 "E" 1e18 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0 "Ei" 1152921504606846976.0 -}}
{{- printf "%d" (int64 (mulf (float64 $number) (get $factors $unit))) -}}
{{- end -}}

{{/*
my.cnf read by PyMySQL (read_default_file of the connection URL). No password.
Usage: include "glance.config.myCnf" (dict "context" $ "item" $item)
*/}}
{{- define "glance.config.myCnf" -}}
[client]
# The account and password are in the connection URL, written at run time.
{{ end -}}
