"""Headless commands: `python -m console <command> ...`. Each command lives in its own module and is
imported only when asked for, so `--help` and every command start fast."""

from __future__ import annotations

import importlib
import sys

COMMANDS: dict[str, tuple[str, str, str]] = {
    "serve-demo": ("console.service.demo", "main", "run the reference Service API with simulated traffic"),
    "sync": ("console.cli.commands", "sync_main", "sync the encrypted cache with a Service API"),
    "export": ("console.cli.commands", "export_main", "write the cached enquiries as JSON lines or CSV"),
    "report": (
        "console.cli.report_commands",
        "report_main",
        "export a shift report (PDF or CSV) from the cache",
    ),
    "audit": ("console.cli.report_commands", "audit_main", "verify or export the tamper-evident audit trail"),
    "quarantine": ("console.cli.quarantine", "quarantine_main", "list or fetch again the records set aside"),
    "gateway": ("console.gateway.main", "main", "serve the Service API from PostgreSQL (add-user: a user)"),
}


def usage() -> str:
    lines = ["usage: python -m console <command> [options]", "", "commands:"]
    lines += [f"  {name:<12} {help_}" for name, (_, _, help_) in COMMANDS.items()]
    lines.append("\n`python -m console <command> --help` for a command's options.")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0
    entry = COMMANDS.get(argv[0])
    if entry is None:
        print(f"unknown command {argv[0]!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module, func = entry[0], entry[1]
    result: int = getattr(importlib.import_module(module), func)(argv[1:])
    return result


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
