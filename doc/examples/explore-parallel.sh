#!/bin/sh
# explore-parallel.sh TRACE [DEPTH] [SHARDS] - tcpsim explore in SHARDS
# parts on one machine, with GNU parallel (Debian: parallel), then merged
# into the report an unsharded run writes (doc/explore.md).
set -eu
trace=$1
depth=${2:-2}
shards=${3:-$(nproc)}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
seq 1 "$shards" | parallel --halt now,fail=1 \
	tcpsim explore --depth "$depth" --json --shard "{}/$shards" "$trace" \
	'>' "$dir/shard-{}.json"
tcpsim explore --merge "$dir"/shard-*.json
