"""A local SMTP server for the e-mail tests (aiosmtpd): each message received is decoded
(subject and body, whatever their transfer encoding) and appended as one JSON line to a
file. `--refuse N` answers the first N messages with a temporary failure (451), as a mail
server that is down for a while does.

    python3 tests/support/smtp_sink.py PORT OUT.jsonl [--refuse N]

Prints «ready» once it listens. .ci/run installs aiosmtpd from PyPI.
"""

import argparse
import json
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out, refuse):
        self.out = out
        self.refuse = refuse
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                return "451 4.3.0 Tạm thời không nhận thư"
        message = message_from_bytes(envelope.content, policy=policy.default)
        body = message.get_body(preferencelist=("plain",))
        record = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "subject": str(message["subject"]),
            "body": body.get_content() if body is not None else "",
        }
        with self.lock, open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("out")
    parser.add_argument("--refuse", type=int, default=0)
    args = parser.parse_args()
    controller = Controller(Sink(args.out, args.refuse), hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
