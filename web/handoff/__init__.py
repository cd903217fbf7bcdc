"""The handoff between the bot and the service desk (used by the console, the chat and the sweeper)."""
