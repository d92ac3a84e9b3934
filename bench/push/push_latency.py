#!/usr/bin/env python3
"""Push latency of a running REST Mail server: from the SMTP 250 of a message to
(a) the untagged EXISTS in an IMAP session in IDLE and (b) the "added" event on the
REST API's SSE stream, each measured N times. Both sessions are open before the
message is sent, so what is timed is the delivery's commit plus the push.

Usage (with `dotnet run --project src/Silo -- serve` running and an account made
as in the README): bench/push/push_latency.py ADDRESS PASSWORD [N]
"""
import http.client, imaplib, json, smtplib, socket, ssl, statistics, sys, threading, time

address, password = sys.argv[1], sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 50
HOST, HTTP, IMAP, MX = "localhost", 8080, 2143, 2525


def token():
    c = http.client.HTTPConnection(HOST, HTTP)
    c.request("POST", "/v1/auth/token", json.dumps({"username": address, "password": password}), {"Content-Type": "application/json"})
    return json.loads(c.getresponse().read())["access_token"]


def send(n):
    with smtplib.SMTP(HOST, MX) as s:
        s.sendmail("probe@elsewhere.example", [address], f"From: probe@elsewhere.example\r\nTo: {address}\r\nSubject: push {n}\r\n\r\nping\r\n")
    return time.perf_counter()  # sendmail returns after the 250 to DATA


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p * len(values) + 0.5) - 1))]


# IMAP: STARTTLS (the server's self-signed certificate is accepted here), SELECT, IDLE.
context = ssl.create_default_context()
context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
imap = imaplib.IMAP4(HOST, IMAP)
imap.starttls(context)
imap.login(address, password)
imap.select("INBOX")
sock = imap.socket()

# SSE: one stream read on a thread; each "added" event's arrival time is queued.
sse_times = []
sse_event = threading.Condition()
def read_sse():
    c = http.client.HTTPConnection(HOST, HTTP)
    c.request("GET", "/v1/events", headers={"Authorization": "Bearer " + token(), "Accept": "text/event-stream"})
    r = c.getresponse()
    while line := r.fp.readline():
        if line.startswith(b"event: added"):
            with sse_event:
                sse_times.append(time.perf_counter())
                sse_event.notify_all()
threading.Thread(target=read_sse, daemon=True).start()
time.sleep(1)

idle, sse = [], []
for n in range(runs):
    imap.send(b"i IDLE\r\n")
    assert imap.readline().startswith(b"+"), "IDLE refused"
    seen = len(sse_times)
    sent = send(n)
    while b"EXISTS" not in (line := imap.readline()):
        pass
    idle.append((time.perf_counter() - sent) * 1000)
    imap.send(b"DONE\r\n")
    while not imap.readline().startswith(b"i "):
        pass
    with sse_event:
        sse_event.wait_for(lambda: len(sse_times) > seen, timeout=10)
        sse.append((sse_times[seen] - sent) * 1000)

for name, values in (("IMAP IDLE (EXISTS)", idle), ("SSE (event: added)", sse)):
    print(f"{name}: n={len(values)} p50={statistics.median(values):.1f} ms p99={percentile(values, 0.99):.1f} ms max={max(values):.1f} ms")
