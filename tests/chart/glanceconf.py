"""Check a Glance configuration the way Glance reads it: every section and option known."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import yaml
from oslo_config.validator import KNOWN_BAD_GROUPS

# Option namespaces of glance-api, as Glance's own config generator lists them.
NAMESPACES = [
    "glance.api",
    "glance.store",
    "glance.multi_store",
    "glance",
    "oslo.concurrency",
    "oslo.db",
    "oslo.log",
    "oslo.limit",
    "oslo.messaging",
    "oslo.middleware",
    "oslo.policy",
    "keystonemiddleware.auth_token",
]
# Options keystoneauth registers at run time in the groups that load an auth plugin, so no
# sample lists them.
AUTH_PLUGIN_OPTIONS = {"auth_type", "auth_section"}
RESERVED_STORES = {"os_glance_staging_store": "file", "os_glance_tasks_store": "file"}


def parse(text: str) -> configparser.RawConfigParser:
    """Sections and options of INI text (oslo.config's syntax is a subset for this purpose)."""
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return parser


def store_sections(parser: configparser.RawConfigParser) -> dict[str, str]:
    """Store sections and their driver: those of enabled_backends and the reserved stores."""
    out = dict(RESERVED_STORES)
    enabled = parser.get("DEFAULT", "enabled_backends", fallback="")
    for item in filter(None, (i.strip() for i in enabled.split(","))):
        name, _, driver = item.partition(":")
        out[name.strip()] = driver.strip()
    return out


OPT_DATA_SCRIPT = """
import sys, yaml
from oslo_config import cfg, generator
from glance_store import multi_backend
conf = cfg.ConfigOpts()
generator.register_cli_opts(conf)
args = [a for ns in sys.argv[2:] for a in ("--namespace", ns)]
conf(args, project="glance")
groups = generator._get_groups(generator._list_opts(conf.namespace))
data = generator._generate_machine_readable_data(groups, conf)
stores = {}
for ext in sorted(multi_backend.extension.ExtensionManager("glance_store.drivers").names()):
    cls = multi_backend._load_multi_store(None, ext, False)
    if cls is not None and getattr(cls, "OPTIONS", None) is not None:
        # A store of enabled_backends also takes the options every store has there
        # (store_description, weight).
        options = [*cls.OPTIONS, *(getattr(cls, "MULTI_BACKEND_OPTIONS", None) or [])]
        stores[ext] = sorted(o.dest for o in options)
data = {
    "options": {g: sorted({n for o in v["opts"] for n in (o["name"], o["dest"])})
                for g, v in data["options"].items()},
    "deprecated": {g: sorted({n for o in v for n in (o["name"], o.get("dest"))} - {None})
                   for g, v in data["deprecated_options"].items()},
    "stores": stores,
}
with open(sys.argv[1], "w") as f:
    yaml.safe_dump(data, f)
"""


def option_data(path: Path) -> dict:
    """Known options of glance-api and of every store driver, written once to `path`.

    Loading Glance's option modules is slow and drags in eventlet, so it happens in a
    separate interpreter, the way oslo-config-validator itself would.
    """
    subprocess.run(
        [sys.executable, "-c", OPT_DATA_SCRIPT, str(path), *NAMESPACES],
        check=True,
        capture_output=True,
    )
    return yaml.safe_load(path.read_text())


def problems(text: str, known: dict) -> list[str]:
    """Unknown or deprecated sections and options of a configuration; empty when Glance
    accepts it. Store sections are checked against their driver, the rest as
    oslo-config-validator --fatal-warnings does."""
    parser = parse(text)
    stores = store_sections(parser)
    out = []
    defaults = set(parser.defaults())
    sections = [("DEFAULT", defaults)]
    sections += [(s, set(parser.options(s)) - defaults) for s in parser.sections()]
    for section, names in sections:
        if section in stores:
            allowed = known["stores"].get(stores[section])
            if allowed is None:
                out.append(f"[{section}]: unknown store driver {stores[section]!r}")
                continue
            out += [
                f"[{section}] {n}: not an option of the {stores[section]} store"
                for n in sorted(names - set(allowed))
            ]
            continue
        if section in KNOWN_BAD_GROUPS:
            continue
        for name in sorted(names):
            if name in known["deprecated"].get(section, []):
                out.append(f"[{section}] {name}: deprecated")
            elif name in AUTH_PLUGIN_OPTIONS and "auth_url" in known["options"].get(section, []):
                continue
            elif name not in known["options"].get(section, []):
                out.append(f"[{section}] {name}: unknown option")
    return out
