#!/bin/bash
# The image tests' own infrastructure, shown with the real tools only
# (docker-registry, skopeo, curl, tar): registries of each kind start and
# guard what they should, the token server hands out the tokens it should,
# and the test images hold what the image tests rely on.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/registry.sh"
. "$(dirname "$0")/testimages.sh"

need_tools() {
	local t
	for t in /usr/bin/docker-registry skopeo umoci curl jq zstd openssl htpasswd setcap; do
		command -v "$t" >/dev/null || skip "no $t"
	done
}

v2_code() { # [curl options...]: the HTTP status of GET /v2/
	local opts
	mapfile -t opts < <(registry_curl_opts)
	curl -s -o /dev/null -w '%{http_code}' "${opts[@]}" "$@" "$(registry_url)/v2/"
}

# skopeo's options for this registry without the credentials.
anonymous_opts() { registry_skopeo_opts "${1-}" | grep -v -- '-creds='; }

# A manifest of a test image in the registry, by digest, as skopeo gets it.
remote_manifest() { # name
	local opts
	mapfile -t opts < <(registry_skopeo_opts "")
	skopeo inspect --raw "${opts[@]}" "docker://$(testimage_ref_digest "$1")"
}

plain_registry_serves() {
	need_tools
	registry_start plain
	assert_eq "$(v2_code)" 200 "GET /v2/"
	assert_eq "$(registry_ca_file)" "" "CA of a plain registry"
	[[ "$(registry_host)" =~ ^127\.0\.0\.1:[0-9]+$ ]] || fail "host: $(registry_host)"
	# Its storage is the test's own.
	grep -q "rootdirectory: $T/" "$REGISTRY_DIR/config.yml" || fail "storage not under $T"
	testimages_build
	testimages_push
	assert_eq "$(skopeo inspect --tls-verify=false "docker://$(testimage_ref multi)" | jq -r .Digest)" \
		"$(testimage_digest multi)" "digest of the pushed multi"
	# Delete is enabled: a manifest can be removed.
	skopeo delete --tls-verify=false "docker://$(testimage_ref hostile-dotdot)"
	if skopeo inspect --tls-verify=false "docker://$(testimage_ref hostile-dotdot)" >/dev/null 2>&1; then
		fail "hostile-dotdot still there after delete"
	fi
	local pid=$REGISTRY_PID
	registry_stop
	if kill -0 "$pid" 2>/dev/null; then fail "docker-registry $pid still runs after registry_stop"; fi
}

basic_registry_needs_credentials() {
	need_tools
	registry_start basic
	assert_eq "$(v2_code)" 401 "GET /v2/ without credentials"
	curl -s -D - -o /dev/null "$(registry_url)/v2/" | grep -qi '^WWW-Authenticate: Basic realm=' ||
		fail "no Basic challenge"
	assert_eq "$(v2_code -u "$REGISTRY_USER:$REGISTRY_PASSWORD")" 200 "GET /v2/ with credentials"
	assert_eq "$(v2_code -u "$REGISTRY_USER:wrong")" 401 "GET /v2/ with a wrong password"
	testimages_build
	local opts
	mapfile -t opts < <(anonymous_opts dest)
	if skopeo copy -q "${opts[@]}" "$(testimage_layout hostile-dotdot)" \
		"docker://$(registry_host)/lxcri-test/anon:latest" 2>"$T/anon.err"; then
		fail "pushed without credentials"
	fi
	testimages_push
	mapfile -t opts < <(registry_skopeo_opts "")
	assert_eq "$(skopeo inspect "${opts[@]}" "docker://$(testimage_ref multi)" | jq -r .Digest)" \
		"$(testimage_digest multi)" "digest of multi"
	registry_stop
}

token_registry_uses_the_token_server() {
	need_tools
	registry_start token
	assert_eq "$(v2_code)" 401 "GET /v2/ without a token"
	local challenge
	challenge=$(curl -s -D - -o /dev/null "$(registry_url)/v2/" | grep -i '^WWW-Authenticate:')
	assert_contains "$challenge" "Bearer realm=\"http://127.0.0.1:$TOKENSERVER_PORT/token\""
	assert_contains "$challenge" "service=\"$REGISTRY_SERVICE\""
	# A token from the token server opens /v2/; a forged one does not.
	local token
	token=$(registry_token repository:lxcri-test/multi:pull)
	[ -n "$token" ] && [ "$token" != null ] || fail "no token"
	assert_eq "$(v2_code -H "Authorization: Bearer $token")" 200 "GET /v2/ with a token"
	assert_eq "$(v2_code -H "Authorization: Bearer ${token%.*}.AAAA")" 401 "GET /v2/ with a bad signature"
	# Wrong credentials get no token at all.
	assert_eq "$(curl -s -o /dev/null -w '%{http_code}' -u "$REGISTRY_USER:wrong" \
		"http://127.0.0.1:$TOKENSERVER_PORT/token?service=$REGISTRY_SERVICE&scope=repository:x:pull")" 401 \
		"token with a wrong password"
	grep -q 'user=denied' "$(registry_token_log)" || fail "no denied request in the token log"
	testimages_build
	testimages_push
	# An anonymous client pulls, with a pull-only token; it cannot push.
	local opts
	mapfile -t opts < <(anonymous_opts "")
	: >"$(registry_token_log)"
	assert_eq "$(skopeo inspect "${opts[@]}" "docker://$(testimage_ref multi)" | jq -r .Digest)" \
		"$(testimage_digest multi)" "anonymous inspect of multi"
	grep -q 'user=anonymous granted=repository:lxcri-test/multi:pull$' "$(registry_token_log)" ||
		fail "no anonymous pull scope in the token log: $(cat "$(registry_token_log)")"
	mapfile -t opts < <(anonymous_opts dest)
	if skopeo copy -q "${opts[@]}" "$(testimage_layout hostile-dotdot)" \
		"docker://$(registry_host)/lxcri-test/anon:latest" 2>"$T/anon.err"; then
		fail "pushed with an anonymous token"
	fi
	grep -q 'user=anonymous granted=repository:lxcri-test/anon:pull$' "$(registry_token_log)" ||
		fail "the anonymous push asked for: $(cat "$(registry_token_log)")"
	# The pushes had their push scope, for the user.
	[ "$(jq -r .token <<<"$(curl -s -u "$REGISTRY_USER:$REGISTRY_PASSWORD" \
		"http://127.0.0.1:$TOKENSERVER_PORT/token?service=$REGISTRY_SERVICE&scope=repository:lxcri-test/x:pull,push")" |
		cut -d. -f2 | tr '_-' '/+' | base64 -d 2>/dev/null | jq -c '.access')" == \
		'[{"type":"repository","name":"lxcri-test/x","actions":["pull","push"]}]' ] ||
		fail "the user's token does not grant pull,push"
	registry_stop
}

tls_registry_needs_its_ca() {
	need_tools
	registry_start tls
	local ca host code
	ca=$(registry_ca_file)
	host=$(registry_host)
	assert_exists "$ca"
	assert_eq "$(registry_cert_dir)" "$(registry_certs_d)/$host" "cert dir"
	cmp -s "$ca" "$(registry_cert_dir)/ca.crt" || fail "the cert dir has not the CA"
	assert_eq "$(registry_url)" "https://$host"
	# Not trusted without the CA, by curl or skopeo.
	code=$(curl -s -o /dev/null -w '%{http_code}' "$(registry_url)/v2/") && fail "curl trusted it without the CA ($code)"
	assert_eq "$(v2_code)" 200 "GET /v2/ with the CA"
	assert_eq "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ca" "https://localhost:${host#*:}/v2/")" 200 \
		"GET /v2/ by the name localhost"
	testimages_build
	if skopeo copy -q "$(testimage_layout hostile-absolute)" "docker://$host/lxcri-test/x:latest" 2>"$T/tls.err"; then
		fail "skopeo pushed without the CA"
	fi
	assert_contains "$(cat "$T/tls.err")" "certificate"
	testimages_push
	assert_eq "$(skopeo inspect --cert-dir="$(registry_cert_dir)" "docker://$(testimage_ref multi)" | jq -r .Digest)" \
		"$(testimage_digest multi)" "digest of multi over TLS"
	registry_stop
}

tls_with_auth_combines() {
	need_tools
	local mode
	for mode in "tls basic" "tls token"; do
		registry_start "$mode"
		assert_eq "$(v2_code)" 401 "$mode: GET /v2/ without credentials"
		if [ "$mode" == "tls basic" ]; then
			assert_eq "$(v2_code -u "$REGISTRY_USER:$REGISTRY_PASSWORD")" 200 "$mode: GET /v2/ with credentials"
		else
			assert_eq "$(v2_code -H "Authorization: Bearer $(registry_token repository:a:pull)")" 200 \
				"$mode: GET /v2/ with a token"
		fi
		local opts
		mapfile -t opts < <(registry_skopeo_opts dest)
		assert_contains "${opts[*]}" "--dest-cert-dir=$(registry_cert_dir)"
		assert_contains "${opts[*]}" "--dest-creds=$REGISTRY_USER:$REGISTRY_PASSWORD"
		testimages_build
		skopeo copy -q "${opts[@]}" "$(testimage_layout hostile-absolute)" \
			"docker://$(registry_host)/lxcri-test/hostile-absolute:latest"
		registry_stop
	done
}

# What each pushed image is, as skopeo sees it in the registry.
pushed_images_are_what_they_say() {
	need_tools
	registry_start plain
	testimages_build
	testimages_push
	local m name
	m=$(remote_manifest multi)
	assert_eq "$(remote_media_type multi)" application/vnd.oci.image.manifest.v1+json "multi media type"
	assert_eq "$(jq -c '[.layers[].mediaType] | unique' <<<"$m")" '["application/vnd.oci.image.layer.v1.tar+gzip"]' "multi layers"
	assert_eq "$(jq '.layers | length' <<<"$m")" 4 "multi layer count"
	m=$(remote_manifest zstd)
	assert_eq "$(remote_media_type zstd)" application/vnd.oci.image.manifest.v1+json "zstd media type"
	assert_eq "$(jq -c '[.layers[].mediaType] | unique' <<<"$m")" '["application/vnd.oci.image.layer.v1.tar+zstd"]' "zstd layers"
	assert_eq "$(jq '.layers | length' <<<"$m")" 4 "zstd layer count"
	m=$(remote_manifest schema2)
	assert_eq "$(remote_media_type schema2)" application/vnd.docker.distribution.manifest.v2+json "schema2 media type"
	assert_eq "$(jq -r .config.mediaType <<<"$m")" application/vnd.docker.container.image.v1+json "schema2 config"
	assert_eq "$(jq '.layers | length' <<<"$m")" 4 "schema2 layer count"
	m=$(remote_manifest multiarch)
	assert_eq "$(remote_media_type multiarch)" application/vnd.oci.image.index.v1+json "multiarch media type"
	assert_eq "$(jq -c '[.manifests[].platform | [.os, .architecture, .variant // ""] | join("/")]' <<<"$m")" \
		'["linux/amd64/","linux/arm64/v8"]' "multiarch platforms"
	# Both platforms' manifests were pushed (--all), and the registry gives
	# the index only to a client that accepts it.
	for name in $(jq -r '.manifests[].digest' <<<"$m"); do
		skopeo inspect --raw --tls-verify=false "docker://$(registry_host)/lxcri-test/multiarch@$name" >/dev/null ||
			fail "multiarch platform manifest $name not pushed"
	done
	assert_eq "$(curl -s -o /dev/null -w '%{content_type}' -H 'Accept: application/vnd.oci.image.index.v1+json' \
		"$(registry_url)/v2/lxcri-test/multiarch/manifests/latest")" application/vnd.oci.image.index.v1+json \
		"content type of the index"
	for name in hostile-dotdot hostile-absolute hostile-symlink hostile-hardlink; do
		assert_eq "$(remote_manifest "$name" | jq '.layers | length')" 1 "$name layer count"
	done
	assert_eq "$(remote_manifest hostile-symlink-layers | jq '.layers | length')" 2 "hostile-symlink-layers layer count"
	# multi's config, as the image tests expect it.
	local c
	c=$(skopeo inspect --config --tls-verify=false "docker://$(testimage_ref multi)" | jq -c .config)
	assert_eq "$(jq -c .Entrypoint <<<"$c")" '["/usr/bin/entry.sh"]' Entrypoint
	assert_eq "$(jq -c .Cmd <<<"$c")" '["one","two words","three"]' Cmd
	assert_eq "$(jq -c '.Env | map(select(startswith("PATH=") | not))' <<<"$c")" '["FOO=bar","SPACED=a b"]' Env
	assert_eq "$(jq -r .WorkingDir <<<"$c")" /srv/app WorkingDir
	assert_eq "$(jq -r .User <<<"$c")" app User
	assert_eq "$(jq -c .ExposedPorts <<<"$c")" '{"8080/tcp":{}}' ExposedPorts
	assert_eq "$(jq -c .Volumes <<<"$c")" '{"/data":{}}' Volumes
	assert_eq "$(jq -r .StopSignal <<<"$c")" SIGUSR1 StopSignal
	# The pushed digests are those testimage_digest names.
	for name in $TESTIMAGES; do
		assert_eq "$(remote_manifest "$name" | sha256sum | cut -d' ' -f1)" "$(testimage_digest "$name" | cut -d: -f2)" \
			"digest of $name"
	done
	registry_stop
}

# The media type the registry serves a test image's manifest with.
remote_media_type() { # name
	local opts
	mapfile -t opts < <(registry_curl_opts)
	curl -s -o /dev/null -w '%{content_type}' "${opts[@]}" \
		-H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		-H 'Accept: application/vnd.oci.image.index.v1+json' \
		-H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
		"$(registry_url)/v2/lxcri-test/$1/manifests/$(testimage_digest "$1")"
}

# A layer of a local test image, uncompressed, to stdout.
layer_tar() { # name index
	local d
	d=$(skopeo inspect --raw "$(testimage_layout "$1")" | jq -r ".layers[$2].digest")
	d=$TESTIMAGES_DIR/oci/blobs/sha256/${d#sha256:}
	case $1 in
	zstd) zstd -dc "$d" ;;
	*) zcat "$d" ;;
	esac
}

images_hold_what_tests_rely_on() {
	need_tools
	testimages_build
	local l1 l2 l3 l4
	l1=$(layer_tar multi 0 | tar tvf -)
	assert_contains "$l1" " bin/busybox"
	assert_contains "$l1" "bin/sh -> busybox"
	assert_eq "$(layer_tar multi 0 | tar xOf - etc/group | grep '^extra:')" "extra:x:1001:app" "group extra"
	assert_contains "$(layer_tar multi 0 | tar xOf - etc/passwd)" "app:x:1000:1000:"
	l2=$(layer_tar multi 1 | tar tvf -)
	assert_contains "$l2" "srv/app/data.txt link to srv/app/data.link"
	assert_contains "$l2" "1000/1000"
	layer_tar multi 1 | tar --xattrs --xattrs-include='security.*' -tvvf - 2>/dev/null | grep -A1 'usr/bin/netcap' |
		grep -q 'x: *[0-9]* security.capability' || fail "netcap has no security.capability"
	l3=$(layer_tar multi 2 | tar tf -)
	assert_eq "$l3" "etc/.wh.old.conf" "layer 3"
	l4=$(layer_tar multi 3 | tar tf -)
	assert_contains "$l4" "opt/stuff/.wh..wh..opq"
	assert_contains "$l4" "opt/stuff/c"
	# zstd's layers are multi's, recompressed.
	local i
	for i in 0 1 2 3; do
		[ "$(layer_tar zstd $i | sha256sum)" == "$(layer_tar multi $i | sha256sum)" ] || fail "zstd layer $i differs"
	done
	# entry.sh is a busybox script that runs here.
	layer_tar multi 1 | tar xOf - usr/bin/entry.sh >"$T/entry.sh"
	(cd "$T" && timeout 3 busybox sh "$T/entry.sh" a "b c" 2>&1 | head -n 3) >"$T/entry.out" || true
	assert_eq "$(head -n 2 "$T/entry.out")" "$(printf '[a]\n[b c]')" "entry.sh's arguments"
	# The hostile entries are there, verbatim.
	assert_eq "$(layer_tar hostile-dotdot 0 | tar tf - 2>/dev/null)" "../lxcri-hostile-canary" "hostile-dotdot entry"
	assert_eq "$(layer_tar hostile-absolute 0 | tar tf - --absolute-names)" "/tmp/lxcri-hostile-canary" \
		"hostile-absolute entry"
	assert_eq "$(layer_tar hostile-symlink 0 | tar tvf - | awk '{ print $6, $7, $8 }' | tr '\n' ';')" \
		"evil -> /tmp;evil/lxcri-hostile-canary  ;" "hostile-symlink entries"
	assert_eq "$(layer_tar hostile-symlink-layers 0 | tar tf -)" evil "hostile-symlink-layers layer 1"
	assert_eq "$(layer_tar hostile-symlink-layers 1 | tar tf -)" evil/lxcri-hostile-canary "hostile-symlink-layers layer 2"
	l1=$(layer_tar hostile-hardlink 0 | tar tvf - --absolute-names)
	assert_contains "$l1" "hard-passwd link to /etc/passwd"
	assert_contains "$l1" "hard-shadow link to ../../etc/shadow"
	# Built once: the next build reuses them.
	local dir=$TESTIMAGES_DIR stamp
	stamp=$(stat -c %Y "$dir/digests")
	TESTIMAGES_DIR=
	testimages_build
	assert_eq "$TESTIMAGES_DIR" "$dir" "images dir"
	assert_eq "$(stat -c %Y "$dir/digests")" "$stamp" "digests rewritten"
}

run_test "A plain registry of the test's own answers /v2/, takes the test images, deletes, and stops" plain_registry_serves
run_test "A Basic-auth registry answers 401 without the generated credentials and 200 with them; skopeo pushes only with them" basic_registry_needs_credentials
run_test "A Bearer-token registry sends clients to the test's token server, which gives users push and anonymous clients pull only, and logs each scope" token_registry_uses_the_token_server
run_test "A TLS registry is refused without its CA and trusted with it (curl --cacert, skopeo --cert-dir of the certs.d layout)" tls_registry_needs_its_ca
run_test "TLS combines with Basic and with Bearer auth" tls_with_auth_combines
run_test "Every pushed test image has the layers, media types, platforms, config and digest it is documented with" pushed_images_are_what_they_say
run_test "The test images hold the busybox rootfs, whiteout, opaque dir, hardlink, capability and hostile entries the image tests rely on, built once" images_hold_what_tests_rely_on
finish
