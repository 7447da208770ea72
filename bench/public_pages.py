"""Public pages under load: /conditions/psoriasis/ (served from the public-page cache) against
the same server's /healthz (one SELECT 1) as the baseline, with wrk and 50 connections.

Builds a throw-away SQLite database with the demo data, starts gunicorn on loopback, warms
the page once, then runs wrk against each URL and prints requests per second, p95 latency
and the ratio to the baseline (absolute figures drift between runs on shared machines).

    .venv/bin/python bench/public_pages.py [--connections 50] [--duration 10] [--workers 2]
"""

import argparse
import http.client
import io
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ldnclinic.settings")
os.environ.pop("DATABASE_URL", None)  # SQLite, as a single small clinic server runs it
os.environ["LDN_VAR_DIR"] = tempfile.mkdtemp(prefix="ldn-bench-public-")
os.environ["LDN_PUBLIC_CLINIC"] = "demo"

PAGE = "/conditions/psoriasis/"
BASELINE = "/healthz"


def build():
    import django

    django.setup()
    from django.core.management import call_command

    from ldnclinic.accounts.models import Clinic
    from ldnclinic.website.demo import seed_demo_site

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    seed_demo_site(Clinic.objects.get(slug="demo"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port, workers):
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "ldnclinic.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--backlog", "256", "--log-level", "warning",
        ],
        cwd=ROOT,
        env=dict(os.environ),
    )  # fmt: skip
    for _ in range(200):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", BASELINE)
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.05)
    server.terminate()
    raise SystemExit("The server did not come up.")


def fetch(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response


# wrk's summary lists the 50/75/90/99th percentiles; this script asks its latency
# histogram for the 95th directly (microseconds).
REPORT_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("P95_US %d\\n", latency:percentile(95)))
  io.write(string.format("P50_US %d\\n", latency:percentile(50)))
  io.write(string.format("P99_US %d\\n", latency:percentile(99)))
end
"""


def wrk(port, path, connections, duration, threads):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(REPORT_LUA)
    try:
        out = subprocess.run(
            [
                "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "-s", script.name,
                f"http://127.0.0.1:{port}{path}",
            ],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(script.name)
    per_s = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    micro = {k: int(v) for k, v in re.findall(r"^(P\d+)_US (\d+)$", out, re.M)}
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "per_s": per_s,
        "p50_ms": micro["P50"] / 1000,
        "p95_ms": micro["P95"] / 1000,
        "p99_ms": micro["P99"] / 1000,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=int, default=10, help="seconds per URL")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternate baseline and page this many times"
    )
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk): nothing measured.")

    build()
    port = free_port()
    server = start_server(port, args.workers)
    try:
        first = fetch(port, PAGE)
        second = fetch(port, PAGE)
        assert first.status == 200, first.status
        cached = second.getheader("X-Public-Cache") == "hit"
        # Alternating rounds, medians reported: other load on a shared machine hits both.
        rounds = [
            {
                path: wrk(port, path, args.connections, args.duration, args.threads)
                for path in (BASELINE, PAGE)
            }
            for _ in range(args.rounds)
        ]
    finally:
        server.terminate()
        server.wait(timeout=10)

    print(
        f"gunicorn workers: {args.workers}, wrk: {args.threads} threads, "
        f"{args.connections} connections, {args.duration} s per URL, {args.rounds} rounds, "
        "SQLite"
    )
    print(f"second request of {PAGE} served from the cache: {cached}")
    for number, results in enumerate(rounds, start=1):
        for path, r in results.items():
            print(
                f"round {number}  {path:24} {r['per_s']:8.0f} req/s   p50 {r['p50_ms']:7.1f} ms"
                f"   p95 {r['p95_ms']:7.1f} ms   p99 {r['p99_ms']:7.1f} ms   "
                f"non-2xx {r['non_2xx']}  {r['socket_errors']}"
            )
    median = statistics.median
    for path in (BASELINE, PAGE):
        print(
            f"median  {path:24} {median(r[path]['per_s'] for r in rounds):8.0f} req/s   "
            f"p95 {median(r[path]['p95_ms'] for r in rounds):7.1f} ms"
        )
    rate = median(r[PAGE]["per_s"] / r[BASELINE]["per_s"] for r in rounds)
    p95 = median(r[PAGE]["p95_ms"] / r[BASELINE]["p95_ms"] for r in rounds)
    print(f"ratio {PAGE} / {BASELINE} (median of rounds): {rate:.2f} of the requests/s,", end=" ")
    print(f"p95 x{p95:.2f}")


if __name__ == "__main__":
    main()
