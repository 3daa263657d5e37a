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
A size in bytes, exactly, as a decimal string: a Kubernetes quantity as the schema lets it
through (a sign, digits with a fraction, then a decimal suffix, a binary one or an exponent),
its digits times the suffix's power, rounded up to a whole byte. Sizes above 2^63-1 bytes count
as 2^63-1, as Kubernetes caps binary amounts there; a negative size counts as 0 (Kubernetes
refuses a volume of either).
Usage: include "glance.config.bytes" "1.5Gi"
*/}}
{{- define "glance.config.bytes" -}}
{{- $max := "9223372036854775807" -}}
{{- $text := toString . -}}
{{- $int := regexReplaceAll "^[+-]?([0-9]*).*$" $text "${1}" -}}
{{- $fraction := regexReplaceAll "^[+-]?[0-9]*[.]?([0-9]*).*$" $text "${1}" -}}
{{- $suffix := regexReplaceAll "^[+-]?[0-9]*([.][0-9]*)?" $text "" -}}
{{- $digits := regexReplaceAll "^0+" (printf "%s%s" $int $fraction) "" -}}
{{- $decimal := dict "n" -9 "u" -6 "m" -3 "" 0 "k" 3 "M" 6 "G" 9 "T" 12 "P" 15 "E" 18 -}}
{{- $binary := dict "Ki" 1 "Mi" 2 "Gi" 3 "Ti" 4 "Pi" 5 "Ei" 6 -}}
{{- $scale := sub 0 (len $fraction) -}}
{{- if hasKey $decimal $suffix -}}
{{- $scale = add $scale (get $decimal $suffix) -}}
{{- else if not (hasKey $binary $suffix) -}}
{{- $scale = add $scale (atoi (substr 1 (len $suffix) $suffix)) -}}
{{- end -}}
{{- /* A binary suffix multiplies by 1024 once per step, digit by digit with a carry. */ -}}
{{- range until (int (get $binary $suffix | default 0)) -}}
{{- $carry := 0 -}}
{{- $product := "" -}}
{{- range $digit := reverse (splitList "" $digits) -}}
{{- $step := add (mul (atoi $digit) 1024) $carry -}}
{{- $product = printf "%d%s" (mod $step 10) $product -}}
{{- $carry = div $step 10 -}}
{{- end -}}
{{- $digits = regexReplaceAll "^0+" (printf "%d%s" $carry $product) "" -}}
{{- end -}}
{{- /* The whole bytes (digits before the decimal point the scale puts), then a round-up. */ -}}
{{- $whole := $digits -}}
{{- $rest := "" -}}
{{- if ge $scale 0 -}}
{{- if gt (add (len $digits) $scale) 19 -}}
{{- $whole = "99999999999999999999" -}}
{{- else if $digits -}}
{{- $whole = printf "%s%s" $digits (repeat (int $scale) "0") -}}
{{- end -}}
{{- else -}}
{{- $cut := add (len $digits) $scale -}}
{{- $whole = ternary (substr 0 (int $cut) $digits) "" (gt $cut 0) -}}
{{- $rest = ternary (substr (int $cut) (len $digits) $digits) $digits (gt $cut 0) -}}
{{- end -}}
{{- $whole = regexReplaceAll "^0+" $whole "" | default "0" -}}
{{- if or (hasPrefix "-" $text) (eq $digits "") -}}
0
{{- else if or (gt (len $whole) 19) (and (eq (len $whole) 19) (gt $whole $max)) -}}
{{- $max -}}
{{- else if and (regexMatch "[1-9]" $rest) (ne $whole $max) -}}
{{- add1 (atoi $whole) -}}
{{- else -}}
{{- $whole -}}
{{- end -}}
{{- end -}}

{{/*
my.cnf read by PyMySQL (read_default_file of the connection URL). No password. With
database.tls, the connection is TLS: PyMySQL verifies the server's certificate against ssl-ca
and its host name whenever ssl-ca is set (ssl and ssl-verify-server-cert say the same to the
MariaDB client programs).
Usage: include "glance.config.myCnf" (dict "context" $ "item" $item)
*/}}
{{- define "glance.config.myCnf" -}}
[client]
# The account and password are in the connection URL, written at run time.
{{- with (include "glance.tls.hops" .context | fromYaml).database }}
ssl
ssl-verify-server-cert
ssl-ca = {{ .ca }}
{{- if .cert }}
ssl-cert = {{ .cert }}
ssl-key = {{ .key }}
{{- end }}
{{- end }}
{{ end -}}
