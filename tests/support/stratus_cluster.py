"""A Stratus cluster for Python tests: started with the real launcher in a
temporary state directory, reached over HTTP as any OpenStack client does."""

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

BIN_DIR = os.environ.get("STRATUS_BIN_DIR", os.path.join(os.path.dirname(__file__), "../../build/bin"))


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body) if self.body else None

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class Cluster:
    """`with Cluster(settings) as c:` starts an all-in-one cluster; `settings`
    become [roles.*] tables of its cluster file."""

    def __init__(self, role_settings=None, compute_nodes=0, network_agents=False,
                 compute_host_kind=None, controller_roles=()):
        self.role_settings = role_settings or {}
        self.compute_nodes = compute_nodes
        self.compute_host_kind = compute_host_kind  # "uml": compute nodes in their own kernels
        self.controller_roles = list(controller_roles)  # more roles for ctl-1 ("console")
        self.compute_roles = '["compute", "network-agent"]' if network_agents else '["compute"]'
        self.dir = tempfile.mkdtemp(prefix="stratus-py-")
        self.state = os.path.join(self.dir, "state")

    def __enter__(self):
        # User-mode Linux kernels stall for longer than a namespace under
        # load: a slower heartbeat keeps a busy one from being taken for dead.
        heartbeat_ms = 1000 if self.compute_host_kind == "uml" else 200
        lines = ["[cluster]", f"heartbeat_ms = {heartbeat_ms}"]
        for role, settings in self.role_settings.items():
            lines.append(f"[roles.{role}]")
            lines += [f'{k} = "{v}"' for k, v in settings.items()]
        roles = ["conductor", "identity", "image-api", "placement", "compute-api",
                 "compute-conductor", "scheduler", "network-server", "gateway"]
        roles += self.controller_roles
        lines += ['[[node]]', 'name = "ctl-1"', "roles = " + json.dumps(roles)]
        if self.compute_nodes == 0:
            lines += ['[[node]]', 'name = "cmp-1"', 'roles = ["echo"]']
        for i in range(1, self.compute_nodes + 1):
            lines += ['[[node]]', f'name = "cmp-{i}"', f'roles = {self.compute_roles}']
            if self.compute_host_kind:
                lines.append(f'host_kind = "{self.compute_host_kind}"')
        self.cluster_file = os.path.join(self.dir, "cluster.toml")
        with open(self.cluster_file, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.relaunch()
        return self

    def __exit__(self, *exc):
        subprocess.run([os.path.join(BIN_DIR, "stratus-launch"), "down", "--state-dir", self.state],
                       capture_output=True, timeout=60)
        if not os.environ.get("STRATUS_KEEP_STATE"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def openrc(self):
        env = {}
        with open(os.path.join(self.state, "openrc")) as f:
            for line in f:
                if line.startswith("export "):
                    key, value = line[len("export "):].strip().split("=", 1)
                    env[key] = value.strip("'")
        return env

    def request(self, method, path, token=None, body=None, headers=None, raw=None):
        """`path` is relative to the gateway ("/identity/v3/projects")."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        h = {"Accept": "application/json"}
        if data is not None:
            h["Content-Type"] = "application/json"
        if token:
            h["X-Auth-Token"] = token
        h.update(headers or {})
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return Response(r.status, r.headers, r.read().decode())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read().decode())

    def token(self, user, password, project=None, domain="Default", scope=None):
        """Issues a token; returns (token, body)."""
        auth = {"identity": {"methods": ["password"], "password": {
            "user": {"name": user, "domain": {"name": domain}, "password": password}}}}
        if project:
            auth["scope"] = {"project": {"name": project, "domain": {"name": domain}}}
        if scope:
            auth["scope"] = scope
        r = self.request("POST", "/identity/v3/auth/tokens", body={"auth": auth})
        if r.status != 201:
            raise AssertionError(f"token for {user}: {r}")
        return r.headers["X-Subject-Token"], r.json()

    def admin_token(self):
        return self.token(self.env["OS_USERNAME"], self.env["OS_PASSWORD"], "admin")[0]

    def relaunch(self):
        """`stratus-launch up`: starts the nodes that are not running."""
        out = subprocess.run([os.path.join(BIN_DIR, "stratus-launch"), "up", "--cluster",
                              self.cluster_file, "--state-dir", self.state],
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError("stratus-launch up failed:\n" + out.stdout + out.stderr)
        self.env = self.openrc()
        self.auth_url = self.env["OS_AUTH_URL"]
        self.base = self.auth_url.rsplit("/identity/v3", 1)[0]

    def tiny_flavor_and_image(self, token):
        """What booting a server needs: a small flavor and a 4 KiB raw image
        (ids)."""
        r = self.request("POST", "/compute/v2.1/flavors", token, {"flavor": {
            "name": "small", "ram": 256, "vcpus": 1, "disk": 1}})
        assert r.status == 200, r
        flavor = r.json()["flavor"]["id"]
        r = self.request("POST", "/image/v2/images", token,
                         {"name": "tiny", "disk_format": "raw", "container_format": "bare"})
        image = r.json()["id"]
        r = self.request("PUT", f"/image/v2/images/{image}/file", token, raw=b"\0" * 4096,
                         headers={"Content-Type": "application/octet-stream"})
        assert r.status == 204, r
        return flavor, image

    def wait_compute_nodes_up(self, token, count, agents=False, timeout=60):
        """Waits until `count` hypervisors are up (and as many network agents
        alive, with `agents`): until then the scheduler has nowhere to go."""
        def up():
            r = self.request("GET", "/compute/v2.1/os-hypervisors/detail", token)
            hypervisors = r.json().get("hypervisors", []) if r.status == 200 else []
            if sum(h.get("state") == "up" for h in hypervisors) < count:
                return False
            if not agents:
                return True
            r = self.request("GET", "/network/v2.0/agents", token)
            return r.status == 200 and sum(a["alive"] for a in r.json()["agents"]) >= count
        assert wait_until(up, timeout, 0.2), "the compute nodes did not come up"

    def node_pid(self, node):
        with open(os.path.join(self.state, "run", node + ".pid")) as f:
            return int(f.read().strip())

    def node_dir(self, node):
        return os.path.join(self.state, "nodes", node)


def wait_until(predicate, timeout=10.0, interval=0.05):
    """Polls `predicate` until it is true or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
