-- llm-quota: the whole fleet-wide decision for one pool, in one atomic call.
--
-- KEYS (all share the pool's hash tag, so the script is single-slot on Redis Cluster):
--   1 state   HASH  per dimension (rpm, itpm, otpm, tpm, rpd, tpd): the used level, and
--                   "<dim>@" its timestamp; mult, the rate multiplier after 429s; mcut, when
--                   it was last cut; cool, the pool's cooldown end; seq, the last arrival;
--                   hn and he, the queue head's ticket and when it fits; ex, the exhausted
--                   mark "<until ms> <reason>"; mc:<model> a model's cooldown end and
--                   mn:<model> its overload count
--   2 queue   ZSET  waiting tickets, score = class rank * 2^40 + arrival
--   3 tickets HASH  ticket id -> ticket JSON (the acquire arguments, plus sequence and deadline)
--   4 leases  ZSET  in-flight lease id -> hard expiry (concurrency and crash reclaim)
--   5 workers ZSET  worker id -> liveness expiry
--   6 usage   HASH  consumption rings s0..s6 (10-second slots, trailing minute) and
--                   m0..m59 (minute slots, trailing hour), each "<slot index>,<use per
--                   dimension>"; and cfg:<digest> -> pool config JSON
-- Keys derived from KEYS[1] (same hash tag): <base>g:<ticket> grant records,
-- <base>u:<hash> per-user buckets, <base>log the admission log (admissionLogForTests only).
--
-- ARGV: 1 op (acquire | settle | cancel | poll | snapshot), 2 the pool config's digest,
--       3 op arguments JSON, 4 "now" in ms for tests only (empty: use Redis TIME),
--       5 the pool config JSON, sent only after a CONFIG_NEEDED reply.
-- Pool config (ScriptProtocol.PoolConfig): pool, dimensions, capacities, ratesPerMilli
--   (per dimension); maxConcurrency; leaseTimeoutMillis; reserves, queueCapacities (per class
--   rank); totalQueueCapacity; workerTtlMillis; channelPrefix; multiplierCut,
--   multiplierFloor, multiplierRecovery; overloadCooldownMillis, maxOverloadCooldownMillis;
--   lookaheadMillis; admissionLogForTests, arrivalOrderForTests (test switches).
-- Op arguments (ScriptProtocol.*Args): knownState (this JVM wrote the state lately, so a
--   missing state was lost); acquire: id, worker, classRank, costs, maxWaitMillis, model,
--   user, arrival; settle: id, model, deltas, user, feedback {kind = ok | rate-limited |
--   overloaded | exhausted | '', retryAfterMillis, reason, remaining, tolerance}; cancel: id;
--   poll: worker, ids; snapshot: models. user = {keyHash, fields, capacities, ratesPerMilli,
--   costs | deltas}.
-- Replies: acquire {'G', arrival} | {'W', head delay, head id, arrival} |
--   {'R', reason, retry-after ms}; settle {'OK'}; cancel {'C'} (was waiting) | {'R'}
--   (granted, handed back) | {'N'} (unknown); poll {'P', head delay, states W|G|E|X per id,
--   head id}; snapshot {'S', now, used, queued per class, in flight, mult, cooldown ms, head
--   delay, model cooldowns, rings, live workers, exhausted ms, exhausted reason};
--   any op {'CONFIG_NEEDED'} when ARGV[2] names no kept config.
-- Messages on <channelPrefix><worker>: "G <pool> <ticket> <arrival>" granted, "X <pool>
--   <ticket>" expired or its worker dead, "S <pool> <ticket>" shed, "E <pool> <ticket>"
--   failed as the pool is exhausted, "H <pool> <delay ms | -1> <ticket>" the head changed.
--
-- Buckets hold a "used" level that drains continuously at rate units/ms (equivalent to a
-- token bucket refilling at that rate). A ticket fits a dimension when
--   used + min(cost, allowed) <= allowed,   allowed = capacity * mult * (1 - reserve(class))
-- so a request larger than the bucket is still admitted once the bucket is empty, and
-- lower classes cannot drain the part of the bucket reserved for higher ones.
--
-- Every ticket that is admitted or queued has an arrival: the next value of seq, or, for an
-- attempt re-entering after a 429, the arrival its first attempt was given (if this pool
-- issued it: not above seq). It is the ticket's place within its class.

if redis.replicate_commands then pcall(redis.replicate_commands) end

local S, Q, T, L, W, M = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local base = string.sub(S, 1, -2)
local op = ARGV[1]
local CLASS = 1099511627776 -- 2^40
local MAX_PUMP = 32
local SLOT = 10000
local MINUTE = 60000

local now
if ARGV[4] ~= nil and ARGV[4] ~= '' then
  now = tonumber(ARGV[4])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end

-- The usage-ring fields this call may add to: the 10-second slot and the minute.
local slot = math.floor(now / SLOT)
local minute = math.floor(now / MINUTE)
local SLOT_FIELD = 's' .. (slot % 7)
local MINUTE_FIELD = 'm' .. (minute % 60)
local CONFIG_NEEDED = 'CONFIG_NEEDED'
local CONFIG_TTL = 86400000
-- The pool config travels by digest, kept beside the rings as cfg:<digest>. Sent in full
-- (ARGV[5]) it is kept; a digest not kept (first call, or the key was flushed or expired) is
-- answered with CONFIG_NEEDED before anything is written, and the caller sends it again in
-- full. Every call is decided under its caller's config, as if sent in full: two instances
-- with different configs each keep their own digest, and neither overwrites the other.
local configJson = ARGV[5]
local rings
if configJson ~= nil and configJson ~= '' then
  redis.call('HSET', M, 'cfg:' .. ARGV[2], configJson)
  redis.call('PEXPIRE', M, CONFIG_TTL)
  rings = redis.call('HMGET', M, SLOT_FIELD, MINUTE_FIELD)
else
  local v = redis.call('HMGET', M, 'cfg:' .. ARGV[2], SLOT_FIELD, MINUTE_FIELD)
  if not v[1] then return {CONFIG_NEEDED} end
  configJson = v[1]
  rings = {v[2], v[3]}
end
local cfg = cjson.decode(configJson)
local args = cjson.decode(ARGV[3])

local dims = cfg.dimensions
local n = #dims
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

-- Load the pool's buckets once, drained to now; written back once at the end.
local st = {}
do
  local fields = {'mult', 'cool', 'hn', 'he', 'mcut', 'seq', 'ex'}
  if MODEL then
    fields[8] = 'mc:' .. MODEL
    fields[9] = 'mn:' .. MODEL
  end
  local first = #fields
  for i = 1, n do
    fields[#fields + 1] = dims[i]
    fields[#fields + 1] = dims[i] .. '@'
  end
  local v = redis.call('HMGET', S, unpack(fields))
  st.mult = tonumber(v[1]) or 1
  st.cool = tonumber(v[2]) or 0
  st.hn = v[3]
  st.he = tonumber(v[4]) or 0
  st.mcut = tonumber(v[5]) or 0
  st.seq = tonumber(v[6]) or 0
  st.ex, st.exr = 0, ''
  if v[7] then
    local space = string.find(v[7], ' ', 1, true) or (#v[7] + 1)
    st.ex = tonumber(string.sub(v[7], 1, space - 1)) or 0
    st.exr = string.sub(v[7], space + 1)
  end
  st.slotRing, st.minuteRing = rings[1], rings[2]
  -- Model cooldowns read so far, by model; kept current by the writes of this call.
  st.cooldowns = {}
  if MODEL then
    st.cooldowns[MODEL] = tonumber(v[8] or '0')
    st.modelFailing = v[8] ~= false or v[9] ~= false
  end
  st.used = {}
  for i = 1, n do
    st.used[i] = drained(v[first + 2 * i - 1], v[first + 2 * i], cfg.ratesPerMilli[i] * st.mult)
  end
  -- 'mult' is written with every save, so its absence means the state is gone. A caller
  -- that wrote here recently (kn) proves it was lost (restart without persistence, flush,
  -- eviction) rather than never there: start with empty buckets, so that the fleet does not
  -- flood a provider whose own buckets are still drained. Whatever call comes first, a
  -- heartbeat's poll included, for it would otherwise admit the queue into empty buckets.
  if v[1] == false and args.knownState and op ~= 'snapshot' then
    for i = 1, n do st.used[i] = cfg.capacities[i] end
    st.lost = true
  end
end
local dirty = st.lost == true
-- Consumption this call, per dimension, for the utilisation rings.
local acc = {}
for i = 1, n do acc[i] = 0 end

local function consume(i, amount)
  st.used[i] = st.used[i] + amount
  acc[i] = acc[i] + amount
  dirty = true
end

-- A ring slot's text, "<index>,<use of dimension 1>,...", with this call's consumption added;
-- a slot left from an older index starts again.
local function addToRing(raw, index)
  local values = {}
  if raw then
    for v in string.gmatch(raw, '[^,]+') do values[#values + 1] = tonumber(v) end
  end
  if values[1] ~= index then values = {index} end
  for i = 1, n do values[i + 1] = (values[i + 1] or 0) + acc[i] end
  for i = 2, #values do values[i] = string.format('%.3f', values[i]) end
  return table.concat(values, ',')
end

local leasesTrimmed = false

-- Drop expired leases, once per call. Only the concurrency count needs them gone, so the
-- other calls leave them to the next count or the next 10-second slot: every reader
-- compares a lease's expiry with now.
local function trimLeases()
  if leasesTrimmed then return end
  redis.call('ZREMRANGEBYSCORE', L, '-inf', now)
  leasesTrimmed = true
end

local function save()
  if not dirty then return end
  -- Levels and the multiplier keep every digit: rounded, a level just under a ticket's fit
  -- could round over it, and a decision would hinge on the storage format.
  local kv = {'mult', string.format('%.17g', st.mult), 'cool', st.cool, 'mcut', st.mcut, 'seq', st.seq}
  local ttl = 60000
  local moved = false
  for i = 1, n do
    kv[#kv + 1] = dims[i]
    kv[#kv + 1] = string.format('%.17g', st.used[i])
    kv[#kv + 1] = dims[i] .. '@'
    kv[#kv + 1] = string.format('%.3f', now)
    local drain = st.used[i] / (cfg.ratesPerMilli[i] * st.mult)
    if drain > ttl then ttl = drain end
    if acc[i] ~= 0 then moved = true end
  end
  if moved then
    -- Both ring slots in one write; read with the config, they cost no read of their own.
    redis.call('HSET', M, SLOT_FIELD, addToRing(st.slotRing, slot), MINUTE_FIELD, addToRing(st.minuteRing, minute))
    redis.call('PEXPIRE', M, 3660000)
    -- The first write of a slot, every 10 seconds at most, also clears out expired leases.
    if tonumber(string.match(st.slotRing or '', '^[^,]+')) ~= slot then trimLeases() end
  end
  if st.cool - now > ttl then ttl = st.cool - now end
  if st.ex - now > ttl then ttl = st.ex - now end
  -- Kept at least an hour: callers that wrote within the last half hour take a missing
  -- state for a lost one.
  ttl = math.max(ttl, 3600000)
  redis.call('HSET', S, unpack(kv))
  -- The head note and the exhausted mark ride along.
  redis.call('PEXPIRE', S, math.ceil(ttl + cfg.leaseTimeoutMillis))
end

-- Per-user buckets: u = {keyHash, fields, capacities, ratesPerMilli, costs | deltas}.
local function userLevels(u)
  local key = base .. 'u:' .. u.keyHash
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

local function userEta(u)
  local _, levels = userLevels(u)
  local eta = 0
  for i = 1, #u.fields do
    local need = math.min(u.costs[i], u.capacities[i])
    local over = levels[i] + need - u.capacities[i]
    if over > 1e-9 then eta = math.max(eta, over / u.ratesPerMilli[i]) end
  end
  return eta
end

local function userCharge(u, amounts)
  local key, levels = userLevels(u)
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
  redis.call('PEXPIRE', key, math.ceil(ttl + 60000))
end

local function negate(values)
  local out = {}
  for i, v in ipairs(values) do out[i] = -v end
  return out
end

local function modelCooldown(model)
  if not model then return 0 end
  if st.cooldowns[model] == nil then
    st.cooldowns[model] = tonumber(redis.call('HGET', S, 'mc:' .. model) or '0')
  end
  return st.cooldowns[model]
end

-- How long until the ticket fits: 0 = now, -1 = unknown (waits for a lease to end).
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
    if over > 1e-9 then
      -- Within the lookahead the ticket counts as fitting: the bucket runs at most that far
      -- ahead of its refill, and a queued admission need not wait for a timer of its own.
      local wait = over / (cfg.ratesPerMilli[i] * st.mult)
      if wait > cfg.lookaheadMillis and wait > eta then eta = wait end
    end
  end
  -- A slot comes back when a call ends, which nobody can predict; settle pumps the queue.
  if cfg.maxConcurrency > 0 then trimLeases() end
  if cfg.maxConcurrency > 0 and redis.call('ZCARD', L) >= cfg.maxConcurrency then return -1 end
  return eta
end

-- Waiting tickets other than tk, of a strictly higher class, that fit now by the rule the
-- pump applies to its head: the ones tk overtakes if it is admitted now. Read from the
-- tickets themselves, never from the queue's order, so that a broken order shows.
local function overtaken(tk)
  local count = 0
  for _, id in ipairs(redis.call('ZRANGE', Q, 0, -1)) do
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

local function admit(tk)
  if cfg.admissionLogForTests then
    -- Test and benchmark aid, before the charge: what was admitted, and how many
    -- higher-class tickets could have been admitted in its place (an inversion when > 0).
    redis.call('RPUSH', base .. 'log', tk.classRank .. ' ' .. overtaken(tk) .. ' ' .. (tk.sequence or 0) .. ' ' .. tk.id)
    redis.call('PEXPIRE', base .. 'log', 3600000)
  end
  for i = 1, n do consume(i, tk.costs[i]) end
  redis.call('ZADD', L, now + cfg.leaseTimeoutMillis, tk.id)
  redis.call('PEXPIRE', L, cfg.leaseTimeoutMillis * 2)
end

local function notify(worker, msg)
  redis.call('PUBLISH', cfg.channelPrefix .. worker, msg)
end

-- Remove a ticket that leaves without a grant, handing back its user charge.
local function drop(id, tk)
  redis.call('ZREM', Q, id)
  redis.call('HDEL', T, id)
  if tk and tk.user then userCharge(tk.user, negate(tk.user.costs)) end
end

-- The ticket the pump decides on next: the best class, then the oldest. The arrival-order
-- switch, for tests only, takes the oldest of any class instead: a deliberately broken
-- order that the admission log must expose.
local function nextInLine()
  if not cfg.arrivalOrderForTests then return redis.call('ZRANGE', Q, 0, 0)[1] end
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
    for _, id in ipairs(redis.call('ZRANGE', Q, 0, -1)) do
      local tj = redis.call('HGET', T, id)
      local tk = tj and cjson.decode(tj)
      drop(id, tk)
      if tk then notify(tk.worker, 'E ' .. cfg.pool .. ' ' .. id) end
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
        notify(tk.worker, 'X ' .. cfg.pool .. ' ' .. head)
      else
        local eta = blocked(tk)
        if eta ~= 0 then
          -- Only the head's owner arms a timer; tell it when the head or its ETA changed.
          local at = eta < 0 and -1 or math.ceil(now + eta)
          if tk.worker ~= caller and (st.hn ~= head or math.abs(st.he - at) > 50) then
            notify(tk.worker, 'H ' .. cfg.pool .. ' ' .. (eta < 0 and -1 or math.ceil(eta)) .. ' ' .. head)
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
          notify(tk.worker, 'G ' .. cfg.pool .. ' ' .. head .. ' ' .. tk.sequence)
        end
      end
    end
  end
  return granted
end

local function touchWorker(worker)
  -- Readers compare a worker's expiry with now, so dead workers only take space: they are
  -- dropped when a worker joins, the only time the set grows.
  if redis.call('ZADD', W, now + cfg.workerTtlMillis, worker) == 1 then
    redis.call('ZREMRANGEBYSCORE', W, '-inf', now - cfg.workerTtlMillis * 2)
  end
  redis.call('PEXPIRE', W, cfg.workerTtlMillis * 4)
end

local function extendTtl(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, math.ceil(ms)) end
end

local function contains(list, id)
  for _, v in ipairs(list) do if v == id then return true end end
  return false
end

-- The head's delay and id, when the head belongs to the calling worker: it arms the timer.
local function headOf(worker, tk, eta)
  if tk and tk.worker == worker then return eta < 0 and -1 or math.ceil(eta), tk.id end
  return -2, ''
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
      if top[2] then st.seq = math.max(st.seq, tonumber(top[2]) - c * CLASS) end
    end
  end
  st.seq = st.seq + 1
  dirty = true
  return st.seq
end

-- An arrival this pool never issued (another pool's, or one from before the state was lost)
-- is a new arrival: it must never jump ahead, nor reach into another class's scores.
local function arrival(tk)
  if tk.arrival and tk.arrival > 0 and tk.arrival <= st.seq then return tk.arrival end
  return nextSequence()
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
  if fb.kind == 'rate-limited' then
    local retryAfter = fb.retryAfterMillis
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
    dirty = true
  elseif fb.kind == 'exhausted' then
    -- The provider quota is used up: mark the pool for the fleet; pump fails the waiting.
    local untilMs = math.ceil(now + fb.retryAfterMillis)
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
      dirty = true
    end
  end
end

local result

if op == 'acquire' then
  local tk = args
  touchWorker(tk.worker)
  tk.deadline = now + tk.maxWaitMillis
  local rank = tk.classRank
  if st.ex > now then
    result = {'R', 'QUOTA_EXHAUSTED', delay(st.ex - now)}
  elseif tk.user then
    -- Per-user caps are a gate at arrival: a user over its quota never blocks the queue.
    local ueta = userEta(tk.user)
    if ueta > 0 then result = {'R', 'USER_LIMIT', delay(ueta)} end
  end
  if not result and redis.call('ZCARD', Q) == 0 then
    local eta = blocked(tk)
    if eta == 0 then
      local a = arrival(tk)
      admit(tk)
      result = {'G', a}
    elseif tk.maxWaitMillis <= 0 or (eta > tk.maxWaitMillis) then
      result = {'R', 'DEADLINE', eta < 0 and -1 or delay(eta)}
    end
  end
  if not result then
    local inClass = redis.call('ZCOUNT', Q, rank * CLASS, (rank + 1) * CLASS - 1)
    if inClass >= (cfg.queueCapacities[rank + 1] or 0) then
      result = {'R', 'QUEUE_FULL', delay(blocked(tk))}
    elseif redis.call('ZCARD', Q) >= cfg.totalQueueCapacity then
      local last = redis.call('ZRANGE', Q, -1, -1, 'WITHSCORES')
      if math.floor(tonumber(last[2]) / CLASS) > rank then
        -- Shed the lowest-ranked ticket only when it is strictly lower in class.
        local vj = redis.call('HGET', T, last[1])
        local victim = vj and cjson.decode(vj)
        drop(last[1], victim)
        if victim then notify(victim.worker, 'S ' .. cfg.pool .. ' ' .. last[1]) end
      else
        result = {'R', 'QUEUE_FULL', delay(blocked(tk))}
      end
    end
  end
  if not result then
    tk.sequence = arrival(tk)
    dirty = true
    redis.call('ZADD', Q, rank * CLASS + tk.sequence, tk.id)
    if tk.user then
      -- cjson writes numbers with 14 digits; a refund of this ticket must drain the user's
      -- buckets at their exact rates, so they travel as text (Lua does arithmetic on it).
      for i = 1, #tk.user.fields do
        tk.user.capacities[i] = string.format('%.17g', tk.user.capacities[i])
        tk.user.ratesPerMilli[i] = string.format('%.17g', tk.user.ratesPerMilli[i])
      end
    end
    redis.call('HSET', T, tk.id, cjson.encode(tk))
    -- Never shorten: the queue must outlive the longest deadline in it.
    extendTtl(Q, tk.maxWaitMillis + cfg.workerTtlMillis * 4)
    extendTtl(T, tk.maxWaitMillis + cfg.workerTtlMillis * 4)
    local granted, head, eta = pump(tk.worker, tk.id)
    if contains(granted, tk.id) then
      result = {'G', tk.sequence}
    elseif tk.maxWaitMillis <= 0 or (head and head.id == tk.id and eta > tk.maxWaitMillis) then
      -- Waiting cannot help: fail fast, hold nothing.
      redis.call('ZREM', Q, tk.id)
      redis.call('HDEL', T, tk.id)
      result = {'R', 'DEADLINE', eta and delay(eta) or delay(blocked(tk))}
    else
      local delayMs, headId = headOf(tk.worker, head, eta)
      result = {'W', delayMs, headId, tk.sequence}
    end
  end
  if tk.user and (result[1] == 'G' or result[1] == 'W') then userCharge(tk.user, tk.user.costs) end
elseif op == 'settle' then
  local score = redis.call('ZSCORE', L, args.id)
  -- A lease expires at its score, whether or not it was trimmed yet.
  if score and tonumber(score) <= now then score = nil end
  local admittedAt = score and (tonumber(score) - cfg.leaseTimeoutMillis) or nil
  redis.call('ZREM', L, args.id)
  redis.call('DEL', base .. 'g:' .. args.id)
  for i = 1, n do
    -- Usage above the reservation is debt, bounded to one extra bucket.
    local delta = args.deltas[i] or 0
    local bounded = math.min(math.max(st.used[i] + delta, 0), cfg.capacities[i] * st.mult * 2)
    consume(i, bounded - st.used[i])
  end
  if args.user then userCharge(args.user, args.user.deltas) end
  feedback(args.feedback, admittedAt, args.model)
  pump('', '')
  result = {'OK'}
elseif op == 'cancel' then
  local tj = redis.call('HGET', T, args.id)
  if tj then
    drop(args.id, cjson.decode(tj))
    result = {'C'}
  else
    local gj = redis.call('GET', base .. 'g:' .. args.id)
    if gj then
      -- Granted while the owner gave up: hand everything back.
      local tk = cjson.decode(gj)
      for i = 1, n do consume(i, -math.min(tk.costs[i], st.used[i])) end
      if tk.user then userCharge(tk.user, negate(tk.user.costs)) end
      redis.call('ZREM', L, args.id)
      redis.call('DEL', base .. 'g:' .. args.id)
      result = {'R'}
    else
      result = {'N'}
    end
  end
  pump('', '')
elseif op == 'poll' then
  touchWorker(args.worker)
  local _, head, eta = pump(args.worker, '')
  local states = {}
  for _, id in ipairs(args.ids) do
    if redis.call('HEXISTS', T, id) == 1 then
      states[#states + 1] = 'W'
    elseif redis.call('EXISTS', base .. 'g:' .. id) == 1 then
      states[#states + 1] = 'G'
    elseif st.ex > now then
      states[#states + 1] = 'E'
    else
      states[#states + 1] = 'X'
    end
  end
  local delayMs, headId = headOf(args.worker, head, eta)
  result = {'P', delayMs, table.concat(states, ''), headId}
elseif op == 'snapshot' then
  -- The usage rings as field, value pairs ("s3", "m42"), without the configs beside them.
  local function rings()
    local names = {}
    for i = 0, 6 do names[#names + 1] = 's' .. i end
    for i = 0, 59 do names[#names + 1] = 'm' .. i end
    local values = redis.call('HMGET', M, unpack(names))
    local out = {}
    for i, name in ipairs(names) do
      if values[i] then
        out[#out + 1] = name
        out[#out + 1] = values[i]
      end
    end
    return out
  end
  -- Read-only: buckets, queue per class, in-flight, cooldowns and the usage rings.
  local used = {}
  for i = 1, n do used[i] = string.format('%.3f', st.used[i]) end
  local queued = {}
  for c = 0, #cfg.reserves - 1 do
    queued[#queued + 1] = redis.call('ZCOUNT', Q, c * CLASS, (c + 1) * CLASS - 1)
  end
  local head = -2
  if redis.call('ZCARD', Q) > 0 and st.he then head = st.he < 0 and -1 or math.max(st.he - now, 0) end
  local cooldowns = {}
  for _, model in ipairs(args.models or {}) do
    -- Whole milliseconds, rounded up: the list is text, and a cooling model never reads 0.
    cooldowns[#cooldowns + 1] = math.ceil(math.max(modelCooldown(model) - now, 0))
  end
  -- A lease expires at its score, as every other call removes it then: count only later ones.
  local inFlight = redis.call('ZCOUNT', L, string.format('(%.3f', now), '+inf')
  result = {'S', string.format('%.3f', now), table.concat(used, ','), table.concat(queued, ','),
    inFlight, string.format('%.6f', st.mult), math.max(st.cool - now, 0), math.ceil(head),
    table.concat(cooldowns, ','), rings(), redis.call('ZCOUNT', W, now, '+inf'),
    math.ceil(math.max(st.ex - now, 0)), st.ex > now and st.exr or ''}
else
  return redis.error_reply('llm-quota: unknown op ' .. tostring(op))
end

save()
return result
