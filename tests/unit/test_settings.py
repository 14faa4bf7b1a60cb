from __future__ import annotations

from typing import Any

import pytest

from lsp_server.config.settings import Settings, base_url, parse_settings, to_wire


def test_defaults_and_wire_names() -> None:
    wire = to_wire(Settings())
    assert wire["completion"]["maxTokens"] == 128
    assert wire["engine"]["contextLength"] == 4096
    assert parse_settings(wire) == (Settings(), [])


@pytest.mark.parametrize(
    ("raw", "field", "check"),
    [
        (
            {"completion": {"maxTokens": "lots"}},
            "completion.maxTokens",
            lambda s: s.completion.max_tokens == 128,
        ),
        (
            {"completion": {"deadlineMs": 0}},
            "completion.deadlineMs",
            lambda s: s.completion.deadline_ms == 4000,
        ),
        ({"engine": {"threads": True}}, "engine.threads", lambda s: s.engine.threads == 0),
        ({"logLevel": "loud"}, "logLevel", lambda s: s.log_level == "warning"),
        ({"modle": "x"}, "modle", lambda s: s.model is None),
        ({"engine": 3}, "engine", lambda s: s.engine.threads == 0),
    ],
)
def test_bad_values_are_named_and_replaced_by_defaults(
    raw: dict[str, Any], field: str, check: Any
) -> None:
    settings, errors = parse_settings(raw)
    assert len(errors) == 1 and errors[0].startswith(field)
    assert check(settings)


def test_good_values_merge_and_wrapping_key() -> None:
    base, _ = parse_settings({"model": "smollm2-135m"})
    settings, errors = parse_settings({"slm-ls": {"completion": {"maxTokens": 16}}}, base)
    assert errors == []
    assert settings.model == "smollm2-135m" and settings.completion.max_tokens == 16
    assert parse_settings(None, base) == (base, [])
    # Neovim sends an empty Lua table as []: no settings, no complaint; [1] is an error.
    assert parse_settings([], base) == (base, [])
    assert parse_settings([1], base)[1] == ["settings: expected an object, got [1]"]


@pytest.mark.parametrize(
    ("raw", "field", "kept"),
    [
        ({"completion": {"maxTokens": "5"}}, "completion.maxTokens", "128"),
        ({"completion": {"deadlineMs": 64.9}}, "completion.deadlineMs", "4000"),
        ({"completion": {"idleWork": 1}}, "completion.idleWork", "True"),
        ({"model": {"name": "x"}}, "model", "None"),
        ({"engine": {"contextLength": 1_048_576}}, "engine.contextLength", "4096"),
    ],
)
def test_values_are_not_converted_silently(raw: dict[str, Any], field: str, kept: str) -> None:
    settings, errors = parse_settings(raw)
    assert settings == Settings()
    assert (
        len(errors) == 1 and errors[0].startswith(field) and errors[0].endswith(f"keeping {kept}")
    )


@pytest.mark.parametrize(
    ("name", "accepted"),
    [("OPENAI_API_KEY", True), ("VLLM_API_KEY", True), ("", True),
     ("FAKE_CLOUD_SECRET", False), ("GITHUB_TOKEN", False), ("AWS_SECRET_ACCESS_KEY", False),
     ("HOME", False), ("openai_api_key", False)],
)  # fmt: skip
def test_api_key_env_from_the_editor_must_name_an_api_key(name: str, accepted: bool) -> None:
    """Issue 15, item 6: workspace settings could send any variable to any URL."""
    settings, errors = parse_settings({"engine": {"apiKeyEnv": name}})
    assert (settings.engine.api_key_env == name) is accepted
    assert bool(errors) is not accepted
    assert all("--api-key-env" in e for e in errors)


@pytest.mark.parametrize(
    "url", ["http://host:8000", "http://host:8000/", "http://host:8000/v1", "http://host:8000/v1/"]
)
def test_the_base_url_is_taken_with_or_without_v1(url: str) -> None:
    assert base_url(url) == "http://host:8000"
