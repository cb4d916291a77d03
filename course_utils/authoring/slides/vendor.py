"""Local copies of reveal.js, require.js, jQuery and MathJax for the offline decks and site.

They are fetched once from the npm registry with `npm pack` into build/vendor/ (not committed),
so that no page loads anything from the internet.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import urllib.parse
from pathlib import Path

# Packages served locally to decks and site: npm name -> exact version.
VENDOR = {"reveal.js": "4.0.2", "requirejs": "2.3.8", "jquery": "3.8.0", "mathjax": "2.7.7"}
VENDOR_DIR = Path("build") / "vendor"
_VENDOR_MARKER = ".versions.json"
# MathJax 2.7.7 is 60 MB unpacked; the CommonHTML output with the TeX fonts needs none of these.
_MATHJAX_SKIP = ("unpacked/", "jax/output/SVG/", "extensions/a11y/", "test/", "docs/")
_MATHJAX_FONTS_KEPT = "fonts/HTML-CSS/TeX/"
MATHJAX_CONFIG = "TeX-AMS_CHTML-full,Safe"


def _vendor_ready(vendor_dir: Path) -> bool:
    """True when vendor_dir holds exactly the VENDOR versions."""
    marker = vendor_dir / _VENDOR_MARKER
    return marker.exists() and json.loads(marker.read_text()) == VENDOR


def _keep(package: str, relative: str) -> bool:
    """Whether a file of an npm package is needed by the decks and pages."""
    if package != "mathjax":
        return True
    if relative.startswith(_MATHJAX_SKIP):
        return False
    return not relative.startswith("fonts/") or relative.startswith(_MATHJAX_FONTS_KEPT)


def _npm_pack(npm_path: str, destination: Path, timeout: int) -> dict[str, Path]:
    """Download the VENDOR packages' tarballs into destination with `npm pack`; return {name: tarball}."""
    specs = [f"{name}@{version}" for name, version in VENDOR.items()]
    done = subprocess.run(
        [npm_path, "pack", "--json", "--pack-destination", str(destination), *specs],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"npm pack {' '.join(specs)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return {entry["name"]: destination / entry["filename"] for entry in json.loads(done.stdout)}


def _unpack(name: str, tarball: Path, staging: Path) -> None:
    """Extract the needed files of npm package `name` to staging/name, refusing paths that leave it."""
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            parts = member.name.split("/", 1)
            if not member.isfile() or len(parts) < 2:
                continue
            relative = parts[1]
            if relative.startswith("/") or ".." in relative.split("/") or not _keep(name, relative):
                continue
            target = staging / name / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.extractfile(member).read())


def fetch_vendor(vendor_dir: Path = VENDOR_DIR, npm: str = "npm", timeout: int = 600) -> Path:
    """Fetch reveal.js, require.js, jQuery and MathJax (VENDOR versions) into vendor_dir with `npm pack`.

    Does nothing when they are already there. Raises RuntimeError when npm is missing or fails.
    """
    vendor_dir = Path(vendor_dir)
    if _vendor_ready(vendor_dir):
        return vendor_dir
    npm_path = shutil.which(npm)
    if npm_path is None:
        raise RuntimeError(
            f"{npm!r} was not found: install Node.js's npm (Debian: apt-get install npm); "
            "it fetches reveal.js, require.js, jQuery and MathJax for the offline decks"
        )
    vendor_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=vendor_dir.parent) as tmp:
        packed, staging = _npm_pack(npm_path, Path(tmp), timeout), Path(tmp) / "vendor"
        for name in VENDOR:
            _unpack(name, packed[name], staging)
        (staging / _VENDOR_MARKER).write_text(json.dumps(VENDOR, indent=1, sort_keys=True) + "\n")
        if vendor_dir.exists():
            shutil.rmtree(vendor_dir)
        staging.rename(vendor_dir)
    return vendor_dir


def vendor_urls(out_dir: Path, vendor_dir: Path) -> dict[str, str]:
    """Return the vendor URLs as seen from pages in out_dir (relative, so build/ can move; URL-quoted)."""
    prefix = urllib.parse.quote(Path(os.path.relpath(vendor_dir, out_dir)).as_posix())
    return {
        "reveal": f"{prefix}/reveal.js",
        "require": f"{prefix}/requirejs/require.js",
        "jquery": f"{prefix}/jquery/dist/jquery.min.js",
        "mathjax": f"{prefix}/mathjax/MathJax.js?config={MATHJAX_CONFIG}",
    }
