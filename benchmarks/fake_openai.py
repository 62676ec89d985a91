"""Run the local OpenAI-protocol server (tests/fake_openai.py) by hand:

python benchmarks/fake_openai.py --latency 1.0 --port 8765
HUATI_LLM_BASE_URL=http://127.0.0.1:8765/v1 HUATI_LLM_MODEL=fake-huati-1 huati draft 空气炸锅
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fake_openai import FakeOpenAI


def main() -> None:
    parser = argparse.ArgumentParser(description="local fake OpenAI-compatible chat endpoint")
    parser.add_argument("--latency", type=float, default=1.0, help="seconds before each reply")
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    args = parser.parse_args()
    server = FakeOpenAI(latency=args.latency)
    if args.port:
        server.port = args.port
    with server:
        print(
            f"fake OpenAI endpoint on {server.base_url} (latency {args.latency}s); Ctrl-C to stop", flush=True
        )
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
