"""Which packages ship: every package under inbox/, found by setuptools, plus the two whose
folders sit at the top of the repo (mapped by `package-dir` in pyproject.toml), which a
search of inbox/ cannot see. Everything else is in pyproject.toml."""

from setuptools import find_packages, setup

setup(packages=find_packages(include=["inbox", "inbox.*"]) + ["inbox.bundled_playbooks", "inbox.bundled_templates"])
