"""A reference server for Stream's video query endpoints (`pip install stream-filters[server]`).

`create_app(ServerSettings(api_key=..., api_secret=...))` is an ASGI app that
Stream's official SDKs can talk to (give them `base_url=`); see docs/server.md.
"""

from .app import ServerSettings, create_app, cursor_secret
from .storage import Storage

__all__ = ["ServerSettings", "Storage", "create_app", "cursor_secret"]
