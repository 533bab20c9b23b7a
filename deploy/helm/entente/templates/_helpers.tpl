{{- define "entente.labels" -}}
app.kubernetes.io/name: entente
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{- define "entente.env" -}}
- name: HUB_PUBLIC_URL
  value: {{ .Values.publicUrl | quote }}
{{- range $name, $value := .Values.env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}
