"""Courts, areas and the people who act on replies; every change here is written to the
audit log in the same unit of work, with the actor the caller names (bot/domain/audit.py).

A console admin (an actor bound to a court) sees and changes the people of their court only;
someone of another court is "no such user", as a missing one is. Areas are shared by every
court.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from bot.domain.areas import AreaFileError, AreaLine, area_code, decode, parse
from bot.domain.audit import Action, AuditActor, AuditFilter, AuditRow, NewAudit
from bot.domain.phones import normalize_phone
from bot.domain.records import NewUser, StaffMember
from bot.domain.status import STAFF_ROLES, Channel, Role
from bot.domain.views import UserRow
from bot.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.services.followups import hand_over


class StaffError(ValueError):
    """Bad input for a staff record, in words an admin understands."""


class NoSuchUser(StaffError):
    """No staff member of that id that this actor may see."""


class PhoneTaken(StaffError):
    """The number is someone else's: `holder`, a staff member or creditor the actor may see
    by name; None for a debtor's number or another court's person (`debtor` tells which)."""

    def __init__(self, holder: StaffMember | None, *, debtor: bool = False) -> None:
        if debtor:
            said = "this number is a debtor's: a staff member needs a number of their own"
        elif holder is None:
            said = "this number belongs to someone of another court"
        else:
            gone = "" if holder.active else " (deactivated)"
            said = f"this number belongs to {holder.role} {holder.name}{gone}"
        super().__init__(said + ": nothing was saved")
        self.holder, self.debtor = holder, debtor


class AreaImportError(ValueError):
    """An areas file refused as a whole: nothing of it was saved. `lines`: each bad line's
    number and what is wrong with it."""

    def __init__(self, message: str, lines: list[tuple[int, str]] | None = None) -> None:
        super().__init__(message)
        self.lines = lines or []


@dataclass(frozen=True)
class AreasImported:
    added: int
    renamed: int
    unchanged: int


def person(user: StaffMember) -> dict[str, Any]:
    """A user as the audit log keeps them (no password, no chat)."""
    kept = ("role", "name", "phone", "area_code", "court_id", "active")
    return {key: value for key, value in asdict(user).items() if key in kept}


async def record(
    uow: UnitOfWork,
    actor: AuditActor,
    action: Action,
    obj: tuple[str, object],
    court_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    clock: Clock,
) -> None:
    """One audit row, in the caller's unit of work."""
    kind, object_id = obj
    await uow.audit.add(
        NewAudit(clock.now(), actor, action, kind, str(object_id), court_id, before, after)
    )


def _area(role: str, entered: str | None) -> str | None:
    """A staff member's area as stored (full-width digits folded), or None."""
    entered = (entered or "").strip()
    if role == Role.OFFICIAL and not entered:
        raise StaffError("an official needs an area (the 6, 9 or 12 digit code they cover)")
    code = area_code(entered) if entered else None
    if entered and code is None:
        raise StaffError("the area must be a 6, 9 or 12 digit administrative division code")
    return code


class StaffService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def add_user(
        self,
        *,
        actor: AuditActor,
        role: str,
        name: str,
        phone: str,
        area_code: str | None = None,
        court_code: str | None = None,
        court_name: str | None = None,
        telegram_chat_id: int | None = None,
    ) -> int:
        """Adds a staff member; a console admin's go to their own court. A number is one
        person's: one that another user holds (active, or of this role), or a debtor's
        contact, is refused (`PhoneTaken`); the same person again (role, number and name) is
        saved, their court, area and chat updated."""
        if role not in STAFF_ROLES:
            raise StaffError("role must be one of: admin, judge, official")
        if not name.strip():
            raise StaffError("a name is needed")
        try:
            phone = normalize_phone(phone)
        except ValueError as exc:
            raise StaffError(str(exc)) from exc
        area_code = _area(role, area_code)
        async with self._uow() as uow:
            court_id = actor.court_id
            if court_id is None and court_code:
                court_id = await uow.courts.ensure(court_code, court_name or court_code)
            known = await self._holder_check(uow, actor, role, name.strip(), phone)
            before = await self._get(uow, actor, known) if known else None
            user_id = await uow.users.ensure(
                NewUser(
                    role=role,
                    name=name.strip(),
                    phone=phone,
                    court_id=court_id,
                    area_code=area_code,
                    telegram_chat_id=telegram_chat_id,
                )
            )
            after = await uow.users.get(user_id)
            await self._record(
                uow, actor, Action.ADD_USER, ("user", user_id), after, before and person(before)
            )
            await uow.commit()
            return user_id

    async def edit_user(self, actor: AuditActor, user_id: int, name: str, area_code: str) -> None:
        """A staff member's name and area."""
        if not name.strip():
            raise StaffError("a name is needed")
        async with self._uow() as uow:
            before = await self._get(uow, actor, user_id)
            await uow.users.edit(user_id, name.strip(), _area(before.role, area_code.strip()))
            after = await uow.users.get(user_id)
            await self._record(
                uow, actor, Action.EDIT_USER, ("user", user_id), after, person(before)
            )
            await uow.commit()

    async def deactivate(self, actor: AuditActor, user_id: int) -> int:
        """The user cannot sign in and is given no new task; their open tasks are handed
        over (`hand_over`: an official's one level up, a judge's to whoever decides for the
        case now). How many tasks moved."""
        async with self._uow() as uow:
            before = await self._get(uow, actor, user_id)
            if user_id == actor.user_id:
                raise StaffError("you cannot deactivate yourself")
            if not before.active:
                raise StaffError(f"{before.name} is already deactivated")
            await uow.users.deactivate(user_id)
            moved = 0
            now = self._clock.now()
            for task in await uow.tasks.open_for(user_id):
                moved += await hand_over(uow, task, now) is not None
            after = await uow.users.get(user_id)
            await self._record(
                uow, actor, Action.DEACTIVATE_USER, ("user", user_id), after, person(before)
            )
            await uow.commit()
            return moved

    async def user(self, actor: AuditActor, user_id: int) -> StaffMember:
        async with self._uow() as uow:
            return await self._get(uow, actor, user_id)

    async def users(self, actor: AuditActor, role: str | None = None) -> list[UserRow]:
        """The users of the actor's court (every user, for the CLI and the API)."""
        async with self._uow() as uow:
            return await uow.users.list(role, actor.court_id)

    async def add_area(self, actor: AuditActor, entered: str, name: str) -> None:
        if (code := area_code(entered)) is None:
            raise StaffError("an area code has 6, 9 or 12 digits")
        async with self._uow() as uow:
            await self._save_area(uow, actor, AreaLine(0, code, name, ""))
            await uow.commit()

    async def import_areas(
        self,
        actor: AuditActor,
        data: bytes,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> AreasImported:
        """All the areas of a CSV file (code,name,parent), or none: a file with any bad line
        is refused whole, every bad line named."""
        try:
            areas, errors = parse(decode(data))
        except AreaFileError as exc:
            raise AreaImportError(str(exc)) from None
        if errors:
            raise AreaImportError(f"{len(errors)} bad line(s): nothing was imported", errors)
        counts = {"added": 0, "renamed": 0, "unchanged": 0}
        async with self._uow() as uow:
            for done, area in enumerate(areas, start=1):
                counts[await self._save_area(uow, actor, area)] += 1
                if on_progress:
                    on_progress(done, len(areas))
            await uow.commit()
        return AreasImported(**counts)

    async def areas(self) -> list[tuple[str, str]]:
        async with self._uow() as uow:
            return await uow.areas.list()

    async def set_channels(self, actor: AuditActor, court_code: str, channels: list[str]) -> None:
        """The order in which a court's debtors are reached: e.g. telegram then sms."""
        known = [c.value for c in Channel]
        if (
            not channels
            or any(c not in known for c in channels)
            or len(set(channels)) < len(channels)
        ):
            raise StaffError(f"channels must be some of {', '.join(known)}, each once, in order")
        async with self._uow() as uow:
            court = await uow.courts.by_code(court_code)
            if court is None or not actor.sees(court[0]):
                raise StaffError(f"there is no court {court_code!r}")
            await uow.courts.set_channel_order(court_code, channels)
            await record(
                uow,
                actor,
                Action.SET_CHANNELS,
                ("court", court_code),
                court[0],
                {"channels": court[1]},
                {"channels": channels},
                self._clock,
            )
            await uow.commit()

    async def audit(self, actor: AuditActor, wanted: AuditFilter) -> tuple[list[AuditRow], int]:
        """A page of the audit log as this actor may see it, and how many rows match."""
        async with self._uow() as uow:
            return await uow.audit.find(replace(wanted, court_id=actor.court_id))

    async def _holder_check(
        self, uow: UnitOfWork, actor: AuditActor, role: str, name: str, phone: str
    ) -> int | None:
        """The id of the same person already registered in this role with this number, if
        any. A number is one person's: refused (`PhoneTaken`) when, within what the actor may
        see, it is another staff member's or a creditor's, or a debtor's of an open case. The
        same person in another staff role may be added (a judge who is also the court's
        admin). Of another court's people only a holder of this very role is refused (one
        number a role), without a name; another court's debtors are not this actor's to know."""
        same = None
        for other in await uow.users.holding(phone):
            if not actor.sees(other.court_id):
                if other.role == role:
                    raise PhoneTaken(None)
                continue
            if other.role == role and other.name == name and other.active:
                same = other.id
            elif other.name != name or other.role == role or other.role not in STAFF_ROLES:
                raise PhoneTaken(other)
        debtor = (await uow.obligors.correspondents(Channel.SMS, [phone])).get(phone)
        if debtor and debtor.obligor and any(actor.sees(c.court_id) for c in debtor.open_cases):
            raise PhoneTaken(None, debtor=True)
        return same

    async def _get(self, uow: UnitOfWork, actor: AuditActor, user_id: int) -> StaffMember:
        user = await uow.users.get(user_id)
        if user is None or user.role not in STAFF_ROLES or not actor.sees(user.court_id):
            raise NoSuchUser(f"there is no staff member {user_id}")
        return user

    async def _record(
        self,
        uow: UnitOfWork,
        actor: AuditActor,
        action: str,
        obj: tuple[str, object],
        after: StaffMember,
        before: dict[str, Any] | None,
    ) -> None:
        await record(uow, actor, action, obj, after.court_id, before, person(after), self._clock)

    async def _save_area(self, uow: UnitOfWork, actor: AuditActor, area: AreaLine) -> str:
        old = await uow.areas.name(area.code)
        if old == area.name:
            return "unchanged"
        await uow.areas.ensure(area.code, area.name)
        before = None if old is None else {"name": old}
        after = {"name": area.name, "parent": area.parent or None}
        await record(
            uow, actor, Action.SAVE_AREA, ("area", area.code), None, before, after, self._clock
        )
        return "added" if old is None else "renamed"
