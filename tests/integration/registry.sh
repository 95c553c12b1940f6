# shellcheck shell=bash
# A registry of the test's own, sourced after lib.sh: Debian's
# /usr/bin/docker-registry with a config of ours (storage under $T, delete
# enabled, 127.0.0.1 on a port the kernel picks), started in the background,
# never the packaged service.
#
#   registry_start <mode>   mode: words of plain | basic | token | tls, e.g.
#                           "plain", "basic", "tls basic", "tls token"
#       basic  htpasswd Basic auth, user $REGISTRY_USER / $REGISTRY_PASSWORD
#       token  Bearer tokens (`auth: token:`) from tests/integration/tokenserver.c,
#              which checks the same credentials and gives anonymous pull tokens
#       tls    https with a server certificate for 127.0.0.1 and localhost,
#              signed by a CA made for this registry
#   registry_stop           kills it (and its token server), waits for them
#
#   registry_url            http[s]://127.0.0.1:<port>
#   registry_host           127.0.0.1:<port>
#   registry_ca_file        the CA's certificate (tls), empty otherwise
#   registry_cert_dir       a directory with ca.crt, as skopeo's --cert-dir wants
#                           it; it is <certs.d>/<host:port>, the layout of
#                           /etc/containers/certs.d (registry_certs_d)
#   registry_log            what docker-registry wrote
#   registry_token_log      the token server's requests, one line each:
#                           "GET /token?... user=<u|anonymous|denied> granted=<scopes>"
#   registry_skopeo_opts [dest|src|""]   the options skopeo needs for it, one a
#                           line (--dest-tls-verify=false, --dest-creds=..,
#                           --dest-cert-dir=..); "" for inspect's own names
#   registry_curl_opts      curl's options to trust it (--cacert), one a line
#   registry_token <scope> [anonymous]   a Bearer token for "repository:x:pull"
#
# One registry at a time per shell. Start it in the suite or in a test (a
# subshell); not inside $(...), whose pipe its background processes would
# hold open. Whatever is left running is ended when the suite exits.

REGISTRY_USER=lxcri-user-$$
REGISTRY_PASSWORD=$(openssl rand -hex 12)
REGISTRY_PIDS=$T/registry.pids
REGISTRY_SERVICE=lxcri-test-registry
REGISTRY_ISSUER=lxcri-test-issuer
REGISTRY_DIR=
REGISTRY_PORT=
REGISTRY_TLS=0
REGISTRY_AUTH=plain
REGISTRY_PID=
TOKENSERVER_PID=
TOKENSERVER_PORT=

registry_url() {
	local scheme=http
	[ "$REGISTRY_TLS" -eq 0 ] || scheme=https
	echo "$scheme://127.0.0.1:$REGISTRY_PORT"
}
registry_host() { echo "127.0.0.1:$REGISTRY_PORT"; }
registry_certs_d() { [ "$REGISTRY_TLS" -eq 0 ] || echo "$REGISTRY_DIR/certs.d"; }
registry_cert_dir() { [ "$REGISTRY_TLS" -eq 0 ] || echo "$REGISTRY_DIR/certs.d/$(registry_host)"; }
registry_ca_file() { [ "$REGISTRY_TLS" -eq 0 ] || echo "$REGISTRY_DIR/ca.crt"; }
registry_log() { echo "$REGISTRY_DIR/registry.log"; }
registry_token_log() { echo "$REGISTRY_DIR/token.log"; }

registry_skopeo_opts() { # [dest|src|""]
	local p=${1-dest}
	[ -z "$p" ] || p=$p-
	if [ "$REGISTRY_TLS" -eq 0 ]; then
		echo "--${p}tls-verify=false"
	else
		echo "--${p}cert-dir=$(registry_cert_dir)"
	fi
	[ "$REGISTRY_AUTH" == plain ] || echo "--${p}creds=$REGISTRY_USER:$REGISTRY_PASSWORD"
}

registry_curl_opts() {
	[ "$REGISTRY_TLS" -eq 0 ] || printf '%s\n' --cacert "$(registry_ca_file)"
}

registry_token() { # scope [anonymous]
	local creds=(-u "$REGISTRY_USER:$REGISTRY_PASSWORD")
	[ "${2:-}" != anonymous ] || creds=()
	curl -sf "${creds[@]}" -G "http://127.0.0.1:$TOKENSERVER_PORT/token" \
		--data-urlencode "service=$REGISTRY_SERVICE" --data-urlencode "scope=$1" | jq -r .token
}

# A CA and a server certificate for 127.0.0.1 and localhost.
registry_make_certs() {
	local d=$REGISTRY_DIR
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$d/ca.key" -out "$d/ca.crt" -subj "/CN=lxcri test CA $$" -days 2 \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
		2>>"$d/openssl.log" || return 1
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$d/server.key" -out "$d/server.csr" -subj "/CN=127.0.0.1" 2>>"$d/openssl.log" || return 1
	printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
		"keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >"$d/server.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
		-out "$d/server.crt" -days 2 -extfile "$d/server.ext" 2>>"$d/openssl.log" || return 1
}

# The token server, on a port of its own choosing; its key's certificate is
# the registry's rootcertbundle.
registry_start_tokenserver() {
	local d=$REGISTRY_DIR
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/token.key" -out "$d/token.crt" \
		-subj "/CN=lxcri test token issuer" -days 2 2>>"$d/openssl.log" || return 1
	: >"$d/token.log"
	"$BUILD/tests/tokenserver" --key "$d/token.key" --port-file "$d/token.port" --log "$d/token.log" \
		--user "$REGISTRY_USER" --password "$REGISTRY_PASSWORD" \
		--issuer "$REGISTRY_ISSUER" --service "$REGISTRY_SERVICE" </dev/null >"$d/tokenserver.out" 2>&1 &
	TOKENSERVER_PID=$!
	echo "$TOKENSERVER_PID" >>"$REGISTRY_PIDS"
	for _ in $(seq 100); do
		[ -s "$d/token.port" ] && break
		kill -0 "$TOKENSERVER_PID" 2>/dev/null || break
		sleep 0.05
	done
	TOKENSERVER_PORT=$(cat "$d/token.port" 2>/dev/null)
	[ -n "$TOKENSERVER_PORT" ] || fail "the token server did not start: $(cat "$d/tokenserver.out")"
}

registry_write_config() {
	local d=$REGISTRY_DIR
	cat >"$d/config.yml" <<EOS
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $d/storage
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
health:
  storagedriver:
    enabled: false
http:
  addr: 127.0.0.1:0
  secret: $(openssl rand -hex 16)
EOS
	if [ "$REGISTRY_TLS" -eq 1 ]; then
		printf '  tls:\n    certificate: %s\n    key: %s\n' "$d/server.crt" "$d/server.key" >>"$d/config.yml"
	fi
	case $REGISTRY_AUTH in
	basic)
		htpasswd -Bbn "$REGISTRY_USER" "$REGISTRY_PASSWORD" >"$d/htpasswd" 2>/dev/null
		printf 'auth:\n  htpasswd:\n    realm: lxcri-test\n    path: %s\n' "$d/htpasswd" >>"$d/config.yml"
		;;
	token)
		cat >>"$d/config.yml" <<EOS
auth:
  token:
    realm: http://127.0.0.1:$TOKENSERVER_PORT/token
    service: $REGISTRY_SERVICE
    issuer: $REGISTRY_ISSUER
    rootcertbundle: $d/token.crt
EOS
		;;
	esac
}

# The port a process of ours listens on (it bound port 0).
registry_listen_port() { # pid
	ss -Hltnp 2>/dev/null | grep -F "pid=$1," | awk '{ print $4 }' | sed -n 's/^127\.0\.0\.1:\([0-9]*\)$/\1/p' | head -n1
}

registry_start() { # mode words
	local w code words curl_opts
	REGISTRY_TLS=0 REGISTRY_AUTH=plain REGISTRY_PORT='' TOKENSERVER_PORT='' TOKENSERVER_PID=''
	# "tls basic" as one argument or two.
	read -ra words <<<"$*"
	for w in "${words[@]}"; do
		case $w in
		plain) ;;
		basic | token) REGISTRY_AUTH=$w ;;
		tls) REGISTRY_TLS=1 ;;
		*) fail "registry_start: unknown mode '$w'" || return 1 ;;
		esac
	done
	[ -x /usr/bin/docker-registry ] || skip "no /usr/bin/docker-registry"
	REGISTRY_DIR=$(mktemp -d "$T/registry-XXXXXX")
	mkdir -p "$REGISTRY_DIR/storage"
	if [ "$REGISTRY_TLS" -eq 1 ]; then
		registry_make_certs || fail "could not make the certificates: $(cat "$REGISTRY_DIR/openssl.log")" || return 1
	fi
	if [ "$REGISTRY_AUTH" == token ]; then
		registry_start_tokenserver || return 1
	fi
	registry_write_config
	/usr/bin/docker-registry serve "$REGISTRY_DIR/config.yml" </dev/null >"$REGISTRY_DIR/registry.log" 2>&1 &
	REGISTRY_PID=$!
	echo "$REGISTRY_PID" >>"$REGISTRY_PIDS"
	for _ in $(seq 200); do
		kill -0 "$REGISTRY_PID" 2>/dev/null || break
		REGISTRY_PORT=$(registry_listen_port "$REGISTRY_PID")
		[ -n "$REGISTRY_PORT" ] && break
		sleep 0.05
	done
	[ -n "$REGISTRY_PORT" ] || fail "docker-registry did not listen: $(tail -n 20 "$REGISTRY_DIR/registry.log")" || return 1
	if [ "$REGISTRY_TLS" -eq 1 ]; then
		mkdir -p "$(registry_cert_dir)"
		cp "$REGISTRY_DIR/ca.crt" "$(registry_cert_dir)/ca.crt"
	fi
	# Listening is not serving yet: wait for /v2/ to answer (401 with auth on).
	mapfile -t curl_opts < <(registry_curl_opts)
	for _ in $(seq 100); do
		code=$(curl -s -o /dev/null -w '%{http_code}' "${curl_opts[@]}" "$(registry_url)/v2/")
		[[ "$code" == 200 || "$code" == 401 ]] && return 0
		sleep 0.05
	done
	fail "docker-registry does not answer /v2/ at $(registry_url) (last: $code): $(tail -n 20 "$REGISTRY_DIR/registry.log")"
}

# Ends a process of ours and waits for it: our child is reaped, another's
# (started by a test's subshell since gone) is waited for until it is gone.
registry_end_pid() { # pid
	kill "$1" 2>/dev/null || return 0
	wait "$1" 2>/dev/null && return 0
	for _ in $(seq 40); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

registry_stop() {
	local pid
	for pid in $REGISTRY_PID $TOKENSERVER_PID; do
		registry_end_pid "$pid"
		{ grep -vx "$pid" "$REGISTRY_PIDS" 2>/dev/null || true; } >"$REGISTRY_PIDS.new"
		mv "$REGISTRY_PIDS.new" "$REGISTRY_PIDS"
	done
	REGISTRY_PID='' TOKENSERVER_PID=''
	return 0
}

# Every registry and token server this suite started that still runs (a
# failed test's); only processes that are ours by their command line.
registry_stop_all() {
	local pid
	for pid in $(cat "$REGISTRY_PIDS" 2>/dev/null); do
		grep -qaE "docker-registry|tokenserver" "/proc/$pid/cmdline" 2>/dev/null && registry_end_pid "$pid"
	done
	rm -f "$REGISTRY_PIDS"
}
trap 'registry_stop_all; harness_cleanup' EXIT
