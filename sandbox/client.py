"""SandboxClient: the typed async client of the control API, for tests and demos."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from types import TracebackType
from typing import Any

import httpx

from sandbox.flood import FloodLimits

Message = dict[str, Any]
Match = str | Callable[[Message], bool]


class SandboxError(Exception):
    """The control API refused a request (e.g. a button that is not on the message)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(f"{status}: {description}")
        self.status = status
        self.description = description


@dataclass(frozen=True)
class SentDocument:
    chat_id: int
    message_id: int
    file_id: str
    file_name: str
    mime_type: str
    caption: str | None
    content: bytes


class SandboxClient:
    def __init__(self, control_url: str, *, timeout: float = 30.0) -> None:
        self._http = httpx.AsyncClient(base_url=control_url.rstrip("/"), timeout=timeout)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        wait: float | None = None,
    ) -> Any:
        query = {k: v for k, v in (params or {}).items() if v is not None}
        extra: dict[str, Any] = {} if wait is None else {"timeout": wait}
        response = await self._http.request(method, path, json=json, params=query, **extra)
        body = response.json()
        if not body.get("ok"):
            raise SandboxError(response.status_code, body.get("description", ""))
        return body["result"]

    # people and chats

    async def ensure_user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        language_code: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        started: bool = True,
    ) -> dict[str, Any]:
        """Create or update a user; `started` makes their private chat known to the bot."""
        body = {
            "id": user_id,
            "first_name": first_name,
            "language_code": language_code,
            "last_name": last_name,
            "username": username,
            "started": started,
        }
        result: dict[str, Any] = await self._call("POST", "/users", json=body)
        return result

    async def ensure_group(
        self,
        chat_id: int,
        title: str,
        members: Sequence[int] = (),
        *,
        chat_type: str = "group",
        username: str | None = None,
    ) -> dict[str, Any]:
        body = {
            "id": chat_id,
            "title": title,
            "members": list(members),
            "type": chat_type,
            "username": username,
        }
        result: dict[str, Any] = await self._call("POST", "/groups", json=body)
        return result

    async def users(self) -> list[dict[str, Any]]:
        """Every user the sandbox knows, each a Telegram User plus `blocked`."""
        result: list[dict[str, Any]] = await self._call("GET", "/users")
        return result

    async def chats(self) -> list[dict[str, Any]]:
        """Every chat (private and group), each a Telegram Chat plus `members` (user ids)."""
        result: list[dict[str, Any]] = await self._call("GET", "/chats")
        return result

    async def block(self, user_id: int, *, notify: bool = True) -> None:
        """Block the bot as this user; `notify=False` loses the `my_chat_member` update."""
        await self._call("POST", f"/users/{user_id}/block", params={"notify": str(notify).lower()})

    async def unblock(self, user_id: int) -> None:
        await self._call("POST", f"/users/{user_id}/unblock")

    # acting as a user

    async def send_text(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        *,
        reply_to_message_id: int | None = None,
    ) -> Message:
        """Send `text` as the user (to their private chat by default); the user's Message."""
        body = {
            "user_id": user_id,
            "text": text,
            "chat_id": chat_id,
            "reply_to_message_id": reply_to_message_id,
        }
        result: Message = await self._call("POST", "/messages", json=body)
        return result

    async def send_attachment(
        self, user_id: int, kind: str, caption: str = "", chat_id: int | None = None
    ) -> Message:
        """Send a photo, voice, document, sticker, video_note or location as the user."""
        body = {"user_id": user_id, "kind": kind, "caption": caption, "chat_id": chat_id}
        result: Message = await self._call("POST", "/attachments", json=body)
        return result

    async def press_button(
        self, user_id: int, chat_id: int, message_id: int, data: str, *, force: bool = False
    ) -> str:
        """Press the button carrying `data` (any data with `force=True`); the callback query id."""
        body = {
            "user_id": user_id,
            "chat_id": chat_id,
            "message_id": message_id,
            "data": data,
            "force": force,
        }
        result = await self._call("POST", "/callbacks", json=body)
        return str(result["callback_query_id"])

    # reading what the bot did

    async def sent_messages(self, chat_id: int | None = None) -> list[Message]:
        """The bot's messages as they are now (edits applied, deletions gone), oldest first."""
        result: list[Message] = await self._call("GET", "/sent", params={"chat_id": chat_id})
        return result

    async def chat_messages(self, chat_id: int | None = None) -> list[Message]:
        """The conversation as it is now: the users' messages and the bot's, oldest first."""
        result: list[Message] = await self._call("GET", "/messages", params={"chat_id": chat_id})
        return result

    async def download(self, file_id: str) -> bytes:
        """The bytes of a document the bot sent (`GET /files/{file_id}`)."""
        response = await self._http.get(f"/files/{file_id}")
        if response.status_code != 200:
            raise SandboxError(response.status_code, response.json().get("description", ""))
        return response.content

    async def documents(self, chat_id: int | None = None) -> list[SentDocument]:
        found = await self._call("GET", "/documents", params={"chat_id": chat_id})
        return [
            SentDocument(
                chat_id=item["chat_id"],
                message_id=item["message_id"],
                file_id=item["file_id"],
                file_name=item["file_name"],
                mime_type=item["mime_type"],
                caption=item["caption"],
                content=base64.b64decode(item["content_base64"]),
            )
            for item in found
        ]

    async def callback_answers(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._call("GET", "/callback_answers")
        return result

    async def commands(self) -> list[dict[str, Any]]:
        """What setMyCommands stored: `{"scope", "language_code", "commands"}` per entry."""
        result: list[dict[str, Any]] = await self._call("GET", "/commands")
        return result

    async def pending_updates(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._call("GET", "/updates")
        return result

    async def wait_for_message(
        self,
        chat_id: int,
        match: Match,
        timeout: float = 5.0,  # noqa: ASYNC109 - the deadline is the server's long poll
        *,
        after_message_id: int = 0,
    ) -> Message:
        """The first bot message in `chat_id` after `after_message_id` that matches.

        `match` is a substring of the text or caption, or a predicate on the Message dict.
        The server holds each request until the bot's messages change; no fixed sleeps.
        """
        accept = _matcher(match)
        deadline = time.monotonic() + timeout
        version = -1
        while True:
            remaining = max(deadline - time.monotonic(), 0.0)
            answer = await self._call(
                "GET",
                "/wait",
                params={"chat_id": chat_id, "after_version": version, "timeout": remaining},
                wait=remaining + 10.0,
            )
            messages: list[Message] = [
                m for m in answer["messages"] if m["message_id"] > after_message_id
            ]
            for message in messages:
                if accept(message):
                    return message
            if remaining <= 0:
                seen = [m.get("text", m.get("caption")) for m in messages]
                raise TimeoutError(f"no bot message matching {match!r} in {chat_id}; saw {seen}")
            version = answer["version"]

    async def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = await self._call("GET", "/stats")
        return result

    async def reset(self) -> None:
        await self._call("POST", "/reset")

    # faults and flood limits

    async def inject_fault(
        self,
        method: str,
        *,
        status: int | None = 500,
        count: int = 1,
        description: str | None = None,
        retry_after: int | None = None,
        delay: float = 0.0,
        drop: bool = False,
    ) -> None:
        """The next `count` calls of `method` ("*" for any) answer `status`, after `delay` s;
        `status=None` carries the call out; `drop` closes the connection instead of answering."""
        body = {
            "drop": drop,
            "method": method,
            "status": status,
            "count": count,
            "description": description,
            "retry_after": retry_after,
            "delay": delay,
        }
        await self._call("POST", "/faults", json=body)

    async def pending_faults(self) -> list[dict[str, Any]]:
        """The faults armed and not yet used up."""
        result: list[dict[str, Any]] = await self._call("GET", "/faults")
        return result

    async def clear_faults(self) -> None:
        await self._call("DELETE", "/faults")

    async def set_flood_limits(self, limits: FloodLimits) -> None:
        await self._call("POST", "/flood", json=asdict(limits))


def _matcher(match: Match) -> Callable[[Message], bool]:
    if callable(match):
        return match
    return lambda message: match in (message.get("text") or message.get("caption") or "")
