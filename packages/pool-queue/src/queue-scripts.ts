import type { ChainableCommander, Redis } from 'ioredis';

// The queue protocol, as Redis scripts. Each verb that changes more than one key is one script, so the depth
// counter, the lanes and the in-flight records can never disagree, whatever process dies when. Scripts
// touch only keys of one pool (one hash tag); the per-consumer keys they build from the pool prefix are in
// the same slot. Element layout: see queue-element.ts (byte 1 is the id length, the id follows).

// The depth counter is the source of truth on the fast path. When it says "full", the lanes and landing
// lists are counted once (O(lanes + consumers)), in case the counter drifted from what is really queued
// (an administrator deleting a list by hand).
const RECOUNT = `
local function recount(lanesKey, consumersKey, prefix)
  local n = 0
  for _, lane in ipairs(redis.call('SMEMBERS', lanesKey)) do n = n + redis.call('LLEN', lane) end
  for _, c in ipairs(redis.call('HKEYS', consumersKey)) do
    n = n + redis.call('LLEN', prefix .. 'landing:' .. c)
  end
  return n
end
`;

/**
 * admit+enqueue, for a batch of requests of one pool: each is admitted against queueLength and pushed onto
 * its application's lane, or refused. One call per pool per listener event-loop turn.
 * KEYS: depth, lanes, consumers, arrivals(second), rejected, lane 1..L
 * ARGV: queueLength, prefix, demand channel, then (lane index 1..L, element) per request
 * Returns 1 (queued) or 0 (QueueFull) per request, in order.
 */
const ENQUEUE = `${RECOUNT}
local limit = tonumber(ARGV[1])
local depth = tonumber(redis.call('GET', KEYS[1]) or '0')
if depth < 0 then depth = 0 end
local recounted = false
local results, pushes = {}, {}
local admitted, refused = 0, 0
for i = 4, #ARGV, 2 do
  if depth >= limit and not recounted then
    recounted = true
    depth = recount(KEYS[2], KEYS[3], ARGV[2]) + admitted
  end
  if depth < limit then
    depth = depth + 1
    admitted = admitted + 1
    local index = tonumber(ARGV[i])
    local list = pushes[index]
    if not list then
      list = {}
      pushes[index] = list
    end
    list[#list + 1] = ARGV[i + 1]
    results[#results + 1] = 1
  else
    refused = refused + 1
    results[#results + 1] = 0
  end
end
for index, list in pairs(pushes) do
  local lane = KEYS[5 + index]
  redis.call('RPUSH', lane, unpack(list))
  redis.call('SADD', KEYS[2], lane)
end
if admitted > 0 or recounted then redis.call('SET', KEYS[1], depth) end
if admitted > 0 then
  if redis.call('INCRBY', KEYS[4], admitted) == admitted then redis.call('PEXPIRE', KEYS[4], 10000) end
  if redis.call('EXISTS', KEYS[3]) == 0 then redis.call('PUBLISH', ARGV[3], '1') end
end
if refused > 0 then redis.call('INCRBY', KEYS[5], refused) end
return results
`;

/**
 * take (and complete): release the in-flight records of the requests this consumer finished, then take up
 * to `want` requests, first what its blocking wait moved to its landing list, then from its lane, recording
 * each in its in-flight hash (the reliable-queue pattern) and counting them out of the depth.
 * With a resync (after the consumer's connection came back, to a Redis that may have failed over to a
 * replica that missed the last writes), its in-flight hash is first made exactly what it runs: a record of
 * a request it finished before the failover would otherwise stay for good, and its listener would wait
 * for a reply that never comes.
 * A consumer settled as dead takes nothing (-1): it was cut off from Redis past its lease, say, and its
 * requests were answered for it; what its blocking wait moved since goes back to the front of the lane.
 * KEYS: inflight, landing, lane, depth, settled
 * ARGV: want, resync count R (-1: no resync), then R (id, element) it runs, then the ids of completed requests
 * Returns the taken elements, oldest first, or -1.
 */
const TAKE = `
if redis.call('EXISTS', KEYS[5]) == 1 then
  local waiting = redis.call('LRANGE', KEYS[2], 0, -1)
  for i = #waiting, 1, -1 do redis.call('LPUSH', KEYS[3], waiting[i]) end
  redis.call('DEL', KEYS[2])
  return -1
end
local resync = tonumber(ARGV[2])
local first_done = 3
if resync >= 0 then
  redis.call('DEL', KEYS[1])
  if resync > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 3, 2 + 2 * resync)) end
  first_done = 3 + 2 * resync
end
if #ARGV >= first_done then redis.call('HDEL', KEYS[1], unpack(ARGV, first_done)) end
local want = tonumber(ARGV[1])
if want <= 0 then return {} end
local taken = redis.call('LPOP', KEYS[2], want) or {}
if #taken < want then
  local more = redis.call('LPOP', KEYS[3], want - #taken)
  if more then
    for i = 1, #more do taken[#taken + 1] = more[i] end
  end
end
if #taken > 0 then
  local fields = {}
  for i = 1, #taken do
    local element = taken[i]
    fields[#fields + 1] = string.sub(element, 3, 2 + string.byte(element, 2))
    fields[#fields + 1] = element
  end
  redis.call('HSET', KEYS[1], unpack(fields))
  redis.call('DECRBY', KEYS[4], #taken)
end
return taken
`;

/**
 * withdraw or locate one request. `withdraw` takes it back if no consumer has started it (from its lane, or
 * from a landing list: moved by a blocking wait but not yet taken), counting it out; `locate` only looks.
 * Either way, a request that a consumer runs is reported with that consumer and its last heartbeat.
 * KEYS: lane, depth, consumers, seen
 * ARGV: element, the same element with the other retried flag, id, prefix, 'withdraw' | 'locate'
 * Returns {'withdrawn'} | {'queued'} | {'running', consumer, lastSeenMs} | {'gone'}.
 */
const WHEREABOUTS = `
local withdraw = ARGV[5] == 'withdraw'
local function present(key)
  if withdraw then
    local removed = redis.call('LREM', key, 1, ARGV[1])
    if removed == 0 then removed = redis.call('LREM', key, 1, ARGV[2]) end
    return removed > 0
  end
  return redis.call('LPOS', key, ARGV[1]) or redis.call('LPOS', key, ARGV[2])
end
local function found()
  if withdraw then
    redis.call('DECR', KEYS[2])
    return {'withdrawn'}
  end
  return {'queued'}
end
if present(KEYS[1]) then return found() end
local consumers = redis.call('HKEYS', KEYS[3])
for _, c in ipairs(consumers) do
  if present(ARGV[4] .. 'landing:' .. c) then return found() end
end
for _, c in ipairs(consumers) do
  if redis.call('HEXISTS', ARGV[4] .. 'inflight:' .. c, ARGV[3]) == 1 then
    return {'running', c, redis.call('ZSCORE', KEYS[4], c) or '0'}
  end
end
return {'gone'}
`;

/**
 * settleDeadWorker: forget the consumers of a worker that died (ids starting with a prefix, or one exact id),
 * or, with 'silent', every consumer whose last heartbeat is older than a cutoff (its lease expired: its
 * whole host died, or lost Redis). What their blocking waits had moved but they had not started goes back
 * to the front of its lane, still counted; what they were running is returned, for 502.3 or one re-queue.
 * KEYS: consumers, seen
 * ARGV: prefix, consumer id, id prefix or cutoff (ms), 'prefix' | 'exact' | 'silent', demand channel
 */
const SETTLE = `
local held, returned = {}, 0
for _, c in ipairs(redis.call('HKEYS', KEYS[1])) do
  local match = (ARGV[3] == 'exact' and c == ARGV[2]) or
    (ARGV[3] == 'prefix' and string.sub(c, 1, #ARGV[2]) == ARGV[2])
  if ARGV[3] == 'silent' then
    local seen = redis.call('ZSCORE', KEYS[2], c)
    match = seen ~= false and tonumber(seen) < tonumber(ARGV[2])
  end
  if match then
    local lane = redis.call('HGET', KEYS[1], c)
    local landing = ARGV[1] .. 'landing:' .. c
    local waiting = redis.call('LRANGE', landing, 0, -1)
    for i = #waiting, 1, -1 do redis.call('LPUSH', lane, waiting[i]) end
    returned = returned + #waiting
    local inflight = ARGV[1] .. 'inflight:' .. c
    for _, element in ipairs(redis.call('HVALS', inflight)) do held[#held + 1] = element end
    redis.call('DEL', landing, inflight)
    redis.call('HDEL', KEYS[1], c)
    redis.call('ZREM', KEYS[2], c)
    -- If it is alive after all (a worker that was only hung), it must not register again and take more.
    redis.call('SET', ARGV[1] .. 'settled:' .. c, '1', 'PX', 3600000)
  end
end
if returned > 0 and redis.call('EXISTS', KEYS[1]) == 0 then redis.call('PUBLISH', ARGV[4], '1') end
return held
`;

/**
 * requeue: put a request back at the front of its lane (a GET whose worker died, with retryGetOnCrash).
 * It was admitted once already, so queueLength does not apply again.
 * KEYS: lane, depth, lanes, consumers
 * ARGV: element, demand channel
 */
const REQUEUE = `
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[2])
redis.call('SADD', KEYS[3], KEYS[1])
if redis.call('EXISTS', KEYS[4]) == 0 then redis.call('PUBLISH', ARGV[2], '1') end
return 1
`;

/**
 * register: a consumer announces itself (and, after Redis came back empty, restores the in-flight records
 * of the requests it is still running, so they can be located and settled). Refused (-1) for a consumer
 * that was settled as dead: its requests were answered for it.
 * KEYS: consumers, seen, inflight, settled
 * ARGV: consumer id, lane key, now (ms), then (id, element) per request it runs
 */
const REGISTER = `
if redis.call('EXISTS', KEYS[4]) == 1 then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
if #ARGV > 3 then redis.call('HSET', KEYS[3], unpack(ARGV, 4)) end
return 1
`;

/**
 * heartbeat: the consumer is alive. Returns 0 when Redis no longer knows it (it came back empty), so the
 * consumer registers again; -1 when it was settled as dead meanwhile, so it stops taking.
 * KEYS: consumers, seen, settled
 * ARGV: consumer id, now (ms)
 */
const HEARTBEAT = `
if redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return redis.call('HEXISTS', KEYS[1], ARGV[1])
`;

/**
 * give back: a consumer that stops taking returns what its blocking wait moved (to the front of its lane,
 * still counted). With 'unregister' it also forgets the consumer (after it drained its requests).
 * KEYS: landing, lane, consumers, seen, inflight
 * ARGV: consumer id, 'keep' | 'unregister', demand channel
 */
const GIVE_BACK = `
local waiting = redis.call('LRANGE', KEYS[1], 0, -1)
for i = #waiting, 1, -1 do redis.call('LPUSH', KEYS[2], waiting[i]) end
redis.call('DEL', KEYS[1])
if ARGV[2] == 'unregister' then
  redis.call('DEL', KEYS[5])
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('ZREM', KEYS[4], ARGV[1])
end
if #waiting > 0 and redis.call('EXISTS', KEYS[3]) == 0 then redis.call('PUBLISH', ARGV[3], '1') end
return #waiting
`;

type Arg = string | number | Buffer;

/** The scripts as ioredis commands (EVALSHA, with the script sent in full on a fresh connection). */
export interface QueueCommands {
  w3poolEnqueue(numKeys: number, ...args: Arg[]): Promise<number[]>;
  w3poolTakeBuffer(...args: Arg[]): Promise<Buffer[] | -1>;
  w3poolWhereabouts(...args: Arg[]): Promise<[string, string?, string?]>;
  w3poolSettleBuffer(...args: Arg[]): Promise<Buffer[]>;
  w3poolRequeue(...args: Arg[]): Promise<number>;
  w3poolRegister(...args: Arg[]): Promise<number>;
  w3poolHeartbeat(...args: Arg[]): Promise<number>;
  w3poolGiveBack(...args: Arg[]): Promise<number>;
}

/** The same commands queued on a pipeline. */
export interface QueuePipeline extends ChainableCommander {
  w3poolTakeBuffer(...args: Arg[]): QueuePipeline;
}

const defined = new WeakSet<Redis>();

/** Define the scripts on a connection, once. */
export function queueCommands(redis: Redis): Redis & QueueCommands {
  if (!defined.has(redis)) {
    redis.defineCommand('w3poolEnqueue', { lua: ENQUEUE });
    redis.defineCommand('w3poolTake', { numberOfKeys: 5, lua: TAKE });
    redis.defineCommand('w3poolWhereabouts', { numberOfKeys: 4, lua: WHEREABOUTS });
    redis.defineCommand('w3poolSettle', { numberOfKeys: 2, lua: SETTLE });
    redis.defineCommand('w3poolRequeue', { numberOfKeys: 4, lua: REQUEUE });
    redis.defineCommand('w3poolRegister', { numberOfKeys: 4, lua: REGISTER });
    redis.defineCommand('w3poolHeartbeat', { numberOfKeys: 3, lua: HEARTBEAT });
    redis.defineCommand('w3poolGiveBack', { numberOfKeys: 5, lua: GIVE_BACK });
    defined.add(redis);
  }
  return redis as Redis & QueueCommands;
}
