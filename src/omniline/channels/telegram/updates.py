"""The parts of the Bot API `Update` object we read (https://core.telegram.org/bots/api#update).

Telegram adds fields with every Bot API version, so unknown fields are ignored here (forbidding them
would turn the next Bot API release into a wave of refused updates). Only what we use is declared.
"""

from pydantic import BaseModel, ConfigDict, Field


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class User(_Lenient):
    id: int
    first_name: str = ""
    last_name: str | None = None
    username: str | None = None

    @property
    def display_name(self) -> str | None:
        name = " ".join(part for part in (self.first_name, self.last_name) if part).strip()
        return name or self.username


class Chat(_Lenient):
    id: int
    # Required by the Bot API today, but missing from the older samples of its own documentation.
    type: str = "private"


class PhotoSize(_Lenient):
    file_id: str
    file_unique_id: str = ""
    width: int = 0
    height: int = 0
    file_size: int | None = None


class File(_Lenient):
    """A document, audio, video, voice note, video note or animation: anything downloadable by id."""

    file_id: str
    file_unique_id: str = ""
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


class Contact(_Lenient):
    phone_number: str
    first_name: str = ""
    last_name: str | None = None
    user_id: int | None = None


class Location(_Lenient):
    latitude: float
    longitude: float


class Sticker(_Lenient):
    file_id: str
    emoji: str | None = None


class Message(_Lenient):
    message_id: int
    from_: User | None = Field(default=None, alias="from")
    chat: Chat
    date: int
    edit_date: int | None = None
    text: str | None = None
    caption: str | None = None
    photo: list[PhotoSize] = Field(default_factory=list)
    document: File | None = None
    audio: File | None = None
    video: File | None = None
    voice: File | None = None
    video_note: File | None = None
    animation: File | None = None
    contact: Contact | None = None
    location: Location | None = None
    sticker: Sticker | None = None


class Update(_Lenient):
    update_id: int
    message: Message | None = None
    edited_message: Message | None = None
