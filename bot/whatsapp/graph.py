"""A small typed client for the few Graph API calls the WhatsApp bridge makes.

- ``POST /{phone-number-id}/messages``: send a message; answers the message id (wamid).
- ``POST /{phone-number-id}/media``: upload a recording (voice prompts).
- ``GET /{media-id}``: a media object's short-lived download URL.
- ``GET {url}``: the media bytes (the same bearer token).

Why not a WhatsApp library: pywa (the most complete one) was read and does most of
this, but its ``GraphAPI`` sets the session's base URL to
``https://graph.facebook.com/v{version}`` itself, so the tests' fake on loopback could
only be reached by patching a private attribute; its webhook de-duplication is in
memory (Rumbo's is in the database, in the transaction that applies the message); and
the bridge needs four calls.

Every call carries ``Authorization: Bearer <token>``. The base URL is
``RUMBO_WHATSAPP_API_URL`` (``https://graph.facebook.com/v21.0`` by default; the tests
point it at a fake on loopback). Errors come back as ``GraphError`` with Meta's error
``code`` and HTTP status, or as ``httpx`` transport errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

import httpx

DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
MAX_MEDIA_BYTES = 16 * 1024 * 1024  # WhatsApp's limit for audio


class GraphError(Exception):
    """The Graph API answered with an error object."""

    def __init__(
        self,
        status: int,
        code: int | None,
        message: str,
        *,
        subcode: int | None = None,
        details: str = "",
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.subcode = subcode
        self.details = details

    @classmethod
    def from_response(cls, response: httpx.Response) -> GraphError:
        error: dict[str, Any] = {}
        try:
            body = response.json()
            if isinstance(body, dict) and isinstance(body.get("error"), dict):
                error = body["error"]
        except ValueError:
            pass
        code = error.get("code")
        subcode = error.get("error_subcode")
        data = error.get("error_data")
        details = data.get("details", "") if isinstance(data, dict) else ""
        return cls(
            response.status_code,
            code if isinstance(code, int) else None,
            str(error.get("message") or response.reason_phrase or "error"),
            subcode=subcode if isinstance(subcode, int) else None,
            details=str(details),
        )


class MediaTooLarge(Exception):
    pass


@dataclass(frozen=True, slots=True)
class MediaInfo:
    url: str
    mime_type: str
    file_size: int | None


class GraphApi:
    """The Cloud API for one business phone number. Close it (``aclose`` or
    ``async with``) to release its connections."""

    def __init__(
        self,
        base_url: str,
        token: str,
        phone_number_id: str,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.phone_number_id = phone_number_id
        self._headers = {"Authorization": f"Bearer {token}"}
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    async def send(self, to: str, message: dict[str, Any]) -> str:
        """Send one message (``message`` holds ``type`` and its object); its wamid."""
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
        body.update(message)
        response = await self._http.post(
            f"{self.base_url}/{self.phone_number_id}/messages", json=body, headers=self._headers
        )
        data = self._checked(response)
        messages = data.get("messages")
        if isinstance(messages, list) and messages and isinstance(messages[0], dict):
            wamid = messages[0].get("id")
            if isinstance(wamid, str) and wamid:
                return wamid
        raise GraphError(response.status_code, None, "no message id in the answer")

    async def upload(self, content: bytes, mime_type: str, filename: str) -> str:
        """Upload media for sending; its media id."""
        response = await self._http.post(
            f"{self.base_url}/{self.phone_number_id}/media",
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, content, mime_type)},
            headers=self._headers,
        )
        media_id = self._checked(response).get("id")
        if not isinstance(media_id, str) or not media_id:
            raise GraphError(response.status_code, None, "no media id in the answer")
        return media_id

    async def media_info(self, media_id: str) -> MediaInfo:
        response = await self._http.get(f"{self.base_url}/{media_id}", headers=self._headers)
        data = self._checked(response)
        url = data.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise GraphError(response.status_code, None, "no download URL for the media")
        size = data.get("file_size")
        return MediaInfo(
            url=url,
            mime_type=str(data.get("mime_type") or ""),
            file_size=int(size) if isinstance(size, int | str) and str(size).isdigit() else None,
        )

    async def download(self, media_id: str, *, limit: int = MAX_MEDIA_BYTES) -> bytes:
        """The bytes of an inbound media object (a voice note)."""
        info = await self.media_info(media_id)
        if info.file_size is not None and info.file_size > limit:
            raise MediaTooLarge(f"{info.file_size} bytes")
        async with self._http.stream("GET", info.url, headers=self._headers) as response:
            if response.status_code >= 400:
                await response.aread()
                raise GraphError.from_response(response)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise MediaTooLarge(f"over {limit} bytes")
                chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _checked(response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 400:
            raise GraphError.from_response(response)
        try:
            data = response.json()
        except ValueError:
            raise GraphError(response.status_code, None, "the answer is not JSON") from None
        if not isinstance(data, dict):
            raise GraphError(response.status_code, None, "the answer is not a JSON object")
        return data
