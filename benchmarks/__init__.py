"""Side-by-side benchmarks of framehub and its peers; not part of the installed package."""
