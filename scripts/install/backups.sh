# shellcheck shell=bash
# Backups (issue 18): the per-installation encryption key and the pinned restic image.

# restic encrypts every backup with this key. It is made once, kept in the Secret the
# control plane reads (qs-system/qs-backup-key, key "password") and printed once at the
# end: a server lost with its disk takes the Secret with it, so the key must also live
# somewhere else. Re-runs keep it and do not show it again.
create_backup_key() {
  step "Creating the backup encryption key"
  NEW_BACKUP_KEY=""
  if secret_exists qs-backup-key; then
    info "keep qs-backup-key (exists; the key is not shown again)"
    return
  fi
  if is_dry_run; then
    would "create secret qs-system/qs-backup-key (password; openssl rand, shown once at the end)"
    return
  fi
  # 32 random bytes as base64url, the form the control plane makes when it has to.
  NEW_BACKUP_KEY=$(openssl rand -base64 32 | tr -d '\n=' | tr '+/' '-_')
  secret_manifest qs-backup-key "password=$NEW_BACKUP_KEY" | kube_apply "secret qs-backup-key"
}

print_backup_key() {
  [ -n "${NEW_BACKUP_KEY:-}" ] || return 0
  step "Backup encryption key (shown once: keep a copy away from this server)"
  info "$NEW_BACKUP_KEY"
  info "Every backup is encrypted with it. To restore on a new server, put it back first:"
  info "  kubectl -n qs-system create secret generic qs-backup-key --from-literal=password=KEY"
}

# QS_BACKUP_IMAGE=ref of deploy/: the restic image, by exact tag.
backup_image_ref() {
  sed -n 's/^ *- \(QS_BACKUP_IMAGE\)=\(.*\)$/\1=\2/p' "$DEPLOY_DIR/base/kustomization.yaml"
}

# Backup Jobs hold the keys to every backup, so restic runs pinned to the content this
# server pulled (name:tag@sha256:…), like the builder images; re-running install.sh re-pins.
# Runs after pin_builder_images, which starts PINNED_IMAGES afresh.
pin_backup_image() {
  step "Pinning the backup image by digest"
  local line
  line=$(backup_image_ref)
  [ -n "$line" ] || return 0
  pin_image "$line" backups
}
