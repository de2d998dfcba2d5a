#!/usr/bin/python3
"""Validate JSON documents against ipcscope's schema.

usage: validate.py SCHEMA [FILE...]   (no FILE: one document on stdin)
Exit 0 when every document is valid; 1 with the first error of each invalid one.
Run with Debian's /usr/bin/python3, which has python3-jsonschema."""
import json
import sys

import jsonschema


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    validator = jsonschema.Draft202012Validator(schema)
    inputs = sys.argv[2:] or ["-"]
    bad = 0
    for name in inputs:
        text = sys.stdin.read() if name == "-" else open(name).read()
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            print(f"{name}: not JSON: {e}", file=sys.stderr)
            bad += 1
            continue
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        for e in errors[:3]:
            path = "/".join(str(p) for p in e.absolute_path)
            print(f"{name}: /{path}: {e.message}", file=sys.stderr)
        bad += bool(errors)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
