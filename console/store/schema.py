"""The encrypted cache's file: opening it (chacha20 via SQLite3 Multiple Ciphers), errors, and the
versioned schema (PRAGMA user_version + an ordered list of migrations)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import apsw
import filelock

log = logging.getLogger("concierge.store")

PLAIN_SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000
FOLD_WAIT_MS = 200  # fold_wal waits this long for another program's readers, then leaves the log
CACHE_KIB = 65536
CREATION_WAIT_S = 10.0  # how long a second sync waits for another to finish creating the cache


class KnownError(Exception):
    """The environment let us down (disk full, file locked, corrupt, wrong key): show the message,
    do not treat it as a bug. Messages never contain the key."""


class SchemaBehind(KnownError):
    """The cache was written by an older Concierge: a writer (Store) brings it up to date on opening."""


class CacheKeyError(KnownError):
    """The cache key does not open this cache."""


def normalise_key(key: str | bytes) -> str:
    """The 32-byte cache key as 64 lowercase hex digits (accepts raw bytes or hex text)."""
    if isinstance(key, bytes):
        if len(key) != 32:
            raise CacheKeyError("the cache key must be 32 bytes")
        return key.hex()
    text = key.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise CacheKeyError("the cache key must be 64 hexadecimal digits")
    return text


# Migration 5's clean-up of the codes cached before console.domain.wire normalised them. Built from
# constants only; like every shipped migration, never change it: append a new one.
_BLANKS = "' ' || char(9, 10, 13)"
_CODE_COLUMNS = ("channel", "visibility", "topic", "priority", "status")
_NORMALISE_CODES = (  # built from the constants above, never from input
    "UPDATE enquiries SET "  # noqa: S608
    + ", ".join(f"{c} = lower(trim({c}, {_BLANKS}))" for c in _CODE_COLUMNS)
    + ", flags = lower(replace(replace(replace(replace(flags, ' ', ''), char(9), ''), char(10), ''),"
    " char(13), '')) WHERE "
    + " OR ".join(f"{c} <> lower(trim({c}, {_BLANKS}))" for c in _CODE_COLUMNS)
    + " OR flags <> lower(flags) OR flags GLOB '*[ ' || char(9, 10, 13) || ']*';"
)


# When an open enquiry's running clock most likely started (StoreReader.load_open_first: the queue's first
# screenful). Index v10 holds this very expression (SQLite matches it textually): change it only with a
# new index in a new migration.
OPEN_FIRST_KEY = (
    "CASE WHEN first_response_at IS NULL THEN coalesce(first_customer_message_at, created_at)"
    " WHEN last_customer_message_at > coalesce(last_agent_message_at, first_response_at)"
    " THEN last_customer_message_at ELSE created_at + 86400 END"
)

# Ordered: migration i (0-based) takes user_version i to i + 1. Never edit a shipped one: append.
MIGRATIONS: tuple[str, ...] = (
    # v1: enquiries, conversations, reference data, sync state, quarantine.
    """
    CREATE TABLE enquiries (
        id TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        visibility TEXT NOT NULL,
        customer_handle TEXT NOT NULL,
        customer_name TEXT NOT NULL,
        text TEXT NOT NULL,
        topic TEXT NOT NULL,
        complexity INTEGER NOT NULL,
        flags TEXT NOT NULL,
        priority TEXT NOT NULL,
        status TEXT NOT NULL,
        team_id TEXT,
        agent_id TEXT,
        created_at REAL NOT NULL,
        version INTEGER NOT NULL,
        updated_at REAL NOT NULL,
        first_customer_message_at REAL,
        first_response_at REAL,
        last_customer_message_at REAL,
        last_agent_message_at REAL,
        resolved_at REAL,
        handoff_requested_at REAL,
        handoff_accepted_at REAL,
        bounces INTEGER NOT NULL,
        pauses TEXT NOT NULL,
        outcome TEXT NOT NULL,
        is_open INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX enq_open_team ON enquiries(is_open, team_id);
    CREATE INDEX enq_open_channel ON enquiries(is_open, channel, visibility);
    CREATE INDEX enq_agent ON enquiries(agent_id) WHERE agent_id IS NOT NULL;
    CREATE INDEX enq_customer ON enquiries(customer_handle, created_at);
    CREATE INDEX enq_created ON enquiries(created_at);
    CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        enquiry_id TEXT NOT NULL,
        direction TEXT NOT NULL,
        author TEXT NOT NULL,
        text TEXT NOT NULL,
        sent_at REAL NOT NULL
    );
    CREATE INDEX msg_enquiry ON messages(enquiry_id, sent_at);
    CREATE TABLE teams (id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, json TEXT NOT NULL);
    CREATE TABLE agents (
        id TEXT PRIMARY KEY, team_id TEXT NOT NULL, status TEXT NOT NULL, json TEXT NOT NULL
    );
    CREATE TABLE channels (id TEXT PRIMARY KEY, json TEXT NOT NULL);
    CREATE TABLE sla_policies (id TEXT PRIMARY KEY, rank INTEGER NOT NULL, json TEXT NOT NULL);
    CREATE TABLE calendars (id TEXT PRIMARY KEY, json TEXT NOT NULL);
    CREATE TABLE shifts (id TEXT PRIMARY KEY, start REAL NOT NULL, "end" REAL NOT NULL, json TEXT NOT NULL);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE quarantine (
        source TEXT NOT NULL,
        record_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        raw TEXT NOT NULL,
        first_seen REAL NOT NULL,
        last_seen REAL NOT NULL,
        count INTEGER NOT NULL DEFAULT 1,
        UNIQUE (source, record_id)
    );
    """,
    # v2: local actions (optimistic moves, outbox, audit trail), assignment history, tombstones.
    """
    ALTER TABLE enquiries ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('assignment', 'agent_status')),
        enquiry_id TEXT,
        payload TEXT NOT NULL,
        idempotency_key TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'sent', 'done', 'conflict', 'rejected', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        result TEXT
    );
    CREATE INDEX outbox_state ON outbox(state, id);
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE TABLE assignments (
        id TEXT PRIMARY KEY,
        enquiry_id TEXT NOT NULL,
        from_team TEXT,
        from_agent TEXT,
        to_team TEXT,
        to_agent TEXT,
        reason TEXT NOT NULL,
        actor TEXT NOT NULL,
        at REAL NOT NULL,
        result TEXT NOT NULL
    );
    CREATE INDEX assign_enquiry ON assignments(enquiry_id, at);
    CREATE TABLE tombstones (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, at REAL NOT NULL);
    """,
    # v3: shift reports (written once, never changed: triggers refuse updates and deletes), the agents'
    # status log (kept by sync), and an index for a shift's window of moves.
    """
    CREATE TABLE shift_reports (
        shift_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        start REAL NOT NULL,
        "end" REAL NOT NULL,
        generated_at REAL NOT NULL,
        schema INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        body BLOB NOT NULL
    );
    CREATE TRIGGER shift_reports_no_update BEFORE UPDATE ON shift_reports
        BEGIN SELECT RAISE(ABORT, 'shift reports are immutable'); END;
    CREATE TRIGGER shift_reports_no_delete BEFORE DELETE ON shift_reports
        BEGIN SELECT RAISE(ABORT, 'shift reports are immutable'); END;
    CREATE TABLE agent_status_log (
        id INTEGER PRIMARY KEY,
        agent_id TEXT NOT NULL,
        status TEXT NOT NULL,
        from_ts REAL NOT NULL,
        to_ts REAL
    );
    CREATE INDEX status_log_open ON agent_status_log(agent_id) WHERE to_ts IS NULL;
    CREATE INDEX status_log_from ON agent_status_log(from_ts);
    CREATE INDEX assign_at ON assignments(at);
    """,
    # v4: indexes for a year of history (benchmarks/bench_scale.py): retention's closed-and-old scan, and
    # a shift's window (enquiries resolved after its start, by when they were created).
    """
    CREATE INDEX enq_closed_updated ON enquiries(is_open, updated_at);
    CREATE INDEX enq_resolved ON enquiries(resolved_at, created_at);
    """,
    # v5: the oldest unanswered customer message (the next-response clock runs from it; NULL in rows
    # cached before: the clock then runs from the latest customer message until the row changes). Codes
    # cached before the wire mapping normalised them are normalised the same way (lower case, no
    # surrounding blanks; flags hold no blanks at all), so a cached "Fraud_Risk" meets the fraud rule.
    """
    ALTER TABLE enquiries ADD COLUMN oldest_unanswered_message_at REAL;
    """
    + _NORMALISE_CODES,
    # complaints (issue 17): a supervisor's latest decision on a proposed complaint, kept from the audit
    # trail itself (a trigger on its insert), so the decision and its audit entry can never disagree.
    """
    CREATE TABLE complaint_decisions (
        enquiry_id TEXT PRIMARY KEY,
        decision TEXT NOT NULL,
        at REAL NOT NULL,
        actor TEXT NOT NULL,
        seq INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TRIGGER complaint_decision_audited AFTER INSERT ON audit
    WHEN NEW.action IN ('complaint.confirmed', 'complaint.dismissed')
    BEGIN
        INSERT OR REPLACE INTO complaint_decisions (enquiry_id, decision, at, actor, seq)
        VALUES (NEW.subject, substr(NEW.action, 11), NEW.at, NEW.actor, NEW.seq);
    END;
    """,
    # risk: where each message was sent (the conversation's channel history: a public post that moved to
    # a DM, or to the phone). NULL: the enquiry's channel and visibility (messages cached before).
    """
    ALTER TABLE messages ADD COLUMN channel TEXT;
    ALTER TABLE messages ADD COLUMN visibility TEXT;
    """,
    # complaints through the service (issue 17): the enquiry carries the service's decision (JSON, NULL
    # when nobody decided), and a decision is sent through the outbox. SQLite cannot change a CHECK, so
    # the outbox is rebuilt with the new kind, its rows, ids and AUTOINCREMENT counter kept (audit
    # entries name outbox ids: one is never handed out twice).
    """
    ALTER TABLE enquiries ADD COLUMN complaint_decision TEXT;
    CREATE TABLE outbox_v8 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('assignment', 'agent_status', 'complaint')),
        enquiry_id TEXT,
        payload TEXT NOT NULL,
        idempotency_key TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'sent', 'done', 'conflict', 'rejected', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        result TEXT
    );
    INSERT INTO sqlite_sequence (name, seq)
        SELECT 'outbox_v8', seq FROM sqlite_sequence WHERE name = 'outbox';
    INSERT INTO outbox_v8 (id, kind, enquiry_id, payload, idempotency_key, created_at, state, attempts,
        last_error, result)
    SELECT id, kind, enquiry_id, payload, idempotency_key, created_at, state, attempts, last_error, result
    FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_v8 RENAME TO outbox;
    CREATE INDEX outbox_state ON outbox(state, id);
    CREATE INDEX outbox_enquiry ON outbox(enquiry_id) WHERE state IN ('pending', 'sent');
    CREATE INDEX enq_decided ON enquiries(id) WHERE complaint_decision IS NOT NULL;
    """,
    # the queue's masked previews (issue 16): a start reads them instead of masking every open text
    # again (seconds at 100k). Keyed by a digest of the text; made under one version of the PII rules
    # and the preview's format, kept in meta (console.store.kept): another version reads none.
    """
    CREATE TABLE masked_previews (digest BLOB PRIMARY KEY, preview TEXT NOT NULL) WITHOUT ROWID;
    """,
    # the queue's first screenful (issue 16): the open enquiries in the order their clocks most likely
    # started, walked from an index (0.1 ms) rather than every open row sorted (~140 ms at 100k open)
    # before the first paint.
    f"CREATE INDEX enq_open_first ON enquiries(({OPEN_FIRST_KEY})) WHERE is_open = 1;",
    # the SLA engine's timed clocks (issue 16): a start reads them instead of timing every open enquiry
    # again (~1 s at 100k), and its first screenful is the nearest deadlines, walked from an index. By
    # enquiry id, version and team; made under one version of the SLA rules, kept in meta
    # (console.store.kept).
    """
    CREATE TABLE sla_clocks (
        id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        team_id TEXT,
        kind TEXT,
        started_at REAL,
        due_at REAL,
        target_s REAL,
        calendar_id TEXT,
        policy_id TEXT
    ) WITHOUT ROWID;
    CREATE INDEX sla_clocks_due ON sla_clocks(due_at) WHERE kind IS NOT NULL;
    CREATE INDEX sla_clocks_calendar_due ON sla_clocks(calendar_id, due_at) WHERE kind IS NOT NULL;
    """,
    # the queue's filter text (issue 16): a start reads it instead of making it again (~0.5 s at 100k).
    # By enquiry id, version, team and agent (a local move changes the team and agent before the service
    # gives the enquiry a new version); made under one version of the text's words (privacy mode, names,
    # PII rules), kept in meta (console.store.kept).
    """
    CREATE TABLE filter_texts (
        id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        team_id TEXT,
        agent_id TEXT,
        hay TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

# apsw errors that come from the environment, not from our code.
ENVIRONMENT_ERRORS: tuple[type[BaseException], ...] = (
    apsw.FullError,
    apsw.BusyError,
    apsw.LockedError,
    apsw.CorruptError,
    apsw.CantOpenError,
    apsw.IOError,
    apsw.ReadOnlyError,
    apsw.PermissionsError,
    apsw.NoMemError,
    apsw.NotADBError,
)


_REASONS: dict[type[BaseException], str] = {
    apsw.FullError: "the disk is full",
    apsw.BusyError: "the cache is locked by another program",
    apsw.LockedError: "the cache is locked by another program",
    apsw.CorruptError: "the cache file is damaged",
    apsw.CantOpenError: "the cache file cannot be opened",
    apsw.ReadOnlyError: "the cache file is read-only",
    apsw.PermissionsError: "no permission to use the cache file",
}


class known_errors:  # used like a function: `with known_errors(path):`
    """Translate environment failures into KnownError with a readable message; bugs pass through."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if kind is None:
            return
        if issubclass(kind, apsw.NotADBError):
            raise CacheKeyError(
                f"the cache key does not match this cache ({self.path}): "
                "it was made with another key, or it is not a cache"
            ) from None
        if issubclass(kind, ENVIRONMENT_ERRORS):
            reason = _REASONS.get(kind, "the cache could not be read or written")
            raise KnownError(f"{reason} ({self.path}): {kind.__name__}") from None


def creation_lock(path: Path) -> filelock.FileLock:
    """The lock a writer holds while it opens, creates and migrates the cache (a file beside it), so two
    syncs starting on a new cache take turns instead of reading each other's half-written first pages."""
    return filelock.FileLock(str(path.with_name(path.name + ".lock")), timeout=CREATION_WAIT_S)


def busy_being_created(path: Path) -> KnownError:
    return KnownError(
        f"the cache {path} is busy being created by another Concierge program; try again in a moment"
    )


def connect(path: Path, key: str | bytes, *, readonly: bool = False) -> apsw.Connection:
    """Open the encrypted cache; a cache another program is still creating is waited for, then read."""
    try:
        return _connect(path, key, readonly=readonly)
    except CacheKeyError:
        lock_file = path.with_name(path.name + ".lock")
        if not readonly or not lock_file.exists():
            raise  # a writer holds the creation lock already (Store): the key is wrong
        try:  # wait for whoever is creating it, then read it once more: only then is the key wrong
            with creation_lock(path):
                pass
        except filelock.Timeout:
            raise busy_being_created(path) from None
        return _connect(path, key, readonly=readonly)


def _connect(path: Path, key: str | bytes, *, readonly: bool = False) -> apsw.Connection:
    """Open the encrypted cache. The key travels only in the URI given to SQLite, never to logs."""
    hexkey = normalise_key(key)
    if not readonly:
        path.parent.mkdir(parents=True, exist_ok=True)
    uri = f"{path.resolve().as_uri()}?cipher=chacha20&hexkey={hexkey}"
    flags = apsw.SQLITE_OPEN_URI | (
        apsw.SQLITE_OPEN_READONLY if readonly else apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE
    )
    if path.is_dir():
        raise KnownError(f"{path} is a folder, not a cache file; give the path of a file")
    with known_errors(path):
        if path.exists() and path.stat().st_size >= 16:
            with path.open("rb") as f:
                if f.read(16) == PLAIN_SQLITE_HEADER:
                    raise KnownError(f"{path} is an unencrypted SQLite file, not a Concierge cache")
        conn = apsw.Connection(uri, flags=flags)
        try:
            conn.set_busy_timeout(BUSY_TIMEOUT_MS)
            # The first read proves the key: a wrong key fails here with NotADBError.
            conn.execute("SELECT count(*) FROM sqlite_schema").fetchall()
            if not readonly:
                conn.execute("PRAGMA journal_mode=WAL")
                # Checkpoint every ~40 MB rather than 4 MB: each checkpoint decrypts and re-encrypts the
                # pages it copies, and a big sync rewrites the same index pages many times (~30% faster).
                conn.execute("PRAGMA wal_autocheckpoint=10000")
                conn.execute("PRAGMA journal_size_limit=67108864")
            conn.execute("PRAGMA synchronous=NORMAL")
            # 64 MB of page cache: random index inserts of a 100k sync otherwise re-read (and decrypt) pages.
            conn.execute(f"PRAGMA cache_size={-CACHE_KIB}")
            conn.execute("PRAGMA foreign_keys=ON")
        except BaseException:
            conn.close()
            raise
    return conn


def fold_wal(path: Path, key: str | bytes) -> bool:
    """At exit: the write-ahead log copied into the cache file and emptied, so that the next start has
    none to recover (its first connection reads the whole log: ~0.15 s at 200 MB, issue 16). SQLite does
    this itself when the last connection to close can write; an offline console's last ones only read.
    Left for later, not waited for, while another program reads the cache. True when the log is empty."""
    if not Path(str(path) + "-wal").exists():
        return True
    try:
        conn = _connect(path, key)
    except KnownError as e:
        log.info("the cache's write-ahead log is left for the next start: %s", e)
        return False
    try:
        conn.set_busy_timeout(FOLD_WAIT_MS)
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()[0][0]
    except apsw.Error as e:
        log.info("the cache's write-ahead log is left for the next start: %s", type(e).__name__)
        return False
    finally:
        conn.close()  # the last connection anywhere: SQLite deletes the emptied log
    return busy == 0


def user_version(conn: apsw.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: apsw.Connection, path: Path, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema up to `target`, one migration per transaction. Returns the version reached."""
    with known_errors(path):
        current = user_version(conn)
        if current > SCHEMA_VERSION:
            raise KnownError(
                f"this cache ({path}) was written by a newer Concierge (schema {current}); update the console"
            )
        for version in range(current, target):
            with transaction(conn):
                conn.execute(MIGRATIONS[version])
                conn.execute(f"PRAGMA user_version={version + 1}")
            log.info("cache schema migrated to v%d", version + 1)
        return user_version(conn)


_SAVEPOINT = '"concierge"'  # one name serves every level: RELEASE and ROLLBACK TO take the innermost


@contextmanager
def transaction(conn: apsw.Connection) -> Iterator[apsw.Connection]:
    """`with conn:` as apsw gives it (a savepoint: the outermost commits, inner ones nest), with the GIL
    released while SQLite commits. apsw's own Connection.__exit__ holds the GIL through the commit: the
    sync's commits (WAL write, encryption, now and then a checkpoint) froze the window for 70-170 ms a
    message page and 300 ms for the first fill's index rebuild (issue 16, py-spy); a statement run by
    execute() releases it."""
    conn.execute(f"SAVEPOINT {_SAVEPOINT}")
    try:
        yield conn
        conn.execute(f"RELEASE {_SAVEPOINT}")
    except BaseException:
        try:
            conn.execute(f"ROLLBACK TO {_SAVEPOINT}")
            conn.execute(f"RELEASE {_SAVEPOINT}")
        except apsw.Error:  # SQLite rolled the whole transaction back itself (disk full, I/O error)
            log.debug("the savepoint was gone already; the transaction was rolled back")
        raise
