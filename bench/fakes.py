"""`python -m bench.fakes`: the local OpenAI and fal.ai fakes in a process of their own, with latencies.

Run apart from the benchmark and from the service, so that their work (rendering PNGs, serving
fal's status polls) is not charged to either. Prints one JSON line with the addresses, then
serves until its standard input closes (the benchmark holds the other end).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tests.fakes.fal_server import FakeFal, make_ca_bundle
from tests.fakes.openai_server import FakeOpenAI


def main() -> int:
    """Start both fakes, announce them, serve until stdin closes."""
    parser = argparse.ArgumentParser(prog="python -m bench.fakes")
    parser.add_argument("--llm-latency", type=float, required=True, help="seconds per chat completion")
    parser.add_argument("--image-latency", type=float, required=True, help="seconds per fal.ai image")
    parser.add_argument("--ca-dir", type=Path, required=True, help="where to write the throwaway CA (ca.pem)")
    args = parser.parse_args()
    ca, ca_pem = make_ca_bundle(args.ca_dir)
    with FakeOpenAI() as openai, FakeFal(ca) as fal:
        openai.latency, fal.latency = args.llm_latency, args.image_latency
        print(json.dumps({"openai_base_url": openai.base_url, "fal_host": fal.host, "ca_pem": str(ca_pem)}), flush=True)
        sys.stdin.read()  # returns at EOF: the benchmark exited or closed the pipe
    return 0


if __name__ == "__main__":
    sys.exit(main())
