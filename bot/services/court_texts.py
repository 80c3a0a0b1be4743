"""A court's own texts: list, show, preview, save and reset them, and the cache the dispatcher
reads them through.

A console admin acts on their own court; the command line and the API name the court by its
code. Every save and reset is written to the audit log in the same unit of work, with the text
before and after. A refused text saves nothing and says every reason.

The dispatcher asks `CourtTexts` for a court's wording of each reminder it sends. It loads all
of a court's texts in one query and keeps them `TTL`: the cost per message is a dictionary
look-up, with no round trip. A save or reset forgets the court in this process at once (so
`ducu serve` sends the new text from the next reminder on); another process (`ducu worker`, a
CLI verb that changed a text) sees it within `TTL`.
"""

from __future__ import annotations

import asyncio
import time
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.domain import court_texts as rules
from bot.domain.audit import Action, AuditActor
from bot.domain.court_texts import Checked, CourtText, Placeholder, Preview, Reason
from bot.domain.locales import LOCALES, STAFF_LOCALE, resolve
from bot.domain.views import Instant
from bot.ports import Clock, Conflict, UnitOfWork, UnitOfWorkFactory
from bot.services.staff import record

TTL = 30.0  # seconds a process keeps a court's texts before it reads them again


class TemplateError(ValueError):
    """A text refused, or asked for under a court, locale or key there is not (`missing`):
    every reason, and the preview when the text could be filled. Nothing was saved."""

    def __init__(
        self, *reasons: Reason, missing: bool = False, preview: Preview | None = None
    ) -> None:
        self.reasons = reasons
        self.missing = missing
        self.preview = preview
        super().__init__(self.text(STAFF_LOCALE))

    def text(self, locale: str | None) -> str:
        return " ".join(reason.text(locale) for reason in self.reasons)


class TemplateText(BaseModel):
    """One key in one locale as a court's debtors get it: the court's text or the shipped one."""

    model_config = ConfigDict(frozen=True)
    court: str  # the court's name
    locale: str
    key: str
    source: Literal["court", "shipped"]
    body: str  # under the admins' placeholder names
    shipped: str
    placeholders: list[Placeholder]
    preview: Preview
    updated_at: Instant | None


class CourtTexts:
    """The courts' own texts as the dispatcher reads them, per process (see the module)."""

    def __init__(self, uow: UnitOfWorkFactory, ttl: float = TTL) -> None:
        self._uow = uow
        self._ttl = ttl
        self._loaded: dict[int, tuple[float, dict[tuple[str, str], str]]] = {}
        self._loading = asyncio.Lock()

    async def wording(self, court_id: int, locale: str | None, key: str) -> str | None:
        """The court's text of `key` in the debtor's locale; None: the shipped one."""
        return (await self._of(court_id)).get((resolve(locale), key))

    def forget(self, court_id: int) -> None:
        self._loaded.pop(court_id, None)

    def _fresh(self, court_id: int) -> dict[tuple[str, str], str] | None:
        hit = self._loaded.get(court_id)
        return hit[1] if hit and time.monotonic() - hit[0] < self._ttl else None

    async def _of(self, court_id: int) -> dict[tuple[str, str], str]:
        if (texts := self._fresh(court_id)) is not None:
            return texts
        async with self._loading:  # reminders of one court in one batch: one query
            if (texts := self._fresh(court_id)) is not None:
                return texts
            async with self._uow() as uow:
                rows = await uow.templates.of_court(court_id)
            texts = {(row.locale, row.key): row.body for row in rows}
            self._loaded[court_id] = (time.monotonic(), texts)
            return texts


def _asked(locale: str, key: str) -> None:
    if locale not in LOCALES:
        known = {"asked": locale, "locales": " ".join(LOCALES)}
        raise TemplateError(Reason("admin.templates.error.locale", known), missing=True)
    if key not in rules.EDITABLE:
        raise TemplateError(Reason("admin.templates.error.key", {"asked": key}), missing=True)


class CourtTextService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, cache: CourtTexts) -> None:
        self._uow = uow
        self._clock = clock
        self._cache = cache

    async def list(self, actor: AuditActor, court: str | None = None) -> list[TemplateText]:
        """Every key a court may word, in every locale: the court's text or the shipped one."""
        async with self._uow() as uow:
            court_id, name = await self._court(uow, actor, court)
            own = {(text.locale, text.key): text for text in await uow.templates.of_court(court_id)}
        return [
            _shown(name, locale, key, own.get((locale, key)))
            for key in rules.EDITABLE
            for locale in LOCALES
        ]

    async def show(
        self, actor: AuditActor, locale: str, key: str, court: str | None = None
    ) -> TemplateText:
        _asked(locale, key)
        async with self._uow() as uow:
            court_id, name = await self._court(uow, actor, court)
            return _shown(name, locale, key, await uow.templates.get(court_id, locale, key))

    async def check(
        self, actor: AuditActor, locale: str, key: str, body: str, court: str | None = None
    ) -> Checked:
        """What saving `body` would do (the form's preview): nothing is stored."""
        _asked(locale, key)
        async with self._uow() as uow:
            _, name = await self._court(uow, actor, court)
        return rules.check(key, locale, body, name)

    async def save(
        self, actor: AuditActor, locale: str, key: str, body: str, court: str | None = None
    ) -> TemplateText:
        """The court's text of `key` in `locale` from now on; the shipped text unchanged keeps
        (or makes) the key shipped, so later catalog changes reach the court."""
        _asked(locale, key)
        async with self._uow() as uow:
            court_id, name = await self._court(uow, actor, court)
            before = await uow.templates.get(court_id, locale, key)
            if rules.normalize(body) == rules.shipped(key, locale):
                if before is not None:
                    await self._remove(uow, actor, court_id, before)
                return _shown(name, locale, key, None)
            checked = rules.check(key, locale, body, name)
            if checked.reasons:
                raise TemplateError(*checked.reasons, preview=checked.preview)
            if before is not None and before.body == checked.body:
                return _shown(name, locale, key, before)
            text = CourtText(locale, key, checked.body, self._clock.now())
            try:
                await uow.templates.put(court_id, text)
                await self._record(uow, actor, Action.SET_TEMPLATE, court_id, before, text)
                await uow.commit()
            except Conflict:
                raise TemplateError(Reason("admin.templates.error.conflict", {})) from None
        self._cache.forget(court_id)
        return _shown(name, locale, key, text)

    async def reset(
        self, actor: AuditActor, locale: str, key: str, court: str | None = None
    ) -> TemplateText:
        """Back to the shipped text (nothing to do when the court has no text of its own)."""
        _asked(locale, key)
        async with self._uow() as uow:
            court_id, name = await self._court(uow, actor, court)
            before = await uow.templates.get(court_id, locale, key)
            if before is not None:
                await self._remove(uow, actor, court_id, before)
        return _shown(name, locale, key, None)

    async def _remove(
        self, uow: UnitOfWork, actor: AuditActor, court_id: int, before: CourtText
    ) -> None:
        await uow.templates.remove(court_id, before.locale, before.key)
        await self._record(uow, actor, Action.RESET_TEMPLATE, court_id, before, None)
        await uow.commit()
        self._cache.forget(court_id)

    async def _court(self, uow: UnitOfWork, actor: AuditActor, code: str | None) -> tuple[int, str]:
        """The actor's court (a console admin's own), or the one named by its code."""
        court_id = actor.court_id
        if court_id is None:
            found = await uow.courts.by_code(code or "")
            if found is None:
                raise TemplateError(
                    Reason("admin.templates.error.court", {"court": code or ""}), missing=True
                )
            court_id = found[0]
        return court_id, await uow.courts.name(court_id)

    async def _record(
        self,
        uow: UnitOfWork,
        actor: AuditActor,
        action: Action,
        court_id: int,
        before: CourtText | None,
        after: CourtText | None,
    ) -> None:
        """The audit row of a change to one text: its body before and after (None: shipped)."""
        changed = after or before
        await record(
            uow,
            actor,
            action,
            ("template", f"{changed.locale}/{changed.key}" if changed else ""),
            court_id,
            before and {"body": before.body},
            after and {"body": after.body},
            self._clock,
        )


def _shown(court_name: str, locale: str, key: str, own: CourtText | None) -> TemplateText:
    shipped = rules.shipped(key, locale)
    body = own.body if own else shipped
    return TemplateText(
        court=court_name,
        locale=locale,
        key=key,
        source="court" if own else "shipped",
        body=body,
        shipped=shipped,
        placeholders=rules.placeholders(key),
        preview=rules.preview(key, locale, body, court_name),
        updated_at=own.updated_at if own else None,
    )
