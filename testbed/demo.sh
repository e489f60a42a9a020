#!/usr/bin/env bash
# Creates the restricted user's RBAC and (unless DEMO=0) the demo workloads, then waits for them.
#   demo.sh ADMIN_KUBECONFIG DEMO(1|0) RESTRICTED_NAMESPACE...
set -euo pipefail
KUBECONFIG_FILE=$1 DEMO=$2; shift 2
k() { kubectl --kubeconfig "$KUBECONFIG_FILE" --request-timeout=30s "$@"; }

for ns in "$@" demo-ops; do
  k create namespace "$ns" --dry-run=client -o yaml | k apply -f -
done
for ns in "$@"; do
  # The built-in aggregated "view" ClusterRole: read-only, no secrets.
  k -n "$ns" create rolebinding kubedeck-restricted-view --clusterrole=view --user=kubedeck-restricted \
    --dry-run=client -o yaml | k apply -f -
done
[ "$DEMO" = 1 ] || exit 0

deployment() { # NAMESPACE NAME REPLICAS IMAGE [POD_ANNOTATIONS_YAML]
  cat <<YAML
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: $2, namespace: $1, labels: {app: $2}}
spec:
  replicas: $3
  selector: {matchLabels: {app: $2}}
  template:
    metadata:
      labels: {app: $2}
      annotations: {${5:-}}
    spec:
      containers:
      - name: $2
        image: $4
        ports: [{containerPort: 8080}]
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: 500m, memory: 256Mi}
---
apiVersion: v1
kind: Service
metadata: {name: $2, namespace: $1}
spec:
  selector: {app: $2}
  ports: [{port: 80, targetPort: 8080}]
YAML
}
{
  deployment demo-shop frontend 3 nginx:1.19
  deployment demo-shop cart 2 registry.example.com/shop/cart:2.4.1
  deployment demo-blog blog 2 ghost:3.42
  deployment demo-blog comments 1 registry.example.com/blog/comments:1.0.3
  deployment demo-ops flaky-worker 1 registry.example.com/ops/flaky:0.9 '"sim.kubedeck.io/crash-after-seconds": "30"'
  cat <<YAML
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-agent, namespace: demo-ops}
spec:
  selector: {matchLabels: {app: node-agent}}
  template:
    metadata: {labels: {app: node-agent}}
    spec:
      tolerations: [{operator: Exists}]
      containers:
      - name: agent
        image: prom/node-exporter:v1.0.1
        resources: {requests: {cpu: 20m, memory: 32Mi}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: nightly-report, namespace: demo-ops}
spec:
  template:
    metadata: {annotations: {"sim.kubedeck.io/complete-after-seconds": "10"}}
    spec:
      restartPolicy: Never
      containers: [{name: report, image: busybox:1.32, command: [sh, -c, "make-report"]}]
YAML
} | k apply -f -

for ns in "$@"; do
  k -n "$ns" wait --for=condition=Available deployment --all --timeout=180s
done
