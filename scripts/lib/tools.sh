# Shared helpers for the scripts: find or install what the project needs, and say clearly what is missing.

require_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "error: the .NET 10 SDK (dotnet) is not installed; install it from your distribution or Microsoft's packages." >&2
    exit 1
  fi
  local major
  major=$(dotnet --version | cut -d. -f1)
  if [ "$major" -lt 10 ]; then
    echo "error: .NET SDK $(dotnet --version) found; this project needs 10 or later." >&2
    exit 1
  fi
}

# Debian's prometheus (with promtool) and prometheus-alertmanager: the real servers the tests and the demo run;
# victoria-metrics (victoria-metrics, vmauth, vmalert): the other sources the connection and accuracy tests read;
# chromium for the dashboard's end-to-end test, nodejs and npm for the offline validation of the Kubernetes manifests
# (deploy/kubernetes/validate); pass "nobrowser" to skip these test-only tools where only the demo is wanted.
ensure_debian_tools() {
  local missing=()
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  [ "${1:-}" = nobrowser ] || command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-dejavu-core)
  command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  command -v prometheus-alertmanager >/dev/null 2>&1 || command -v alertmanager >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
  [ "${1:-}" = nobrowser ] || command -v victoria-metrics >/dev/null 2>&1 || missing+=(victoria-metrics)
  [ "${1:-}" = nobrowser ] || command -v vmauth >/dev/null 2>&1 || missing+=(victoria-metrics)
  [ "${1:-}" = nobrowser ] || command -v vmalert >/dev/null 2>&1 || missing+=(victoria-metrics)
  [ "${1:-}" = nobrowser ] || command -v node >/dev/null 2>&1 || missing+=(nodejs)
  [ "${1:-}" = nobrowser ] || command -v npm >/dev/null 2>&1 || missing+=(npm)
  [ ${#missing[@]} -eq 0 ] && return 0

  local packages
  packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages: $packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $packages >/dev/null
    # The packages start system services where an init system runs; ours start their own on free ports.
  else
    echo "error: missing $packages; install with: sudo apt-get install -y $packages" >&2
    exit 1
  fi
}
