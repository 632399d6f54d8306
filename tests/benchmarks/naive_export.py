"""The floor for exporting call records: what anyone would write in ten minutes.

One page at a time with a plain ``httpx.Client``, ``json.loads`` on each answer, and a
``csv.writer`` of the same twelve columns the app exports, copied from the records as they
come (no cleaning, no conversion, no duplicate check, no bounds on the paging). The call
browser's benchmark (``bench_cdrs.py``) runs it against the same simulator and range as the
app's export and compares CPU per record and wall time.

Run by hand::

    python tests/benchmarks/naive_export.py http://127.0.0.1:8080 out.csv \\
        --from "2026-11-20 00:00" --to "2026-11-27 00:00"
"""

from __future__ import annotations

import argparse
import csv
import json
import sys

import httpx

COLUMNS = (
    "call_id", "start", "direction", "source", "cid_name", "destination", "status",
    "tta_s", "duration_s", "pdd_s", "mos", "recording_url",
)
# Where each column comes from in a record of the simulator's default wire format.
SOURCE_KEYS = (
    "call_id", "start", "direction", "source", "cid_name", "destination", "status",
    "tta", "duration", "pdd", "mos", "recording",
)


def export(
    base_url: str, target: str, date_from: str, date_to: str, *,
    api_key: str = "demo", api_secret: str = "demo", page_size: int = 500,
) -> int:
    """Every page of the range into ``target`` as CSV; returns the number of records."""
    count = 0
    with httpx.Client(base_url=base_url, timeout=60.0) as http, \
            open(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        page = 1
        while True:
            submission = {
                "api_key": api_key, "api_secret": api_secret,
                "date_range": {"from": date_from, "to": date_to},
                "page": page, "limit": page_size,
            }
            response = http.post("/cdrs/json", json={"submission": submission})
            response.raise_for_status()
            answer = json.loads(response.content)
            for item in answer["response"]:
                record = item["Cdr"]
                writer.writerow([record.get(key) for key in SOURCE_KEYS])
                count += 1
            if not answer.get("paging", {}).get("next_page"):
                return count
            page += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("target")
    parser.add_argument("--from", dest="date_from", required=True, metavar="'YYYY-MM-DD HH:mm'")
    parser.add_argument("--to", dest="date_to", required=True, metavar="'YYYY-MM-DD HH:mm'")
    parser.add_argument("--page-size", type=int, default=500)
    args = parser.parse_args(argv)
    count = export(args.base_url, args.target, args.date_from, args.date_to, page_size=args.page_size)
    print(f"{count} records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
