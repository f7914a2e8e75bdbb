#!/usr/bin/env bash
# A fleet of three sample instances offered 150 % of a provider limit, against the built-in
# simulator: see docs/benchmarks.md. Run from the repository root after
#   ./mvnw -q -DskipTests package
#
#   llm-quota-sample-load/bench/fleet.sh [extra arguments for the three load instances]
#
# for example `--llm.quota.governor.enabled=false` for the run without the attempt governor.
# Environment: CLIENT (anthropic-sdk or rest-client, default anthropic-sdk), DURATION (120s),
# CRITICAL_RPS (0.5), INTERACTIVE_RPS (1.5) and BACKGROUND_CONCURRENCY (3) per load instance,
# BACKGROUND_RPS (0: open-loop background arrivals per second per load instance, on top of the
# workers),
# OVERLOAD_RATIO (share of requests the simulator answers 529, 0), OUT (where the logs
# and the result go, target/fleet-benchmark), and the loopback ports REDIS_PORT (16390),
# SIMULATOR_PORT (18090) and HTTP_PORT (18080, and the next three for the load instances).
# Tenants: TENANT_WORKERS (e.g. 8,2,2,2: closed-loop NORMAL workers per tenant and load
# instance, tenant-1, tenant-2, ...; empty for none) turns on fair sharing between tenants,
# with TENANT_WEIGHTS (e.g. 3,1,1,1, default all 1); the result then gives each tenant's share
# of the answered tokens and Jain's index of the shares per unit of weight.
# Scopes: SCOPES=enforced keeps the sample's organisation and project limits (default lifted),
# ASSIST_RPS (0) sends INTERACTIVE calls per second to Haiku (project-assist) per load instance.
#
# One more instance hosts the simulator and the embedded Redis and sends nothing. The limit
# is 600 requests/min at the simulator and in llm-quota (which plans against 90 % of it);
# tokens and concurrency are set far above what the run uses, so requests per minute are the
# binding limit. Each load instance offers 5 requests/s: 0.5/s CRITICAL (in an LlmCallContext,
# no annotation), 1.5/s INTERACTIVE chat, and 3 BACKGROUND workers against a 1 s answer time.
# The fleet offers 15/s = 900/min = 150 % of the limit.
set -euo pipefail

CLIENT=${CLIENT:-anthropic-sdk}
DURATION=${DURATION:-120s}
OVERLOAD_RATIO=${OVERLOAD_RATIO:-0}
CRITICAL_RPS=${CRITICAL_RPS:-0.5}
INTERACTIVE_RPS=${INTERACTIVE_RPS:-1.5}
BACKGROUND_CONCURRENCY=${BACKGROUND_CONCURRENCY:-3}
BACKGROUND_RPS=${BACKGROUND_RPS:-0}
OUT=${OUT:-target/fleet-benchmark}
TENANT_WORKERS=${TENANT_WORKERS:-}
TENANT_WEIGHTS=${TENANT_WEIGHTS:-}
REDIS_PORT=${REDIS_PORT:-16390}
SIMULATOR_PORT=${SIMULATOR_PORT:-18090}
HTTP_PORT=${HTTP_PORT:-18080}
# The load module's jar: the sample app with load mode added (it is the sample app without
# --sample.load.enabled=true, as the host runs it).
JAR=llm-quota-sample-load/target/llm-quota-sample-load-0.1.0-SNAPSHOT.jar
SIMULATOR=http://127.0.0.1:$SIMULATOR_PORT

[ -f "$JAR" ] || { echo "No $JAR: run ./mvnw -q -DskipTests package first" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT"/*.log "$OUT"/*.json

# The sample's organisation and project limits are lifted: the fleet measures the Sonnet pool.
# SCOPES=enforced keeps the sample's tree and pool limits as configured instead (set
# ASSIST_RPS too, so that both projects carry load): the result's scopeTokens then gives the
# per-project split of the organisation's tokens.
LIMITS=(
	--llm.quota.scopes.sample-org.requests-per-minute=1000000
	--llm.quota.scopes.sample-org.input-tokens-per-minute=100000000
	--llm.quota.scopes.sample-org.output-tokens-per-minute=100000000
	--llm.quota.scopes.project-chat.input-tokens-per-minute=100000000
	--llm.quota.pools.anthropic-sonnet.requests-per-minute=600
	--llm.quota.pools.anthropic-sonnet.input-tokens-per-minute=1000000
	--llm.quota.pools.anthropic-sonnet.output-tokens-per-minute=1000000
	--llm.quota.pools.anthropic-sonnet.max-concurrency=100
	--llm.quota.pools.anthropic-sonnet.burst-horizon=2s
)
SIMULATOR_LIMITS=(
	--sample.simulator.models.claude-sonnet-4-5.requests-per-minute=600
	--sample.simulator.models.claude-sonnet-4-5.input-tokens-per-minute=1000000
	--sample.simulator.models.claude-sonnet-4-5.output-tokens-per-minute=1000000
	--sample.simulator.models.claude-haiku-4-5.requests-per-minute=50
	--sample.simulator.models.claude-haiku-4-5.input-tokens-per-minute=50000
	--sample.simulator.models.claude-haiku-4-5.output-tokens-per-minute=10000
	--sample.simulator.latency=1s --sample.simulator.latency-jitter=0ms
	--sample.simulator.overload-ratio="$OVERLOAD_RATIO"
)

if [ "${SCOPES:-lifted}" = enforced ]; then
	LIMITS=()
fi
ASSIST=(--sample.load.assist-rps="${ASSIST_RPS:-0}")

TENANTS=()
if [ -n "$TENANT_WORKERS" ]; then
	TENANTS=(--llm.quota.tenants.enabled=true --sample.load.tenant-workers="$TENANT_WORKERS")
	IFS=, read -ra weights <<<"$TENANT_WEIGHTS"
	for i in "${!weights[@]}"; do
		TENANTS+=(--llm.quota.tenants.weights.tenant-$((i + 1))="${weights[$i]}")
	done
fi

pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
}
trap cleanup EXIT

java -jar "$JAR" --server.port="$HTTP_PORT" --sample.embedded-redis.port="$REDIS_PORT" \
	--sample.simulator.port="$SIMULATOR_PORT" "${SIMULATOR_LIMITS[@]}" ${LIMITS[@]+"${LIMITS[@]}"} >"$OUT/host.log" 2>&1 &
host=$!
pids+=("$host")
for _ in $(seq 1 180); do
	curl -sf "$SIMULATOR/stats" >/dev/null && break
	kill -0 "$host" 2>/dev/null || { echo "The host instance died: see $OUT/host.log" >&2; exit 1; }
	sleep 1
done
curl -sf -X POST "$SIMULATOR/stats/reset"

loaders=()
for i in 1 2 3; do
	java -jar "$JAR" --server.port=$((HTTP_PORT + i)) --spring.data.redis.port="$REDIS_PORT" \
		--sample.simulator.enabled=false --sample.provider.base-url="$SIMULATOR" --sample.provider.client="$CLIENT" \
		--sample.load.enabled=true --sample.load.duration="$DURATION" --sample.load.critical-rps="$CRITICAL_RPS" \
		--sample.load.interactive-rps="$INTERACTIVE_RPS" --sample.load.background-concurrency="$BACKGROUND_CONCURRENCY" \
		--sample.load.background-rps="$BACKGROUND_RPS" \
		${LIMITS[@]+"${LIMITS[@]}"} "${ASSIST[@]}" ${TENANTS[@]+"${TENANTS[@]}"} "$@" \
		>"$OUT/load-$i.log" 2>&1 &
	loaders+=("$!")
	pids+=("$!")
done
for pid in "${loaders[@]}"; do
	wait "$pid" || echo "A load instance exited with $?" >&2
done
curl -sf "$SIMULATOR/stats" >"$OUT/simulator.json"
for i in 1 2 3; do
	grep -h '^LOAD-SUMMARY ' "$OUT/load-$i.log" | sed 's/^LOAD-SUMMARY //'
done | jq -s . >"$OUT/summaries.json"

jq -n --slurpfile s "$OUT/summaries.json" --slurpfile p "$OUT/simulator.json" --arg weights "$TENANT_WEIGHTS" '
	($s[0]) as $runs | ($p[0]) as $sim
	| ([$runs[].tenantTokens // {} | to_entries[]] | group_by(.key) | map({key: .[0].key, value: (map(.value) | add)}) | from_entries) as $tenants
	| ([$tenants[]] | add // 0) as $tenantTotal
	# Tokens per unit of weight, for Jain: (sum x)^2 / (n * sum x^2).
	| ($weights | split(",") | map(select(. != "") | tonumber)) as $w
	| ($tenants | to_entries | map(.value / ($w[(.key | ltrimstr("tenant-") | tonumber) - 1] // 1))) as $x
	| ([$sim.models[] | .rateLimitedByRequests + .rateLimitedByInputTokens + .rateLimitedByOutputTokens] | add) as $r429
	| {
		client: "'"$CLIENT"'",
		instances: ($runs | length),
		providerRequests: $sim.requests,
		admittedAttempts: ([$runs[].admittedAttempts] | add),
		unadmitted: ($sim.requests - ([$runs[].admittedAttempts] | add)),
		provider429s: $r429,
		provider429Percent: (if $sim.requests > 0 then (10000 * $r429 / $sim.requests | round) / 100 else 0 end),
		provider529s: $sim.overloaded,
		served: ([$sim.models[].served] | add),
		calls: ([$runs[].calls | to_entries[]] | group_by(.key) | map({key: .[0].key, value: (map(.value) | add)}) | from_entries),
		rejected: ([$runs[].rejected | to_entries[]] | group_by(.key) | map({key: .[0].key, value: (map(.value) | add)}) | from_entries),
		fallbacks: ([$runs[].fallbacks] | add),
		servedByModel: ($sim.models | map_values(.served)),
		durationSeconds: [$runs[].durationSeconds],
		# Sonnet answers per minute of the longest run, over its 600 requests/min.
		goodputPercent: ((10000 * $sim.models["claude-sonnet-4-5"].served / (600 * ([$runs[].durationSeconds] | max) / 60) | round) / 100),
		criticalP99WaitMillis: [$runs[].acquireWaitMillis.CRITICAL.p99],
		interactiveP99WaitMillis: [$runs[].acquireWaitMillis.INTERACTIVE.p99],
		deferred: ([$runs[].deferred] | add),
		deferredPercent: (([$runs[].calls.BACKGROUND // 0] | add) as $b | if $b > 0 then (10000 * ([$runs[].deferred] | add) / $b | round) / 100 else 0 end),
		backgroundP50WaitMillis: [$runs[].acquireWaitMillis.BACKGROUND.p50],
		tenantTokens: $tenants,
		tenantSharePercent: ($tenants | map_values(if $tenantTotal > 0 then (10000 * . / $tenantTotal | round) / 100 else 0 end)),
		tenantJain: (if ($x | length) > 0 then ((($x | add) * ($x | add)) / (($x | length) * ($x | map(. * .) | add)) * 10000 | round) / 10000 else null end)
	}' | tee "$OUT/result.json"
