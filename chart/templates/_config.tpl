{{/*
Configuration of one API instance: the content of its config Secret. Nothing here holds a
password; those reach the pod at run time (see glance.config.initScript).
*/}}

{{/*
Keys and contents of the config Secret of one instance, as YAML (ending in a newline, so that
the last value keeps its own final newline through fromYaml). Its hash is the pod template's
checksum/config, so a change rolls exactly the instances it touches.
Usage: include "glance.config.data" (dict "context" $ "item" $item) | fromYaml
*/}}
{{- define "glance.config.data" -}}
{{- $ctx := .context -}}
{{- $settings := .item.settings -}}
{{- $data := dict "00-config.conf" (include "glance.config.glanceConf" .) -}}
{{- with $ctx.Values.customServiceConfig -}}
{{- $_ := set $data "01-custom.conf" . -}}
{{- end -}}
{{- with $settings.customServiceConfig -}}
{{- $_ := set $data "02-custom.conf" . -}}
{{- end -}}
{{- $_ := set $data "httpd.conf" (include "glance.config.httpdConf" .) -}}
{{- $_ := set $data "my.cnf" (include "glance.config.myCnf" .) -}}
{{- $_ := set $data "glance-api.wsgi" (include "glance.config.wsgi" .) -}}
{{- $_ := set $data "init-config.py" (include "glance.config.initScript" .) -}}
{{- with $ctx.Values.policy -}}
{{- $_ := set $data "policy.yaml" . -}}
{{- end -}}
{{- printf "%s\n" (toYaml $data) -}}
{{- end -}}

{{/*
Database host: database.host, else `<databaseInstance>.<namespace>.svc`.
Usage: include "glance.config.databaseHost" .
*/}}
{{- define "glance.config.databaseHost" -}}
{{- .Values.database.host | default (printf "%s.%s.svc" .Values.databaseInstance .Release.Namespace) -}}
{{- end -}}

{{/*
Database account: the deprecated databaseUser when set, else databaseAccount.
Usage: include "glance.config.databaseAccount" .
*/}}
{{- define "glance.config.databaseAccount" -}}
{{- .Values.databaseUser | default .Values.databaseAccount -}}
{{- end -}}

{{/*
Keystone URL Glance authenticates against: keystone.authURL, else the keystone-internal Service
of the release namespace.
Usage: include "glance.config.keystoneURL" .
*/}}
{{- define "glance.config.keystoneURL" -}}
{{- .Values.keystone.authURL | default (printf "http://keystone-internal.%s.svc:5000" .Release.Namespace) -}}
{{- end -}}

{{/*
Memcached servers as a comma list: memcached.servers, else `<memcachedInstance>.<namespace>.svc:11211`.
Usage: include "glance.config.memcachedServers" .
*/}}
{{- define "glance.config.memcachedServers" -}}
{{- if .Values.memcached.servers -}}
{{- join "," .Values.memcached.servers -}}
{{- else if .Values.memcachedInstance -}}
{{- printf "%s.%s.svc:11211" .Values.memcachedInstance .Release.Namespace -}}
{{- end -}}
{{- end -}}

{{/*
"true" when any quota is above 0 (per-project limits through Keystone).
Usage: eq (include "glance.config.quotasOn" .) "true"
*/}}
{{- define "glance.config.quotasOn" -}}
{{- $on := false -}}
{{- range $k, $v := .Values.quotas | default dict -}}
{{- if gt (int64 $v) 0 -}}
{{- $on = true -}}
{{- end -}}
{{- end -}}
{{- ternary "true" "false" $on -}}
{{- end -}}

{{/*
The image cache settings of one instance: the API's imageCache over the top-level one, as YAML
{size, cleanerScheduler, prunerScheduler}.
Usage: include "glance.config.imageCache" (dict "context" $ "item" $item) | fromYaml
*/}}
{{- define "glance.config.imageCache" -}}
{{- $cache := deepCopy (.context.Values.imageCache | default dict) -}}
{{- range $k, $v := .item.settings.imageCache | default dict -}}
{{- if $v -}}
{{- $_ := set $cache $k $v -}}
{{- end -}}
{{- end -}}
{{- toYaml $cache -}}
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
The request timeout of one instance: its API's apiTimeout, else the top-level one.
Usage: include "glance.config.apiTimeout" (dict "context" $ "item" $item)
*/}}
{{- define "glance.config.apiTimeout" -}}
{{- $own := .item.settings.apiTimeout -}}
{{- int64 (ternary .context.Values.apiTimeout $own (kindIs "invalid" $own)) -}}
{{- end -}}

{{/*
"true" when an instance stores images with the chart's file backend: no customServiceConfig
(top level or the API's) names its own enabled_backends, which then replace it whole, so no
file-store option is left in a section another driver owns.
Usage: eq (include "glance.config.fileBackend" (dict "context" $ "item" $item)) "true"
*/}}
{{- define "glance.config.fileBackend" -}}
{{- $custom := printf "%s\n%s" .context.Values.customServiceConfig (.item.settings.customServiceConfig | default "") -}}
{{- ternary "false" "true" (regexMatch "(?m)^\\s*enabled_backends\\s*=" $custom) -}}
{{- end -}}

{{/*
00-config.conf: the generated Glance configuration. customServiceConfig and the
customServiceConfigSecrets load after it and override any option.
Usage: include "glance.config.glanceConf" (dict "context" $ "item" $item)
*/}}
{{- define "glance.config.glanceConf" -}}
{{- $ctx := .context -}}
{{- $v := $ctx.Values -}}
{{- $cache := include "glance.config.imageCache" . | fromYaml -}}
{{- $quotas := eq (include "glance.config.quotasOn" $ctx) "true" -}}
{{- $keystone := include "glance.config.keystoneURL" $ctx -}}
{{- $custom := printf "%s\n%s" $v.customServiceConfig (.item.settings.customServiceConfig | default "") -}}
{{- $fileBackend := eq (include "glance.config.fileBackend" .) "true" -}}
# Generated by the Glance chart for {{ .item.workload }}. Files loaded after this one
# (01-custom.conf, 02-custom.conf, 10-*.conf) override any option set here.
[DEFAULT]
{{- if $fileBackend }}
enabled_backends = default_backend:file
{{- end }}
debug = false
log_file =
log_dir =
use_stderr = true
{{- if $cache.size }}
image_cache_dir = /var/lib/glance/image-cache
image_cache_max_size = {{ include "glance.config.bytes" $cache.size }}
{{- end }}
{{- if $quotas }}
use_keystone_limits = true
{{- end }}

{{- if $fileBackend }}

[glance_store]
default_backend = default_backend

[default_backend]
filesystem_store_datadir = /var/lib/glance/images
{{- end }}

[os_glance_staging_store]
filesystem_store_datadir = /var/lib/glance/os_glance_staging_store

[os_glance_tasks_store]
filesystem_store_datadir = /var/lib/glance/os_glance_tasks_store

[database]
# connection is written at run time into 03-secrets.conf, with the password from the Secret.
max_retries = -1
db_max_retries = -1

[keystone_authtoken]
# password is written at run time into 03-secrets.conf.
www_authenticate_uri = {{ $v.keystone.publicAuthURL | default $keystone }}
auth_url = {{ $keystone }}
auth_type = password
username = {{ $v.serviceUser }}
project_name = {{ $v.keystone.serviceProject }}
user_domain_name = {{ $v.keystone.domain }}
project_domain_name = {{ $v.keystone.domain }}
region_name = {{ $v.keystone.region }}
interface = internal
service_token_roles_required = true
{{- with include "glance.config.memcachedServers" $ctx }}
memcache_use_advanced_pool = true
memcached_servers = {{ . }}
{{- end }}

[paste_deploy]
flavor = {{ ternary "keystone+cachemanagement" "keystone" (ne ($cache.size | default "") "") }}

[oslo_policy]
{{- /* enforce_scope is left to oslo.policy: recent releases dropped the option and always
       check scope. The new role defaults are what the member/reader policy relies on. */}}
enforce_new_defaults = true
{{- if $v.policy }}
policy_file = /etc/glance/policy.yaml
{{- end }}
{{- if $quotas }}

[oslo_limit]
# password is written at run time into 03-secrets.conf.
auth_url = {{ $keystone }}
auth_type = password
username = {{ $v.serviceUser }}
user_domain_name = {{ $v.keystone.domain }}
system_scope = all
endpoint_service_type = image
endpoint_region_name = {{ $v.keystone.region }}
endpoint_interface = internal
{{- end }}
{{- if $v.notificationsBus.transportURLSecret }}

[oslo_messaging_notifications]
# transport_url is written at run time into 03-secrets.conf, from the Secret {{ $v.notificationsBus.transportURLSecret }}.
driver = messagingv2
{{- end }}
{{- if contains "rbd" $custom }}

[image_import_opts]
image_import_plugins = ['image_conversion']

[image_conversion]
output_format = raw
{{- end }}
{{ end -}}

{{/*
httpd.conf: the whole httpd configuration (it replaces the image's), serving Glance through
mod_wsgi on port 9292, with TLS when the instance's endpoint has a certificate.
Usage: include "glance.config.httpdConf" (dict "context" $ "item" $item)
*/}}
{{- define "glance.config.httpdConf" -}}
# Generated by the Glance chart for {{ .item.workload }}.
ServerRoot "/etc/httpd"
ServerName {{ .item.workload }}
Listen 9292
Include conf.modules.d/*.conf
User glance
Group glance
TypesConfig /etc/mime.types
# Everything httpd writes goes to /run/httpd, an emptyDir writable by the glance user.
PidFile /run/httpd/httpd.pid
DefaultRuntimeDir /run/httpd
WSGISocketPrefix /run/httpd/wsgi
ServerTokens Prod
ServerSignature Off
TraceEnable Off
Timeout {{ include "glance.config.apiTimeout" . }}
KeepAliveTimeout {{ include "glance.config.apiTimeout" . }}
LimitRequestBody 0
LogLevel warn
ErrorLog /dev/stderr
LogFormat "%h %l %u %t \"%r\" %>s %b %D \"%{Referer}i\" \"%{User-Agent}i\"" combined
CustomLog /dev/stdout combined

<VirtualHost *:9292>
  ServerName {{ .item.workload }}
{{- if .item.tlsSecret }}
  SSLEngine on
  SSLCertificateFile /etc/pki/tls/glance-api/tls.crt
  SSLCertificateKeyFile /etc/pki/tls/glance-api/tls.key
  SSLProtocol all -SSLv3 -TLSv1 -TLSv1.1
{{- end }}
  WSGIDaemonProcess glance-api processes=3 threads=1 user=glance group=glance display-name=glance-api
  WSGIProcessGroup glance-api
  WSGIApplicationGroup %{GLOBAL}
  WSGIPassAuthorization On
  WSGIScriptAlias / /var/lib/config-data/default/glance-api.wsgi
  <Directory /var/lib/config-data/default>
    Require all granted
  </Directory>
</VirtualHost>
{{ end -}}

{{/*
The WSGI entry point: glance.wsgi.api in current Glance, the application factory in older ones.
Usage: include "glance.config.wsgi" (dict "context" $ "item" $item)
*/}}
{{- define "glance.config.wsgi" -}}
# Glance API under mod_wsgi.
try:
    from glance.wsgi.api import application  # noqa: F401
except ImportError:
    from glance.common.wsgi_app import init_app

    application = init_app()
{{ end -}}

{{/*
my.cnf read by PyMySQL (read_default_file of the connection URL). No password.
Usage: include "glance.config.myCnf" (dict "context" $ "item" $item)
*/}}
{{- define "glance.config.myCnf" -}}
[client]
# The account and password are in the connection URL, written at run time.
{{ end -}}

{{/*
init-config.py: run by the init container of every Glance pod. It copies the generated files
into /etc/glance/glance.conf.d, writes 03-secrets.conf from the passwords in its environment
(URL-encoded in the database URL, `$` doubled for oslo.config), and copies the keys of the
customServiceConfigSecrets, in list order, as 10-<n>-<key>.conf. Python 3.9, standard library.
Usage: include "glance.config.initScript" (dict "context" $ "item" $item)
*/}}
{{- define "glance.config.initScript" -}}
"""Write /etc/glance/glance.conf.d for the Glance processes of this pod."""
import os
import shutil
import sys
import urllib.parse

SOURCE = "/var/lib/config-data/default"
SECRETS = "/var/lib/config-data/secrets"
TARGET = "/etc/glance/glance.conf.d"


def ini(value):
    """Quote a value for oslo.config: outer quotes are stripped, `$` starts a substitution."""
    return '"%s"' % value.replace("$", "$$")


def quote(value):
    return urllib.parse.quote(value, safe="")


def main():
    env = os.environ
    os.makedirs(TARGET, exist_ok=True)
    for name in sorted(os.listdir(SOURCE)):
        if name[:2].isdigit() and name.endswith(".conf"):
            shutil.copyfile(os.path.join(SOURCE, name), os.path.join(TARGET, name))

    url = "mysql+pymysql://%s:%s@%s:%s/%s?read_default_file=/etc/my.cnf" % (
        quote(env["DB_ACCOUNT"]), quote(env["DB_PASSWORD"]),
        env["DB_HOST"], env["DB_PORT"], env["DB_NAME"])
    lines = [
        "# Written at run time by init-config.py; not in any manifest.",
        "[database]",
        "connection = " + ini(url),
        "",
        "[keystone_authtoken]",
        "password = " + ini(env["SERVICE_PASSWORD"]),
        "",
        "[oslo_limit]",
        "password = " + ini(env["SERVICE_PASSWORD"]),
    ]
    if env.get("TRANSPORT_URL"):
        lines += ["", "[oslo_messaging_notifications]",
                  "transport_url = " + ini(env["TRANSPORT_URL"])]
    path = os.path.join(TARGET, "03-secrets.conf")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("\n".join(lines) + "\n")

    if os.path.isdir(SECRETS):
        for folder in sorted(os.listdir(SECRETS)):
            base = os.path.join(SECRETS, folder)
            for key in sorted(os.listdir(base)):
                source = os.path.join(base, key)
                if key.startswith(".") or not os.path.isfile(source):
                    continue
                stem = key[:-5] if key.endswith(".conf") else key
                shutil.copyfile(source, os.path.join(TARGET, "10-%s-%s.conf" % (folder, stem)))
    for name in sorted(os.listdir(TARGET)):
        print("glance.conf.d/" + name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
{{ end -}}
