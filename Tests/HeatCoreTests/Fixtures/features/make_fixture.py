#!/usr/bin/env python3
"""Hand-designed churn-feature fixture (issue 15, item 4) and its expected features.

Writes interactions.csv (a few clients whose events hit the per-bucket caps, the duration-unit
and reply edges and the window edges) and expected.csv: every client's 42 churn features as of
ISO week 2026-W26, computed here from the CSV with an implementation independent of the Swift
code (only the documented rules: DESIGN.md section 4 and Docs/EncryptedScoring.md):

- events are bucketed by client, UTC ISO week, channel and direction;
- per bucket: count, replies (replied_within_hours <= 48) and duration units
  (floor(total seconds / 300)), each capped at 63;
- streams per week: the eight capped counts, the sum of capped replies, the sum of capped units;
- a window of W weeks holds the weeks R - W + 1 ... R (R = 2026-W26), W in 4, 13, 26, 52;
- weekly score = sum of weight * capped count + 1 * capped units + 4 * capped replies, weights
  call 12/8, email 4/3, meeting 16/16, message 3/2 (inbound/outbound);
- heat = sum over ages 0..51 of round(64 * 2^(-age/10)) * weekly score;
- trend = 64 * (sum of weekly scores of ages 0..3 - sum of ages 4..7).

Run: python3 make_fixture.py  (no dependencies; rewrites both files deterministically).
"""
import csv
import datetime as dt
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = dt.date(2026, 6, 28)  # Sunday of 2026-W26
CHANNELS = ["call", "email", "meeting", "message"]
DIRECTIONS = ["inbound", "outbound"]
WEIGHTS = {("call", "inbound"): 12, ("call", "outbound"): 8, ("email", "inbound"): 4, ("email", "outbound"): 3,
           ("meeting", "inbound"): 16, ("meeting", "outbound"): 16, ("message", "inbound"): 3, ("message", "outbound"): 2}
STREAMS = ["call_in", "call_out", "email_in", "email_out", "meeting_in", "meeting_out", "message_in", "message_out",
           "replies", "duration_units"]
WINDOWS = [4, 13, 26, 52]
CAP = 63


def monday(iso_year, week):
    return dt.date.fromisocalendar(iso_year, week, 1)


def at(day, hour=10, minute=0):
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def interactions():
    rows = []
    n = 0

    def add(client, channel, direction, when, seconds="", replied=""):
        nonlocal n
        n += 1
        rows.append([f"EV-{n:04d}", client, "RM-01", "BR-1", channel, direction, when, str(seconds), str(replied)])

    w26, w23, w22 = monday(2026, 26), monday(2026, 23), monday(2026, 22)
    # CAPS: 65 inbound calls in one week (count cap 63), all replied within 2 h (reply cap 63);
    # one 20,000 s outbound meeting (66 units, unit cap 63); 64 inbound emails with 1 s each.
    for i in range(65):
        add("CAPS", "call", "inbound", at(w26, 8 + i // 10, (i % 10) * 5), 60, 2)
    add("CAPS", "meeting", "outbound", at(w26 + dt.timedelta(days=1)), 20000)
    for i in range(64):
        add("CAPS", "email", "inbound", at(w26 + dt.timedelta(days=2), 8 + i // 10, (i % 10) * 5), 1)
    # EDGES: one event per window edge. Sunday 23:59 of W22 is outside 4w; Monday 00:00 of W23 inside.
    add("EDGES", "call", "outbound", at(w22 + dt.timedelta(days=6), 23, 59), 299)          # W22: 0 units, 13w
    add("EDGES", "call", "outbound", at(w23, 0, 0), 300)                                     # W23: 1 unit, 4w
    add("EDGES", "message", "inbound", at(monday(2026, 14)), "", 48)                         # W14: reply (<= 48 h), 13w
    add("EDGES", "message", "inbound", at(monday(2026, 13)), "", 48.5)                       # W13: no reply, 26w
    add("EDGES", "email", "outbound", at(monday(2026, 1)), 599, 0)                           # 2026-W01: 1 unit, 26w
    add("EDGES", "email", "outbound", at(monday(2025, 52)), 600)                             # 2025-W52: 2 units, 52w only
    add("EDGES", "meeting", "inbound", at(monday(2025, 27)), 900)                            # 2025-W27: oldest in 52w
    add("EDGES", "meeting", "inbound", at(monday(2025, 26)), 900)                            # 2025-W26: outside every window
    add("EDGES", "meeting", "inbound", at(monday(2026, 27)), 900)                            # 2026-W27: after the reference week
    # TREND: busy 5-8 weeks ago, quiet since (a negative trend), plus one call in W26.
    for week in (19, 20, 21, 22):
        for i in range(3):
            add("TREND", "meeting", "outbound", at(monday(2026, week) + dt.timedelta(days=i)), 3600, 1)
    add("TREND", "call", "inbound", at(w26 + dt.timedelta(days=4)), 120)
    return rows


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def features(events):
    ref_year, ref_week, _ = REFERENCE.isocalendar()
    ref_monday = monday(ref_year, ref_week)
    buckets = {}  # client -> age -> (channel, direction) -> [count, seconds, replies]
    for e in events:
        when = dt.datetime.strptime(e["occurred_at"], "%Y-%m-%dT%H:%M:%SZ")
        y, w, _ = when.date().isocalendar()
        age = (ref_monday - monday(y, w)).days // 7
        b = buckets.setdefault(e["client_id"], {}).setdefault(age, {}).setdefault((e["channel"], e["direction"]), [0, 0, 0])
        b[0] += 1
        b[1] += int(e["duration_seconds"] or 0)
        if e["replied_within_hours"] != "" and float(e["replied_within_hours"]) <= 48:
            b[2] += 1
    decay = [math.floor(64 * 2 ** (-age / 10) + 0.5) for age in range(52)]
    result = {}
    for client, ages in sorted(buckets.items()):
        values = {f"{s}_{w}w": 0 for s in STREAMS for w in WINDOWS}
        heat = recent = before = 0
        for age, week in ages.items():
            if age < 0:
                continue
            streams = {s: 0 for s in STREAMS}
            score = 0
            for (channel, direction), (count, seconds, replies) in week.items():
                c, u, r = min(count, CAP), min(seconds // 300, CAP), min(replies, CAP)
                streams[f"{channel}_{'in' if direction == 'inbound' else 'out'}"] += c
                streams["replies"] += r
                streams["duration_units"] += u
                score += WEIGHTS[(channel, direction)] * c + u + 4 * r
            for w in WINDOWS:
                if age < w:
                    for s in STREAMS:
                        values[f"{s}_{w}w"] += streams[s]
            if age < 52:
                heat += decay[age] * score
            if age < 4:
                recent += score
            elif age < 8:
                before += score
        values["heat"] = heat
        values["trend"] = 64 * (recent - before)
        result[client] = values
    return result


def main():
    path = os.path.join(HERE, "interactions.csv")
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["event_id", "client_id", "manager_id", "branch", "channel", "direction", "occurred_at",
                         "duration_seconds", "replied_within_hours"])
        writer.writerows(interactions())
    names = [f"{s}_{w}w" for s in STREAMS for w in WINDOWS] + ["heat", "trend"]
    with open(os.path.join(HERE, "expected.csv"), "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["client_id"] + names)
        for client, values in features(read(path)).items():
            writer.writerow([client] + [values[n] for n in names])


if __name__ == "__main__":
    main()
