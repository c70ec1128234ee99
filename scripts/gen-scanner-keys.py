#!/usr/bin/env python3
"""Regenerates the `switch` in ExchangeScanner.Key.of from the `table` of member names.

Each name is looked up by its length and its bytes as two little-endian words (bytes 0..<8
and 8..<16, zero past the name). Run it after changing `table`; it rewrites the file in place,
and ExchangeKeyTests checks the result against the table.

    scripts/gen-scanner-keys.py
"""
import pathlib
import re

PATH = pathlib.Path(__file__).resolve().parent.parent / "Sources/Cassette/Codec/ExchangeScanner+Key.swift"
BEGIN = "            // Generated from `table`"
END = "\n        }\n    }\n}\n\nextension JSONParser"


def words(name):
    b = name.encode()
    return (int.from_bytes(b[:8].ljust(8, b"\0"), "little"), int.from_bytes(b[8:16].ljust(8, b"\0"), "little"))


def switch(pairs):
    by_length = {}
    for name, key in pairs:
        assert len(name) <= 16, name
        by_length.setdefault(len(name), []).append((name, key))
    out = [BEGIN + " by scripts/gen-scanner-keys.py (the words are the names'",
           "            // bytes, little-endian); ExchangeKeyTests checks every entry and near misses.",
           "            switch n {"]
    for n in sorted(by_length):
        out += [f"            case {n}:", "                switch w0 {"]
        groups = {}
        for name, key in by_length[n]:
            groups.setdefault(words(name)[0], []).append((name, key))
        for w0, names in groups.items():
            if n <= 8:
                (name, key), = names
                out.append(f"                case 0x{w0:016X}: return .{key}  // {name}")
            else:
                tests = " ".join(f"if w1 == 0x{words(name)[1]:016X} {{ return .{key} }}  // {name}" for name, key in names)
                out += [f"                case 0x{w0:016X}: {tests}", "                    return .other"]
        out += ["                default: return .other", "                }"]
    out += ["            default: return .other", "            }"]
    return "\n".join(out)


text = PATH.read_text()
table = re.search(r"static let table.*?\]\n", text, re.S).group(0)
pairs = re.findall(r'\("([a-z_0-9]+)", \.(\w+)\)', table)
start, stop = text.index(BEGIN), text.index(END)
PATH.write_text(text[:start] + switch(pairs) + text[stop:])
