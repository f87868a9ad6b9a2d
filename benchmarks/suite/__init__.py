"""The side-by-side benchmark suite: framehub against vidgear, imagezmq and raw pyzmq.

Run it with ``python -m benchmarks.suite``; ``benchmarks/README.md`` says what it
measures and how.
"""
