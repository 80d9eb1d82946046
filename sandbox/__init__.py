"""A local Telegram Bot API server for tests, benchmarks and token-less runs (never in product)."""

from sandbox.client import SandboxClient
from sandbox.flood import FloodLimits
from sandbox.server import BotApiSandbox

__all__ = ["BotApiSandbox", "FloodLimits", "SandboxClient"]
