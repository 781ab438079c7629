"""Running the installed ``graphmem`` command, as a user's shell would, against the test
Neo4j and the loopback LLM."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from graphmem.localserver import Neo4jServer
from graphmem.testing import OpenAICompatibleServer

GRAPHMEM = str(Path(sys.executable).with_name("graphmem"))


def cli_env(server: Neo4jServer, llm: OpenAICompatibleServer | None = None) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "OPENAI_", "GRAPHMEM_"))
    }
    env |= server.environ() | {"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    if llm is not None:
        env |= {"OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": "test-key"}
    return env


def graphmem(
    env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GRAPHMEM, *args],
        env=env,
        input=stdin or "",  # no terminal: a question gets end-of-file
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def graphmem_json(env: dict[str, str], *args: str) -> Any:
    done = graphmem(env, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
