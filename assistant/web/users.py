"""Accounts: named users with a role, a password and API tokens, kept in one JSON file.

Passwords and tokens are stored only as salted scrypt hashes (``hashlib.scrypt``): a copy
of the file does not give anyone a way in. The file is replaced atomically on every change,
so a crash leaves the old accounts or the new ones, never a mix. The running app rereads it
when it changes, so ``assistant users add`` takes effect without a restart.

A token reads ``<name>.<secret>``: the name finds the one account whose hashes to check, so
a request costs one scrypt, not one per user. Verified tokens are remembered in memory
(keyed by their SHA-256) until the file changes, so an API client does not pay scrypt on
every call.

Web sessions are a signed cookie (HMAC-SHA256 with a key kept in the same file) that names
the user and an expiry and is bound to the user's password hash: removing the user or
changing the password ends their sessions, and every replica that shares the file accepts it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from assistant.core.errors import AssistantError, choice_error
from assistant.core.fileio import write_atomic

Role = Literal["reader", "trainer", "admin"]
ROLES: tuple[str, ...] = ("reader", "trainer", "admin")
USERS_VERSION = 1
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# scrypt cost: 16 MiB and ~50 ms per check on this machine, the interactive-login setting
# recommended by the scrypt paper; stored with each hash so it can be raised later.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD_CHARS = 8
SESSION_SECONDS = 12 * 3600


class AuthError(AssistantError):
    """An account cannot be created, found or changed; the message says why."""


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise choice_error("role", role, ROLES)
    return role  # type: ignore[return-value]


def role_allows(role: str, needed: Role) -> bool:
    """Roles are nested: a trainer can do what a reader can, an admin everything."""
    return ROLES.index(role) >= ROLES.index(needed)


def hash_secret(secret: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=64 * 1024 * 1024)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_secret(secret: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            secret.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
            maxmem=64 * 1024 * 1024, dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    password_hash: str
    token_hashes: tuple[str, ...] = ()
    created: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "role": self.role,
            "password_hash": self.password_hash,
            "token_hashes": list(self.token_hashes),
            "created": self.created,
        }

    @classmethod
    def from_json(cls, raw: object, where: str) -> User:
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not isinstance(raw.get("password_hash"), str):
            raise AuthError(f"{where}: each user needs a 'name' and a 'password_hash'")
        tokens = raw.get("token_hashes", [])
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise AuthError(f"{where}: user {raw['name']!r}: 'token_hashes' must be a list of strings")
        try:
            role = check_role(str(raw.get("role")))
        except AssistantError as exc:
            raise AuthError(f"{where}: user {raw['name']!r}: {exc}") from None
        return cls(raw["name"], role, raw["password_hash"], tuple(tokens), str(raw.get("created", "")))


@dataclass(frozen=True)
class UserFile:
    users: tuple[User, ...] = ()
    session_key: str = ""

    def get(self, name: str) -> User | None:
        return next((u for u in self.users if u.name == name), None)


def check_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise AuthError(
            f"invalid user name {name!r}: use lowercase letters, digits, '_' or '-' (at most 64, starting with a letter or digit)"
        )
    return name


class UserStore:
    """The accounts file. Every change rereads it, applies one edit and replaces it atomically."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._cached: tuple[tuple[int, int], UserFile] | None = None
        self._verified: dict[str, str] = {}  # sha256(token) -> user name, for the cached file

    # --- reading ---------------------------------------------------------------------------

    def _signature(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def load(self) -> UserFile:
        sig = self._signature()
        if sig is None:
            return UserFile()
        with self._lock:
            if self._cached is not None and self._cached[0] == sig:
                return self._cached[1]
            try:
                raw = json.loads(self.path.read_bytes().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise AuthError(f"{self.path} is not valid JSON ({exc}); restore it from a backup") from None
            if not isinstance(raw, dict) or not isinstance(raw.get("users"), list):
                raise AuthError(f"{self.path} must be an object with a 'users' list")
            users = tuple(User.from_json(u, str(self.path)) for u in raw["users"])
            loaded = UserFile(users, str(raw.get("session_key", "")))
            self._cached = (sig, loaded)
            self._verified = {}
            return loaded

    def has_users(self) -> bool:
        return bool(self.load().users)

    def get(self, name: str) -> User | None:
        return self.load().get(name)

    # --- changing ----------------------------------------------------------------------------

    def _save(self, data: UserFile) -> None:
        obj = {"version": USERS_VERSION, "session_key": data.session_key, "users": [u.to_json() for u in data.users]}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
            os.chmod(self.path, 0o600)  # hashes only, but nobody else needs to read them
        except OSError as exc:
            raise AuthError(f"could not write {self.path} ({exc.strerror or exc}); no account was changed") from None

    def add(self, name: str, role: str, password: str) -> User:
        check_name(name)
        check_role(role)
        if len(password) < MIN_PASSWORD_CHARS:
            raise AuthError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
        data = self.load()
        if data.get(name) is not None:
            raise AuthError(f"user {name!r} already exists; remove it first to change its role or password")
        user = User(name, role, hash_secret(password), (), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))  # type: ignore[arg-type]
        self._save(UserFile(data.users + (user,), data.session_key or secrets.token_hex(32)))
        return user

    def remove(self, name: str) -> None:
        data = self.load()
        if data.get(name) is None:
            raise AuthError(f"no user {name!r}; users: {', '.join(u.name for u in data.users) or '(none)'}")
        self._save(replace(data, users=tuple(u for u in data.users if u.name != name)))

    def new_token(self, name: str) -> str:
        """A fresh API token for ``name``; shown once, stored only as a hash."""
        data = self.load()
        user = data.get(name)
        if user is None:
            raise AuthError(f"no user {name!r}; add it first with `assistant users add {name} --role reader`")
        token = f"{name}.{secrets.token_urlsafe(32)}"
        updated = replace(user, token_hashes=user.token_hashes + (hash_secret(token),))
        self._save(replace(data, users=tuple(updated if u.name == name else u for u in data.users)))
        return token

    # --- checking ----------------------------------------------------------------------------

    def check_password(self, name: str, password: str) -> User | None:
        user = self.get(name)
        if user is None:
            verify_secret(password, hash_secret("timing"))  # the same cost whether or not the name exists
            return None
        return user if verify_secret(password, user.password_hash) else None

    def check_token(self, token: str) -> User | None:
        data = self.load()
        key = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
        known = self._verified.get(key)
        if known is not None:
            return data.get(known)
        name, _, _ = token.partition(".")
        user = data.get(name)
        if user is None or not any(verify_secret(token, h) for h in user.token_hashes):
            return None
        with self._lock:
            if self._cached is not None and self._cached[1] is data:
                self._verified[key] = name
        return user

    # --- web sessions ------------------------------------------------------------------------

    def _sign(self, data: UserFile, user: User, expiry: int) -> str:
        message = f"{user.name}|{expiry}|{user.password_hash}".encode()
        return hmac.new(bytes.fromhex(data.session_key), message, hashlib.sha256).hexdigest()

    def session_cookie(self, user: User, now: float | None = None) -> str:
        data = self.load()
        expiry = int((now or time.time()) + SESSION_SECONDS)
        return f"{user.name}|{expiry}|{self._sign(data, user, expiry)}"

    def check_session(self, cookie: str, now: float | None = None) -> User | None:
        data = self.load()
        parts = cookie.split("|")
        if len(parts) != 3 or not data.session_key:
            return None
        name, expiry, signature = parts
        user = data.get(name)
        if user is None or not expiry.isdigit() or int(expiry) < (now or time.time()):
            return None
        return user if hmac.compare_digest(signature, self._sign(data, user, int(expiry))) else None


class FailureLimiter:
    """At most ``limit`` failed logins per client in any ``window_s`` seconds; then refuse.

    Kept in memory: each replica counts its own failures (a proxy in front of several
    replicas should limit too). Successful logins do not count.
    """

    def __init__(self, limit: int = 10, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str) -> deque[float]:
        now = self._clock()
        times = self._failures.setdefault(client, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def blocked(self, client: str) -> bool:
        with self._lock:
            blocked = len(self._recent(client)) >= self.limit
            if not self._failures.get(client):
                self._failures.pop(client, None)
            return blocked

    def fail(self, client: str) -> None:
        with self._lock:
            self._recent(client).append(self._clock())
