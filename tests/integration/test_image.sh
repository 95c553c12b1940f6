#!/bin/bash
# lxcri image: pulls from registries of the test's own (plain, Basic, Bearer,
# TLS) into the image store, as an admin runs them, and what the store then
# holds as skopeo and umoci read it; the attacks on a pull (a registry that
# sends other bytes than their digest, a killed pull, a full disk, two pulls
# at once) and the credentials' files.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/registry.sh"
. "$(dirname "$0")/testimages.sh"

need_tools() {
	local t
	for t in /usr/bin/docker-registry skopeo umoci jq zstd openssl htpasswd setcap; do
		command -v "$t" >/dev/null || skip "no $t"
	done
}

lxcri() { "${LXCRI[@]}" "$@"; }

# A registry of the given mode with the test images, and settings that reach it.
setup() { # mode
	need_tools
	rm -rf "$IMAGES"
	registry_start "$1"
	testimages_build
	testimages_push
	if [ "$REGISTRY_TLS" -eq 1 ]; then
		printf 'registry-certs-dir: %s\n' "$(registry_certs_d)" >"$ETC/lxcri.conf"
	else
		printf 'registry-insecure: %s\n' "$(registry_host)" >"$ETC/lxcri.conf"
	fi
}

# The GETs of a blob the registry served.
blob_gets() { # digest
	grep -c "\"GET /v2/lxcri-test/[a-z0-9-]*/blobs/$1 " "$(registry_log)" || true
}

# The layer digests of a test image's manifest (of its amd64 manifest for multiarch).
layer_digests() { # name
	skopeo inspect --raw "$(testimage_layout "$1")" | jq -r '.layers[].digest'
}

# Verified blobs only: every file of blobs/sha256 has the digest it is named by.
store_blobs_verified() {
	local f
	for f in "$IMAGES"/blobs/sha256/*; do
		[ -f "$f" ] || continue
		[ "$(sha256sum <"$f" | cut -d' ' -f1)" == "$(basename "$f")" ] || fail "blob $(basename "$f") is corrupt"
	done
}

store_tags() { jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"]' "$IMAGES/index.json"; }

pull_by_tag_and_digest() {
	setup plain
	local ref out
	ref=$(testimage_ref multi)
	out=$(lxcri image pull "$ref")
	assert_contains "$out" "Pulled $ref"
	assert_contains "$out" "Digest: $(testimage_digest multi)"
	assert_contains "$out" "4 layers, 4 fetched"
	# The store is an OCI layout that skopeo and umoci read as it is.
	assert_eq "$(jq -r .imageLayoutVersion "$IMAGES/oci-layout")" 1.0.0
	assert_eq "$(skopeo inspect "oci:$IMAGES:$ref" | jq -r .Digest)" "$(testimage_digest multi)" "skopeo's digest"
	umoci unpack --image "$IMAGES:$ref" "$T/bundle" >/dev/null
	assert_eq "$(cat "$T/bundle/rootfs/opt/stuff/c")" c "umoci's unpack of the store"
	assert_missing "$T/bundle/rootfs/etc/old.conf"
	store_blobs_verified
	# list and inspect, in text and JSON.
	out=$(lxcri image list)
	assert_contains "$out" "$ref"
	assert_eq "$(lxcri image list --output-format json | jq -r '.[0].digest')" "$(testimage_digest multi)"
	out=$(lxcri image inspect "$ref" --output-format json)
	assert_eq "$(jq -c .entrypoint <<<"$out")" '["/usr/bin/entry.sh"]' entrypoint
	assert_eq "$(jq -c .cmd <<<"$out")" '["one","two words","three"]' cmd
	assert_eq "$(jq -r .user <<<"$out")" app user
	assert_eq "$(jq -r .working_dir <<<"$out")" /srv/app working_dir
	assert_eq "$(jq -r .stop_signal <<<"$out")" SIGUSR1 stop_signal
	assert_eq "$(jq -c .exposed_ports <<<"$out")" '["8080/tcp"]' exposed_ports
	assert_eq "$(jq -c .volumes <<<"$out")" '["/data"]' volumes
	assert_eq "$(jq -r .platform <<<"$out")" linux/amd64 platform
	assert_eq "$(jq '.layers | length' <<<"$out")" 4 layers
	out=$(lxcri image inspect "$ref")
	assert_contains "$out" "Cmd:          one two words three"
	# Pulled again: nothing fetched but the manifest, every layer GET once in all.
	out=$(lxcri image pull "$ref" --output-format json | tail -n 1)
	assert_eq "$(jq -r .layers_fetched <<<"$out")" 0 "layers fetched the second time"
	local d
	for d in $(layer_digests multi); do assert_eq "$(blob_gets "$d")" 1 "GETs of $d"; done
	# By digest: its own tag, the same blobs.
	ref=$(testimage_ref_digest multi)
	out=$(lxcri image pull "$ref" --output-format json | tail -n 1)
	assert_eq "$(jq -r .name <<<"$out")" "$ref"
	assert_eq "$(jq -r .digest <<<"$out")" "$(testimage_digest multi)"
	assert_eq "$(store_tags | sort | tr '\n' ' ')" "$(printf '%s\n' "$(testimage_ref multi)" "$ref" | sort | tr '\n' ' ')" tags
	# Docker Hub's names: a short name is docker.io/library/<name>:latest.
	out=$(lxcri image inspect busybox 2>&1) && fail "inspect of a missing image succeeded"
	assert_contains "$out" "no image 'docker.io/library/busybox:latest'"
}

pulls_every_kind_of_manifest() {
	setup plain
	local out
	# A Docker schema2 manifest, zstd layers, an OCI index.
	out=$(lxcri image pull "$(testimage_ref schema2)" --output-format json | tail -n 1)
	assert_eq "$(jq -r .digest <<<"$out")" "$(testimage_digest schema2)" "schema2 digest"
	assert_eq "$(lxcri image inspect "$(testimage_ref schema2)" --output-format json | jq -r .user)" app
	out=$(lxcri image pull "$(testimage_ref zstd)" --output-format json | tail -n 1)
	assert_eq "$(jq -r .layers <<<"$out")" 4 "zstd layers"
	# The index: the host's platform by default, another with --platform.
	out=$(lxcri image pull "$(testimage_ref multiarch)" --output-format json | tail -n 1)
	assert_eq "$(jq -r .platform <<<"$out")" linux/amd64 "default platform"
	assert_eq "$(jq -r .digest <<<"$out")" "$(testimage_digest multiarch)" "the index's digest"
	[ "$(jq -r .manifest <<<"$out")" != "$(testimage_digest multiarch)" ] || fail "the manifest is the index"
	assert_eq "$(lxcri image list --output-format json | jq -r --arg n "$(testimage_ref multiarch)" \
		'.[] | select(.name == $n) | .digest')" "$(testimage_digest multiarch)" "listed digest of multiarch"
	out=$(lxcri image pull "$(testimage_ref multiarch)" --platform linux/arm64 --output-format json | tail -n 1)
	assert_eq "$(jq -r .platform <<<"$out")" linux/arm64 "arm64 platform"
	out=$(lxcri image pull "$(testimage_ref multiarch)" --platform linux/s390x 2>&1) && fail "pulled s390x"
	assert_contains "$out" "linux/amd64"
	assert_contains "$out" "linux/arm64/v8"
}

# A registry that sends other bytes than it names: nothing is tagged, no blob is bad.
refuses_what_its_digest_does_not_say() {
	setup plain
	local ref out layer data manifest
	ref=$(testimage_ref multi)
	# A layer's bytes changed on the registry's disk (same size).
	layer=$(layer_digests multi | sed -n 2p)
	data=$(find "$REGISTRY_DIR/storage" -path "*/blobs/sha256/*/${layer#sha256:}/data")
	assert_exists "$data"
	printf 'X' | dd of="$data" bs=1 seek=100 conv=notrunc 2>/dev/null
	out=$(lxcri image pull "$ref" 2>&1) && fail "pulled a corrupt layer"
	assert_contains "$out" "$layer"
	assert_eq "$(store_tags)" "" "tags after the refused pull"
	assert_missing "$IMAGES/blobs/sha256/${layer#sha256:}"
	store_blobs_verified
	# Pulled by digest, a manifest of other content is refused.
	manifest=$(testimage_digest zstd)
	data=$(find "$REGISTRY_DIR/storage" -path "*/blobs/sha256/*/${manifest#sha256:}/data")
	sed -i 's/"size":/"size" :/' "$data"
	out=$(lxcri image pull "$(testimage_ref_digest zstd)" 2>&1) && fail "pulled a changed manifest by digest"
	assert_contains "$out" "$manifest"
	assert_eq "$(store_tags)" "" "tags after the refused manifest"
	# A digest the registry does not have.
	out=$(lxcri image pull "$(registry_host)/lxcri-test/multi@sha256:$(printf x | sha256sum | cut -d' ' -f1)" 2>&1) &&
		fail "pulled an unknown digest"
	assert_contains "$out" "404"
}

# A killed pull leaves partial files and no tag; the next pull resumes them.
resumes_an_interrupted_pull() {
	setup plain
	local ref layer hex size out
	ref=$(testimage_ref multi)
	# What a pull killed in its first layer leaves: half of the blob in its partial file.
	layer=$(layer_digests multi | head -n 1)
	hex=${layer#sha256:}
	size=$(stat -c %s "$TESTIMAGES_DIR/oci/blobs/sha256/$hex")
	lxcri image pull "$(testimage_ref hostile-dotdot)" >/dev/null # makes the store
	mkdir -p "$IMAGES/blobs/sha256/.partial"
	head -c $((size / 2)) "$TESTIMAGES_DIR/oci/blobs/sha256/$hex" >"$IMAGES/blobs/sha256/.partial/$hex"
	out=$(lxcri image pull "$ref" --output-format json | tail -n 1)
	assert_eq "$(jq -r .layers_fetched <<<"$out")" 4 "layers fetched"
	# Only the second half of that layer came over the wire.
	local all=0 d
	for d in $(layer_digests multi); do
		all=$((all + $(stat -c %s "$TESTIMAGES_DIR/oci/blobs/sha256/${d#sha256:}")))
	done
	local fetched
	fetched=$(jq -r .bytes_fetched <<<"$out")
	[ "$fetched" -lt $((all - size / 2 + 4096)) ] || fail "fetched $fetched of $all bytes: not resumed"
	store_blobs_verified
	assert_missing "$IMAGES/blobs/sha256/.partial/$hex"
	# Killed between its last write and its rename: the partial is whole; it is fetched again.
	rm -rf "$IMAGES"
	lxcri image pull "$(testimage_ref hostile-dotdot)" >/dev/null
	mkdir -p "$IMAGES/blobs/sha256/.partial"
	layer=$(layer_digests zstd | head -n 1)
	cp "$TESTIMAGES_DIR/oci/blobs/sha256/${layer#sha256:}" "$IMAGES/blobs/sha256/.partial/${layer#sha256:}"
	lxcri image pull "$(testimage_ref zstd)" >/dev/null
	store_tags | grep -qx "$(testimage_ref zstd)" || fail "zstd not tagged after a whole partial"
	store_blobs_verified
	# A pull killed at any point: no tag, only verified blobs, and the next one completes.
	rm -rf "$IMAGES"
	lxcri image pull "$(testimage_ref hostile-dotdot)" >/dev/null
	"${LXCRI[@]}" image pull "$(testimage_ref zstd)" >/dev/null 2>&1 &
	local pid=$!
	sleep 0.05
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	store_tags | grep -qx "$(testimage_ref zstd)" && echo "(the pull finished before the kill)"
	store_blobs_verified
	lxcri image pull "$(testimage_ref zstd)" >/dev/null
	store_tags | grep -qx "$(testimage_ref zstd)" || fail "zstd not tagged after the second pull"
	store_blobs_verified
}

# Two pulls of images that share every layer: each blob comes once.
parallel_pulls_share_layers() {
	setup plain
	local a b
	lxcri image pull "$(testimage_ref multi)" --output-format json >"$T/a.out" 2>&1 &
	a=$!
	lxcri image pull "$(testimage_ref_digest multi)" --output-format json >"$T/b.out" 2>&1 &
	b=$!
	wait "$a" || fail "pull a: $(cat "$T/a.out")"
	wait "$b" || fail "pull b: $(cat "$T/b.out")"
	local d
	for d in $(layer_digests multi); do assert_eq "$(blob_gets "$d")" 1 "GETs of $d"; done
	assert_eq "$(store_tags | wc -l)" 2 tags
	store_blobs_verified
	assert_eq "$(find "$IMAGES/blobs/sha256/.partial" -type f | wc -l)" 0 "partial files left"
}

# A full disk: the pull fails, and leaves no corrupt blob and no tag.
full_disk_leaves_nothing_half() {
	setup plain
	mkdir -p "$IMAGES"
	mount -t tmpfs -o size=600k tmpfs "$IMAGES"
	local out
	out=$(lxcri image pull "$(testimage_ref multi)" 2>&1) && fail "pulled onto a full disk"
	assert_contains "$out" "No space left on device"
	[ ! -f "$IMAGES/index.json" ] || assert_eq "$(store_tags)" "" "tags on the full disk"
	store_blobs_verified
	umount "$IMAGES"
}

rm_and_prune() {
	setup plain
	lxcri image pull "$(testimage_ref multi)" >/dev/null
	lxcri image pull "$(testimage_ref zstd)" >/dev/null
	local before out
	before=$(find "$IMAGES/blobs/sha256" -maxdepth 1 -type f | wc -l)
	out=$(lxcri image rm "$(testimage_ref zstd)")
	assert_contains "$out" "Removed $(testimage_ref zstd)"
	assert_eq "$(store_tags)" "$(testimage_ref multi)" "tags after rm"
	out=$(lxcri image prune --output-format json)
	# zstd's 4 layers and its manifest go; its config is multi's too.
	assert_eq "$(jq -r .blobs_removed <<<"$out")" 5 "blobs removed"
	assert_eq "$(find "$IMAGES/blobs/sha256" -maxdepth 1 -type f | wc -l)" $((before - 5)) "blobs left"
	umoci unpack --image "$IMAGES:$(testimage_ref multi)" "$T/bundle-prune" >/dev/null
	out=$(lxcri image rm "$(testimage_ref zstd)" 2>&1) && fail "removed it twice"
	assert_contains "$out" "no image"
}

# Basic auth: login checks the password, writes a root-only file; logout removes it.
login_basic_and_pull() {
	setup basic
	local ref out
	ref=$(testimage_ref multi)
	out=$(lxcri image pull "$ref" 2>&1) && fail "pulled without credentials"
	assert_contains "$out" "unauthorized (Basic authentication; no credentials for it in '$ETC/auth.json')"
	out=$(echo wrong | lxcri image login "$(registry_host)" --username "$REGISTRY_USER" --password-stdin 2>&1) &&
		fail "logged in with a wrong password"
	assert_missing "$ETC/auth.json"
	echo "$REGISTRY_PASSWORD" | lxcri image login "$(registry_host)" --username "$REGISTRY_USER" --password-stdin
	assert_eq "$(stat -c '%a %U' "$ETC/auth.json")" "600 root" "auth.json mode"
	out=$(lxcri image pull "$ref")
	assert_contains "$out" "Pulled $ref"
	# The password appears in no log.
	assert_not_contains "$(cat "$SYSLOG")" "$REGISTRY_PASSWORD"
	lxcri image logout "$(registry_host)"
	rm -rf "$IMAGES"
	out=$(lxcri image pull "$ref" 2>&1) && fail "pulled after logout"
	# A credentials file others can read is refused, naming it.
	echo "$REGISTRY_PASSWORD" | lxcri image login "$(registry_host)" --username "$REGISTRY_USER" --password-stdin
	chmod 644 "$ETC/auth.json"
	out=$(lxcri image pull "$ref" 2>&1) && fail "used a world-readable auth file"
	assert_contains "$out" "$ETC/auth.json"
}

# Bearer tokens: anonymous pulls get a pull token; a login's credentials go to the token server.
token_auth_pull() {
	setup token
	local out
	out=$(lxcri image pull "$(testimage_ref multi)")
	assert_contains "$out" "Pulled"
	grep -q 'user=anonymous granted=repository:lxcri-test/multi:pull$' "$(registry_token_log)" ||
		fail "no anonymous pull token: $(cat "$(registry_token_log)")"
	echo "$REGISTRY_PASSWORD" | lxcri image login "$(registry_host)" --username "$REGISTRY_USER" --password-stdin
	: >"$(registry_token_log)"
	lxcri image pull "$(testimage_ref zstd)" >/dev/null
	grep -q "user=$REGISTRY_USER granted=repository:lxcri-test/zstd:pull" "$(registry_token_log)" ||
		fail "no user token: $(cat "$(registry_token_log)")"
}

# TLS: refused without the registry's CA, trusted with certs.d.
tls_needs_the_ca() {
	setup tls
	local out
	: >"$ETC/lxcri.conf"
	out=$(lxcri image pull "$(testimage_ref multi)" 2>&1) && fail "pulled without the CA"
	assert_contains "$out" "certificate"
	printf 'registry-certs-dir: %s\n' "$(registry_certs_d)" >"$ETC/lxcri.conf"
	out=$(lxcri image pull "$(testimage_ref multi)")
	assert_contains "$out" "Pulled"
	# Plain HTTP is not tried for a TLS registry, nor for one not listed insecure.
	registry_stop
	setup plain
	: >"$ETC/lxcri.conf"
	out=$(lxcri image pull "$(testimage_ref multi)" 2>&1) && fail "pulled over plain HTTP without registry-insecure"
	true
}

# --- containers from images ---

# LXC's config dir for the containers lxcri create makes: LXC's own common.conf
# and userns.conf; the drop-in is added to each container (as ct_create does).
image_ct_setup() { # mode
	setup "$1"
	ln -sf /usr/share/lxc/config/common.conf "$LXCCONF/common.conf"
	ln -sf /usr/share/lxc/config/userns.conf "$LXCCONF/userns.conf"
}

image_ct_create() { # id ref [options...]
	local id=$1 ref=$2
	shift 2
	lxcri create "$id" --image "$ref" "$@"
	echo "lxc.include = $DROPIN" >>"$LXCPATH/$id/config"
	echo "lxc.apparmor.profile = unconfined" >>"$LXCPATH/$id/config"
	echo "lxc.console.logfile = $T/$id.console" >>"$LXCPATH/$id/config"
}

wait_for_file() { # path what
	for _ in $(seq 100); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	fail "no $2 ($1): $(grep -E "ERROR|WARN" "$T"/*.lxc.log | tail -n 15; cat "$T"/*.console 2>/dev/null)"
}

create_runs_the_image_process() {
	image_ct_setup plain
	local ref out
	ref=$(testimage_ref multi)
	out=$(image_ct_create app1 "$ref")
	assert_contains "$out" "Created app1 from $ref@$(testimage_digest multi)"
	assert_contains "$out" "port0: proto=tcp,host=8080,ct=8080"
	assert_contains "$out" "volume:      /data"
	# The lxcri config records the image; status shows it.
	assert_eq "$(grep '^image:' "$ETC/containers/app1.conf")" "image: $ref@$(testimage_digest multi)"
	assert_contains "$(lxcri status app1)" "image:      $ref@$(testimage_digest multi)"
	# The image's env is in the process file only, never in LXC's config (host hooks see that).
	assert_not_contains "$(cat "$LXCPATH/app1/config")" "FOO=bar"
	assert_not_contains "$(cat "$LXCPATH/app1/config")" "lxc.environment"
	assert_eq "$(stat -c '%a %u' "$LXCPATH/app1/lxcri-process")" "600 0" "process file"
	assert_contains "$(cat "$LXCPATH/app1/config")" "lxc.signal.halt = SIGUSR1"
	# The rootfs is the image's: whiteout, opaque dir, hardlink, capability, volume.
	local r=$LXCPATH/app1/rootfs
	assert_missing "$r/etc/old.conf"
	assert_eq "$(ls "$r/opt/stuff")" c "opaque dir"
	assert_eq "$(stat -c %i "$r/srv/app/data.txt")" "$(stat -c %i "$r/srv/app/data.link")" "hardlink"
	assert_contains "$(getcap "$r/usr/bin/netcap")" "cap_net_raw=ep"
	[ -d "$r/data" ] || fail "no volume dir"
	ct_start app1 || fail "start: $(tail -n 20 "$T/app1.lxc.log")"
	wait_for_file "$r/tmp/entry.out" "output of entry.sh"
	sleep 0.3
	out=$(cat "$r/tmp/entry.out")
	assert_eq "$(grep '^\[' <<<"$out" | tr '\n' ';')" "[one];[two words];[three];" argv
	assert_contains "$out" "cwd=/srv/app"
	assert_contains "$out" "uid=1000(app) gid=1000(app) groups=1000(app),1001(extra)"
	assert_contains "$out" "FOO=bar"
	assert_contains "$out" "SPACED=a b"
	assert_contains "$out" "HOME=/srv/app"
	assert_not_contains "$out" "container=lxc"
	# PID 1 is lxcri-init; the orphan's zombie is reaped.
	sleep 1
	assert_eq "$(ct_exec app1 cat /proc/1/cmdline | tr '\0' ' ')" "/.lxcri/init /.lxcri/process " "PID 1"
	# A /dev/shm of its own (no init of the image's mounts one).
	assert_contains "$(ct_exec app1 cat /proc/mounts)" "shm /dev/shm tmpfs rw,nosuid,nodev"
	out=$(ct_exec app1 ps -o pid,stat,comm)
	assert_not_contains "$(awk '$2 ~ /^Z/' <<<"$out")" "sh" "zombies"
	# lxc-stop sends the image's StopSignal (SIGUSR1): the app sees it and exits.
	lxc-stop -P "$LXCPATH" -n app1 -t 10
	assert_contains "$(cat "$r/tmp/entry.out")" "got USR1"
	assert_eq "$(ct_state app1)" STOPPED
}

create_unprivileged_shifts_ownership() {
	image_ct_setup plain
	chmod o+x "$T"
	local r out
	image_ct_create app2 "$(testimage_ref multi)" --unprivileged >/dev/null
	r=$LXCPATH/app2/rootfs
	# On the host: shifted by the map (100000), never collapsed to container root.
	assert_eq "$(stat -c '%u:%g' "$r/srv/app/data.txt")" 101000:101000 "owner of data.txt"
	assert_eq "$(stat -c '%u:%g' "$r/bin/busybox")" 100000:100000 "owner of busybox"
	assert_eq "$(stat -c '%u:%g' "$r")" 100000:100000 "owner of the rootfs"
	assert_eq "$(stat -c '%u' "$LXCPATH/app2/lxcri-process")" 100000 "owner of the process file"
	assert_contains "$(cat "$LXCPATH/app2/config")" "lxc.idmap = u 0 100000 65536"
	ct_start app2 || fail "start: $(tail -n 30 "$T/app2.lxc.log")"
	wait_for_file "$r/tmp/entry.out" "output of entry.sh"
	# Inside: the image's owners.
	assert_eq "$(ct_exec app2 stat -c '%u:%g' /srv/app/data.txt)" 1000:1000 "owner inside"
	assert_contains "$(cat "$r/tmp/entry.out")" "uid=1000(app)"
	ct_stop app2
}

create_refuses_hostile_images() {
	image_ct_setup plain
	rm -f /tmp/lxcri-hostile-canary
	local name out
	for name in hostile-dotdot hostile-absolute hostile-symlink hostile-symlink-layers hostile-hardlink; do
		out=$(lxcri create "h-$name" --image "$(testimage_ref "$name")" 2>&1) && fail "created $name: $out"
		assert_contains "$out" "layer"
		assert_missing "$LXCPATH/h-$name"
		assert_missing "$ETC/containers/h-$name.conf"
	done
	assert_missing /tmp/lxcri-hostile-canary
	assert_missing "$LXCPATH/../lxcri-hostile-canary"
	# Nothing half-made beside the containers either.
	assert_eq "$(find "$LXCPATH" -maxdepth 1 -name '.h-*' | wc -l)" 0 "leftover directories"
}

create_never_touches_an_existing_container() {
	image_ct_setup plain
	ct_create app3
	local before out
	before=$(cat "$LXCPATH/app3/config")
	out=$(lxcri create app3 --image "$(testimage_ref multi)" 2>&1) && fail "created over app3"
	assert_contains "$out" "exists already"
	assert_eq "$(cat "$LXCPATH/app3/config")" "$before" "app3's config"
	# --pull=never with an image the store lacks: refused, nothing made.
	out=$(lxcri create app4 --image "$(testimage_ref zstd)" --pull=never 2>&1) && fail "created without the image"
	assert_contains "$out" "no image"
	assert_missing "$LXCPATH/app4"
	# The same image again: no blob fetched the second time.
	lxcri create app5 --image "$(testimage_ref zstd)" >/dev/null
	: >"$(registry_log)"
	lxcri create app6 --image "$(testimage_ref zstd)" >/dev/null
	assert_eq "$(grep -c '/blobs/' "$(registry_log)" || true)" 0 "blob requests for the second container"
}

create_overlay_shares_the_image_rootfs() {
	image_ct_setup plain
	chmod o+x "$T"
	local ref out lower lower3
	ref=$(testimage_ref multi)
	out=$(image_ct_create ov1 "$ref" --overlay --output-format json)
	lower=$(jq -r .lower <<<"$out")
	assert_eq "$(jq -r .lower_reused <<<"$out")" false "first: unpacked"
	assert_eq "$(grep '^lxc.rootfs.path' "$LXCPATH/ov1/config")" "lxc.rootfs.path = overlay:$lower:$LXCPATH/ov1/delta0"
	# The second container of the image unpacks nothing and fetches nothing.
	: >"$(registry_log)"
	out=$(image_ct_create ov2 "$ref" --overlay --output-format json)
	assert_eq "$(jq -r .lower <<<"$out")" "$lower" "the shared lower"
	assert_eq "$(jq -r '.lower_reused, .entries' <<<"$out" | tr '\n' ' ')" "true 0 " "second: nothing unpacked"
	assert_eq "$(grep -c '/blobs/' "$(registry_log)" || true)" 0 "blob requests"
	# The lower is the image: whiteout, opaque dir, capability.
	assert_missing "$lower/etc/old.conf"
	assert_eq "$(ls "$lower/opt/stuff")" c "opaque dir"
	assert_contains "$(getcap "$lower/usr/bin/netcap")" "cap_net_raw=ep"
	ct_start ov1 || fail "start: $(tail -n 20 "$T/ov1.lxc.log")"
	wait_for_file "$LXCPATH/ov1/delta0/tmp/entry.out" "output of entry.sh"
	assert_eq "$(grep '^\[' "$LXCPATH/ov1/delta0/tmp/entry.out" | tr '\n' ';')" "[one];[two words];[three];" argv
	# What one container changes is in its upper only: not in the lower, not in the other.
	ct_exec ov1 sh -c 'echo changed >/srv/app/new.txt && rm -r /opt/stuff' || fail "writes in ov1"
	assert_exists "$LXCPATH/ov1/delta0/srv/app/new.txt"
	assert_missing "$lower/srv/app/new.txt"
	assert_exists "$lower/opt/stuff/c"
	ct_start ov2 || fail "start: $(tail -n 20 "$T/ov2.lxc.log")"
	wait_for_file "$LXCPATH/ov2/delta0/tmp/entry.out" "output of entry.sh in ov2"
	assert_eq "$(ct_exec ov2 ls /opt/stuff)" c "ov2's /opt/stuff"
	ct_exec ov2 cat /srv/app/new.txt 2>/dev/null && fail "ov2 sees ov1's file"
	ct_stop ov1
	ct_stop ov2
	# Unprivileged: a lower of its own, shifted by the map; removing a lower directory works inside.
	out=$(image_ct_create ov3 "$ref" --overlay --unprivileged --output-format json)
	lower3=$(jq -r .lower <<<"$out")
	[ "$lower3" != "$lower" ] || fail "the unprivileged container shares the privileged lower"
	assert_eq "$(stat -c '%u:%g' "$lower3/srv/app/data.txt")" 101000:101000 "owner in the lower"
	assert_contains "$(cat "$LXCPATH/ov3/config")" "lxc.rootfs.options = userxattr"
	ct_start ov3 || fail "start: $(tail -n 30 "$T/ov3.lxc.log")"
	wait_for_file "$LXCPATH/ov3/delta0/tmp/entry.out" "output of entry.sh in ov3"
	assert_eq "$(ct_exec ov3 stat -c '%u:%g' /srv/app/data.txt)" 1000:1000 "owner inside"
	ct_exec ov3 rm -r /opt/stuff || fail "rm -r of a lower directory in the unprivileged container"
	assert_exists "$lower3/opt/stuff/c"
	ct_stop ov3
	# prune keeps the lowers containers use, and removes them once no container does.
	lxcri image prune >/dev/null
	assert_exists "$lower"
	assert_exists "$lower3"
	lxc-destroy -P "$LXCPATH" -n ov3 -f >/dev/null
	assert_contains "$(lxcri image prune)" "1 unused image rootfs"
	assert_missing "$lower3"
	assert_exists "$lower"
	lxc-destroy -P "$LXCPATH" -n ov1 -f >/dev/null
	lxc-destroy -P "$LXCPATH" -n ov2 -f >/dev/null
	lxcri image prune >/dev/null
	assert_missing "$lower"
}

create_with_nets_and_ports() {
	image_ct_setup plain
	local out ref
	ref=$(testimage_ref multi)
	# A value the start would refuse: refused first, naming it, and nothing made (not even a pull).
	out=$(lxcri create app9 --image "$ref" --port proto=tcp,host=18080,ct=80x 2>&1) && fail "took ct=80x"
	assert_contains "$out" "Invalid value '80x' for 'ct' in 'port0'"
	out=$(lxcri create app9 --image "$ref" --net name=eth0,bridge=br0 --net name=eth0,bridge=br1 2>&1) &&
		fail "took two nets named eth0"
	assert_contains "$out" "eth0"
	assert_missing "$LXCPATH/app9"
	assert_missing "$ETC/containers/app9.conf"
	assert_missing "$IMAGES/index.json"
	# Good ones: net<N> and port<N> keys in the lxcri config, in the order given.
	out=$(lxcri create app9 --image "$ref" --net name=eth0,bridge=br0,ip=10.9.0.2/24 \
		--port proto=tcp,host=18080,ct=8080 --port proto=udp,host=15353,ct=53)
	assert_not_contains "$out" "to forward them, add"
	assert_eq "$(grep -E '^(net|port)[0-9]' "$ETC/containers/app9.conf")" "net0: name=eth0,bridge=br0,ip=10.9.0.2/24
port0: proto=tcp,host=18080,ct=8080
port1: proto=udp,host=15353,ct=53"
	assert_contains "$(lxcri port list app9)" "18080"
	assert_eq "$(lxcri config validate app9 >/dev/null 2>&1; echo $?)" 0 "config validate"
}

image_check_sees_a_moved_tag() {
	image_ct_setup plain
	lxcri create app7 --image "$(testimage_ref multi)" >/dev/null
	local out opts
	out=$(lxcri image check app7 --output-format json)
	assert_eq "$(jq -r .newer <<<"$out")" false "newer before the push"
	assert_eq "$(jq -r .remote <<<"$out")" "$(testimage_digest multi)"
	: >"$(registry_log)"
	assert_contains "$(lxcri image check app7)" "up to date"
	# One request, a HEAD of the tag.
	assert_eq "$(grep -c '"HEAD /v2/lxcri-test/multi/manifests/latest ' "$(registry_log)")" 1 "HEADs"
	assert_eq "$(grep -c '"GET /v2/lxcri-test/multi/' "$(registry_log)" || true)" 0 "GETs"
	# The tag moves to another image: check says so, naming the new digest.
	mapfile -t opts < <(registry_skopeo_opts dest)
	skopeo copy -q --preserve-digests "${opts[@]}" "$(testimage_layout zstd)" "docker://$(testimage_ref multi)"
	out=$(lxcri image check app7)
	assert_contains "$out" "newer image"
	assert_contains "$out" "$(testimage_digest zstd)"
}

# What image check found, as metrics: 0, then 1 once the tag moved; without
# an id every container made from an image is checked (one HEAD each).
image_update_metric() {
	image_ct_setup plain
	local ref opts out image
	ref=$(testimage_ref multi)
	lxcri create app8 --image "$ref" >/dev/null
	lxcri create app10 --image "$ref" >/dev/null
	image=$(sed -n 's/^image: \(.*\)@.*/\1/p' "$ETC/containers/app8.conf")
	assert_not_contains "$(lxcri metrics)" "lxcri_image_update_available" "before any check"
	: >"$(registry_log)"
	out=$(lxcri image check)
	assert_contains "$out" "app8: up to date"
	assert_contains "$out" "app10: up to date"
	assert_eq "$(grep -c '"HEAD /v2/lxcri-test/multi/manifests/latest ' "$(registry_log)")" 2 "HEADs"
	out=$(lxcri metrics)
	assert_contains "$out" "lxcri_image_update_available{id=\"app8\",image=\"$image\"} 0"
	assert_contains "$out" "lxcri_image_checked_timestamp_seconds{id=\"app10\"}"
	mapfile -t opts < <(registry_skopeo_opts dest)
	skopeo copy -q --preserve-digests "${opts[@]}" "$(testimage_layout zstd)" "docker://$ref"
	lxcri image check app8 >/dev/null
	out=$(lxcri metrics)
	assert_contains "$out" "lxcri_image_update_available{id=\"app8\",image=\"$image\"} 1"
	assert_contains "$out" "lxcri_image_update_available{id=\"app10\",image=\"$image\"} 0"
	promtool check metrics <<<"$out" >/dev/null 2>&1 || fail "promtool check metrics"
	# Made again from the new image: the old result no longer counts.
	rm -rf "$LXCPATH/app8" "$ETC/containers/app8.conf"
	lxcri create app8 --image "$ref" --pull always >/dev/null
	assert_contains "$(cat "$ETC/containers/app8.conf")" "$(testimage_digest zstd)"
	assert_not_contains "$(lxcri metrics)" "lxcri_image_update_available{id=\"app8\"" "after a new create"
}

# On the simulated PVE node (lib.sh), with pct-sim in pct's place: pct
# itself cannot run here. It follows pct create's steps with PVE's own
# rules (its tar flags, its OCI-archive detection, its config), and the
# container is then started with the LXC config PVE would generate.
pve_image_setup() {
	setup plain
	pve_node_setup
	PCT_LOG=$T/pct.log PCT_TEMPLATE_COPY=$T/template.tar
	: >"$PCT_LOG"
	# lxcri runs pct with a clean environment: the stand-in's settings come with it.
	cat >"$T/pct" <<EOS
#!/bin/bash
export PVE=$PVE LXCPATH=$LXCPATH PCT_LOG=$PCT_LOG PCT_TEMPLATE_COPY=$PCT_TEMPLATE_COPY
exec $(realpath "$(dirname "$0")/pct-sim") "\$@"
EOS
	chmod +x "$T/pct"
	export LXCRI_PCT=$T/pct
}

# The LXC config PVE writes at a start (its own keys, then the raw lxc.* keys).
pve_image_lxc_config() { # vmid
	local vmid=$1 unpriv=${2:-0}
	{
		echo "lxc.arch = amd64"
		echo "lxc.include = $LXCCONF/common.conf"
		[ "$unpriv" = 0 ] || printf 'lxc.include = /usr/share/lxc/config/userns.conf\nlxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n'
		echo "lxc.apparmor.profile = unconfined"
		echo "lxc.monitor.unshare = 1"
		echo "lxc.uts.name = ct$vmid"
		echo "lxc.rootfs.path = dir:$LXCPATH/$vmid/rootfs"
		echo "lxc.net.0.type = empty"
		echo "lxc.console.logfile = $T/$vmid.console"
	} >"$LXCPATH/$vmid/config.pve"
	pve_update_lxc_config "$vmid"
}

pve_create_from_image() {
	pve_image_setup
	local ref out digest argv tmpl
	ref=$(testimage_ref multi)
	digest=$(testimage_digest multi)
	out=$(lxcri create 300 --image "$ref" -- --hostname app --memory 256 --net0=name=eth0,bridge=vmbr0)
	assert_contains "$out" "Created CT 300 from $ref@$digest"
	assert_contains "$out" "Start it with: pct start 300"
	# pct's argv: the template, lxcri's defaults, then the admin's options as given.
	argv=$(sed '/^--$/q' "$PCT_LOG" | sed '$d' | tr '\n' ' ')
	tmpl=$(sed -n 3p "$PCT_LOG")
	assert_eq "$argv" "create 300 $tmpl --ostype unmanaged --cmode console --arch amd64 --hostname app --memory 256 --net0=name=eth0,bridge=vmbr0 "
	# The template: named after the whole reference and the digest, in a private directory, gone after.
	[[ $(basename "$tmpl") == "lxcri-${TESTIMAGES_HOST//:/_}_${TESTIMAGES_REPO//\//_}_multi_latest-${digest:7:12}.tar" ]] ||
		fail "template name $(basename "$tmpl")"
	assert_missing "$tmpl"
	assert_missing "$(dirname "$tmpl")"
	# Its members are "./..." only: PVE never takes it for an OCI archive.
	assert_eq "$(tar -tf "$PCT_TEMPLATE_COPY" | grep -cv '^\./' || true)" 0 "members not under ./"
	out=$(tar -tvf "$PCT_TEMPLATE_COPY" --numeric-owner)
	assert_contains "$(grep ' ./.lxcri/process$' <<<"$out")" "-rw------- 0/0"
	assert_contains "$(grep -E ' \./srv/app/data\.(txt|link)( |$)' <<<"$out" | head -n 1)" " 1000/1000 "
	# The rootfs pct made from it: the image's files, capability and hardlink kept.
	local r=$LXCPATH/300/rootfs
	assert_missing "$r/etc/old.conf"
	assert_contains "$(getcap "$r/usr/bin/netcap")" "cap_net_raw=ep"
	assert_eq "$(stat -c %i "$r/srv/app/data.txt")" "$(stat -c %i "$r/srv/app/data.link")" "hardlink"
	# The PVE config: pct's keys, then the raw keys that run the image, and lxcri's guard.
	local conf
	conf=$(cat "$PVE/lxc/300.conf")
	assert_contains "$conf" "hostname: app"
	assert_contains "$conf" "ostype: unmanaged"
	assert_contains "$conf" "lxc.init.cmd: /.lxcri/init /.lxcri/process"
	assert_contains "$conf" "lxc.mount.entry: $BUILD/lxcri-init .lxcri/init none ro,bind,create=file 0 0"
	assert_contains "$conf" "lxc.signal.halt: SIGUSR1"
	assert_contains "$conf" "lxc.mount.entry: shm dev/shm tmpfs rw,nosuid,nodev,create=dir 0 0"
	assert_contains "$conf" "lxc.hook.pre-start: $BUILD/lxcri-guard --requires=pve-lxcri $PVE/lxcri/300.conf"
	assert_not_contains "$conf" "FOO=bar"
	assert_not_contains "$conf" "lock:"
	# The lxcri config (cluster-wide, as pmxcfs shows it).
	assert_eq "$(grep '^image:' "$PVE/lxcri/300.conf")" "image: $ref@$digest"
	assert_eq "$(stat -c '%a' "$PVE/lxcri/300.conf")" 640 "mode of the lxcri config"
	assert_contains "$(lxcri status 300)" "image:      $ref@$digest"
	# Started as PVE would start it: the image's process under lxcri-init.
	pve_image_lxc_config 300
	ct_start 300 || fail "start: $(tail -n 20 "$T/300.lxc.log")"
	wait_for_file "$r/tmp/entry.out" "output of entry.sh"
	sleep 0.3
	out=$(cat "$r/tmp/entry.out")
	assert_eq "$(grep '^\[' <<<"$out" | tr '\n' ';')" "[one];[two words];[three];" argv
	assert_contains "$out" "uid=1000(app) gid=1000(app) groups=1000(app),1001(extra)"
	assert_contains "$out" "cwd=/srv/app"
	assert_contains "$out" "FOO=bar"
	assert_eq "$(ct_exec 300 cat /proc/1/cmdline | tr '\0' ' ')" "/.lxcri/init /.lxcri/process " "PID 1"
	lxc-stop -P "$LXCPATH" -n 300 -t 10
	assert_contains "$(cat "$r/tmp/entry.out")" "got USR1"
}

pve_create_unprivileged() {
	pve_image_setup
	chmod o+x "$T"
	lxcri create 301 --image "$(testimage_ref multi)" --unprivileged >/dev/null
	assert_contains "$(sed '/^--$/q' "$PCT_LOG" | tr '\n' ' ')" "--cmode console --arch amd64 --unprivileged 1 --"
	# pct extracted the template in the container's user namespace: shifted by PVE's map.
	local r=$LXCPATH/301/rootfs
	assert_eq "$(stat -c '%u:%g' "$r/srv/app/data.txt")" 101000:101000 "owner of data.txt"
	assert_eq "$(stat -c '%u:%g %a' "$r/.lxcri/process")" "100000:100000 600" "the process file"
	assert_contains "$(cat "$PVE/lxc/301.conf")" "unprivileged: 1"
	pve_image_lxc_config 301 1
	ct_start 301 || fail "start: $(tail -n 30 "$T/301.lxc.log")"
	wait_for_file "$r/tmp/entry.out" "output of entry.sh"
	assert_eq "$(ct_exec 301 stat -c '%u:%g' /srv/app/data.txt)" 1000:1000 "owner inside"
	assert_contains "$(cat "$r/tmp/entry.out")" "uid=1000(app)"
	ct_stop 301
}

pve_create_refusals() {
	pve_image_setup
	local out ref
	ref=$(testimage_ref multi)
	# Options that would start the container before its init is set, or set what lxcri sets.
	for opt in --start --restore --force --unprivileged --entrypoint --env; do
		out=$(lxcri create 302 --image "$ref" -- --memory 256 "$opt" 1 2>&1) && fail "took pct's $opt"
		assert_contains "$out" "pct's $opt is refused"
	done
	out=$(lxcri create 302 --image "$ref" -- memory 256 2>&1) && fail "took a non-option"
	assert_contains "$out" "'memory' is not a pct option"
	# pct options are for vmids on a PVE node only.
	out=$(lxcri create web --image "$ref" -- --memory 256 2>&1) && fail "took pct options for a name"
	assert_contains "$out" "pct options ('--memory') are for a vmid"
	assert_eq "$(grep -c . "$PCT_LOG" || true)" 0 "pct calls"
	# A vmid the cluster has already (a VM on the other node): refused, nothing made.
	mkdir -p "$PVE/nodes/pve2/qemu-server"
	printf 'memory: 512\n' >"$PVE/nodes/pve2/qemu-server/303.conf"
	out=$(lxcri create 303 --image "$ref" 2>&1) && fail "created over VM 303"
	assert_contains "$out" "the cluster has a VM 303 already (on node pve2)"
	assert_missing "$PVE/lxcri/303.conf"
	# pct fails: its lxcri config goes again, and the template; lxcri says pct failed.
	touch "$PCT_LOG.fail"
	out=$(lxcri create 304 --image "$ref" 2>&1) && fail "pct failed but create did not"
	rm "$PCT_LOG.fail"
	assert_contains "$out" "simulated failure"
	assert_contains "$out" "Failed to create CT 304: '$LXCRI_PCT create 304' exited with status 255"
	assert_missing "$PVE/lxcri/304.conf"
	assert_missing "$PVE/lxc/304.conf"
	assert_eq "$(find "$IMAGES" -maxdepth 1 -name '.template.*' | wc -l)" 0 "templates left"
	# Without quorum nothing is made, not even a template.
	pve_quorum 0
	out=$(lxcri create 305 --image "$ref" 2>&1) && fail "created without quorum"
	assert_contains "$out" "no quorum"
	pve_quorum 1
	assert_eq "$(grep -c '^create$' "$PCT_LOG")" 1 "pct creates"
}

# Nodes without a registry: docker save, oci-archive and OCI layout imports.
import_archives() {
	image_ct_setup plain
	local out name=example.com/imported/app:1
	# A docker-save archive (skopeo writes that format): its RepoTags name it.
	skopeo copy -q "$(testimage_layout multi)" "docker-archive:$T/saved.tar:$name"
	out=$(lxcri image import "$T/saved.tar")
	assert_contains "$out" "Imported $name from docker-archive"
	local digest
	digest=$(lxcri image import "$T/saved.tar" --output-format json | jq -r .digest)
	# A container from it, without a registry.
	lxcri create imp1 --image "$name" --pull=never >/dev/null
	assert_eq "$(cat "$LXCPATH/imp1/rootfs/opt/stuff/c")" c "file of the imported image"
	assert_eq "$(grep '^image:' "$ETC/containers/imp1.conf")" "image: $name@$digest" "image key"
	# An oci-archive, named on the command line; an OCI layout with an index: the host's platform.
	skopeo copy -q "$(testimage_layout zstd)" "oci-archive:$T/oci.tar:latest"
	out=$(lxcri image import "$T/oci.tar" 2>&1) && fail "imported an archive that names no image"
	assert_contains "$out" "give it a name (--name <reference>)"
	out=$(lxcri image import "$T/oci.tar" --name example.com/zstd:1 --output-format json)
	assert_eq "$(jq -r .kind <<<"$out")" oci-archive
	assert_eq "$(jq -r .digest <<<"$out")" "$(testimage_digest zstd)" "digest of the oci-archive image"
	mkdir "$T/layout"
	skopeo copy -q --all "$(testimage_layout multiarch)" "oci:$T/layout:multiarch"
	out=$(lxcri image import "$T/layout" --name example.com/multiarch:1 --output-format json)
	assert_eq "$(jq -r .kind <<<"$out")" oci-layout
	assert_eq "$(lxcri image inspect example.com/multiarch:1 --output-format json | jq -r .platform)" linux/amd64
	# A layer that is not its diff_id: refused, nothing tagged.
	mkdir "$T/bad" && tar -C "$T/bad" -xf "$T/saved.tar"
	local layer
	layer=$(jq -r '.[0].Layers[1]' "$T/bad/manifest.json")
	printf 'X' | dd of="$T/bad/$layer" bs=1 seek=600 conv=notrunc 2>/dev/null
	tar -C "$T/bad" -cf "$T/bad.tar" .
	out=$(lxcri image import "$T/bad.tar" --name example.com/bad:1 2>&1) && fail "imported a changed layer"
	assert_contains "$out" "not the diff_id"
	assert_not_contains "$(lxcri image list)" "example.com/bad"
	# Hostile archives: an entry out of the archive, a symlink to the host's files.
	"$BUILD/tests/maketar" "$T/evil1.tar" file oci-layout '{"imageLayoutVersion":"1.0.0"}' file ../evil x
	"$BUILD/tests/maketar" "$T/evil2.tar" symlink index.json /etc/shadow
	for f in evil1 evil2; do
		out=$(lxcri image import "$T/$f.tar" --name example.com/evil:1 2>&1) && fail "imported $f"
		assert_contains "$out" "is not one of an OCI or docker-save archive"
	done
	assert_missing "$T/evil"
	assert_eq "$(find "$IMAGES" -maxdepth 1 -name '.import.*' | wc -l)" 0 "import leftovers"
}

run_test "lxcri image pull fetches an image by tag into an OCI layout that skopeo and umoci read, inspect shows its config, a second pull fetches no layer, a pull by digest tags its digest" pull_by_tag_and_digest
run_test "Docker schema2, zstd layers and an OCI index (the host's platform, --platform, an absent platform naming those there) all pull" pulls_every_kind_of_manifest
run_test "A layer or a manifest whose bytes are not its digest is refused, naming it, with no tag and no bad blob left" refuses_what_its_digest_does_not_say
run_test "A pull resumes the partial layer a killed pull left, fetching only its rest; a pull killed at any point leaves no tag and no bad blob" resumes_an_interrupted_pull
run_test "Two pulls at once of images sharing every layer fetch each layer once" parallel_pulls_share_layers
run_test "A pull onto a full disk fails with ENOSPC and leaves no tag and no bad blob" full_disk_leaves_nothing_half
run_test "image rm untags, prune removes only the blobs no image uses" rm_and_prune
run_test "With Basic auth, login checks the password and writes a root-only auth.json, pull uses it, logout removes it, a readable auth file is refused" login_basic_and_pull
run_test "With Bearer tokens, anonymous pulls get a pull-only token and a login's credentials get the user's" token_auth_pull
run_test "A TLS registry is refused without its CA and trusted with registry-certs-dir; plain HTTP only for registry-insecure" tls_needs_the_ca
run_test "lxcri create --image makes a container that runs the image's entrypoint with its argv, env, cwd and user under lxcri-init, which reaps zombies; lxc-stop sends the StopSignal" create_runs_the_image_process
run_test "An unprivileged container from an image has its files shifted by the id map, and the image's owners inside" create_unprivileged_shifts_ownership
run_test "Hostile layers (.., absolute paths, writes through symlinks, hardlinks out) are refused, naming the layer, with nothing left on the host" create_refuses_hostile_images
run_test "create never touches an existing container, --pull=never needs the image, and a second container from a cached image fetches no blob" create_never_touches_an_existing_container
run_test "create --overlay makes containers on one shared, read-only unpack of the image (one per id map): the second unpacks and fetches nothing, each writes only its own upper, an unprivileged one removes lower directories; prune keeps the lowers in use" create_overlay_shares_the_image_rootfs
run_test "create --net and --port put net and port keys in the lxcri config; a value the start would refuse refuses the create before anything is pulled or made" create_with_nets_and_ports
run_test "lxcri image check records what it found: lxcri_image_update_available is 0, then 1 once the tag moved; without an id it checks every container made from an image" image_update_metric
run_test "lxcri image check says, with one HEAD request, whether the tag of a container's image now names another digest" image_check_sees_a_moved_tag
run_test "On a PVE node (simulated; pct itself cannot run here), create makes a template of the image, runs pct create with it and the admin's options, and sets the raw keys that run the image's process; started as PVE starts it, the process runs under lxcri-init" pve_create_from_image
run_test "On a PVE node, an unprivileged container's template has the image's owners, which pct shifts by PVE's map" pve_create_unprivileged
run_test "On a PVE node, pct options that would start the container early or set lxcri's keys, a vmid the cluster has, a failing pct and lost quorum are refused with nothing left" pve_create_refusals
run_test "lxcri image import takes docker-save and oci-archive tars and OCI layouts, for containers without a registry; a changed layer and hostile archives are refused" import_archives
finish
