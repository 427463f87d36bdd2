"""docs/write-a-pack.md works as written.

The page's code blocks that start with ``# file: PATH`` are written to a temporary
folder (so the page and this test cannot drift apart), and the pack they make is
checked three ways, all offline and without pip:

* its ``pyproject.toml`` declares the entry point the way tallyrules discovers it;
* its module, registered as a plugin object (``Engine(plugins=[module])``), gives a
  pack whose inline examples pass;
* "installed": a ``.dist-info`` folder written from that pyproject's entry points puts
  it in ``importlib.metadata`` like ``pip install`` would; then, in a fresh interpreter,
  the pack is discovered through the entry point, ``tallyrules test`` passes on its
  rules and the page's own test file passes under pytest.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tallyrules
from tallyrules.examples import ExampleRunner, rules_in

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

DOC = Path(__file__).resolve().parents[1] / "docs" / "write-a-pack.md"
BLOCK = re.compile(r"^```[^\n]*\n# file: (?P<path>\S+)\n(?P<body>.*?)^```", re.MULTILINE | re.DOTALL)


def doc_files() -> dict[str, str]:
    """The files the page spells out: path -> content (the ``# file:`` line dropped)."""
    return {m["path"]: m["body"] for m in BLOCK.finditer(DOC.read_text(encoding="utf-8"))}


@pytest.fixture(scope="module")
def pack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("write-a-pack")
    for relative, content in doc_files().items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    (project,) = {Path(p).parts[0] for p in doc_files()}
    return root / project


@pytest.fixture(scope="module")
def pyproject(pack_dir: Path) -> dict:
    return tomllib.loads((pack_dir / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_page_spells_out_a_whole_pack() -> None:
    files = doc_files()
    assert {Path(p).name for p in files} >= {"pyproject.toml", "__init__.py", "test_votes.py"}
    assert any(p.endswith(".rules") for p in files)


def test_the_entry_point_is_well_formed(pack_dir: Path, pyproject: dict) -> None:
    project = pyproject["project"]
    assert any(re.match(r"tallyrules\b", dep) for dep in project["dependencies"])
    entry_points = project["entry-points"]["tallyrules"]
    assert len(entry_points) == 1
    (name, target), = entry_points.items()
    assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name)
    module_dir = pack_dir / "src" / target.replace(".", "/")
    assert (module_dir / "__init__.py").is_file(), "the entry point names the plugin module"
    declared = pyproject["tool"]["setuptools"]["package-data"]
    package_data = declared.get(target, []) + declared.get("*", [])  # "*": data of every package found
    shipped = [p.relative_to(module_dir).as_posix() for p in module_dir.rglob("*.rules")]
    assert shipped and all(any(Path(f).match(g) for g in package_data) for f in shipped), \
        "the rule files are package data"


@pytest.fixture
def plugin_module(pack_dir: Path, pyproject: dict):
    (target,) = pyproject["project"]["entry-points"]["tallyrules"].values()
    sys.path.insert(0, str(pack_dir / "src"))
    try:
        yield importlib.import_module(target)
    finally:
        sys.path.remove(str(pack_dir / "src"))
        for name in [m for m in sys.modules if m == target or m.startswith(target + ".")]:
            del sys.modules[name]


def test_the_plugin_gives_a_pack_whose_examples_pass(plugin_module, pyproject: dict) -> None:
    (pack_name,) = pyproject["project"]["entry-points"]["tallyrules"]
    engine = tallyrules.Engine(packs=["core", pack_name], plugins=[plugin_module])
    (pack,) = [p for p in engine.packs if p.name == pack_name]
    assert pack.version == pyproject["project"]["version"]
    rules = rules_in(engine, [pack.root])
    assert rules, "the pack has rules"
    outcomes = [o for rule in rules for o in ExampleRunner(engine).outcomes(rule)]
    assert any(not o.negative for o in outcomes) and any(o.negative for o in outcomes)
    failed = [f"{o.title}: {o.message}" for o in outcomes if not o.passed]
    assert not failed, "\n".join(failed)


def _fake_install(pack_dir: Path, pyproject: dict, site: Path) -> None:
    """What pip leaves for importlib.metadata: a dist-info folder with the entry points."""
    project = pyproject["project"]
    dist = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n", encoding="utf-8")
    lines = ["[tallyrules]"] + [f"{k} = {v}" for k, v in project["entry-points"]["tallyrules"].items()]
    (dist / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (site / f"__editable__.{project['name']}.pth").write_text(str(pack_dir / "src") + "\n", encoding="utf-8")


def test_installed_it_is_discovered_tested_and_its_test_passes(pack_dir: Path, pyproject: dict,
                                                                 tmp_path: Path) -> None:
    site = tmp_path / "site"
    _fake_install(pack_dir, pyproject, site)
    (pack_name, target), = pyproject["project"]["entry-points"]["tallyrules"].items()
    rules_dir = pack_dir / "src" / target / "rules"
    script = textwrap.dedent(f"""
        import importlib.metadata, site, sys
        site.addsitedir({str(site)!r})            # reads the .pth, like an installed site-packages
        names = {{e.name: e.value for e in importlib.metadata.entry_points(group="tallyrules")}}
        assert names.get({pack_name!r}) == {target!r}, names
        from tallyrules.cli import main
        status = main(["test", "--packs", "core,{pack_name}", {str(rules_dir)!r}])
        assert status == 0, "tallyrules test failed"
        import pytest
        sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "--rootdir", {str(pack_dir)!r},
                              {str(pack_dir / "tests")!r}]))
    """)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "passed" in result.stdout
