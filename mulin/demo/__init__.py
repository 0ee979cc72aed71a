"""The two reference compounds of DESIGN.md §3 as demo data, and synthetic districts for scale.

This is a plain package, not a Django app: `mulin demo` and `mulin seed` call into it.
"""
