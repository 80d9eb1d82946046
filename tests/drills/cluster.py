"""A throwaway PostgreSQL cluster that a drill can really stop and start again.

``initdb`` and ``pg_ctl`` (the newest under /usr/lib/postgresql/*/bin, Debian's layout, or
those on PATH) make a cluster in a temporary directory, listening on 127.0.0.1 only; it is
removed at the end. The shared server on 5432 is never touched. Run as root, the cluster
belongs to the ``postgres`` user (PostgreSQL refuses to run as root).

The cluster lives in memory (/dev/shm, when it has room), and the server runs without fsync:
on this machine's disk ``initdb`` alone took 2.4 s, 1.2 s of it in the kernel writing files; in
memory it takes 0.6 s.

Its port is outside the kernel's range for outgoing connections, so no client socket of this
machine can take it while the server is stopped, and it is held by a bound socket (which refuses
connections, as a stopped server does) until the server starts again: a pytest-xdist worker or
another run looking for a free port never gets it.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import asyncpg

PORTS = range(20_000, 30_000)  # searched from a place set by the process id
MEMORY = "/dev/shm"
INITDB_OPTIONS = (
    "-U", "postgres", "--auth=trust", "-N", "-E", "UTF8", "--locale=C.UTF-8", "--wal-segsize=1",
)  # fmt: skip


def _version(directory: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in directory.parent.name.split(".") if part.isdigit())


def bin_dirs() -> list[Path]:
    """Debian's /usr/lib/postgresql/<version>/bin, newest first."""
    return sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version, reverse=True)


def pg_bin(name: str) -> str | None:
    for directory in bin_dirs():
        if (directory / name).exists():
            return str(directory / name)
    return shutil.which(name)


def available() -> bool:
    """Whether this machine can make a cluster: initdb and pg_ctl are installed and, as root,
    there is a ``postgres`` user to run them."""
    if pg_bin("initdb") is None or pg_bin("pg_ctl") is None:
        return False
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return False
    return True


def _outgoing_ports() -> range:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return range(int(low), int(high) + 1)
    except (OSError, ValueError):
        return range(32_768, 61_000)  # Linux's default


def _bound(port: int) -> socket.socket | None:
    """A socket bound to the port (no listen: connections to it are refused), or None."""
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", port))
    except OSError:
        holder.close()
        return None
    return holder


def reserve_port() -> socket.socket:
    """A socket bound to a free port of 127.0.0.1 outside the range for outgoing connections,
    searched from a place set by the process id (pytest-xdist workers and parallel runs spread
    out). The port stays reserved until the socket is closed."""
    outgoing = _outgoing_ports()
    start = os.getpid() % len(PORTS)
    for offset in range(len(PORTS)):
        port = PORTS[(start + offset) % len(PORTS)]
        if port not in outgoing and (holder := _bound(port)) is not None:
            return holder
    holder = socket.socket()  # all taken: any port the kernel gives
    holder.bind(("127.0.0.1", 0))
    return holder


class Cluster:
    """One cluster: ``url`` for SQLAlchemy, ``stop()`` and ``start()`` for the drill."""

    def __init__(self, directory: Path, port: socket.socket) -> None:
        """``port``: a socket bound to the port (``reserve_port()``), closed as the server
        starts; the port is held this way whenever the server is not running."""
        self.directory = directory
        self.data = directory / "data"
        self.port = int(port.getsockname()[1])
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/drill"
        self._as_postgres = ("runuser", "-u", "postgres", "--") if os.geteuid() == 0 else ()
        self._holder: socket.socket | None = port

    async def _run(self, *command: str) -> None:
        process = await asyncio.create_subprocess_exec(
            *self._as_postgres, *command,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, error = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"{Path(command[0]).name} failed: {error.decode()[-500:]}")

    async def init(self) -> None:
        """Make the cluster, start it, and create its empty database."""
        if self._as_postgres:
            shutil.chown(self.directory, "postgres")
        await self._run(pg_bin("initdb") or "initdb", "-D", str(self.data), *INITDB_OPTIONS)
        await self.start()
        connection = await asyncpg.connect(
            host="127.0.0.1", port=self.port, user="postgres", database="postgres"
        )
        try:
            await connection.execute("CREATE DATABASE drill")
        finally:
            await connection.close()

    async def start(self) -> None:
        if self._holder is not None:
            self._holder.close()
            self._holder = None
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
        self._holder = _bound(self.port)

    def release(self) -> None:
        """Let the port go (the cluster is being removed)."""
        if self._holder is not None:
            self._holder.close()
            self._holder = None


def _parent() -> str | None:
    """/dev/shm when it is there with room to spare (Docker gives it 64 MB; a cluster takes
    30), else the temporary directory."""
    with suppress(OSError):
        if shutil.disk_usage(MEMORY).free >= 512 * 2**20 and os.access(MEMORY, os.W_OK):
            return MEMORY
    return None


@asynccontextmanager
async def throwaway_cluster() -> AsyncIterator[Cluster]:
    directory = Path(tempfile.mkdtemp(prefix="spinecare-pg-", dir=_parent()))
    cluster = Cluster(directory, reserve_port())
    try:
        await cluster.init()
        yield cluster
    finally:
        with suppress(RuntimeError):
            await cluster.stop("immediate")
        cluster.release()
        shutil.rmtree(directory, ignore_errors=True)
