#!/usr/bin/env python3
"""One-time import of the reference chip dataset (chips.csv) into the chipgate chip catalog.

The catalog was imported with this script once (dataset compiled 2026-11-28); since then
``data/chips/*.toml`` is the source of truth: records are edited there by hand and checked
with ``chipgate rules check data/``. The script is kept to show how each imported figure
was derived from the CSV, and for a new dataset of the same shape.

Usage (from the repository root):

    python3 tools/import_chips.py path/to/chips.csv [--force]

The CSV path is required (the script reads nothing outside the repository by default).
One TOML file per CSV row is written to ``data/chips/<id>.toml``; a file that already
exists is left alone and named, unless ``--force`` is given (which would undo hand edits).

Python 3.11 standard library only.

Rules applied to every row (see data/chips/README.md):

* every number is copied as the literal CSV text (so 660.6 stays 660.6, 1979
  stays an integer); an empty cell means the field is omitted;
* throughput columns are dense (chips.csv convention) and go to [throughput];
* the record-level ``quality`` is derived from the ``data_quality`` text
  (see ``record_quality``); ``quality_note`` is that text verbatim;
* ``notes`` is the CSV notes text verbatim (plus, where chips.md's per-row note
  adds something, that note verbatim, and a clearly marked import remark);
* ``sources`` is ``source_url`` split on `` ; ``.

Everything that needed judgment (ids, display names, per-figure quality marks,
die lists, non-planar marks, system components, figures taken from the notes)
is in the hand-written tables below, keyed by record id. No figure, node, date
or URL in these tables is new: each one is quoted from chips.csv / chips.md.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = REPO_ROOT / "data" / "chips"

QUALITIES = {"official", "secondary", "derived", "estimate", "rumoured", "conflicting", "unknown"}

# (toml key, csv column) -- order is the order written to [throughput]
THROUGHPUT_COLS = [
    ("fp64", "fp64_tflops"),
    ("fp32", "fp32_tflops"),
    ("tf32", "tf32_tflops"),
    ("fp16", "fp16_tflops"),
    ("bf16", "bf16_tflops"),
    ("fp8", "fp8_tflops"),
    ("int8", "int8_tops"),
    ("fp4", "fp4_tflops"),
]
THROUGHPUT_KEYS = ["fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "int8", "int4", "fp4"]

# (toml key, csv column) -- top-level figures, in output order
SCALAR_COLS = [
    ("memory_gb", "memory_gb"),
    ("memory_bandwidth_gbs", "memory_bw_gbs"),
    ("interconnect_gbs", "chip_interconnect_gbs_bidir"),
    ("tdp_w", "tdp_w"),
    ("boost_clock_mhz", "boost_clock_mhz"),
    ("compute_units", "sm_or_cu_count"),
    ("transistors_billion", "transistors_billion"),
]

# ---------------------------------------------------------------------------
# Source URLs quoted from chips.csv (used for per-figure `sources`)
# ---------------------------------------------------------------------------
U_EPOCH = "https://epoch.ai/data/machine-learning-hardware"
U_KELLY = ("https://github.com/s-w-kelly/chip-export-controls/blob/"
           "d813a66a6768026bfe1fdb7eb4624e7da7cd5977/src/data/chipData.js")
U_SMBOM = "https://www.smbom.com/news/13059"
U_ZANGSHUXIAN = "https://zangshuxian.com/new/674733024499207168"
U_ARTHURCHIAO = ("https://github.com/ArthurChiao/arthurchiao.github.io/blob/"
                 "9bd818ffbba873dbe525e11776b8e933f653b629/_posts/2023-10-25-gpu-data-sheets.md")
U_MULLET = "https://www.mullet.se/product.html?product_id=355414"
U_REGISTER_RTXPRO = "https://www.theregister.com/2025/05/28/nvidia_us_chipmakers_ai_requirements_china/"
U_BYTEFEED_910B = ("https://bytefeed.ai/technology/huaweis-homegrown-ai-chip-examined-chinese-fab-smic-produced-"
                   "ascend-910b-is-massively-different-from-the-tsmc-produced-ascend-910/")
U_TOMS_MI250X = "https://www.tomshardware.com/news/amd-instinct-mi250x-pictured"

# ---------------------------------------------------------------------------
# Ids: (vendor, model, variant) as spelled in chips.csv -> record id
# ---------------------------------------------------------------------------
IDS = {
    ("NVIDIA", "H100", "SXM5 80GB"): "nvidia-h100-sxm5",
    ("NVIDIA", "H100", "PCIe 80GB"): "nvidia-h100-pcie",
    ("NVIDIA", "H100 NVL", "PCIe dual-card (per GPU)"): "nvidia-h100-nvl",
    ("NVIDIA", "DGX H100", "system, 8x H100 SXM5"): "nvidia-dgx-h100",
    ("NVIDIA", "H200", "SXM 141GB"): "nvidia-h200-sxm",
    ("NVIDIA", "H200 NVL", "PCIe"): "nvidia-h200-nvl",
    ("NVIDIA", "H800", "SXM5 80GB"): "nvidia-h800-sxm5",
    ("NVIDIA", "H800", "PCIe 80GB"): "nvidia-h800-pcie",
    ("NVIDIA", "H20", "HGX (SXM)"): "nvidia-h20",
    ("NVIDIA", "A100", "SXM4 80GB"): "nvidia-a100-sxm4",
    ("NVIDIA", "A100", "PCIe 40GB/80GB"): "nvidia-a100-pcie",
    ("NVIDIA", "A800", "SXM4 80GB"): "nvidia-a800-sxm4",
    ("NVIDIA", "A800", "PCIe 80GB"): "nvidia-a800-pcie",
    ("NVIDIA", "A30", "PCIe 24GB"): "nvidia-a30",
    ("NVIDIA", "L40S", "PCIe 48GB"): "nvidia-l40s",
    ("NVIDIA", "L40", "PCIe 48GB"): "nvidia-l40",
    ("NVIDIA", "L20", "PCIe 48GB"): "nvidia-l20",
    ("NVIDIA", "L4", "PCIe 24GB low-profile"): "nvidia-l4",
    ("NVIDIA", "L2", "PCIe 24GB"): "nvidia-l2",
    ("NVIDIA", "GeForce RTX 4090", "consumer board"): "nvidia-geforce-rtx-4090",
    ("NVIDIA", "GeForce RTX 4090D", "consumer board (China)"): "nvidia-geforce-rtx-4090d",
    ("NVIDIA", "GeForce RTX 4080", "consumer board"): "nvidia-geforce-rtx-4080",
    ("NVIDIA", "RTX 6000 Ada Generation", "workstation PCIe 48GB"): "nvidia-rtx-6000-ada",
    ("NVIDIA", "GeForce RTX 5090", "consumer board"): "nvidia-geforce-rtx-5090",
    ("NVIDIA", "GeForce RTX 5090D", "consumer board (China)"): "nvidia-geforce-rtx-5090d",
    ("NVIDIA", "GeForce RTX 5090D V2", "consumer board (China), 24GB"): "nvidia-geforce-rtx-5090d-v2",
    ("NVIDIA", "RTX PRO 6000 Blackwell", "Workstation Edition 96GB (600 W); Max-Q 300 W"):
        "nvidia-rtx-pro-6000-workstation",
    ("NVIDIA", "RTX PRO 6000 Blackwell", "Server Edition 96GB"): "nvidia-rtx-pro-6000-server",
    ("NVIDIA", 'RTX PRO 6000D (a.k.a. RTX 6000D / "B40")', "Server Edition 84GB (China)"): "nvidia-rtx-pro-6000d",
    ("NVIDIA", "B30A", "rumoured China SKU (single die)"): "nvidia-b30a",
    ("NVIDIA", "B100", "SXM (HGX, 700 W)"): "nvidia-b100",
    ("NVIDIA", "B200", "SXM (HGX B200, 1000 W)"): "nvidia-b200",
    ("NVIDIA", "GB200", "per B200 GPU in GB200 superchip / NVL72 (1200 W)"): "nvidia-gb200",
    ("NVIDIA", "B300 (Blackwell Ultra)", "HGX B300"): "nvidia-b300",
    ("NVIDIA", "GB300 (Blackwell Ultra)", "per GPU in GB300 NVL72"): "nvidia-gb300",
    ("AMD", "Instinct MI250X", "OAM"): "amd-instinct-mi250x",
    ("AMD", "Instinct MI300X", "OAM 192GB"): "amd-instinct-mi300x",
    ("AMD", "Instinct MI308X", "OAM (China)"): "amd-instinct-mi308x",
    ("AMD", "Instinct MI325X", "OAM 256GB"): "amd-instinct-mi325x",
    ("AMD", "Instinct MI355X", "OAM 288GB (liquid, 1400 W)"): "amd-instinct-mi355x",
    ("AMD", "Instinct MI350X", "OAM 288GB (air, 1000 W)"): "amd-instinct-mi350x",
    ("AMD", "Instinct MI300A", "APU"): "amd-instinct-mi300a",
    ("Intel", "Gaudi 2", "OAM (HL-225H)"): "intel-gaudi-2",
    ("Intel", "Gaudi 3", "OAM HL-325L / HL-335 (900 W air, 1200 W liquid)"): "intel-gaudi-3",
    ("Intel", "Gaudi 3 China (HL-328 OAM / HL-388 PCIe)", "China SKUs"): "intel-gaudi-3-china",
    ("Huawei (HiSilicon)", "Ascend 910B", "910B2 (typical)"): "huawei-ascend-910b",
    ("Huawei (HiSilicon)", "Ascend 910C", "package of 2 compute dies"): "huawei-ascend-910c",
    ("Huawei (HiSilicon)", "Ascend 950PR (Atlas 350 card)", "PCIe card"): "huawei-ascend-950pr",
    ("Google", "TPU v5e", "chip"): "google-tpu-v5e",
    ("Google", "TPU v5p", "chip"): "google-tpu-v5p",
    ("Google", "TPU v6e (Trillium)", "chip"): "google-tpu-v6e",
    ("Google", "TPU v7 (Ironwood)", "chip"): "google-tpu-v7",
    ("Cambricon", "MLU370-X8", "PCIe card"): "cambricon-mlu370-x8",
    ("Cambricon", "MLU590 (Siyuan 590)", "-"): "cambricon-mlu590",
    ("Moore Threads", "MTT S4000", "PCIe card"): "moorethreads-mtt-s4000",
}

# Display names where "<vendor> <model> <variant>" reads badly.
NAMES = {
    "nvidia-h100-nvl": "NVIDIA H100 NVL (per GPU)",
    "nvidia-dgx-h100": "NVIDIA DGX H100 (system, 8x H100 SXM5)",
    "nvidia-geforce-rtx-4090": "NVIDIA GeForce RTX 4090",
    "nvidia-geforce-rtx-4090d": "NVIDIA GeForce RTX 4090D (China)",
    "nvidia-geforce-rtx-4080": "NVIDIA GeForce RTX 4080",
    "nvidia-rtx-6000-ada": "NVIDIA RTX 6000 Ada Generation 48GB",
    "nvidia-geforce-rtx-5090": "NVIDIA GeForce RTX 5090",
    "nvidia-geforce-rtx-5090d": "NVIDIA GeForce RTX 5090D (China)",
    "nvidia-geforce-rtx-5090d-v2": "NVIDIA GeForce RTX 5090D V2 24GB (China)",
    "nvidia-rtx-pro-6000-workstation": "NVIDIA RTX PRO 6000 Blackwell Workstation Edition 96GB",
    "nvidia-rtx-pro-6000-server": "NVIDIA RTX PRO 6000 Blackwell Server Edition 96GB",
    "nvidia-rtx-pro-6000d": 'NVIDIA RTX PRO 6000D ("B40") Server Edition 84GB (China)',
    "nvidia-b30a": "NVIDIA B30A (rumoured China SKU)",
    "nvidia-b100": "NVIDIA B100 SXM (HGX, 700 W)",
    "nvidia-b200": "NVIDIA B200 SXM (HGX B200, 1000 W)",
    "nvidia-gb200": "NVIDIA GB200 (per B200 GPU, NVL72, 1200 W)",
    "nvidia-b300": "NVIDIA B300 (Blackwell Ultra, HGX B300)",
    "nvidia-gb300": "NVIDIA GB300 (Blackwell Ultra, per GPU in NVL72)",
    "amd-instinct-mi355x": "AMD Instinct MI355X OAM 288GB (liquid, 1400 W)",
    "amd-instinct-mi350x": "AMD Instinct MI350X OAM 288GB (air, 1000 W)",
    "intel-gaudi-3": "Intel Gaudi 3 OAM (HL-325L / HL-335)",
    "intel-gaudi-3-china": "Intel Gaudi 3 China (HL-328 OAM / HL-388 PCIe)",
    "huawei-ascend-910b": "Huawei Ascend 910B (910B2)",
    "huawei-ascend-910c": "Huawei Ascend 910C",
    "huawei-ascend-950pr": "Huawei Ascend 950PR (Atlas 350 card)",
    "google-tpu-v5e": "Google TPU v5e",
    "google-tpu-v5p": "Google TPU v5p",
    "google-tpu-v6e": "Google TPU v6e (Trillium)",
    "google-tpu-v7": "Google TPU v7 (Ironwood)",
    "cambricon-mlu370-x8": "Cambricon MLU370-X8",
    "cambricon-mlu590": "Cambricon MLU590 (Siyuan 590)",
    "moorethreads-mtt-s4000": "Moore Threads MTT S4000",
}

# ---------------------------------------------------------------------------
# Record-level quality from the data_quality text
# ---------------------------------------------------------------------------

def record_quality(dq: str) -> str:
    d = dq.strip().lower()
    if d.startswith("official"):
        return "official"
    if d.startswith("secondary"):
        return "secondary"
    if d.startswith("derived"):
        return "derived"
    if d.startswith("leak") or d.startswith("rumour"):
        return "rumoured"
    if d.startswith("not public") or d.startswith("not documented"):
        return "unknown"
    raise SystemExit(f"unrecognised data_quality text: {dq!r} (add a rule to record_quality)")


# ---------------------------------------------------------------------------
# Die conventions
# ---------------------------------------------------------------------------
NP_STATED = ("process {node} per chips.csv/chips.md; nodes at 16/14 nm and below are FinFET (non-planar)")
NP_ASSUMED_NVIDIA = ("assumed: node not stated in the cited sources; all GPUs of this generation are made on "
                     "FinFET nodes — verify")

AD102_AREA_NOTE = ("AD102 die area differs slightly by source: 608.4 (PNY), 608 (Epoch), 609 (TechPowerUp) mm2 "
                   "(chips.md ambiguity note 6)")
GB202_AREA_NOTE = "GB202 die area 750 mm2 (Tom's spec table); an earlier leak said 744 mm2"
BLACKWELL_AREA_NOTE = ("ESTIMATE: NVIDIA has not published the Blackwell die size. chips.csv total 1628 mm2 = "
                       "Kelly's estimate of 2 x ~814 mm2 (after Tom's 'two reticle-sized dies'); other estimates: "
                       "~530 mm2 per die (fridayswithfaraday); one statistics site says 814 mm2 each "
                       "(chips.md ambiguity note 6)")


def die(area, *, name=None, process=None, count=1, np_note=None, quality=None, note=None, sources=None):
    """A [[dies]] entry. `area` is the literal CSV/notes text. np_note=None -> non_planar omitted."""
    d = {"name": name, "process": process, "area": area, "count": count,
         "area_quality": quality, "area_note": note, "area_sources": sources}
    if np_note is not None:
        d["non_planar"] = True
        d["non_planar_note"] = np_note
    return d


def nvidia_die(name, area_note=None, **kw):
    return die(kw.pop("area", "{csv}"), name=name, np_note=NP_ASSUMED_NVIDIA, note=area_note, **kw)


# Per-record die lists. "{csv}" means: the die_area_mm2 CSV text. A record with a
# die area in the CSV but no entry here is an error; a record listed with [] gets no dies.
DIES = {
    "nvidia-h100-sxm5": [nvidia_die("GH100")],
    "nvidia-h100-pcie": [nvidia_die("GH100")],
    "nvidia-h100-nvl": [nvidia_die("GH100")],
    "nvidia-dgx-h100": [],  # system: dies live in the component record (nvidia-h100-sxm5)
    "nvidia-h200-sxm": [nvidia_die("GH100")],
    "nvidia-h200-nvl": [nvidia_die("GH100")],
    "nvidia-h800-sxm5": [nvidia_die("GH100")],
    "nvidia-h800-pcie": [nvidia_die("GH100")],
    "nvidia-h20": [nvidia_die(
        "GH100 (cut down)", quality="estimate", sources=[U_SMBOM],
        area_note=("NVIDIA never published an H20 die size; 814 mm2 is an inference from reports that H20 uses "
                   "the GH100 die (smbom: \"utilizes the GH100 chip\"). Fusing off SMs does not change die area, "
                   "so PD = 2368 / 814 = 2.91 holds if the die is GH100 (chips.md ambiguity note 7)"))],
    "nvidia-a100-sxm4": [nvidia_die("GA100")],
    "nvidia-a100-pcie": [nvidia_die("GA100")],
    "nvidia-a800-sxm4": [nvidia_die("GA100")],
    "nvidia-a800-pcie": [nvidia_die("GA100")],
    "nvidia-a30": [nvidia_die("GA100")],
    "nvidia-l40s": [nvidia_die("AD102", quality="secondary", area_note="609 mm2 (TechPowerUp) / 608.4 (PNY). " + AD102_AREA_NOTE)],
    "nvidia-l40": [nvidia_die("AD102", area_note=AD102_AREA_NOTE)],
    "nvidia-l20": [nvidia_die("AD102", area_note=(
        "Die = AD102 per TechPowerUp. " + AD102_AREA_NOTE
        + "; the L20 is the chip closest to a boundary (PD ~3.14 vs 3.2)"))],
    "nvidia-l4": [nvidia_die("AD104")],
    "nvidia-l2": [],  # die not published (chips.md: "if AD104, 294 mm2 - UNVERIFIED ASSUMPTION") -> omitted
    "nvidia-geforce-rtx-4090": [nvidia_die("AD102", quality="secondary", area_note=(
        "608.5 per chips.csv; other sources: 608.4 (PNY via atsit), 608 (Epoch), 609 (TechPowerUp)"))],
    "nvidia-geforce-rtx-4090d": [nvidia_die("AD102-250", area_note=AD102_AREA_NOTE)],
    "nvidia-geforce-rtx-4080": [nvidia_die("AD103")],
    "nvidia-rtx-6000-ada": [nvidia_die("AD102", area_note=AD102_AREA_NOTE)],
    # GB202 area comes from press (Tom's spec table), so it is marked secondary even on official records.
    "nvidia-geforce-rtx-5090": [nvidia_die("GB202", quality="secondary", area_note=GB202_AREA_NOTE)],
    "nvidia-geforce-rtx-5090d": [nvidia_die("GB202-250", quality="secondary", area_note=GB202_AREA_NOTE)],
    "nvidia-geforce-rtx-5090d-v2": [nvidia_die("GB202-240", quality="secondary", area_note=GB202_AREA_NOTE)],
    "nvidia-rtx-pro-6000-workstation": [nvidia_die("GB202", quality="secondary", area_note=GB202_AREA_NOTE)],
    "nvidia-rtx-pro-6000-server": [nvidia_die("GB202", quality="secondary", area_note=GB202_AREA_NOTE)],
    "nvidia-rtx-pro-6000d": [nvidia_die(
        "GB202 (cut down)", quality="estimate",
        area_note="Die/transistors assume GB202 (leak/rumour record). " + GB202_AREA_NOTE)],
    "nvidia-b30a": [nvidia_die(
        "Blackwell (1x B300-class die)", quality="estimate", sources=[U_KELLY],
        area_note="die 814 mm2 is Kelly's estimate (rumoured single-die part, 'half a B300')")],
    # Blackwell datacenter: 2 compute dies; the CSV total 1628 is Kelly's 2 x ~814 estimate,
    # so the list carries the estimate's structure (2 dies of 814) -- same sum as the CSV.
    "nvidia-b100": [nvidia_die("GB100-class compute die", area="814", count=2, quality="estimate",
                               sources=[U_KELLY], area_note=BLACKWELL_AREA_NOTE)],
    "nvidia-b200": [nvidia_die("Blackwell compute die", area="814", count=2, quality="estimate",
                               sources=[U_KELLY], area_note=BLACKWELL_AREA_NOTE + "; die area estimate as B100")],
    "nvidia-gb200": [nvidia_die("Blackwell compute die", area="814", count=2, quality="estimate",
                                sources=[U_KELLY], area_note=BLACKWELL_AREA_NOTE + "; same estimate as B200")],
    "nvidia-b300": [nvidia_die("Blackwell Ultra compute die", area="814", count=2, quality="estimate",
                               sources=[U_KELLY], area_note=BLACKWELL_AREA_NOTE)],
    "nvidia-gb300": [nvidia_die("Blackwell Ultra compute die", area="814", count=2, quality="estimate",
                                sources=[U_KELLY],
                                area_note="Die area assumed same as B300 (estimate). " + BLACKWELL_AREA_NOTE)],
    "amd-instinct-mi250x": [die(
        "724", name="GCD", count=2, quality="conflicting", sources=[U_EPOCH, U_KELLY, U_TOMS_MI250X],
        np_note="assumed: node not stated in the cited sources; CDNA 2 GPUs are made on FinFET nodes — verify",
        note=("CONFLICTING: chips.csv total 1448 = 2 x 724 mm2 (TechPowerUp per-GCD value via Epoch, DERIVED); "
              "Kelly uses 1580 mm2 total (2 x 790, Tom's estimate)"))],
    "amd-instinct-mi300x": [die(
        "{csv}", name="8 XCD + 4 IOD (total)", process="N5 (XCD) + N6 (IOD)", quality="estimate",
        np_note=NP_STATED.format(node="N5 (XCD) + N6 (IOD)"),
        note=("AMBIGUOUS: 1017 mm2 is TechPowerUp's figure (used by Epoch/Kelly, flagged 'estimate'), of unclear "
              "composition; it is written as ONE entry with count = 1 although it stands for 12 dies. The real "
              "applicable area should sum 8 XCD (N5) + 4 IOD (N6) FinFET dies - per-die areas not found"))],
    "amd-instinct-mi325x": [die(
        "{csv}", name="8 XCD + 4 IOD (total)", process="N5 (XCD) + N6 (IOD)", quality="estimate",
        np_note=NP_STATED.format(node="N5 (XCD) + N6 (IOD)") + " (MI325X: 'same compute die set as MI300X')",
        note=("AMBIGUOUS: 1017 mm2 is TechPowerUp's MI300X figure, of unclear composition; ONE entry with "
              "count = 1 standing for 12 dies (8 XCD + 4 IOD); per-die areas not found"))],
    "huawei-ascend-910b": [die(
        "{csv}", name="Virtuvian-B compute die", process="SMIC N+1 7nm",
        np_note=NP_STATED.format(node="SMIC N+1 7nm"), sources=[U_BYTEFEED_910B],
        note=("die-shot measurement (via Tom's/bytefeed) of the compute die with 25 AI cores. The package also "
              "carries a separate I/O die whose area and node are not documented; it is NOT included here"))],
    "huawei-ascend-910c": [die(
        "665.61", name="910B-class compute die", count=2, quality="estimate",
        np_note=("assumed: node not stated for the 910C in the cited sources; its compute dies are described as "
                 "910B-class (Ascend 910B: SMIC N+1 7nm per chips.csv) — verify"),
        note=("ESTIMATE: chips.csv die=1331.2 = 2 x 665.61 (DERIVED assumption: two 910B-class compute dies, "
              "665.61 mm2 each per die-shot); CONFLICT: wm.org.tr claims 910C has only ONE compute chiplet; "
              "a separate I/O die (undocumented) is not included"))],
    "google-tpu-v5e": [die(
        "{csv}", quality="secondary", sources=[U_EPOCH],
        np_note="assumed: node not stated in the cited sources — verify",
        note="die area from Epoch (source unclear) - not verified")],
}


def fig(quality=None, note=None, sources=None, value=None):
    """A per-figure mark. value=None -> the CSV value; otherwise the literal text (taken from the notes)."""
    return {k: v for k, v in (("quality", quality), ("note", note), ("sources", sources), ("value", value))
            if v is not None}


FP16ACC = "GeForce Ada FP16-accumulate tensor rate (chips.md convention; used for TPP)"

# Ada Lovelace consumer boards: NVIDIA dropped NVLink and kept PCIe Gen 4 for Ada (NVIDIA's
# statement to TechPowerUp, relayed by TweakTown 2022-09-25), so the interconnect is PCIe Gen4
# x16 at most: 64 GB/s bidirectional, the chips.md convention for PCIe-only boards.
U_ADA_PCIE = "https://www.tweaktown.com/news/88605/nvidia-kills-nvlink-support-for-ada-lovelace-silent-death-sli/index.html"
ADA_PCIE = fig("derived", "Ada Lovelace has no NVLink and supports PCIe Gen 4, not Gen 5 (NVIDIA via TweakTown, "
                          "2022-09-25): PCIe Gen4 x16 = 64 GB/s bidirectional (chips.md convention for PCIe-only "
                          "boards; x16 is the widest link, so this is also an upper bound)",
               [U_ADA_PCIE], value="64")

# Per-figure marks (and notes-only figures), keyed by record id then by toml key.
# Throughput keys are written as "throughput.<precision>".
FIGURES = {
    "nvidia-h100-sxm5": {
        "throughput.fp64": fig(note="FP64 tensor 67; FP64 vector 34"),
    },
    "nvidia-h100-pcie": {
        "throughput.fp64": fig(note="FP64 tensor 51; FP64 vector 26"),
        "memory_bandwidth_gbs": fig("conflicting", "2.0 TB/s (datasheet) vs 2039 GB/s (Epoch)"),
        "tdp_w": fig(note="TDP 300-350 W configurable"),
    },
    "nvidia-h100-nvl": {
        "compute_units": fig("derived", "Exxact lists 2x16896 cores -> 132 SMs per GPU (derived)"),
        "memory_gb": fig("conflicting", "Kelly dataset lists 80 GB/3.9 TB/s (inconsistent with 94 GB elsewhere)"),
        "tdp_w": fig(note="TDP 350-400 W configurable"),
    },
    "nvidia-h200-sxm": {
        "boost_clock_mhz": fig(note="Max turbo ~1930 MHz per geektopia"),
    },
    "nvidia-h800-sxm5": {
        "throughput.fp64": fig("conflicting", "FP64 cut to ~1 TFLOPS (philisun/tumgag); Epoch/TechPowerUp row "
                                              "gives FP64 29.65 - looks like a PCIe-style entry"),
        "throughput.fp32": fig("conflicting", "Epoch/TechPowerUp row gives FP32 59.3 - looks like a PCIe-style entry"),
    },
    "nvidia-h800-pcie": {
        "interconnect_gbs": fig("conflicting", "Kelly lists NVLink 400 GB/s; TechPowerUp news said 300 GB/s"),
    },
    "nvidia-h20": {
        "compute_units": fig("rumoured", "78 SMs from Geekbench 6 listing (zangshuxian) - leak",
                             sources=[U_ZANGSHUXIAN]),
        "transistors_billion": fig("estimate", "Transistors 80B assumes full GH100 die"),
    },
    "nvidia-a100-sxm4": {
        "throughput.fp64": fig(note="FP64 tensor 19.5; FP64 vector 9.7"),
        "throughput.int4": fig(value="1248", note="INT4 1248 dense (chips.csv notes)"),
    },
    "nvidia-a100-pcie": {
        "memory_gb": fig(note="80GB PCIe variant (40GB PCIe: HBM2 1555 GB/s, 250 W per Kelly)"),
        "tdp_w": fig("conflicting", "TDP 300 W per Epoch but nvplay reports 250 W at the 80GB PCIe launch"),
    },
    "nvidia-a800-sxm4": {
        "throughput.fp16": fig(note="Epoch lists FP16 311.8 (TechPowerUp rounding)"),
        "throughput.tf32": fig(note="Epoch lists TF32 155.9 (TechPowerUp rounding)"),
    },
    "nvidia-a30": {
        "throughput.fp64": fig(note="FP64 5.161 is vector (TechPowerUp via sysrqmts); FP64 tensor not verified"),
        "throughput.int4": fig(value="661", note=("INT4 661 from the ArthurChiao table (chips.csv notes). Datasheet "
                                                  "rounding: 661 x 4 = 2644 vs INT8 330 x 8 = 2640 (PD 3.201 vs "
                                                  "3.196 on 826 mm2)"),
                               sources=[U_ARTHURCHIAO]),
    },
    "nvidia-l40s": {
        "tdp_w": fig("conflicting", "350 W per NVIDIA datasheet table (mullet.se, omegaco); TechPowerUp-derived "
                                    "pages (computizer, itcreations) say 300 W"),
    },
    "nvidia-l40": {
        "throughput.int4": fig(value="724", note="Datasheet INT4 724 dense | 1448 sparse (chips.csv notes)",
                               sources=[U_MULLET]),
    },
    "nvidia-l20": {
        "throughput.fp32": fig("conflicting", "FP32 59.35 from TechPowerUp via technical.city/Epoch; ArthurChiao "
                                              "lists FP32 59.8"),
    },
    "nvidia-geforce-rtx-4090": {
        "throughput.fp16": fig(note=FP16ACC + "; FP32-accumulate rate 165.2"),
        "throughput.bf16": fig(note="FP32-accumulate rate (BF16 only accumulates in FP32)"),
        "throughput.fp8": fig(note=FP16ACC + "; FP32-accumulate rate 330.3"),
        "throughput.int4": fig(value="1321", note="INT4 1321 (chips.csv notes)"),
        "interconnect_gbs": ADA_PCIE,
    },
    "nvidia-geforce-rtx-4090d": {
        "throughput.fp16": fig(note=FP16ACC + "; FP32-accumulate rate 147.09"),
        "throughput.bf16": fig(note="FP32-accumulate rate (BF16 only accumulates in FP32)"),
        "throughput.fp8": fig(note=FP16ACC),
        "throughput.int4": fig(value="1176.7", note="INT4 1176.7 (chips.csv notes)"),
        "tdp_w": fig(note="official 425 W; hmc-tech shows 450 W"),
        "interconnect_gbs": ADA_PCIE,
    },
    "nvidia-geforce-rtx-4080": {
        "compute_units": fig("derived", "304 tensor cores -> 76 SMs (derived)"),
        "interconnect_gbs": ADA_PCIE,
    },
    "nvidia-rtx-6000-ada": {
        "throughput.fp8": fig(note="FP8 729 dense per Epoch (datasheet sparse / 2)"),
        "boost_clock_mhz": fig("conflicting", "Boost 2505 (cputronic) vs 2535 (grafikkarten)"),
    },
    "nvidia-geforce-rtx-5090": {
        "throughput.fp4": fig("derived", "NVIDIA 'AI TOPS' 3352 (FP4 with sparsity) / 2; assumes AI TOPS = sparse "
                                         "FP4. Dense FP8/INT8 not published"),
    },
    "nvidia-geforce-rtx-5090d": {
        "throughput.fp4": fig("derived", "NVIDIA 'AI TOPS' 2375 (FP4 sparse, firmware/driver-limited) / 2; the "
                                         "RTX 5090D TPP claim of 4,750 only reproduces if AI TOPS is treated as "
                                         "sparse FP4"),
    },
    "nvidia-geforce-rtx-5090d-v2": {
        "throughput.fp4": fig("derived", "NVIDIA 'AI TOPS' 2375 (same as 5090D; FP4 sparse) / 2"),
        "memory_bandwidth_gbs": fig(note="384-bit bus, 28 Gbps -> 1344 GB/s (dontleaveit says 1,340 GB/s)"),
    },
    "nvidia-rtx-pro-6000-workstation": {
        "throughput.fp4": fig("derived", "NVIDIA 4,000 AI TOPS (FP4, sparse) / 2"),
        "boost_clock_mhz": fig("estimate", "~2.6 GHz boost implied (topcpu); clock approximate"),
        "tdp_w": fig(note="Workstation Edition 600 W; Max-Q Workstation Edition 300 W (Fixstars)"),
        "interconnect_gbs": fig(note="PCIe Gen5 x16 (128 GB/s bidir; no NVLink)"),
    },
    "nvidia-rtx-pro-6000-server": {
        "throughput.fp4": fig("derived", "The Register: 'up to 4 petaFLOPs of sparse performance at FP4' / 2",
                              sources=[U_REGISTER_RTXPRO]),
        "memory_bandwidth_gbs": fig("conflicting", "The Register: 1.6TB/s (vs 1792 GB/s for the workstation card - "
                                                   "CONFLICT / lower memory clock)", sources=[U_REGISTER_RTXPRO]),
        "tdp_w": fig(note="TDP 600 W per Weeklypost (server edition adjustable)"),
    },
    "nvidia-rtx-pro-6000d": {
        "transistors_billion": fig("estimate", "Die/transistors assume GB202"),
        "memory_bandwidth_gbs": fig(note="Bandwidth ~1.398 TB/s (reportify)"),
        "tdp_w": fig(note="TDP rated 600 W but ~419 W observed"),
    },
    "nvidia-b100": {
        "transistors_billion": fig(note="208B transistors total (both dies)"),
    },
    "nvidia-b200": {
        "throughput.fp64": fig("conflicting", "NVIDIA HGX B200 table FP64 37; glennklockwood 40; Epoch 31.04"),
        "throughput.fp32": fig("conflicting", "NVIDIA HGX B200 table FP32 75; glennklockwood 80; Epoch 62.08"),
        "memory_gb": fig("conflicting", "HGX B200 table 180 GB; marketing 192 GB"),
        "memory_bandwidth_gbs": fig("conflicting", "HGX B200 table 7.7 TB/s; marketing 8 TB/s"),
    },
    "nvidia-gb200": {
        "throughput.fp64": fig("conflicting", "NVIDIA GB200 NVL72 table FP64 40; Epoch & glennklockwood give 45"),
        "throughput.fp32": fig("conflicting", "NVIDIA GB200 NVL72 table FP32 80; Epoch & glennklockwood give 90"),
        "tdp_w": fig(note="up to 1200 W"),
    },
    "nvidia-b300": {
        "throughput.int8": fig("conflicting", "INT8 157.5 TOPS reflects Blackwell Ultra cutting INT8; Kelly calls "
                                              "the datasheet INT8 figure apparently erroneous"),
        "tdp_w": fig("conflicting", "TDP: Epoch 1100 W, Kelly 1000 W, press 1200-1400 W"),
        "memory_gb": fig("conflicting", "Marketing memory 288 GB (Epoch 270 GB usable?)"),
    },
    "nvidia-gb300": {
        "memory_gb": fig(note="Epoch memory 287.5 GB"),
    },
    "amd-instinct-mi250x": {
        "throughput.fp64": fig(note="Epoch vector value 47.87; Epoch also lists 95.7 in its TF32 column, most "
                                    "likely the FP64/FP32 matrix peak (not used here)"),
        "throughput.fp32": fig(note="Epoch vector value 47.87"),
        "tdp_w": fig(note="Epoch TDP 500 W; Kelly 560 W (AMD lists 500/560 W variants)"),
        "interconnect_gbs": fig(note="Epoch 800 GB/s aggregate; Kelly 100 GB/s per IF link"),
        "memory_bandwidth_gbs": fig(note="3.28 TB/s per Epoch; Kelly 3.2 TB/s"),
    },
    "amd-instinct-mi300x": {
        "throughput.fp64": fig(note="Epoch FP64 column 81.7 (vector); a higher FP64 matrix peak exists on CDNA3 "
                                    "but was not verified"),
        "compute_units": fig(note="304 CUs = 8 XCDs x 38 active (40 physical) (ROCm docs)"),
    },
    "amd-instinct-mi300a": {
        "throughput.fp64": fig(note="Epoch FP64 value (vector); matrix FP64 peak not verified"),
        "transistors_billion": fig("conflicting", "146B (CES 2023 reports); Tom's later says 153B for MI300 family"),
    },
    "intel-gaudi-2": {
        "throughput.bf16": fig("conflicting", "BF16 432 TFLOPS (Intel Hot Chips 2024); Epoch BF16 450"),
        "throughput.fp8": fig("conflicting", "FP8 865 per Epoch (Intel datasheet perma.cc); pcguia says 835",
                              sources=[U_EPOCH]),
        "compute_units": fig(note="24 TPCs (+ 2 MMEs)"),
        "interconnect_gbs": fig(note="NIC 4.8 Tb/s bidirectional (=600 GB/s; 24x100GbE)"),
    },
    "intel-gaudi-3": {
        "throughput.fp16": fig("conflicting", "1835 TFLOPS matrix (Intel); y-ic.de quotes 1856 (likely typo); Epoch "
                                              "row lists 1678 (probably the PCIe HL-338 figure)"),
        "throughput.bf16": fig("conflicting", "BF16 matrix 1835 TFLOPS (Intel); y-ic.de quotes 1856 (likely "
                                              "typo); Epoch row lists 1678 (probably the PCIe HL-338 figure)"),
        "throughput.fp8": fig("conflicting", "FP8 matrix 1835 TFLOPS (Intel); y-ic.de quotes 1856 (likely typo); "
                                             "Epoch row lists 1678 (probably the PCIe HL-338 figure)"),
        "compute_units": fig(note="64 TPCs (+ 8 MMEs)"),
        "interconnect_gbs": fig(note="24x200GbE = 1200 GB/s bidirectional"),
        "tdp_w": fig(note="900 W air, 1200 W liquid; PCIe HL-338: 600 W"),
    },
    "huawei-ascend-910b": {
        "throughput.fp16": fig(note="910B2 variant; variants (CSET via Epoch): 910B1 400, 910B2 376, 910B3 313, "
                                    "910B4 280 TF FP16; ArthurChiao lists 910B FP16 320 / INT8 640"),
        "memory_gb": fig("conflicting", "Epoch \"910B\" row says 32 GB/1.228 TB/s"),
        "memory_bandwidth_gbs": fig("conflicting", "Epoch \"910B\" row says 32 GB/1.228 TB/s"),
        "compute_units": fig(note="25 AI cores"),
        "interconnect_gbs": fig(note="HCCS 392 GB/s aggregate (56 GB/s per peer)"),
    },
    "huawei-ascend-910c": {
        "throughput.fp16": fig("conflicting", "The Register: 752 TFLOPS dense FP16/BF16; Epoch/Trendforce ~800 TF; "
                                              "Huawei Atlas 900 A3 SuperPoD: 307.2 PF FP16 / 384 NPUs = 800 TF per "
                                              "package"),
        "throughput.bf16": fig("conflicting", "The Register: 752 TFLOPS dense FP16/BF16; Epoch/Trendforce ~800 TF"),
        "memory_bandwidth_gbs": fig(note="1.6 TB/s per die (3.2 total) (The Register)"),
        "tdp_w": fig(note="TDP 700 W per Epoch (unverified)", sources=[U_EPOCH]),
    },
    "huawei-ascend-950pr": {
        "throughput.fp16": fig("unknown", "official figure relayed by a third-party note; dense/sparse not stated"),
        "throughput.bf16": fig("unknown", "official figure relayed by a third-party note; dense/sparse not stated"),
        "throughput.fp8": fig("unknown", "mxFP8; official figure relayed by a third-party note; dense/sparse not "
                                         "stated"),
        "throughput.int8": fig("unknown", "official figure relayed by a third-party note; dense/sparse not stated"),
        "throughput.fp4": fig("unknown", "mxFP4; official figure relayed by a third-party note; dense/sparse not "
                                         "stated"),
        "tdp_w": fig(note="<=600 W"),
    },
    "google-tpu-v5e": {
        "compute_units": fig(note="TensorCores per chip"),
        "memory_bandwidth_gbs": fig(note="819 GBps (another doc version: 800 GiBps)"),
    },
    "google-tpu-v5p": {
        "throughput.int8": fig("secondary", "INT8 918 per Epoch", sources=[U_EPOCH]),
        "compute_units": fig(note="TensorCores per chip"),
    },
    "google-tpu-v6e": {
        "compute_units": fig(note="TensorCores per chip"),
        "memory_bandwidth_gbs": fig(note="1638 GBps (Epoch 1640)"),
    },
}

# Figures deliberately not carried into a record (system aggregates).
DROP = {
    "nvidia-dgx-h100": {"throughput.*", "memory_gb", "memory_bandwidth_gbs", "interconnect_gbs", "tdp_w",
                        "boost_clock_mhz", "compute_units", "transistors_billion"},
}

KINDS = {"nvidia-dgx-h100": "system"}

# datacenter_note replacements (default: the datacenter_marketed text verbatim when it has a qualifier).
DATACENTER_NOTES = {
    "nvidia-rtx-6000-ada": ("no (workstation; see note): workstation-marketed; Epoch notes NVIDIA's own technical "
                            "docs describe RTX 6000 Ada as a data-center product (chips.md ambiguity note 9)"),
}
COMPONENTS = {"nvidia-dgx-h100": [("nvidia-h100-sxm5", 8)]}

# Text appended to the CSV notes (chips.md per-row note where it adds something, verbatim; import remarks).
NOTES_APPEND = {
    "nvidia-dgx-h100": (
        "[import] Modelled as kind = \"system\" with 8 x nvidia-h100-sxm5. The CSV aggregate figures (8x the "
        "H100 SXM5 row: throughput, 6512 mm2 over 8 dies, 640B transistors, 1056 SMs, 640 GB, 26800 GB/s) and the "
        "per-GPU clock/NVLink figures are deliberately not carried as record figures."),
    "amd-instinct-mi308x": (
        "[chips.md] Kelly: \"MI308 specs are not public\"; their TPP/PD (2368/2.91) and 4 TB/s are ASSUMED equal to "
        "H20. Epoch has a TechPowerUp-derived row (FP16 653.7, FP32/FP64 81.72, 10.3 TB/s, 1017 mm2, 750 W) that "
        "looks like a placeholder and is internally implausible - do not use. Approved for export again in 2025 "
        "under the 15% arrangement (press)."),
    "nvidia-rtx-pro-6000d": "[import] Throughput not published (AI TOPS not published): classification is indeterminate.",
    "amd-instinct-mi355x": ("[import] Die list omitted: 8 XCD x 110 mm2 known but the 2 IOD areas are not, so "
                            "the applicable area is unknown."),
}


# ---------------------------------------------------------------------------
# TOML writing
# ---------------------------------------------------------------------------

def tstr(s: str) -> str:
    # JSON string escapes (\" \\ \n \t \uXXXX) are all valid TOML basic-string escapes.
    return json.dumps(s, ensure_ascii=False)


def tnum(text: str) -> str:
    """Validate a numeric CSV literal and return it unchanged (int stays int, float stays float)."""
    t = text.strip()
    try:
        float(t)
    except ValueError:
        raise SystemExit(f"not a number: {text!r}")
    if t.startswith(".") or t.endswith(".") or t.startswith("+") or "e" in t.lower() or "," in t:
        raise SystemExit(f"number not in plain TOML form: {text!r}")
    if "." not in t:
        int(t)  # must be an integer literal
        if len(t) > 1 and t.startswith("0"):
            raise SystemExit(f"leading zero: {text!r}")
    return t


def tfigure(value: str, mark: dict | None) -> str:
    v = tnum(value)
    mark = {k: x for k, x in (mark or {}).items() if k != "value"}
    if not mark:
        return v
    parts = [f"value = {v}"]
    if "quality" in mark:
        assert mark["quality"] in QUALITIES, mark
        parts.append(f"quality = {tstr(mark['quality'])}")
    if "note" in mark:
        parts.append(f"note = {tstr(mark['note'])}")
    if "sources" in mark:
        parts.append("sources = [" + ", ".join(tstr(s) for s in mark["sources"]) + "]")
    return "{ " + ", ".join(parts) + " }"


def tlist_multiline(key: str, items: list[str]) -> str:
    if not items:
        return f"{key} = []"
    return f"{key} = [\n" + "".join(f"  {tstr(i)},\n" for i in items) + "]"


def slug(s: str) -> str:
    out, prev_dash = [], False
    for ch in s.lower():
        if ch.isalnum():
            out.append(ch)
            prev_dash = False
        elif not prev_dash:
            out.append("-")
            prev_dash = True
    return "".join(out).strip("-")


def convert_row(row: dict) -> tuple[str, str]:
    key = (row["vendor"], row["model"], row["variant"])
    rid = IDS.get(key)
    if rid is None:
        rid = slug(f"{row['vendor'].split('(')[0]} {row['model']} {row['variant']}")
        print(f"warning: no id for {key!r}; using generated id {rid!r}", file=sys.stderr)
    kind = KINDS.get(rid, "ic")
    marks = FIGURES.get(rid, {})
    drop = DROP.get(rid, set())
    used_marks = set()

    def dropped(k: str) -> bool:
        return k in drop or (k.startswith("throughput.") and "throughput.*" in drop)

    lines = [f"id = {tstr(rid)}", f"kind = {tstr(kind)}"]
    name = NAMES.get(rid) or " ".join(
        p for p in (row["vendor"], row["model"], row["variant"]) if p and p != "-")
    lines.append(f"name = {tstr(name)}")
    for k in ("vendor", "model", "variant"):
        lines.append(f"{k} = {tstr(row[k])}")
    arch = row["architecture"].strip()
    if arch and arch != "-":
        lines.append(f"architecture = {tstr(arch)}")
    if row["launch_year"].strip():
        lines.append(f"launch_year = {int(row['launch_year'])}")

    dc = row["datacenter_marketed"].strip()
    if dc.startswith("yes"):
        lines.append("datacenter = true")
    elif dc.startswith("no"):
        lines.append("datacenter = false")
    else:
        raise SystemExit(f"{rid}: unrecognised datacenter_marketed {dc!r}")
    if rid in DATACENTER_NOTES:
        lines.append(f"datacenter_note = {tstr(DATACENTER_NOTES[rid])}")
    elif dc not in ("yes", "no"):
        lines.append(f"datacenter_note = {tstr(dc)}")

    lines.append(f"quality = {tstr(record_quality(row['data_quality']))}")
    lines.append(f"quality_note = {tstr(row['data_quality'])}")
    notes = row["notes"].strip()
    if rid in NOTES_APPEND:
        notes = (notes + " " + NOTES_APPEND[rid]).strip()
    lines.append(f"notes = {tstr(notes)}")
    sources = [s.strip() for s in row["source_url"].split(" ; ") if s.strip()]
    lines.append(tlist_multiline("sources", sources))

    if row["memory_type"].strip():
        lines.append(f"memory_type = {tstr(row['memory_type'].strip())}")
    for tkey, col in SCALAR_COLS:
        val = row[col].strip()
        mark = marks.get(tkey)
        if mark and "value" in mark:
            # A figure derived from a cited statement where the CSV column is empty.
            if val:
                raise SystemExit(f"{rid}: {tkey} has both a CSV value and an override value")
            val = mark["value"]
        if not val or dropped(tkey):
            continue
        used_marks.add(tkey)
        lines.append(f"{tkey} = {tfigure(val, marks.get(tkey))}")

    # throughput: CSV columns, plus figures quoted from the notes (mark has "value")
    tp = []
    csv_tp = {k: row[c].strip() for k, c in THROUGHPUT_COLS}
    for k in THROUGHPUT_KEYS:
        mk = f"throughput.{k}"
        mark = marks.get(mk)
        val = csv_tp.get(k, "")
        if mark and "value" in mark:
            if val:
                raise SystemExit(f"{rid}: {mk} has both a CSV value and an override value")
            val = mark["value"]
        if not val or dropped(mk):
            continue
        used_marks.add(mk)
        tp.append(f"{k} = {tfigure(val, mark)}")
    if tp:
        lines.append("")
        lines.append("[throughput]")
        lines.extend(tp)

    # dies
    area = row["die_area_mm2"].strip()
    if rid in DIES:
        dies = DIES[rid]
    elif area:
        raise SystemExit(f"{rid}: die area {area} in CSV but no DIES entry (add one)")
    else:
        dies = []
    if dies and not area:
        raise SystemExit(f"{rid}: DIES entry but no die area in CSV")
    for d in dies:
        a = area if d["area"] == "{csv}" else d["area"]
        lines.append("")
        lines.append("[[dies]]")
        if d["name"]:
            lines.append(f"name = {tstr(d['name'])}")
        if d["process"]:
            lines.append(f"process = {tstr(d['process'])}")
        amark = fig(d["area_quality"], d["area_note"], d["area_sources"])
        lines.append(f"area_mm2 = {tfigure(a, amark)}")
        lines.append(f"count = {int(d['count'])}")
        if d.get("non_planar"):
            lines.append("non_planar = true")
            lines.append(f"non_planar_note = {tstr(d['non_planar_note'])}")
    if dies:
        total = sum(float(area if d["area"] == "{csv}" else d["area"]) * d["count"] for d in dies)
        if abs(total - float(area)) > 0.05:
            raise SystemExit(f"{rid}: die list sums to {total}, CSV says {area}")

    for cid, n in COMPONENTS.get(rid, []):
        lines.append("")
        lines.append("[[components]]")
        lines.append(f"id = {tstr(cid)}")
        lines.append(f"count = {int(n)}")

    unused = set(marks) - used_marks
    if unused:
        raise SystemExit(f"{rid}: figure marks for absent figures: {sorted(unused)}")

    header = ("# Imported by tools/import_chips.py from chips.csv (reference dataset compiled 2026-11-28).\n"
              "# This file is the source of truth: edit it, then run `chipgate rules check data/`.\n")
    return rid, header + "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    args = [a for a in argv[1:] if a != "--force"]
    force = "--force" in argv[1:]
    if len(args) != 1:
        raise SystemExit("usage: python3 tools/import_chips.py path/to/chips.csv [--force]")
    csv_path = Path(args[0])
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    seen = {}
    for row in rows:
        rid, text = convert_row(row)
        if rid in seen:
            raise SystemExit(f"duplicate id {rid}")
        seen[rid] = text
    unknown_override = (set(FIGURES) | set(DIES) | set(NAMES) | set(DROP) | set(NOTES_APPEND)
                        | set(DATACENTER_NOTES) | set(KINDS) | set(COMPONENTS)) - set(seen)
    if unknown_override:
        raise SystemExit(f"override tables name ids not in the CSV: {sorted(unknown_override)}")
    kept = []
    for rid, text in seen.items():
        out = OUT_DIR / f"{rid}.toml"
        if out.exists() and not force:
            kept.append(out.name)
            continue
        out.write_text(text, encoding="utf-8")
    if kept:
        print(f"left alone (the catalog is the source of truth; --force overwrites): {kept}", file=sys.stderr)
    stale = sorted(p.name for p in OUT_DIR.glob("*.toml") if p.stem not in seen)
    print(f"wrote {len(seen) - len(kept)} files to {OUT_DIR.relative_to(REPO_ROOT)}")
    if stale:
        print(f"note: files not produced by this run: {stale}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
