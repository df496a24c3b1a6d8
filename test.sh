#!/usr/bin/env bash
# The one test command. On a Debian machine with Go it installs or starts what
# the tests need, then runs `go vet` and every test:
#
#   - Debian packages: redis-server, libxml2-utils (xmllint), nodejs and npm,
#     curl and jq (the README's examples, which a test runs), prometheus
#     (promtool, which lints /metrics), with apt-get
#     (as root, or through sudo), only those missing;
#   - the locked npm dependencies of the Node projects the tests run
#     (npm ci), only where node_modules is missing or older than the lock file;
#   - redis-server on 127.0.0.1:6379, only if nothing listens there.
#
# Run again, it changes nothing and only runs the tests. README.md ("What the
# tests use") says what the tests touch. Arguments, if any, replace ./... as
# the packages to vet and test. .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")"

say() { printf 'test.sh: %s\n' "$*"; }
die() { printf 'test.sh: %s\n' "$*" >&2; exit 1; }
started=$SECONDS

command -v go >/dev/null 2>&1 || die "Go is not installed: install the version go.mod names, then run ./test.sh again"

# Debian packages. Node.js runs the WSDL-driven conformance client
# (node-soap), the OpenAPI linter (Redocly) and the TypeScript client generator
# and compiler of the org-typed spec test (tools/openapi-ts), and npm installs the
# helm binary the chart tests use (docs/deploy.md).
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
# curl and jq run the README's examples (cmd/gateway/readme_test.go).
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v jq >/dev/null 2>&1 || need+=(jq)
# Headless Chromium loads /docs with every other host unresolvable
# (cmd/gateway/docs_browser_test.go).
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# promtool checks the chart's alert rules and dashboard queries (internal/deploytest)
# and lints the gateway's /metrics (cmd/gateway/e2e_metrics_test.go).
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    die "missing Debian packages: ${need[*]}; install them as root (apt-get install ${need[*]}), then run ./test.sh again"
  fi
  say "installing ${need[*]}"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# node-soap and Redocly need Node.js 20.19 or later; Debian 12's own nodejs
# is 18, so say so rather than fail later inside a test.
node_version=$(node -p 'process.versions.node')
IFS=. read -r node_major node_minor _ <<<"$node_version"
if [ "$node_major" -lt 20 ] || { [ "$node_major" -eq 20 ] && [ "$node_minor" -lt 19 ]; }; then
  die "Node.js $node_version is too old: the tests' Node packages need 20.19 or later (Debian 13 ships it; on Debian 12 install a newer nodejs), then run ./test.sh again"
fi

# The locked npm dependencies, installed only when node_modules is missing or
# older than the lock file (npm ci records what it installed in
# node_modules/.package-lock.json).
for dir in internal/sfsim/conformance/wsdlclient tools/openapi-lint tools/openapi-ts tools/helm; do
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
    [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

# Redis on 127.0.0.1:6379, database 0; the tests keep to key prefixes of
# their own there and delete them afterwards.
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }
if ! redis_up; then
  if [ "$(id -u)" -eq 0 ]; then
    redis_dir=/var/lib/redis redis_log=/var/log/redis/ci.log
  else
    redis_dir=${XDG_CACHE_HOME:-$HOME/.cache}/sfgate/redis redis_log=$redis_dir/redis.log
  fi
  say "starting redis-server on 127.0.0.1:6379 (data in $redis_dir, none saved)"
  mkdir -p "$redis_dir" "$(dirname "$redis_log")"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir "$redis_dir" --logfile "$redis_log"
  for _ in $(seq 1 50); do
    redis_up && break
    sleep 0.1
  done
fi
[ "$(redis-cli -h 127.0.0.1 -p 6379 ping)" = PONG ] || die "Redis on 127.0.0.1:6379 does not answer PING"

say "set-up took $((SECONDS - started)) s"

# Every key a test writes to the shared Redis is under test:<run>:…
# (redistest.Shared), so the run can be checked for leftovers at the end
# even while other suites share the Redis.
run_id=$(date +%s)-$$
export SFGATE_TEST_RUN=$run_id
scan() { redis-cli -h 127.0.0.1 -p 6379 --scan "$@" | LC_ALL=C sort; }
before=$(scan)

pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(./...)
go vet "${pkgs[@]}"
status=0
go test -count=1 -timeout 10m "${pkgs[@]}" || status=$?

left=$(scan --pattern "test:$run_id:*")
if [ -n "$left" ]; then
  printf '%s\n' "test.sh: the tests left keys in Redis:" "$left" | head -20 >&2
  status=1
fi
# Keys outside any test prefix that appeared during the run are a test
# writing without one. On a shared machine another program may have written
# them, so outside CI this only warns.
new=$(LC_ALL=C comm -13 <(printf '%s\n' "$before") <(scan) | grep -v '^test:' || true)
if [ -n "$new" ]; then
  printf '%s\n' "test.sh: keys outside test: prefixes appeared in Redis during the run:" "$new" | head -20 >&2
  [ -z "${CI:-}" ] || status=1
fi
say "done in $((SECONDS - started)) s"
exit $status
