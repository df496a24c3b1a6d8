{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "sfgate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: the release name, with the chart's unless it already contains it. */}}
{{- define "sfgate.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "sfgate.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "sfgate.labels" -}}
helm.sh/chart: {{ include "sfgate.chart" . }}
{{ include "sfgate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "sfgate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sfgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "sfgate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "sfgate.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image reference: a digest wins over a tag; the tag defaults to appVersion. */}}
{{- define "sfgate.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The Secret the pods read: existingSecret, or the chart's own. */}}
{{- define "sfgate.secretName" -}}
{{- default (include "sfgate.fullname" .) .Values.existingSecret }}
{{- end }}

{{/*
Validation that fails the render with a message naming the value, so a
release that cannot work is never applied.
*/}}
{{- define "sfgate.validate" -}}
{{- if hasKey .Values.env "GATEWAY_ADDR" }}
{{- fail "env.GATEWAY_ADDR is set from containerPort; set containerPort instead" }}
{{- end }}
{{- if hasKey .Values.env "SF_JWT_KEY_FILE" }}
{{- fail "env.SF_JWT_KEY_FILE is set from jwtKey; set jwtKey.secretName instead" }}
{{- end }}
{{- if or (hasKey .Values.env "GATEWAY_TLS_CERT_FILE") (hasKey .Values.env "GATEWAY_TLS_KEY_FILE") }}
{{- fail "env.GATEWAY_TLS_CERT_FILE and env.GATEWAY_TLS_KEY_FILE are set from tls; set tls.secretName instead" }}
{{- end }}
{{- if hasKey .Values.env "GATEWAY_CALLERS_FILE" }}
{{- fail "env.GATEWAY_CALLERS_FILE is set from callersFile; set callersFile.secretName instead" }}
{{- end }}
{{- range $k, $v := .Values.env }}
{{- if has $k $.Values.secretKeys }}
{{- fail (printf "env.%s is confidential: put it in secretEnv or existingSecret" $k) }}
{{- end }}
{{- end }}
{{- if and .Values.existingSecret .Values.secretEnv }}
{{- fail "secretEnv must be empty when existingSecret is set: the chart creates no Secret then" }}
{{- end }}
{{- range $k, $v := .Values.secretEnv }}
{{- if not (has $k $.Values.secretKeys) }}
{{- fail (printf "secretEnv.%s is not listed in secretKeys" $k) }}
{{- end }}
{{- end }}
{{- range $k, $v := .Values.secretKeyRefs }}
{{- if not (has $k $.Values.secretKeys) }}
{{- fail (printf "secretKeyRefs.%s is not listed in secretKeys" $k) }}
{{- end }}
{{- end }}
{{- $shutdown := default "25s" .Values.env.GATEWAY_SHUTDOWN_TIMEOUT }}
{{- $shutdownSeconds := include "sfgate.seconds" $shutdown | int }}
{{- /* The final span flush after shutdown: OTEL_EXPORTER_OTLP_TIMEOUT in milliseconds, 10 s by default. */}}
{{- $flushMs := default "10000" .Values.env.OTEL_EXPORTER_OTLP_TIMEOUT | toString }}
{{- if not (regexMatch "^[0-9]+$" $flushMs) }}
{{- fail (printf "OTEL_EXPORTER_OTLP_TIMEOUT %q: a whole number of milliseconds" $flushMs) }}
{{- end }}
{{- $flushSeconds := div (add (int64 $flushMs) 999) 1000 | int }}
{{- $need := add .Values.preStopSleepSeconds $shutdownSeconds $flushSeconds .Values.shutdownMarginSeconds | int }}
{{- if lt (int .Values.terminationGracePeriodSeconds) $need }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be at least preStopSleepSeconds (%d) + GATEWAY_SHUTDOWN_TIMEOUT (%s) + the tracing flush (OTEL_EXPORTER_OTLP_TIMEOUT, %ds) + shutdownMarginSeconds (%d) = %d, or the kubelet kills requests still draining" (int .Values.terminationGracePeriodSeconds) (int .Values.preStopSleepSeconds) $shutdown $flushSeconds (int .Values.shutdownMarginSeconds) $need) }}
{{- end }}
{{- /* The gateway refuses GATEWAY_PPROF without GATEWAY_METRICS_ADDR; say so before a rollout that would crash-loop. */}}
{{- $pprof := lower (toString (default "" .Values.env.GATEWAY_PPROF)) }}
{{- if and (has $pprof (list "1" "t" "true")) (not .Values.env.GATEWAY_METRICS_ADDR) }}
{{- fail "env.GATEWAY_PPROF needs env.GATEWAY_METRICS_ADDR: profiles are served only on the metrics listener, never on the main port" }}
{{- end }}
{{- if and (not .Values.autoscaling.enabled) (lt (int .Values.replicaCount) 2) }}
{{- fail "replicaCount must be at least 2: one pod cannot drain without an outage" }}
{{- end }}
{{- if and .Values.autoscaling.enabled (lt (int .Values.autoscaling.minReplicas) 2) }}
{{- fail "autoscaling.minReplicas must be at least 2" }}
{{- end }}
{{- end }}

{{/*
Whole seconds of a Go duration made of h, m and s parts ("25s", "1m30s"),
rounded up; other forms fail the render.
*/}}
{{- define "sfgate.seconds" -}}
{{- $d := toString . }}
{{- if not (regexMatch "^([0-9]+h)?([0-9]+m)?([0-9]+(\\.[0-9]+)?s)?$" $d) }}
{{- fail (printf "GATEWAY_SHUTDOWN_TIMEOUT %q: use h, m and s parts such as 25s or 1m30s" $d) }}
{{- end }}
{{- $h := regexFind "[0-9]+h" $d | trimSuffix "h" | default "0" | int }}
{{- $m := regexFind "[0-9]+m" $d | trimSuffix "m" | default "0" | int }}
{{- $s := regexFind "[0-9.]+s" $d | trimSuffix "s" | default "0" | float64 | ceil | int }}
{{- add (mul $h 3600) (mul $m 60) $s }}
{{- end }}

{{/*
A value as the gateway expects to read it. Helm reads numbers in values
files as float64, which print as 1.048576e+06: whole numbers print as
integers instead.
*/}}
{{- define "sfgate.envValue" -}}
{{- if and (kindIs "float64" .) (eq . (floor .)) }}
{{- int64 . }}
{{- else }}
{{- toString . }}
{{- end }}
{{- end }}
