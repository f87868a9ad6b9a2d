"""Two servers into one client, framehub vs vidgear: now a slice of the benchmark suite.

    python benchmarks/two_servers.py --repeat 3

is ``python -m benchmarks.suite --full --only kind=throughput servers=2
peer=framehub,vidgear`` (every pattern, codec and size with two servers); any
other suite option may follow.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder is on sys.path but the repository root is not.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.suite.__main__ import main

if __name__ == "__main__":
    sys.exit(
        main(
            [
                "--full",
                "--only",
                "kind=throughput",
                "servers=2",
                "peer=framehub,vidgear",
                *sys.argv[1:],
            ]
        )
    )
