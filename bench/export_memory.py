"""Peak memory of a streamed registry export of a compound with 200,000 persons.

Run by `bench.run` in a child process (`python -m bench.export_memory CODE FMT`) so that the
peak resident set size it reports belongs to the export alone; it prints one JSON line.
"""

from __future__ import annotations

import json
import resource
import sys
import time


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(code: str, fmt: str) -> None:
    from bench.common import bench_user, setup_django

    setup_django()
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(bench_user("bench-admin", superuser=True))
    url = reverse("people:registry_export", kwargs={"code": code, "fmt": fmt})
    if fmt == "csv":
        url += "?sheet=residents"
    before = _rss_mb()
    started = time.monotonic()
    response = client.get(url)
    size = 0
    if response.status_code == 200:
        for chunk in response.streaming_content if response.streaming else [response.content]:
            size += len(chunk)
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "status": response.status_code,
                "streaming": response.streaming,
                "bytes": size,
                "seconds": round(seconds, 1),
                "rss_before_mb": round(before, 1),
                "peak_rss_mb": round(peak, 1),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
