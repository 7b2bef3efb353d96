# shellcheck shell=bash
# QuickStack itself: generated secrets, the site overlay, apply, readiness, first admin.

QS_ETC=/etc/quickstack

# secret_exists NAME : a Secret NAME exists in qs-system. Dry-run reads the real cluster
# (read-only) unless QS_TEST_SECRETS lists the existing ones.
secret_exists() {
  if [ -n "${EXISTING_SECRETS+x}" ]; then
    case ",$EXISTING_SECRETS," in *",$1,"*) return 0 ;; *) return 1 ;; esac
  fi
  # k3s may have been installed earlier in this same run.
  command -v k3s >/dev/null 2>&1 || return 1
  kc -n qs-system get secret "$1" >/dev/null 2>&1
}

# secret_value NAME KEY : one decoded value of an existing Secret (for re-runs).
secret_value() {
  kc -n qs-system get secret "$1" -o "jsonpath={.data.$2}" | base64 -d
}

create_namespace() {
  step "Creating namespaces qs-system and qs-builds"
  run kc apply -f "$DEPLOY_DIR/base/namespace.yaml"
}

# Secrets are generated once and kept on re-runs: Redis data, pushed images and every
# node's registries.yaml depend on them. Values never appear in output or argv.
generate_secrets() {
  step "Generating secrets"
  if secret_exists quickstack-redis; then
    info "keep quickstack-redis (exists)"
  elif is_dry_run; then
    would "create secret qs-system/quickstack-redis (password, url; openssl rand)"
  else
    local pw
    pw=$(rand_hex 32)
    secret_manifest quickstack-redis "password=$pw" "url=redis://:$pw@redis.qs-system.svc:6379/0" | kube_apply "secret quickstack-redis"
  fi

  local user=quickstack pw=""
  if secret_exists quickstack-registry; then
    info "keep quickstack-registry (exists)"
    if ! is_dry_run; then pw=$(secret_value quickstack-registry password); fi
  elif is_dry_run; then
    would "create secret qs-system/quickstack-registry (username, password, http-secret, htpasswd for quickstack + node; openssl rand, bcrypt)"
  else
    pw=$(rand_hex 32)
    local htpasswd
    # htpasswd -i reads the password from stdin; bcrypt (-B) is what distribution accepts.
    htpasswd=$(
      printf '%s' "$pw" | htpasswd -niB "$user" | grep .
      node_registry_password "$AGENT_SECRET" | tr -d '\n' | htpasswd -niB node | grep .
    )
    secret_manifest quickstack-registry "username=$user" "password=$pw" \
      "http-secret=$(rand_hex 32)" "htpasswd=$htpasswd" | kube_apply "secret quickstack-registry"
  fi

  # Builder Jobs (in qs-builds) mount this docker config to push; rewritten each run from
  # quickstack-registry. Name and namespace: packages/builder's BuilderJobOptions defaults.
  if is_dry_run; then
    would "kubectl apply (secret qs-builds/qs-registry-push: docker config for builders)"
  else
    local auth json
    auth=$(b64 "$user:$pw")
    json=$(printf '{"auths":{"%s":{"username":"%s","password":"%s","auth":"%s"}}}' "$REGISTRY_NAME" "$user" "$pw" "$auth")
    SECRET_NAMESPACE=qs-builds secret_manifest qs-registry-push ".dockerconfigjson=$json" |
      sed 's/^type: Opaque$/type: kubernetes.io\/dockerconfigjson/' |
      kube_apply "secret qs-registry-push"
  fi

  # What `ssh qs nodes:join-command` prints: the API URL, the agent token and whether
  # nodes need Longhorn's prerequisites (the join line then says --with-longhorn).
  local longhorn=false
  if [ "$WITH_LONGHORN" = 1 ]; then longhorn=true; fi
  if is_dry_run; then
    would "kubectl apply (secret qs-system/quickstack-join: server https://$PUBLIC_IP:6443, the agent token, with-longhorn=$longhorn)"
  else
    secret_manifest quickstack-join "server=https://$PUBLIC_IP:6443" "token=$(join_token)" "with-longhorn=$longhorn" |
      kube_apply "secret quickstack-join"
  fi
}

# The first admin: SSH key (QS_ADMIN_SSH_KEY, used while no user exists) and a TOTP
# secret for the status page, shown once below. Kept on re-runs; --admin-key replaces
# the key only.
create_first_admin() {
  step "Setting up the first admin"
  NEW_TOTP=""
  if secret_exists quickstack-admin; then
    if [ -n "$ADMIN_KEY_FLAG" ]; then
      if is_dry_run; then
        would "kubectl patch secret qs-system/quickstack-admin (ssh-key from $ADMIN_KEY_SOURCE)"
      else
        kc -n qs-system patch secret quickstack-admin --type merge \
          -p "{\"data\":{\"ssh-key\":\"$(b64 "$ADMIN_KEY_LINE")\"}}" >/dev/null
      fi
    fi
    info "keep quickstack-admin (exists; its TOTP secret is not shown again)"
    return
  fi
  if is_dry_run; then
    would "create secret qs-system/quickstack-admin (ssh-key from $ADMIN_KEY_SOURCE, new TOTP secret)"
    return
  fi
  # RFC 4226 recommends a 160-bit shared secret; authenticator apps want base32.
  NEW_TOTP=$(openssl rand 20 | base32 | tr -d '=\n')
  secret_manifest quickstack-admin "username=admin" "ssh-key=$ADMIN_KEY_LINE" "totp-secret=$NEW_TOTP" |
    kube_apply "secret quickstack-admin"
}

# QS_BUILDER_*_IMAGE=ref lines of deploy/: the builder images, by exact tag.
builder_image_refs() {
  sed -n 's/^ *- \(QS_BUILDER_[A-Z]*_IMAGE\)=\(.*\)$/\1=\2/p' "$DEPLOY_DIR/base/kustomization.yaml"
}

# image_digest REF : pulls REF on this node and prints the sha256 digest containerd
# resolved it to (the multi-arch index when there is one); prints nothing on failure.
image_digest() {
  local ref=$1
  k3s crictl pull "$ref" >/dev/null 2>&1 || return 0
  k3s crictl inspecti -o go-template --template '{{range .status.repoDigests}}{{println .}}{{end}}' "$ref" 2>/dev/null |
    sed -n "s|^${ref%:*}@\(sha256:[0-9a-f]\{64\}\)\$|\1|p" | head -n 1
}

# Builds run user code with these images, so they are pinned to the content this server
# pulled (name:tag@sha256:…), not to a tag that can move; re-running install.sh re-pins.
# The pull also means the first push does not wait for them.
pin_builder_images() {
  step "Pinning builder images by digest"
  PINNED_IMAGES=()
  local line
  while IFS= read -r line; do
    pin_image "$line" builds
  done < <(builder_image_refs)
}

# Pins one VAR=ref line by digest into PINNED_IMAGES; without a digest, says that `what`
# (builds, backups) use the tag until the next run.
pin_image() {
  local line=$1 what=$2 var ref digest
  var=${line%%=*}
  ref=${line#*=}
  if is_dry_run; then
    # QS_TEST_IMAGE_DIGEST stands in for the registry's answer.
    would "run k3s crictl pull $ref"
    digest=${QS_TEST_IMAGE_DIGEST:-}
  else
    digest=$(image_digest "$ref")
  fi
  if [ -n "$digest" ]; then
    PINNED_IMAGES+=("$var=$ref@$digest")
    info "$var=$ref@$digest"
  else
    warn "could not pull $ref: $what use the tag until install.sh is re-run"
  fi
}

# The site overlay: deploy/ as the base plus this server's domain, URLs, pinned builder
# images and image.
overlay_manifest() {
  cat <<YAML
# Written by QuickStack install.sh; re-running it rewrites this file and deploy/ here.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deploy
  - deploy/policy
configMapGenerator:
  - name: quickstack-settings
    namespace: qs-system
    behavior: merge
    literals:
      - QS_BASE_DOMAIN=$DOMAIN
      - QS_SSH_PUBLIC_HOST=$DOMAIN
      - QS_PUBLIC_URL=https://qs.$DOMAIN
$(for pinned in ${PINNED_IMAGES[@]+"${PINNED_IMAGES[@]}"}; do printf '      - %s\n' "$pinned"; done)
$([ -z "${PINNED_BASE_IMAGES:-}" ] || printf '      - QS_BASE_IMAGES=%s\n' "$PINNED_BASE_IMAGES")
patches:
  - target:
      kind: Ingress
      name: quickstack
    patch: |-
      - op: replace
        path: /spec/rules/0/host
        value: qs.$DOMAIN
      - op: replace
        path: /spec/tls/0/hosts/0
        value: qs.$DOMAIN
YAML
  # QUICKSTACK_IMAGE split as a reference (preflight refused anything else): a registry
  # port is not a tag, and a digest pins the content.
  parse_image_ref "$QS_IMAGE" || die "QUICKSTACK_IMAGE=$QS_IMAGE is not an image reference"
  printf 'images:\n  - name: quickstack/control-plane\n    newName: %s\n' "$IMAGE_NAME"
  if [ -n "$IMAGE_TAG" ]; then printf '    newTag: "%s"\n' "$IMAGE_TAG"; fi
  if [ -n "$IMAGE_DIGEST" ]; then printf '    digest: %s\n' "$IMAGE_DIGEST"; fi
}

apply_quickstack() {
  step "Applying deploy/ for $DOMAIN"
  run rm -rf "$QS_ETC/deploy"
  run mkdir -p "$QS_ETC"
  run cp -R "$DEPLOY_DIR" "$QS_ETC/deploy"
  overlay_manifest | write_file "$QS_ETC/kustomization.yaml" 0644 "overlay: qs.$DOMAIN, QS_BASE_DOMAIN=$DOMAIN"
  run kc apply -k "$QS_ETC"
}

wait_for_quickstack() {
  step "Waiting for QuickStack"
  wait_for "Redis" 300 kc -n qs-system rollout status statefulset/redis --timeout=5s
  wait_for "the registry" 300 kc -n qs-system rollout status deployment/registry --timeout=5s
  wait_for "the registry relay on every node" 300 kc -n qs-system rollout status daemonset/registry-node-proxy --timeout=5s
  wait_for "the control plane (/readyz)" 600 kc -n qs-system rollout status deployment/quickstack --timeout=5s
}

print_totp_enrolment() {
  [ -n "${NEW_TOTP:-}" ] || return 0
  local uri="otpauth://totp/QuickStack:admin?secret=$NEW_TOTP&issuer=QuickStack&algorithm=SHA1&digits=6&period=30"
  step "Status page two-factor enrolment (shown once, not stored anywhere readable by you)"
  info "Scan this with an authenticator app, or type the secret: $NEW_TOTP"
  if command -v qrencode >/dev/null 2>&1; then
    qrencode -t ANSIUTF8 "$uri"
  else
    info "$uri"
  fi
}

print_summary() {
  if is_dry_run; then step "Then it would print:"; else step "QuickStack is ready"; fi
  cat <<TEXT

Add this to ~/.ssh/config on your computer:

  Host qs
    HostName $DOMAIN
    Port 2222
    User git

Status page: https://qs.$DOMAIN/
  (the certificate can take a minute: Let's Encrypt checks http://qs.$DOMAIN first)

First push:
  ssh qs apps:create myapp
  git remote add qs ssh://git@$DOMAIN:2222/myapp.git
  git push qs main
  open https://myapp.$DOMAIN/

Another VPS as a node:  ssh qs nodes:join-command
TEXT
  if [ "${DOMAIN_FROM_IP:-0}" != 1 ]; then
    printf '\nDNS: point %s and *.%s at %s.\n' "$DOMAIN" "$DOMAIN" "$PUBLIC_IP"
  fi
}
