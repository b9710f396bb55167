"""Serve Dayao Trace as `make run` does: gunicorn (deploy/gunicorn.conf.py) and the background
job worker (`flask --app trace worker`), started together and stopped together.

Ctrl-C (SIGINT) or SIGTERM stops both: gunicorn gracefully (requests under way finish, up to
its graceful_timeout), the job worker at once (a job cut off is resumed by the next worker,
trace.jobs.recover_jobs). A second Ctrl-C kills both. If either stops by itself, the other is
stopped too and this exits with the first one's status. Production runs the two as services of
their own instead (README, "Deployment").
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRACE_SECONDS = 40  # gunicorn's graceful_timeout (30 s) and a margin


def _die_with_parent() -> None:
    """In the child: Linux sends it SIGTERM if this launcher dies (no orphaned servers)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:  # not Linux: the children outlive a killed launcher
        pass
    os.setsid()  # a session of its own: the terminal's Ctrl-C reaches this launcher only


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=None, help="gunicorn worker processes")
    args = parser.parse_args()

    python = sys.executable
    web = [python, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
           "--bind", f"{args.host}:{args.port}"]  # fmt: skip
    if args.workers:
        web += ["--workers", str(args.workers)]
    worker = [python, "-m", "flask", "--app", "trace", "worker"]
    children = {
        "web": subprocess.Popen([*web, "wsgi:app"], cwd=ROOT, preexec_fn=_die_with_parent),
        "jobs": subprocess.Popen(worker, cwd=ROOT, preexec_fn=_die_with_parent),
    }
    stopping: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        if stopping:  # asked twice: no more waiting
            for child in children.values():
                if child.poll() is None:
                    child.kill()
            return
        stopping.append(signum)
        _stop_all(children)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    first_status = 0
    while all(child.poll() is None for child in children.values()):
        time.sleep(0.2)
    for name, child in children.items():
        if child.returncode is not None and not stopping:
            print(f"serve: {name} stopped (status {child.returncode}); stopping the rest",
                  file=sys.stderr)  # fmt: skip
            first_status = child.returncode or 1
            break
    if not stopping:
        stopping.append(signal.SIGTERM)
        _stop_all(children)
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children.values():
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    return first_status


def _stop_all(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for child in children.values():
        if child.poll() is None:
            # gunicorn: TERM is its graceful stop; huey's consumer: TERM stops at once.
            child.send_signal(signal.SIGTERM)


if __name__ == "__main__":
    sys.exit(main())
