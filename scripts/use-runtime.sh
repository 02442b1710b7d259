# Sourced by the scripts that run node (scripts/demo.sh, bench/*.sh); `bash scripts/use-runtime.sh` only checks.
# Under make, PATH already starts with the project's runtime (the Makefile exports TSDUMP_RUNTIME). Run by hand,
# a script uses the runtime `make runtime` fetched (.tmp/runtime/current) when it is there, else the node on PATH.
# Either way the node found must satisfy package.json's engines (>= 22.15), or the script stops here.
_runtime_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${TSDUMP_RUNTIME:-}" ] && [ -x "$_runtime_root/.tmp/runtime/current/bin/node" ]; then
  PATH="$_runtime_root/.tmp/runtime/current/bin:$PATH"
  export PATH
fi
if ! command -v node >/dev/null; then
  printf 'runtime: no node found. Run it through make (make demo, make test: they fetch Node 24 into .tmp/runtime),\n  or install Node.js >= 22.15.\n' >&2
  exit 1
fi
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 15) ? 0 : 1)'; then
  printf 'runtime: %s is Node.js %s; tsdump needs >= 22.15.\n  Run it through make (make demo, make test, make runtime: they fetch Node 24 into .tmp/runtime\n  without touching the system'"'"'s node), or put a newer node first on PATH.\n' "$(command -v node)" "$(node --version)" >&2
  exit 1
fi
# What each bin's shebang (line 1 of src/cli/tsdump.ts, src/cli/tsload.ts) gives node, for scripts that run
# `node dist/cli/…` directly, measured as the installed commands run: TSDUMP_ENV / TSLOAD_ENV, the environment
# it sets (`env -S NAME=value … node`; glibc malloc settings), and TSDUMP_FLAGS / TSLOAD_FLAGS, node's flags.
# Run as `env $TSDUMP_ENV node $TSDUMP_FLAGS dist/cli/tsdump.js …`.
_assign='[A-Za-z_][A-Za-z0-9_]*=[^ ]* '
TSDUMP_ENV=$(sed -n "1s|^#!/usr/bin/env -S \(\($_assign\)*\)node.*|\1|p" "$_runtime_root/src/cli/tsdump.ts")
TSLOAD_ENV=$(sed -n "1s|^#!/usr/bin/env -S \(\($_assign\)*\)node.*|\1|p" "$_runtime_root/src/cli/tsload.ts")
TSDUMP_FLAGS=$(sed -n "1s|^#!/usr/bin/env -S \($_assign\)*node *||p" "$_runtime_root/src/cli/tsdump.ts")
TSLOAD_FLAGS=$(sed -n "1s|^#!/usr/bin/env -S \($_assign\)*node *||p" "$_runtime_root/src/cli/tsload.ts")
export TSDUMP_ENV TSLOAD_ENV TSDUMP_FLAGS TSLOAD_FLAGS
unset _runtime_root _assign
