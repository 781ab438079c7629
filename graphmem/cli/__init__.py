"""The graphmem command line.

Memory: add, search, list, history, export, import, delete, forget (one scope each: --user,
--agent, --run); for agents: mcp; the local Neo4j: demo, browser, server. Settings come from
the environment (README); without NEO4J_URI the commands use graphmem's local server, started
on first use.

Exit codes: 0 done; 1 another graphmem error; 2 wrong usage; 3 no such fact; 64 no scope
given; 65 unusable input; 69 no Neo4j could be started; 75 temporary failure, run the same
command again; 78 configuration to fix.
"""

from __future__ import annotations

import click

from graphmem.cli.common import report_error
from graphmem.cli.import_command import import_file
from graphmem.cli.local import COMMANDS as LOCAL_COMMANDS
from graphmem.cli.mcp_command import mcp_command
from graphmem.cli.memory_commands import COMMANDS as MEMORY_COMMANDS
from graphmem.errors import GraphMemError

__all__ = ["cli", "main"]


@click.group(help=__doc__, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="graphmem")
def cli() -> None:
    pass


for command in (*MEMORY_COMMANDS, import_file, mcp_command, *LOCAL_COMMANDS):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module doc)."""
    try:
        cli.main(args=argv, prog_name="graphmem", standalone_mode=False)
    except GraphMemError as exc:
        return report_error(exc)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:  # --help, --version
        return exc.exit_code
    return 0
