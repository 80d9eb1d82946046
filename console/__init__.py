"""The care team's web console: server-rendered pages over the same use cases as the bot."""
