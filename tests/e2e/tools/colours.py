"""Prints, per case and variant, the worst status of each threat that
`harden verify` reported inside (in) and from the host (out); R/A/G, - not checked.
Reads the DIR/CASE/VARIANT-{inside,outside}.json files the cases leave."""
import json
import os
import sys

ORDER = {"green": 0, "amber": 1, "red": 2}
THREATS = [
    ("capabilities", "cap"), ("syscalls", "sys"), ("privilege-escalation", "priv"),
    ("resource-exhaustion", "res"), ("docker-socket", "sock"), ("host-mounts", "mnt"),
    ("host-namespaces", "ns"), ("credentials", "cred"), ("agent-sockets", "agent"),
    ("host-execution", "hexec"), ("egress", "egress"),
]

root = sys.argv[1]
print("# colours " + f"{'case/variant':<24}" + " ".join(f"{a:>6}" for _, a in THREATS))
for case in sorted(os.listdir(root)):
    for v in ["orig", "t1", "t2", "t3", "t4"]:
        for view, label in (("inside", "in"), ("outside", "out")):
            path = os.path.join(root, case, f"{v}-{view}.json")
            if not os.path.exists(path):
                continue
            try:
                checks = json.load(open(path))["checks"]
            except (ValueError, KeyError):
                print(f"# colours {case}/{v} {label}: not a verify report")
                continue
            row = []
            for threat, _ in THREATS:
                found = [c["status"] for c in checks if c["threat"] == threat]
                row.append(max(found, key=ORDER.get)[0].upper() if found else "-")
            print("# colours " + f"{case + '/' + v + ' ' + label:<24}" + " ".join(f"{r:>6}" for r in row))
