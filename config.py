"""Settings: one pydantic-settings object read from the environment and `.env`."""

from __future__ import annotations

import ipaddress
import json
import secrets
import socket
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Values people leave in a copied `.env.example`; a key like these is treated as absent so that
# `auto` falls back to the offline providers instead of failing on the first request.
_PLACEHOLDER_MARKERS = ("your", "placeholder", "changeme", "change-me", "xxx", "<", "...")


# Loopback names a browser on this machine uses; a page on any other name (DNS rebinding) is refused.
DEFAULT_ALLOWED_HOSTS = ("localhost", "127.0.0.1", "[::1]")
# Addresses that bind every interface: they name no host a client could use.
_ANY_INTERFACE = ("0.0.0.0", "[::]")
_LOOPBACK_ADDRESSES = ("127.0.0.1", "[::1]")

# Made once per process rather than per Settings object: the CLI reads the settings again (`serve
# --host`), and the log lines, /health and the app must all name the same instance. The suffix
# tells apart two instances on one host, and a restarted one from its predecessor.
PROCESS_INSTANCE_ID = f"{socket.gethostname() or 'fable'}-{secrets.token_hex(3)}"


def canonical_host(text: str) -> str:
    """`text` (a host name or address, without a port) as a Host header carries it, for comparing.

    Lower case, no trailing dot, an IPv6 address in brackets in its short form. Raises ValueError
    for anything else (a port, a scheme, a path).
    """
    name = text.strip().lower()
    inner = name[1:-1] if name.startswith("[") and name.endswith("]") else name
    if ":" in inner:
        try:
            return f"[{ipaddress.IPv6Address(inner).compressed}]"
        except ValueError:
            raise ValueError(f"{text!r} is not a host name or address (leave out the scheme and port)") from None
    name = name.rstrip(".")
    if not name or any(c in name for c in "/[]@?#* "):
        raise ValueError(f"{text!r} is not a host name or address (leave out the scheme and port)")
    return name


def _host_pattern(text: str) -> str:
    """An ALLOWED_HOSTS entry: a host (see `canonical_host`), `*` (any) or `*.example.com` (its sub-domains)."""
    name = text.strip()
    if name == "*":
        return name
    if name.startswith("*."):
        return "*." + canonical_host(name[2:])
    if "*" in name:
        raise ValueError(f"{text!r}: a wildcard is `*` (any host) or `*.example.com` (its sub-domains)")
    return canonical_host(name)


def is_placeholder(value: str | None) -> bool:
    """True when a secret is empty or is obviously a template value, not a real key."""
    if value is None:
        return True
    text = value.strip().lower()
    return not text or text in {"none", "null", "sk-", "key"} or any(m in text for m in _PLACEHOLDER_MARKERS)


def _stripped(value: object, blank: object) -> object:
    """A setting's text without surrounding spaces, or `blank` when nothing is left; other values as given."""
    if isinstance(value, str):
        return value.strip() or blank
    return value


class Settings(BaseSettings):
    """Every knob of the service; see `.env.example` for the documented list."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    data_dir: Path = Path("./data")
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=lambda: list(DEFAULT_ALLOWED_HOSTS))
    api_token: str | None = None
    max_request_bytes: int = Field(default=1024 * 1024, ge=1024)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # Names this process in its log lines and /health; no spaces, so a log line splits cleanly.
    instance_id: str = Field(default=PROCESS_INSTANCE_ID, pattern=r"^\S{1,128}$")
    # Live-event streams (`GET .../events`) open at once, per job and in all; beyond them: 429.
    max_event_streams_per_job: int = Field(default=16, ge=1, le=10_000)
    max_event_streams: int = Field(default=256, ge=1, le=100_000)

    llm_provider: Literal["auto", "openai", "offline"] = "auto"
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    llm_timeout_seconds: float = Field(default=90.0, gt=0)

    image_provider: Literal["auto", "fal", "offline"] = "auto"
    fal_key: str | None = Field(default=None, validation_alias=AliasChoices("FAL_KEY", "FAL_AI_API_KEY"))
    fal_model: str = "fal-ai/flux/schnell"
    # Panels with cast members in them: an endpoint that draws from reference pictures (`image_urls`).
    fal_reference_model: str = "fal-ai/flux-pro/kontext/multi"
    # fal's Platform API, where a resumed job looks for a request whose id it never recorded.
    fal_platform_url: str = "https://api.fal.ai/v1"
    image_width: int = Field(default=768, ge=256, le=2048)
    image_height: int = Field(default=512, ge=256, le=2048)
    image_concurrency: int = Field(default=6, ge=1, le=32)
    image_timeout_seconds: float = Field(default=180.0, gt=0)
    max_image_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    max_reference_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)  # an uploaded reference picture

    resume_on_start: bool = False

    retry_attempts: int = Field(default=4, ge=1, le=10)
    retry_base_delay_seconds: float = Field(default=0.5, ge=0)
    retry_total_seconds: float = Field(default=60.0, gt=0)
    pdf_paper: Literal["a4", "letter"] = "a4"

    # With it set, jobs, comics, custom characters and character references live in this PostgreSQL
    # database (Supabase or any PostgreSQL 14+) instead of the JSON folders under DATA_DIR.
    database_url: str | None = None

    supabase_url: str | None = None
    supabase_key: str | None = None
    supabase_bucket: str = Field(default="comics", pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")

    # Where the service keeps images, pages and PDFs: the images folder under DATA_DIR, or the S3
    # bucket below. A switch of its own, not implied by S3_ENDPOINT_URL: those settings also name the
    # export's upload target, and setting them for an upload must not move where new images go.
    image_store: Literal["files", "s3"] = "files"

    # An S3-compatible bucket (AWS S3, Supabase Storage's S3 endpoint, R2, MinIO) that
    # `python main.py export` also uploads to, when the endpoint is set; with IMAGE_STORE=s3, where
    # the images live.
    s3_endpoint_url: str | None = None
    # S3's own rules, plus `_` (Supabase bucket names may hold it); never `.` or `..` (it names a folder too).
    s3_bucket: str = Field(default="comics", pattern=r"^[a-z0-9][a-z0-9._-]{1,62}$")
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None

    @field_validator(
        "openai_base_url",
        "openai_api_key",
        "fal_key",
        "api_token",
        "database_url",
        "supabase_url",
        "supabase_key",
        "s3_endpoint_url",
        "s3_access_key_id",
        "s3_secret_access_key",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # Keys pasted with stray spaces would fail authentication far from where they were set.
        return _stripped(value, None)

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        # Said at start-up: a typo'd scheme would otherwise surface as a libpq error far from the setting.
        if value is not None and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("DATABASE_URL must be a postgresql:// URL (or empty for the file store)")
        return value

    @field_validator("instance_id", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object) -> object:
        # `INSTANCE_ID=` as .env.example leaves it: the generated id, not an empty name.
        return _stripped(value, PROCESS_INSTANCE_ID)

    @field_validator("s3_region", mode="before")
    @classmethod
    def _default_region(cls, value: object) -> object:
        # `S3_REGION=` left empty in a copied .env.example: signing needs a region, and S3 servers
        # that have none of their own (MinIO, a local test server) take S3's default.
        return _stripped(value, "us-east-1")

    @model_validator(mode="after")
    def _bucket_for_images(self) -> Settings:
        # Said at start-up, by name: otherwise the first image written would fail far from the cause.
        if self.image_store == "s3":
            missing = [
                name.upper()
                for name in ("s3_endpoint_url", "s3_access_key_id", "s3_secret_access_key")
                if not getattr(self, name)
            ]
            if missing:
                raise ValueError(f"IMAGE_STORE=s3 needs {', '.join(missing)} set")
        return self

    @field_validator("llm_provider", "image_provider", "pdf_paper", "image_store", mode="before")
    @classmethod
    def _lower_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("cors_origins", "allowed_hosts", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):  # the JSON list form pydantic-settings users expect to work
                return json.loads(text)
            return [origin.strip() for origin in text.split(",") if origin.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origin_form(cls, origins: list[str]) -> list[str]:
        # As a browser writes its Origin header, which CORS and the cross-site check compare exactly.
        return [origin.strip().rstrip("/").lower() for origin in origins]

    @field_validator("allowed_hosts")
    @classmethod
    def _host_names(cls, names: list[str]) -> list[str]:
        if not names:  # `ALLOWED_HOSTS=` left empty, as in .env.example: the loopback names
            return list(DEFAULT_ALLOWED_HOSTS)
        return [_host_pattern(name) for name in names]

    @property
    def served_hosts(self) -> list[str]:
        """The host names requests may carry: ALLOWED_HOSTS, plus HOST when it names one host.

        HOST is the name or address the server listens on, so requests that name it are meant for this
        service; `0.0.0.0` and `::` (every interface) name no host and add nothing.
        """
        # The loopback addresses are always served: a browser sends them only for a page it loaded from
        # this machine by address (rebinding sends the attacker's name), and the CLI's `generate` calls them.
        hosts = [*self.allowed_hosts, *(h for h in _LOOPBACK_ADDRESSES if h not in self.allowed_hosts)]
        try:
            own = canonical_host(self.host)
        except ValueError:
            return hosts  # not a usable name; uvicorn will say so when it binds
        if own in _ANY_INTERFACE or own in hosts:
            return hosts
        return [*hosts, own]

    @property
    def openai_key(self) -> str | None:
        """The OpenAI key, or None when it is unset or a placeholder."""
        return None if is_placeholder(self.openai_api_key) else self.openai_api_key

    @property
    def fal_api_key(self) -> str | None:
        """The fal.ai key, or None when it is unset or a placeholder."""
        return None if is_placeholder(self.fal_key) else self.fal_key

    @property
    def supabase_api_key(self) -> str | None:
        """The Supabase key, or None when it is unset or a placeholder."""
        return None if is_placeholder(self.supabase_key) else self.supabase_key

    @property
    def text_provider(self) -> Literal["openai", "offline"]:
        """Which text provider runs: `auto` picks OpenAI only when a real key is configured."""
        if self.llm_provider == "auto":
            return "openai" if self.openai_key else "offline"
        return self.llm_provider

    @property
    def image_provider_name(self) -> Literal["fal", "offline"]:
        """Which image provider runs: `auto` picks fal.ai only when a real key is configured."""
        if self.image_provider == "auto":
            return "fal" if self.fal_api_key else "offline"
        return self.image_provider


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
