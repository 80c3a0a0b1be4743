"""Personal data at rest: ID numbers encrypted (Fernet), found again by a keyed hash."""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class DataKeyError(ValueError):
    """DUCU_DATA_KEY is not a key this module can use."""


class PersonalDataKey:
    """One secret (DUCU_DATA_KEY, a Fernet key) gives both the cipher and the lookup key."""

    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode())
            raw = base64.urlsafe_b64decode(key.encode())
        except (ValueError, TypeError) as exc:
            raise DataKeyError(
                'DUCU_DATA_KEY must be a Fernet key: python -c "from cryptography.fernet '
                'import Fernet; print(Fernet.generate_key().decode())"'
            ) from exc
        self._raw = raw
        self._mac_key = self.subkey("id-number lookup")

    @staticmethod
    def generate() -> str:
        return Fernet.generate_key().decode()

    def subkey(self, purpose: str) -> bytes:
        """A 32-byte key of its own for `purpose` (HKDF): knowing it tells nothing of this one."""
        return HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=f"ducu {purpose}".encode()
        ).derive(self._raw)

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise DataKeyError("this value was encrypted with another DUCU_DATA_KEY") from exc

    def lookup_hash(self, id_number: str) -> str:
        """The same ID number, however written (`x`/`X`, full-width), gives the same hash."""
        canonical = unicodedata.normalize("NFKC", id_number).strip().upper()
        return hmac.new(self._mac_key, canonical.encode(), hashlib.sha256).hexdigest()
