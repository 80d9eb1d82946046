"""A throwaway PostgreSQL cluster that a drill can really stop and start again.

``initdb`` and ``pg_ctl`` (PostgreSQL 15's, or those on PATH) make a cluster in a temporary
directory, listening on a free port of 127.0.0.1 only; it is removed at the end. The shared
server on 5432 is never touched. Run as root, the cluster belongs to the ``postgres`` user
(PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import asyncpg

BIN_DIRS = (Path("/usr/lib/postgresql/15/bin"),)


def pg_bin(name: str) -> str | None:
    for directory in BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    return shutil.which(name)


def available() -> bool:
    """Whether this machine can make a cluster (initdb and pg_ctl are installed)."""
    return pg_bin("initdb") is not None and pg_bin("pg_ctl") is not None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    """One cluster: ``url`` for SQLAlchemy, ``stop()`` and ``start()`` for the drill."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.port = port
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/drill"
        self._as_postgres = ("runuser", "-u", "postgres", "--") if os.geteuid() == 0 else ()

    async def _run(self, *command: str) -> None:
        process = await asyncio.create_subprocess_exec(
            *self._as_postgres, *command,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, error = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"{Path(command[0]).name} failed: {error.decode()[-500:]}")

    async def init(self) -> None:
        if self._as_postgres:
            shutil.chown(self.directory, "postgres")
        await self._run(
            pg_bin("initdb") or "initdb", "-D", str(self.data), "-U", "postgres",
            "--auth=trust", "-N", "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        await self.start()
        connection = await asyncpg.connect(
            host="127.0.0.1", port=self.port, user="postgres", database="postgres"
        )
        try:
            await connection.execute("CREATE DATABASE drill")
        finally:
            await connection.close()

    async def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        await self._run(
            pg_bin("pg_ctl") or "pg_ctl", "-D", str(self.data), "-o", options,
            "-l", str(self.directory / "log"), "-w", "start",
        )  # fmt: skip

    async def stop(self, mode: str = "fast") -> None:
        """Stop the server: connections are cut, new ones refused, until ``start()``."""
        await self._run(
            pg_bin("pg_ctl") or "pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop"
        )


@asynccontextmanager
async def throwaway_cluster() -> AsyncIterator[Cluster]:
    directory = Path(tempfile.mkdtemp(prefix="spinecare-pg-"))
    cluster = Cluster(directory, free_port())
    try:
        await cluster.init()
        yield cluster
    finally:
        with suppress(RuntimeError):
            await cluster.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)
