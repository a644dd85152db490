#!/usr/bin/env python3
"""Boot storm: N servers (default 1,000) through the REST API onto C
simulated compute nodes (default 10; libvirt's test driver), one POST per
server from 8 client threads; prints the time until all are ACTIVE and the
rate, then the same for deleting them all.
Usage: bench/boot_storm.py [servers] [compute nodes]"""

import collections
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "support"))
from stratus_cluster import Cluster, wait_until  # noqa: E402

NOVA = "/compute/v2.1"
HEADERS = {"OpenStack-API-Version": "compute 2.79"}
THREADS = 8


def main():
    servers = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    nodes = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    settings = {"compute": {"vcpus": "64", "memory_mb": "131072", "disk_gb": "2000",
                            "report_interval": "2"}}
    with Cluster(settings, compute_nodes=nodes) as c:
        token = c.admin_token()
        project = c.token(c.env["OS_USERNAME"], c.env["OS_PASSWORD"], "admin")[1]["token"]["project"]["id"]

        def nova(method, path, body=None):
            return c.request(method, NOVA + path, token, body, headers=HEADERS)

        nova("PUT", f"/os-quota-sets/{project}", {"quota_set": {"instances": -1, "cores": -1, "ram": -1}})
        flavor = nova("POST", "/flavors", {"flavor": {"name": "b", "ram": 128, "vcpus": 1, "disk": 1}}).json()["flavor"]["id"]
        image = c.request("POST", "/image/v2/images", token,
                          {"name": "b", "disk_format": "raw", "container_format": "bare"}).json()["id"]
        c.request("PUT", f"/image/v2/images/{image}/file", token, raw=b"\0" * 65536,
                  headers={"Content-Type": "application/octet-stream"})
        hosts_up = lambda: sum(h["state"] == "up" for h in nova("GET", "/os-hypervisors").json()["hypervisors"])
        if not wait_until(lambda: hosts_up() == nodes, 60, 0.5):
            sys.exit("the compute nodes did not all report")

        ids, lock = [], threading.Lock()
        todo = list(range(servers))

        def boot():
            while True:
                with lock:
                    if not todo:
                        return
                    i = todo.pop()
                r = nova("POST", "/servers", {"server": {"name": f"s{i}", "imageRef": image,
                                                         "flavorRef": flavor, "networks": "none"}})
                assert r.status == 202, r
                with lock:
                    ids.append(r.json()["server"]["id"])

        def statuses():
            return collections.Counter(s["status"] for s in nova("GET", "/servers/detail?limit=100000").json()["servers"])

        start = time.monotonic()
        threads = [threading.Thread(target=boot) for _ in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        accepted = time.monotonic() - start
        wait_until(lambda: statuses()["ACTIVE"] + statuses()["ERROR"] >= servers, 600, 0.2)
        active = time.monotonic() - start
        final = statuses()
        print(f"boot storm: {servers} servers on {nodes} compute nodes: all accepted in {accepted:.1f} s, "
              f"{final['ACTIVE']} ACTIVE ({final['ERROR']} ERROR) after {active:.1f} s = "
              f"{final['ACTIVE'] / active:.0f} servers/s")

        todo = list(ids)
        start = time.monotonic()

        def delete():
            while True:
                with lock:
                    if not todo:
                        return
                    sid = todo.pop()
                nova("DELETE", f"/servers/{sid}")

        threads = [threading.Thread(target=delete) for _ in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wait_until(lambda: not nova("GET", "/servers?limit=1").json()["servers"], 600, 0.2)
        gone = time.monotonic() - start
        print(f"delete storm: {servers} servers gone after {gone:.1f} s = {servers / gone:.0f} servers/s")


if __name__ == "__main__":
    main()
