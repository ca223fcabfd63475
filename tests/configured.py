"""Settings changed for a test: ``configured(settings, smtp={"host": "127.0.0.1"})``.

A section's values go in a dict (only those named change); a value at the top
(``log_format="json"``) goes as is. Nothing is validated, as with ``model_copy``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from rumbo.settings import Settings


def configured(settings: Settings, **changes: Any) -> Settings:
    update: dict[str, Any] = {}
    for name, value in changes.items():
        current = getattr(settings, name)
        if isinstance(current, BaseModel) and isinstance(value, dict):
            update[name] = current.model_copy(update=value)
        else:
            update[name] = value
    return settings.model_copy(update=update)
