/**
 * The lifecycle scripts. Each touches the keys of one stream only (one Cluster slot), and each is
 * atomic: of several processes racing to claim, end or cancel a stream, exactly one wins.
 * Numbers go out with `%d`: Lua's `tostring` switches to exponent notation past 14 digits.
 */
import { LuaScript } from '../lua-script.ts';

/** KEYS: rec, done. ARGV: type, owner, now, record ttl, metadata json. Returns 1 when created. */
export const REGISTER = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], 'type', ARGV[1], 'owner', ARGV[2], 'state', 'active', 'startedAt', ARGV[3],
  'lastHeartbeat', ARGV[3], 'updatedAt', ARGV[3], 'cancel', '0', 'metadata', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`);

/** KEYS: rec. ARGV: now, record ttl. Returns the owner when the stream is active, else false. */
export const HEARTBEAT = new LuaScript(`
if redis.call('HGET', KEYS[1], 'state') ~= 'active' then return false end
redis.call('HSET', KEYS[1], 'lastHeartbeat', ARGV[1], 'updatedAt', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('HGET', KEYS[1], 'owner')
`);

/**
 * The state as readers see it (settled-state.ts in core): an ended stream whose completion was
 * kept (`done` = 1) reads `expired` once Redis dropped the completion key. KEYS[1] rec, KEYS[2] done.
 */
const SETTLED_STATE = `
local function settled(state)
  if state == 'completed' or state == 'failed' or state == 'orphaned' then
    if redis.call('HGET', KEYS[1], 'done') == '1' and redis.call('EXISTS', KEYS[2]) == 0 then return 'expired' end
  end
  return state
end
`;

/** KEYS: rec, done. Returns {} when there is no record, else {settled state, field, value, …}. */
export const READ = new LuaScript(`${SETTLED_STATE}
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return {} end
local reply = {settled(redis.call('HGET', KEYS[1], 'state'))}
for _, v in ipairs(fields) do reply[#reply + 1] = v end
return reply
`);

/**
 * KEYS: rec, done. ARGV: state, now, record ttl, expected state or ''. Returns false when nothing
 * changed, else {last heartbeat, owner}: to put a stream that is active again back in the active
 * index, and to renew the owner's index with the record.
 */
export const SET_STATE = new LuaScript(`${SETTLED_STATE}
local current = redis.call('HGET', KEYS[1], 'state')
if not current then return false end
if ARGV[4] ~= '' and settled(current) ~= ARGV[4] then return false end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'updatedAt', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {redis.call('HGET', KEYS[1], 'lastHeartbeat'), redis.call('HGET', KEYS[1], 'owner')}
`);

/** KEYS: rec, done. ARGV: completion json, completion ttl, terminal state, now, record ttl. Returns the owner when the record left `active`, else 0. */
export const COMPLETE = new LuaScript(`
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 0 end
-- From here on, the record reads as expired once Redis drops the completion key.
redis.call('HSET', KEYS[1], 'done', '1')
if state ~= 'active' then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[3], 'updatedAt', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return redis.call('HGET', KEYS[1], 'owner')
`);

/**
 * KEYS: rec. ARGV: cutoff, now, record ttl.
 * Returns {0} (gone or not active: drop from the index), {1, lastHeartbeat} (fresh: the index
 * lagged) or {2, field, value, …} (claimed: now orphaned, with the whole record).
 */
export const CLAIM = new LuaScript(`
local r = redis.call('HMGET', KEYS[1], 'state', 'lastHeartbeat')
if r[1] ~= 'active' then return {0} end
if tonumber(r[2]) > tonumber(ARGV[1]) then return {1, r[2]} end
redis.call('HSET', KEYS[1], 'state', 'orphaned', 'updatedAt', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local reply = {2}
for _, v in ipairs(redis.call('HGETALL', KEYS[1])) do reply[#reply + 1] = v end
return reply
`);

/** KEYS: rec. ARGV: now, record ttl. Returns the owner when the flag was set, else 0. */
export const REQUEST_CANCEL = new LuaScript(`
if redis.call('HGET', KEYS[1], 'state') ~= 'active' then return 0 end
redis.call('HSET', KEYS[1], 'cancel', '1', 'updatedAt', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('HGET', KEYS[1], 'owner')
`);

/**
 * KEYS: active index. ARGV: stream id, cutoff. Drops the entry only while its score is still at
 * or below the cutoff, so a stream registered again meanwhile keeps its fresh entry.
 */
export const DROP_IF_STALE = new LuaScript(`
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) <= tonumber(ARGV[2]) then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
`);
