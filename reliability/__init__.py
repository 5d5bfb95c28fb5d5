"""`make reliability` (`python -m reliability`): adversarial runs against a real stack, each printing its
figures and recording them in bench/RELIABILITY.md. See reliability/__main__.py."""
