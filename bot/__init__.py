"""Telegram adapter: the Application factory, handlers, keyboards and the messenger."""
