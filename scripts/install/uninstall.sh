# shellcheck shell=bash
# --uninstall: removes k3s (server or agent) with everything in the cluster, and
# QuickStack's files. Apps, git repos, images and volumes are deleted with it.

uninstall() {
  step "Uninstalling QuickStack and k3s from this machine"
  warn "This deletes every app, git repository, image and volume on this node."
  if ! is_dry_run && [ -t 0 ]; then
    local answer
    read -r -p "Type 'uninstall' to continue: " answer
    [ "$answer" = uninstall ] || die "nothing was removed"
  fi
  local script found=0
  for script in /usr/local/bin/k3s-uninstall.sh /usr/local/bin/k3s-agent-uninstall.sh; do
    if [ -x "$script" ] || { is_dry_run && [ -n "$K3S_INSTALLED_VERSION" ] && [ "$script" = "$(uninstall_script_for_role)" ]; }; then
      run "$script"
      found=1
    fi
  done
  [ "$found" = 1 ] || info "k3s is not installed here"
  run rm -rf "$QS_ETC" "$K3S_REGISTRIES_FILE" "$K3S_CONFIG_FILE"
  step "Removed"
}

# In dry-run with a simulated k3s (QS_TEST_K3S_VERSION), QS_TEST_K3S_ROLE says which
# uninstall script the real machine would have.
uninstall_script_for_role() {
  if [ "${K3S_ROLE:-server}" = agent ]; then
    printf /usr/local/bin/k3s-agent-uninstall.sh
  else
    printf /usr/local/bin/k3s-uninstall.sh
  fi
}
