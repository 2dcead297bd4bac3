"""Settings: one pydantic-settings object read from the environment and `.env`."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Values people leave in a copied `.env.example`; a key like these is treated as absent so that
# `auto` falls back to the offline providers instead of failing on the first request.
_PLACEHOLDER_MARKERS = ("your", "placeholder", "changeme", "change-me", "xxx", "<", "...")


def is_placeholder(value: str | None) -> bool:
    """True when a secret is empty or is obviously a template value, not a real key."""
    if value is None:
        return True
    text = value.strip().lower()
    return not text or text in {"none", "null", "sk-", "key"} or any(m in text for m in _PLACEHOLDER_MARKERS)


class Settings(BaseSettings):
    """Every knob of the service; see `.env.example` for the documented list."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    data_dir: Path = Path("./data")
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    api_token: str | None = None
    max_request_bytes: int = Field(default=1024 * 1024, ge=1024)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

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

    supabase_url: str | None = None
    supabase_key: str | None = None
    supabase_bucket: str = Field(default="comics", pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")

    @field_validator(
        "openai_base_url", "openai_api_key", "fal_key", "api_token", "supabase_url", "supabase_key", mode="before"
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # Keys pasted with stray spaces would fail authentication far from where they were set.
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("llm_provider", "image_provider", "pdf_paper", mode="before")
    @classmethod
    def _lower_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):  # the JSON list form pydantic-settings users expect to work
                return json.loads(text)
            return [origin.strip() for origin in text.split(",") if origin.strip()]
        return value

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
