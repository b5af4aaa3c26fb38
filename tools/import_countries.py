#!/usr/bin/env python3
"""Builds data/countries/*.toml from public sources.

* ISO 3166-1 alpha-2 codes and names: the `pycountry` package (PyPI), version recorded in the output.
* Country Groups (15 CFR 740 Supp. No. 1) as of the eCFR of 2026-07-23:
  ../shared/data/ear/country-groups.json (names mapped to ISO codes here).
* Dated D:5 changes: ../shared/reference/regulations.md section 3.7 (written by hand below).

Usage: python3 tools/import_countries.py [../shared/data/ear/country-groups.json]
"""
import importlib.metadata
import json
import sys

import pycountry

SRC = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/ear/country-groups.json"

# EAR spellings that pycountry does not resolve.
EAR_NAMES = {
    "Bosnia & Herzegovina": "BA", "Brunei": "BN", "Burma": "MM", "Cape Verde": "CV",
    "China (PRC)": "CN", "Congo (Democratic Republic of the)": "CD", "Congo (Democratic Republic of)": "CD",
    "Congo (Republic of the)": "CG", "Cote d'lvoire": "CI", "Gambia, The": "GM", "Korea, North": "KP",
    "Korea, South": "KR", "Kosovo": "XK", "Macau": "MO", "Russia": "RU", "Saint Kitts & Nevis": "KN",
    "Sao Tome & Principe": "ST", "Sint Maarten (the Dutch two-fifths of the island of Saint Martin)": "SX",
    "South Sudan, Republic of": "SS", "The Bahamas": "BS", "Trinidad & Tobago": "TT", "Vatican City": "VA",
}

# Common names people type, beyond pycountry's names and the EAR's aliases.
EXTRA_ALIASES = {
    "CN": ["China", "PRC", "People's Republic of China", "Mainland China"],
    "HK": ["Hong Kong", "Hong Kong SAR", "HKSAR"],
    "MO": ["Macau", "Macao", "Macau SAR", "Macao SAR"],
    "TW": ["Taiwan", "Republic of China", "Chinese Taipei"],
    "KR": ["South Korea", "Korea", "Republic of Korea", "ROK"],
    "KP": ["North Korea", "DPRK"],
    "RU": ["Russia", "Russian Federation"],
    "US": ["United States", "USA", "U.S.", "U.S.A.", "United States of America", "America"],
    "GB": ["United Kingdom", "UK", "Great Britain", "Britain", "England"],
    "AE": ["UAE", "United Arab Emirates", "Emirates"],
    "MM": ["Burma", "Myanmar"],
    "TR": ["Turkey", "Türkiye", "Turkiye"],
    "VN": ["Vietnam", "Viet Nam"],
    "IR": ["Iran"],
    "SY": ["Syria"],
    "VE": ["Venezuela"],
    "CD": ["DRC", "Democratic Republic of the Congo", "Congo-Kinshasa"],
    "CG": ["Republic of the Congo", "Congo-Brazzaville"],
    "CZ": ["Czechia", "Czech Republic"],
    "LA": ["Laos"],
    "MD": ["Moldova"],
    "BO": ["Bolivia"],
    "TZ": ["Tanzania"],
    "NL": ["Holland", "The Netherlands"],
    "XK": ["Kosovo"],
}

# Spellings of chipgate-screen's former built-in table (crates/chipgate-screen/src/country.rs
# before the country table moved to data: ISO names from pycountry 26.2.16 plus the spellings
# the OFAC and UN lists use) that the sources above lack.
SCREEN_ALIASES = {
    "BS": ["Bahamas, The"], "TL": ["East Timor"],
    "MK": ["Macedonia", "Former Yugoslav Republic of Macedonia"], "VA": ["Holy See", "Vatican"],
    "HK": ["Hong Kong, China"], "CI": ["Ivory Coast"], "FM": ["Micronesia"],
    "PS": ["Occupied Palestinian Territory", "Palestine", "Palestinian Territories",
           "Palestinian Territory", "State of Palestine"],
    "SX": ["Sint Maarten"], "ER": ["State of Eritrea"], "KN": ["St. Kitts and Nevis"],
    "LC": ["St. Lucia"], "VC": ["St. Vincent and the Grenadines"], "SZ": ["Swaziland"],
    "CD": ["Zaire"],
}

# Header lines after the source lines.
READERS = '# Read by chipgate-decide (destination names) and chipgate-screen (country fields of the\n# sanctions lists), both through chipgate_data::countries.\n# Spellings added (SCREEN_ALIASES in the script) from the table chipgate-screen had built in\n# before this file became its source (crates/chipgate-screen/src/country.rs: ISO names from\n# pycountry 26.2.16 plus the spellings the OFAC and UN lists use): "Bahamas, The", "East Timor", "Macedonia", "Former\n# Yugoslav Republic of Macedonia", "Holy See", "Vatican", "Hong Kong, China", "Ivory Coast",\n# "Micronesia", "Occupied Palestinian Territory", "Palestine", "Palestinian Territories",\n# "Palestinian Territory", "State of Palestine", "Sint Maarten", "State of Eritrea",\n# "St. Kitts and Nevis", "St. Lucia", "St. Vincent and the Grenadines", "Swaziland", "Zaire";\n# and the [[screening]] section at the end.\n'

# Names only screening resolves (the same former table), with the reasons.
SCREENING = '# Names that screening resolves to a country but the determination does not take as a\n# destination, from the same former chipgate-screen table (sanctions lists write them in\n# addresses and places of birth). They are parts of a country, not countries, so they are not\n# `aliases` above: Crimea is a region in places.toml, which the determination distinguishes;\n# the others would let a destination name a part of a country. "Hong Kong SAR" is listed\n# above under both CN and HK, and the determination takes the first (CN); screening has always\n# read it as HK. Screening applies these after the countries above, so they win for screening.\n[[screening]]\ncode = "GB"\nnames = ["Northern Ireland", "Scotland", "Wales"]\nreason = "constituent countries of the United Kingdom"\n\n[[screening]]\ncode = "HK"\nnames = ["Hong Kong SAR"]\nreason = "the determination reads it as CN (first alias); screening reads it as HK"\n\n[[screening]]\ncode = "PS"\nnames = ["Gaza", "Gaza Strip", "West Bank"]\nreason = "parts of the Palestinian territory"\n\n[[screening]]\ncode = "UA"\nnames = ["Crimea", "Region: Crimea"]\nreason = "region of Ukraine; the determination has it as a region (places.toml)"\n'


def iso(name):
    if name in EAR_NAMES:
        return EAR_NAMES[name]
    return pycountry.countries.lookup(name).alpha_2


def q(s):
    return json.dumps(s, ensure_ascii=False)


def main():
    data = json.load(open(SRC, encoding="utf-8"))
    version = importlib.metadata.version("pycountry")
    countries = {c.alpha_2: c for c in pycountry.countries}
    out = [
        "# ISO 3166-1 alpha-2 countries with common aliases.",
        f"# Generated by tools/import_countries.py from the pycountry package {version} (ISO 3166-1)",
        "# plus the EAR's own spellings (15 CFR 740 Supp. No. 1, eCFR 2026-07-23) and common names.",
        "# XK (Kosovo) is a user-assigned code used by the EAR's country list; it is not in ISO 3166-1.",
        READERS.rstrip("\n"),
        f'source = "ISO 3166-1 via pycountry {version}; EAR names from 15 CFR 740 Supp. No. 1 (eCFR 2026-07-23)"',
        "",
    ]
    ear_alias = {}
    for alias, target in data["aliases"].items():
        ear_alias.setdefault(iso(target), set()).add(alias)
    for name in {c for g in data["groups"].values() for c in g}:
        ear_alias.setdefault(iso(name), set()).add(name)
    codes = sorted(set(countries) | {"XK"})
    for code in codes:
        c = countries.get(code)
        name = getattr(c, "common_name", None) or (c.name if c else "Kosovo")
        aliases = set(EXTRA_ALIASES.get(code, [])) | set(SCREEN_ALIASES.get(code, []))
        if c:
            aliases.add(c.name)
            for attr in ("official_name", "common_name"):
                if getattr(c, attr, None):
                    aliases.add(getattr(c, attr))
            aliases.add(c.alpha_3)
        aliases |= ear_alias.get(code, set())
        aliases.discard(name)
        out.append("[[country]]")
        out.append(f"code = {q(code)}")
        out.append(f"name = {q(name)}")
        out.append("aliases = [" + ", ".join(q(a) for a in sorted(aliases, key=str.lower)) + "]")
        out.append("")
    out.append(SCREENING)
    open("data/countries/countries.toml", "w", encoding="utf-8").write("\n".join(out))

    g = [
        "# EAR Country Groups (15 CFR 740 Supp. No. 1) by ISO code.",
        "# `members` is the text in force on 2026-07-23 (eCFR point-in-time API), taken from",
        "# ../shared/data/ear/country-groups.json by tools/import_countries.py. Membership on earlier",
        "# dates is the same except for the dated `[[change]]` entries below and the `[[uncertain]]`",
        "# windows (changes known to have happened on a day not known); the dated section is kept by",
        "# hand from reference/ear-beyond-3a090.md section 3 and preserved when this script re-runs.",
        'citation = "15 C.F.R. Part 740, Supplement No. 1 (Country Groups)"',
        f'url = {q(data["source"]["url"])}',
        'as_of = "2026-07-23"',
        "",
    ]
    for group, names in data["groups"].items():
        codes = sorted({iso(n) for n in names})
        g.append("[[group]]")
        g.append(f"id = {q(group)}")
        g.append(f"label = {q(data['labels'].get(group, group))}")
        g.append("members = [" + ", ".join(q(c) for c in codes) + "]")
        g.append("")
    g.append(hand_maintained_changes())
    open("data/countries/groups.toml", "w", encoding="utf-8").write("\n".join(g))


def hand_maintained_changes():
    """The dated section of the existing groups.toml (from its first line on), else CHANGES."""
    marker = "# Dated membership changes"
    try:
        text = open("data/countries/groups.toml", encoding="utf-8").read()
    except FileNotFoundError:
        return CHANGES
    at = text.find(marker)
    return text[at:] if at >= 0 else CHANGES


CHANGES = '''# Dated membership changes (reference/regulations.md section 3.7). Each `[[change]]` says
# the country joined (`added`) or left (`removed`) the group on `date`.
[[change]]
group = "D:5"
country = "KH"
action = "added"
date = "2021-12-09"
citation = "86 FR 70053"
source = "https://exportcompliancesolutions.com/blog/2021/12/15/new-export-restrictions-cambodia-§-126-1-prohibited-destination-ear-military-end-user-rule-now-apply"
evidence = "N"
note = "Cambodia added to ITAR 126.1 (D:5 mirrors 126.1)"

[[change]]
group = "D:5"
country = "KH"
action = "removed"
date = "2026-02-03"
citation = "BIS rule of 2026-02-03 (FR cite not found)"
source = "https://www.fenwick.com/insights/publications/regulatory-impact-of-arms-embargo-country-designations"
evidence = "L"
note = "EAR rule removing Cambodia from Country Group D:5"

[[change]]
group = "D:5"
country = "NI"
action = "added"
date = "2024-03-15"
citation = "89 FR 18796 (ITAR 126.1); 89 FR 18780 (BIS)"
source = "https://ecscreening.com/index.php/blog/108-country-alert-nicaragua-added-to-itar-126-1-and-ear-military-end-user-rule"
evidence = "N"
note = "Nicaragua added to ITAR 126.1; Country Group D:5 mirrors 126.1 immediately (Fenwick)"
'''

if __name__ == "__main__":
    main()
