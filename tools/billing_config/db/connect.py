"""Which database, and how to connect to it: the one place every database command goes through.

The URL comes from ``--database``, else a named target of ``billing-config.toml`` (whose URL
lives in an environment variable, never in the file), else ``BILLING_DATABASE_URL``, else the
embedded SQLite default. Whatever the source, a password in it is never shown: every message,
plan and audit row shows a URL through :func:`redact_url` (``safe_url`` is its old name), which
rebuilds it from the parts that are no secret, and driver errors pass through :func:`scrub`.
No message ever embeds the URL as it was given.

SQLAlchemy is imported inside the functions that need it, so importing this module (which the
argument parser does) costs nothing for ``validate``.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from billing_config.errors import DatabaseError, UserError
from billing_config.mapping.targets import TARGETS_FILE, find_targets_file

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Engine

DEFAULT_URL = "sqlite:///billing.db"
URL_ENV = "BILLING_DATABASE_URL"
DEFAULT_LOCK_TIMEOUT = 30.0

T = TypeVar("T")

_SUPPORTED = ("sqlite", "postgresql", "mysql", "mariadb")
# Every MariaDB/MySQL session: a value a column can't hold is an error, never a silent
# truncation (the audit would record the intended value while the row holds another), and
# quoting is the standard one SQLAlchemy expects, whatever the server's global setting.
MYSQL_SQL_MODE = "STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION"
# Only variables named for this tool may hold a target's URL: a billing-config.toml from a pull
# request must not be able to send, say, $SLACK_WEBHOOK_URL into a plan comment.
URL_ENV_PATTERN = re.compile(r"BILLING_[A-Z0-9_]+")
# Query options that carry a secret (libpq's password/sslpassword, tokens, keys...).
_SECRET_OPTION = re.compile(r"pass|pwd|secret|token|key|auth|cred", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DatabaseChoice:
    url: str
    source: str  # how it was chosen, for messages: "--database", "target 'live'", ...


def choose_database(database: str | None, target: str | None, start: Path | None = None) -> DatabaseChoice:
    if database:
        return DatabaseChoice(database, "--database")
    if target:
        return DatabaseChoice(_target_url(target, start or Path.cwd()), f"target '{target}'")
    from_env = os.environ.get(URL_ENV)
    if from_env:
        return DatabaseChoice(from_env, URL_ENV)
    return DatabaseChoice(DEFAULT_URL, "the default")


def _target_url(name: str, start: Path) -> str:
    import tomllib

    path = find_targets_file(start)
    if path is None:
        raise UserError(
            f"--target {name}: no {TARGETS_FILE} found here or in any parent folder; "
            f"add one with a [targets.{name}] table naming the environment variable that holds its URL"
        )
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{path}: not valid TOML: {error}") from None
    targets = document.get("targets", {})
    if not isinstance(targets, dict) or name not in targets:
        known = ", ".join(sorted(targets)) if isinstance(targets, dict) and targets else "none"
        raise UserError(f"--target {name}: {path} has no [targets.{name}] table (targets: {known})")
    spec = targets[name]
    variable = spec.get("url_env") if isinstance(spec, dict) else None
    if not isinstance(variable, str) or not variable:
        raise UserError(
            f"{path}: [targets.{name}] needs url_env = \"BILLING_SOME_VARIABLE\", the environment variable that holds "
            "the database URL (URLs are never written in the file)"
        )
    if URL_ENV_PATTERN.fullmatch(variable) is None:
        raise UserError(
            f"{path}: [targets.{name}] url_env = {ascii(variable)} is refused: only environment variables named "
            "BILLING_* (capital letters, digits, underscores) may hold a database URL, so the file can't make the "
            "tool read and print another secret; rename the variable, e.g. BILLING_LIVE_DATABASE_URL"
        )
    url = os.environ.get(variable)
    if not url:
        raise UserError(
            f"--target {name}: the environment variable {variable} is not set; "
            f"export it with the database URL of '{name}' (in CI, from a secret)"
        )
    return url


def parse_url(url: str) -> URL:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError, TypeError):  # ValueError: a port that is no number
        raise UserError(
            "the database URL is not a valid SQLAlchemy URL; expected for example sqlite:///billing.db, "
            "postgresql+psycopg://user@host/db or mysql+pymysql://user@host/db"
        ) from None
    if parsed.get_backend_name() not in _SUPPORTED:
        raise UserError(
            f"unsupported database in {redact_url(url)}; "
            "use sqlite, postgresql+psycopg or mysql+pymysql"
        )
    if parsed.get_backend_name() != "sqlite" and not parsed.database and not {"dbname", "db", "database"} & set(parsed.query):
        # MariaDB would run every command with no database selected, PostgreSQL in a database
        # named like the user: neither is a place to look for billing tables or to create them.
        raise UserError(
            f"the database URL {redact_url(url)} names no database; add it after the host, for example "
            f"{parsed.drivername}://USER@HOST/billing"
        )
    return parsed


def redact_url(url: str | URL) -> str:
    """The URL as it may be shown: scheme, user name, host, port and database, nothing else.

    Built up from those parts rather than by hiding the password in the URL as given, so the
    query (``?password=...``, ``?sslpassword=...``), anything SQLAlchemy mis-parses (an
    unescaped ``@`` in the password puts half of it in the host: ``u:Top@Secret@host``) and
    unsupported schemes never come through. A password (in the user part or the query) shows
    as ``user:***@``; only the password field is masked, so a short password that happens to
    occur in the user or database name leaves them readable. What can't be parsed shows as a
    placeholder naming only the scheme.
    """
    from sqlalchemy.engine import make_url

    text = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except Exception:
        found = re.match(r"[A-Za-z][A-Za-z0-9+.-]{0,30}(?=://)", text)
        return f"<unparseable {found.group() if found else 'database'} URL>"
    scheme = parsed.drivername
    hidden = bool(parsed.password) or any(_SECRET_OPTION.search(str(key)) for key in parsed.query)
    user = _after_last_at(parsed.username or "")
    credentials = f"{user}{':***' if hidden else ''}@" if user or hidden else ""
    if parsed.get_backend_name() == "sqlite":
        shown = f"{scheme}:///{parsed.database or ''}"
    else:
        host = _after_last_at(parsed.host or "")
        host = f"[{host}]" if ":" in host else host
        port = f":{parsed.port}" if parsed.port else ""
        database = parsed.database or ""
        shown = f"{scheme}://{credentials}{host}{port}/{database}"
        if "@" in (parsed.host or "") + database:
            # An unescaped '@' (and '/') in the password: SQLAlchemy's host and database are
            # partly password. Show only what follows the URL's last '@'.
            tail = text.split("?", 1)[0].rsplit("@", 1)[-1]
            shown = f"{scheme}://{credentials}{tail}"
    return shown


safe_url = redact_url  # the name the commands have always used


def without_user(shown: str) -> str:
    """A redacted URL with its user part dropped: which database, not who connects.

    A plan made through a read-only user must apply through the user that may write, and both
    name the same database; the user is not part of a plan's identity."""
    scheme, separator, rest = shown.partition("://")
    if not separator or "@" not in rest.split("/", 1)[0]:
        return shown
    return f"{scheme}://{rest.split('/', 1)[0].rsplit('@', 1)[-1]}/{rest.split('/', 1)[1] if '/' in rest else ''}"


def _after_last_at(part: str) -> str:
    """A user name holding '@' is not one SQLAlchemy reads; keep what follows the last '@'."""
    return part.rsplit("@", 1)[-1]


def _secret_candidates(text: str, parsed: URL | None) -> list[str]:
    """Every string that may be (part of) a password, longest first: SQLAlchemy's reading of
    the password and of secret query options, and an independent reading of the raw text that
    takes everything between the first ':' of the user part and the last '@' as password."""
    from urllib.parse import quote, quote_plus, unquote

    found: set[str] = set()
    values: list[str] = []
    if parsed is not None:
        if parsed.password:
            values.append(str(parsed.password))
        for key, value in parsed.query.items():
            if _SECRET_OPTION.search(str(key)):
                values.extend([value] if isinstance(value, str) else list(value))
    _, separator, rest = text.partition("://")
    if separator and "@" in rest:
        userinfo = rest.rsplit("@", 1)[0]
        if ":" in userinfo:
            raw = userinfo.split(":", 1)[1]
            values.append(raw)
            values.extend(piece for piece in re.split(r"[@:/?#]", raw) if len(piece) >= 3)
    for value in values:
        if value:
            found.update({value, quote(value, safe=""), quote_plus(value), unquote(value)})
    return sorted((item for item in found if item), key=len, reverse=True)


def secrets_of(url: str | URL) -> list[str]:
    """Strings to remove from any text that may echo the URL (a driver's error message)."""
    from sqlalchemy.engine import make_url

    text = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except Exception:
        parsed = None
    return _secret_candidates(text, parsed)


def scrub(text: str, url: str | URL | None) -> str:
    """Remove the URL's password from any text (driver messages sometimes echo conninfo)."""
    if url is None:
        return text
    raw = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    shown = redact_url(url)
    # The URL itself, echoed whole, becomes its redacted form, which is kept as it is: masking a
    # short password's text inside it would mangle the user and database names
    # (real_dolibarr_*** for a password "user"); only the rest of the text is masked.
    pieces = text.split(raw) if raw else [text]
    return shown.join(_mask(piece, url) for piece in pieces)


def _mask(text: str, url: str | URL) -> str:
    """A driver's text without the URL's password, nor any password=... or user:password@."""
    for secret in secrets_of(url):
        if len(secret) >= 2:
            text = text.replace(secret, "***")
    text = re.sub(r"password=\S+", "password=***", text)
    # any other URL's password the driver echoes (user:password@)
    text = re.sub(r"://([^\s/@:]*):(?!\*\*\*@)[^\s/@]*@", r"://\1:***@", text)
    return text


def describe_error(error: BaseException, url: str | URL) -> str:
    """A driver or SQLAlchemy error as one readable line, without the password or SQLAlchemy's link."""
    original = getattr(error, "orig", None) or error
    text = str(original).strip()
    text = text.split("\n(Background on this error", 1)[0]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return scrub("; ".join(lines)[:500], url) or type(error).__name__


def sqlite_file(parsed: URL) -> Path | None:
    """The file an SQLite URL names; None for other databases, in-memory and URI forms."""
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def create_engine(url: str, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT, purpose: str = "billing-config") -> Engine:
    """An engine for any of the three databases, with the settings the sync engine relies on.

    SQLite: foreign keys on for every connection, a busy timeout, and transactions begun by us
    (``BEGIN`` or ``BEGIN IMMEDIATE``) instead of by the driver. PostgreSQL and MariaDB: an
    application name / program name so a waiting apply can say who holds the lock.
    """
    import socket

    import sqlalchemy as sa

    parsed = parse_url(url)
    backend = parsed.get_backend_name()
    label = f"{purpose} pid {os.getpid()} on {socket.gethostname()}"[:60]
    connect_args: dict[str, Any] = {}
    options: dict[str, Any] = {"future": True}
    if backend == "sqlite":
        connect_args["timeout"] = lock_timeout
        connect_args["check_same_thread"] = False
        file = sqlite_file(parsed)
        if file is not None:
            folder = file.resolve().parent
            if not folder.is_dir():
                raise UserError(f"cannot create the SQLite database {safe_url(parsed)}: folder {folder} does not exist")
    elif backend == "postgresql":
        connect_args["application_name"] = label
        connect_args["connect_timeout"] = 10
    else:
        connect_args["program_name"] = label
        connect_args["connect_timeout"] = 10
        connect_args["charset"] = "utf8mb4"
        # Every lock wait of the session (rows, metadata) is bounded by the lock timeout too:
        # MariaDB's own defaults are 50 s for a row and a day or a year for a table.
        seconds = max(1, math.ceil(lock_timeout))
        connect_args["init_command"] = (
            f"SET SESSION sql_mode = '{MYSQL_SQL_MODE}', innodb_lock_wait_timeout = {seconds}, lock_wait_timeout = {seconds}"
        )
        options["pool_pre_ping"] = False
    try:
        from billing_config.db.json_values import serialize

        engine = sa.create_engine(parsed, connect_args=connect_args, json_serializer=serialize, **options)
    except (ValueError, TypeError, sa.exc.ArgumentError) as error:
        # The dialect converts URL options itself (?connect_timeout=abc is int("abc")).
        raise UserError(
            f"the database URL {redact_url(parsed)} has an option the driver cannot use: "
            f"{scrub(str(error), url)[:200]}; check the options after '?'"
        ) from None
    if backend == "sqlite":
        _prepare_sqlite(engine)
    elif backend == "postgresql":
        _bound_postgres_waits(engine, lock_timeout)
    return engine


def _bound_postgres_waits(engine: Engine, lock_timeout: float) -> None:
    """Every lock wait of every session is bounded by the lock timeout (PostgreSQL waits for a
    row as long as its holder keeps it): a command never hangs on another session's lock."""
    from sqlalchemy import event

    milliseconds = max(1, math.ceil(lock_timeout * 1000))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET lock_timeout = {milliseconds}")
        cursor.close()
        dbapi_connection.commit()  # a session setting, kept after the pool's rollbacks


def _prepare_sqlite(engine: Engine) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin() decide when a transaction starts (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def connect_check(engine: Engine, url: str) -> None:
    """Open and close one connection, turning a failure into a clear, password-free message."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with engine.connect():
            pass
    except SQLAlchemyError as error:
        raise DatabaseError(f"cannot connect to {safe_url(url)}: {describe_error(error, url)}") from None


def open_engine(
    choice: DatabaseChoice,
    *,
    purpose: str = "billing-config",
    create: bool = False,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> Engine:
    """An engine for the chosen database, checked to be reachable.

    Only ``db init`` (create=True) may bring a new SQLite file into being; for every other
    command a missing file is a typo or a wrong folder, and silently creating it would hide that.
    """
    if not create:
        parsed = parse_url(choice.url)
        file = sqlite_file(parsed)
        if file is not None and not file.exists():
            raise UserError(
                f"there is no SQLite database at {parsed.database} ({choice.source}); create it with "
                f"`billing-config db init --database {safe_url(parsed)}` or check the path"
            )
    engine = create_engine(choice.url, lock_timeout=lock_timeout, purpose=purpose)
    connect_check(engine, choice.url)
    return engine


def run_guarded(url: str, action: Callable[[], T]) -> T:
    """Run a database action, turning database errors into a clear, password-free error."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return action()
    except SQLAlchemyError as error:
        raise DatabaseError(f"database error on {safe_url(url)}: {describe_error(error, url)}") from None
