# shellcheck shell=bash
# k3s: config file, registries.yaml, pinned install (server or agent), readiness.

K3S_CONFIG_FILE=/etc/rancher/k3s/config.yaml
K3S_REGISTRIES_FILE=/etc/rancher/k3s/registries.yaml
K3S_AGENT_TOKEN_FILE=/var/lib/rancher/k3s/server/agent-token
# The in-cluster registry's name in image references (QS_REGISTRY_URL's host) and the
# node-loopback relay containerd reaches it through (deploy/base/registry/node-proxy.yaml).
REGISTRY_NAME=registry.qs-system.svc:5000
REGISTRY_NODE_ENDPOINT=127.0.0.1:5000

# k3s_script_url VERSION : the install script of exactly that k3s release, so the
# installer logic is pinned as well as the binary (get.k3s.io always serves the newest).
k3s_script_url() {
  local v=$1
  printf 'https://raw.githubusercontent.com/k3s-io/k3s/%s/install.sh' "${v//+/%2B}"
}

# existing_agent_token : the agent token kept in the k3s config file, if any.
existing_agent_token() {
  [ -r "$K3S_CONFIG_READ" ] || return 0
  sed -n 's/^agent-token: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$K3S_CONFIG_READ" | head -n 1
}

# server_config_yaml AGENT_SECRET : the server's /etc/rancher/k3s/config.yaml.
server_config_yaml() {
  printf '# Written by QuickStack install.sh; re-running it rewrites this file.\n'
  printf 'write-kubeconfig-mode: "0600"\n'
  # Pod traffic between VPS crosses the internet: WireGuard encrypts it (UDP 51820).
  printf 'flannel-backend: wireguard-native\n'
  # Users, keys and app config live in Secrets: encrypt them at rest in the datastore.
  printf 'secrets-encryption: true\n'
  printf 'node-external-ip: "%s"\n' "$PUBLIC_IP"
  # Behind 1:1 NAT the node's own address is private: WireGuard peers must dial the
  # external IPs, or pod traffic (and logs/exec to pods) between VPS never arrives.
  printf 'flannel-external-ip: true\n'
  printf 'tls-san:\n  - "%s"\n  - "%s"\n' "$DOMAIN" "$PUBLIC_IP"
  # Agents join with this token; it cannot join servers (unlike the server token).
  printf 'agent-token: "%s"\n' "$1"
}

# agent_config_yaml : a joining node's /etc/rancher/k3s/config.yaml.
agent_config_yaml() {
  printf '# Written by QuickStack install.sh join; re-running it rewrites this file.\n'
  printf 'server: "%s"\n' "$JOIN_SERVER"
  printf 'token: "%s"\n' "$JOIN_TOKEN"
  # The address other nodes reach this one at (flannel-external-ip on the server makes
  # WireGuard use it); behind 1:1 NAT it is not the address of any local interface.
  printf 'node-external-ip: "%s"\n' "$PUBLIC_IP"
}

# registries_yaml PASSWORD : the same file on every node. Image names under
# registry.qs-system.svc:5000 are pulled through the loopback relay with the node login.
# k3s looks auth up by the endpoint's host, so both names carry it.
registries_yaml() {
  printf '# Written by QuickStack install.sh: pull QuickStack images through the node relay.\n'
  printf 'mirrors:\n  "%s":\n    endpoint:\n      - "http://%s"\n' "$REGISTRY_NAME" "$REGISTRY_NODE_ENDPOINT"
  printf 'configs:\n'
  local host
  for host in "$REGISTRY_NODE_ENDPOINT" "$REGISTRY_NAME"; do
    printf '  "%s":\n    auth:\n      username: node\n      password: "%s"\n' "$host" "$1"
  done
}

write_server_config() {
  step "Configuring k3s"
  AGENT_SECRET=$(existing_agent_token)
  local token_note="keeps the existing agent token"
  if [ -z "$AGENT_SECRET" ]; then
    token_note="new agent token (openssl rand)"
    if ! is_dry_run; then AGENT_SECRET=$(rand_hex 32); fi
  fi
  local content
  content=$(server_config_yaml "$AGENT_SECRET")
  note_config_change "$content"
  printf '%s\n' "$content" |
    write_file "$K3S_CONFIG_FILE" 0600 "wireguard-native flannel over external IPs, secrets encryption, tls-san $DOMAIN, $token_note"
}

# note_config_change CONTENT : K3S_CONFIG_CHANGED=1 when config.yaml will not hold exactly
# CONTENT (k3s reads it only at start). A dry run compares with the file it read.
note_config_change() {
  K3S_CONFIG_CHANGED=0
  if ! printf '%s\n' "$1" | same_content "$K3S_CONFIG_READ"; then K3S_CONFIG_CHANGED=1; fi
}

write_agent_config() {
  step "Configuring k3s"
  AGENT_SECRET=$(token_secret "$JOIN_TOKEN")
  local content
  content=$(agent_config_yaml)
  note_config_change "$content"
  printf '%s\n' "$content" | write_file "$K3S_CONFIG_FILE" 0600 "agent of $JOIN_SERVER, external IP $PUBLIC_IP"
}

write_registries() {
  local password="" content
  if ! is_dry_run; then password=$(node_registry_password "$AGENT_SECRET"); fi
  content=$(registries_yaml "$password")
  REGISTRIES_CHANGED=0
  if ! is_dry_run && ! printf '%s\n' "$content" | same_content "$K3S_REGISTRIES_FILE"; then
    REGISTRIES_CHANGED=1
  fi
  printf '%s\n' "$content" |
    write_file "$K3S_REGISTRIES_FILE" 0600 "mirror $REGISTRY_NAME -> http://$REGISTRY_NODE_ENDPOINT with node credentials"
}

# install_k3s server|agent : installs or upgrades to K3S_VERSION; at the same version
# restarts k3s when config.yaml or registries.yaml changed (k3s reads both only at start).
install_k3s() {
  local role=$1 service=k3s
  if [ "$role" = agent ]; then service=k3s-agent; fi
  if [ "$K3S_INSTALLED_VERSION" = "$K3S_VERSION" ]; then
    step "k3s $K3S_VERSION is already installed"
    if [ "${K3S_CONFIG_CHANGED:-0}" = 1 ]; then
      run systemctl restart "$service"
    elif is_dry_run; then
      would "run systemctl restart $service (only if registries.yaml changed)"
    elif [ "${REGISTRIES_CHANGED:-0}" = 1 ]; then
      systemctl restart "$service"
    fi
    return
  fi
  if [ -n "$K3S_INSTALLED_VERSION" ]; then
    step "Upgrading k3s $K3S_INSTALLED_VERSION to $K3S_VERSION"
  else
    step "Installing k3s $K3S_VERSION ($role)"
  fi
  local url script
  url=$(k3s_script_url "$K3S_VERSION")
  if is_dry_run; then
    would "download $url"
    would "run the k3s install script (INSTALL_K3S_VERSION=$K3S_VERSION, $role; settings from $K3S_CONFIG_FILE)"
    return
  fi
  script=$(mktemp)
  curl -fsSL --retry 3 -o "$script" "$url"
  INSTALL_K3S_VERSION=$K3S_VERSION INSTALL_K3S_EXEC=$role sh "$script"
  rm -f "$script"
}

wait_for_kubernetes() {
  step "Waiting for Kubernetes"
  wait_for "the API server" 300 kc get --raw /readyz
  # This node only: on a re-run an agent that is down must not fail the server's install.
  wait_for "this node ($NODE_NAME) to be Ready" 300 kc wait --for=condition=Ready "node/$NODE_NAME" --timeout=5s
}

wait_for_agent() {
  step "Waiting for the k3s agent"
  wait_for "k3s-agent to be running" 300 systemctl is-active --quiet k3s-agent
}

# The full agent token (K10<ca-hash>::node:<secret>) lets a joining node verify the CA.
join_token() { cat "$K3S_AGENT_TOKEN_FILE"; }
