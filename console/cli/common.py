"""What every headless command shares: exit codes, the one error type, the cache key, the settings, the
logging set-up and the actor named in the audit trail. The commands import this module, never each other.

Exit codes: 0 done, 1 unexpected failure, 2 usage, 3 the cache (wrong key, disk, lock), 4 the server
could not be reached or answered badly, 5 sign-in refused, 6 the audit trail has been tampered with,
7 the output file could not be written. Every command runs its body under run_command, so each failure
is said and coded the same way whichever command meets it.
"""

from __future__ import annotations

import errno
import getpass
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from console.platform.env import ENV_CACHE_KEY

if TYPE_CHECKING:  # the commands import their heavy parts lazily, so --help starts fast
    from console.platform.settings import Settings

EXIT_OK, EXIT_BUG, EXIT_USAGE, EXIT_CACHE, EXIT_NETWORK, EXIT_AUTH, EXIT_TAMPERED = 0, 1, 2, 3, 4, 5, 6
EXIT_OUTPUT = 7  # the output file could not be written (disk full, no permission, no such folder)


class CommandError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def cache_key() -> bytes | str:
    """CONCIERGE_CACHE_KEY, else the key kept in the OS secret store (made on first use)."""
    env = os.environ.get(ENV_CACHE_KEY)
    if env:
        return env.strip()
    from console.platform.credentials import CredentialsError, SecretStore

    secrets = SecretStore.open()
    if not secrets.secure:
        # A key held in memory only would make a cache nobody can open again.
        raise CommandError(
            f"no secure password store is available for the cache key; set {ENV_CACHE_KEY} "
            "(64 hexadecimal characters) instead",
            EXIT_CACHE,
        )
    try:
        return secrets.cache_key()
    except CredentialsError as e:
        raise CommandError(str(e), EXIT_CACHE) from None


def setup_logging(verbose: bool) -> None:
    """The console's one logging set-up (rotating file, secrets redacted on every handler), with the
    terminal at WARNING, or INFO with --verbose."""
    from console.platform.log_setup import setup_logging as install

    install(level=logging.INFO if verbose else logging.WARNING, stderr=True)


@contextmanager
def errors() -> Iterator[None]:
    """Known failures become one clear line and an exit code; anything else is a bug and says so."""
    from console.api.errors import ApiError, AuthError, GoneError
    from console.store.schema import KnownError

    try:
        yield
    except CommandError:
        raise
    except AuthError as e:
        raise CommandError(f"sign-in failed: {e}", EXIT_AUTH) from None
    except GoneError as e:
        raise CommandError(
            f"cannot sync: {e}; the server kept forgetting the position during the full re-read, which "
            "is saved: run sync again",
            EXIT_NETWORK,
        ) from None
    except ApiError as e:  # unreachable, failing, answering badly, or refusing
        raise CommandError(f"cannot sync: {e}", EXIT_NETWORK) from None
    except KnownError as e:  # the cache's own OS errors arrive as KnownError (console.store.schema)
        raise CommandError(f"cache: {e}", EXIT_CACHE) from None
    except ValueError as e:  # e.g. a malformed API address
        raise CommandError(str(e), EXIT_USAGE) from None


def run_command(name: str, body: Callable[[], int]) -> int:
    """Run a command's body: a known failure becomes one line, "concierge NAME: ...", and its exit code;
    an output that cannot be written is EXIT_OUTPUT; a reader that stopped early (`| head`) is not an
    error worth a traceback. Anything else is a bug and propagates."""
    try:
        with errors():
            return body()
    except CommandError as e:
        print(f"concierge {name}: {e}", file=sys.stderr)
        return e.code
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as e:  # the cache's own OS errors arrived as KnownError: what is left is the output
        print(f"concierge {name}: {output_error(e)}", file=sys.stderr)
        return EXIT_OUTPUT


def output_error(e: OSError) -> str:
    """An output that could not be written, as a sentence: our own sentence when we raised it with one."""
    if e.errno is None:
        return str(e)
    return f"cannot write {e.filename or 'the output'}: {os_reason(e)}"


def os_reason(e: OSError) -> str:
    """An OS error as a short sentence (no traceback, no errno numbers)."""
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EACCES: "no permission",
        errno.EPERM: "no permission",
        errno.ENOENT: "the folder does not exist",
        errno.EISDIR: "it is a folder",
        errno.ENOTDIR: "a part of the path is not a folder",
        errno.EROFS: "the file system is read-only",
        errno.EIO: "the disk reported an input/output error",
    }
    return reasons.get(e.errno or 0, e.strerror or type(e).__name__)


def load_settings() -> Settings:
    """The console's own settings (user over machine files) give the defaults the GUI uses too."""
    from console.platform.settings import load

    return load()


def cli_actor() -> str:
    """Who ran the command, for the audit trail: the OS account (a CLI has no sign-in of its own)."""
    try:
        return f"{getpass.getuser()} (cli)"
    except (KeyError, OSError):
        return "unknown (cli)"
