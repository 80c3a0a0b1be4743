"""Staff passwords and signing in to the web console.

Passwords are kept as argon2 hashes (argon2-cffi), hashed and checked in a worker thread so
the event loop keeps serving. A refusal says nothing of which part was wrong: an unknown phone
costs the same hash check as a wrong password. Failed attempts are counted per phone and per
client address (`LoginThrottle`); beyond the limit every attempt is refused unchecked.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.domain.audit import Action, AuditActor
from bot.domain.phones import PhoneError, mask_phone, normalize_phone
from bot.domain.records import StaffMember
from bot.domain.status import STAFF_ROLES
from bot.ports import Clock, UnitOfWorkFactory
from bot.services.staff import record

MIN_PASSWORD = 10
MAX_PASSWORD = 256  # more is no safer, and costs every check to hash
log = logging.getLogger(__name__)


class AccountError(ValueError):
    """A password or user that cannot be set, in words an admin understands."""


class LoginRefused(Exception):
    """Wrong phone or password, or (`throttled`) too many failures: one answer for all."""

    def __init__(self, *, throttled: bool) -> None:
        super().__init__("throttled" if throttled else "refused")
        self.throttled = throttled


def check_password(password: str) -> str:
    if not password:
        raise AccountError("the password is empty")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password is too short: {MIN_PASSWORD} characters at least")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password is too long: {MAX_PASSWORD} characters at most")
    return password


class LoginThrottle:
    """Failed sign-ins per phone and per client address in a sliding window.

    Kept in this process's memory: the counts are lost at a restart and are not shared
    between processes, which is enough while one `ducu serve` process serves the console
    (several web processes would each allow the limit).
    """

    SWEEP_AT = 10_000  # keys kept before expired ones are swept out

    def __init__(
        self,
        *,
        per_phone: int = 5,
        per_address: int = 20,
        window: timedelta = timedelta(minutes=15),
    ) -> None:
        self.window = window
        self._limits = {"phone": per_phone, "address": per_address}
        self._failures: dict[tuple[str, str], deque[datetime]] = {}

    def _recent(self, key: tuple[str, str], now: datetime) -> deque[datetime]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times

    def blocked(self, phone: str, address: str, now: datetime) -> bool:
        keys = {("phone", phone), ("address", address)}
        return any(len(self._recent(key, now)) >= self._limits[key[0]] for key in keys)

    def failed(self, phone: str, address: str, now: datetime) -> None:
        if len(self._failures) >= self.SWEEP_AT:
            for key in list(self._failures):
                self._recent(key, now)
        for key in (("phone", phone), ("address", address)):
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, phone: str) -> None:
        self._failures.pop(("phone", phone), None)


class AccountService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        throttle: LoginThrottle,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._throttle = throttle
        self._hasher = hasher or PasswordHasher()
        self._dummy: str | None = None  # a hash to check when the phone is unknown

    async def set_password(self, actor: AuditActor, user_id: int, password: str) -> StaffMember:
        """Sets a staff member's password (audited, without the password); AccountError for
        a short one or a non-staff id."""
        check_password(password)
        hashed = await asyncio.to_thread(self._hasher.hash, password)
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
            if user is None or user.role not in STAFF_ROLES or not actor.sees(user.court_id):
                raise AccountError(f"there is no staff member {user_id}")
            await uow.users.set_password_hash(user_id, hashed)
            await record(
                uow,
                actor,
                Action.SET_PASSWORD,
                ("user", user_id),
                user.court_id,
                None,
                None,
                self._clock,
            )
            await uow.commit()
        return user

    async def sign_in(self, phone: str, password: str, address: str) -> StaffMember:
        """The staff member with this phone and password; LoginRefused otherwise."""
        now = self._clock.now()
        try:
            phone = normalize_phone(phone)
        except PhoneError:
            phone = phone.strip()[:40]
        if self._throttle.blocked(phone, address, now):
            log.warning("console sign-in throttled for %s from %s", mask_phone(phone), address)
            raise LoginRefused(throttled=True)
        async with self._uow() as uow:
            found = await uow.users.login(phone)
        stored = found[1] if found else await self._dummy_hash()
        if not await asyncio.to_thread(self._verify, stored, password) or found is None:
            self._throttle.failed(phone, address, now)
            log.info("console sign-in refused for %s from %s", mask_phone(phone), address)
            raise LoginRefused(throttled=False)
        self._throttle.succeeded(phone)
        staff = found[0]
        if self._hasher.check_needs_rehash(stored):
            await self._store(staff.id, password)
        return staff

    async def member(self, user_id: int) -> StaffMember | None:
        """A signed-in staff member as they are now (None: gone, deactivated, or no longer
        staff)."""
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
        return user if user is not None and user.role in STAFF_ROLES and user.active else None

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    async def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = await asyncio.to_thread(self._hasher.hash, secrets.token_urlsafe(16))
        return self._dummy

    async def _store(self, user_id: int, password: str) -> None:
        hashed = await asyncio.to_thread(self._hasher.hash, password)
        async with self._uow() as uow:
            await uow.users.set_password_hash(user_id, hashed)
            await uow.commit()
