# Shared by the demo and benchmark scripts (sourced, not run).

# wait_for_listening LOG: waits up to 60 s for a sandbox's "listening http://…" line in LOG and
# prints the URL; fails with the sandbox's stderr (LOG with .err) when it never comes.
wait_for_listening() {
  local log=$1 url=""
  for _ in $(seq 1 600); do
    url=$(sed -n 's/^listening \(http:[^ ]*\).*/\1/p' "$log" | head -1)
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || { echo "the sandbox did not start" >&2; cat "${log%.out}.err" >&2 2>/dev/null; return 1; }
  echo "$url"
}

# generate_site BIN DIR STATIONS AGENTS HUNT_GROUPS: a SAT site from `cm2gc generate-site`, once.
generate_site() {
  local bin=$1 dir=$2 stations=$3 agents=$4 hunts=$5
  if [ ! -d "$dir/sat" ]; then
    echo "generating $stations stations, $agents agents into $dir"
    "$bin/cm2gc" generate-site --stations "$stations" --agents "$agents" --hunt-groups "$hunts" --vectors 50 --vdns 100 \
      --format sat -o "$dir" >/dev/null
  fi
}
