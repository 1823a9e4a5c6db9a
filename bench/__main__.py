"""Run every benchmark, print its figures and rewrite its section of BENCHMARKS.md.

Each benchmark module offers NAME (its section's marker name) and run(), which prints as it goes
and returns the Markdown for its section. Everything between `<!-- bench:NAME:start -->` and
`<!-- bench:NAME:end -->` is replaced; the rest of the file is left as people wrote it.
"""
import os
import platform
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

from bench import followups, hotspots, intelligence, licensing, pages

# Explicit, so adding a benchmark is a visible one-line change.
BENCHMARKS = [pages, followups, licensing, intelligence, hotspots]

BENCHMARKS_FILE = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"

HEADER = """# Benchmarks

Figures written by the benchmarks in `bench/`. Reproduce them with `make bench`
(which runs `.venv/bin/python -m bench`); each run rewrites the sections between the
`<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` markers and keeps everything else.

The machines these run on are shared and noisy: compare the ratios within one run rather than
absolute times across runs.
"""


def _first_value(path, key):
    """The value of the first `key: value` line in a /proc file, or None off Linux."""
    try:
        for line in Path(path).read_text().splitlines():
            name, _, value = line.partition(":")
            if name.strip() == key:
                return value.strip()
    except OSError:
        pass
    return None


def machine():
    """A one-paragraph description of where the figures came from."""
    memory_kb = _first_value("/proc/meminfo", "MemTotal")
    memory = f"{int(memory_kb.split()[0]) / 1024 / 1024:.1f} GiB" if memory_kb else "unknown"
    # cpu_count is what the OS reports; a container may be allowed fewer cores than that.
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"{platform.platform()}; CPU {_first_value('/proc/cpuinfo', 'model name') or platform.processor()}; "
            f"{os.cpu_count()} cores ({usable} usable by this process); {memory} memory; "
            f"Python {platform.python_version()}")


def section(name, body, ran_on, date):
    return (f"<!-- bench:{name}:start -->\n{body.rstrip()}\n\n"
            f"_Run {date:%Y-%m-%d %H:%M} UTC on {ran_on}._\n<!-- bench:{name}:end -->")


def rewrite(text, name, new_section):
    """Replace the section called name in text, or append it when the file has none yet."""
    pattern = re.compile(rf"<!-- bench:{name}:start -->.*?<!-- bench:{name}:end -->", re.DOTALL)
    if pattern.search(text):
        return pattern.sub(lambda _: new_section, text, count=1)
    return text.rstrip() + "\n\n" + new_section + "\n"


def run_alone(benchmark, full_scale):
    """Run one benchmark on its own (python -m bench.NAME): rewrite its section of BENCHMARKS.md after a
    full-scale run, or print the figures of a scaled-down check, which are not the benchmark's."""
    ran_on = machine()
    body = benchmark.run()
    if full_scale:
        text = BENCHMARKS_FILE.read_text() if BENCHMARKS_FILE.exists() else HEADER
        BENCHMARKS_FILE.write_text(rewrite(text, benchmark.NAME,
                                           section(benchmark.NAME, body, ran_on, datetime.now(timezone.utc))))
    else:
        print(body)


def main():
    ran_on = machine()
    print(f"Machine: {ran_on}\n")
    text = BENCHMARKS_FILE.read_text() if BENCHMARKS_FILE.exists() else HEADER
    for benchmark in BENCHMARKS:
        body = benchmark.run()
        text = rewrite(text, benchmark.NAME, section(benchmark.NAME, body, ran_on, datetime.now(timezone.utc)))
        # Written after each benchmark, so a later failure does not lose earlier figures.
        BENCHMARKS_FILE.write_text(text)
    print(f"\nWrote {BENCHMARKS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
