-- The batch valve's ledger: deferred calls, the provider batches they went into and
-- their results, shared by the fleet. Every key of a pool shares its hash tag; KEYS[1]
-- is the ledger's base key (<prefix>:{pool}:b) and the script names the rest from it:
--   :p  pending calls        zset  call id -> when deferred (ms)
--   :i  call bodies          hash  call id -> provider request body (JSON)
--   :o  call owners          hash  call id -> owner (the instance whose caller waits)
--   :x  calls being sent     zset  call id -> when the sender's claim runs out (ms)
--   :w  call input tokens    hash  call id -> its input tokens, where counted (OpenAI's queue
--                                  limit is in enqueued input tokens); absent counts as 0
--   :s  state                hash  queued -> calls in the provider's processing queue,
--                                  tokens -> their input tokens
--   :k  batches              hash  batch id -> "<poll delay ms>;<id>,<id>,..."
--   :d  batch polls          zset  batch id -> when it is next due (ms)
--   :a  owners alive         zset  owner -> last beat (ms)
--   :r:<owner> results       hash  call id -> result, until its owner claims it
-- Ops (ARGV[1]):
--   defer id owner body [tokens]            -> {'DEFERRED'}
--   take maxSize maxAgeMs queueLimit claimMs [tokenLimit]
--                                           -> {'TAKEN', id, body, ...} |
--                                              {'WAIT', ms} | {'FULL'} | {'EMPTY'}
--        (tokenLimit bounds the queue's input tokens; absent, they are not bounded)
--   submitted batchId pollDelayMs id...     -> {'OK'}
--   untake id...                            -> {'OK'} (the provider refused the batch)
--   due leaseMs                             -> {'DUE', batchId, delayMs, ids} | {'NONE'}
--   later batchId delayMs                   -> {'OK'}
--   complete batchId (id result)...         -> {'COMPLETED'} | {'ALREADY'}
--   requeue batchId                         -> {'REQUEUED'} | {'ALREADY'} (the provider ended
--                                              the batch unrun: its calls go back to pending)
--   claim owner                             -> {id, result, ...}
--   orphans owner staleMs                   -> {id, result, ...} of owners gone silent
local base = KEYS[1]
local op = ARGV[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local pending, bodies, owners = base .. ':p', base .. ':i', base .. ':o'
local sending, state, batches = base .. ':x', base .. ':s', base .. ':k'
local weights = base .. ':w'
local polls, alive = base .. ':d', base .. ':a'

local function results(owner)
  return base .. ':r:' .. owner
end

-- Provider batches finish within 24 hours: two days bounds every key of a ledger that
-- stopped being used, renewed on each write.
local LIFETIME = 172800000

local function keep(...)
  for _, key in ipairs({ ... }) do
    redis.call('PEXPIRE', key, LIFETIME)
  end
end

-- A call leaves the processing queue: its count and its input tokens.
local function dequeue(id)
  redis.call('HINCRBY', state, 'queued', -1)
  local w = tonumber(redis.call('HGET', weights, id) or '0')
  if w > 0 then
    redis.call('HINCRBY', state, 'tokens', 0 - w)
  end
end

-- A batch's record, "<poll delay ms>;<id>,<id>,...": its poll delay and its call ids.
local function parse(record)
  local sep = string.find(record, ';', 1, true)
  return string.sub(record, 1, sep - 1), string.sub(record, sep + 1)
end

-- The provider is done with a batch: its record and poll go, and each of its calls
-- leaves the processing queue and is then handed to each(id). False when the batch was
-- closed already.
local function closeBatch(batchId, each)
  local record = redis.call('HGET', batches, batchId)
  if not record then
    return false
  end
  local _, list = parse(record)
  for id in string.gmatch(list, '[^,]+') do
    dequeue(id)
    each(id)
  end
  redis.call('HDEL', batches, batchId)
  redis.call('ZREM', polls, batchId)
  return true
end

local function claimAll(key)
  local all = redis.call('HGETALL', key)
  redis.call('DEL', key)
  return all
end

if op == 'defer' then
  local id, owner = ARGV[2], ARGV[3]
  redis.call('ZADD', pending, now, id)
  redis.call('HSET', bodies, id, ARGV[4])
  redis.call('HSET', owners, id, owner)
  redis.call('ZADD', alive, now, owner)
  if tonumber(ARGV[5] or '0') > 0 then
    redis.call('HSET', weights, id, ARGV[5])
    keep(weights)
  end
  keep(pending, bodies, owners, alive)
  return { 'DEFERRED' }
end

if op == 'take' then
  local maxSize, maxAge = tonumber(ARGV[2]), tonumber(ARGV[3])
  local limit, claim = tonumber(ARGV[4]), tonumber(ARGV[5])
  -- Calls whose sender died between taking and recording the batch go back to pending.
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', sending, '-inf', now)) do
    redis.call('ZREM', sending, id)
    redis.call('ZADD', pending, 0, id)
    dequeue(id)
  end
  local n = redis.call('ZCARD', pending)
  if n == 0 then
    return { 'EMPTY' }
  end
  local oldest = tonumber(redis.call('ZRANGE', pending, 0, 0, 'WITHSCORES')[2])
  if n < maxSize and now - oldest < maxAge then
    return { 'WAIT', oldest + maxAge - now }
  end
  local room = limit - tonumber(redis.call('HGET', state, 'queued') or '0')
  local k = math.min(n, maxSize, room)
  if k <= 0 then
    return { 'FULL' }
  end
  -- In deferral order, as long as the queue's input tokens stay within their limit; a
  -- call larger than the whole limit still goes alone into an empty queue, so that it
  -- never blocks the calls behind it.
  local tokenRoom = tonumber(ARGV[6] or '-1')
  if tokenRoom >= 0 then
    tokenRoom = tokenRoom - tonumber(redis.call('HGET', state, 'tokens') or '0')
  end
  local empty = tonumber(redis.call('HGET', state, 'queued') or '0') == 0
  local reply, taken, tokens = { 'TAKEN' }, 0, 0
  for _, id in ipairs(redis.call('ZRANGE', pending, 0, k - 1)) do
    local w = tonumber(redis.call('HGET', weights, id) or '0')
    if tokenRoom >= 0 and tokens + w > tokenRoom and not (empty and taken == 0) then
      break
    end
    redis.call('ZREM', pending, id)
    redis.call('ZADD', sending, now + claim, id)
    reply[#reply + 1] = id
    reply[#reply + 1] = redis.call('HGET', bodies, id)
    taken, tokens = taken + 1, tokens + w
  end
  if taken == 0 then
    return { 'FULL' }
  end
  redis.call('HINCRBY', state, 'queued', taken)
  redis.call('HINCRBY', state, 'tokens', tokens)
  keep(sending, state)
  return reply
end

if op == 'submitted' then
  local ids = {}
  for i = 4, #ARGV do
    redis.call('ZREM', sending, ARGV[i])
    ids[#ids + 1] = ARGV[i]
  end
  redis.call('HSET', batches, ARGV[2], ARGV[3] .. ';' .. table.concat(ids, ','))
  redis.call('ZADD', polls, now + tonumber(ARGV[3]), ARGV[2])
  keep(batches, polls)
  return { 'OK' }
end

if op == 'untake' then
  for i = 2, #ARGV do
    if redis.call('ZREM', sending, ARGV[i]) == 1 then
      redis.call('ZADD', pending, 0, ARGV[i])
      dequeue(ARGV[i])
    end
  end
  return { 'OK' }
end

if op == 'due' then
  local first = redis.call('ZRANGEBYSCORE', polls, '-inf', now, 'LIMIT', 0, 1)[1]
  if not first then
    return { 'NONE' }
  end
  -- Claimed for the lease, so that one instance polls it at a time.
  redis.call('ZADD', polls, now + tonumber(ARGV[2]), first)
  local record = redis.call('HGET', batches, first)
  if not record then
    redis.call('ZREM', polls, first)
    return { 'NONE' }
  end
  local delay, list = parse(record)
  return { 'DUE', first, delay, list }
end

if op == 'later' then
  local record = redis.call('HGET', batches, ARGV[2])
  if record then
    local _, list = parse(record)
    redis.call('HSET', batches, ARGV[2], ARGV[3] .. ';' .. list)
    redis.call('ZADD', polls, now + tonumber(ARGV[3]), ARGV[2])
  end
  return { 'OK' }
end

if op == 'complete' then
  local closed = closeBatch(ARGV[2], function(id)
    redis.call('HDEL', weights, id)
  end)
  if not closed then
    return { 'ALREADY' }
  end
  for i = 3, #ARGV, 2 do
    local id = ARGV[i]
    local owner = redis.call('HGET', owners, id)
    if owner then
      redis.call('HSET', results(owner), id, ARGV[i + 1])
      keep(results(owner))
      redis.call('HDEL', owners, id)
      redis.call('HDEL', bodies, id)
    end
  end
  return { 'COMPLETED' }
end

if op == 'requeue' then
  local closed = closeBatch(ARGV[2], function(id)
    redis.call('ZADD', pending, 0, id)
  end)
  if not closed then
    return { 'ALREADY' }
  end
  keep(pending)
  return { 'REQUEUED' }
end

if op == 'claim' then
  redis.call('ZADD', alive, now, ARGV[2])
  return claimAll(results(ARGV[2]))
end

if op == 'orphans' then
  local reply = {}
  for _, owner in ipairs(redis.call('ZRANGEBYSCORE', alive, '-inf', now - tonumber(ARGV[3]))) do
    if owner ~= ARGV[2] then
      for _, v in ipairs(claimAll(results(owner))) do
        reply[#reply + 1] = v
      end
      -- Gone only once nothing of it waits any more: a call still pending or in a batch
      -- keeps its owner listed, so its result is claimed here later.
      if redis.call('HLEN', owners) == 0 then
        redis.call('ZREM', alive, owner)
      end
    end
  end
  return reply
end

return redis.error_reply('unknown op ' .. tostring(op))
