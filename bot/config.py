"""Settings, read from the environment or `.env` (every one is listed in `.env.example`)."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.quiet_hours import QuietHours
from bot.pii import PersonalDataKey

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field("sqlite+aiosqlite:///./ducu.db", alias="DUCU_DATABASE_URL")
    host: str = Field("127.0.0.1", alias="DUCU_HOST")
    port: int = Field(8080, alias="DUCU_PORT", ge=0, le=65535)
    # Several `ducu serve` on one host may listen on the same port (Linux SO_REUSEPORT).
    reuse_port: bool = Field(False, alias="DUCU_REUSE_PORT")
    public_url: str = Field("", alias="DUCU_PUBLIC_URL")
    api_token: SecretStr = Field(SecretStr(""), alias="DUCU_API_TOKEN")
    timezone: str = Field("Asia/Shanghai", alias="DUCU_TIMEZONE")
    quiet_hours: str = Field("21:00-08:00", alias="DUCU_QUIET_HOURS")
    inbound_per_minute: int = Field(20, alias="DUCU_INBOUND_PER_MINUTE", ge=0)
    weekly_cap: int = Field(3, alias="DUCU_WEEKLY_CAP", ge=0)
    sms_rate: float = Field(10.0, alias="DUCU_SMS_RATE", gt=0)
    dispatch_interval: float = Field(1.0, alias="DUCU_DISPATCH_INTERVAL", gt=0)
    dispatch_batch: int = Field(50, alias="DUCU_DISPATCH_BATCH", ge=1)
    lease_seconds: int = Field(30, alias="DUCU_LEASE_SECONDS", ge=5)
    send_timeout: float = Field(10.0, alias="DUCU_SEND_TIMEOUT", gt=0)
    max_attempts: int = Field(8, alias="DUCU_MAX_ATTEMPTS", ge=1)

    data_key: SecretStr = Field(SecretStr(""), alias="DUCU_DATA_KEY")
    retention_days: int = Field(0, alias="DUCU_RETENTION_DAYS", ge=0)
    console_idle_minutes: int = Field(30, alias="DUCU_CONSOLE_IDLE_MINUTES", ge=1)
    # How often an open console page asks whether anything new arrived; 0: never.
    console_poll_seconds: float = Field(10, alias="DUCU_CONSOLE_POLL_SECONDS", ge=0)

    twilio_account_sid: str = Field("", alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: SecretStr = Field(SecretStr(""), alias="TWILIO_AUTH_TOKEN")
    twilio_from_number: str = Field("", alias="TWILIO_FROM_NUMBER")
    twilio_api_base: str = Field("https://api.twilio.com", alias="DUCU_TWILIO_API_BASE")
    sandbox: bool = Field(False, alias="DUCU_SANDBOX")

    telegram_bot_token: SecretStr = Field(SecretStr(""), alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_secret: SecretStr = Field(SecretStr(""), alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_api_base: str = Field("https://api.telegram.org", alias="DUCU_TELEGRAM_API_BASE")
    telegram_mode: str = Field("webhook", alias="DUCU_TELEGRAM_MODE", pattern="^(webhook|polling)$")
    telegram_bot_username: str = Field(
        "", alias="DUCU_TELEGRAM_BOT_USERNAME", pattern=r"^@?[A-Za-z0-9_]{0,64}$"
    )
    telegram_rate: float = Field(30.0, alias="DUCU_TELEGRAM_RATE", gt=0)
    telegram_chat_rate: float = Field(1.0, alias="DUCU_TELEGRAM_CHAT_RATE", gt=0)
    redis_url: str = Field("", alias="DUCU_REDIS_URL")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("data_key")
    @classmethod
    def _usable_key(cls, value: SecretStr) -> SecretStr:
        if value.get_secret_value():
            PersonalDataKey(value.get_secret_value())  # raises a ValueError that says how
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours_parse(cls, value: str) -> str:
        QuietHours.parse(value)
        return value

    @model_validator(mode="after")
    def _one_sms_channel(self) -> Settings:
        """Twilio whole or not at all, and the sandbox only in its place and only on this
        machine: it shows every conversation and lets anyone reply as any phone."""
        twilio = {
            "TWILIO_ACCOUNT_SID": self.twilio_account_sid,
            "TWILIO_AUTH_TOKEN": self.twilio_auth_token.get_secret_value(),
            "TWILIO_FROM_NUMBER": self.twilio_from_number,
        }
        missing = [name for name, value in twilio.items() if not value]
        if 0 < len(missing) < len(twilio):
            raise ValueError(
                f"Twilio is half configured: {', '.join(missing)} missing. Set all three "
                "TWILIO_* settings to send SMS, or none of them"
            )
        if self.sandbox and self.twilio_configured:
            raise ValueError(
                "DUCU_SANDBOX replaces the SMS provider: unset it or the TWILIO_* settings"
            )
        if self.sandbox and self.host not in LOOPBACK:
            raise ValueError(
                f"the sandbox shows every conversation: it is served only on a loopback host "
                f"({', '.join(sorted(LOOPBACK))}), not on DUCU_HOST={self.host}"
            )
        return self

    @model_validator(mode="after")
    def _lease_outlasts_a_batch(self) -> Settings:
        """A claimed row must stay ours while it waits its turn in a batch and is sent, even
        if the heartbeat that renews the lease misses a beat: two send timeouts plus a batch
        at the SMS rate (the pacer every reminder waits for)."""
        needed = 2 * self.send_timeout + self.dispatch_batch / self.sms_rate
        if self.lease_seconds <= needed:
            raise ValueError(
                f"DUCU_LEASE_SECONDS={self.lease_seconds} is too short: it must be longer than "
                f"2 × DUCU_SEND_TIMEOUT ({self.send_timeout:g} s) + DUCU_DISPATCH_BATCH "
                f"({self.dispatch_batch}) ÷ DUCU_SMS_RATE ({self.sms_rate:g}/s) = {needed:g} s. "
                "Raise the lease, or lower the others"
            )
        return self

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> Settings:
        secret = self.telegram_webhook_secret.get_secret_value()
        if self.telegram_configured and self.telegram_mode == "webhook" and not secret:
            raise ValueError(
                "TELEGRAM_WEBHOOK_SECRET must be set in webhook mode (1-256 characters of "
                "A-Z a-z 0-9 _ -), or set DUCU_TELEGRAM_MODE=polling"
            )
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET may hold only A-Z a-z 0-9 _ - (1-256)")
        return self

    @property
    def telegram_configured(self) -> bool:
        return bool(self.telegram_bot_token.get_secret_value())

    @property
    def chat_link_base(self) -> str:
        """The start of a deep link into the bot ("" when chat invitations are off)."""
        if not (self.telegram_configured and self.telegram_bot_username):
            return ""
        return f"https://t.me/{self.telegram_bot_username.lstrip('@')}?start="

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def quiet(self) -> QuietHours | None:
        return QuietHours.parse(self.quiet_hours)

    @property
    def twilio_configured(self) -> bool:
        return bool(
            self.twilio_account_sid
            and self.twilio_auth_token.get_secret_value()
            and self.twilio_from_number
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


__all__ = ["Settings"]
