/**
 * The two server-side scripts. Everything that must be atomic for one stream happens inside
 * one script call: epoch creation, idempotency, offsets, XADD, trimming, meta and the
 * notification. Numbers are formatted with `%d` because Lua's default `tostring` switches to
 * exponent notation past 14 digits.
 *
 * KEYS: 1 meta hash, 2 log stream, 3 idempotency hash, 4 idempotency expiry zset.
 */

const PRELUDE = `
local meta, log, idem, idem_exp = KEYS[1], KEYS[2], KEYS[3], KEYS[4]

local function int(n) return string.format('%d', n) end
local function id_of(offset) return int(offset) .. '-0' end
local function offset_of(id) return tonumber(string.match(id, '^(%d+)')) end

-- The meta hash outlives the log. When it is gone (FLUSHALL, eviction, DEL) the log is lost:
-- drop what is left of it and start a new epoch, so old cursors read as another epoch.
local function load_meta(new_epoch)
  local m = redis.call('HMGET', meta, 'epoch', 'head', 'time')
  if m[1] then return m[1], tonumber(m[2]) or 0, tonumber(m[3]) or 0 end
  redis.call('DEL', log, idem, idem_exp)
  redis.call('HSET', meta, 'epoch', new_epoch, 'head', '0', 'time', '0')
  return new_epoch, 0, 0
end

local function oldest_offset()
  local first = redis.call('XRANGE', log, '-', '+', 'COUNT', 1)
  if #first == 0 then return nil end
  return offset_of(first[1][1])
end

-- First retained entry at or after offset: its offset and append time.
local function entry_at_or_after(offset)
  local found = redis.call('XRANGE', log, id_of(offset), '+', 'COUNT', 1)
  if #found == 0 then return nil, nil end
  local fields = found[1][2]
  local time = 0
  for i = 1, #fields, 2 do
    if fields[i] == 't' then time = tonumber(fields[i + 1]) or 0 end
  end
  return offset_of(found[1][1]), time
end

-- Append times never decrease along the log, so expired entries form a prefix of it: binary
-- search for the first young entry (O(log² n)) and cut before it, instead of scanning.
local function trim_by_age(cutoff, head)
  local lo, lo_time = entry_at_or_after(0)
  if not lo or lo_time >= cutoff then return end
  local hi = head + 1
  while hi - lo > 1 do
    local mid = math.floor((lo + hi) / 2)
    local found, time = entry_at_or_after(mid)
    if not found or found >= hi then
      hi = mid
    elseif time >= cutoff then
      hi = found
    else
      lo = found
    end
  end
  redis.call('XTRIM', log, 'MINID', id_of(hi))
end
`;

/**
 * ARGV: 1 new epoch (used only if the stream has none), 2 now (ms), 3 max events (0 = none),
 * 4 max age ms (0 = none), 5 idempotency window ms (0 = off), 6 channel, 7 inline byte limit,
 * 8 deadline in server time (ms, 0 = none), 9 event count, then per event: has-event flag,
 * event, data, idempotency key ('' = none).
 * Returns { server time ms, epoch, stored time ms, offset1, duplicate1, offset2, duplicate2, ... }, or only
 * { server time ms } when the deadline has passed (nothing written: the caller gave up already).
 */
function appendScript(publish: 'PUBLISH' | 'SPUBLISH'): string {
  return `${PRELUDE}
local clock = redis.call('TIME')
local server_ms = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local deadline = tonumber(ARGV[8])
-- A resend after a reconnect, long after the caller was told the append failed: refuse it.
if deadline > 0 and server_ms > deadline then return { server_ms } end

local now = tonumber(ARGV[2])
local max_events = tonumber(ARGV[3])
local max_age = tonumber(ARGV[4])
local window = tonumber(ARGV[5])
local channel = ARGV[6]
local inline_limit = tonumber(ARGV[7])
local count = tonumber(ARGV[9])

local epoch, head, last_time = load_meta(ARGV[1])
-- Clocks of several processes disagree; keeping times monotonic keeps the age trim a prefix.
if now < last_time then now = last_time end
local now_text = int(now)

if window > 0 then
  local expired = redis.call('ZRANGEBYSCORE', idem_exp, '-inf', now_text, 'LIMIT', 0, 256)
  if #expired > 0 then
    redis.call('HDEL', idem, unpack(expired))
    redis.call('ZREM', idem_exp, unpack(expired))
  end
end

local results = { server_ms, epoch, now_text }
local first = head + 1
local remembered = false
local inline = {}
local inline_bytes = 0
for i = 0, count - 1 do
  local base = 10 + i * 4
  local has_event = ARGV[base] == '1'
  local event = ARGV[base + 1]
  local data = ARGV[base + 2]
  local key = ARGV[base + 3]
  local duplicate_of = nil
  if key ~= '' and window > 0 then
    local expires = tonumber(redis.call('ZSCORE', idem_exp, key))
    if expires and expires > now then duplicate_of = tonumber(redis.call('HGET', idem, key)) end
  end
  if duplicate_of then
    results[#results + 1] = duplicate_of
    results[#results + 1] = 1
  else
    head = head + 1
    if has_event then
      redis.call('XADD', log, id_of(head), 't', now_text, 'd', data, 'e', event)
    else
      redis.call('XADD', log, id_of(head), 't', now_text, 'd', data)
    end
    if key ~= '' and window > 0 then
      redis.call('HSET', idem, key, int(head))
      redis.call('ZADD', idem_exp, int(now + window), key)
      remembered = true
    end
    if inline then
      inline_bytes = inline_bytes + #data + #event + 16
      if inline_bytes > inline_limit then
        inline = nil
      elseif has_event then
        inline[#inline + 1] = { d = data, e = event }
      else
        inline[#inline + 1] = { d = data }
      end
    end
    results[#results + 1] = head
    results[#results + 1] = 0
  end
end

if head >= first then
  redis.call('HSET', meta, 'head', int(head), 'time', now_text)
  if max_events > 0 and head - max_events + 1 > 1 then
    redis.call('XTRIM', log, 'MINID', id_of(head - max_events + 1))
  end
  if max_age > 0 then trim_by_age(now - max_age, head) end
  local note = { epoch = epoch, first = int(first), last = int(head), time = now_text }
  if inline then note.events = inline end
  redis.call('${publish}', channel, cjson.encode(note))
end
if remembered then
  redis.call('PEXPIRE', idem, window)
  redis.call('PEXPIRE', idem_exp, window)
end
return results
`;
}

/** Announces appends with classic `PUBLISH` (a cluster broadcasts it to every node). */
export const APPEND_SCRIPT = appendScript('PUBLISH');
/**
 * The same script announcing with `SPUBLISH`: the channel shares the stream's hash tag, so the
 * notification stays on the shard holding the stream (Redis 7). Same arguments, same reply.
 */
export const SHARDED_APPEND_SCRIPT = appendScript('SPUBLISH');

/**
 * ARGV: 1 new epoch (used only if the stream has none), 2 now (ms), 3 max age ms (0 = none).
 * Returns { epoch, head, oldest (-1 when nothing is retained) }.
 */
export const POSITION_SCRIPT = `${PRELUDE}
local epoch, head = load_meta(ARGV[1])
local max_age = tonumber(ARGV[3])
if max_age > 0 then trim_by_age(tonumber(ARGV[2]) - max_age, head) end
return { epoch, head, oldest_offset() or -1 }
`;
