"""The plugin's YAML as Dify sees it: the SDK's own models plus the daemon's stricter rules."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from dify_plugin import DifyPluginEnv
from dify_plugin.core.entities.plugin.setup import PluginConfiguration
from dify_plugin.core.plugin_registration import PluginRegistration
from dify_plugin.entities.provider_config import ConfigOption, ProviderConfig
from dify_plugin.entities.tool import (
    ToolConfiguration,
    ToolDescription,
    ToolIdentity,
    ToolParameter,
    ToolParameterOption,
    ToolProviderConfiguration,
    ToolProviderIdentity,
)

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = {"en_US", "zh_Hans", "ja_JP", "pt_BR"}
I18N_KEYS = {"label", "description", "human_description", "help", "placeholder", "human"}
VERSION_RE = re.compile(r"^\d{1,4}(\.\d{1,4}){2}(-\w{1,16})?$")  # plugin daemon's rule
AUTHOR_RE = re.compile(r"^[a-z0-9_-]{1,64}$")
TOOL_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]+$")


def load(path: str | Path) -> dict[str, Any]:
    with open(ROOT / path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    assert isinstance(data, dict)
    return data


MANIFEST = load("manifest.yaml")
PROVIDER_FILE = MANIFEST["plugins"]["tools"][0]
PROVIDER = load(PROVIDER_FILE)
TOOL_FILES = list(PROVIDER["tools"])


@pytest.fixture(scope="module")
def registration() -> PluginRegistration:
    cwd = os.getcwd()
    os.chdir(ROOT)  # the SDK loads tool YAML and Python sources by relative path
    try:
        return PluginRegistration(DifyPluginEnv())
    finally:
        os.chdir(cwd)


def test_sdk_loads_everything(registration: PluginRegistration) -> None:
    assert registration.configuration.name == "gmail"
    (provider,) = registration.tools_configuration
    assert [t.identity.name for t in provider.tools] == [Path(f).stem for f in TOOL_FILES]
    assert provider.oauth_schema is not None and provider.oauth_schema.credentials_schema
    # Every tool class and the provider class were found and imported.
    assert len(registration.tools_mapping["gmail"][2]) == len(TOOL_FILES)


def test_manifest_daemon_rules() -> None:
    PluginConfiguration(**MANIFEST)
    assert AUTHOR_RE.fullmatch(MANIFEST["author"])
    assert "dify" not in MANIFEST["author"] and "langgenius" not in MANIFEST["author"]
    assert VERSION_RE.fullmatch(MANIFEST["version"])
    assert MANIFEST["meta"]["runner"] == {
        "language": "python",
        "version": "3.12",
        "entrypoint": "main",
    }
    assert MANIFEST["resource"]["memory"] == 268435456
    assert set(MANIFEST["meta"]["arch"]) == {"amd64", "arm64"}
    assert (ROOT / MANIFEST["privacy"]).read_text(encoding="utf-8").strip()
    assert (ROOT / "_assets" / MANIFEST["icon"]).is_file()
    assert (ROOT / "_assets" / PROVIDER["identity"]["icon"]).is_file()
    assert PROVIDER["identity"]["author"] == MANIFEST["author"]
    assert PROVIDER["identity"]["name"] == MANIFEST["name"]


def test_oauth_schema_shape() -> None:
    client = {c["name"]: c for c in PROVIDER["oauth_schema"]["client_schema"]}
    assert client["client_id"]["required"] and client["client_secret"]["required"]
    assert client["client_secret"]["type"] == "secret-input"
    assert {o["value"] for o in client["access_level"]["options"]} == {
        "full",
        "read_and_draft",
        "read_only",
    }
    creds = {c["name"]: c for c in PROVIDER["oauth_schema"]["credentials_schema"]}
    assert creds["access_token"]["type"] == "secret-input"
    assert creds["refresh_token"]["type"] == "secret-input"
    assert "scope" in creds


def i18n_objects(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if (
                key in I18N_KEYS
                and isinstance(value, dict)
                and all(isinstance(v, str) for v in value.values())
            ):
                yield f"{where}.{key}", value
                continue
            yield from i18n_objects(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from i18n_objects(item, f"{where}[{i}]")


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)


ALL_FILES = ["manifest.yaml", PROVIDER_FILE, *TOOL_FILES]


@pytest.mark.parametrize("path", ALL_FILES)
def test_every_i18n_object_has_all_four_languages(path: str) -> None:
    found = list(i18n_objects(load(path)))
    assert found
    for where, obj in found:
        assert set(obj) == LANGUAGES, f"{path}{where}: {sorted(obj)}"
        assert all(v.strip() for v in obj.values()), f"{path}{where} has an empty text"


@pytest.mark.parametrize("path", ALL_FILES)
def test_strings_are_shorter_than_1024(path: str) -> None:
    for text in strings(load(path)):
        assert len(text) < 1024, text[:80]


def model_keys(model: type) -> set[str]:
    keys = set()
    for name, field in model.model_fields.items():  # type: ignore[attr-defined]
        keys.add(field.alias or name)
    return keys


def assert_known(data: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(data) - allowed
    assert not unknown, f"{where}: unknown keys {sorted(unknown)} (typo?)"


def test_no_unknown_keys_in_provider() -> None:
    assert_known(
        PROVIDER, model_keys(ToolProviderConfiguration) | {"credentials_for_provider"}, "provider"
    )
    assert_known(PROVIDER["identity"], model_keys(ToolProviderIdentity), "provider.identity")
    assert_known(PROVIDER["oauth_schema"], {"client_schema", "credentials_schema"}, "oauth_schema")
    for section in ("client_schema", "credentials_schema"):
        for item in PROVIDER["oauth_schema"][section]:
            assert_known(item, model_keys(ProviderConfig), f"oauth_schema.{section}.{item['name']}")
            for option in item.get("options") or []:
                assert_known(option, model_keys(ConfigOption), f"{item['name']}.options")


@pytest.mark.parametrize("path", TOOL_FILES)
def test_tool_yaml_is_valid_and_has_no_unknown_keys(path: str) -> None:
    data = load(path)
    assert_known(data, model_keys(ToolConfiguration), path)
    assert_known(data["identity"], model_keys(ToolIdentity), f"{path}.identity")
    assert_known(data["description"], model_keys(ToolDescription), f"{path}.description")
    assert TOOL_NAME_RE.fullmatch(data["identity"]["name"])
    assert data["identity"]["name"] == Path(path).stem
    assert data["extra"]["python"]["source"] == f"tools/{Path(path).stem}.py"
    assert data["description"]["llm"].strip()
    names = [p["name"] for p in data.get("parameters") or []]
    assert len(names) == len(set(names)), f"duplicate parameter in {path}"
    for param in data.get("parameters") or []:
        assert_known(param, model_keys(ToolParameter), f"{path}.{param['name']}")
        ToolParameter(**param)
        if param["form"] == "llm":
            assert (param.get("llm_description") or "").strip(), f"{path}.{param['name']}"
        for option in param.get("options") or []:
            assert_known(option, model_keys(ToolParameterOption), f"{path}.{param['name']}")
        # A required file parameter breaks the tool inside agents.
        assert not (param["type"] in ("file", "files") and param.get("required"))
    schema = data.get("output_schema")
    assert schema and schema.get("type") == "object" and schema.get("properties"), path


@pytest.mark.parametrize("tool", ["send_message", "reply_to_message", "forward_message"])
def test_tools_that_send_say_to_leave_dify_node_retry_off(tool: str) -> None:
    """A workflow node's "Retry on failure" re-invokes the tool after "may still have been
    sent" with a new Message-ID: the human description (what a workflow author reads when
    adding the node) says to leave it off."""
    human = load(f"tools/{tool}.yaml")["description"]["human"]
    assert "Retry on failure" in human["en_US"]
