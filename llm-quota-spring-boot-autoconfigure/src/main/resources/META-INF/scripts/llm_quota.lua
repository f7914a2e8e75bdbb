-- llm-quota: the whole fleet-wide decision for one pool, in one atomic call.
--
-- KEYS (all share the pool's hash tag, so the script is single-slot on Redis Cluster):
--   1 state  HASH  per dimension: used level and its timestamp; seq; mult; cool; head note
--   2 queue  ZSET  waiting tickets, score = class rank * 2^40 + sequence
--   3 tickets HASH ticket id -> ticket JSON
--   4 leases ZSET  in-flight lease id -> hard expiry (concurrency and crash reclaim)
--   5 workers ZSET worker id -> liveness expiry
-- Grant records live at <base>g:<ticket id>, <base> being KEYS[1] without its last letter.
--
-- ARGV: 1 op (acquire | settle | cancel | poll), 2 pool config JSON, 3 op arguments JSON,
--       4 "now" in ms for tests only (empty: use Redis TIME).
--
-- Buckets hold a "used" level that drains continuously at rate units/ms (equivalent to a
-- token bucket refilling at that rate). A ticket fits a dimension when
--   used + min(cost, allowed) <= allowed,   allowed = capacity * mult * (1 - reserve(class))
-- so a request larger than the bucket is still admitted once the bucket is empty, and
-- lower classes cannot drain the part of the bucket reserved for higher ones.

if redis.replicate_commands then pcall(redis.replicate_commands) end

local S, Q, T, L, W = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local base = string.sub(S, 1, -2)
local op = ARGV[1]
local cfg = cjson.decode(ARGV[2])
local args = cjson.decode(ARGV[3])
local CLASS = 1099511627776 -- 2^40
local MAX_PUMP = 32

local now
if ARGV[4] ~= nil and ARGV[4] ~= '' then
  now = tonumber(ARGV[4])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end

local dims = cfg.dim
local n = #dims

-- Load every bucket once, drained to now; written back once at the end.
local st = {}
do
  local fields = {'mult', 'cool', 'hn', 'he'}
  for i = 1, n do
    fields[#fields + 1] = dims[i]
    fields[#fields + 1] = dims[i] .. '@'
  end
  local v = redis.call('HMGET', S, unpack(fields))
  st.mult = tonumber(v[1]) or 1
  st.cool = tonumber(v[2]) or 0
  st.hn = v[3]
  st.he = tonumber(v[4]) or 0
  st.used = {}
  for i = 1, n do
    local u = tonumber(v[3 + 2 * i]) or 0
    local at = tonumber(v[4 + 2 * i]) or now
    if at < now then
      u = u - (now - at) * cfg.rate[i] * st.mult
      if u < 0 then u = 0 end
    end
    st.used[i] = u
  end
end
local dirty = false

local function save()
  if not dirty then return end
  local kv = {'mult', st.mult, 'cool', st.cool}
  local ttl = 60000
  for i = 1, n do
    kv[#kv + 1] = dims[i]
    kv[#kv + 1] = string.format('%.6f', st.used[i])
    kv[#kv + 1] = dims[i] .. '@'
    kv[#kv + 1] = string.format('%.3f', now)
    local drain = st.used[i] / (cfg.rate[i] * st.mult)
    if drain > ttl then ttl = drain end
  end
  if st.cool - now > ttl then ttl = st.cool - now end
  redis.call('HSET', S, unpack(kv))
  -- The sequence and head note ride along; an idle pool's state expires once every bucket
  -- has drained, which is exactly when forgetting it loses nothing.
  redis.call('PEXPIRE', S, math.ceil(ttl + cfg.lease))
end

-- How long until the ticket fits: 0 = now, -1 = unknown (waits for a lease to end).
local function blocked(tk)
  local eta = 0
  if st.cool > now then eta = st.cool - now end
  local allowedShare = 1 - (cfg.res[tk.c + 1] or 0)
  for i = 1, n do
    local allowed = cfg.cap[i] * st.mult * allowedShare
    local need = tk.k[i]
    if need > allowed then need = allowed end
    local over = st.used[i] + need - allowed
    if over > 1e-9 then
      local wait = over / (cfg.rate[i] * st.mult)
      if wait > eta then eta = wait end
    end
  end
  -- A slot comes back when a call ends, which nobody can predict; settle pumps the queue.
  if cfg.conc > 0 and redis.call('ZCARD', L) >= cfg.conc then return -1 end
  return eta
end

local function admit(tk)
  for i = 1, n do
    st.used[i] = st.used[i] + tk.k[i]
  end
  dirty = true
  redis.call('ZADD', L, now + cfg.lease, tk.id)
  redis.call('PEXPIRE', L, cfg.lease * 2)
end

local function notify(worker, msg)
  redis.call('PUBLISH', cfg.ch .. worker, msg)
end

local function unqueue(id)
  redis.call('ZREM', Q, id)
  redis.call('HDEL', T, id)
end

-- Admit from the head while the head fits; nobody overtakes it. Returns the ids granted
-- and, when the head is blocked, its ticket and how long until it fits. The caller's own
-- ticket (own) and head news for the calling worker (caller) travel in the reply instead of
-- over pub/sub.
local function pump(caller, own)
  local granted = {}
  for _ = 1, MAX_PUMP do
    local head = redis.call('ZRANGE', Q, 0, 0)[1]
    if not head then return granted end
    local tj = redis.call('HGET', T, head)
    if not tj then
      redis.call('ZREM', Q, head)
    else
      local tk = cjson.decode(tj)
      local alive = tonumber(redis.call('ZSCORE', W, tk.w) or '0')
      if tk.dl < now or alive < now then
        -- An expired ticket or a dead worker's ticket must never block live requests.
        unqueue(head)
        notify(tk.w, 'X ' .. cfg.pool .. ' ' .. head)
      else
        local eta = blocked(tk)
        if eta ~= 0 then
          -- Only the head's owner arms a timer; tell it when the head or its ETA changed.
          local at = eta < 0 and -1 or math.ceil(now + eta)
          if tk.w ~= caller and (st.hn ~= head or math.abs(st.he - at) > 50) then
            notify(tk.w, 'H ' .. cfg.pool .. ' ' .. (eta < 0 and -1 or math.ceil(eta)))
          end
          if st.hn ~= head or st.he ~= at then
            st.hn, st.he = head, at
            redis.call('HSET', S, 'hn', head, 'he', at)
            dirty = true
          end
          return granted, tk, eta
        end
        admit(tk)
        unqueue(head)
        granted[#granted + 1] = head
        if head ~= own then
          -- The grant record lets a late cancel hand the capacity back, and a heartbeat
          -- recover a lost message.
          redis.call('SET', base .. 'g:' .. head, tj, 'PX', cfg.lease)
          notify(tk.w, 'G ' .. cfg.pool .. ' ' .. head)
        end
      end
    end
  end
  return granted
end

local function touchWorker(worker)
  redis.call('ZADD', W, now + cfg.wttl, worker)
  redis.call('PEXPIRE', W, cfg.wttl * 4)
  redis.call('ZREMRANGEBYSCORE', W, '-inf', now - cfg.wttl * 2)
end

local function reclaim()
  redis.call('ZREMRANGEBYSCORE', L, '-inf', now)
end

local function extendTtl(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, math.ceil(ms)) end
end

local function contains(list, id)
  for _, v in ipairs(list) do if v == id then return true end end
  return false
end

local function headDelay(worker, tk, eta)
  if tk and tk.w == worker then return eta < 0 and -1 or math.ceil(eta) end
  return -2
end

local result
reclaim()

if op == 'acquire' then
  local tk = args
  touchWorker(tk.w)
  tk.dl = now + tk.mw
  local rank = tk.c
  if redis.call('ZCARD', Q) == 0 then
    local eta = blocked(tk)
    if eta == 0 then
      admit(tk)
      result = {'G'}
    elseif tk.mw <= 0 or (eta > tk.mw) then
      result = {'R', 'DEADLINE', eta < 0 and -1 or math.ceil(eta)}
    end
  end
  if not result then
    local inClass = redis.call('ZCOUNT', Q, rank * CLASS, (rank + 1) * CLASS - 1)
    if inClass >= (cfg.qcap[rank + 1] or 0) then
      result = {'R', 'QUEUE_FULL', math.ceil(math.max(blocked(tk), 0))}
    elseif redis.call('ZCARD', Q) >= cfg.tq then
      local last = redis.call('ZRANGE', Q, -1, -1, 'WITHSCORES')
      if math.floor(tonumber(last[2]) / CLASS) > rank then
        -- Shed the lowest-ranked ticket only when it is strictly lower in class.
        local vj = redis.call('HGET', T, last[1])
        unqueue(last[1])
        if vj then notify(cjson.decode(vj).w, 'S ' .. cfg.pool .. ' ' .. last[1]) end
      else
        result = {'R', 'QUEUE_FULL', math.ceil(math.max(blocked(tk), 0))}
      end
    end
  end
  if not result then
    local seq = redis.call('HINCRBY', S, 'seq', 1)
    dirty = true
    redis.call('ZADD', Q, rank * CLASS + seq, tk.id)
    redis.call('HSET', T, tk.id, cjson.encode(tk))
    -- Never shorten: the queue must outlive the longest deadline in it.
    extendTtl(Q, tk.mw + cfg.wttl * 4)
    extendTtl(T, tk.mw + cfg.wttl * 4)
    local granted, head, eta = pump(tk.w, tk.id)
    if contains(granted, tk.id) then
      result = {'G'}
    elseif tk.mw <= 0 or (head and head.id == tk.id and eta > tk.mw) then
      -- Waiting cannot help: fail fast, hold nothing.
      unqueue(tk.id)
      result = {'R', 'DEADLINE', eta and math.ceil(math.max(eta, 0)) or math.ceil(math.max(blocked(tk), 0))}
    else
      result = {'W', headDelay(tk.w, head, eta)}
    end
  end
elseif op == 'settle' then
  redis.call('ZREM', L, args.id)
  redis.call('DEL', base .. 'g:' .. args.id)
  for i = 1, n do
    local u = st.used[i] + (args.d[i] or 0)
    if u < 0 then u = 0 end
    -- Usage above the reservation is debt, bounded to one extra bucket.
    local cap = cfg.cap[i] * st.mult * 2
    if u > cap then u = cap end
    st.used[i] = u
  end
  dirty = true
  pump('', '')
  result = {'OK'}
elseif op == 'cancel' then
  if redis.call('HDEL', T, args.id) == 1 then
    redis.call('ZREM', Q, args.id)
    result = {'C'}
  else
    local gj = redis.call('GET', base .. 'g:' .. args.id)
    if gj then
      -- Granted while the owner gave up: hand everything back.
      local tk = cjson.decode(gj)
      for i = 1, n do
        st.used[i] = math.max(0, st.used[i] - tk.k[i])
      end
      dirty = true
      redis.call('ZREM', L, args.id)
      redis.call('DEL', base .. 'g:' .. args.id)
      result = {'R'}
    else
      result = {'N'}
    end
  end
  pump('', '')
elseif op == 'poll' then
  touchWorker(args.w)
  local _, head, eta = pump(args.w, '')
  local states = {}
  for _, id in ipairs(args.ids) do
    if redis.call('HEXISTS', T, id) == 1 then
      states[#states + 1] = 'W'
    elseif redis.call('EXISTS', base .. 'g:' .. id) == 1 then
      states[#states + 1] = 'G'
    else
      states[#states + 1] = 'X'
    end
  end
  result = {'P', headDelay(args.w, head, eta), table.concat(states, '')}
else
  return redis.error_reply('llm-quota: unknown op ' .. tostring(op))
end

save()
return result
