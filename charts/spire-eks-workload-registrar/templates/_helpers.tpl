{{/* The fixed name of every object (as config/ names them). */}}
{{- define "registrar.name" -}}spire-eks-workload-registrar{{- end }}

{{- define "registrar.labels" -}}
app.kubernetes.io/name: {{ include "registrar.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{/* The configuration as rendered: the Lease's namespace defaults to the release's. */}}
{{- define "registrar.config" -}}
{{- $config := deepCopy .Values.config -}}
{{- if not $config.leaderElection.resourceNamespace -}}
{{- $_ := set $config.leaderElection "resourceNamespace" .Release.Namespace -}}
{{- end -}}
{{- toYaml $config -}}
{{- end }}

{{/* The port of a bind address (host:port or :port), or "" when it is "0" (disabled). */}}
{{- define "registrar.port" -}}
{{- if ne . "0" }}{{ regexFind "[0-9]+$" . }}{{ end -}}
{{- end }}
