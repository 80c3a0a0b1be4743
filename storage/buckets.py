"""The token buckets every process shares (bot.services.pacing.BucketStore), in Redis.

One hash per lane (`tokens`, `at`), changed by one Lua script, so a refill and a take are one
atomic step on Redis's own clock: the workers' clocks never enter. A lane nobody used for
long enough to be full again expires (a chat's lane does not linger).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis

PREFIX = "ducu:pace:"
# KEYS[1]: the lane; ARGV: rate, burst, what ("take", "give" or "hold"), seconds (a hold's).
# Returns the seconds to wait for a token taken (0 otherwise), as text (Lua numbers would be
# cut to integers on the way out).
SCRIPT = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if ARGV[3] == 'take' then
  tokens = tokens - 1
  if tokens < 0 then wait = -tokens / rate end
elseif ARGV[3] == 'give' then
  tokens = math.min(burst, tokens + 1)
else
  tokens = math.min(tokens, 1 - tonumber(ARGV[4]) * rate)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.9f', tokens),
           'at', string.format('%.6f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(((burst - tokens) / rate + 1) * 1000))
return string.format('%.9f', wait)
"""


class RedisBuckets:
    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis  # only a deployment that shares a pace needs it

        self._redis: Redis = Redis.from_url(url)
        self._script = self._redis.register_script(SCRIPT)

    async def _run(self, lane: str, rate: float, burst: float, what: str, seconds: float = 0):
        return float(await self._script(keys=[PREFIX + lane], args=[rate, burst, what, seconds]))

    async def reserve(self, lane: str, rate: float, burst: float) -> float:
        return await self._run(lane, rate, burst, "take")

    async def give_back(self, lane: str, rate: float, burst: float) -> None:
        await self._run(lane, rate, burst, "give")

    async def hold(self, lane: str, rate: float, burst: float, seconds: float) -> None:
        await self._run(lane, rate, burst, "hold", seconds)

    async def close(self) -> None:
        await self._redis.aclose()
