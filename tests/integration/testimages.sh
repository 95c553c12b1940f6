# shellcheck shell=bash
# The images of the image tests, sourced after lib.sh (and registry.sh to
# push them). Built offline from busybox-static with umoci and skopeo (the
# layers no image builder writes, with tests/maketar), once: they are kept in
# $BUILD/tests/testimages-<hash of this file and maketar.c>, which later runs
# reuse.
#
#   testimages_build        builds them (or finds them built); sets TESTIMAGES_DIR
#   testimages_push [host]  pushes every one to the registry of registry.sh
#                           (its host by default) as <host>/lxcri-test/<name>:latest,
#                           digests preserved
#   testimage_ref <name>         <host>/lxcri-test/<name>:latest
#   testimage_digest <name>      sha256:<hex> of its manifest (of the index for multiarch)
#   testimage_ref_digest <name>  <host>/lxcri-test/<name>@sha256:<hex>
#   testimage_layout <name>      where it is on disk, as skopeo names it
#                                (oci:<dir>:<name>, dir:<dir> for schema2)
#   TESTIMAGES                   the names
#
# The images:
#   multi      4 gzip layers: (1) busybox-static with sh, ls, cat, id, sleep...,
#              /etc/passwd (root, app 1000:1000), /etc/group (app 1000, extra 1001
#              listing app); (2) /usr/bin/entry.sh, /srv/app (app's) with
#              data.txt and its hardlink data.link, /usr/bin/netcap with
#              cap_net_raw+ep (security.capability), /etc/old.conf, /opt/stuff/{a,b};
#              (3) a whiteout of /etc/old.conf; (4) /opt/stuff opaque, with only c
#              ("c", no newline).
#              Entrypoint ["/usr/bin/entry.sh"], Cmd ["one", "two words", "three"],
#              Env PATH, FOO=bar, "SPACED=a b", WorkingDir /srv/app, User app,
#              ExposedPorts 8080/tcp, Volumes /data, StopSignal SIGUSR1.
#              entry.sh prints "[arg]" per argument, "cwd=", `id`, and the
#              environment to stdout and /tmp/entry.out, leaves an orphan
#              that exits after 0.5 s (a zombie until the container's init
#              reaps it), sleeps; on SIGUSR1 it writes
#              "got USR1" to /tmp/entry.out and exits 0.
#   zstd       multi with zstd layers
#   schema2    multi as a Docker schema2 manifest
#   multiarch  an OCI index: linux/amd64 (busybox + /arch "amd64") and
#              linux/arm64/v8 (/arch "arm64" only), no newlines
#   hostile-dotdot          a layer with "../lxcri-hostile-canary"
#   hostile-absolute        a layer with "/tmp/lxcri-hostile-canary"
#   hostile-symlink         one layer: "evil -> /tmp", then "evil/lxcri-hostile-canary"
#   hostile-symlink-layers  the symlink in layer 1, the file through it in layer 2
#   hostile-hardlink        a file "ok", then hardlinks "hard-passwd" to
#                           "/etc/passwd" and "hard-shadow" to "../../etc/shadow"
# Each canary file holds "lxcri-hostile-canary".

TESTIMAGES="multi zstd schema2 multiarch hostile-dotdot hostile-absolute hostile-symlink hostile-symlink-layers hostile-hardlink"
TESTIMAGES_REPO=lxcri-test
TESTIMAGES_CANARY=lxcri-hostile-canary
TESTIMAGES_DIR=
TESTIMAGES_HOST=
TESTIMAGES_SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/testimages.sh

testimage_layout() { # name
	case $1 in
	schema2) echo "dir:$TESTIMAGES_DIR/schema2" ;;
	*) echo "oci:$TESTIMAGES_DIR/oci:$1" ;;
	esac
}
testimage_digest() { # name
	awk -v n="$1" '$1 == n { print $2 }' "$TESTIMAGES_DIR/digests"
}
testimage_ref() { echo "$TESTIMAGES_HOST/$TESTIMAGES_REPO/$1:latest"; }
testimage_ref_digest() { echo "$TESTIMAGES_HOST/$TESTIMAGES_REPO/$1@$(testimage_digest "$1")"; }

# The script every container of multi runs.
testimages_entry_sh() {
	cat <<'EOS'
#!/bin/sh
out=/tmp/entry.out
trap 'echo "got USR1" >>$out; exit 0' USR1
{
	for a in "$@"; do echo "[$a]"; done
	echo "cwd=$(pwd)"
	id
	env | sort
} | tee $out
# An orphan that exits: a zombie until the container's init reaps it.
sh -c 'sleep 0.5 & exit 0'
while :; do sleep 1 & wait $!; done
EOS
}

testimages_make_multi() { # oci work
	local oci=$1 w=$2 r a
	umoci new --image "$oci:multi"
	umoci unpack --image "$oci:multi" "$w/bundle" >/dev/null
	r=$w/bundle/rootfs
	# Layer 1: busybox-static, its applets, the users and groups.
	mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/root" "$r/usr/bin"
	chmod 1777 "$r/tmp"
	cp /bin/busybox "$r/bin/busybox"
	for a in sh ls cat id sleep echo env pwd printf kill ps wc grep mkdir rm true false sort tee stat head; do
		ln -s busybox "$r/bin/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/srv/app:/bin/sh\n' >"$r/etc/passwd"
	printf 'root:x:0:\napp:x:1000:\nextra:x:1001:app\n' >"$r/etc/group"
	umoci repack --image "$oci:multi" --history.comment "busybox" "$w/bundle"
	umoci tag --image "$oci:multi" base
	# A repack replaces the layers since the unpack: unpack again for the next.
	rm -rf "$w/bundle"
	umoci unpack --image "$oci:multi" "$w/bundle" >/dev/null
	# Layer 2: the entrypoint, the app's files, a hardlink, a file with a capability.
	testimages_entry_sh >"$r/usr/bin/entry.sh"
	chmod 755 "$r/usr/bin/entry.sh"
	mkdir -p "$r/srv/app" "$r/data" "$r/opt/stuff"
	echo "app data" >"$r/srv/app/data.txt"
	ln "$r/srv/app/data.txt" "$r/srv/app/data.link"
	chown -R 1000:1000 "$r/srv/app"
	printf '#!/bin/sh\necho netcap\n' >"$r/usr/bin/netcap"
	chmod 755 "$r/usr/bin/netcap"
	setcap cap_net_raw+ep "$r/usr/bin/netcap"
	echo "old" >"$r/etc/old.conf"
	echo a >"$r/opt/stuff/a"
	echo b >"$r/opt/stuff/b"
	umoci repack --image "$oci:multi" --history.comment "app" "$w/bundle"
	# Layer 3: a whiteout. Layer 4: an opaque directory, written with maketar
	# (umoci 0.4.7's insert of a file writes a truncated tar).
	umoci insert --image "$oci:multi" --history.comment "whiteout" --whiteout /etc/old.conf
	"$BUILD/tests/maketar" "$w/opaque.tar" dir opt/stuff file opt/stuff/.wh..wh..opq "" \
		file opt/stuff/c "c"
	umoci raw add-layer --image "$oci:multi" --history.comment "opaque" "$w/opaque.tar"
	umoci config --image "$oci:multi" --os linux --architecture amd64 \
		--config.entrypoint /usr/bin/entry.sh \
		--config.cmd one --config.cmd "two words" --config.cmd three \
		--config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		--config.env FOO=bar --config.env "SPACED=a b" \
		--config.workingdir /srv/app --config.user app \
		--config.exposedports 8080/tcp --config.volume /data --config.stopsignal SIGUSR1
}

# multi with each layer recompressed to zstd (skopeo 1.9 keeps a layer's
# compression when it has one): the same config and diff_ids, new blobs.
testimages_make_zstd() { # oci
	local oci=$1 manifest layers=() digest hex
	manifest=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "multi") |
		.digest' "$oci/index.json")
	manifest=$(cat "$oci/blobs/sha256/${manifest#sha256:}")
	for digest in $(jq -r '.layers[].digest' <<<"$manifest"); do
		zcat "$oci/blobs/sha256/${digest#sha256:}" | zstd -q -c >"$oci/.layer"
		hex=$(sha256sum "$oci/.layer" | cut -d' ' -f1)
		mv "$oci/.layer" "$oci/blobs/sha256/$hex"
		layers+=("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"sha256:$hex\",\"size\":$(stat -c %s "$oci/blobs/sha256/$hex")}")
	done
	manifest=$(jq -c --argjson layers "$(printf '%s\n' "${layers[@]}" | jq -s .)" '.layers = $layers' <<<"$manifest")
	testimages_add_index_entry "$oci" zstd application/vnd.oci.image.manifest.v1+json "$manifest"
}

# One platform of multiarch: its manifest's descriptor with the platform added.
testimages_arch_descriptor() { # oci tag platform-json
	jq -c --arg tag "$2" --argjson platform "$3" '.manifests[] |
		select(.annotations["org.opencontainers.image.ref.name"] == $tag) |
		del(.annotations) + { platform: $platform }' "$1/index.json"
}

testimages_make_multiarch() { # oci work
	local oci=$1 w=$2 index digest
	"$BUILD/tests/maketar" "$w/amd64.tar" file arch amd64
	"$BUILD/tests/maketar" "$w/arm64.tar" file arch arm64
	umoci tag --image "$oci:base" arch-amd64
	umoci raw add-layer --image "$oci:arch-amd64" "$w/amd64.tar"
	umoci config --image "$oci:arch-amd64" --os linux --architecture amd64 --config.cmd /bin/sh
	umoci new --image "$oci:arch-arm64"
	umoci raw add-layer --image "$oci:arch-arm64" "$w/arm64.tar"
	umoci config --image "$oci:arch-arm64" --os linux --architecture arm64 --config.cmd /bin/sh
	umoci gc --layout "$oci"
	index=$(jq -cn --argjson amd64 "$(testimages_arch_descriptor "$oci" arch-amd64 '{"architecture":"amd64","os":"linux"}')" \
		--argjson arm64 "$(testimages_arch_descriptor "$oci" arch-arm64 '{"architecture":"arm64","os":"linux","variant":"v8"}')" \
		'{ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [$amd64, $arm64] }')
	testimages_add_index_entry "$oci" multiarch application/vnd.oci.image.index.v1+json "$index"
}

# Writes a blob; prints its digest.
testimages_put_blob() { # oci file
	local hex
	hex=$(sha256sum "$2" | cut -d' ' -f1)
	cp "$2" "$1/blobs/sha256/$hex"
	echo "sha256:$hex"
}

# Tags a manifest or index (its JSON text) in the layout.
testimages_add_index_entry() { # oci tag media-type json
	local digest size
	printf '%s' "$4" >"$1/.entry"
	digest=$(testimages_put_blob "$1" "$1/.entry")
	size=$(stat -c %s "$1/.entry")
	rm -f "$1/.entry"
	jq --arg tag "$2" --arg mt "$3" --arg d "$digest" --argjson size "$size" \
		'.manifests += [{ mediaType: $mt, digest: $d, size: $size,
			annotations: { "org.opencontainers.image.ref.name": $tag } }]' "$1/index.json" >"$1/index.json.new"
	mv "$1/index.json.new" "$1/index.json"
}

# A hostile image: one layer per maketar argument list (separated by "--").
testimages_make_hostile() { # oci work name entries... [-- entries...]
	local oci=$1 w=$2 name=$3 n=0 args=()
	shift 3
	umoci new --image "$oci:$name"
	while [ $# -gt 0 ]; do
		args=()
		while [ $# -gt 0 ] && [ "$1" != -- ]; do
			args+=("$1")
			shift
		done
		[ $# -eq 0 ] || shift
		n=$((n + 1))
		"$BUILD/tests/maketar" "$w/$name-$n.tar" "${args[@]}"
		umoci raw add-layer --image "$oci:$name" --history.comment "hostile layer $n" "$w/$name-$n.tar"
	done
	umoci config --image "$oci:$name" --os linux --architecture amd64 --config.cmd /bin/sh
}

testimages_make() { # dir
	local d=$1 oci=$1/oci w=$1/work c=$TESTIMAGES_CANARY name
	mkdir -p "$w"
	umoci init --layout "$oci"
	testimages_make_multi "$oci" "$w"
	testimages_make_zstd "$oci"
	skopeo copy -q --format v2s2 "oci:$oci:multi" "dir:$d/schema2"
	testimages_make_hostile "$oci" "$w" hostile-dotdot file "../$c" "$c"
	testimages_make_hostile "$oci" "$w" hostile-absolute file "/tmp/$c" "$c"
	testimages_make_hostile "$oci" "$w" hostile-symlink symlink evil /tmp file "evil/$c" "$c"
	testimages_make_hostile "$oci" "$w" hostile-symlink-layers symlink evil /tmp -- file "evil/$c" "$c"
	testimages_make_hostile "$oci" "$w" hostile-hardlink file ok "$c" \
		hardlink hard-passwd /etc/passwd hardlink hard-shadow ../../etc/shadow
	testimages_make_multiarch "$oci" "$w"
	for name in $TESTIMAGES; do
		case $name in
		schema2) echo "$name sha256:$(sha256sum "$d/schema2/manifest.json" | cut -d' ' -f1)" ;;
		*) jq -r --arg n "$name" '.manifests[] |
			select(.annotations["org.opencontainers.image.ref.name"] == $n) | "\($n) \(.digest)"' "$oci/index.json" ;;
		esac
	done >"$d/digests"
	[ "$(wc -l <"$d/digests")" -eq "$(wc -w <<<"$TESTIMAGES")" ] || fail "not every test image was built: $(cat "$d/digests")"
	rm -rf "$w"
}

testimages_build() {
	local hash tmp rc old
	[ -x "$BUILD/tests/maketar" ] || fail "no $BUILD/tests/maketar (make $BUILD/tests/maketar)" || return 1
	hash=$(cat "$TESTIMAGES_SELF" "$TOP/tests/integration/maketar.c" | sha256sum | cut -c1-12)
	TESTIMAGES_DIR=$BUILD/tests/testimages-$hash
	[ -e "$TESTIMAGES_DIR/digests" ] && return 0
	# One builder at a time; the others find its result.
	exec {lock}>"$BUILD/tests/testimages.lock"
	flock "$lock"
	if [ ! -e "$TESTIMAGES_DIR/digests" ]; then
		tmp=$(mktemp -d "$BUILD/tests/testimages-$hash.tmp-XXXXXX")
		(set -e; testimages_make "$tmp") >"$tmp.log" 2>&1
		rc=$?
		if [ $rc -eq 0 ]; then
			mv "$tmp" "$TESTIMAGES_DIR"
			rm -f "$tmp.log"
			# The images of earlier versions of this file go (not a builder's temp dir).
			for old in "$BUILD"/tests/testimages-*; do
				[[ "$old" == "$TESTIMAGES_DIR" || "$old" == *.tmp-* ]] || rm -rf "$old"
			done
		else
			echo "building the test images failed:" >&2
			tail -n 30 "$tmp.log" >&2
			rm -rf "$tmp" "$tmp.log"
		fi
	fi
	exec {lock}>&-
	[ -e "$TESTIMAGES_DIR/digests" ]
}

testimages_push() { # [host]
	local host=${1:-$(registry_host)} name opts=()
	[ -n "$TESTIMAGES_DIR" ] || testimages_build || return 1
	mapfile -t opts < <(registry_skopeo_opts dest)
	for name in $TESTIMAGES; do
		skopeo copy -q --all --preserve-digests "${opts[@]}" \
			"$(testimage_layout "$name")" "docker://$host/$TESTIMAGES_REPO/$name:latest" ||
			fail "could not push '$name' to $host" || return 1
	done
	TESTIMAGES_HOST=$host
}
