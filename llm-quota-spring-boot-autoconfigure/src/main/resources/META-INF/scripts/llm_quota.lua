-- llm-quota: the whole fleet-wide decision for one pool, in one atomic call.
--
-- KEYS: 1 the pool's state hash, "<prefix>:{<pool>}:s". The pool's other keys are named from
-- it, "<prefix>:{<pool>}:" followed by a suffix, so they share its hash tag and the script stays
-- single-slot on Redis Cluster; sending them would cost bytes on every call.
--   s        HASH  the state (fields below)
--   q        ZSET  waiting tickets, score = class rank * 2^40 + arrival
--   t        HASH  ticket id -> ticket JSON (the acquire arguments, plus sequence and deadline)
--   l        ZSET  in-flight lease id -> hard expiry (concurrency and crash reclaim)
--   w        ZSET  worker id -> liveness expiry
--   m        HASH  usage rings s0..s6 (10-second slots, trailing minute) and m0..m59 (minute
--                  slots, trailing hour), each the slot index and the use per dimension as
--                  binary doubles (the snapshot prints them "<index>,<use>,..."); and
--                  cfg:<digest> -> the pool config, as MessagePack
--   g:<id>   STRING a granted waiting ticket's JSON, until its lease ends (late cancel, poll)
--   u:<hash> HASH  a user's buckets, fields as the pool's dimensions
--   tl:<hash> HASH [tenants] a tenant's buckets (its own limits), fields as the pool's dimensions
--   log      LIST  the admission log (admissionLogForTests only)
--   c        HASH  [stream] a streaming lease's id -> the output tokens it reported so far (charge);
--                  ended by settle, or read as gone once its lease expired and dropped with
--                  the expired leases
--   n        HASH  [tenants] fair shares inside each class: v<rank>, the class's virtual time (the
--                  start tag of its last admission); <rank>:<tenant hash>, the tenant's finish
--                  tag in that class; as text, every digit kept
--   a:<minute> HASH [tenants] the tokens admitted per tenant in one minute (minute = now / 60000):
--                  tenant key hash -> tokens (as its share counts them), as text; at most
--                  MAX_ADMITTED_TENANTS tenants, later ones summed under "*"; lives three minutes
--   $:<budget>:<window>[:u<hash>|:t<hash>]  HASH  [budgets] a cost budget's window: spent (settled
--                  cost) and reserved (the worst cases of the calls admitted or waiting and not
--                  settled yet), integer micro-units of the price currency as text; named by Java,
--                  sent as the budget's key; lives until an hour past the window's end. A rolling
--                  window keeps its spend per slot instead, s<slot index> (index = now / slot
--                  length), counted while less than ROLLING_SLOTS slots old
--   o        HASH  [live] the pool's live settings: v, their version (counts every change, never
--                  goes back), and live, the settings as JSON (absent: as configured). No
--                  lifetime: an operator's change stays until it is reverted.
-- [scopes] A pool under a scope (an organisation, project or workspace) keeps the keys above
-- under its tree's tag instead, "<prefix>:{<root scope>}:<pool>:" followed by the same
-- suffixes, so that every pool and scope of one tree shares one slot. Each scope of the tree
-- has "<prefix>:{<root scope>}:scope=<name>:" (the scope's base in the config) followed by
--   s        HASH  per dimension of the scope, its used level and when it was that, two binary
--                  doubles as the pool's; until, when the key's lifetime ends (binary double);
--                  w, the scope's claim "<class rank> <until ms> <ticket>": the head of a pool of
--                  the tree that fits its pool but not this scope, so that lower classes of
--                  the tree's other pools leave the scope to it (absent: none); lv [live],
--                  the version of the scope's live settings it last saw
--   l        ZSET  the in-flight leases of all the scope's pools, lease id -> hard expiry; kept
--                  only where the scope limits concurrency
--   $:<budget>:<window>[...]  HASH  [budgets] a cost budget that applies to the scope, as the
--                  pool's above: charged by every pool of the tree under the scope
--   o        HASH  [live] the scope's live settings (v, live), as a pool's; the live op run on
--                  the scope's "s" key changes them, and every pool of the tree reloads them
-- State hash fields: per dimension (rpm, itpm, otpm, tpm, rpd, tpd) the used level and when it
--   was that, two binary doubles; v, the state's other numbers as binary doubles, in the order
--   of STATE_NUMBERS: mult, the rate multiplier after 429s; cool, the pool's cooldown end;
--   mcut, when the multiplier was last cut; seq, the last arrival; queueEmpty, 1 while the
--   queue is known to be empty (0: unknown, look); stateUntil, usageUntil and workersUntil,
--   until when the state, usage and workers keys were last given a lifetime ("s", "m", "w"
--   expire then at the earliest); grantsUntil, when the last grant record expires. Then hn
--   and he, the queue head's ticket and when it fits; ex, the exhausted mark "<until ms>
--   <reason>"; mc:<model> a model's cooldown end and mn:<model> its overload count; lv [live],
--   the version of the live settings the state was decided under (absent: 0), in text, for
--   the live op writes it without reading the state.
--
-- ARGV: 1 op (acquire | settle | cancel | poll | snapshot | live | charge | tenants | batch), 2 the pool config's
--   digest, 3 the op's arguments as a JSON array (batch: a list of [op, arguments], each op one of
--   acquire, settle, cancel, poll and charge), 4 the pool config as JSON, sent only after
--   CONFIG_NEEDED (else empty or absent), 5 "now" in ms, for tests only (empty or absent:
--   Redis TIME).
-- Pool config (ScriptProtocol.PoolConfig), by name: pool, dimensions, capacities,
--   ratesPerMilli (per dimension); maxConcurrency; leaseTimeoutMillis; reserves,
--   queueCapacities (per class rank); totalQueueCapacity; workerTtlMillis; channelPrefix;
--   multiplierCut, multiplierFloor, multiplierRecovery; overloadCooldownMillis,
--   maxOverloadCooldownMillis; lookaheadMillis; admissionLogForTests, arrivalOrderForTests
--   (test switches); [budgets] budgetCheckOffForTests (test switch: never reject for a budget);
--   [scopes] scopes (absent: none), the pool's ancestors, its own scope first:
--   per scope name, base (the start of its keys), dimensions, capacities, ratesPerMilli,
--   costIndex (per dimension of the scope, its place in costs and deltas, from 1) and
--   maxConcurrency (0: none) and liveVersion [live] (the version of the scope's live settings
--   its limits were built with, 0: none); scopeClaimsOffForTests (test switch: no claims, so that the
--   priority tests show they fail without them); [tenants] tenantShares (true: weighted fair shares between tenants inside
--   a class; absent: FIFO); [live] paused, shadowed (per class rank, true where the class is paused
--   or in shadow mode; absent when none), pinnedMultiplier (absent: adaptive). Java applies
--   the live settings' limits to capacities, ratesPerMilli and maxConcurrency itself, and
--   sends a pinned multiplier with multiplierCut 1 and multiplierRecovery 0.
-- Op arguments (ScriptProtocol.*Args), by position in this order (ARGUMENTS), absent ones
--   null or, at the end, left out:
--   acquire  [id, worker, classRank, costs, maxWaitMillis, model, user, arrival, stateUnknown,
--            live, tenant, budgets, tenantLimit]
--   settle   [id, deltas, model, feedback, user, stateUnknown, live, budgets, tenantLimit, streamed]
--            (streamed [stream]: true when the lease charged stream steps, whose output in flight
--            settle then clears; left out for a call that never streamed)
--   cancel   [id, stateUnknown, live]
--   poll     [worker, ids, stateUnknown, live]
--   snapshot [models, live, budgets] [budgets]
--   tenants  [limit, live] [tenants]
--   live     [change (true to replace the settings), settings (their JSON, absent to revert
--            to the configuration)] [live]
--   charge   [id, deltas, output, live, user, budgets, tenantLimit] [stream] (deltas: per dimension,
--            added to the buckets as settle adds them; output: the stream's output tokens so far;
--            user: with deltas, added to the user's buckets; budgets [budgets]: the cost the step
--            spent; tenantLimit [tenants]: as user, for the tenant's own limits)
--   user     [keyHash, fields, capacities, ratesPerMilli, costs (acquire), deltas (settle)]
--   tenant   [keyHash, weight, tokens] [tenants] (sent when the pool has tenantShares)
--   budgets  [budgets] a list of [key, limit, amount, windowEnd, floor, release, slot, scope], one per
--            budget the call falls under: key, the budget key's suffix after the pool's base, or after
--            the base of the chain scope named by scope (absent: the pool's own budget);
--            limit, the hard cap in micro-units (absent: no cap, spend is only counted);
--            amount, at acquire the worst-case cost reserved, at settle and charge the cost
--            spent; windowEnd, epoch ms (the key lives an hour past it); floor, the spend this
--            JVM knows the window had (absent: none known), which a missing key is recreated
--            at; release, at settle and charge the part of the reservation it ends; slot, for a
--            rolling window the length of its slots in ms (absent: a calendar window)
--   costs, deltas: per dimension of the pool, then [scopes] per dimension that only its scopes
--            limit (the scopes' costIndex)
--   tenantLimit [tenants] as user, for the tenant's own limits (sent when they limit it)
--   feedback [kind = ok | rate-limited | overloaded | exhausted | '', retryAfterMillis, reason,
--            remaining, tolerance, scopes]; [scopes] scopes: per scope of the chain, nearest
--            first, [remaining, tolerance] per dimension of the scope, what the provider says
--            is left of the level the scope mirrors (null: nothing said), left out when none
--   stateUnknown: this JVM has not written the state lately, so a missing state may never
--   have existed (absent: a missing state was lost). settle sends model with feedback only;
--   feedback leaves out retryAfterMillis when 0, and remaining and tolerance when nothing is
--   known. live [live]: the version of the live settings the caller's config carries (absent:
--   0).
-- Replies, a flat array led by a status:
--   acquire  {GRANTED, arrival} | {WAITING, head delay ms, head ticket, arrival} |
--            {REJECTED, reason, retry after ms} (BUDGET_EXHAUSTED [budgets]: until the window ends) |
--            {REJECTED, USER_LIMIT | TENANT_LIMIT, retry after ms, field, remaining, full in ms}:
--            the gate's binding field, what a request could take of it now and when its bucket is
--            full again
--   settle   {SETTLED}
--   cancel   {CANCELLED} (was waiting) | {RETURNED} (granted, handed back) | {UNKNOWN}
--   poll     {POLLED, head delay ms, head ticket, then per id WAITING | GRANTED | EXHAUSTED |
--            DROPPED}
--   snapshot {SNAPSHOT, JSON: timeMillis, used, queued, inFlight, multiplier, cooldownMillis,
--            headDelayMillis, modelCooldownMillis, usageRings, liveWorkers, exhaustedMillis,
--            exhaustedReason, streamOutput [stream], budgets [budgets] (per budget asked for,
--            [spent, reserved]), scopes [scopes] (per scope of the chain: name, used, inFlight
--            (0 where the scope has no concurrency limit)); empty lists left out}
--   acquire in shadow mode [live] {GRANTED, arrival, would-be status GRANTED | WAITING |
--            REJECTED, would-be reason or '', would-wait ms (-1 unknown)}
--   live     {LIVE, version, settings JSON or ''} (needs no config: ARGV[2] may be empty)
--   tenants  {TENANTS, admitted, then per tenant key hash, tokens, tickets, admitted} [tenants]:
--            the tenants with the most tokens waiting (tickets that carry a tenant), then those
--            with the most tokens admitted in the current and the previous minute (a:<minute>),
--            at most limit, then by key hash; the first admitted is every tenant's together
--   charge   {CHARGED} (the lease lives a lease timeout from now) | {LOST} (it had expired or
--            ended: nothing charged) [stream]
--   batch    {BATCH, then each call's reply, in the order of the calls}
--   any op   {CONFIG_NEEDED} when ARGV[2] names no kept config; {LIVE_CHANGED} [live] when
--            the caller's live version is not the pool's, or a scope's liveVersion in the config is
--            not the scope's: it reloads them and calls again
--   head delay: -1 unknown (waits for a lease to end), -2 the head is not the caller's.
-- Messages on <channelPrefix><worker>: "GRANTED <pool> <ticket> <arrival>", "EXPIRED <pool>
--   <ticket>" (its deadline passed or its worker died), "SHED <pool> <ticket>", "EXHAUSTED
--   <pool> <ticket>", "HEAD <pool> <delay ms | -1> <ticket>" (the head changed).
--
-- [scopes] A ticket fits only when it fits its pool and every scope of the chain, each by the
-- rule below with the scope's own capacity (no multiplier: 429s adapt the pool); admission,
-- settle, cancel and charge move the pool and every scope of the chain in the same call.
-- The level that binds gives the wait. The waiting room stays the pool's; priority across the
-- tree's pools comes from claims: a pool's head that fits its pool but not a scope claims the
-- scope (unless a higher class holds it) for a worker's lifetime, renewed by every pump that
-- finds it still blocked, and released when it is admitted or leaves; while the claim lives,
-- a ticket of a strictly lower class of another pool does not fit the scope (it waits, with an
-- unknown delay, for a pump of its pool: a heartbeat's poll at the latest).
--
-- Buckets hold a "used" level that drains continuously at rate units/ms (equivalent to a
-- token bucket refilling at that rate). A ticket fits a dimension when
--   used + min(cost, allowed) <= allowed,   allowed = capacity * mult * (1 - reserve(class))
-- so a request larger than the bucket is still admitted once the bucket is empty, and
-- lower classes cannot drain the part of the bucket reserved for higher ones.
--
-- Every ticket that is admitted or queued has an arrival: the next value of seq, or, for an
-- attempt re-entering after a 429, the arrival its first attempt was given (if this pool
-- issued it: not above seq). It is the ticket's place within its class, unless the pool has
-- tenantShares.
--
-- [tenants] Admissions are counted per tenant and minute (a:<minute>), whether at once or from
-- the queue, so that the split of what the fleet admitted can be shown; the count is read by
-- the tenants op only.
--
-- [tenants] With tenantShares, a class's waiting room is shared between tenants by weight, in
-- tokens (start-time fair queuing): a ticket's start tag is max(the class's virtual time, its
-- tenant's finish tag), its score rank * 2^40 + start, and it moves the tenant's finish tag to
-- start + tokens / weight. Admitting a ticket moves the class's virtual time to its start tag.
-- A tenant's tickets keep their arrival order (its tags only grow); an idle tenant starts at
-- the virtual time, so it banks no credit; an attempt re-entering after a 429 starts at the
-- virtual time and moves no tag (its first attempt was counted).

if redis.replicate_commands then pcall(redis.replicate_commands) end

local CONFIG_NEEDED = 'CONFIG_NEEDED'
local CLASS = 1099511627776 -- 2^40: the class rank's weight in a queue score
local MAX_PUMP = 32 -- most tickets one call admits from the queue
local SLOT = 10000 -- a trailing-minute ring slot, ms
local MINUTE = 60000
local SLOT_RING, MINUTE_RING = 7, 60
local RING_TTL = 3660000 -- the usage rings are read back an hour and a minute
local STATE_MIN_TTL = 3600000 -- callers that wrote in the last half hour take a missing state as lost
local USER_TTL_MARGIN = 60000
local HEAD_NEWS_SLACK = 50 -- ms a head's ETA may move before its owner is told again
local EPSILON = 1e-9
local UNKNOWN_DELAY, NOT_CALLERS_HEAD = -1, -2

local S = KEYS[1]
local base = string.sub(S, 1, -2)
local Q, T, L, W, M = base .. 'q', base .. 't', base .. 'l', base .. 'w', base .. 'm'
local C = base .. 'c' -- [stream]
local op = ARGV[1]

-- [live] Read or replace the pool's live settings. Bumping the version makes every caller
-- reload them at its next call (LIVE_CHANGED below), so they cost no read of their own.
local O = base .. 'o'
if op == 'live' then
  local a = cjson.decode(ARGV[3])
  local change, settings = a[1] == true, a[2]
  if change then
    local version = redis.call('HINCRBY', O, 'v', 1)
    if type(settings) == 'string' then redis.call('HSET', O, 'live', settings) else redis.call('HDEL', O, 'live') end
    if redis.call('EXISTS', S) == 1 then redis.call('HSET', S, 'lv', version) end
  end
  local v = redis.call('HMGET', O, 'v', 'live')
  return {'LIVE', tonumber(v[1] or '0'), v[2] or ''}
end

local now
if ARGV[5] ~= nil and ARGV[5] ~= '' then
  now = tonumber(ARGV[5])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end

-- The usage-ring fields this call may add to: the 10-second slot and the minute.
local slot = math.floor(now / SLOT)
local minute = math.floor(now / MINUTE)
local SLOT_FIELD = 's' .. (slot % SLOT_RING)
local MINUTE_FIELD = 'm' .. (minute % MINUTE_RING)

-- The pool config travels by digest and is kept as MessagePack, which unpacks in half the
-- time of its JSON. Sent in full (ARGV[4]) it is kept; a digest not kept (first call, or the
-- key was flushed or expired) is answered with CONFIG_NEEDED before anything is written, and
-- the caller sends it again in full. Every call is decided under its caller's config, as if
-- sent in full: two instances with different configs each keep their own digest.
local cfg, rings
local configSent = ARGV[4] ~= nil and ARGV[4] ~= ''
if configSent then
  cfg = cjson.decode(ARGV[4])
  redis.call('HSET', M, 'cfg:' .. ARGV[2], cmsgpack.pack(cfg))
  rings = redis.call('HMGET', M, SLOT_FIELD, MINUTE_FIELD)
else
  local v = redis.call('HMGET', M, 'cfg:' .. ARGV[2], SLOT_FIELD, MINUTE_FIELD)
  if not v[1] then return {CONFIG_NEEDED} end
  cfg = cmsgpack.unpack(v[1])
  rings = {v[2], v[3]}
end

-- An op's arguments arrive as a JSON array, by position (ScriptProtocol's records), and are
-- read back under their names here, the one place that maps positions to names. Absent ones
-- arrive as null (cjson.null) or, at the end, not at all. An op without a reader here sends a
-- JSON object, read as it is.
local function present(value)
  if value == cjson.null then return nil end
  return value
end

local function userArguments(a)
  if present(a) == nil then return nil end
  return {keyHash = a[1], fields = a[2], capacities = a[3], ratesPerMilli = a[4], costs = present(a[5]),
    deltas = present(a[6])}
end

local function tenantArguments(a)
  if present(a) == nil then return nil end
  return {keyHash = a[1], weight = a[2], tokens = a[3]}
end

local function feedbackArguments(a)
  if present(a) == nil then return nil end
  return {kind = a[1], retryAfterMillis = present(a[2]), reason = present(a[3]), remaining = present(a[4]),
    tolerance = present(a[5]), scopes = present(a[6])}
end

-- [budgets] A list of budget entries, see the glossary.
local function budgetArguments(list)
  if present(list) == nil then return nil end
  local budgets = {}
  for i, b in ipairs(list) do
    budgets[i] = {key = b[1], limit = present(b[2]), amount = b[3], windowEnd = b[4], floor = present(b[5]),
      release = present(b[6]), slot = present(b[7]), scope = present(b[8])}
  end
  return budgets
end

local ARGUMENTS = {
  acquire = function(a)
    return {id = a[1], worker = a[2], classRank = a[3], costs = a[4], maxWaitMillis = a[5], model = present(a[6]),
      user = userArguments(a[7]), arrival = present(a[8]), stateUnknown = present(a[9]), live = present(a[10]),
      tenant = tenantArguments(a[11]), budgets = budgetArguments(a[12]), tenantLimit = userArguments(a[13])}
  end,
  settle = function(a)
    return {id = a[1], deltas = a[2], model = present(a[3]), feedback = feedbackArguments(a[4]),
      user = userArguments(a[5]), stateUnknown = present(a[6]), live = present(a[7]), budgets = budgetArguments(a[8]),
      tenantLimit = userArguments(a[9]), streamed = present(a[10])}
  end,
  cancel = function(a) return {id = a[1], stateUnknown = present(a[2]), live = present(a[3])} end,
  poll = function(a) return {worker = a[1], ids = a[2], stateUnknown = present(a[3]), live = present(a[4])} end,
  snapshot = function(a) return {models = a[1], live = present(a[2]), budgets = budgetArguments(a[3])} end,
  charge = function(a)
    return {id = a[1], deltas = a[2], output = a[3], live = present(a[4]), user = userArguments(a[5]),
      budgets = budgetArguments(a[6]), tenantLimit = userArguments(a[7])}
  end, -- [stream]
  tenants = function(a) return {limit = a[1], live = present(a[2])} end, -- [tenants]
}

-- A batch: calls of one JVM for this pool that waited while its previous call ran, decided one
-- after another in this call as if each had been sent alone at the same instant; one reading
-- of the config and the state serves them all. The state is read with the first call's model;
-- stateUnknown and live are the JVM's, alike in every call of a batch.
local BATCHED = {acquire = true, settle = true, cancel = true, poll = true, charge = true}
local args, calls = cjson.decode(ARGV[3]), nil
if op == 'batch' then
  calls = {}
  for i, c in ipairs(args) do
    if not BATCHED[c[1]] then return redis.error_reply('llm-quota: op ' .. tostring(c[1]) .. ' cannot be batched') end
    calls[i] = {c[1], ARGUMENTS[c[1]](c[2])}
  end
  if #calls == 0 then return redis.error_reply('llm-quota: an empty batch') end
  args = calls[1][2]
elseif ARGUMENTS[op] then
  args = ARGUMENTS[op](args)
end

local dims = cfg.dimensions
local n = #dims
local rates = cfg.ratesPerMilli
-- The caller's model: its cooldown and failure count are read with the state, not by a
-- command of their own.
local MODEL = op ~= 'snapshot' and args.model or nil

local function drained(used, at, rate)
  local u = tonumber(used) or 0
  at = tonumber(at) or now
  if at < now then
    u = u - (now - at) * rate
    if u < 0 then u = 0 end
  end
  return u
end

-- The pool's state, read once, drained to now; written back once at the end (save). Its
-- numbers are kept as binary doubles (struct), which need neither printing nor parsing and keep
-- every digit: a level printed with fewer could round over a ticket's fit, and a decision
-- would hinge on the storage format.
local STATE_NUMBERS = {'mult', 'cool', 'mcut', 'seq', 'queueEmpty', 'stateUntil', 'usageUntil', 'workersUntil',
  'grantsUntil'}
local STATE_FORMAT = '<' .. string.rep('d', #STATE_NUMBERS)
local LEVEL_FORMAT = '<dd' -- a dimension's level, and when it was that

local st = {}
local function packState()
  -- [live] Under a pinned multiplier the adaptive one is kept, for unpinning.
  local mult = cfg.pinnedMultiplier and st.adaptiveMult or st.mult
  return struct.pack(STATE_FORMAT, mult, st.cool, st.mcut, st.seq, st.queueEmpty and 1 or 0, st.stateUntil,
    st.usageUntil, st.workersUntil, st.grantsUntil)
end
do
  local fields = {'v', 'hn', 'he', 'ex', 'lv'}
  local first = #fields
  for i = 1, n do fields[first + i] = dims[i] end
  if MODEL then
    fields[#fields + 1] = 'mc:' .. MODEL
    fields[#fields + 1] = 'mn:' .. MODEL
  end
  local v = redis.call('HMGET', S, unpack(fields))
  -- A value of another length (written by another version of this script) reads as absent.
  st.raw = v[1]
  st.present = v[1] ~= false and #v[1] == 8 * #STATE_NUMBERS
  if st.present then
    local queueEmpty
    st.mult, st.cool, st.mcut, st.seq, queueEmpty, st.stateUntil, st.usageUntil, st.workersUntil, st.grantsUntil =
      struct.unpack(STATE_FORMAT, v[1])
    st.queueEmpty = queueEmpty == 1
  else
    st.mult, st.cool, st.mcut, st.seq, st.queueEmpty = 1, 0, 0, 0, false
    st.stateUntil, st.usageUntil, st.workersUntil = 0, 0, 0
    -- Grant records written before a state was lost may live a lease timeout longer.
    st.grantsUntil = now + cfg.leaseTimeoutMillis
  end
  -- [live] A pinned multiplier holds for this call; save keeps the adaptive one.
  st.adaptiveMult = st.mult
  if cfg.pinnedMultiplier then st.mult = cfg.pinnedMultiplier end
  st.liveVersion = tonumber(v[5]) or 0
  st.hn = v[2]
  st.he = tonumber(v[3]) or 0
  st.ex, st.exr = 0, ''
  if v[4] then
    local space = string.find(v[4], ' ', 1, true) or (#v[4] + 1)
    st.ex = tonumber(string.sub(v[4], 1, space - 1)) or 0
    st.exr = string.sub(v[4], space + 1)
  end
  st.slotRing, st.minuteRing = rings[1], rings[2]
  -- Model cooldowns read so far, by model; kept current by the writes of this call.
  st.cooldowns = {}
  if MODEL then
    st.cooldowns[MODEL] = tonumber(v[first + n + 1] or '0')
    st.modelFailing = v[first + n + 1] ~= false or v[first + n + 2] ~= false
  end
  st.used = {}
  for i = 1, n do
    local used, at = 0, now
    if v[first + i] and #v[first + i] == 16 then used, at = struct.unpack(LEVEL_FORMAT, v[first + i]) end
    if at < now then
      used = used - (now - at) * (rates[i] * st.mult)
      if used < 0 then used = 0 end
    end
    st.used[i] = used
  end
  -- 'v' is written with every save, so its absence means the state is gone. A caller
  -- that wrote here recently (no stateUnknown) proves it was lost (restart without persistence,
  -- flush, eviction) rather than never there: start with empty buckets, so that the fleet
  -- does not flood a provider whose own buckets are still drained. Whatever call comes
  -- first, a heartbeat's poll included, for it would otherwise admit the queue into empty
  -- buckets.
  if not st.present and not args.stateUnknown and op ~= 'snapshot' and op ~= 'tenants' then -- the reads
    for i = 1, n do st.used[i] = cfg.capacities[i] end
    st.lost = true
  end
end
local dirty = st.lost == true
-- Consumption this call, per dimension, for the utilisation rings.
local acc = {}
for i = 1, n do acc[i] = 0 end

-- [scopes] The scopes above the pool, nearest first, each read once and drained to now as
-- the pool's state is; saveScopes writes back the ones this call moved. A scope missing when
-- the pool's state was lost is taken as lost with it: full, never optimistic.
local scopes = cfg.scopes or {}
local scopeBases = {} -- [budgets] by scope name, for the budgets of a scope
for _, sc in ipairs(scopes) do
  scopeBases[sc.name] = sc.base
  local fields = {'until', 'w', 'lv'}
  for k = 1, #sc.dimensions do fields[k + 3] = sc.dimensions[k] end
  local v = redis.call('HMGET', sc.base .. 's', unpack(fields))
  sc.keptUntil = (v[1] and #v[1] == 8) and struct.unpack('<d', v[1]) or 0
  if v[2] then
    local rank, untilMs, ticket = string.match(v[2], '^(%d+) (%d+) (.+)$')
    if ticket then sc.claim = {rank = tonumber(rank), untilMs = tonumber(untilMs), ticket = ticket} end
  end
  sc.liveNoted = v[3] and tonumber(v[3]) -- [live] the scope's live version, as its hash last noted it
  sc.used = {}
  sc.dirty = false
  for k = 1, #sc.dimensions do
    local used, at = 0, now
    if v[k + 3] and #v[k + 3] == 16 then
      used, at = struct.unpack(LEVEL_FORMAT, v[k + 3])
    elseif st.lost then
      used = sc.capacities[k]
      sc.dirty = true
    end
    if at < now then
      used = used - (now - at) * sc.ratesPerMilli[k]
      if used < 0 then used = 0 end
    end
    sc.used[k] = used
  end
end

-- [scopes] Add to a scope's level, as consume adds to the pool's.
local function scopeConsume(sc, k, amount)
  sc.used[k] = sc.used[k] + amount
  sc.dirty = true
end

-- [scopes] A scope's claim by another ticket of a strictly higher class, still alive.
local function claimedAbove(sc, tk)
  local c = sc.claim
  return c ~= nil and c.untilMs > now and c.ticket ~= tk.id and c.rank < tk.classRank
end

-- [scopes] Claim the scopes a pool's blocked head fits its pool but not: kept a worker's
-- lifetime, renewed while the head stays blocked; a claim of a higher class is never taken.
local function claimScopes(tk, short)
  if cfg.scopeClaimsOffForTests then return end
  for _, sc in ipairs(short) do
    if not claimedAbove(sc, tk) then
      sc.claim = {rank = tk.classRank, untilMs = math.ceil(now + cfg.workerTtlMillis), ticket = tk.id}
      sc.claimChanged = true
    end
  end
end

-- [scopes] A ticket admitted or gone gives back the claims it holds.
local function releaseClaims(id)
  for _, sc in ipairs(scopes) do
    if sc.claim and sc.claim.ticket == id then
      sc.claim = nil
      sc.claimChanged = true
    end
  end
end

-- [scopes] Drop a scope's expired leases, once per call, before counting them.
local function scopeLeases(sc)
  if not sc.trimmed then
    redis.call('ZREMRANGEBYSCORE', sc.base .. 'l', '-inf', now)
    sc.trimmed = true
  end
  return redis.call('ZCARD', sc.base .. 'l')
end

-- [scopes] Write back the scopes this call moved; each key's lifetime is renewed as the
-- state's is, at least an hour past its time to drain.
local function saveScopes()
  for _, sc in ipairs(scopes) do
    if sc.claimChanged then
      if sc.claim then
        redis.call('HSET', sc.base .. 's', 'w', sc.claim.rank .. ' ' .. string.format('%d', sc.claim.untilMs) .. ' '
          .. sc.claim.ticket)
      else
        redis.call('HDEL', sc.base .. 's', 'w')
      end
      -- A claim alone may create the key: it needs a lifetime.
      if not sc.dirty and sc.keptUntil < now + cfg.workerTtlMillis then
        redis.call('PEXPIRE', sc.base .. 's', STATE_MIN_TTL)
      end
    end
    if sc.dirty then
      local kv = {}
      if sc.noteLive then kv = {'lv', sc.liveVersion or 0} end -- [live]
      local ttl = 60000
      for k = 1, #sc.dimensions do
        kv[#kv + 1] = sc.dimensions[k]
        kv[#kv + 1] = struct.pack(LEVEL_FORMAT, sc.used[k], now)
        local drain = sc.used[k] / sc.ratesPerMilli[k]
        if drain > ttl then ttl = drain end
      end
      ttl = math.max(ttl, STATE_MIN_TTL) + cfg.leaseTimeoutMillis
      local renew = sc.keptUntil < now + ttl
      if renew then
        kv[#kv + 1] = 'until'
        kv[#kv + 1] = struct.pack('<d', now + ttl * 2)
      end
      if #kv > 0 then redis.call('HSET', sc.base .. 's', unpack(kv)) end
      if renew then redis.call('PEXPIRE', sc.base .. 's', math.ceil(ttl * 2)) end
    elseif sc.noteLive and sc.keptUntil > 0 then
      -- [live] Only into a hash that exists (and so has a lifetime).
      redis.call('HSET', sc.base .. 's', 'lv', sc.liveVersion or 0)
    end
  end
end

-- [live] A caller whose config predates the pool's live settings reloads them first. The
-- version also sits in the state hash, read with it; only when that copy differs or is
-- missing with the state (never written, expired, lost) is the live key read.
local liveNoted = false
if (args.live or 0) ~= st.liveVersion or not st.present then
  local version = tonumber(redis.call('HGET', O, 'v') or '0')
  if (args.live or 0) ~= version then return {'LIVE_CHANGED'} end
  if version ~= st.liveVersion then
    st.liveVersion = version
    liveNoted = true
  end
end
-- [live] The same for each scope's live settings, kept under the scope's base ("o") and
-- changed by the live op on the scope's key. The scope's hash notes the version it last saw
-- ("lv"); only when that differs from the config's (or the hash lacks it) is "o" read.
for _, sc in ipairs(scopes) do
  local expected = sc.liveVersion or 0
  if sc.liveNoted ~= expected then
    local version = tonumber(redis.call('HGET', sc.base .. 'o', 'v') or '0')
    if version ~= expected then return {'LIVE_CHANGED'} end
    sc.noteLive = true
  end
end

-- Give a key a lifetime of twice what it needs, and again only once half of that has passed:
-- one PEXPIRE now and then instead of one per write. keptUntil = the end of its lifetime as
-- recorded in the state number `name` (0: unknown).
local function keepAlive(key, name, keptUntil, needed)
  if keptUntil >= now + needed then return end
  redis.call('PEXPIRE', key, math.ceil(needed * 2))
  st[name] = now + needed * 2
end
if configSent then
  -- The config may have recreated the usage key.
  keepAlive(M, 'usageUntil', 0, RING_TTL)
end

local function consume(i, amount)
  st.used[i] = st.used[i] + amount
  acc[i] = acc[i] + amount
  dirty = true
end

-- A ring slot, "<index><use of dimension 1>...", as binary doubles (struct), with this call's
-- consumption added; a slot left from an older index, or from a config with other dimensions,
-- starts again.
local RING_FORMAT = '<' .. string.rep('d', n + 1)
local RING_BYTES = 8 * (n + 1)

local function ringIndex(raw)
  if not raw or #raw ~= RING_BYTES then return nil end
  return (struct.unpack('<d', raw))
end

local function addToRing(raw, index)
  local values = {index}
  if ringIndex(raw) == index then values = {struct.unpack(RING_FORMAT, raw)} end
  for i = 1, n do values[i + 1] = (values[i + 1] or 0) + acc[i] end
  return struct.pack(RING_FORMAT, unpack(values, 1, n + 1))
end

local leasesTrimmed = false
local leasesAdded = false

-- Drop expired leases, once per call. Only the concurrency count needs them gone, so the
-- other calls leave them to the next count or the next 10-second slot: every reader
-- compares a lease's expiry with now.
local function trimLeases()
  if leasesTrimmed then return end
  redis.call('ZREMRANGEBYSCORE', L, '-inf', now)
  leasesTrimmed = true
end

-- [stream] Forget the output notes of streams whose lease expired (their worker died), with
-- the expired leases: a note lives no longer than its lease plus one 10-second slot.
local function dropEndedStreams()
  for _, id in ipairs(redis.call('HKEYS', C)) do
    if not redis.call('ZSCORE', L, id) then redis.call('HDEL', C, id) end
  end
end

local function save()
  if not dirty then
    -- Only the state's own numbers (the keys' lifetimes, the queue mark) may have changed: the
    -- levels are not rewritten, for a call that decides nothing must not move them. A missing
    -- state is left missing: a hash of these alone would have no lifetime.
    if st.present then
      local packed = packState()
      if packed ~= st.raw then redis.call('HSET', S, 'v', packed) end
      if liveNoted then redis.call('HSET', S, 'lv', st.liveVersion) end -- [live]
    end
    return
  end
  local kv = {}
  local ttl = 60000
  local moved = false
  for i = 1, n do
    kv[#kv + 1] = dims[i]
    kv[#kv + 1] = struct.pack(LEVEL_FORMAT, st.used[i], now)
    local drain = st.used[i] / (rates[i] * st.mult)
    if drain > ttl then ttl = drain end
    if acc[i] ~= 0 then moved = true end
  end
  if moved then
    -- Both ring slots in one write; read with the config, they cost no read of their own.
    redis.call('HSET', M, SLOT_FIELD, addToRing(st.slotRing, slot), MINUTE_FIELD, addToRing(st.minuteRing, minute))
    if not configSent then keepAlive(M, 'usageUntil', st.usageUntil, RING_TTL) end
    -- The first write of a slot, every 10 seconds at most, also clears out expired leases.
    if ringIndex(st.slotRing) ~= slot then
      trimLeases()
      dropEndedStreams() -- [stream]
    end
  end
  if st.cool - now > ttl then ttl = st.cool - now end
  if st.ex - now > ttl then ttl = st.ex - now end
  -- The head note and the exhausted mark ride along.
  ttl = math.max(ttl, STATE_MIN_TTL) + cfg.leaseTimeoutMillis
  local renew = st.stateUntil < now + ttl
  if renew then st.stateUntil = now + ttl * 2 end
  kv[#kv + 1] = 'v'
  kv[#kv + 1] = packState()
  if liveNoted then -- [live]
    kv[#kv + 1] = 'lv'
    kv[#kv + 1] = st.liveVersion
  end
  redis.call('HSET', S, unpack(kv))
  if renew then redis.call('PEXPIRE', S, math.ceil(ttl * 2)) end
end

-- Per-user buckets: u = {keyHash, fields, capacities, ratesPerMilli, costs | deltas}, kept
-- under <prefix><keyHash> (prefix: u: for a user, absent; tl: for a tenant's limits).
local function userLevels(u, prefix)
  local key = base .. (prefix or 'u:') .. u.keyHash
  local fields = {}
  for i = 1, #u.fields do
    fields[#fields + 1] = u.fields[i]
    fields[#fields + 1] = u.fields[i] .. '@'
  end
  local v = redis.call('HMGET', key, unpack(fields))
  local levels = {}
  for i = 1, #u.fields do
    levels[i] = drained(v[2 * i - 1], v[2 * i], u.ratesPerMilli[i])
  end
  return key, levels
end

-- How long until the buckets fit the costs (0: now), the bucket that waits longest and the
-- levels.
local function userEta(u, prefix)
  local _, levels = userLevels(u, prefix)
  local eta, binding = 0, nil
  for i = 1, #u.fields do
    local need = math.min(u.costs[i], u.capacities[i])
    local over = levels[i] + need - u.capacities[i]
    if over > EPSILON and over / u.ratesPerMilli[i] > eta then eta, binding = over / u.ratesPerMilli[i], i end
  end
  return eta, binding, levels
end

local function userCharge(u, amounts, prefix)
  local key, levels = userLevels(u, prefix)
  local kv = {}
  local ttl = 60000
  for i = 1, #u.fields do
    local level = math.min(math.max(levels[i] + (amounts[i] or 0), 0), u.capacities[i] * 2)
    kv[#kv + 1] = u.fields[i]
    kv[#kv + 1] = string.format('%.17g', level)
    kv[#kv + 1] = u.fields[i] .. '@'
    kv[#kv + 1] = string.format('%.3f', now)
    ttl = math.max(ttl, level / u.ratesPerMilli[i])
  end
  redis.call('HSET', key, unpack(kv))
  redis.call('PEXPIRE', key, math.ceil(ttl + USER_TTL_MARGIN))
end

local function negate(values)
  local out = {}
  for i, v in ipairs(values) do out[i] = -v end
  return out
end

-- [budgets] A budget window's spend and reservations, in micro-units. A missing key is a new
-- window, or a lost one: it is never read as nothing spent when a loss is known. It reads as
-- the floor the caller knows (the spend it saw), and as fully spent until the window ends when
-- the caller knows no floor and the pool's state was lost with it (a restart or flush, proven as
-- for the buckets above): nothing proves what was spent, and a cap must hold.
-- Read once per call: the gate and the reservation of one acquire read the same window.
local BUDGET_TTL_MARGIN = 3600000
local ROLLING_SLOTS = 24
local budgetsRead = {}

-- [budgets] A rolling window: the spend of its live slots (index -> spend), their sum, and the
-- reservations; a missing key puts the floor, or the cap, in the current slot.
local function rollingLevel(b, key)
  local v = redis.call('HGETALL', key)
  local current = math.floor(now / b.slot)
  local slots, spent, reserved = {}, 0, 0
  for i = 1, #v, 2 do
    if v[i] == 'reserved' then
      reserved = tonumber(v[i + 1])
    else
      local index = tonumber(string.sub(v[i], 2))
      if index and index > current - ROLLING_SLOTS then
        slots[index] = tonumber(v[i + 1])
        spent = spent + slots[index]
      end
    end
  end
  if #v == 0 then
    if b.floor then spent = b.floor elseif st.lost and b.limit then spent = b.limit end
    if spent > 0 then slots[current] = spent end
  end
  return {spent, reserved, slots}
end

local function budgetLevel(b)
  -- [scopes] A scope's budget lives under the scope's base, which every pool of its tree
  -- shares; a scope the chain does not have (never sent) falls back to the pool's keys.
  local key = ((b.scope and scopeBases[b.scope]) or base) .. b.key
  local known = budgetsRead[key]
  if known then return key, known[1], known[2], known[3] end
  if b.slot then
    budgetsRead[key] = rollingLevel(b, key)
    return key, budgetsRead[key][1], budgetsRead[key][2], budgetsRead[key][3]
  end
  local v = redis.call('HMGET', key, 'spent', 'reserved')
  local spent, reserved = 0, 0
  if v[1] then
    spent, reserved = tonumber(v[1]), tonumber(v[2]) or 0
  elseif b.floor then
    spent = b.floor
  elseif st.lost and b.limit then
    spent = b.limit
  end
  budgetsRead[key] = {spent, reserved}
  return key, spent, reserved
end

-- [budgets] How long until enough of a rolling window's oldest slots age out to free over.
local function rollingEta(b, slots, over)
  local indexes = {}
  for index in pairs(slots) do indexes[#indexes + 1] = index end
  table.sort(indexes)
  local freed = 0
  for _, index in ipairs(indexes) do
    freed = freed + slots[index]
    if freed >= over then return (index + ROLLING_SLOTS) * b.slot - now end
  end
  return (math.floor(now / b.slot) + ROLLING_SLOTS) * b.slot - now
end

-- [budgets] How long until a ticket fits every hard cap it falls under: until the end of the
-- latest window whose spend, reservations and the ticket's worst case together pass its cap;
-- 0 when it fits. A budget is a gate at arrival, as a user's limit: it waits for no refill.
local function budgetEta(budgets)
  if not budgets or cfg.budgetCheckOffForTests then return 0 end
  local eta = 0
  for _, b in ipairs(budgets) do
    if b.limit then
      local _, spent, reserved, slots = budgetLevel(b)
      local over = spent + reserved + b.amount - b.limit
      if over > 0 then
        local wait = b.slot and rollingEta(b, slots, over) or (b.windowEnd - now)
        eta = math.max(eta, wait, 1)
      end
    end
  end
  return eta
end

-- [budgets] A ticket that would pass a hard cap is rejected at once, never queued: waiting
-- cannot help before the window ends, when a retry fits.
local function budgetGate(tk)
  local eta = budgetEta(tk.budgets)
  if eta == 0 then return nil end
  -- Written if missing, as for PAUSED: the caller takes the state for written after an acquire.
  if not st.present then dirty = true end
  return {'REJECTED', 'BUDGET_EXHAUSTED', math.ceil(eta)}
end

-- [budgets] Add to a budget window's spend and reservations (never below none). The window
-- is written once, when the call's ops are done (budgetsSave): a batch's ops read and add to
-- the level read first.
local budgetsMoved = {} -- key -> the budget entry last added to it
local function budgetAdd(b, spent, reserved)
  local key, s, r, slots = budgetLevel(b)
  s = s + spent
  r = math.max(r + reserved, 0)
  if b.slot then
    -- The spend goes to the current slot.
    local current = math.floor(now / b.slot)
    slots[current] = (slots[current] or 0) + spent
  end
  budgetsRead[key] = {s, r, slots}
  budgetsMoved[key] = b
end

-- [budgets] Write the windows this call moved, as whole numbers: micro-units stay exact in
-- doubles up to 2^53. A rolling window is rewritten whole, which drops the slots that aged
-- out.
local function budgetsSave()
  for key, b in pairs(budgetsMoved) do
    local s, r, slots = budgetsRead[key][1], budgetsRead[key][2], budgetsRead[key][3]
    if b.slot then
      redis.call('DEL', key)
      local kv = {'reserved', string.format('%.0f', r)}
      for index, used in pairs(slots) do
        kv[#kv + 1] = 's' .. index
        kv[#kv + 1] = string.format('%.0f', used)
      end
      redis.call('HSET', key, unpack(kv))
    else
      redis.call('HSET', key, 'spent', string.format('%.0f', s), 'reserved', string.format('%.0f', r))
    end
    redis.call('PEXPIRE', key, math.max(math.ceil(b.windowEnd - now), 0) + BUDGET_TTL_MARGIN)
  end
end

-- [budgets] Reserve (sign 1) or hand back (sign -1) a ticket's worst case in its budgets.
local function budgetReserve(tk, sign)
  for _, b in ipairs(tk.budgets or {}) do budgetAdd(b, 0, sign * b.amount) end
end

-- [budgets] Settle or charge a lease's spend: its cost is spent, its reservation released.
local function budgetSpend(budgets)
  for _, b in ipairs(budgets or {}) do budgetAdd(b, b.amount, -(b.release or 0)) end
end

-- [budgets] The snapshot's view: per budget asked for, [spent, reserved].
local function budgetLevels(budgets)
  local levels = {}
  for i, b in ipairs(budgets or {}) do
    local _, spent, reserved = budgetLevel(b)
    levels[i] = {spent, reserved}
  end
  return levels
end

-- The gates a request passes at arrival, each with buckets of its own: its user's and
-- [tenants] its tenant's limits. t is a ticket or settle's arguments, holding each gate's
-- buckets under arg.
local GATES = {{arg = 'user', prefix = 'u:', reason = 'USER_LIMIT'},
  {arg = 'tenantLimit', prefix = 'tl:', reason = 'TENANT_LIMIT'}}

-- The rejection by the gate that waits longest (the first on a tie), or nil when every gate
-- fits the ticket: its binding field, what a request could take of it now (rounded down)
-- and when it is full again.
local function gateRejection(t)
  local worst
  for _, gate in ipairs(GATES) do
    local u = t[gate.arg]
    if u then
      local eta, i, levels = userEta(u, gate.prefix)
      if eta > 0 and (not worst or eta > worst.eta) then worst = {gate = gate, u = u, eta = eta, i = i, level = levels[i]} end
    end
  end
  if not worst then return nil end
  local u, i = worst.u, worst.i
  return {'REJECTED', worst.gate.reason, math.ceil(worst.eta), u.fields[i],
    math.max(math.floor(u.capacities[i] - worst.level), 0), math.ceil(worst.level / u.ratesPerMilli[i])}
end

-- Charge each gate of t what its buckets name: costs (sign 1), a refund of them (sign -1)
-- or a settle's deltas (sign nil).
local function chargeGates(t, sign)
  for _, gate in ipairs(GATES) do
    local u = t[gate.arg]
    if u then
      local amounts = u.deltas
      if sign == 1 then amounts = u.costs elseif sign == -1 then amounts = negate(u.costs) end
      userCharge(u, amounts, gate.prefix)
    end
  end
end

local function modelCooldown(model)
  if not model then return 0 end
  if st.cooldowns[model] == nil then
    st.cooldowns[model] = tonumber(redis.call('HGET', S, 'mc:' .. model) or '0')
  end
  return st.cooldowns[model]
end

-- [scopes] The scopes the last ticket blocked() looked at fits its pool but not.
local blockedAt = {}

-- How long until the ticket fits: 0 = now, UNKNOWN_DELAY = waits for a lease to end.
local function blocked(tk)
  local eta = 0
  if st.cool > now then eta = st.cool - now end
  local mc = modelCooldown(tk.model)
  if mc - now > eta then eta = mc - now end
  local allowedShare = 1 - (cfg.reserves[tk.classRank + 1] or 0)
  for i = 1, n do
    local allowed = cfg.capacities[i] * st.mult * allowedShare
    local need = tk.costs[i]
    if need > allowed then need = allowed end
    local over = st.used[i] + need - allowed
    if over > EPSILON then
      -- Within the lookahead the ticket counts as fitting: the bucket runs at most that far
      -- ahead of its refill, and a queued admission need not wait for a timer of its own.
      local wait = over / (rates[i] * st.mult)
      if wait > cfg.lookaheadMillis and wait > eta then eta = wait end
    end
  end
  -- A slot comes back when a call ends, which nobody can predict; settle pumps the queue.
  local poolFull = false
  if cfg.maxConcurrency > 0 then
    trimLeases()
    poolFull = redis.call('ZCARD', L) >= cfg.maxConcurrency
  end
  -- [scopes] Every scope of the chain by the same rule; the class's reserve holds in each.
  -- The scopes it has no room in are noted (blockedAt) for the pump's claims, where the
  -- ticket fits its pool itself.
  local poolFits = eta == 0 and not poolFull
  local short, unknown = {}, false
  for _, sc in ipairs(scopes) do
    if claimedAbove(sc, tk) then
      unknown, poolFits = true, false
    end
    local room = true
    for k = 1, #sc.dimensions do
      local allowed = sc.capacities[k] * allowedShare
      -- A ticket queued under a config without this scope's dimensions costs it nothing.
      local need = tk.costs[sc.costIndex[k]] or 0
      if need > allowed then need = allowed end
      local over = sc.used[k] + need - allowed
      if over > EPSILON then
        local wait = over / sc.ratesPerMilli[k]
        if wait > cfg.lookaheadMillis then
          room = false
          if wait > eta then eta = wait end
        end
      end
    end
    if sc.maxConcurrency > 0 and scopeLeases(sc) >= sc.maxConcurrency then room, unknown = false, true end
    if not room then short[#short + 1] = sc end
  end
  blockedAt = poolFits and short or {}
  if poolFull or unknown then return UNKNOWN_DELAY end
  return eta
end

-- The waiting tickets' ids, best first; none without a look when the queue is known empty.
local function waitingIds(stop)
  if st.queueEmpty then return {} end
  local ids = redis.call('ZRANGE', Q, 0, stop)
  if #ids == 0 then
    st.queueEmpty = true
  end
  return ids
end

local function queueLength()
  if st.queueEmpty then return 0 end
  local length = redis.call('ZCARD', Q)
  if length == 0 then
    st.queueEmpty = true
  end
  return length
end

-- Waiting tickets other than tk, of a strictly higher class, that fit now by the rule the
-- pump applies to its head: the ones tk overtakes if it is admitted now. Read from the
-- tickets themselves, never from the queue's order, so that a broken order shows.
local function overtaken(tk)
  local count = 0
  for _, id in ipairs(waitingIds(-1)) do
    local oj = id ~= tk.id and redis.call('HGET', T, id)
    if oj then
      local other = cjson.decode(oj)
      local alive = tonumber(redis.call('ZSCORE', W, other.worker) or '0')
      if other.classRank < tk.classRank and other.deadline >= now and alive >= now and blocked(other) == 0 then
        count = count + 1
      end
    end
  end
  return count
end

-- Never shorten a key's lifetime, only extend it.
local function extendTtl(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, math.ceil(ms)) end
end

-- [tenants] The fair-share tags (the hash "n") this call read or moved, by field (false:
-- absent), written once when the call's ops are done (tenantsSave): a batch's ops read and
-- move the tags as they stand after the ops before them.
local N = base .. 'n'
local tags, tagsMoved, tagsTtl = {}, {}, 0
local function readTags(fields)
  local unread = {}
  for _, field in ipairs(fields) do
    if tags[field] == nil then unread[#unread + 1] = field end
  end
  if #unread > 0 then
    local v = redis.call('HMGET', N, unpack(unread))
    for i, field in ipairs(unread) do tags[field] = tonumber(v[i]) or false end
  end
end

local function moveTag(field, value)
  tags[field] = tonumber(value)
  tagsMoved[field] = true
end

-- [tenants] Count an admitted ticket's tokens for its tenant in this minute. A tenant new to
-- the minute gives the key its lifetime, and past MAX_ADMITTED_TENANTS is counted under "*",
-- so that the key stays bounded whatever the tenant ids. Summed per tenant in this call, in
-- the order the tenants came, and written by tenantsSave.
local MAX_TOKENS = 9007199254740992 -- 2^53: a sum beyond it is no longer exact
local MAX_ADMITTED_TENANTS = 1000
local admitted, admittedOrder = {}, {}
local function countAdmitted(tenant)
  if not admitted[tenant.keyHash] then admittedOrder[#admittedOrder + 1] = tenant.keyHash end
  admitted[tenant.keyHash] = (admitted[tenant.keyHash] or 0) + math.min(tenant.tokens, MAX_TOKENS)
end

local function tenantsSave()
  local kv = {}
  for field in pairs(tagsMoved) do
    kv[#kv + 1] = field
    kv[#kv + 1] = string.format('%.17g', tags[field])
  end
  if #kv > 0 then redis.call('HSET', N, unpack(kv)) end
  if tagsTtl > 0 then extendTtl(N, tagsTtl) end
  local key = base .. 'a:' .. string.format('%d', minute)
  for _, keyHash in ipairs(admittedOrder) do
    local field = keyHash
    local fresh = redis.call('HEXISTS', key, field) == 0
    if fresh and redis.call('HLEN', key) >= MAX_ADMITTED_TENANTS then field = '*' end
    redis.call('HINCRBYFLOAT', key, field, string.format('%.17g', admitted[keyHash]))
    -- Read for two minutes at most: three outlive every read, whenever the minute began.
    if fresh then redis.call('PEXPIRE', key, 3 * MINUTE) end
  end
end

local function admit(tk)
  if cfg.admissionLogForTests then
    -- Test and benchmark aid, before the charge: what was admitted, and how many
    -- higher-class tickets could have been admitted in its place (an inversion when > 0).
    redis.call('RPUSH', base .. 'log', tk.classRank .. ' ' .. overtaken(tk) .. ' ' .. (tk.sequence or 0) .. ' ' .. tk.id)
    redis.call('PEXPIRE', base .. 'log', 3600000)
  end
  -- [tenants] The class's virtual time moves to the start tag of what it admits.
  if tk.start then moveTag('v' .. tk.classRank, tk.start) end
  if tk.tenant then countAdmitted(tk.tenant) end -- [tenants]
  for i = 1, n do consume(i, tk.costs[i]) end
  redis.call('ZADD', L, now + cfg.leaseTimeoutMillis, tk.id)
  -- A lease may recreate the key after the last one left: it gets its lifetime once this
  -- call's admissions are done (leasesKept).
  leasesAdded = true
  releaseClaims(tk.id) -- [scopes]
  -- [scopes] Charged to every scope of the chain; a lease held in each that counts them.
  for _, sc in ipairs(scopes) do
    for k = 1, #sc.dimensions do scopeConsume(sc, k, tk.costs[sc.costIndex[k]] or 0) end
    if sc.maxConcurrency > 0 then
      redis.call('ZADD', sc.base .. 'l', now + cfg.leaseTimeoutMillis, tk.id)
      redis.call('PEXPIRE', sc.base .. 'l', cfg.leaseTimeoutMillis * 2)
    end
  end
end

-- Give the leases key its lifetime after this call's admissions, once, whatever a batch
-- admitted and ended in between.
local function leasesKept()
  if leasesAdded then redis.call('PEXPIRE', L, cfg.leaseTimeoutMillis * 2) end
end

local function notify(worker, kind, rest)
  redis.call('PUBLISH', cfg.channelPrefix .. worker, kind .. ' ' .. cfg.pool .. ' ' .. rest)
end

-- Remove a ticket that leaves without a grant, handing back its user charge.
local function drop(id, tk)
  redis.call('ZREM', Q, id)
  redis.call('HDEL', T, id)
  releaseClaims(id) -- [scopes]
  if tk then chargeGates(tk, -1) end
  if tk then budgetReserve(tk, -1) end -- [budgets]
end

-- The ticket the pump decides on next: the best class, then the oldest. The arrival-order
-- switch, for tests only, takes the oldest of any class instead: a deliberately broken
-- order that the admission log must expose.
local function nextInLine()
  if not cfg.arrivalOrderForTests then return waitingIds(0)[1] end
  if st.queueEmpty then return nil end
  local oldest, oldestSeq
  local waiting = redis.call('ZRANGE', Q, 0, -1, 'WITHSCORES')
  for i = 1, #waiting, 2 do
    local seq = tonumber(waiting[i + 1]) % CLASS
    if not oldestSeq or seq < oldestSeq then oldest, oldestSeq = waiting[i], seq end
  end
  return oldest
end

-- Admit from the head while the head fits; nobody overtakes it. Returns the ids granted
-- and, when the head is blocked, its ticket and how long until it fits. The caller's own
-- ticket (own) and head news for the calling worker (caller) travel in the reply instead of
-- over pub/sub.
local function pump(caller, own)
  local granted = {}
  if st.ex > now then
    -- An exhausted pool admits nobody: every waiting ticket fails now, not at its deadline.
    for _, id in ipairs(waitingIds(-1)) do
      local tj = redis.call('HGET', T, id)
      local tk = tj and cjson.decode(tj)
      drop(id, tk)
      if tk then notify(tk.worker, 'EXHAUSTED', id) end
    end
    return granted
  end
  for _ = 1, MAX_PUMP do
    local head = nextInLine()
    if not head then return granted end
    local tj = redis.call('HGET', T, head)
    if not tj then
      redis.call('ZREM', Q, head)
    else
      local tk = cjson.decode(tj)
      local alive = tonumber(redis.call('ZSCORE', W, tk.worker) or '0')
      if tk.deadline < now or alive < now then
        -- An expired ticket or a dead worker's ticket must never block live requests.
        drop(head, tk)
        notify(tk.worker, 'EXPIRED', head)
      else
        local eta = blocked(tk)
        if eta ~= 0 then
          claimScopes(tk, blockedAt) -- [scopes]
          -- Only the head's owner arms a timer; tell it when the head or its ETA changed.
          local at = eta < 0 and UNKNOWN_DELAY or math.ceil(now + eta)
          if tk.worker ~= caller and (st.hn ~= head or math.abs(st.he - at) > HEAD_NEWS_SLACK) then
            notify(tk.worker, 'HEAD', (eta < 0 and UNKNOWN_DELAY or math.ceil(eta)) .. ' ' .. head)
          end
          if st.hn ~= head or st.he ~= at then
            st.hn, st.he = head, at
            redis.call('HSET', S, 'hn', head, 'he', at)
            dirty = true
          end
          return granted, tk, eta
        end
        admit(tk)
        redis.call('ZREM', Q, head)
        redis.call('HDEL', T, head)
        granted[#granted + 1] = head
        if head ~= own then
          -- The grant record lets a late cancel hand the capacity back, and a heartbeat
          -- recover a lost message.
          redis.call('SET', base .. 'g:' .. head, tj, 'PX', cfg.leaseTimeoutMillis)
          if now + cfg.leaseTimeoutMillis > st.grantsUntil then st.grantsUntil = now + cfg.leaseTimeoutMillis end
          notify(tk.worker, 'GRANTED', head .. ' ' .. tk.sequence)
        end
      end
    end
  end
  return granted
end

local touchedWorkers = {} -- this call's: a batch touches each once
local function touchWorker(worker)
  if touchedWorkers[worker] then return end
  touchedWorkers[worker] = true
  -- Readers compare a worker's expiry with now, so dead workers only take space: they are
  -- dropped when a worker joins, the only time the set grows. A join may also recreate the
  -- key, so it always gives the key its lifetime.
  local keptUntil = st.workersUntil
  if redis.call('ZADD', W, now + cfg.workerTtlMillis, worker) == 1 then
    redis.call('ZREMRANGEBYSCORE', W, '-inf', now - cfg.workerTtlMillis * 2)
    keptUntil = 0
  end
  keepAlive(W, 'workersUntil', keptUntil, cfg.workerTtlMillis * 4)
end

local function contains(list, id)
  for _, v in ipairs(list) do if v == id then return true end end
  return false
end

-- The head's delay and id, when the head belongs to the calling worker: it arms the timer.
local function headOf(worker, tk, eta)
  if tk and tk.worker == worker then return eta < 0 and UNKNOWN_DELAY or math.ceil(eta), tk.id end
  return NOT_CALLERS_HEAD, ''
end

local function delay(eta)
  return math.ceil(math.max(eta, 0))
end

local function nextSequence()
  if st.seq == 0 then
    -- The sequence was lost with the state hash: restart it behind the tickets still
    -- waiting, or new arrivals would overtake them within their class.
    for c = 0, #cfg.reserves - 1 do
      local top = redis.call('ZREVRANGEBYSCORE', Q, (c + 1) * CLASS - 1, c * CLASS, 'WITHSCORES', 'LIMIT', 0, 1)
      -- [tenants] With tenantShares the scores are start tags, not arrivals: whole ones.
      if top[2] then st.seq = math.max(st.seq, math.floor(tonumber(top[2]) - c * CLASS)) end
    end
  end
  st.seq = st.seq + 1
  dirty = true
  return st.seq
end

-- An arrival this pool never issued (another pool's, or one from before the state was lost)
-- is a new arrival: it must never jump ahead, nor reach into another class's scores.
local function reentering(tk)
  return tk.arrival and tk.arrival > 0 and tk.arrival <= st.seq
end

local function arrival(tk)
  if reentering(tk) then return tk.arrival end
  return nextSequence()
end

-- [tenants] Give a ticket its start tag (tk.start) when the pool shares its classes between
-- tenants, and return the tenant's finish tag once the ticket is admitted or waits (nil when
-- it moves none); nothing is written here.
local function tagTenant(tk)
  if not cfg.tenantShares or not tk.tenant then return nil end
  local rank = tk.classRank
  local classField, tenantField = 'v' .. rank, rank .. ':' .. tk.tenant.keyHash
  readTags({classField, tenantField})
  local virtual = tags[classField] or 0
  if reentering(tk) then
    tk.start = virtual
    return nil
  end
  tk.start = math.max(virtual, tags[tenantField] or 0)
  return tk.start + math.max(tk.tenant.tokens, 1) / tk.tenant.weight
end

local function keepFinishTag(tk, finish)
  if not finish then return end
  moveTag(tk.classRank .. ':' .. tk.tenant.keyHash, finish)
  -- Never shorten: as the queue, and an hour at least, for the tags of admitted tickets.
  tagsTtl = math.max(tagsTtl, tk.maxWaitMillis + cfg.workerTtlMillis * 4, STATE_MIN_TTL)
end

-- Provider feedback at settle: fb = {kind, retryAfterMillis (for 'exhausted': how long the
-- pool stays exhausted), remaining per dimension (-1 unknown), tolerance = provider rounding
-- per dimension, reason = the provider's reason for 'exhausted'}.
local function feedback(fb, admittedAt, model)
  if not fb then return end
  if fb.remaining then
    for i = 1, n do
      local remaining = fb.remaining[i]
      if remaining and remaining >= 0 then
        -- Headers only tighten: another client of the organisation may have spent what we
        -- think is free. Normal refill loosens the bucket again.
        local ours = cfg.capacities[i] * st.mult - st.used[i]
        if remaining + (fb.tolerance and fb.tolerance[i] or 0) < ours then
          st.used[i] = cfg.capacities[i] * st.mult - remaining
          dirty = true
        end
      end
    end
  end
  -- [scopes] A provider level's readings tighten the scope that mirrors it, by the same rule
  -- against the scope's own bucket (no multiplier), and never loosen it.
  if fb.scopes then
    for k, sc in ipairs(scopes) do
      local reading = present(fb.scopes[k])
      if reading then
        for j = 1, #sc.dimensions do
          local remaining = reading[1][j]
          if remaining and remaining >= 0 and remaining + (reading[2][j] or 0) < sc.capacities[j] - sc.used[j] then
            sc.used[j] = sc.capacities[j] - remaining
            sc.dirty = true
          end
        end
      end
    end
  end
  if fb.kind == 'rate-limited' then
    local retryAfter = fb.retryAfterMillis or 0
    if retryAfter and retryAfter > 0 and now + retryAfter > st.cool then st.cool = now + retryAfter end
    -- One cut per round trip: only calls admitted after the last cut may cut again.
    if admittedAt == nil or admittedAt > st.mcut then
      st.mult = math.max(st.mult * cfg.multiplierCut, cfg.multiplierFloor)
      st.mcut = now
    end
    dirty = true
  elseif fb.kind == 'overloaded' and model then
    local failures = redis.call('HINCRBY', S, 'mn:' .. model, 1)
    local backoff = math.min(cfg.overloadCooldownMillis * 2 ^ (failures - 1), cfg.maxOverloadCooldownMillis)
    st.cooldowns[model] = math.ceil(now + backoff)
    redis.call('HSET', S, 'mc:' .. model, st.cooldowns[model])
    -- A later call of a batch reads it as a fresh call would.
    if model == MODEL then st.modelFailing = true end
    dirty = true
  elseif fb.kind == 'exhausted' then
    -- The provider quota is used up: mark the pool for the fleet; pump fails the waiting.
    local untilMs = math.ceil(now + (fb.retryAfterMillis or 0))
    if untilMs >= st.ex then
      st.ex, st.exr = untilMs, fb.reason or ''
      redis.call('HSET', S, 'ex', string.format('%d', st.ex) .. ' ' .. st.exr)
    end
    dirty = true
  elseif fb.kind == 'ok' then
    if st.mult < 1 then
      st.mult = math.min(1, st.mult + cfg.multiplierRecovery)
      dirty = true
    end
    if model and (model ~= MODEL or st.modelFailing)
        and redis.call('HDEL', S, 'mn:' .. model, 'mc:' .. model) > 0 then
      st.cooldowns[model] = 0
      if model == MODEL then st.modelFailing = false end
      dirty = true
    end
  end
end

-- Queue a ticket that did not fit at once, or reject it when the queue has no room for it.
local function enqueue(tk)
  local rank = tk.classRank
  local inClass = redis.call('ZCOUNT', Q, rank * CLASS, (rank + 1) * CLASS - 1)
  if inClass >= (cfg.queueCapacities[rank + 1] or 0) then
    return {'REJECTED', 'QUEUE_FULL', delay(blocked(tk))}
  end
  if redis.call('ZCARD', Q) >= cfg.totalQueueCapacity then
    local last = redis.call('ZRANGE', Q, -1, -1, 'WITHSCORES')
    if math.floor(tonumber(last[2]) / CLASS) <= rank then
      return {'REJECTED', 'QUEUE_FULL', delay(blocked(tk))}
    end
    -- Shed the lowest-ranked ticket only when it is strictly lower in class.
    local vj = redis.call('HGET', T, last[1])
    local victim = vj and cjson.decode(vj)
    drop(last[1], victim)
    if victim then notify(victim.worker, 'SHED', last[1]) end
  end
  local finish = tagTenant(tk)
  tk.sequence = arrival(tk)
  dirty = true
  if tk.start then
    redis.call('ZADD', Q, string.format('%.17g', rank * CLASS + tk.start), tk.id)
  else
    redis.call('ZADD', Q, rank * CLASS + tk.sequence, tk.id)
  end
  st.queueEmpty = false
  for _, gate in ipairs(GATES) do
    local u = tk[gate.arg]
    if u then
      -- cjson writes numbers with 14 digits; a refund of this ticket must drain the gate's
      -- buckets at their exact rates, so they travel as text (Lua does arithmetic on it).
      for i = 1, #u.fields do
        u.capacities[i] = string.format('%.17g', u.capacities[i])
        u.ratesPerMilli[i] = string.format('%.17g', u.ratesPerMilli[i])
      end
    end
  end
  -- [tenants] So is the start tag, which the class's virtual time takes at admission.
  if tk.start then tk.start = string.format('%.17g', tk.start) end
  redis.call('HSET', T, tk.id, cjson.encode(tk))
  -- Never shorten: the queue must outlive the longest deadline in it.
  extendTtl(Q, tk.maxWaitMillis + cfg.workerTtlMillis * 4)
  extendTtl(T, tk.maxWaitMillis + cfg.workerTtlMillis * 4)
  local granted, head, eta = pump(tk.worker, tk.id)
  if contains(granted, tk.id) then
    keepFinishTag(tk, finish)
    return {'GRANTED', tk.sequence}
  end
  if tk.maxWaitMillis <= 0 or (head and head.id == tk.id and eta > tk.maxWaitMillis) then
    -- Waiting cannot help: fail fast, hold nothing.
    redis.call('ZREM', Q, tk.id)
    redis.call('HDEL', T, tk.id)
    releaseClaims(tk.id) -- [scopes]
    return {'REJECTED', 'DEADLINE', eta and delay(eta) or delay(blocked(tk))}
  end
  keepFinishTag(tk, finish)
  local delayMs, headId = headOf(tk.worker, head, eta)
  return {'WAITING', delayMs, headId, tk.sequence}
end

local function acquire(tk)
  touchWorker(tk.worker)
  tk.deadline = now + tk.maxWaitMillis
  local result
  if cfg.paused and cfg.paused[tk.classRank + 1] then
    result = {'REJECTED', 'PAUSED', UNKNOWN_DELAY}
  elseif st.ex > now then
    result = {'REJECTED', 'QUOTA_EXHAUSTED', delay(st.ex - now)}
  else
    -- Per-user and per-tenant caps are gates at arrival: a user or tenant over its quota
    -- never blocks the queue.
    result = gateRejection(tk)
  end
  if not result then result = budgetGate(tk) end -- [budgets]
  if not result and queueLength() == 0 then
    local eta = blocked(tk)
    if eta == 0 then
      local finish = tagTenant(tk)
      local a = arrival(tk)
      admit(tk)
      keepFinishTag(tk, finish)
      result = {'GRANTED', a}
    elseif tk.maxWaitMillis <= 0 or eta > tk.maxWaitMillis then
      result = {'REJECTED', 'DEADLINE', eta < 0 and UNKNOWN_DELAY or delay(eta)}
    end
  end
  if not result then result = enqueue(tk) end
  -- Written if missing, whatever the decision: the caller takes the state for written after
  -- an acquire. Refusals that leave it missing: [live] a paused class; [scopes] a scope that
  -- has no room for the pool's first ticket.
  if not st.present then dirty = true end
  if result[1] == 'GRANTED' or result[1] == 'WAITING' then chargeGates(tk, 1) end
  if result[1] == 'GRANTED' or result[1] == 'WAITING' then budgetReserve(tk, 1) end -- [budgets]
  return result
end

-- [live] Shadow mode: decide as acquire would, without queuing, shedding or rejecting, then
-- admit whatever the decision, so that buckets, leases and usage stay true. A ticket that
-- would have waited behind others reports what it needs itself.
local function shadowAcquire(tk)
  touchWorker(tk.worker)
  tk.deadline = now + tk.maxWaitMillis
  local status, reason, wait = 'GRANTED', '', 0
  local gated = gateRejection(tk)
  if cfg.paused and cfg.paused[tk.classRank + 1] then
    status, reason, wait = 'REJECTED', 'PAUSED', UNKNOWN_DELAY
  elseif st.ex > now then
    status, reason, wait = 'REJECTED', 'QUOTA_EXHAUSTED', delay(st.ex - now)
  elseif gated then
    status, reason, wait = 'REJECTED', gated[2], gated[3]
  else
    local eta = blocked(tk)
    local queued = queueLength() > 0
    if eta ~= 0 or queued then
      wait = eta < 0 and UNKNOWN_DELAY or delay(eta)
      local rank = tk.classRank
      if queued and redis.call('ZCOUNT', Q, rank * CLASS, (rank + 1) * CLASS - 1) >= (cfg.queueCapacities[rank + 1] or 0) then
        status, reason = 'REJECTED', 'QUEUE_FULL'
      elseif tk.maxWaitMillis <= 0 or eta > tk.maxWaitMillis then
        status, reason = 'REJECTED', 'DEADLINE'
      else
        status = 'WAITING'
      end
    end
  end
  local a = arrival(tk)
  admit(tk)
  chargeGates(tk, 1)
  budgetReserve(tk, 1) -- [budgets] shadow mode reports no budget; its lease settles one
  return {'GRANTED', a, status, reason, wait}
end

-- Add a lease's deltas to the buckets. Usage above the reservation is debt, bounded to one
-- extra bucket.
local function addDeltas(deltas)
  for i = 1, n do
    local bounded = math.min(math.max(st.used[i] + (deltas[i] or 0), 0), cfg.capacities[i] * st.mult * 2)
    consume(i, bounded - st.used[i])
  end
  -- [scopes] The same on every scope of the chain, bounded by the scope's own bucket.
  for _, sc in ipairs(scopes) do
    for k = 1, #sc.dimensions do
      local bounded = math.min(math.max(sc.used[k] + (deltas[sc.costIndex[k]] or 0), 0), sc.capacities[k] * 2)
      scopeConsume(sc, k, bounded - sc.used[k])
    end
  end
end

-- [scopes] A lease that ends leaves every scope that counts it.
local function endScopeLeases(id)
  for _, sc in ipairs(scopes) do
    if sc.maxConcurrency > 0 then redis.call('ZREM', sc.base .. 'l', id) end
  end
end

local function settle(a)
  local admittedAt
  if a.feedback and a.feedback.kind == 'rate-limited' then
    -- Only a 429 asks when its call was admitted. A lease expires at its score, whether or
    -- not it was trimmed yet.
    local score = tonumber(redis.call('ZSCORE', L, a.id))
    if score and score > now then admittedAt = score - cfg.leaseTimeoutMillis end
  end
  redis.call('ZREM', L, a.id)
  endScopeLeases(a.id) -- [scopes]
  -- [stream] No longer in flight; only a lease that charged has output there to clear.
  if a.streamed then redis.call('HDEL', C, a.id) end
  -- Only a ticket granted from the queue has a grant record, and none outlives gx.
  -- Redis keeps a key through the millisecond it expires in.
  if now <= st.grantsUntil + 1 then redis.call('DEL', base .. 'g:' .. a.id) end
  addDeltas(a.deltas)
  chargeGates(a)
  budgetSpend(a.budgets) -- [budgets]
  feedback(a.feedback, admittedAt, a.model)
  pump('', '')
  return {'SETTLED'}
end

local function cancel(a)
  local result
  local tj = redis.call('HGET', T, a.id)
  if tj then
    drop(a.id, cjson.decode(tj))
    result = {'CANCELLED'}
  else
    local gj = redis.call('GET', base .. 'g:' .. a.id)
    if gj then
      -- Granted while the owner gave up: hand everything back.
      local tk = cjson.decode(gj)
      for i = 1, n do consume(i, -math.min(tk.costs[i], st.used[i])) end
      for _, sc in ipairs(scopes) do -- [scopes]
        for k = 1, #sc.dimensions do scopeConsume(sc, k, -math.min(tk.costs[sc.costIndex[k]] or 0, sc.used[k])) end
      end
      chargeGates(tk, -1)
      budgetReserve(tk, -1) -- [budgets]
      redis.call('ZREM', L, a.id)
      endScopeLeases(a.id) -- [scopes]
      redis.call('DEL', base .. 'g:' .. a.id)
      result = {'RETURNED'}
    else
      result = {'UNKNOWN'}
    end
  end
  pump('', '')
  return result
end

local function poll(a)
  touchWorker(a.worker)
  local _, head, eta = pump(a.worker, '')
  local delayMs, headId = headOf(a.worker, head, eta)
  local result = {'POLLED', delayMs, headId}
  for _, id in ipairs(a.ids) do
    if redis.call('HEXISTS', T, id) == 1 then
      result[#result + 1] = 'WAITING'
    elseif redis.call('EXISTS', base .. 'g:' .. id) == 1 then
      result[#result + 1] = 'GRANTED'
    elseif st.ex > now then
      result[#result + 1] = 'EXHAUSTED'
    else
      result[#result + 1] = 'DROPPED'
    end
  end
  return result
end

-- [stream] A live stream's step: charge what its output took beyond what was charged so far,
-- note its output for the snapshot, and keep its lease a lease timeout from now. A lease that
-- expired (its worker stopped charging) or ended is not brought back.
local function charge(a)
  local expiry = tonumber(redis.call('ZSCORE', L, a.id))
  if not expiry or expiry <= now then
    redis.call('HDEL', C, a.id)
    return {'LOST'}
  end
  local keptUntil = now + cfg.leaseTimeoutMillis
  if keptUntil > expiry then
    redis.call('ZADD', L, keptUntil, a.id)
    for _, sc in ipairs(scopes) do -- [scopes] the lease lives as long in every scope
      if sc.maxConcurrency > 0 then redis.call('ZADD', sc.base .. 'l', 'XX', keptUntil, a.id) end
    end
  end
  leasesAdded = true -- the key's lifetime, as for an admission
  -- A grant record lives as long as its lease.
  if now <= st.grantsUntil + 1 and redis.call('PEXPIRE', base .. 'g:' .. a.id, cfg.leaseTimeoutMillis) == 1
      and keptUntil > st.grantsUntil then
    st.grantsUntil = keptUntil
  end
  addDeltas(a.deltas)
  -- The user's and [tenants] the tenant's buckets, as settle charges them: a long stream
  -- stays inside its user's and its tenant's output limits while it flows.
  chargeGates(a)
  budgetSpend(a.budgets) -- [budgets]
  redis.call('HSET', C, a.id, a.output)
  redis.call('PEXPIRE', C, cfg.leaseTimeoutMillis * 2)
  return {'CHARGED'}
end

-- [stream] The output the live streams reported so far; an expired lease's no longer counts.
local function streamOutput()
  local notes = redis.call('HGETALL', C)
  local total = 0
  for i = 1, #notes, 2 do
    local expiry = tonumber(redis.call('ZSCORE', L, notes[i]))
    if expiry and expiry > now then total = total + tonumber(notes[i + 1]) end
  end
  return total
end

-- cjson writes an empty table as an object: an empty list is left out instead.
local function listOrNil(list)
  if #list == 0 then return nil end
  return list
end

-- [scopes] Each scope's levels and leases, nearest first.
local function scopeSnapshots()
  local out = {}
  for _, sc in ipairs(scopes) do
    local inFlight = 0
    if sc.maxConcurrency > 0 then
      inFlight = redis.call('ZCOUNT', sc.base .. 'l', string.format('(%.3f', now), '+inf')
    end
    out[#out + 1] = {name = sc.name, used = listOrNil(sc.used), inFlight = inFlight}
  end
  return out
end

-- Read-only: buckets, queue per class, in flight, cooldowns and the usage rings.
local function snapshot(a)
  local ringNames = {}
  for i = 0, SLOT_RING - 1 do ringNames[#ringNames + 1] = 's' .. i end
  for i = 0, MINUTE_RING - 1 do ringNames[#ringNames + 1] = 'm' .. i end
  local ringValues = redis.call('HMGET', M, unpack(ringNames))
  local usageRings = {}
  for i, name in ipairs(ringNames) do
    if ringIndex(ringValues[i]) then
      -- As text, "<index>,<use of dimension 1>,...", every digit kept.
      local values = {struct.unpack(RING_FORMAT, ringValues[i])}
      for j = 1, n + 1 do values[j] = string.format('%.17g', values[j]) end
      usageRings[name] = table.concat(values, ',', 1, n + 1)
    end
  end
  local queued = {}
  for c = 0, #cfg.reserves - 1 do
    queued[#queued + 1] = redis.call('ZCOUNT', Q, c * CLASS, (c + 1) * CLASS - 1)
  end
  local head = NOT_CALLERS_HEAD
  if redis.call('ZCARD', Q) > 0 and st.he then head = st.he < 0 and UNKNOWN_DELAY or math.max(st.he - now, 0) end
  local cooldowns = {}
  for _, model in ipairs(a.models or {}) do
    -- Whole milliseconds, rounded up: a cooling model never reads 0.
    cooldowns[#cooldowns + 1] = math.ceil(math.max(modelCooldown(model) - now, 0))
  end
  return {'SNAPSHOT', cjson.encode({
    timeMillis = math.floor(now),
    used = listOrNil(st.used),
    queued = queued,
    -- A lease expires at its score, as every other call removes it then: count only later ones.
    inFlight = redis.call('ZCOUNT', L, string.format('(%.3f', now), '+inf'),
    multiplier = st.mult,
    cooldownMillis = math.max(st.cool - now, 0),
    headDelayMillis = math.ceil(head),
    modelCooldownMillis = listOrNil(cooldowns),
    usageRings = usageRings,
    liveWorkers = redis.call('ZCOUNT', W, now, '+inf'),
    exhaustedMillis = math.ceil(math.max(st.ex - now, 0)),
    exhaustedReason = (st.ex > now and st.exr ~= '') and st.exr or nil,
    streamOutput = streamOutput(), -- [stream]
    budgets = listOrNil(budgetLevels(a.budgets)), -- [budgets]
    scopes = listOrNil(scopeSnapshots()) -- [scopes]
  })}
end

-- [tenants] Read-only: the tenants with the most tokens waiting, then the most admitted. Reads
-- every waiting ticket, which the queue caps bound, and two minutes of admissions, which
-- MAX_ADMITTED_TENANTS bounds; for the endpoint, not for decisions.
local function waitingTenants(a)
  local demand = {}
  local function of(keyHash)
    local d = demand[keyHash]
    if not d then
      d = {keyHash, 0, 0, 0}
      demand[keyHash] = d
    end
    return d
  end
  for _, tj in ipairs(redis.call('HVALS', T)) do
    local tenant = cjson.decode(tj).tenant
    if tenant then
      local d = of(tenant.keyHash)
      d[2], d[3] = math.min(d[2] + tenant.tokens, MAX_TOKENS), d[3] + 1
    end
  end
  local admitted = 0
  for m = minute - 1, minute do
    local counts = redis.call('HGETALL', base .. 'a:' .. string.format('%d', m))
    for i = 1, #counts, 2 do
      local tokens = tonumber(counts[i + 1])
      admitted = math.min(admitted + tokens, MAX_TOKENS)
      if counts[i] ~= '*' then
        local d = of(counts[i])
        d[4] = math.min(d[4] + tokens, MAX_TOKENS)
      end
    end
  end
  local list = {}
  for _, d in pairs(demand) do list[#list + 1] = d end
  table.sort(list, function(x, y)
    if x[2] ~= y[2] then return x[2] > y[2] end
    if x[4] ~= y[4] then return x[4] > y[4] end
    return x[1] < y[1]
  end)
  local result = {'TENANTS', admitted}
  for i = 1, math.min(a.limit, #list) do
    for j = 1, 4 do result[#result + 1] = list[i][j] end
  end
  return result
end

local OPS = {acquire = acquire, settle = settle, cancel = cancel, poll = poll, snapshot = snapshot,
  charge = charge, -- [stream]
  tenants = waitingTenants} -- [tenants]

local function decide(name, a)
  -- [live] The classes in shadow mode take the shadow acquire.
  if name == 'acquire' and cfg.shadowed and cfg.shadowed[a.classRank + 1] then return shadowAcquire(a) end
  return OPS[name](a)
end

local result
if calls then
  result = {'BATCH'}
  for i, c in ipairs(calls) do result[i + 1] = decide(c[1], c[2]) end
else
  if not OPS[op] then return redis.error_reply('llm-quota: unknown op ' .. tostring(op)) end
  result = decide(op, args)
end
leasesKept()
budgetsSave() -- [budgets]
tenantsSave() -- [tenants]
save()
if op ~= 'snapshot' then saveScopes() end -- [scopes]
return result
