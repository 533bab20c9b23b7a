{{- define "entente.labels" -}}
app.kubernetes.io/name: entente
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "entente.env" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.redis.enabled) -}}
{{- fail "replicaCount > 1 needs redis.enabled (HUB_REDIS_URL in the existing Secret): the replicas must share sign-in limits" -}}
{{- end -}}
- name: HUB_PUBLIC_URL
  value: {{ .Values.publicUrl | quote }}
- name: HUB_WORKERS
  value: {{ .Values.workers | quote }}
{{- if .Values.redis.enabled }}
- name: HUB_REDIS_PREFIX
  value: {{ .Values.redis.prefix | quote }}
{{- end }}
{{- range $name, $value := .Values.env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{- define "entente.podSecurity" -}}
securityContext: {runAsNonRoot: true, runAsUser: 10001, seccompProfile: {type: RuntimeDefault}}
{{- end -}}

{{- define "entente.containerSecurity" -}}
securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
                  capabilities: {drop: [ALL]}}
{{- end -}}
