{{/*
The container images the values name, and which of them float.
*/}}

{{/*
"true" when an image reference names one build for good, by the conventions registries keep: a
digest (`name@sha256:<hex>`), or a tag that names a build or a release: hexadecimal of 32
characters or more (a build hash: the podified images are tagged with the hash of the packages
they were built from) or a version of three parts or more (`26.1.0`, `18.0.3-2`). Empty for any
other tag (`current-podified`, `latest`, a series such as `2023.1`), or none (`latest`): the
registry moves those to newer builds.
Usage: include "glance.images.pinned" "quay.io/ns/name:tag"
*/}}
{{- define "glance.images.pinned" -}}
{{- $last := last (splitList "/" .) -}}
{{- $tag := ternary (last (splitList ":" $last)) "" (contains ":" $last) -}}
{{- if regexMatch "@[A-Za-z0-9_+.-]+:[0-9a-fA-F]{32,}$" . -}}
true
{{- else if and (not (contains "@" .)) (regexMatch "^([0-9a-f]{32,}|v?[0-9]+\\.[0-9]+\\.[0-9]+([-+._][0-9A-Za-z]+)*)$" $tag) -}}
true
{{- end -}}
{{- end -}}

{{/*
The images of the release that float, each with the values path that names it, as a YAML list
of {path, image}: containerImage (the db sync and contract hooks, the CronJobs, and every API
that sets none), each API's own containerImage, and hooks.clientImage (the registration,
resize and password rollout hooks, and the helm test pod).
Usage: include "glance.images.floating" . | fromYamlArray
*/}}
{{- define "glance.images.floating" -}}
{{- $named := dict "containerImage" .Values.containerImage "hooks.clientImage" .Values.hooks.clientImage -}}
{{- range $item := .glanceView.instances -}}
{{- with $item.settings.containerImage -}}
{{- $_ := set $named (printf "%s.containerImage" $item.path) . -}}
{{- end -}}
{{- end -}}
{{- $floating := list -}}
{{- range $path := keys $named | sortAlpha -}}
{{- $image := get $named $path -}}
{{- if not (include "glance.images.pinned" $image) -}}
{{- $floating = append $floating (dict "path" $path "image" $image) -}}
{{- end -}}
{{- end -}}
{{- toYaml $floating -}}
{{- end -}}
