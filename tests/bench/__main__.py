"""Run every benchmark module, or those named: `python -m tests.bench [name …] [--option …]`.

Options after the names go to each benchmark's own argument parser (e.g. `files --size-mb 64`).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import tests.bench as package


def main(names: list[str]) -> int:
    modules = sorted(
        info.name
        for info in pkgutil.iter_modules(package.__path__)
        if info.name.startswith("bench_")
    )
    chosen = [m for m in modules if not names or m in names or m.removeprefix("bench_") in names]
    if not chosen:
        print(f"no benchmark matches {names}; available: {', '.join(modules)}", file=sys.stderr)
        return 2
    for name in chosen:
        print(f"\n== {name} ==", flush=True)
        module = importlib.import_module(f"tests.bench.{name}")
        module.main()
    return 0


if __name__ == "__main__":
    arguments = sys.argv[1:]
    first_option = next((i for i, a in enumerate(arguments) if a.startswith("-")), len(arguments))
    sys.argv = [sys.argv[0], *arguments[first_option:]]
    sys.exit(main(arguments[:first_option]))
