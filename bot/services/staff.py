"""Courts, areas and the people who act on replies."""

from __future__ import annotations

from bot.domain.areas import is_area_code
from bot.domain.phones import normalize_phone
from bot.domain.plan import DEFAULT_PLAN, plan_to_json
from bot.domain.records import NewUser
from bot.domain.status import STAFF_ROLES, Channel, Role
from bot.domain.views import UserRow
from bot.ports import UnitOfWorkFactory


class StaffError(ValueError):
    """Bad input for a staff record, in words an admin understands."""


class StaffService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def add_user(
        self,
        *,
        role: str,
        name: str,
        phone: str,
        area_code: str | None = None,
        court_code: str | None = None,
        court_name: str | None = None,
        telegram_chat_id: int | None = None,
    ) -> int:
        if role not in STAFF_ROLES:
            raise StaffError("role must be one of: admin, judge, official")
        try:
            phone = normalize_phone(phone)
        except ValueError as exc:
            raise StaffError(str(exc)) from exc
        if role == Role.OFFICIAL and not area_code:
            raise StaffError("an official needs --area (the 6, 9 or 12 digit code they cover)")
        if area_code and not is_area_code(area_code):
            raise StaffError("--area must be a 6, 9 or 12 digit administrative division code")
        async with self._uow() as uow:
            court_id = None
            if court_code:
                court_id = await uow.courts.ensure(
                    court_code, court_name or court_code, plan_to_json(DEFAULT_PLAN)
                )
            user_id = await uow.users.ensure(
                NewUser(
                    role=role,
                    name=name,
                    phone=phone,
                    court_id=court_id,
                    area_code=area_code,
                    telegram_chat_id=telegram_chat_id,
                )
            )
            await uow.commit()
            return user_id

    async def add_area(self, code: str, name: str) -> None:
        if not is_area_code(code):
            raise StaffError("an area code has 6, 9 or 12 digits")
        async with self._uow() as uow:
            await uow.areas.ensure(code, name)
            await uow.commit()

    async def set_channels(self, court_code: str, channels: list[str]) -> None:
        """The order in which a court's debtors are reached: e.g. telegram then sms."""
        known = [c.value for c in Channel]
        if (
            not channels
            or any(c not in known for c in channels)
            or len(set(channels)) < len(channels)
        ):
            raise StaffError(f"channels must be some of {', '.join(known)}, each once, in order")
        async with self._uow() as uow:
            if not await uow.courts.set_channel_order(court_code, channels):
                raise StaffError(f"there is no court {court_code!r}")
            await uow.commit()

    async def users(self, role: str | None = None) -> list[UserRow]:
        async with self._uow() as uow:
            return await uow.users.list(role)
