"""Every module of the package sits in a layer of the import-linter contract.

A module missing from the contract would be free to import anything; this test
makes adding one to the contract part of adding the module.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "klshuttle"


def test_every_module_is_in_a_layer() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    layered = {
        name.strip().removeprefix("klshuttle.")
        for layer in contract["layers"]
        for name in layer.replace(":", "|").split("|")
    }
    modules = {
        p.stem if p.is_file() else p.name
        for p in PACKAGE.iterdir()
        if (p.suffix == ".py" or (p / "__init__.py").is_file())
        and p.name not in ("__init__.py", "__main__.py")
    }
    assert modules - layered == set(), "modules missing from the layer contract"
    assert layered - modules == set(), "layers name modules that do not exist"
