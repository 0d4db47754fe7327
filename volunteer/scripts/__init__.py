"""Console scripts (DESIGN §8): initdb, import, export, report, bench."""
