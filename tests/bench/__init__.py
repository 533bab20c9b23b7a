"""Benchmarks (`make bench`): each module ``bench_*.py`` has a ``main()`` that measures side by
side in one run and prints medians and ratios. Not collected by pytest."""
