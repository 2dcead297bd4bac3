"""Settings: defaults, environment and `.env` parsing, key placeholders and provider selection."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from pydantic import AliasChoices, ValidationError

from config import PROCESS_INSTANCE_ID, Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
ENV_EXAMPLE = REPO_ROOT / ".env.example"
PLACEHOLDERS = ["your_openai_key", "your_fal_key", "", "   ", "changeme", "<key>"]


def _env_name(name: str) -> str:
    """The variable a field is read from: its first alias if it has one (fal_key → FAL_KEY), else NAME."""
    alias = Settings.model_fields[name].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return alias if isinstance(alias, str) else name.upper()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's shell (PORT, DATA_DIR, keys...) must not leak into "what are the defaults".
    for name in Settings.model_fields:
        monkeypatch.delenv(_env_name(name), raising=False)
    monkeypatch.delenv("FAL_AI_API_KEY", raising=False)


def test_defaults_serve_locally_on_offline_providers() -> None:
    settings = Settings(_env_file=None)
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert (settings.image_width, settings.image_height) == (768, 512)
    assert settings.image_concurrency == 6
    assert settings.data_dir == Path("./data")
    assert settings.cors_origins == []
    assert settings.openai_base_url is None
    assert (settings.llm_provider, settings.image_provider) == ("auto", "auto")
    assert (settings.text_provider, settings.image_provider_name) == ("offline", "offline")


@pytest.mark.parametrize("key", PLACEHOLDERS)
def test_placeholder_keys_count_as_absent(key: str) -> None:
    # A `.env` copied from the example without editing must not send requests with a bogus key.
    settings = Settings(_env_file=None, openai_api_key=key, fal_key=key)
    assert settings.openai_key is None
    assert settings.fal_api_key is None
    assert (settings.text_provider, settings.image_provider_name) == ("offline", "offline")


@pytest.mark.parametrize("key", PLACEHOLDERS)
def test_placeholder_keys_from_the_environment_count_as_absent(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", key)
    monkeypatch.setenv("FAL_KEY", key)
    settings = Settings(_env_file=None)
    assert (settings.text_provider, settings.image_provider_name) == ("offline", "offline")


def test_real_looking_keys_select_the_real_providers() -> None:
    settings = Settings(_env_file=None, openai_api_key="sk-proj-4f9a1c2b7e", fal_key="3b1d2c4e-5f6a:9e8d7c6b5a")
    assert settings.openai_key == "sk-proj-4f9a1c2b7e"
    assert settings.fal_api_key == "3b1d2c4e-5f6a:9e8d7c6b5a"
    assert (settings.text_provider, settings.image_provider_name) == ("openai", "fal")


@pytest.mark.parametrize("variable", ["FAL_KEY", "FAL_AI_API_KEY"])
def test_both_fal_key_names_are_read(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, "fal-real-key-123")
    settings = Settings(_env_file=None)
    assert settings.fal_api_key == "fal-real-key-123"
    assert settings.image_provider_name == "fal"


def test_explicit_offline_wins_over_a_real_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-4f9a1c2b7e")
    monkeypatch.setenv("FAL_KEY", "fal-real-key-123")
    monkeypatch.setenv("LLM_PROVIDER", "offline")
    monkeypatch.setenv("IMAGE_PROVIDER", "offline")
    settings = Settings(_env_file=None)
    assert (settings.text_provider, settings.image_provider_name) == ("offline", "offline")


def test_cors_origins_is_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "http://a, http://b ,")
    assert Settings(_env_file=None).cors_origins == ["http://a", "http://b"]


def test_empty_values_in_the_environment_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    # `.env.example` ships `OPENAI_BASE_URL=`; an empty string must not become a base URL.
    monkeypatch.setenv("OPENAI_BASE_URL", "")
    monkeypatch.setenv("CORS_ORIGINS", "")
    settings = Settings(_env_file=None)
    assert settings.openai_base_url is None
    assert settings.cors_origins == []


def test_a_dotenv_file_is_read_and_the_environment_overrides_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# comments and blank lines are fine\n\n"
        "PORT=9001\n"
        "DATA_DIR=/srv/fable\n"
        "OPENAI_API_KEY=sk-proj-4f9a1c2b7e\n"
        "FAL_AI_API_KEY=fal-real-key-123\n"
        "CORS_ORIGINS=http://localhost:3000,http://localhost:5173\n"
        "IMAGE_CONCURRENCY=3\n"
        "SOMETHING_ELSE=ignored\n",
        encoding="utf-8",
    )
    settings = Settings(_env_file=env_file)
    assert settings.port == 9001
    assert settings.data_dir == Path("/srv/fable")
    assert settings.cors_origins == ["http://localhost:3000", "http://localhost:5173"]
    assert settings.image_concurrency == 3
    assert (settings.text_provider, settings.image_provider_name) == ("openai", "fal")

    monkeypatch.setenv("PORT", "9002")  # as `.env.example` promises: the environment beats the file
    assert Settings(_env_file=env_file).port == 9002


@pytest.mark.parametrize(
    ("variable", "value"),
    [("PORT", "0"), ("PORT", "abc"), ("IMAGE_WIDTH", "100"), ("IMAGE_CONCURRENCY", "0"), ("LLM_PROVIDER", "gpt")],
)
def test_out_of_range_values_are_rejected(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError):
        Settings(_env_file=None)


def test_env_example_documents_every_setting() -> None:
    # `NAME=value` lines; a commented-out `# NAME=value` still documents an optional setting.
    documented = set(re.findall(r"^\s*#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(encoding="utf-8"), re.M))
    missing = sorted(_env_name(name) for name in Settings.model_fields if _env_name(name) not in documented)
    assert not missing, f".env.example does not document {missing}"


def test_env_example_copied_verbatim_gives_the_defaults() -> None:
    # `cp .env.example .env` is the first step a new user takes: it must parse and run offline.
    from_example = Settings(_env_file=ENV_EXAMPLE)
    defaults = Settings(_env_file=None)
    assert (from_example.text_provider, from_example.image_provider_name) == ("offline", "offline")
    placeholders = {"openai_api_key", "fal_key"}
    assert from_example.model_dump(exclude=placeholders) == defaults.model_dump(exclude=placeholders)


def test_provider_names_and_log_level_ignore_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLM_PROVIDER", "OpenAI")
    monkeypatch.setenv("IMAGE_PROVIDER", " Offline ")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("OPENAI_API_KEY", "  sk-real-looking-key  ")
    settings = Settings(_env_file=None)
    assert (settings.llm_provider, settings.image_provider, settings.log_level) == ("openai", "offline", "DEBUG")
    assert settings.openai_key == "sk-real-looking-key"  # stray spaces would break authentication


def test_cors_origins_accept_the_json_list_form(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", '["http://a", "http://b"]')
    assert Settings(_env_file=None).cors_origins == ["http://a", "http://b"]


def test_the_instance_id_defaults_to_the_host_name_and_a_suffix_made_once_per_process() -> None:
    first, second = Settings(_env_file=None), Settings(_env_file=None)
    assert re.fullmatch(re.escape(socket.gethostname()) + r"-[0-9a-f]{6}", first.instance_id)
    assert second.instance_id == first.instance_id  # `serve --host` reads the settings again


@pytest.mark.parametrize(("value", "expected"), [("box-7", "box-7"), ("  box-7 ", "box-7"), ("", None), (" ", None)])
def test_instance_id_is_read_and_blank_means_the_default(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: str | None
) -> None:
    monkeypatch.setenv("INSTANCE_ID", value)
    assert Settings(_env_file=None).instance_id == (expected or PROCESS_INSTANCE_ID)


def test_an_instance_id_with_spaces_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSTANCE_ID", "box 7")  # a log line's fields are split on spaces
    with pytest.raises(ValidationError):
        Settings(_env_file=None)
