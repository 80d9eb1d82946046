"""The control API under /sandbox: act as patients and coordinators, read what the bot sent."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote

from aiohttp import web

from sandbox import incoming
from sandbox.botapi import BotApi
from sandbox.errors import BotApiError, bad_request, not_found
from sandbox.faults import Fault, Faults
from sandbox.flood import FloodLimits
from sandbox.state import Chat, User
from sandbox.stats import Stats

MAX_WAIT = 60.0


class DemoClock(Protocol):
    """The service's demo clock, when the service lends one (see spinecare/demo.py)."""

    def now(self) -> datetime: ...

    async def step(self, step: str) -> datetime: ...


class ControlApi:
    def __init__(self, api: BotApi, faults: Faults, stats: Stats) -> None:
        self.demo_clock: DemoClock | None = None
        self.api = api
        self.state = api.state
        self.faults = faults
        self.stats = stats

    def routes(self, prefix: str) -> list[web.RouteDef]:
        handlers: list[tuple[str, str, Callable[[web.Request], Awaitable[Any]]]] = [
            ("GET", "/users", self.list_users),
            ("POST", "/users", self.ensure_user),
            ("POST", "/users/{user_id}/block", self.block),
            ("POST", "/users/{user_id}/unblock", self.unblock),
            ("POST", "/groups", self.ensure_group),
            ("GET", "/chats", self.list_chats),
            ("GET", "/messages", self.chat_messages),
            ("POST", "/messages", self.send_text),
            ("POST", "/attachments", self.send_attachment),
            ("POST", "/callbacks", self.press_button),
            ("GET", "/sent", self.sent_messages),
            ("GET", "/documents", self.documents),
            ("GET", "/callback_answers", self.callback_answers),
            ("GET", "/commands", self.commands),
            ("GET", "/updates", self.pending_updates),
            ("GET", "/updates/delivered", self.delivered_updates),
            ("POST", "/updates/{update_id}/redeliver", self.redeliver),
            ("GET", "/wait", self.wait),
            ("GET", "/stats", self.get_stats),
            ("POST", "/reset", self.reset),
            ("GET", "/faults", self.list_faults),
            ("POST", "/faults", self.add_fault),
            ("DELETE", "/faults", self.clear_faults),
            ("GET", "/flood", self.get_flood),
            ("POST", "/flood", self.set_flood),
            ("GET", "/clock", self.get_clock),
            ("POST", "/clock", self.move_clock),
        ]
        return [
            web.route(method, prefix + path, self._wrap(handler))
            for method, path, handler in handlers
        ] + [web.get(prefix + "/files/{file_id}", self.download)]

    @staticmethod
    def _wrap(
        handler: Callable[[web.Request], Awaitable[Any]],
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def respond(request: web.Request) -> web.Response:
            try:
                result = await handler(request)
            except BotApiError as error:
                return web.json_response(error.payload(), status=error.error_code)
            return web.json_response({"ok": True, "result": result})

        return respond

    # helpers

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        try:
            body = await request.json()
        except json.JSONDecodeError:
            raise bad_request("the control API takes a JSON object") from None
        if not isinstance(body, dict):
            raise bad_request("the control API takes a JSON object")
        return body

    @staticmethod
    def _int(value: Any, name: str) -> int:
        if isinstance(value, bool) or value is None:
            raise bad_request(f"{name} is required")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"{name} must be an integer") from None

    def _user(self, value: Any) -> User:
        user_id = self._int(value, "user_id")
        user = self.state.users.get(user_id)
        return user if user is not None else self.state.ensure_user(user_id, started=False)

    def _chat(self, value: Any, user: User) -> Chat:
        if value is None or self._int(value, "chat_id") == user.id:
            return self.state.private_chat(user)
        chat = self.state.chats.get(self._int(value, "chat_id"))
        if chat is None:
            raise bad_request("chat not found")
        return chat

    @staticmethod
    def _chat_filter(request: web.Request) -> int | None:
        value = request.query.get("chat_id")
        return None if value in (None, "") else ControlApi._int(value, "chat_id")

    # people and chats

    async def list_users(self, request: web.Request) -> Any:
        """Every user the sandbox knows (not the bot), with whether they blocked the bot."""
        return [user.as_json() | {"blocked": user.blocked} for user in self.state.users.values()]

    async def list_chats(self, request: web.Request) -> Any:
        """Every chat: private ones (id = the user's id) and groups with their members."""
        return [
            chat.as_json() | {"members": sorted(chat.members)} for chat in self.state.chats.values()
        ]

    async def ensure_user(self, request: web.Request) -> Any:
        body = await self._body(request)
        user = self.state.ensure_user(
            self._int(body.get("id"), "id"),
            body.get("first_name"),
            last_name=body.get("last_name"),
            username=body.get("username"),
            language_code=body.get("language_code"),
            started=bool(body.get("started", True)),
        )
        return user.as_json()

    async def ensure_group(self, request: web.Request) -> Any:
        body = await self._body(request)
        chat_id = self._int(body.get("id"), "id")
        chat_type = body.get("type", "group")
        if chat_id >= 0 or chat_type not in ("group", "supergroup"):
            raise bad_request("a group needs a negative id and type group or supergroup")
        members = [self._int(m, "members") for m in body.get("members", [])]
        title = str(body.get("title") or chat_id)
        chat = self.state.ensure_group(chat_id, title, members, chat_type)
        if body.get("username"):
            chat.username = str(body["username"]).removeprefix("@").lower()
        return chat.as_json()

    async def block(self, request: web.Request) -> Any:
        user = self._user(request.match_info["user_id"])
        notify = request.query.get("notify", "true").lower() != "false"
        incoming.set_blocked(self.state, user, True, notify=notify)
        return user.as_json() | {"blocked": True}

    async def unblock(self, request: web.Request) -> Any:
        user = self._user(request.match_info["user_id"])
        incoming.set_blocked(self.state, user, False)
        return user.as_json() | {"blocked": False}

    # acting as a user

    async def send_text(self, request: web.Request) -> Any:
        body = await self._body(request)
        user = self._user(body.get("user_id"))
        chat = self._chat(body.get("chat_id"), user)
        reply_to = body.get("reply_to_message_id")
        message = incoming.user_message(
            self.state,
            user,
            chat,
            str(body.get("text") or ""),
            reply_to_message_id=None if reply_to is None else self._int(reply_to, "reply_to"),
            privacy_mode=self.api.privacy_mode,
        )
        return message.as_json()

    async def send_attachment(self, request: web.Request) -> Any:
        body = await self._body(request)
        user = self._user(body.get("user_id"))
        chat = self._chat(body.get("chat_id"), user)
        kind = str(body.get("kind") or "")
        caption = str(body.get("caption") or "")
        return incoming.user_attachment(self.state, user, chat, kind, caption).as_json()

    async def press_button(self, request: web.Request) -> Any:
        body = await self._body(request)
        user = self._user(body.get("user_id"))
        chat = self._chat(body.get("chat_id"), user)
        data = body.get("data")
        if not isinstance(data, str):
            raise bad_request("data is required")
        query_id = incoming.press_button(
            self.state,
            user,
            chat,
            self._int(body.get("message_id"), "message_id"),
            data,
            force=bool(body.get("force", False)),
        )
        return {"callback_query_id": query_id}

    # reading what the bot did

    async def sent_messages(self, request: web.Request) -> Any:
        chat_id = self._chat_filter(request)
        return [m.as_json(full_markup=True) for m in self.state.bot_messages(chat_id)]

    async def chat_messages(self, request: web.Request) -> Any:
        """The whole conversation, the users' messages and the bot's, as it is now, oldest first."""
        chat_id = self._chat_filter(request)
        return [
            m.as_json(full_markup=True)
            for m in self.state.messages.values()
            if not m.deleted and (chat_id is None or m.chat.id == chat_id)
        ]

    async def documents(self, request: web.Request) -> Any:
        chat_id = self._chat_filter(request)
        found = []
        for message in self.state.bot_messages(chat_id):
            if message.document is None:
                continue
            stored = self.state.files[message.document["file_id"]]
            found.append(
                {
                    "chat_id": message.chat.id,
                    "message_id": message.message_id,
                    "caption": message.caption,
                    "content_base64": base64.b64encode(stored.content).decode(),
                    **message.document,
                }
            )
        return found

    async def download(self, request: web.Request) -> web.Response:
        """A document's bytes by file_id, as an attachment (the chat page's download links)."""
        stored = self.state.files.get(request.match_info["file_id"])
        if stored is None:
            error = BotApiError(404, "Not Found: no file with this file_id")
            return web.json_response(error.payload(), status=404)
        disposition = f"attachment; filename*=UTF-8''{quote(stored.file_name)}"
        headers = {
            "Content-Type": stored.mime_type or "application/octet-stream",
            "Content-Disposition": disposition,
        }
        return web.Response(body=stored.content, headers=headers)

    async def callback_answers(self, request: web.Request) -> Any:
        return list(self.state.callback_answers)

    async def commands(self, request: web.Request) -> Any:
        return [
            {"scope": json.loads(scope), "language_code": language, "commands": commands}
            for (scope, language), commands in self.state.commands.items()
        ]

    async def pending_updates(self, request: web.Request) -> Any:
        return list(self.state.updates)

    async def delivered_updates(self, request: web.Request) -> Any:
        return list(self.state.delivered.values())

    async def redeliver(self, request: web.Request) -> Any:
        update = self.state.redeliver(self._int(request.match_info["update_id"], "update_id"))
        if update is None:
            raise bad_request("no update with this update_id was ever sent")
        return update

    async def wait(self, request: web.Request) -> Any:
        """Answer once the bot's messages changed after `after_version`, or at `timeout`."""
        after = self._int(request.query.get("after_version", "-1"), "after_version")
        try:
            timeout = min(float(request.query.get("timeout", "10")), MAX_WAIT)
        except ValueError:
            raise bad_request("timeout must be a number") from None
        chat_id = self._chat_filter(request)
        deadline = time.monotonic() + timeout
        while self.state.version <= after and not self.api.closing:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            await self.state.changes.wait(remaining)
        messages = [m.as_json(full_markup=True) for m in self.state.bot_messages(chat_id)]
        return {"version": self.state.version, "messages": messages}

    async def get_stats(self, request: web.Request) -> Any:
        return self.stats.as_json(
            len(self.state.bot_messages()), len(self.state.updates), len(self.state.delivered)
        )

    async def reset(self, request: web.Request) -> Any:
        self.state.reset()
        self.api.flood.reset()
        self.faults.clear()
        fresh = Stats()
        for item in fields(Stats):
            setattr(self.stats, item.name, getattr(fresh, item.name))
        return True

    # faults and flood limits

    async def list_faults(self, request: web.Request) -> Any:
        return [fault.as_json() for fault in self.faults.pending()]

    async def add_fault(self, request: web.Request) -> Any:
        body = await self._body(request)
        if not isinstance(body.get("method"), str):
            raise bad_request("method is required")
        status = body.get("status", 500)
        fault = Fault(
            method=body["method"],
            count=self._int(body.get("count", 1), "count"),
            status=None if status is None else self._int(status, "status"),
            description=body.get("description"),
            retry_after=body.get("retry_after"),
            delay=float(body.get("delay", 0.0)),
            drop=bool(body.get("drop", False)),
        )
        self.faults.add(fault)
        return fault.as_json()

    async def clear_faults(self, request: web.Request) -> Any:
        self.faults.clear()
        return True

    async def get_flood(self, request: web.Request) -> Any:
        return asdict(self.api.flood.limits)

    async def set_flood(self, request: web.Request) -> Any:
        body = await self._body(request)
        known = {item.name for item in fields(FloodLimits)}
        unknown = set(body) - known
        if unknown:
            raise bad_request(f"unknown flood limit fields: {sorted(unknown)}")
        limits = FloodLimits(**(asdict(self.api.flood.limits) | body))
        self.api.flood.configure(limits)
        return asdict(limits)

    # the demo clock (only when the service lends one: no real token)

    def _demo(self) -> DemoClock:
        if self.demo_clock is None:
            raise not_found()
        return self.demo_clock

    async def get_clock(self, request: web.Request) -> Any:
        return {"now": self._demo().now().isoformat()}

    async def move_clock(self, request: web.Request) -> Any:
        demo = self._demo()
        step = (await self._body(request)).get("step")
        if step not in ("hour", "day", "next"):
            raise bad_request("step must be hour, day or next")
        return {"now": (await demo.step(step)).isoformat()}
