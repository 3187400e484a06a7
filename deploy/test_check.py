"""check.py against the rendered overlays and against each mistake it exists to catch: every
overlay passes as rendered, and each mistake, made in a copy of the rendered objects, is
reported. `python3 -m unittest deploy/test_check.py` with RENDERED set to the rendered YAML
files (scripts/check-deploy sets it)."""

import copy
import os
import unittest

import yaml

import check


def rendered():
    for path in os.environ["RENDERED"].split(":"):
        with open(path) as f:
            yield path, [o for o in yaml.safe_load_all(f) if o]


def find(objects, kind, name):
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def container(o, name):
    return next(c for c in check.pod_spec(o)["containers"] if c["name"] == name)


class Check(unittest.TestCase):
    def setUp(self):
        self.overlays = list(rendered())
        self.assertTrue(self.overlays, "no rendered overlay to check")

    def assertCaught(self, mistake, expected):
        """`mistake(objects)` changes a copy of each overlay; check.py must report `expected`."""
        for path, objects in self.overlays:
            objects = copy.deepcopy(objects)
            mistake(objects)
            found = list(check.problems(objects))
            self.assertTrue(any(expected in p for p in found), f"{path}: {expected!r} not among {found}")

    def test_the_overlays_pass_as_rendered(self):
        for path, objects in self.overlays:
            self.assertEqual(list(check.problems(objects)), [], path)

    def test_a_secret_object_is_caught(self):
        self.assertCaught(lambda o: o.append({"kind": "Secret", "metadata": {"name": "oops"}, "data": {}}),
                          "a Secret's values do not belong")

    def test_a_password_in_a_config_map_url_is_caught(self):
        def mistake(objects):
            find(objects, "ConfigMap", "storefront-config")["data"]["HYDRA_ADMIN_URL"] = "http://u:hunter2@hydra"
        self.assertCaught(mistake, "holds a URL with a password")

    def test_a_secret_given_as_a_plain_value_is_caught(self):
        def mistake(objects):
            app = container(find(objects, "Deployment", "storefront"), "storefront")
            app["env"] = [{"name": "STRIPE_SECRET_KEY", "value": "sk_live_x"}] + app["env"][1:]
        self.assertCaught(mistake, "STRIPE_SECRET_KEY is a secret")

    def test_a_container_without_resources_is_caught(self):
        self.assertCaught(lambda o: container(find(o, "Deployment", "hydra"), "hydra").pop("resources"),
                          "no memory limit")

    def test_a_container_without_probes_is_caught(self):
        self.assertCaught(lambda o: container(find(o, "Deployment", "storefront"), "storefront").pop("readinessProbe"),
                          "no readinessProbe")

    def test_a_writable_root_or_a_kept_capability_is_caught(self):
        def writable(objects):
            job = find(objects, "CronJob", "hydra-janitor")
            container(job, "hydra-janitor")["securityContext"]["readOnlyRootFilesystem"] = False
        self.assertCaught(writable, "the root filesystem is writable")

        def capability(objects):
            migrate = container(find(objects, "Job", "storefront-migrate"), "migrate")
            migrate["securityContext"]["capabilities"] = {"drop": ["ALL"], "add": ["NET_ADMIN"]}
        self.assertCaught(capability, "capabilities are not all dropped")

    def test_a_root_user_is_caught(self):
        def mistake(objects):
            find(objects, "Deployment", "storefront")["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] = False
        self.assertCaught(mistake, "may run as root")

    def test_hydra_admin_outside_the_namespace_is_caught(self):
        self.assertCaught(lambda o: find(o, "Service", "hydra-admin")["spec"].update(type="LoadBalancer"),
                          "exposes Hydra's admin port outside the cluster")

        def routed(objects):
            rules = find(objects, "Ingress", "storefront")["spec"]["rules"]
            rules[1]["http"]["paths"][0]["backend"]["service"] = {"name": "hydra-admin", "port": {"name": "admin"}}
        self.assertCaught(routed, "routes / to Hydra's admin port")

    def test_a_kill_before_the_shutdown_grace_is_caught(self):
        def mistake(objects):
            find(objects, "Deployment", "storefront")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = 20
        self.assertCaught(mistake, "must exceed the preStop sleep")


if __name__ == "__main__":
    unittest.main()
