-- Counts its runs in KEYS[1] and replies with the count. With ARGV[1] = 'fail' it then
-- fails on a command after its write, as a script error in production would.
local runs = redis.call('INCR', KEYS[1])
if ARGV[1] == 'fail' then
  return redis.call('LPUSH', KEYS[1], 'not a list')
end
return { runs }
