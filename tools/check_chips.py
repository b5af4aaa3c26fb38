#!/usr/bin/env python3
"""Sanity-check data/chips/*.toml (Python 3.11 stdlib only).

    python3 tools/check_chips.py [data/chips]

Checks that every file parses, that required fields are present and no unknown
fields appear (mirroring a deny_unknown_fields loader), that enums / figure
shapes are valid, that system components resolve; then prints a table
id -> TPP, PD, using TF32 = 19 bits.

TPP = max over precisions of (dense value x bit length).
PD  = TPP / sum(area_mm2 x count) over dies with non_planar = true
      ("-" when no such die is listed).
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

BITS = {"fp64": 64, "fp32": 32, "tf32": 19, "fp16": 16, "bf16": 16, "fp8": 8, "int8": 8, "int4": 4, "fp4": 4}
QUALITIES = {"official", "secondary", "derived", "estimate", "rumoured", "conflicting", "unknown"}
REQUIRED = {"id", "kind", "name", "vendor", "model", "variant", "datacenter", "quality", "quality_note",
            "notes", "sources"}
STRINGS = {"id", "kind", "name", "vendor", "model", "variant", "architecture", "datacenter_note", "quality",
           "quality_note", "notes", "memory_type"}
FIGURES = {"memory_gb", "memory_bandwidth_gbs", "interconnect_gbs", "tdp_w", "boost_clock_mhz", "compute_units",
           "transistors_billion"}
TOP = REQUIRED | STRINGS | FIGURES | {"launch_year", "throughput", "dies", "components"}
DIE_KEYS = {"name", "process", "area_mm2", "count", "non_planar", "non_planar_note"}
FIG_KEYS = {"value", "quality", "note", "sources"}

errors: list[str] = []


def err(path, msg):
    errors.append(f"{path}: {msg}")


def fig_value(path, key, v):
    """Return the numeric value of a figure, checking its shape."""
    if isinstance(v, bool):
        err(path, f"{key}: bool is not a figure")
        return None
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, dict):
        extra = set(v) - FIG_KEYS
        if extra:
            err(path, f"{key}: unknown figure keys {sorted(extra)}")
        if "value" not in v or isinstance(v["value"], bool) or not isinstance(v["value"], (int, float)):
            err(path, f"{key}: figure without numeric value")
            return None
        if "quality" in v and v["quality"] not in QUALITIES:
            err(path, f"{key}: bad quality {v['quality']!r}")
        if "note" in v and not isinstance(v["note"], str):
            err(path, f"{key}: note must be a string")
        if "sources" in v and not (isinstance(v["sources"], list) and all(isinstance(s, str) for s in v["sources"])):
            err(path, f"{key}: sources must be a list of strings")
        return v["value"]
    err(path, f"{key}: not a figure: {v!r}")
    return None


def num(v):
    """Numeric value of a figure without recording errors (shape already checked)."""
    if isinstance(v, dict):
        v = v.get("value")
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def fig_quality(v, record_q):
    return v.get("quality", record_q) if isinstance(v, dict) else record_q


def main(argv):
    d = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent / "data" / "chips"
    recs = {}
    for p in sorted(d.glob("*.toml")):
        try:
            with open(p, "rb") as f:
                r = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            err(p.name, f"parse error: {e}")
            continue
        recs[p.stem] = (p.name, r)

    for stem, (path, r) in recs.items():
        missing = REQUIRED - set(r)
        if missing:
            err(path, f"missing {sorted(missing)}")
        extra = set(r) - TOP
        if extra:
            err(path, f"unknown fields {sorted(extra)}")
        for k in STRINGS & set(r):
            if not isinstance(r[k], str):
                err(path, f"{k} must be a string")
        if r.get("id") != stem:
            err(path, f"id {r.get('id')!r} does not match file name")
        if r.get("kind") not in ("ic", "system"):
            err(path, f"bad kind {r.get('kind')!r}")
        if r.get("quality") not in QUALITIES:
            err(path, f"bad quality {r.get('quality')!r}")
        if not isinstance(r.get("datacenter"), bool):
            err(path, "datacenter must be a bool")
        if "launch_year" in r and not (isinstance(r["launch_year"], int) and 1990 < r["launch_year"] < 2100):
            err(path, "bad launch_year")
        if not (isinstance(r.get("sources"), list) and all(isinstance(s, str) and s.startswith("http")
                                                           for s in r["sources"])):
            err(path, "sources must be a list of URLs")
        for k in FIGURES & set(r):
            fig_value(path, k, r[k])
        tp = r.get("throughput", {})
        for k, v in tp.items():
            if k not in BITS:
                err(path, f"unknown throughput key {k}")
            else:
                fig_value(path, f"throughput.{k}", v)
        for i, die in enumerate(r.get("dies", [])):
            extra = set(die) - DIE_KEYS
            if extra:
                err(path, f"dies[{i}]: unknown keys {sorted(extra)}")
            if "area_mm2" not in die:
                err(path, f"dies[{i}]: missing area_mm2")
            else:
                fig_value(path, f"dies[{i}].area_mm2", die["area_mm2"])
            if not isinstance(die.get("count", 1), int) or isinstance(die.get("count", 1), bool):
                err(path, f"dies[{i}]: count must be an integer")
            if die.get("non_planar") and not die.get("non_planar_note"):
                err(path, f"dies[{i}]: non_planar without a note")
        if r.get("kind") == "system":
            if "throughput" in r or "dies" in r:
                err(path, "system must not carry throughput/dies")
            if not r.get("components"):
                err(path, "system without components")
        elif "components" in r:
            err(path, "components on a non-system record")
        for c in r.get("components", []):
            if set(c) - {"id", "count"} or c.get("id") not in recs or not isinstance(c.get("count"), int):
                err(path, f"bad component {c!r}")

    print(f"{'id':34} {'kind':6} {'quality':11} {'TPP':>10} {'by':>14} {'area':>8} {'PD':>7}  flags")
    for stem, (path, r) in sorted(recs.items()):
        rq = r.get("quality")
        tp = r.get("throughput", {})
        flags = []
        tpps = {k: num(v) * BITS[k] for k, v in tp.items() if k in BITS and num(v) is not None}
        best = max(tpps.values()) if tpps else None
        top = [k for k, t in tpps.items() if best is not None and abs(t - best) < 1e-6]
        by = "=".join(top)
        for k in top:
            if fig_quality(tp[k], rq) != "official":
                flags.append(f"TPP:{fig_quality(tp[k], rq)}")
        area = 0.0
        for die in r.get("dies", []):
            if die.get("non_planar"):
                area += num(die["area_mm2"]) * die.get("count", 1)
                q = fig_quality(die["area_mm2"], rq)
                if q != "official":
                    flags.append(f"area:{q}")
                if die.get("non_planar_note", "").startswith("assumed"):
                    flags.append("np:assumed")
        pd = best / area if best is not None and area else None
        print(f"{stem:34} {r.get('kind', ''):6} {rq or '':11} "
              f"{'-' if best is None else f'{best:.1f}':>10} {by:>14} "
              f"{'-' if not area else f'{area:g}':>8} {'-' if pd is None else f'{pd:.3f}':>7}  "
              f"{' '.join(sorted(set(flags)))}")

    if errors:
        print("\nERRORS:")
        for e in errors:
            print("  " + e)
        return 1
    print(f"\n{len(recs)} files OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
