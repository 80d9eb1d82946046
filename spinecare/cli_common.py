"""What every CLI sub-app shares: the settings (with logging set up) and running a coroutine."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from care.settings import Settings, load_settings
from spinecare import logs

T = TypeVar("T")


def settings() -> Settings:
    loaded = load_settings()
    logs.configure_logging(loaded.log_level)
    return loaded


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)
