"""Version strings as clients report them, and a key that sorts them as versions, not as text."""
import re

_VERSION = re.compile(r"(?<![\d.])v?(\d+(?:\.\d+){0,3})(?:[-_ ]?((?:alpha|beta|rc|dev|pre)[.\d]*))?", re.IGNORECASE)


def normalise_version(raw: str) -> str:
    """'v5.3.1 (2041)' → '5.3.1'; 'V5.3' → '5.3.0'; '5.4.0-beta2' → '5.4.0-beta2'; '' when there is no version."""
    match = _VERSION.search((raw or "").strip())
    if not match:
        return ""
    number, pre = match.group(1), match.group(2)
    parts = number.split(".")
    number = ".".join(parts + ["0"] * (3 - len(parts)))  # clients shorten 5.3.0 to "V5.3"
    return f"{number}-{pre.lower()}" if pre else number


def version_key(version: str) -> str:
    """A string whose order is version order: 5.10.0 after 5.9.2, 5.4.0-beta before 5.4.0."""
    match = _VERSION.search(version or "")
    if not match:
        return "~" + (version or "")  # unparseable strings sort after every real version
    parts = [int(p) for p in match.group(1).split(".")]
    parts += [0] * (4 - len(parts))
    numeric = ".".join(f"{p:06d}" for p in parts[:4])
    pre = match.group(2)
    return f"{numeric}!{pre.lower()}" if pre else f"{numeric}~"
