"""Staff and creditors."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, insert, select, update

from bot.domain import records, views
from bot.domain.areas import prefixes
from bot.domain.status import STAFF_ROLES, Channel, Role
from storage import tables as t
from storage.repositories._base import Repo, flush, next_ids, staff_record


class UserRepository(Repo):
    async def ensure(self, new: records.NewUser) -> int:
        user = None
        if new.phone:
            user = await self.session.scalar(
                select(t.User).where(t.User.role == new.role, t.User.phone == new.phone)
            )
        if user is None:
            user = t.User(role=new.role, name=new.name, phone=new.phone, court_id=new.court_id)
            self.session.add(user)
        user.name = new.name
        user.court_id = new.court_id or user.court_id
        user.area_code = new.area_code or user.area_code
        user.telegram_chat_id = new.telegram_chat_id or user.telegram_chat_id
        await flush(self.session)
        return user.id

    async def ensure_many(self, new: Sequence[records.NewUser]) -> list[int]:
        """`ensure` for each of `new`, in order, in a few statements (a bulk import)."""
        users: dict[tuple[str, str], dict] = {}  # (role, phone) → the row as it will be
        phones = {n.phone for n in new if n.phone}
        if phones:
            found = await self.session.execute(
                select(
                    t.User.id,
                    t.User.role,
                    t.User.phone,
                    t.User.court_id,
                    t.User.area_code,
                    t.User.telegram_chat_id,
                )
                .where(t.User.phone.in_(phones))
                .order_by(t.User.id.desc())  # the first of two with one phone and role wins
            )
            users = {(row.role, row.phone): dict(row._mapping) for row in found}
        changed: dict[int, dict] = {}
        added: list[dict] = []
        rows = []
        for n in new:
            row = users.get((n.role, n.phone)) if n.phone else None
            if row is None:
                row = {"id": None, "role": n.role, "phone": n.phone, "court_id": n.court_id}
                row |= {"area_code": None, "telegram_chat_id": None}
                added.append(row)
                if n.phone:
                    users[n.role, n.phone] = row
            row["name"] = n.name
            row["court_id"] = n.court_id or row["court_id"]
            row["area_code"] = n.area_code or row["area_code"]
            row["telegram_chat_id"] = n.telegram_chat_id or row["telegram_chat_id"]
            if row["id"] is not None:
                changed[row["id"]] = row
            rows.append(row)
        for row, id_ in zip(added, await next_ids(self.session, t.User, len(added)), strict=True):
            row["id"] = id_
        if added:
            await self.session.execute(insert(t.User.__table__), added)
        if changed:
            await self.session.execute(
                update(t.User),
                [
                    {k: v for k, v in row.items() if k not in ("role", "phone")}
                    for row in changed.values()
                ],
            )
        return [row["id"] for row in rows]

    async def list(
        self, role: str | None = None, court_id: int | None = None
    ) -> list[views.UserRow]:
        query = select(t.User).order_by(t.User.id)
        if role:
            query = query.where(t.User.role == role)
        if court_id is not None:
            query = query.where(t.User.court_id == court_id)
        users = (await self.session.scalars(query)).all()
        return list(map(views.UserRow.model_validate, users))

    async def set_telegram_chat(self, user_id: int, chat_id: int | None) -> None:
        """Links a chat to one staff member (unlinking it from anyone else), or unlinks."""
        if chat_id is not None:
            await self.session.execute(
                update(t.User)
                .where(t.User.telegram_chat_id == chat_id)
                .values(telegram_chat_id=None)
            )
        await self.session.execute(
            update(t.User).where(t.User.id == user_id).values(telegram_chat_id=chat_id)
        )

    async def get(self, user_id: int) -> records.StaffMember | None:
        user = await self.session.get(t.User, user_id)
        return staff_record(user) if user else None

    async def id_of(self, role: str, phone: str) -> int | None:
        return await self.session.scalar(
            select(t.User.id).where(t.User.role == role, t.User.phone == phone)
        )

    async def holding(self, phone: str) -> list[records.StaffMember]:
        """Everyone registered with this number: any role, active or not."""
        users = await self.session.scalars(
            select(t.User).where(t.User.phone == phone).order_by(t.User.id)
        )
        return [staff_record(u) for u in users]

    async def edit(self, user_id: int, name: str, area_code: str | None) -> None:
        await self.session.execute(
            update(t.User).where(t.User.id == user_id).values(name=name, area_code=area_code)
        )

    async def deactivate(self, user_id: int) -> None:
        await self.session.execute(update(t.User).where(t.User.id == user_id).values(active=False))

    async def judge_of(self, case_id: int) -> records.StaffMember | None:
        """The case's judge, while active."""
        user = await self.session.scalar(
            select(t.User)
            .join(t.Case, t.Case.judge_id == t.User.id)
            .where(t.Case.id == case_id, t.User.active.is_(True))
        )
        return staff_record(user) if user else None

    async def creditor_of(self, case_id: int) -> records.StaffMember | None:
        user = await self.session.scalar(
            select(t.User).join(t.Case, t.Case.creditor_id == t.User.id).where(t.Case.id == case_id)
        )
        return staff_record(user) if user else None

    async def by_address(self, channel: str, address: str) -> records.StaffMember | None:
        """The staff member or creditor behind an SMS number or a chat (staff first, when a
        creditor is registered with the same number)."""
        if channel == Channel.SMS:
            users = await self._staff(t.User.phone == address)
        elif address.lstrip("-").isdigit():
            users = await self._staff(t.User.telegram_chat_id == int(address))
        else:
            users = []
        users.sort(key=lambda u: u.role == Role.CREDITOR)
        return users[0] if users else None

    async def _staff(self, *where: ColumnElement[bool]) -> list[records.StaffMember]:
        """Active users only: a deactivated one is never found to act or be told."""
        users = await self.session.scalars(
            select(t.User).where(t.User.active.is_(True), *where).order_by(t.User.id)
        )
        return [staff_record(u) for u in users]

    async def officials_for(self, area_code: str) -> list[records.StaffMember]:
        for prefix in prefixes(area_code):
            if users := await self._staff(t.User.role == Role.OFFICIAL, t.User.area_code == prefix):
                return users
        return []

    async def officials_at(self, area_code: str) -> list[records.StaffMember]:
        """The officials registered for exactly this area."""
        return await self._staff(t.User.role == Role.OFFICIAL, t.User.area_code == area_code)

    async def admins_of(self, court_id: int) -> list[records.StaffMember]:
        return await self._staff(t.User.role == Role.ADMIN, t.User.court_id == court_id)

    async def login(self, phone: str) -> tuple[records.StaffMember, str] | None:
        """The staff member who signs in with this phone (the first with a password, should
        the phone hold several roles) and their password hash."""
        user = await self.session.scalar(
            select(t.User)
            .where(
                t.User.phone == phone,
                t.User.role.in_(STAFF_ROLES),
                t.User.password_hash.is_not(None),
                t.User.active.is_(True),
            )
            .order_by(t.User.id)
            .limit(1)
        )
        return (staff_record(user), user.password_hash) if user else None

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        await self.session.execute(
            update(t.User).where(t.User.id == user_id).values(password_hash=password_hash)
        )
