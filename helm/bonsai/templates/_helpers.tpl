{{/* Resource names: the release name, or release-chart when the release name does not hold the chart's. */}}
{{- define "bonsai.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "bonsai.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: single, api or worker. Call with (dict "root" $ "component" "api"). */}}
{{- define "bonsai.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "bonsai.secretName" -}}
{{- include "bonsai.fullname" . }}-secrets
{{- end -}}

{{/* Separate API and worker Deployments on an external PostgreSQL; one all-in-one pod without one. */}}
{{- define "bonsai.distributed" -}}
{{- if .Values.database.url }}true{{ end -}}
{{- end -}}

{{- define "bonsai.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* Refuses values that cannot work, at render time. */}}
{{- define "bonsai.validate" -}}
{{- $distributed := include "bonsai.distributed" . -}}
{{- $pods := 1 -}}
{{- if $distributed -}}
{{- $api := int .Values.api.replicas -}}
{{- if .Values.api.autoscaling.enabled -}}{{- $api = int .Values.api.autoscaling.maxReplicas -}}{{- end -}}
{{- $pods = add $api (int .Values.worker.replicas) -}}
{{- end -}}
{{- if not (has .Values.blobStorage.type (list "volume" "s3")) -}}
{{- fail (printf "blobStorage.type must be volume or s3, not %q" .Values.blobStorage.type) -}}
{{- end -}}
{{- if and (eq .Values.blobStorage.type "volume") (gt (int $pods) 1) (ne .Values.blobStorage.volume.accessMode "ReadWriteMany") -}}
{{- fail (printf "%d pods share the blob volume, which needs blobStorage.volume.accessMode ReadWriteMany (it is %s); or use blobStorage.type s3" (int $pods) .Values.blobStorage.volume.accessMode) -}}
{{- end -}}
{{- if and (eq .Values.blobStorage.type "s3") (not .Values.blobStorage.s3.bucket) -}}
{{- fail "blobStorage.type s3 needs blobStorage.s3.bucket" -}}
{{- end -}}
{{- if and (not $distributed) (ne (int .Values.single.replicas) 1) -}}
{{- fail "without database.url the embedded PostgreSQL serves one pod only: single.replicas must be 1 (set database.url for API and worker Deployments)" -}}
{{- end -}}
{{- end -}}

{{/* Environment of every Bonsai container: the ConfigMap, secrets, and extraEnv (values always strings). */}}
{{- define "bonsai.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "bonsai.fullname" . }}-config
env:
  - name: BONSAI_INSTANCE_NAME
    valueFrom:
      fieldRef:
        fieldPath: metadata.name
  {{- if or .Values.adminKey .Values.adminKeyExistingSecret }}
  - name: BONSAI_ADMIN_KEY
    valueFrom:
      secretKeyRef:
        name: {{ .Values.adminKeyExistingSecret | default (include "bonsai.secretName" .) }}
        key: admin-key
  {{- end }}
  {{- if and .Values.database.url (or .Values.database.password .Values.database.existingSecret) }}
  - name: DB_PASSWORD
    valueFrom:
      secretKeyRef:
        name: {{ .Values.database.existingSecret | default (include "bonsai.secretName" .) }}
        key: password
  {{- end }}
  {{- if and (eq .Values.blobStorage.type "s3") (or .Values.blobStorage.s3.accessKeyId .Values.blobStorage.s3.existingSecret) }}
  - name: BONSAI_S3_ACCESS_KEY_ID
    valueFrom:
      secretKeyRef:
        name: {{ .Values.blobStorage.s3.existingSecret | default (include "bonsai.secretName" .) }}
        key: s3-access-key-id
  - name: BONSAI_S3_SECRET_ACCESS_KEY
    valueFrom:
      secretKeyRef:
        name: {{ .Values.blobStorage.s3.existingSecret | default (include "bonsai.secretName" .) }}
        key: s3-secret-access-key
  {{- end }}
  - name: BONSAI_WEBHOOKS_SECRET_KEY
    valueFrom:
      secretKeyRef:
        name: {{ .Values.webhooks.secretKeyExistingSecret | default (include "bonsai.secretName" .) }}
        key: webhook-secret-key
  {{- if kindIs "map" .Values.extraEnv }}
  {{- range $name, $value := .Values.extraEnv }}
  - name: {{ $name }}
    value: {{ $value | toString | quote }}
  {{- end }}
  {{- else }}
  {{- range .Values.extraEnv }}
  - name: {{ .name }}
    {{- if hasKey . "valueFrom" }}
    valueFrom:
      {{- toYaml .valueFrom | nindent 6 }}
    {{- else }}
    value: {{ .value | toString | quote }}
    {{- end }}
  {{- end }}
  {{- end }}
{{- end -}}

{{/* Probes: a startup probe gives a starting server its time (30-60 s, more while it loads models); liveness only after it. */}}
{{- define "bonsai.probes" -}}
startupProbe:
  httpGet:
    path: /q/health/started
    port: http
  periodSeconds: {{ .Values.probes.startup.periodSeconds }}
  failureThreshold: {{ .Values.probes.startup.failureThreshold }}
livenessProbe:
  httpGet:
    path: /q/health/live
    port: http
  periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
  failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
readinessProbe:
  httpGet:
    path: /q/health/ready
    port: http
  periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
  failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
{{- end -}}

{{/* Pods of one component spread over nodes (and zones, where the cluster has them). */}}
{{- define "bonsai.spread" -}}
{{- if .root.Values.topologySpread.enabled -}}
topologySpreadConstraints:
  {{- range .root.Values.topologySpread.topologyKeys }}
  - maxSkew: {{ $.root.Values.topologySpread.maxSkew }}
    topologyKey: {{ . }}
    whenUnsatisfiable: {{ $.root.Values.topologySpread.whenUnsatisfiable }}
    labelSelector:
      matchLabels:
        {{- include "bonsai.selectorLabels" (dict "root" $.root "component" $.component) | nindent 8 }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* The data folder: the blob volume, or an emptyDir for scratch files when blobs are in S3. */}}
{{- define "bonsai.dataVolume" -}}
- name: data
{{- if eq .Values.blobStorage.type "volume" }}
  persistentVolumeClaim:
    claimName: {{ .Values.blobStorage.volume.existingClaim | default (printf "%s-data" (include "bonsai.fullname" .)) }}
{{- else if not (include "bonsai.distributed" .) }}
  persistentVolumeClaim:
    claimName: {{ .Values.blobStorage.volume.existingClaim | default (printf "%s-data" (include "bonsai.fullname" .)) }}
{{- else }}
  emptyDir:
    sizeLimit: {{ .Values.scratch.sizeLimit }}
{{- end }}
{{- end -}}

{{/*
One Deployment of Bonsai. Call with (dict "root" $ "component" "api" "role" "api" "values" .Values.api),
where values holds replicas, resources, terminationGracePeriodSeconds, nodeSelector, tolerations, affinity.
*/}}
{{- define "bonsai.deployment" -}}
{{- $root := .root -}}
{{- $values := .values -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "bonsai.fullname" $root }}-{{ .component }}
  labels:
    {{- include "bonsai.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  {{- if not (and (eq .component "api") $root.Values.api.autoscaling.enabled) }}
  replicas: {{ $values.replicas }}
  {{- end }}
  {{- if eq .component "single" }}
  strategy:
    # The embedded database's volume is mounted by one pod at a time.
    type: Recreate
  {{- end }}
  selector:
    matchLabels:
      {{- include "bonsai.selectorLabels" (dict "root" $root "component" .component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "bonsai.selectorLabels" (dict "root" $root "component" .component) | nindent 8 }}
      annotations:
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        prometheus.io/scrape: "true"
        prometheus.io/path: /q/metrics
        prometheus.io/port: "8080"
    spec:
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      # On SIGTERM a worker gives its jobs back at their next check; this is how long it may take.
      terminationGracePeriodSeconds: {{ $values.terminationGracePeriodSeconds }}
      {{- with include "bonsai.spread" (dict "root" $root "component" .component) }}
      {{- . | nindent 6 }}
      {{- end }}
      containers:
        - name: bonsai
          image: {{ include "bonsai.image" $root | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: 8080
          {{- include "bonsai.env" $root | nindent 10 }}
            - name: BONSAI_ROLE
              value: {{ .role | quote }}
            {{- if ne .role "api" }}
            - name: BONSAI_JOB_CONCURRENCY
              value: {{ $root.Values.worker.concurrency | toString | quote }}
            {{- end }}
          {{- include "bonsai.probes" $root | nindent 10 }}
          securityContext:
            {{- toYaml $root.Values.containerSecurityContext | nindent 12 }}
          resources:
            {{- toYaml $values.resources | nindent 12 }}
          volumeMounts:
            - name: data
              mountPath: /var/lib/bonsai/data
            - name: tmp
              mountPath: /tmp
      volumes:
        {{- include "bonsai.dataVolume" $root | nindent 8 }}
        - name: tmp
          emptyDir: {}
      {{- with $values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
