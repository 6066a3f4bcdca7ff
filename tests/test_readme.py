"""README stays true: every settings key is documented, and the commands it gives exist."""

import re
from pathlib import Path

import pytest

from baseline import settings as settings_module
from baseline.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def documented_keys() -> set[str]:
    keys = set()
    for row in re.findall(r"^\| `([^`]+)`", README, flags=re.MULTILINE):
        keys.add(row)
    # "minSize` / `desiredSize` / `maxSize" rows list siblings
    for _first, rest in re.findall(
        r"^\| `(compute\.nodeGroups\[\]\.\w+)` / (.*?) \|", README, flags=re.MULTILINE
    ):
        keys.update(f"compute.nodeGroups[].{k}" for k in re.findall(r"`(\w+)`", rest))
    return keys


def read_keys(monkeypatch) -> set[str]:
    seen: set[str] = set()
    original = settings_module._Section.key

    def key(self, name):
        full = original(self, name)
        seen.add(re.sub(r"\[\d+\]", "[]", full))
        return full

    monkeypatch.setattr(settings_module._Section, "key", key)
    monkeypatch.setattr(
        settings_module._Section,
        "get",
        _recording_get(settings_module._Section.get, seen, original),
    )
    load_settings(
        {
            "owner": "x",
            "compute": {"nodeGroups": [{"name": "a", "taints": [{"key": "k", "value": "v"}]}]},
            "addons": {"overrides": {"coredns": {"version": "v1.0.0-eksbuild.1"}}},
        },
        "dev",
    )
    return {re.sub(r"overrides\.coredns", "overrides.<add-on>", k) for k in seen}


def _recording_get(get, seen, key):
    def recording(self, name, *args, **kwargs):
        seen.add(re.sub(r"\[\d+\]", "[]", key(self, name)))
        return get(self, name, *args, **kwargs)

    return recording


def test_every_settings_key_is_in_the_config_table(monkeypatch):
    keys = read_keys(monkeypatch)
    sections = {
        k
        for k in keys
        if any(other.startswith(f"{k}.") or other.startswith(f"{k}[") for other in keys)
    }
    missing = keys - sections - documented_keys()
    missing = {
        k for k in missing if ".taints[]." not in k
    }  # taint fields are described in their row
    assert not missing, f"README config table lacks: {sorted(missing)}"


def test_readme_commands_exist():
    for command in ("./scripts/up", "./scripts/test"):
        assert command in README
        assert (ROOT / command).stat().st_mode & 0o111
    ci = (ROOT / ".ci" / "run").read_text()
    assert "./scripts/test" in ci


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_pasted_preflight_output_is_current(stack):
    from preflight.readme import block, current_output

    pasted = block(stack).search(README)
    assert pasted, f"README lacks the preflight block for {stack}"
    assert pasted.group(2) == current_output(stack), (
        "refresh it: venv/bin/python -m preflight.readme"
    )
