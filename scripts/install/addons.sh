# shellcheck shell=bash
# Cluster add-ons: cert-manager + the Let's Encrypt ClusterIssuer, optional Longhorn.

LONGHORN_MODULES_FILE=/etc/modules-load.d/quickstack-longhorn.conf
QS_OPTIONS_FILE=/etc/quickstack/options

cert_manager_url() {
  printf 'https://github.com/cert-manager/cert-manager/releases/download/%s/cert-manager.yaml' "$CERT_MANAGER_VERSION"
}

longhorn_url() {
  printf 'https://raw.githubusercontent.com/longhorn/longhorn/%s/deploy/longhorn.yaml' "$LONGHORN_VERSION"
}

install_cert_manager() {
  step "Installing cert-manager $CERT_MANAGER_VERSION"
  run kc apply -f "$(cert_manager_url)"
  local d
  for d in cert-manager cert-manager-cainjector cert-manager-webhook; do
    wait_for "deployment cert-manager/$d" 300 kc -n cert-manager rollout status "deployment/$d" --timeout=5s
  done
}

# The issuer the Ingresses name (cert-manager.io/cluster-issuer: letsencrypt). HTTP-01
# through Traefik: needs port 80 reachable from the internet and DNS pointing here.
cluster_issuer_manifest() {
  printf 'apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: letsencrypt\n'
  printf '  labels:\n    app.kubernetes.io/part-of: quickstack\nspec:\n  acme:\n'
  printf '    server: https://acme-v02.api.letsencrypt.org/directory\n'
  if [ -n "$EMAIL" ]; then printf '    email: "%s"\n' "$EMAIL"; fi
  printf '    privateKeySecretRef:\n      name: letsencrypt-account\n'
  printf '    solvers:\n      - http01:\n          ingress:\n            ingressClassName: traefik\n'
}

install_cluster_issuer() {
  step "Creating the Let's Encrypt issuer"
  local who="${EMAIL:-no contact email}"
  if is_dry_run; then
    would "kubectl apply (ClusterIssuer letsencrypt, ACME HTTP-01 via Traefik, $who)"
    return
  fi
  # The webhook answers a little after its Deployment is Available: retry the apply.
  wait_for "the cert-manager webhook to accept the issuer" 120 apply_cluster_issuer
}

apply_cluster_issuer() { cluster_issuer_manifest | kc apply -f -; }

# What Longhorn needs on every node, server or agent (its "installation requirements"):
# open-iscsi and nfs-common (install_packages), iscsid running, iscsi_tcp loaded now and at
# every boot.
longhorn_prerequisites() {
  step "Preparing this node for Longhorn volumes (iSCSI)"
  run systemctl enable --now iscsid
  printf '# Written by QuickStack install.sh: Longhorn attaches volumes over iSCSI.\niscsi_tcp\n' |
    write_file "$LONGHORN_MODULES_FILE" 0644 "load iscsi_tcp at boot"
  run modprobe iscsi_tcp
}

# record_options : keeps --with-longhorn for re-runs (which need not repeat it) in
# /etc/quickstack; joining nodes get it through the join line (quickstack-join Secret).
record_options() {
  [ "$WITH_LONGHORN" = 1 ] || return 0
  printf '# Written by QuickStack install.sh: choices later runs keep.\nwith-longhorn\n' |
    write_file "$QS_OPTIONS_FILE" 0644 "remember --with-longhorn"
}

install_longhorn() {
  step "Installing Longhorn $LONGHORN_VERSION"
  run kc apply -f "$(longhorn_url)"
  wait_for "Longhorn's manager on every node" 600 kc -n longhorn-system rollout status daemonset/longhorn-manager --timeout=5s
  wait_for "Longhorn's driver deployer" 600 kc -n longhorn-system rollout status deployment/longhorn-driver-deployer --timeout=5s
  # One default StorageClass: new PVCs (QuickStack's included) land on Longhorn.
  run kc patch storageclass local-path -p '{"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"false"}}}'
  run kc patch storageclass longhorn -p '{"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}'
}
